"""The journal of an offline copy (SERVER.md, "Offline laptops"): every change and every view
made in the copy, kept for the source's audit with its original time.

The copy's tables are made only in copies (never by a migration): they mean nothing on a source,
and their triggers must never run on a shared database. The journal is filled by two triggers on
the copy's audit log, the one place every named operation, undo, consultation and sign-in passes
(the window's, the command line's, any program's), in the same transaction as the change itself:

- an ``alteration`` row adds an ``offline_change``: the operation's name, its before and after
  (``arguments``, from which ``sync`` makes the same named operation on the source), the RSOs it
  names and their holder and management as they stood in the copy (``seen``);
- any other row (access, consultation, disclosure) adds an ``offline_view``, replayed to the
  source's audit as it was.

A change is ``pending`` until sync applies it (``synced``), or the source refuses it
(``refused``, with ``why``); a refused change is redone (``redo``: pending again, sent without the
"as seen" check) or dropped (``drop``: ``dropped``, itself sent to the source's audit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.storage.audit import append

#: What a dropped change is audited as (in the copy, then sent to the source's audit).
DROPPED = "drop offline change"

COPY_TABLES = (
    """CREATE TABLE IF NOT EXISTS offline_source (
        copy_id TEXT NOT NULL, source TEXT NOT NULL, scope TEXT NOT NULL,
        user_name TEXT NOT NULL, taken_at TEXT NOT NULL, synced_at TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS offline_change (
        id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL,
        at TEXT NOT NULL, actor TEXT NOT NULL, operation TEXT NOT NULL,
        arguments TEXT NOT NULL, rso_ids TEXT NOT NULL, seen TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending', why TEXT, unchecked INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS offline_view (
        id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL,
        at TEXT NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, operation TEXT NOT NULL,
        rso_ids TEXT NOT NULL, detail TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending')""",
)

#: The RSOs an audit row names, each with its holder and management as they stand now.
_SEEN = """(SELECT coalesce(json_group_object(r.rso_id, json_object(
        'manager_id', r.manager_id, 'team', r.team, 'management', r.management)), '{}')
    FROM rso r WHERE r.rso_id IN (SELECT value FROM json_each(NEW.rso_ids)))"""

TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS offline_journal_change AFTER INSERT ON audit
    WHEN NEW.kind = 'alteration' AND NEW.operation <> '{DROPPED}'
    BEGIN
        INSERT INTO offline_change (uuid, seq, at, actor, operation, arguments, rso_ids, seen)
        VALUES (lower(hex(randomblob(16))), NEW.id, NEW.at, NEW.actor, NEW.operation,
                NEW.detail, NEW.rso_ids, {_SEEN});
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS offline_journal_view AFTER INSERT ON audit
    WHEN NEW.kind <> 'alteration' OR NEW.operation = '{DROPPED}'
    BEGIN
        INSERT INTO offline_view (uuid, seq, at, actor, kind, operation, rso_ids, detail)
        VALUES (lower(hex(randomblob(16))), NEW.id, NEW.at, NEW.actor, NEW.kind,
                NEW.operation, NEW.rso_ids, NEW.detail);
    END""",
)


class JournalError(ValueError):
    """A change that cannot be dropped or redone (unknown, or already synced); one line."""


@dataclass(frozen=True)
class JournalEntry:
    """One change made in the copy, as the journal keeps it."""

    id: int
    uuid: str
    seq: int
    at: datetime
    actor: str
    operation: str
    arguments: dict[str, Any]
    rso_ids: list[str]
    seen: dict[str, dict[str, Any]]
    status: str
    why: str | None
    unchecked: bool

    def summary(self) -> str:
        """What the change was, in a line: its operation and RSOs."""
        ids = ", ".join(self.rso_ids[:5]) + (" ..." if len(self.rso_ids) > 5 else "")
        return f"{self.operation} {ids}".strip()


@dataclass(frozen=True)
class ViewEntry:
    """One view (or sign-in, or disclosure) made in the copy, for the source's audit."""

    uuid: str
    seq: int
    at: datetime
    actor: str
    kind: str
    operation: str
    rso_ids: list[str]
    detail: Any


def as_utc(value: Any) -> datetime:
    """An audit time read back from the copy (text or a naive UTC datetime) as aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def install(connection: Connection) -> None:
    """Make the copy's tables and triggers (in a copy only)."""
    for statement in (*COPY_TABLES, *TRIGGERS):
        connection.exec_driver_sql(statement)


def is_copy(connection: Connection) -> bool:
    return connection.execute(text(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'offline_source'")
    ).first() is not None if connection.dialect.name == "sqlite" else False


def _entry(row: Any) -> JournalEntry:
    return JournalEntry(id=row.id, uuid=row.uuid, seq=row.seq, at=as_utc(row.at),
                        actor=row.actor, operation=row.operation,
                        arguments=json.loads(row.arguments or "null") or {},
                        rso_ids=json.loads(row.rso_ids or "[]"),
                        seen=json.loads(row.seen or "{}"), status=row.status, why=row.why,
                        unchecked=bool(row.unchecked))


def changes(engine: Engine, *statuses: str) -> list[JournalEntry]:
    """The journal's changes in the order they were made (only ``statuses``, if given)."""
    query = "SELECT * FROM offline_change"
    if statuses:
        query += " WHERE status IN (" + ",".join(f"'{s}'" for s in statuses) + ")"
    with engine.connect() as connection:
        return [_entry(r) for r in connection.execute(text(query + " ORDER BY id"))]


def pending_views(engine: Engine) -> list[ViewEntry]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT * FROM offline_view WHERE status = 'pending' ORDER BY id")).all()
    return [ViewEntry(uuid=r.uuid, seq=r.seq, at=as_utc(r.at), actor=r.actor, kind=r.kind,
                      operation=r.operation, rso_ids=json.loads(r.rso_ids or "[]"),
                      detail=json.loads(r.detail or "null")) for r in rows]


def mark(engine: Engine, table: str, uuid: str, status: str, why: str | None = None) -> None:
    """Set one journal row's status (a change's ``why`` with it)."""
    assert table in ("offline_change", "offline_view")
    extra = ", why = :why" if table == "offline_change" else ""
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET status = :status{extra} WHERE uuid = :u"),
                           {"status": status, "why": why, "u": uuid})


def _one(connection: Connection, change_id: int) -> JournalEntry:
    row = connection.execute(text("SELECT * FROM offline_change WHERE id = :i"),
                             {"i": change_id}).first()
    if row is None:
        raise JournalError(f"No change {change_id} in this offline copy")
    return _entry(row)


def drop(engine: Engine, change_id: int, actor: str) -> JournalEntry:
    """Drop a change not yet synced: it is never sent; the drop itself goes to the source's
    audit (with what was dropped) at the next sync."""
    with engine.begin() as connection:
        entry = _one(connection, change_id)
        if entry.status not in ("pending", "refused"):
            raise JournalError(f"Change {change_id} is {entry.status}: only a change not yet "
                               f"synced can be dropped")
        connection.execute(text("UPDATE offline_change SET status = 'dropped' WHERE id = :i"),
                           {"i": change_id})
        append(connection, actor, "alteration", DROPPED, entry.rso_ids,
               {"change": change_id, "operation": entry.operation, "made_at": entry.at,
                "why_refused": entry.why, "arguments": entry.arguments})
    return entry


def redo(engine: Engine, change_id: int) -> JournalEntry:
    """Send a refused change again at the next sync, with the source's checks but without the
    "as seen" one: the user has seen what changed there and wants it applied all the same."""
    with engine.begin() as connection:
        entry = _one(connection, change_id)
        if entry.status != "refused":
            raise JournalError(f"Change {change_id} is {entry.status}: only a refused change "
                               f"can be redone")
        connection.execute(text("UPDATE offline_change SET status = 'pending', why = NULL, "
                                "unchecked = 1 WHERE id = :i"), {"i": change_id})
    return entry
