"""Offline copies (SERVER.md, "Offline laptops"): take part of a register out on a laptop, work
on it with no network, and sync the changes back.

- ``take_offline``: an encrypted copy of one caseload, team or BCU inside the user's own scope;
- the copy's journal (``journal``) keeps every change and view made in it, by triggers on its
  audit log, whoever makes them;
- ``sync``: the journal sent to the source in order (``sync``), then the copy refreshed;
- ``drop`` and ``redo`` for the changes the source refused;
- ``lock_reason``: a copy not synced for the policy's days shows no data until synced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError

from ncpi_desktop.domain.security import User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.audit import record
from ncpi_desktop.storage.database import DatabaseError, open_database
from ncpi_desktop.storage.keys import KeyFile, KeyFileError, keys_path
from ncpi_desktop.storage.offline.copy import (
    CopyInfo,
    cut,
    journal_rows,
    new_copy,
    parse_scope,
    read_info,
    source_text,
    write_copy,
)
from ncpi_desktop.storage.offline.journal import JournalEntry, JournalError, pending_views
from ncpi_desktop.storage.offline.journal import changes as journal_changes
from ncpi_desktop.storage.offline.journal import drop as journal_drop
from ncpi_desktop.storage.offline.journal import redo as journal_redo
from ncpi_desktop.storage.offline.replay import Decide, storage_decide
from ncpi_desktop.storage.offline.sync import Refusal, SyncResult, send_all, step
from ncpi_desktop.storage.passwords import verify_password
from ncpi_desktop.storage.snapshot import load_policy
from ncpi_desktop.storage.user_rows import REFUSED, SignInRefused, user_from_row, user_row
from ncpi_desktop.storage.users import sign_in, sign_out

__all__ = ["CopyInfo", "Decide", "JournalEntry", "JournalError", "Refusal", "SourceUnreachable",
           "SyncResult", "changes", "drop", "info", "lock_reason", "open_copy",
           "open_copy_changes", "redo", "sync", "take_offline"]

Progress = Callable[[int, int, str], None]


class SourceUnreachable(Exception):
    """The copy's source cannot be reached (or will not let the user in): nothing was changed
    on either side. One line, the source shown without a password."""


def take_offline(source: str | Path, scope: str, out: str | Path, user: str,
                 password: str) -> Path:
    """Take an offline copy of ``scope`` (``caseload:ID``, ``team:NAME``, ``bcu:NAME``) from
    ``source`` as ``user`` into the new file ``out``; its path. ``SignInRefused`` for a wrong
    password, ``NotPermitted`` for a scope outside the user's own, ``ValueError`` for a scope
    that is not one, ``DatabaseError`` when a database cannot be used. The source's audit
    records the copy (a disclosure naming the RSOs taken)."""
    wanted = parse_scope(scope)
    session = sign_in(source, user, password)
    try:
        with session.engine.connect() as connection:
            rows = cut(connection, session.user, wanted, password)
        path = new_copy(Path(out), session.user, password, rows, source_text(source),
                             wanted)
        record(session.engine, session.user.user_name, "disclosure", "take offline copy",
               [r["rso_id"] for r in rows["rso"]], {"scope": wanted.text(), "rsos":
                                                    len(rows["rso"])})
    finally:
        sign_out(session)
    return path


@dataclass
class OpenCopy:
    """A copy unlocked without writing to it (a sync that cannot reach its source must leave it
    as it was): its engine, key, user and where it came from."""

    path: Path
    engine: Engine
    key: bytes
    user: User
    info: CopyInfo


def open_copy(path: str | Path, user_name: str, password: str) -> OpenCopy:
    """Unlock the copy at ``path`` for ``user_name``: ``SignInRefused``, or ``DatabaseError``
    for a file that is not an offline copy."""
    path = Path(path).expanduser().resolve()
    if not keys_path(path).exists():
        raise DatabaseError(f"{path} is not an offline copy (no key file beside it)")
    try:
        keyfile = KeyFile.load(keys_path(path))
    except KeyFileError as exc:
        raise DatabaseError(str(exc)) from exc
    key = keyfile.unlock_with(user_name, keyfile.kek_for(user_name, password))
    if key is None:
        raise SignInRefused(REFUSED)
    engine = open_database(path, key=key)
    with engine.connect() as connection:
        row = user_row(connection, user_name, with_hash=True)
    found = read_info(engine)
    if row is None or not row.active or not verify_password(password, row.password_hash):
        engine.dispose()
        raise SignInRefused(REFUSED)
    if found is None:
        engine.dispose()
        raise DatabaseError(f"{path} is not an offline copy")
    return OpenCopy(path, engine, key, user_from_row(row), found)


def info(engine: Engine) -> CopyInfo | None:
    """Where the database ``engine`` opens came from, if it is an offline copy."""
    return read_info(engine)


def lock_reason(engine: Engine, now: datetime | None = None) -> str | None:
    """Why the copy's data is locked (not synced for the policy's days), or None."""
    found = read_info(engine)
    if found is None:
        return None
    with engine.connect() as connection:
        days = load_policy(connection).offline_lock_days
    now = now or datetime.now(UTC)
    if now - found.synced_at <= timedelta(days=days):
        return None
    return (f"this offline copy was last synced on {uk_date(found.synced_at.date())}, more "
            f"than {days} days ago: its data is locked until it is synced (ncpi-desktop "
            f"offline sync, or File > Sync now)")


def changes(engine: Engine, *statuses: str) -> list[JournalEntry]:
    """The copy's journal of changes (only ``statuses``, if given), in the order made."""
    return journal_changes(engine, *statuses)


def open_copy_changes(path: str | Path, user_name: str, password: str,
                      *statuses: str) -> list[JournalEntry]:
    """The journal of the copy at ``path`` (unlocked for ``user_name``), written to by nothing."""
    opened = open_copy(path, user_name, password)
    try:
        return journal_changes(opened.engine, *statuses)
    finally:
        opened.engine.dispose()


def drop(engine: Engine, change_id: int, actor: str) -> JournalEntry:
    return journal_drop(engine, change_id, actor)


def redo(engine: Engine, change_id: int) -> JournalEntry:
    return journal_redo(engine, change_id)


def _connect_source(opened: OpenCopy, password: str):  # noqa: ANN202 - a users.Session
    try:
        return sign_in(opened.info.source, opened.user.user_name, password)
    except (DatabaseError, SignInRefused, KeyFileError, OSError) as exc:
        raise SourceUnreachable(f"cannot reach the source {opened.info.source}: "
                                f"{str(exc).splitlines()[0]}; nothing was changed") from exc


def sync(path: str | Path, user_name: str, password: str, *, decide: Decide | None = None,
         progress: Progress | None = None) -> SyncResult:
    """Send the copy's pending changes and views to its source, then refresh the copy.
    ``SourceUnreachable`` (nothing changed anywhere) when the source cannot be reached."""
    opened = open_copy(path, user_name, password)
    try:
        session = _connect_source(opened, password)
        try:
            result = send_all(opened.engine, session.engine, session.user,
                              journal_changes(opened.engine, "pending"),
                              pending_views(opened.engine), opened.info.copy_id,
                              decide or storage_decide, progress)
            step("journal sent, copy not refreshed")
            _refresh(opened, session, password)
        except (OperationalError, InterfaceError) as exc:
            raise SourceUnreachable(
                f"lost the source {opened.info.source} during the sync: "
                f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}; each change it applied is "
                f"marked, the rest are still to send: sync again") from exc
        finally:
            sign_out(session)
    finally:
        opened.engine.dispose()
    return result


def _refresh(opened: OpenCopy, session, password: str) -> None:  # noqa: ANN001 - a Session
    """Rebuild the copy from the source (same key, same journal), renamed into place."""
    wanted = parse_scope(opened.info.scope)
    with session.engine.connect() as connection:
        rows = cut(connection, session.user, wanted, password)
    carried = journal_rows(opened.engine)
    opened.engine.dispose()
    now = datetime.now(UTC)
    refreshed = CopyInfo(opened.info.copy_id, opened.info.source, opened.info.scope,
                         opened.info.user_name, opened.info.taken_at, now)
    write_copy(opened.path, opened.key, rows, refreshed, carried,
                    before_rename=lambda: step("copy rebuilt, not renamed"))
    record(session.engine, session.user.user_name, "disclosure", "refresh offline copy",
           [r["rso_id"] for r in rows["rso"]], {"scope": wanted.text(), "rsos": len(rows["rso"])})
