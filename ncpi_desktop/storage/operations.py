"""Named writes. Each runs in one transaction, writes an audit row, and returns a ``Change``
whose ``undo`` applies the exact inverse (itself an audited operation), which is what an undo
stack needs. Bad input raises ``OperationError`` with a message fit for a user, and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from uuid import uuid4

from sqlalchemy import Column, Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.enums import ArmsOutcome, ManagementMode, OrderType, VisitOutcome
from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.allocations import (
    REASON_BEFORE_HISTORY,
    REASON_MANAGER_ABSENT,
    REASON_MANAGER_RETURNED,
    covered_rows,
)
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.models import (
    Allocation,
    Arms,
    AuditEntry,
    CivilOrder,
    ManagementDecision,
    Manager,
    ManagerAbsence,
    PolicyValue,
    Rso,
    Visit,
)

ALLOCATION = Allocation.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
MANAGER = Manager.__table__  # type: ignore[attr-defined]
RSO = Rso.__table__  # type: ignore[attr-defined]
POLICY_VALUE = PolicyValue.__table__  # type: ignore[attr-defined]


def now() -> datetime:
    """Audit and history times are UTC and carry their zone."""
    return datetime.now(UTC)


def _json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def audit(connection: Connection, actor: str, operation: str, before: Any, after: Any) -> None:
    """One audit row: who, when, what, the state before and after."""
    if not actor or not actor.strip():
        raise OperationError("Every change needs the name of who made it")
    connection.execute(insert(AUDIT).values(
        at=now(), actor=actor.strip(), operation=operation,
        detail=_json({"before": before, "after": after})))


def _require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise OperationError("A reason is required")
    return reason.strip()


# --- allocation -----------------------------------------------------------------------------

def _holders(connection: Connection, rso_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = connection.execute(
        select(RSO.c.rso_id, RSO.c.manager_id, RSO.c.team).where(RSO.c.rso_id.in_(rso_ids))
    ).mappings().all()
    return {row["rso_id"]: dict(row) for row in rows}


def reassign(engine: Engine, rso_ids: Sequence[RsoId], to_manager: ManagerId | None, reason: str,
             actor: str, *, to_team: str | None = None, on: date | None = None) -> Change:
    """Move RSOs to a named manager (or, with ``to_manager=None``, to ``to_team``'s pool).

    Closes each RSO's open allocation at ``on`` (default today) and opens a new one: the same
    writes as ``apply_moves`` (one implementation), audited and undone as one reassignment.
    """
    reason, actor, on = _require_reason(reason), _require_actor(actor), on or date.today()
    ids = list(dict.fromkeys(rso_ids))
    if not ids:
        raise OperationError("No RSOs were chosen to reassign")
    if to_manager is None and not to_team:
        raise OperationError("Choose a manager, or a team whose pool receives the RSOs")
    with engine.begin() as connection:
        plan = _plan(connection, [(RsoId(i), to_manager) for i in ids], pool_team=to_team)
        if not plan:
            raise OperationError("Every RSO chosen is already there")
        before, after = _imaged_moves(connection, plan, reason, actor, on)
        audit(connection, actor, "reassign", before, after)
    target = to_manager or f"{to_team} pool"
    return _imaged_change("reassign", f"Reassign {len(plan)} RSO(s) to {target}", before, after)


# --- policy ---------------------------------------------------------------------------------

def set_policy_values(engine: Engine, values: dict[str, float], actor: str) -> Change:
    """Store policy values (validated against ``Policy``); the previous ones come back on undo."""
    known = Policy().to_dict()
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise OperationError(f"Unknown policy value(s): {', '.join(unknown)}")
    for key, value in values.items():
        if not isinstance(value, int | float) or value <= 0:
            raise OperationError(f"{key} must be a positive number, not {value!r}")
    with engine.begin() as connection:
        stored = dict(connection.execute(select(POLICY_VALUE.c.key, POLICY_VALUE.c.value)).all())
        before = {k: stored.get(k) for k in values}
        _write_policy(connection, values)
        audit(connection, actor, "set policy", before, values)

    def undo(engine_: Engine, actor_: str) -> Change:
        with engine_.begin() as connection:
            _write_policy(connection, before)
            audit(connection, actor_, "undo set policy", values, before)
        return Change("undo set policy", "Undo policy change", values, before,
                      lambda e, a: set_policy_values(e, values, a))

    return Change("set policy", "Change policy values", before, values, undo)


def _write_policy(connection: Connection, values: dict[str, float | None]) -> None:
    for key, value in values.items():
        connection.execute(delete(POLICY_VALUE).where(POLICY_VALUE.c.key == key))
        if value is not None:
            connection.execute(insert(POLICY_VALUE).values(key=key, value=float(value)))


# --- recording: visits, ARMS, civil orders, management decisions ------------------------------

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


def _require_actor(actor: str) -> str:
    if not actor or not actor.strip():
        raise OperationError("Every change needs the name of who made it")
    return actor.strip()


def _require_rso(connection: Connection, rso_id: str) -> dict[str, Any]:
    row = connection.execute(select(RSO.c.rso_id, RSO.c.management)
                             .where(RSO.c.rso_id == rso_id)).mappings().first()
    if row is None:
        raise OperationError(f"Unknown RSO id: {rso_id}")
    return dict(row)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:12].upper()}"


def _key(table: Table) -> Column:
    return next(iter(table.primary_key.columns))


def _latest_mode(connection: Connection, rso_id: str) -> str | None:
    return connection.execute(
        select(DECISION.c.mode).where(DECISION.c.rso_id == rso_id)
        .order_by(DECISION.c.decided_on.desc(), DECISION.c.id.desc()).limit(1)).scalar()


def _add_record(engine: Engine, table: Table, row: dict[str, Any], operation: str,
                summary: str, actor: str, management: tuple[str, str] | None = None,
                check: Callable[[Connection], None] | None = None) -> Change:
    """Insert one record in one audited transaction; undo deletes exactly that row.

    ``management`` is (before, after) of rso.management when the record is a decision: after
    the insert the RSO takes the mode of its latest decision.
    """
    key = _key(table)
    with engine.begin() as connection:
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

    def undo(engine_: Engine, actor_: str) -> Change:
        return _remove_record(engine_, table, row, operation, summary, actor_, management)

    return Change(operation, summary, before, after, undo)


def _remove_record(engine: Engine, table: Table, row: dict[str, Any], operation: str,
                   summary: str, actor: str, management: tuple[str, str] | None) -> Change:
    """The exact inverse of ``_add_record``: the row goes, rso.management returns to before."""
    actor = _require_actor(actor)
    key = _key(table)
    with engine.begin() as connection:
        gone = connection.execute(delete(table).where(key == row[key.name])).rowcount
        if gone != 1:
            raise OperationError(f"Nothing to undo: {summary} is no longer recorded")
        if management is not None:
            connection.execute(update(RSO).where(RSO.c.rso_id == row["rso_id"])
                               .values(management=management[0]))
        before = {"record": row} | ({"management": management[1]} if management else {})
        after = {"record": None} | ({"management": management[0]} if management else {})
        audit(connection, actor, f"undo {operation}", before, after)

    def redo(engine_: Engine, actor_: str) -> Change:
        return _add_record(engine_, table, row, operation, summary, _require_actor(actor_),
                           management)

    return Change(f"undo {operation}", f"Undo: {summary}", before, after, redo)


def record_visit(engine: Engine, rso_id: RsoId, visited_on: date, outcome: str,
                 officers: int, actor: str, *, today: date | None = None) -> Change:
    """Record a home visit (completed or no access) made by ``officers`` officers."""
    today = _today(today)
    actor = _require_actor(actor)
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
    return _add_record(engine, VISIT, row, "record visit", summary, actor)


def record_arms(engine: Engine, rso_id: RsoId, completed_on: date, outcome: str, actor: str,
                *, today: date | None = None) -> Change:
    """Record a completed ARMS assessment; one per RSO per date."""
    today = _today(today)
    actor = _require_actor(actor)
    completed_on = _as_date(completed_on, "ARMS date", today)
    outcome = _choice(outcome, ArmsOutcome, "ARMS outcome")
    with engine.connect() as connection:
        _require_rso(connection, rso_id)
        _no_arms_on(connection, rso_id, completed_on)
    row = dict(rso_id=rso_id, completed_on=completed_on, outcome=outcome)
    summary = f"Record ARMS ({outcome}) for {rso_id} on {uk_date(completed_on)}"
    return _add_record(engine, ARMS, row, "record ARMS", summary, actor,
                       check=lambda c: _no_arms_on(c, rso_id, completed_on))


def _no_arms_on(connection: Connection, rso_id: str, completed_on: date) -> None:
    exists = connection.execute(select(ARMS.c.id).where(
        ARMS.c.rso_id == rso_id, ARMS.c.completed_on == completed_on)).first()
    if exists is not None:
        raise OperationError(
            f"An ARMS assessment on {uk_date(completed_on)} is already recorded for {rso_id}")


def record_order(engine: Engine, rso_id: RsoId, type: str, starts_on: date,  # noqa: A002
                 ends_on: date | None, actor: str, *, today: date | None = None) -> Change:
    """Record a civil order; no end date means until further order. It must have started."""
    today = _today(today)
    actor = _require_actor(actor)
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
    return _add_record(engine, ORDER, row, "record order", summary, actor)


@dataclass(frozen=True)
class Decision:
    """A management decision as the user gave it, validated (``validate_decision``): what
    ``write_decision`` records. ``current`` is the RSO's recorded mode before it."""

    rso_id: RsoId
    mode: str
    decided_on: date
    reason: str
    decided_by: str
    actor: str
    current: str


def validate_decision(engine: Engine, rso_id: RsoId, mode: str, decided_on: date, reason: str,
                      actor: str, *, decided_by: str | None = None,
                      today: date | None = None) -> Decision:
    """An offender manager's decision to manage an RSO actively or reactively, checked for
    what storage can check (who, which mode, a date not in the future, a reason, a known RSO).

    Whether the RSO meets the criteria of reactive management needs the figures: the action
    recording a decision (``actions.decisions.record_decision``) checks that before
    ``write_decision``.
    """
    today = _today(today)
    actor = _require_actor(actor)
    mode = _choice(mode, ManagementMode, "management mode")
    decided_on = _as_date(decided_on, "decision date", today)
    reason = _require_reason(reason)
    decided_by = (decided_by or actor).strip()
    with engine.connect() as connection:
        current = _require_rso(connection, rso_id)["management"]
    return Decision(rso_id=rso_id, mode=mode, decided_on=decided_on, reason=reason,
                    decided_by=decided_by, actor=actor, current=current)


def write_decision(engine: Engine, decision: Decision) -> Change:
    """Record a validated decision in one audited transaction; the RSO's recorded mode becomes
    that of its latest decision. Undo deletes exactly that decision (its redo writes it again,
    unchecked, as it was when first checked)."""
    row = dict(rso_id=decision.rso_id, mode=decision.mode, decided_on=decision.decided_on,
               reason=decision.reason, decided_by=decision.decided_by, recorded_at=now())
    summary = (f"Record {decision.mode} management of {decision.rso_id} from "
               f"{uk_date(decision.decided_on)}")
    return _add_record(engine, DECISION, row, "record decision", summary, decision.actor,
                       management=(decision.current, decision.mode))


# --- rebalancing: bulk moves, leavers, absences and hand back -------------------------------
#
# Each operation below writes in one transaction and records the rows it touched before and
# after (an "image": the RSOs' holders, the allocation rows closed and opened, the manager's
# active flag, the absence row). Undo writes the before image back, exactly, and its undo writes
# the after image again: one implementation of exact undo and redo for every rebalancing write.

ABSENCE: Table = ManagerAbsence.__table__  # type: ignore[attr-defined]

#: (rso_id, to_manager): None moves the RSO to a team pool.
Move = tuple[RsoId, ManagerId | None]
#: table name -> primary key -> the row's columns (None: the row does not exist).
Image = dict[str, dict[Any, dict[str, Any] | None]]

#: The columns an image keeps per table (None: every column): an RSO's holder, a manager's
#: active flag, whole allocation and absence rows.
_IMAGED: dict[str, tuple[Table, tuple[str, ...] | None]] = {
    "rso": (RSO, ("manager_id", "team")),
    "manager": (MANAGER, ("active",)),
    "allocation": (ALLOCATION, None),
    "manager_absence": (ABSENCE, None),
}


def _read_image(connection: Connection, keys: dict[str, Sequence[Any]]) -> Image:
    image: Image = {}
    for name, wanted in keys.items():
        table, columns = _IMAGED[name]
        key = _key(table)
        selected = [table.c[c] for c in columns] if columns else list(table.c)
        rows = connection.execute(select(key.label("_key"), *selected)
                                  .where(key.in_(list(wanted)))).mappings().all()
        found = {row["_key"]: {k: v for k, v in row.items() if k != "_key"} for row in rows}
        image[name] = {k: found.get(k) for k in wanted}
    return image


def _write_image(connection: Connection, image: Image) -> None:
    """Make the imaged rows what ``image`` says: updated in place, or deleted and re-inserted
    with their ids (allocation and absence rows)."""
    for name, rows in image.items():
        table, columns = _IMAGED[name]
        key = _key(table)
        if columns:  # rows that always exist: update the imaged columns, one statement per value
            by_value: dict[tuple[Any, ...], list[Any]] = {}
            for k, row in rows.items():
                assert row is not None
                by_value.setdefault(tuple(row[c] for c in columns), []).append(k)
            for values, ids in by_value.items():
                connection.execute(update(table).where(key.in_(ids))
                                   .values(dict(zip(columns, values, strict=True))))
            continue
        connection.execute(delete(table).where(key.in_(list(rows))))
        present = [row for row in rows.values() if row is not None]
        if present:
            connection.execute(insert(table), present)


def _imaged_change(operation: str, summary: str, before: Image, after: Image) -> Change:
    def undo(engine: Engine, actor: str) -> Change:
        _rewrite(engine, actor, f"undo {operation}", after, before)
        return Change(f"undo {operation}", f"Undo: {summary}", after, before, redo)

    def redo(engine: Engine, actor: str) -> Change:
        _rewrite(engine, actor, f"redo {operation}", before, after)
        return _imaged_change(operation, summary, before, after)

    return Change(operation, summary, before, after, undo)


def _rewrite(engine: Engine, actor: str, operation: str, current: Image, target: Image) -> None:
    actor = _require_actor(actor)
    with engine.begin() as connection:
        _write_image(connection, target)
        audit(connection, actor, operation, current, target)


def _managers(connection: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = connection.execute(
        select(MANAGER.c.manager_id, MANAGER.c.name, MANAGER.c.team, MANAGER.c.active)
        .where(MANAGER.c.manager_id.in_(list(ids)))).mappings().all()
    return {row["manager_id"]: dict(row) for row in rows}


def _active_manager(connection: Connection, manager_id: str) -> dict[str, Any]:
    manager = _managers(connection, [manager_id]).get(manager_id)
    if manager is None:
        raise OperationError(f"Unknown offender manager: {manager_id}")
    if not manager["active"]:
        raise OperationError(f"{manager_id} is not an active manager")
    return manager


def _open_allocations(connection: Connection, rso_ids: Sequence[str]) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(
        select(ALLOCATION.c.id, ALLOCATION.c.rso_id, ALLOCATION.c.manager_id,
               ALLOCATION.c.starts_on)
        .where(ALLOCATION.c.rso_id.in_(list(rso_ids)), ALLOCATION.c.ends_on.is_(None))
        .order_by(ALLOCATION.c.id)).mappings().all()]


def _refuse_backdating(open_rows: Sequence[dict[str, Any]], on: date) -> None:
    """A move takes effect at ``on``: it cannot end an allocation that began after ``on``
    (that would rewrite history recorded since)."""
    late = [row for row in open_rows if row["starts_on"] > on]
    if late:
        first = min(late, key=lambda row: row["starts_on"])
        more = f" and {len(late) - 1} other RSO(s)" if len(late) > 1 else ""
        raise OperationError(
            f"{first['rso_id']}{more} moved on {uk_date(first['starts_on'])}, after the "
            f"effective date {uk_date(on)}: choose a later as-at date to move them")


def check_effective_date(engine: Engine, rso_ids: Sequence[RsoId], on: date) -> None:
    """Refuse (``OperationError``) a move of ``rso_ids`` effective at ``on`` if any of them has
    an allocation that began after ``on``; used before ``reassign``, which does not check."""
    with engine.connect() as connection:
        _refuse_backdating(_open_allocations(connection, list(dict.fromkeys(rso_ids))), on)


def _plan(connection: Connection, moves: Sequence[Move], *, pool_team: str | None = None,
          giving_up: str | None = None) -> dict[str, tuple[str | None, str]]:
    """rso_id -> (manager or None, team) for every move that changes something, validated.

    A move to None goes to ``pool_team``'s pool, or to the pool of the team the RSO is in.
    No RSO may move to ``giving_up`` (a manager leaving or going on absence).
    """
    targets: dict[str, str | None] = {}
    for rso_id, to_manager in moves:
        if rso_id in targets and targets[rso_id] != to_manager:
            raise OperationError(f"{rso_id} is moved to two places")
        targets[rso_id] = to_manager
    holders = _holders(connection, list(targets))
    missing = [i for i in targets if i not in holders]
    if missing:
        raise OperationError(f"Unknown RSO id(s): {', '.join(missing[:10])}")
    managers = _managers(connection, {t for t in targets.values() if t is not None})
    plan: dict[str, tuple[str | None, str]] = {}
    for rso_id, to_manager in targets.items():
        holder = holders[rso_id]
        if to_manager is None:
            team = pool_team or holder["team"]
            if not team:
                raise OperationError(f"{rso_id} has no team whose pool could receive them")
            if holder["manager_id"] is None and holder["team"] == team:
                continue
            plan[rso_id] = (None, team)
            continue
        manager = managers.get(to_manager)
        if manager is None:
            raise OperationError(f"Unknown offender manager: {to_manager}")
        if not manager["active"]:
            raise OperationError(f"{to_manager} is not an active manager")
        if to_manager == giving_up:
            raise OperationError(f"{rso_id} cannot move to {to_manager}, who is giving up "
                                 "their RSOs")
        if holder["manager_id"] != to_manager:
            plan[rso_id] = (to_manager, manager["team"])
    return plan


def _without_history(connection: Connection, rso_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The RSOs of ``rso_ids`` with no allocation row at all, with their holder and dates."""
    held = select(ALLOCATION.c.rso_id).where(ALLOCATION.c.rso_id.in_(list(rso_ids)))
    return [dict(row) for row in connection.execute(
        select(RSO.c.rso_id, RSO.c.manager_id, RSO.c.team, RSO.c.community_since,
               RSO.c.registered_on)
        .where(RSO.c.rso_id.in_(list(rso_ids)), RSO.c.rso_id.not_in(held))
        .order_by(RSO.c.rso_id)).mappings().all()]


def _move(connection: Connection, plan: dict[str, tuple[str | None, str]],
          open_rows: Sequence[dict[str, Any]], reason: str, actor: str, on: date) -> list[int]:
    """Close the open allocations at ``on``, open one per moved RSO, set the RSOs' holders.
    Returns the new allocation ids.

    An RSO with no allocation history at all first gets a closed row for the holder it had,
    from when it entered the community (or was registered) until ``on``, as an import does, so
    that the history says whom it came from (the hand back after an absence reads that).
    """
    closing = [row["id"] for row in open_rows if row["rso_id"] in plan]
    if closing:
        connection.execute(update(ALLOCATION).where(ALLOCATION.c.id.in_(closing))
                           .values(ends_on=on))
    recorded = now()
    rows = [dict(rso_id=r["rso_id"], manager_id=r["manager_id"],
                 team=None if r["manager_id"] else r["team"],
                 starts_on=min(r["community_since"] or r["registered_on"], on), ends_on=on,
                 reason=REASON_BEFORE_HISTORY, actor=actor, recorded_at=recorded)
            for r in _without_history(connection, list(plan))]
    rows += [dict(rso_id=rso_id, manager_id=manager_id, team=None if manager_id else team,
                  starts_on=on, ends_on=None, reason=reason, actor=actor, recorded_at=recorded)
             for rso_id, (manager_id, team) in plan.items()]
    opened: list[int] = []
    if rows:
        result = connection.execute(
            insert(ALLOCATION).returning(ALLOCATION.c.id, sort_by_parameter_order=True), rows)
        opened = [row[0] for row in result.all()]
    by_holder: dict[tuple[str | None, str], list[str]] = {}
    for rso_id, holder in plan.items():
        by_holder.setdefault(holder, []).append(rso_id)
    for (manager_id, team), ids in by_holder.items():
        connection.execute(update(RSO).where(RSO.c.rso_id.in_(ids))
                           .values(manager_id=manager_id, team=team))
    return opened


def _imaged_moves(connection: Connection, plan: dict[str, tuple[str | None, str]], reason: str,
                  actor: str, on: date, *, managers: Sequence[str] = (),
                  absences: Sequence[int] = (),
                  then: Callable[[], Sequence[int]] | None = None) -> tuple[Image, Image]:
    """Apply ``plan`` (and ``then``, which may write managers and absences and returns any
    absence ids it created) and return the images before and after."""
    open_rows = _open_allocations(connection, list(plan))
    _refuse_backdating(open_rows, on)
    keys: dict[str, list[Any]] = {
        "rso": list(plan), "allocation": [row["id"] for row in open_rows],
        "manager": list(managers), "manager_absence": list(absences)}
    before = _read_image(connection, keys)
    keys["allocation"] += _move(connection, plan, open_rows, reason, actor, on)
    if then is not None:
        keys["manager_absence"] += list(then())
    after = _read_image(connection, keys)
    for name, rows in after.items():
        before[name] = {k: before[name].get(k) for k in rows}
    return before, after


def _moves_summary(plan: dict[str, tuple[str | None, str]]) -> str:
    targets = {manager or f"{team} pool" for manager, team in plan.values()}
    where = next(iter(targets)) if len(targets) == 1 else f"{len(targets)} managers"
    return f"Move {len(plan)} RSO(s) to {where}"


def apply_moves(engine: Engine, moves: Sequence[Move], reason: str, actor: str,
                on: date | None = None) -> Change:
    """Move many RSOs, each to its own manager (None: its team's pool), as one change: one
    transaction, one audit row, one undo step (a proposal's accepted moves)."""
    reason, actor, on = _require_reason(reason), _require_actor(actor), on or date.today()
    if not moves:
        raise OperationError("No moves were chosen")
    with engine.begin() as connection:
        plan = _plan(connection, moves)
        if not plan:
            raise OperationError("Every RSO chosen is already with that manager")
        before, after = _imaged_moves(connection, plan, reason, actor, on)
        audit(connection, actor, "apply moves", before, after)
    summary = f"{_moves_summary(plan)} ({reason})"
    return _imaged_change("apply moves", summary, before, after)


def _held_by(connection: Connection, manager_id: str) -> list[str]:
    return list(connection.execute(select(RSO.c.rso_id).where(RSO.c.manager_id == manager_id)
                                   .order_by(RSO.c.rso_id)).scalars().all())


def _leaver_plan(connection: Connection, manager: dict[str, Any],
                 moves: Sequence[Move]) -> dict[str, tuple[str | None, str]]:
    """The accepted moves (of the manager's RSOs, and any others the proposal suggests), and
    every other RSO the manager holds to their team's pool."""
    held = _held_by(connection, manager["manager_id"])
    moved = {rso_id for rso_id, _ in moves}
    rest: list[Move] = [(RsoId(r), None) for r in held if r not in moved]
    return _plan(connection, [*moves, *rest], pool_team=manager["team"],
                 giving_up=manager["manager_id"])


def manager_leaving(engine: Engine, manager_id: ManagerId, moves: Sequence[Move], reason: str,
                    actor: str, *, on: date | None = None) -> Change:
    """A manager leaves: ``moves`` (a proposal's accepted moves) take their RSOs, every RSO of
    theirs not moved goes to their team's pool, and the manager is no longer active. One
    change."""
    reason, actor, on = _require_reason(reason), _require_actor(actor), on or date.today()
    with engine.begin() as connection:
        manager = _active_manager(connection, manager_id)
        plan = _leaver_plan(connection, manager, moves)

        def deactivate() -> list[int]:
            connection.execute(update(MANAGER).where(MANAGER.c.manager_id == manager_id)
                               .values(active=False))
            return []

        before, after = _imaged_moves(connection, plan, reason, actor, on,
                                      managers=[manager_id], then=deactivate)
        audit(connection, actor, "manager leaving", before, after)
    summary = f"{manager['name']} leaves: {len(plan)} RSO(s) moved"
    return _imaged_change("manager leaving", summary, before, after)


def manager_absent(engine: Engine, manager_id: ManagerId, until: date, moves: Sequence[Move],
                   actor: str, *, on: date | None = None, note: str = "") -> Change:
    """A manager is away from ``on`` until ``until`` (the day they are back): the absence is
    recorded, ``moves`` take their RSOs to cover and every other RSO they hold goes to their
    team's pool, all with the reason "manager absent", so that ``hand_back`` finds them."""
    actor, on = _require_actor(actor), on or date.today()
    if not isinstance(until, date) or until <= on:
        raise OperationError(f"The return date must be after the start of the absence "
                             f"({uk_date(on)})")
    with engine.begin() as connection:
        manager = _active_manager(connection, manager_id)
        clash = connection.execute(
            select(ABSENCE.c.ends_on).where(
                ABSENCE.c.manager_id == manager_id, ABSENCE.c.returned_on.is_(None),
                ABSENCE.c.starts_on < until, ABSENCE.c.ends_on > on)).scalar()
        if clash is not None:
            raise OperationError(f"{manager['name']} is already recorded as absent until "
                                 f"{uk_date(clash)}")
        plan = _leaver_plan(connection, manager, moves)

        def record() -> list[int]:
            row = dict(manager_id=manager_id, starts_on=on, ends_on=until,
                       reason=note.strip() or REASON_MANAGER_ABSENT, actor=actor,
                       recorded_at=now())
            return [connection.execute(insert(ABSENCE).values(**row)).inserted_primary_key[0]]

        before, after = _imaged_moves(connection, plan, REASON_MANAGER_ABSENT, actor, on,
                                      then=record)
        audit(connection, actor, "manager absent", before, after)
    summary = f"{manager['name']} absent until {uk_date(until)}: {len(plan)} RSO(s) to cover"
    return _imaged_change("manager absent", summary, before, after)


def hand_back(engine: Engine, absence_id: int, actor: str, *, on: date | None = None) -> Change:
    """Give a returning manager back the RSOs their absence sent to cover (those still there),
    and mark the absence returned. One change."""
    actor, on = _require_actor(actor), on or date.today()
    with engine.begin() as connection:
        absence = connection.execute(select(ABSENCE).where(ABSENCE.c.id == absence_id)
                                     ).mappings().first()
        if absence is None:
            raise OperationError(f"No absence {absence_id} is recorded")
        if absence["returned_on"] is not None:
            raise OperationError(f"The RSOs were handed back on {uk_date(absence['returned_on'])}")
        if on < absence["starts_on"]:
            raise OperationError(f"The absence starts on {uk_date(absence['starts_on'])}, "
                                 f"after {uk_date(on)}")
        manager = _active_manager(connection, absence["manager_id"])
        covered = covered_rows(connection, absence_id=absence_id)
        plan = _plan(connection, [(RsoId(row["rso_id"]), ManagerId(manager["manager_id"]))
                                  for row in covered])

        def returned() -> list[int]:
            connection.execute(update(ABSENCE).where(ABSENCE.c.id == absence_id)
                               .values(returned_on=on))
            return []

        before, after = _imaged_moves(connection, plan, REASON_MANAGER_RETURNED, actor, on,
                                      absences=[absence_id], then=returned)
        audit(connection, actor, "hand back", before, after)
    summary = f"Hand back {len(plan)} RSO(s) to {manager['name']}"
    return _imaged_change("hand back", summary, before, after)
