"""Named writes. Each runs in one transaction, writes an audit row, and returns a ``Change``
whose ``undo`` applies the exact inverse (itself an audited operation), which is what an undo
stack needs. Bad input raises ``OperationError`` with a message fit for a user, and writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.models import Allocation, AuditEntry, Manager, PolicyValue, Rso

ALLOCATION = Allocation.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
MANAGER = Manager.__table__  # type: ignore[attr-defined]
RSO = Rso.__table__  # type: ignore[attr-defined]
POLICY_VALUE = PolicyValue.__table__  # type: ignore[attr-defined]


class OperationError(ValueError):
    """The operation was refused; nothing was written. The message says why."""


@dataclass(frozen=True)
class Change:
    """What an operation did, and how to take it back."""

    operation: str
    summary: str
    before: dict[str, Any]
    after: dict[str, Any]
    undo: Callable[[Engine, str], Change] = field(repr=False, compare=False)


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

    Closes each RSO's open allocation at ``on`` (default today) and opens a new one.
    """
    reason = _require_reason(reason)
    on = on or date.today()
    ids = list(dict.fromkeys(rso_ids))
    if not ids:
        raise OperationError("No RSOs were chosen to reassign")
    with engine.begin() as connection:
        before = _holders(connection, ids)
        missing = [i for i in ids if i not in before]
        if missing:
            raise OperationError(f"Unknown RSO id(s): {', '.join(missing[:10])}")
        if to_manager is not None:
            manager = connection.execute(
                select(MANAGER.c.manager_id, MANAGER.c.team, MANAGER.c.active)
                .where(MANAGER.c.manager_id == to_manager)).mappings().first()
            if manager is None:
                raise OperationError(f"Unknown offender manager: {to_manager}")
            if not manager["active"]:
                raise OperationError(f"{to_manager} is not an active manager")
            team = manager["team"]
        elif not to_team:
            raise OperationError("Choose a manager, or a team whose pool receives the RSOs")
        else:
            team = to_team
        closed = connection.execute(
            select(ALLOCATION.c.id).where(ALLOCATION.c.rso_id.in_(ids),
                                          ALLOCATION.c.ends_on.is_(None))).scalars().all()
        connection.execute(update(ALLOCATION).where(ALLOCATION.c.id.in_(closed))
                           .values(ends_on=on))
        recorded = now()
        new_rows = [dict(rso_id=i, manager_id=to_manager, team=None if to_manager else team,
                         starts_on=on, ends_on=None, reason=reason, actor=actor,
                         recorded_at=recorded) for i in ids]
        opened = [connection.execute(insert(ALLOCATION).values(**row)).inserted_primary_key[0]
                  for row in new_rows]
        connection.execute(update(RSO).where(RSO.c.rso_id.in_(ids))
                           .values(manager_id=to_manager, team=team))
        after = {i: {"rso_id": i, "manager_id": to_manager, "team": team} for i in ids}
        audit(connection, actor, "reassign", {"holders": before, "closed": list(closed)},
              {"holders": after, "opened": opened, "reason": reason, "on": on})

    target = to_manager or f"{team} pool"
    summary = f"Reassign {len(ids)} RSO(s) to {target}"

    def undo(engine_: Engine, actor_: str) -> Change:
        return _restore_allocation(engine_, before, list(closed), opened, actor_, summary)

    return Change("reassign", summary, before, after, undo)


def _restore_allocation(engine: Engine, holders: dict[str, dict[str, Any]],
                        reopen: list[int], remove: list[int], actor: str, of: str) -> Change:
    """The exact inverse of a reassignment: its allocation rows go, the closed ones reopen."""
    with engine.begin() as connection:
        current = _holders(connection, list(holders))
        removed = [dict(r) for r in connection.execute(
            select(ALLOCATION).where(ALLOCATION.c.id.in_(remove))).mappings().all()]
        closed_on = {r["id"]: r["ends_on"] for r in connection.execute(
            select(ALLOCATION.c.id, ALLOCATION.c.ends_on)
            .where(ALLOCATION.c.id.in_(reopen))).mappings().all()}
        connection.execute(delete(ALLOCATION).where(ALLOCATION.c.id.in_(remove)))
        connection.execute(update(ALLOCATION).where(ALLOCATION.c.id.in_(reopen))
                           .values(ends_on=None))
        for rso_id, holder in holders.items():
            connection.execute(update(RSO).where(RSO.c.rso_id == rso_id)
                               .values(manager_id=holder["manager_id"], team=holder["team"]))
        audit(connection, actor, "undo reassign", {"holders": current, "removed": removed},
              {"holders": holders, "reopened": reopen})
    summary = f"Undo: {of}"

    def redo(engine_: Engine, actor_: str) -> Change:
        return _reapply_allocation(engine_, current, removed, closed_on, actor_, of)

    return Change("undo reassign", summary, current, holders, redo)


def _reapply_allocation(engine: Engine, holders: dict[str, dict[str, Any]],
                        rows: list[dict[str, Any]], closed_on: dict[int, Any], actor: str,
                        of: str) -> Change:
    """Redo a reassignment after its undo: the same rows, with their ids, come back."""
    with engine.begin() as connection:
        before = _holders(connection, list(holders))
        for row in rows:
            connection.execute(insert(ALLOCATION).values(**row))
        for allocation_id, ends_on in closed_on.items():
            connection.execute(update(ALLOCATION).where(ALLOCATION.c.id == allocation_id)
                               .values(ends_on=ends_on))
        for rso_id, holder in holders.items():
            connection.execute(update(RSO).where(RSO.c.rso_id == rso_id)
                               .values(manager_id=holder["manager_id"], team=holder["team"]))
        audit(connection, actor, "redo reassign", {"holders": before}, {"holders": holders})

    def undo(engine_: Engine, actor_: str) -> Change:
        return _restore_allocation(engine_, before, list(closed_on), [r["id"] for r in rows],
                                   actor_, of)

    return Change("reassign", of, before, holders, undo)


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
