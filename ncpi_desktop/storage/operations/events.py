"""Trigger events and referrals (DOMAIN.md rule 14), each one row inserted in one audited
transaction; undo deletes exactly that row.

A concern-type event (``domain.enums.CONCERN_EVENTS``: rule 11's "offence, concern or adverse
intelligence") also moves the RSO's ``last_concern_on`` to its date when that is later; undo puts
back the date it had before.

No lost update (``operations.guard``, as ``records``): each takes ``seen`` (rso_id -> the RSO's
version the user saw) and refuses with ``StaleWrite`` if it moved; undo and redo refuse if the
row is gone (or, for redo, already back). A concern-type event that moves ``last_concern_on``
writes the RSO's row, so it moves the RSO's version on (as do its undo and redo); an event that
leaves the RSO's row as it is, and a referral, do not: like a visit, a row of its own which two
users may both record, and which the register's start-up copy does not hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.enums import CONCERN_EVENTS, EVENT_NAMES, EventType
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.change import Change, OperationError, StaleWrite
from ncpi_desktop.storage.models import Event, Referral
from ncpi_desktop.storage.operations.base import RSO, audit, now
from ncpi_desktop.storage.operations.guard import (
    begin_write,
    bump,
    changed_by,
    check_seen,
    lock_rsos,
    versions,
)
from ncpi_desktop.storage.operations.records import _as_date, _choice, _new_id, _require_rso
from ncpi_desktop.storage.operations.scope import allow, who

EVENT: Table = Event.__table__  # type: ignore[attr-defined]
REFERRAL: Table = Referral.__table__  # type: ignore[attr-defined]

#: Where a referral goes when the caller names nowhere else (rule 14).
CHILDRENS_SOCIAL_CARE = "children's social care"

#: The permission each record needs, by the operation's audited name.
CHECKED: dict[str, Operation] = {"record event": Operation.RECORD_EVENT,
                                 "record referral": Operation.RECORD_REFERRAL}
_KEYS = {"record event": "event_id", "record referral": "referral_id"}
_TABLES = {"record event": EVENT, "record referral": REFERRAL}


def record_event(engine: Engine, rso_id: RsoId, type: str, occurred_on: date,  # noqa: A002
                 user: User, *, child_at_risk: bool = False,
                 today: date | None = None, seen: Mapping[str, int] | None = None) -> Change:
    """Record a trigger event for an RSO: it starts the reassessment-visit clock and, with
    ``child_at_risk``, the referral clock. Refused: an unknown RSO or type, a future date."""
    today = today or date.today()
    actor = who(user)
    event_type = _choice(type, EventType, "event type")
    occurred_on = _as_date(occurred_on, "event date", today)
    with engine.connect() as connection:
        _require_rso(connection, rso_id)
    row = dict(event_id=_new_id("E"), rso_id=rso_id, type=event_type, occurred_on=occurred_on,
               child_at_risk=bool(child_at_risk), recorded_by=actor, recorded_at=now())
    words = EVENT_NAMES[EventType(event_type)].lower()
    risk = " (a child may be at risk)" if child_at_risk else ""
    summary = f"Record {words} for {rso_id} on {uk_date(occurred_on)}{risk}"
    return _add(engine, "record event", row, summary, user, seen)


def record_referral(engine: Engine, rso_id: RsoId, referred_on: date, user: User, *,
                    to: str = CHILDRENS_SOCIAL_CARE, today: date | None = None,
                    seen: Mapping[str, int] | None = None) -> Change:
    """Record a referral of an RSO's case (by default to children's social care): it stops the
    referral clock of each of the RSO's events on or before ``referred_on``."""
    today = today or date.today()
    actor = who(user)
    referred_on = _as_date(referred_on, "referral date", today)
    to = (to or "").strip()
    if not to:
        raise OperationError("A referral needs whom it was made to (e.g. children's social "
                             "care)")
    with engine.connect() as connection:
        _require_rso(connection, rso_id)
    row = dict(referral_id=_new_id("F"), rso_id=rso_id, referred_on=referred_on,
               referred_to=to, recorded_by=actor, recorded_at=now())
    summary = f"Record referral of {rso_id} to {to} on {uk_date(referred_on)}"
    return _add(engine, "record referral", row, summary, user, seen)


def _concern_after(connection: Connection, row: dict[str, Any]) -> tuple[Any, Any] | None:
    """(before, after) of the RSO's ``last_concern_on`` when ``row`` is a concern-type event
    later than it; None when the event leaves it as it is."""
    if row.get("type") not in {t.value for t in CONCERN_EVENTS}:
        return None
    before = connection.execute(select(RSO.c.last_concern_on)
                                .where(RSO.c.rso_id == row["rso_id"])).scalar()
    if before is not None and before >= row["occurred_on"]:
        return None
    return before, row["occurred_on"]


def _set_concern(connection: Connection, rso_id: str, value: Any) -> None:
    connection.execute(update(RSO).where(RSO.c.rso_id == rso_id).values(last_concern_on=value))


def _moved_on(connection: Connection, rso_id: str,
              concern: tuple[Any, Any] | None) -> dict[str, int]:
    """The RSO's version after the write: one more when it wrote the RSO's row (a concern)."""
    return bump(connection, [rso_id]) if concern is not None else versions(connection, [rso_id])


def _add(engine: Engine, operation: str, row: dict[str, Any], summary: str,
         user: User, seen: Mapping[str, int] | None = None) -> Change:
    """Insert one event or referral in one audited transaction (and move last_concern_on for a
    concern); undo deletes exactly that row and puts last_concern_on back. A redo (``seen``
    None) is refused if the row is already there."""
    actor = who(user)
    table, key = _TABLES[operation], _KEYS[operation]
    with begin_write(engine) as connection:
        lock_rsos(connection, [row["rso_id"], *(seen or ())])
        allow(connection, user, CHECKED[operation], rsos=[row["rso_id"]])
        _require_rso(connection, row["rso_id"])
        check_seen(connection, seen)
        if connection.execute(select(table.c[key]).where(table.c[key] == row[key])).first():
            raise StaleWrite(f"Nothing to redo: {summary} is recorded already")
        concern = _concern_after(connection, row)
        connection.execute(insert(table).values(**row))
        before: dict[str, Any] = {"record": None}
        after: dict[str, Any] = {"record": row}
        if concern is not None:
            _set_concern(connection, row["rso_id"], concern[1])
            before["last_concern_on"], after["last_concern_on"] = concern
        audit(connection, actor, operation, before, after)
        moved = _moved_on(connection, row["rso_id"], concern)

    def undo(engine_: Engine, user_: User) -> Change:
        return _remove(engine_, operation, row, summary, user_, concern)

    return Change(operation, summary, before, after, undo, moved)


def _remove(engine: Engine, operation: str, row: dict[str, Any], summary: str, user: User,
            concern: tuple[Any, Any] | None) -> Change:
    """The exact inverse of ``_add``: the row goes, last_concern_on returns to before. Refused
    (``StaleWrite``) if the row is gone, or last_concern_on is no longer what the event made it
    (a later concern moved it: putting it back would lose that)."""
    actor = who(user)
    table, key = _TABLES[operation], _KEYS[operation]
    with begin_write(engine) as connection:
        lock_rsos(connection, [row["rso_id"]])
        allow(connection, user, CHECKED[operation], rsos=[row["rso_id"]])
        gone = connection.execute(delete(table).where(table.c[key] == row[key])).rowcount
        if gone != 1:
            raise StaleWrite(f"Nothing to undo: {summary} is no longer recorded "
                             f"({changed_by(connection, row['rso_id'])})")
        if concern is not None and connection.execute(
                select(RSO.c.last_concern_on).where(RSO.c.rso_id == row["rso_id"])
        ).scalar() != concern[1]:
            raise StaleWrite(f"{row['rso_id']}'s latest concern has changed since "
                             f"({changed_by(connection, row['rso_id'])}): nothing was undone")
        before: dict[str, Any] = {"record": row}
        after: dict[str, Any] = {"record": None}
        if concern is not None:
            _set_concern(connection, row["rso_id"], concern[0])
            before["last_concern_on"], after["last_concern_on"] = concern[1], concern[0]
        audit(connection, actor, f"undo {operation}", before, after)
        moved = _moved_on(connection, row["rso_id"], concern)

    def redo(engine_: Engine, user_: User) -> Change:
        return _add(engine_, operation, row, summary, user_)

    return Change(f"undo {operation}", f"Undo: {summary}", before, after, redo, moved)
