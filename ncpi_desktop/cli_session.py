"""Signing in on the command line (SECURITY.md, "Signing in"): every command that reads or writes
a database signs in first, as ``--user NAME`` (or ``NCPI_USER``) with ``NCPI_PASSWORD`` or a
password typed at a prompt when standard input is a terminal.

A command module adds the options with ``add_sign_in_arguments`` and runs inside
``with signed_in(args) as session:``; the session's user is the audit's "who" (``--actor`` is
gone). The sign-in and the sign-out are audited.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ncpi_desktop.exits import Unusable

if TYPE_CHECKING:
    from ncpi_desktop.storage.users import Session

USER_VARIABLE = "NCPI_USER"
PASSWORD_VARIABLE = "NCPI_PASSWORD"
NEW_PASSWORD_VARIABLE = "NCPI_NEW_PASSWORD"


class NoCredentials(Unusable):
    """No user name or password was given, and none can be asked for (exit 2)."""


def add_sign_in_arguments(parser: argparse.ArgumentParser, db_help: str = "database file or "
                          "URL") -> None:
    """``--db`` and ``--user`` on a command's own parser (also accepted before the command)."""
    parser.add_argument("--db", dest="sub_db", help=db_help)
    parser.add_argument("--user", dest="sub_user", metavar="NAME",
                        help=f"who signs in (default: ${USER_VARIABLE}); the password comes "
                             f"from ${PASSWORD_VARIABLE} or a prompt")


def target_of(args: argparse.Namespace) -> str | None:
    return getattr(args, "sub_db", None) or getattr(args, "db", None)


def user_name_of(args: argparse.Namespace, *, prompt: bool = False) -> str:
    """The user from ``--user`` or ``NCPI_USER`` (with ``prompt``, asked for in a terminal)."""
    name = (getattr(args, "sub_user", None) or getattr(args, "user", None)
            or os.environ.get(USER_VARIABLE, "")).strip()
    if not name and prompt and sys.stdin.isatty():
        name = input("User name: ").strip()
    if not name:
        raise NoCredentials(f"no user: give --user NAME or set {USER_VARIABLE}")
    return name


def password(variable: str = PASSWORD_VARIABLE, prompt: str = "Password: ", *,
             confirm: bool = False) -> str:
    """The password from ``variable``, else typed (not echoed) when standard input is a
    terminal; ``NoCredentials`` otherwise. With ``confirm`` a typed one is asked for twice."""
    given = os.environ.get(variable)
    if given:
        return given
    if not sys.stdin.isatty():
        raise NoCredentials(f"no password: set {variable} or run in a terminal")
    typed = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != typed:
        raise NoCredentials("the two passwords typed differ; nothing was changed")
    return typed


@contextmanager
def signed_in(args: argparse.Namespace) -> Iterator[Session]:
    """Sign in to the command's database for the length of the block, then sign out."""
    from ncpi_desktop.storage.users import sign_in, sign_out

    name = user_name_of(args)
    session = sign_in(target_of(args), name, password(prompt=f"Password for {name}: "))
    try:
        _refuse_locked_copy(session)
        yield session
    finally:
        try:
            sign_out(session)
        except Exception:  # noqa: BLE001 - the command's own outcome (or error) is what counts
            session.engine.dispose()


def _refuse_locked_copy(session: Session) -> None:
    """An offline copy not synced for the policy's days shows no data (SERVER.md)."""
    from ncpi_desktop.storage.offline import lock_reason

    reason = lock_reason(session.engine)
    if reason is not None:
        raise Unusable(reason)
