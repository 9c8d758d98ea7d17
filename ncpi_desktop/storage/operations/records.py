"""Records: visits, ARMS assessments, civil orders and management decisions, each one row
inserted in one audited transaction; undo deletes exactly that row.

Each takes ``seen`` (rso_id -> the RSO's version the user saw, ``operations.guard``) and refuses
with ``StaleWrite`` if it moved; a decision also refuses if the RSO's recorded mode is no longer
the one it was validated against. Undo refuses if the row is gone or the mode has changed since.
Each moves the RSO's version on, but a visit: a row of its own, which two users may both record,
and which the register's start-up copy (``storage.register_store``) does not hold, so that
recording one keeps that copy (writing the RSO's row would drop it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import uuid4

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.enums import ArmsOutcome, ManagementMode, OrderType, VisitOutcome
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.change import Change, OperationError, StaleWrite
from ncpi_desktop.storage.models import Arms, CivilOrder, ManagementDecision, Visit
from ncpi_desktop.storage.operations.base import (
    RSO,
    audit,
    now,
    primary_key,
    require_reason,
)
from ncpi_desktop.storage.operations.guard import (
    begin_write,
    bump,
    changed_by,
    check_seen,
    lock_rsos,
    versions,
)
from ncpi_desktop.storage.operations.scope import allow, who

VISIT: Table = Visit.__table__  # type: ignore[attr-defined]
ARMS: Table = Arms.__table__  # type: ignore[attr-defined]
ORDER: Table = CivilOrder.__table__  # type: ignore[attr-defined]
DECISION: Table = ManagementDecision.__table__  # type: ignore[attr-defined]


def _today(today: date | None) -> date:
    return today or date.today()


def _as_date(value: date | datetime | None, what: str, today: date, *,
             future_ok: bool = False) -> date:
    """A date from the user, refused if missing, not a date, or (usually) in the future."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise OperationError(f"The {what} must be a date, not {value!r}")
    if not future_ok and value > today:
        raise OperationError(
            f"The {what} {uk_date(value)} is in the future (today is {uk_date(today)})")
    return value


def _choice(value: object, allowed: type[StrEnum], what: str, *, upper: bool = False) -> str:
    """A closed-vocabulary value, matched as the import matches it (case, spaces, hyphens)."""
    text = str(value.value if isinstance(value, StrEnum) else value or "").strip()
    text = text.replace(" ", "_").replace("-", "_")
    text = text.upper() if upper else text.lower()
    values = [member.value for member in allowed]
    if text not in values:
        raise OperationError(f"Unknown {what} {value!r}: choose one of {', '.join(values)}")
    return text


def _require_rso(connection: Connection, rso_id: str) -> dict[str, Any]:
    row = connection.execute(select(RSO.c.rso_id, RSO.c.management)
                             .where(RSO.c.rso_id == rso_id)).mappings().first()
    if row is None:
        raise OperationError(f"Unknown RSO id: {rso_id}")
    return dict(row)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:12].upper()}"


def _latest_mode(connection: Connection, rso_id: str) -> str | None:
    return connection.execute(
        select(DECISION.c.mode).where(DECISION.c.rso_id == rso_id)
        .order_by(DECISION.c.decided_on.desc(), DECISION.c.id.desc()).limit(1)).scalar()


#: The permission each record needs (``domain.security``), by the operation's audited name.
CHECKED: dict[str, Operation] = {
    "record visit": Operation.RECORD_VISIT, "record ARMS": Operation.RECORD_ARMS,
    "record order": Operation.RECORD_ORDER, "record decision": Operation.RECORD_DECISION}


def _add_record(engine: Engine, table: Table, row: dict[str, Any], operation: str,
                summary: str, user: User, management: tuple[str, str] | None = None,
                check: Callable[[Connection], None] | None = None,
                seen: Mapping[str, int] | None = None) -> Change:
    """Insert one record in one audited transaction; undo deletes exactly that row.

    ``management`` is (before, after) of rso.management when the record is a decision: after
    the insert the RSO takes the mode of its latest decision; refused (``StaleWrite``) if the
    RSO's mode is no longer ``management[0]``.
    """
    key = primary_key(table)
    actor = who(user)
    with begin_write(engine) as connection:
        lock_rsos(connection, [row["rso_id"], *(seen or ())])
        allow(connection, user, CHECKED[operation], rsos=[row["rso_id"]])
        check_seen(connection, seen)
        if management is not None:
            _require_mode(connection, row["rso_id"], management[0])
        if check is not None:
            check(connection)
        inserted = connection.execute(insert(table).values(**row)).inserted_primary_key[0]
        row = {**row, key.name: inserted}
        if management is not None:
            latest = _latest_mode(connection, row["rso_id"])
            management = (management[0], latest or management[0])
            connection.execute(update(RSO).where(RSO.c.rso_id == row["rso_id"])
                               .values(management=management[1]))
        after = {"record": row} | ({"management": management[1]} if management else {})
        before = {"record": None} | ({"management": management[0]} if management else {})
        audit(connection, actor, operation, before, after)
        versions = _moved_on(connection, table, row["rso_id"])

    def undo(engine_: Engine, user_: User) -> Change:
        return _remove_record(engine_, table, row, operation, summary, user_, management)

    return Change(operation, summary, before, after, undo, versions)


def _moved_on(connection: Connection, table: Table, rso_id: str) -> dict[str, int]:
    """The RSO's version after a record of ``table``: one more, but for a visit (see above)."""
    return versions(connection, [rso_id]) if table is VISIT else bump(connection, [rso_id])


def _require_mode(connection: Connection, rso_id: str, mode: str) -> None:
    """Refuse (``StaleWrite``) unless the RSO's recorded mode is still ``mode``."""
    now = connection.execute(select(RSO.c.management).where(RSO.c.rso_id == rso_id)).scalar()
    if now is not None and now != mode:
        raise StaleWrite(f"{rso_id} is now managed {now} ({changed_by(connection, rso_id)})")


def _remove_record(engine: Engine, table: Table, row: dict[str, Any], operation: str,
                   summary: str, user: User, management: tuple[str, str] | None) -> Change:
    """The exact inverse of ``_add_record``: the row goes, rso.management returns to before.
    Permitted to whoever may make the record."""
    actor = who(user)
    key = primary_key(table)
    with begin_write(engine) as connection:
        lock_rsos(connection, [row["rso_id"]])
        allow(connection, user, CHECKED[operation], rsos=[row["rso_id"]])
        if management is not None:
            _require_mode(connection, row["rso_id"], management[1])
        gone = connection.execute(delete(table).where(key == row[key.name])).rowcount
        if gone != 1:
            raise StaleWrite(f"Nothing to undo: {summary} is no longer recorded "
                             f"({changed_by(connection, row['rso_id'])})")
        if management is not None:
            connection.execute(update(RSO).where(RSO.c.rso_id == row["rso_id"])
                               .values(management=management[0]))
        before = {"record": row} | ({"management": management[1]} if management else {})
        after = {"record": None} | ({"management": management[0]} if management else {})
        audit(connection, actor, f"undo {operation}", before, after)
        versions = _moved_on(connection, table, row["rso_id"])

    def redo(engine_: Engine, user_: User) -> Change:
        return _add_record(engine_, table, row, operation, summary, user_,
                           management)

    return Change(f"undo {operation}", f"Undo: {summary}", before, after, redo, versions)


def record_visit(engine: Engine, rso_id: RsoId, visited_on: date, outcome: str,
                 officers: int, user: User, *, today: date | None = None,
                 seen: Mapping[str, int] | None = None) -> Change:
    """Record a home visit (completed or no access) made by ``officers`` officers."""
    today = _today(today)
    who(user)
    visited_on = _as_date(visited_on, "visit date", today)
    outcome = _choice(outcome, VisitOutcome, "visit outcome")
    if isinstance(officers, bool) or not isinstance(officers, int) or officers < 1:
        raise OperationError(f"A visit is made by at least one officer, not {officers!r}")
    row = dict(visit_id=_new_id("V"), rso_id=rso_id, visited_on=visited_on, outcome=outcome,
               officers=officers)
    with engine.connect() as connection:
        _require_rso(connection, rso_id)
    summary = (f"Record {outcome.replace('_', ' ')} visit to {rso_id} on {uk_date(visited_on)}"
               f" ({officers} officer{'s' if officers != 1 else ''})")
    return _add_record(engine, VISIT, row, "record visit", summary, user, seen=seen)


def record_arms(engine: Engine, rso_id: RsoId, completed_on: date, outcome: str, user: User,
                *, today: date | None = None, seen: Mapping[str, int] | None = None) -> Change:
    """Record a completed ARMS assessment; one per RSO per date."""
    today = _today(today)
    who(user)
    completed_on = _as_date(completed_on, "ARMS date", today)
    outcome = _choice(outcome, ArmsOutcome, "ARMS outcome")
    with engine.connect() as connection:
        _require_rso(connection, rso_id)
        _no_arms_on(connection, rso_id, completed_on)
    row = dict(rso_id=rso_id, completed_on=completed_on, outcome=outcome)
    summary = f"Record ARMS ({outcome}) for {rso_id} on {uk_date(completed_on)}"
    return _add_record(engine, ARMS, row, "record ARMS", summary, user,
                       check=lambda c: _no_arms_on(c, rso_id, completed_on), seen=seen)


def _no_arms_on(connection: Connection, rso_id: str, completed_on: date) -> None:
    exists = connection.execute(select(ARMS.c.id).where(
        ARMS.c.rso_id == rso_id, ARMS.c.completed_on == completed_on)).first()
    if exists is not None:
        raise OperationError(
            f"An ARMS assessment on {uk_date(completed_on)} is already recorded for {rso_id}")


def record_order(engine: Engine, rso_id: RsoId, type: str, starts_on: date,  # noqa: A002
                 ends_on: date | None, user: User, *, today: date | None = None,
                 seen: Mapping[str, int] | None = None) -> Change:
    """Record a civil order; no end date means until further order. It must have started."""
    today = _today(today)
    who(user)
    order_type = _choice(type, OrderType, "order type", upper=True)
    starts_on = _as_date(starts_on, "order start date", today)
    if ends_on is not None:
        ends_on = _as_date(ends_on, "order end date", today, future_ok=True)
        if ends_on <= starts_on:
            raise OperationError(f"The order's end date {uk_date(ends_on)} must be after its "
                                 f"start date {uk_date(starts_on)}")
    with engine.connect() as connection:
        _require_rso(connection, rso_id)
    row = dict(order_id=_new_id("O"), rso_id=rso_id, type=order_type, starts_on=starts_on,
               ends_on=ends_on)
    until = f"until {uk_date(ends_on)}" if ends_on else "until further order"
    summary = f"Record {order_type} for {rso_id} from {uk_date(starts_on)} {until}"
    return _add_record(engine, ORDER, row, "record order", summary, user, seen=seen)


@dataclass(frozen=True)
class Decision:
    """A management decision as the user gave it, validated (``validate_decision``): what
    ``write_decision`` records. ``current`` is the RSO's recorded mode before it."""

    rso_id: RsoId
    mode: str
    decided_on: date
    reason: str
    decided_by: str
    user: User
    current: str


def validate_decision(engine: Engine, rso_id: RsoId, mode: str, decided_on: date, reason: str,
                      user: User, *, decided_by: str | None = None,
                      today: date | None = None) -> Decision:
    """An offender manager's decision to manage an RSO actively or reactively, checked for
    what storage can check (who, which mode, a date not in the future, a reason, a known RSO).

    Whether the RSO meets the criteria of reactive management needs the figures: the action
    recording a decision (``actions.decisions.record_decision``) checks that before
    ``write_decision``.
    """
    today = _today(today)
    actor = who(user)
    mode = _choice(mode, ManagementMode, "management mode")
    decided_on = _as_date(decided_on, "decision date", today)
    reason = require_reason(reason)
    decided_by = (decided_by or actor).strip()
    with engine.connect() as connection:
        current = _require_rso(connection, rso_id)["management"]
    return Decision(rso_id=rso_id, mode=mode, decided_on=decided_on, reason=reason,
                    decided_by=decided_by, user=user, current=current)


def write_decision(engine: Engine, decision: Decision, *,
                   seen: Mapping[str, int] | None = None) -> Change:
    """Record a validated decision in one audited transaction; the RSO's recorded mode becomes
    that of its latest decision. Undo deletes exactly that decision (its redo writes it again,
    unchecked, as it was when first checked). ``StaleWrite`` if the RSO's recorded mode is no
    longer ``decision.current`` (someone decided since it was validated), or its version not
    the one ``seen``."""
    row = dict(rso_id=decision.rso_id, mode=decision.mode, decided_on=decision.decided_on,
               reason=decision.reason, decided_by=decision.decided_by, recorded_at=now())
    summary = (f"Record {decision.mode} management of {decision.rso_id} from "
               f"{uk_date(decision.decided_on)}")
    return _add_record(engine, DECISION, row, "record decision", summary, decision.user,
                       management=(decision.current, decision.mode), seen=seen)
