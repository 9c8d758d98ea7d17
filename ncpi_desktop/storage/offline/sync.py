"""Sending an offline copy's journal to its source, then refreshing the copy (SERVER.md).

Each change is one transaction on the source: the "as seen" check (``changed_since``), the same
named operation as the signed-in user (with its own role and scope checks), its audit rows
re-dated to the change's original time and marked ``offline``, and the change's uuid in
``offline_applied``. Then the copy marks it synced. Killed anywhere, the source holds a change
wholly or not at all, and a change the source holds is found in ``offline_applied`` and never
applied again. Views are sent the same way. Last, the copy is rebuilt from the source beside
itself and renamed into place, carrying its journal (the refused changes stay, not synced).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.security import NotPermitted, User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.audit import ADVISORY_LOCK, AUDIT, append, content_hash
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.database import is_server
from ncpi_desktop.storage.offline.journal import JournalEntry, ViewEntry, mark
from ncpi_desktop.storage.offline.replay import Decide, replay
from ncpi_desktop.storage.operations.base import ALLOCATION, RSO

#: Test hook: sync kills its own process (SIGKILL, as ``kill -9``) at the Nth step point it
#: reaches, or at the first reached of a step's name (``STEPS``), saying which on stderr first.
KILL_AT_VARIABLE = "NCPI_OFFLINE_SYNC_KILL_AT"
#: The points a sync may be killed at, in the order a change, a view and the refresh reach them.
STEPS = ("before a change", "change applied, not committed", "change committed, copy not marked",
         "view applied, not committed", "view committed, copy not marked",
         "journal sent, copy not refreshed", "copy rebuilt, not renamed")
_steps = {"n": 0}

OFFLINE_APPLIED = "offline_applied"


def step(where: str) -> None:
    """A point at which a sync may be killed (``KILL_AT_VARIABLE``, for tests)."""
    wanted = os.environ.get(KILL_AT_VARIABLE)
    if not wanted:
        return
    _steps["n"] += 1
    if wanted == where or (wanted.isdigit() and _steps["n"] == int(wanted)):
        os.write(2, f"killed at: {where}\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Refusal:
    """A change the source refused, and why."""

    change_id: int
    summary: str
    why: str


@dataclass
class SyncResult:
    applied: int = 0
    already: int = 0
    views: int = 0
    refused: list[Refusal] = field(default_factory=list)


class _InTransaction:
    """An ``Engine`` for the named operations whose ``begin`` and ``connect`` hand out the
    sync's one open connection: the operation's writes, the check before them and the mark
    after them commit (or roll back) together."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect
        self.url = connection.engine.url

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        yield self._connection

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self._connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection.engine, name)


def _lock(connection: Connection) -> None:
    """Take the lock ``audit.append`` takes, before reading what is checked: two syncs of one
    copy (or any writer of the audit) wait for each other, and the second sees the first's
    ``offline_applied`` rows (SQLite's write lock; PostgreSQL's advisory lock, after which
    each statement at READ COMMITTED sees what the first committed)."""
    if connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")


# --- what the copy saw, and whether the source still stands so -------------------------------

def seen_before(entry: JournalEntry) -> dict[str, dict[str, Any]]:
    """Each RSO's holder and management as the copy had them just before the change: the state
    journaled after it, with what the change itself altered put back from its ``before``."""
    seen = {k: dict(v) for k, v in entry.seen.items()}
    before = entry.arguments.get("before") or {}
    for rso_id, holder in (before.get("rso") or {}).items():
        if holder and rso_id in seen:
            seen[rso_id].update(holder)
    if isinstance(before, dict) and "management" in before:
        for state in seen.values():
            state["management"] = before["management"]
    return seen


def _moved_by(connection: Connection, rso_id: str) -> str:
    row = connection.execute(select(ALLOCATION.c.actor, ALLOCATION.c.recorded_at)
                             .where(ALLOCATION.c.rso_id == rso_id)
                             .order_by(ALLOCATION.c.id.desc()).limit(1)).first()
    if row is None:
        return ""
    at = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC)
    at = at.astimezone()  # as the user's clock says it
    return f" (moved by {row.actor} at {at:%H:%M} on {uk_date(at.date())})"


def changed_since(connection: Connection, seen: dict[str, dict[str, Any]]) -> str | None:
    """Why the source no longer stands as the copy saw it (None: it does), read in the sync's
    transaction. The merge may swap this for the operations' own per-RSO "as seen" check."""
    if not seen:
        return None
    query = select(RSO.c.rso_id, RSO.c.manager_id, RSO.c.team, RSO.c.management).where(
        RSO.c.rso_id.in_(list(seen)))
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    now = {row.rso_id: row for row in connection.execute(query)}
    for rso_id, was in sorted(seen.items()):
        row = now.get(rso_id)
        if row is None:
            return f"{rso_id} is no longer on the source's register"
        if (row.manager_id, row.team) != (was.get("manager_id"), was.get("team")):
            held = row.manager_id or f"the {row.team} pool"
            return f"{rso_id} is now held by {held}{_moved_by(connection, rso_id)}"
        if row.management != was.get("management"):
            return (f"{rso_id} is now managed {row.management}ly on the source (it was "
                    f"{was.get('management')} when this change was made)")
    return None


# --- the source's audit: original time, marked offline ----------------------------------------

def _offline_detail(detail: Any, uuid: str) -> Any:
    marked = {"offline": True, "offline_change": uuid}
    return {**detail, **marked} if isinstance(detail, dict) else {"detail": detail, **marked}


def restamp(connection: Connection, after_id: int, at: datetime, uuid: str) -> None:
    """Re-date the audit rows written after ``after_id`` in this transaction to ``at`` and mark
    them made offline, re-chaining their hashes (the log's lock is held until commit). On a
    server, which lets nobody change the log, its function ``ncpi_audit_restamp`` does it."""
    if is_server(connection):
        when = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        connection.execute(text("SELECT ncpi_audit_restamp(:a, :t, :u)"),
                           {"a": after_id, "t": when, "u": uuid})
        return
    rows = connection.execute(select(AUDIT).where(AUDIT.c.id > after_id)
                              .order_by(AUDIT.c.id)).mappings().all()
    previous = None
    for row in rows:
        detail = json.dumps(_offline_detail(json.loads(row["detail"]), uuid), default=str,
                            sort_keys=True)
        prev_hash = row["prev_hash"] if previous is None else previous
        new = {**row, "at": at, "detail": detail, "prev_hash": prev_hash}
        previous = content_hash(new)
        connection.execute(update(AUDIT).where(AUDIT.c.id == row["id"]).values(
            at=at, detail=detail, prev_hash=prev_hash, hash=previous))


def _last_audit_id(connection: Connection) -> int:
    return connection.execute(select(AUDIT.c.id).order_by(AUDIT.c.id.desc()).limit(1)
                              ).scalar() or 0


def _applied(connection: Connection, uuid: str) -> bool:
    return connection.execute(text(f"SELECT 1 FROM {OFFLINE_APPLIED} WHERE change_uuid = :u"),
                              {"u": uuid}).first() is not None


def _mark_applied(connection: Connection, uuid: str, copy_id: str, actor: str) -> None:
    connection.execute(text(f"INSERT INTO {OFFLINE_APPLIED} (change_uuid, copy_id, actor, "
                            f"applied_at) VALUES (:u, :c, :a, :t)"),
                       {"u": uuid, "c": copy_id, "a": actor, "t": datetime.now(UTC)})


# --- sending ---------------------------------------------------------------------------------

def send_change(source: Engine, user: User, entry: JournalEntry, copy_id: str, decide: Decide,
                undoable: dict[str, list[Change]]) -> str | None:
    """Apply one change on the source in one transaction: None when applied (or found applied
    before), else why it was refused (nothing of it applied)."""
    try:
        with source.begin() as connection:
            _lock(connection)
            if _applied(connection, entry.uuid):
                return None  # sent by a sync killed before the copy marked it
            if not entry.unchecked:
                why = changed_since(connection, seen_before(entry))
                if why is not None:
                    raise OperationError(why)
            last = _last_audit_id(connection)
            change = replay(_InTransaction(connection), user, entry, decide,  # type: ignore[arg-type]
                            undoable)
            restamp(connection, last, entry.at, entry.uuid)
            _mark_applied(connection, entry.uuid, copy_id, user.user_name)
            step("change applied, not committed")
    except (OperationError, NotPermitted, KeyError, ValueError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    base = entry.operation.removeprefix("undo ").removeprefix("redo ")
    stack = undoable.setdefault(base, [])
    if base != entry.operation and stack:
        stack.pop()
    stack.append(change)
    return None


def send_view(source: Engine, view: ViewEntry, copy_id: str) -> None:
    """One view (consultation, sign-in on the laptop...) into the source's audit, at its time."""
    with source.begin() as connection:
        _lock(connection)
        if _applied(connection, view.uuid):
            return
        last = _last_audit_id(connection)
        append(connection, view.actor, view.kind, view.operation, view.rso_ids, view.detail)
        restamp(connection, last, view.at, view.uuid)
        _mark_applied(connection, view.uuid, copy_id, view.actor)
        step("view applied, not committed")


def send_all(copy: Engine, source: Engine, user: User, entries: list[JournalEntry],
             views: list[ViewEntry], copy_id: str, decide: Decide,
             progress: Callable[[int, int, str], None] | None = None) -> SyncResult:
    """Send the pending changes in the order they were made, then the views."""
    result = SyncResult()
    undoable: dict[str, list[Change]] = {}
    total = len(entries) + len(views)
    for done, entry in enumerate(entries):
        if progress:
            progress(done, total, f"Sending change {entry.id}")
        step("before a change")
        why = send_change(source, user, entry, copy_id, decide, undoable)
        step("change committed, copy not marked")
        if why is None:
            mark(copy, "offline_change", entry.uuid, "synced")
            result.applied += 1
        else:
            mark(copy, "offline_change", entry.uuid, "refused", why)
            result.refused.append(Refusal(entry.id, entry.summary(), why))
    for done, view in enumerate(views, start=len(entries)):
        if progress:
            progress(done, total, "Sending views")
        send_view(source, view, copy_id)
        step("view committed, copy not marked")
        mark(copy, "offline_view", view.uuid, "synced")
        result.views += 1
    return result
