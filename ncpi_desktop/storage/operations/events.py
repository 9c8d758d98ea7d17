"""Trigger events and referrals (DOMAIN.md rule 14), each one row inserted in one audited
transaction; undo deletes exactly that row.

A concern-type event (``domain.enums.CONCERN_EVENTS``: rule 11's "offence, concern or adverse
intelligence") also moves the RSO's ``last_concern_on`` to its date when that is later; undo puts
back the date it had before.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.enums import CONCERN_EVENTS, EVENT_NAMES, EventType
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.models import Event, Referral
from ncpi_desktop.storage.operations.base import RSO, audit, now
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
                 today: date | None = None) -> Change:
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
    return _add(engine, "record event", row, summary, user)


def record_referral(engine: Engine, rso_id: RsoId, referred_on: date, user: User, *,
                    to: str = CHILDRENS_SOCIAL_CARE, today: date | None = None) -> Change:
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
    return _add(engine, "record referral", row, summary, user)


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


def _add(engine: Engine, operation: str, row: dict[str, Any], summary: str,
         user: User) -> Change:
    """Insert one event or referral in one audited transaction (and move last_concern_on for a
    concern); undo deletes exactly that row and puts last_concern_on back."""
    actor = who(user)
    with engine.begin() as connection:
        allow(connection, user, CHECKED[operation], rsos=[row["rso_id"]])
        _require_rso(connection, row["rso_id"])
        concern = _concern_after(connection, row)
        connection.execute(insert(_TABLES[operation]).values(**row))
        before: dict[str, Any] = {"record": None}
        after: dict[str, Any] = {"record": row}
        if concern is not None:
            _set_concern(connection, row["rso_id"], concern[1])
            before["last_concern_on"], after["last_concern_on"] = concern
        audit(connection, actor, operation, before, after)

    def undo(engine_: Engine, user_: User) -> Change:
        return _remove(engine_, operation, row, summary, user_, concern)

    return Change(operation, summary, before, after, undo)


def _remove(engine: Engine, operation: str, row: dict[str, Any], summary: str, user: User,
            concern: tuple[Any, Any] | None) -> Change:
    """The exact inverse of ``_add``: the row goes, last_concern_on returns to before."""
    actor = who(user)
    table, key = _TABLES[operation], _KEYS[operation]
    with engine.begin() as connection:
        allow(connection, user, CHECKED[operation], rsos=[row["rso_id"]])
        gone = connection.execute(delete(table).where(table.c[key] == row[key])).rowcount
        if gone != 1:
            raise OperationError(f"Nothing to undo: {summary} is no longer recorded")
        before: dict[str, Any] = {"record": row}
        after: dict[str, Any] = {"record": None}
        if concern is not None:
            _set_concern(connection, row["rso_id"], concern[0])
            before["last_concern_on"], after["last_concern_on"] = concern[1], concern[0]
        audit(connection, actor, f"undo {operation}", before, after)

    def redo(engine_: Engine, user_: User) -> Change:
        return _add(engine_, operation, row, summary, user_)

    return Change(f"undo {operation}", f"Undo: {summary}", before, after, redo)
