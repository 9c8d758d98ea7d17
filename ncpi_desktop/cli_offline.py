"""The command line's offline copies (SERVER.md, "Offline laptops")::

    ncpi-desktop offline take --db SOURCE --scope caseload:MANAGER_ID|team:NAME|bcu:NAME \
        --out LAPTOP.db
    ncpi-desktop offline sync LAPTOP.db
    ncpi-desktop offline redo LAPTOP.db CHANGE_ID
    ncpi-desktop offline drop LAPTOP.db CHANGE_ID

As the signed-in user (``--user``/``NCPI_USER``, ``NCPI_PASSWORD``), whose password unlocks the
copy and signs in to its source. ``sync`` exits 0 when every change is applied, 1 when the source
refused some (each listed with why, kept in the copy until redone or dropped), 2 when the source
cannot be reached (nothing changed on either side). ``redo`` does what the window's Redo does:
the refused change is sent again with the source's checks but not the "as seen" one (the user
has seen what changed there), then the copy syncs; its status is the sync's.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from ncpi_desktop.cli_session import password, user_name_of
from ncpi_desktop.exits import EXIT_INVALID, EXIT_NOT_PERMITTED, EXIT_OK, EXIT_UNUSABLE, say

#: The command this module runs (``args.command``).
COMMANDS = ("offline",)


def register(commands: argparse._SubParsersAction,
             _parse_date: Callable[[str], date] | None = None) -> None:
    """Add ``offline take|sync|redo|drop`` to the command line."""
    offline = commands.add_parser("offline", help="take part of a register offline on a laptop, "
                                                  "and sync it back")
    actions = offline.add_subparsers(dest="offline_action", required=True)
    take = actions.add_parser("take", help="write an encrypted offline copy of one scope")
    take.add_argument("--db", dest="sub_db", required=True, metavar="SOURCE",
                      help="the register to copy from: a database file or a postgresql:// URL")
    take.add_argument("--scope", required=True,
                      metavar="caseload:MANAGER_ID|team:NAME|bcu:NAME",
                      help="what to take (inside your own scope)")
    take.add_argument("--out", required=True, metavar="LAPTOP.db", help="the new copy's file")
    sync = actions.add_parser("sync", help="send the copy's changes to its source, then "
                                           "refresh it")
    sync.add_argument("copy", metavar="LAPTOP.db")
    redo = actions.add_parser("redo", help="send a change the source refused again (applied "
                                           "to the source as it is now), then sync")
    drop = actions.add_parser("drop", help="drop a change the source refused (never sent)")
    for parser in (redo, drop):
        parser.add_argument("copy", metavar="LAPTOP.db")
        parser.add_argument("change_id", type=int, metavar="CHANGE_ID")
    for parser in (take, sync, redo, drop):
        parser.add_argument("--user", dest="sub_user", metavar="NAME",
                            help="who signs in (default: $NCPI_USER); the password comes from "
                                 "$NCPI_PASSWORD or a prompt")


def run(args: argparse.Namespace) -> int:
    """Run ``offline take|sync|redo|drop``; the status as the module's docstring says."""
    from ncpi_desktop.domain.security import NotPermitted
    from ncpi_desktop.storage.database import DatabaseError
    from ncpi_desktop.storage.user_rows import SignInRefused

    name = user_name_of(args)
    secret = password(prompt=f"Password for {name}: ")
    handler = {"take": _take, "sync": _sync, "redo": _redo, "drop": _drop}[args.offline_action]
    try:
        return handler(args, name, secret)
    except NotPermitted as exc:
        return say(str(exc), EXIT_NOT_PERMITTED)
    except (DatabaseError, SignInRefused, ValueError) as exc:
        return say(str(exc).splitlines()[0], EXIT_UNUSABLE)


def _take(args: argparse.Namespace, name: str, secret: str) -> int:
    from ncpi_desktop.storage.offline import take_offline

    path = take_offline(args.sub_db, args.scope, args.out, name, secret)
    print(f"offline copy of {args.scope} written to {path} (unlocked by {name}'s password)")
    return EXIT_OK


def _sync(args: argparse.Namespace, name: str, secret: str) -> int:
    from ncpi_desktop.actions.decisions import record_decision
    from ncpi_desktop.storage import offline

    try:
        result = offline.sync(args.copy, name, secret, decide=record_decision)
    except offline.SourceUnreachable as exc:
        return say(str(exc), EXIT_UNUSABLE)
    print(f"synced: {result.applied} change(s) applied, {result.views} view(s) sent to the "
          f"source's audit")
    opened = offline.open_copy(args.copy, name, secret)
    try:
        refused = offline.changes(opened.engine, "refused")
    finally:
        opened.engine.dispose()
    for entry in refused:
        print(f"refused {entry.id}: {entry.summary()} (made {entry.at:%d/%m/%Y %H:%M}): "
              f"{entry.why}")
    if refused:
        return say(f"{len(refused)} change(s) refused and kept in the copy: redo them "
                   f"(ncpi-desktop offline redo {args.copy} CHANGE_ID) or drop them "
                   f"(ncpi-desktop offline drop {args.copy} CHANGE_ID)", EXIT_INVALID)
    return EXIT_OK


def _redo(args: argparse.Namespace, name: str, secret: str) -> int:
    """As the window's Redo (``menus.offline``): mark the refused change to send again, then
    sync."""
    from ncpi_desktop.storage import offline

    opened = offline.open_copy(args.copy, name, secret)
    try:
        entry = offline.redo(opened.engine, args.change_id)
    except offline.JournalError as exc:
        return say(str(exc), EXIT_INVALID)
    finally:
        opened.engine.dispose()
    print(f"redoing {entry.id}: {entry.summary()}, applied to the source as it is now")
    return _sync(args, name, secret)


def _drop(args: argparse.Namespace, name: str, secret: str) -> int:
    from ncpi_desktop.storage import offline

    opened = offline.open_copy(args.copy, name, secret)
    try:
        entry = offline.drop(opened.engine, args.change_id, name)
    except offline.JournalError as exc:
        return say(str(exc), EXIT_INVALID)
    finally:
        opened.engine.dispose()
    print(f"dropped {entry.id}: {entry.summary()}; it will not be sent to the source")
    return EXIT_OK
