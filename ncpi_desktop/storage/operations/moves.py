"""Moves: RSOs to another holder (a reassignment, a proposal's moves), a manager leaving, an
absence covered and handed back. Each writes in one transaction and undoes by its images
(``operations.images``). Each checks first, under its locks, that what it moves is as the user
saw it (``operations.guard``: ``seen`` versions, the holder or caseload seen)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.allocations import (
    REASON_BEFORE_HISTORY,
    REASON_MANAGER_ABSENT,
    REASON_MANAGER_RETURNED,
    covered_rows,
)
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.operations.base import (
    ABSENCE,
    ALLOCATION,
    MANAGER,
    RSO,
    audit,
    now,
    require_reason,
)
from ncpi_desktop.storage.operations.guard import (
    begin_write,
    bump,
    check_caseload,
    check_holder,
    check_seen,
    lock_caseload,
    lock_managers,
    lock_rsos,
)
from ncpi_desktop.storage.operations.images import Image, imaged_change, read_image
from ncpi_desktop.storage.operations.scope import allow, who

#: (rso_id, to_manager): None moves the RSO to a team pool.
Move = tuple[RsoId, ManagerId | None]

def _holders(connection: Connection, rso_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    rows = connection.execute(
        select(RSO.c.rso_id, RSO.c.manager_id, RSO.c.team).where(RSO.c.rso_id.in_(rso_ids))
    ).mappings().all()
    return {row["rso_id"]: dict(row) for row in rows}


def reassign(engine: Engine, rso_ids: Sequence[RsoId], to_manager: ManagerId | None, reason: str,
             user: User, *, to_team: str | None = None, on: date | None = None,
             seen: Mapping[str, int] | None = None, from_holder: str | None = None) -> Change:
    """Move RSOs to a named manager (or, with ``to_manager=None``, to ``to_team``'s pool).

    Closes each RSO's open allocation at ``on`` (default today) and opens a new one: the same
    writes as ``apply_moves`` (one implementation), audited and undone as one reassignment.
    ``user`` must be permitted to reassign every RSO and the receiving manager (or pool): both
    in their scope (``NotPermitted`` otherwise, naming the rule). ``StaleWrite`` if an RSO's
    version is not the one ``seen``, or its holder not ``from_holder`` (a manager id, or
    ``guard.POOL``).
    """
    reason, actor, on = require_reason(reason), who(user), on or date.today()
    ids = list(dict.fromkeys(rso_ids))
    if not ids:
        raise OperationError("No RSOs were chosen to reassign")
    if to_manager is None and not to_team:
        raise OperationError("Choose a manager, or a team whose pool receives the RSOs")
    with begin_write(engine) as connection:
        _lock_moves(connection, ids, [to_manager])
        allow(connection, user, Operation.REASSIGN, rsos=ids, managers=[to_manager],
              pools=[to_team] if to_manager is None and to_team else [])
        check_holder(connection, ids, from_holder)
        check_seen(connection, seen)
        plan = _plan(connection, [(RsoId(i), to_manager) for i in ids], pool_team=to_team)
        if not plan:
            raise OperationError("Every RSO chosen is already there")
        before, after, versions = _imaged_moves(connection, plan, reason, actor, on)
        audit(connection, actor, "reassign", before, after)
    target = to_manager or f"{to_team} pool"
    return imaged_change("reassign", f"Reassign {len(plan)} RSO(s) to {target}", before, after,
                         Operation.REASSIGN, versions)


def _lock_moves(connection: Connection, rso_ids: Iterable[str],
                receiving: Iterable[str | None]) -> None:
    """PostgreSQL: the receiving managers' rows (shared), then the RSOs' rows."""
    lock_managers(connection, receiving)
    lock_rsos(connection, rso_ids)


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
                  then: Callable[[], Sequence[int]] | None = None,
                  ) -> tuple[Image, Image, dict[str, int]]:
    """Apply ``plan`` (and ``then``, which may write managers and absences and returns any
    absence ids it created); the images before and after, and the moved RSOs' versions after
    (each moved on by one)."""
    open_rows = _open_allocations(connection, list(plan))
    _refuse_backdating(open_rows, on)
    keys: dict[str, list[Any]] = {
        "rso": list(plan), "allocation": [row["id"] for row in open_rows],
        "manager": list(managers), "manager_absence": list(absences)}
    before = read_image(connection, keys)
    keys["allocation"] += _move(connection, plan, open_rows, reason, actor, on)
    if then is not None:
        keys["manager_absence"] += list(then())
    after = read_image(connection, keys)
    for name, rows in after.items():
        before[name] = {k: before[name].get(k) for k in rows}
    return before, after, bump(connection, plan)


def _moves_summary(plan: dict[str, tuple[str | None, str]]) -> str:
    targets = {manager or f"{team} pool" for manager, team in plan.values()}
    where = next(iter(targets)) if len(targets) == 1 else f"{len(targets)} managers"
    return f"Move {len(plan)} RSO(s) to {where}"


def apply_moves(engine: Engine, moves: Sequence[Move], reason: str, user: User,
                on: date | None = None, *, seen: Mapping[str, int] | None = None) -> Change:
    """Move many RSOs, each to its own manager (None: its team's pool), as one change: one
    transaction, one audit row, one undo step (a proposal's accepted moves). ``user`` must be
    permitted to reassign every RSO and every receiving manager; ``StaleWrite`` if an RSO's
    version is not the one ``seen``."""
    reason, actor, on = require_reason(reason), who(user), on or date.today()
    if not moves:
        raise OperationError("No moves were chosen")
    with begin_write(engine) as connection:
        _lock_moves(connection, [r for r, _ in moves], [m for _, m in moves])
        allow(connection, user, Operation.REASSIGN, rsos=[r for r, _ in moves],
              managers=[m for _, m in moves])
        check_seen(connection, seen)
        plan = _plan(connection, moves)
        if not plan:
            raise OperationError("Every RSO chosen is already with that manager")
        before, after, versions = _imaged_moves(connection, plan, reason, actor, on)
        audit(connection, actor, "apply moves", before, after)
    summary = f"{_moves_summary(plan)} ({reason})"
    return imaged_change("apply moves", summary, before, after, Operation.REASSIGN, versions)


def _allow_plan(connection: Connection, user: User, operation: Operation, manager_id: str,
                plan: dict[str, tuple[str | None, str]]) -> None:
    """``user`` may do ``operation`` to ``manager_id``, every RSO the plan moves and every
    manager (or pool) receiving one."""
    allow(connection, user, operation, rsos=list(plan),
          managers=[manager_id, *(m for m, _ in plan.values())],
          pools=[team for m, team in plan.values() if m is None])


def _held_by(connection: Connection, manager_id: str) -> list[str]:
    return list(connection.execute(select(RSO.c.rso_id).where(RSO.c.manager_id == manager_id)
                                   .order_by(RSO.c.rso_id)).scalars().all())


def _leaver_plan(connection: Connection, manager: dict[str, Any], moves: Sequence[Move],
                 caseload: Iterable[str] | None = None,
                 seen: Mapping[str, int] | None = None) -> dict[str, tuple[str | None, str]]:
    """The accepted moves (of the manager's RSOs, and any others the proposal suggests), and
    every other RSO the manager holds to their team's pool; ``StaleWrite`` if what the manager
    holds is not the ``caseload`` seen, or an RSO's version not the one ``seen``."""
    lock_rsos(connection, [r for r, _ in moves])
    held = _held_by(connection, manager["manager_id"])
    check_caseload(connection, manager["manager_id"], held, caseload)
    check_seen(connection, seen)
    moved = {rso_id for rso_id, _ in moves}
    rest: list[Move] = [(RsoId(r), None) for r in held if r not in moved]
    return _plan(connection, [*moves, *rest], pool_team=manager["team"],
                 giving_up=manager["manager_id"])


def manager_leaving(engine: Engine, manager_id: ManagerId, moves: Sequence[Move], reason: str,
                    user: User, *, on: date | None = None, caseload: Iterable[str] | None = None,
                    seen: Mapping[str, int] | None = None) -> Change:
    """A manager leaves: ``moves`` (a proposal's accepted moves) take their RSOs, every RSO of
    theirs not moved goes to their team's pool, and the manager is no longer active. One
    change. ``user`` must be permitted to move a leaving manager's RSOs: the manager, every RSO
    moved and every receiving manager in their scope. ``StaleWrite`` if the RSOs they hold are
    not the ``caseload`` seen, or an RSO's version not the one ``seen``."""
    reason, actor, on = require_reason(reason), who(user), on or date.today()
    with begin_write(engine) as connection:
        lock_caseload(connection, manager_id, [m for _, m in moves])
        manager = _active_manager(connection, manager_id)
        plan = _leaver_plan(connection, manager, moves, caseload, seen)
        _allow_plan(connection, user, Operation.MANAGER_LEAVING, manager_id, plan)

        def deactivate() -> list[int]:
            connection.execute(update(MANAGER).where(MANAGER.c.manager_id == manager_id)
                               .values(active=False))
            return []

        before, after, versions = _imaged_moves(connection, plan, reason, actor, on,
                                                managers=[manager_id], then=deactivate)
        audit(connection, actor, "manager leaving", before, after)
    summary = f"{manager['name']} leaves: {len(plan)} RSO(s) moved"
    return imaged_change("manager leaving", summary, before, after, Operation.MANAGER_LEAVING,
                         versions)


def manager_absent(engine: Engine, manager_id: ManagerId, until: date, moves: Sequence[Move],
                   user: User, *, on: date | None = None, note: str = "",
                   caseload: Iterable[str] | None = None,
                   seen: Mapping[str, int] | None = None) -> Change:
    """A manager is away from ``on`` until ``until`` (the day they are back): the absence is
    recorded, ``moves`` take their RSOs to cover and every other RSO they hold goes to their
    team's pool, all with the reason "manager absent", so that ``hand_back`` finds them.
    ``user`` must be permitted to cover an absent manager's RSOs (as for a leaver); the
    caseload and versions seen are checked as for a leaver."""
    actor, on = who(user), on or date.today()
    if not isinstance(until, date) or until <= on:
        raise OperationError(f"The return date must be after the start of the absence "
                             f"({uk_date(on)})")
    with begin_write(engine) as connection:
        lock_caseload(connection, manager_id, [m for _, m in moves])
        manager = _active_manager(connection, manager_id)
        clash = connection.execute(
            select(ABSENCE.c.ends_on).where(
                ABSENCE.c.manager_id == manager_id, ABSENCE.c.returned_on.is_(None),
                ABSENCE.c.starts_on < until, ABSENCE.c.ends_on > on)).scalar()
        if clash is not None:
            raise OperationError(f"{manager['name']} is already recorded as absent until "
                                 f"{uk_date(clash)}")
        plan = _leaver_plan(connection, manager, moves, caseload, seen)
        _allow_plan(connection, user, Operation.MANAGER_ABSENT, manager_id, plan)

        def record() -> list[int]:
            row = dict(manager_id=manager_id, starts_on=on, ends_on=until,
                       reason=note.strip() or REASON_MANAGER_ABSENT, actor=actor,
                       recorded_at=now())
            return [connection.execute(insert(ABSENCE).values(**row)).inserted_primary_key[0]]

        before, after, versions = _imaged_moves(connection, plan, REASON_MANAGER_ABSENT, actor,
                                                on, then=record)
        audit(connection, actor, "manager absent", before, after)
    summary = f"{manager['name']} absent until {uk_date(until)}: {len(plan)} RSO(s) to cover"
    return imaged_change("manager absent", summary, before, after, Operation.MANAGER_ABSENT,
                         versions)


def hand_back(engine: Engine, absence_id: int, user: User, *, on: date | None = None,
              seen: Mapping[str, int] | None = None) -> Change:
    """Give a returning manager back the RSOs their absence sent to cover (those still there),
    and mark the absence returned. One change. ``user`` must have the returning manager and
    every RSO handed back in their scope; ``StaleWrite`` if an RSO's version is not the one
    ``seen``."""
    actor, on = who(user), on or date.today()
    with begin_write(engine) as connection:
        absence = connection.execute(select(ABSENCE).where(ABSENCE.c.id == absence_id)
                                     .with_for_update()).mappings().first()
        if absence is None:
            raise OperationError(f"No absence {absence_id} is recorded")
        if absence["returned_on"] is not None:
            raise OperationError(f"The RSOs were handed back on {uk_date(absence['returned_on'])}")
        if on < absence["starts_on"]:
            raise OperationError(f"The absence starts on {uk_date(absence['starts_on'])}, "
                                 f"after {uk_date(on)}")
        lock_managers(connection, [absence["manager_id"]])
        manager = _active_manager(connection, absence["manager_id"])
        covered = covered_rows(connection, absence_id=absence_id)
        lock_rsos(connection, [row["rso_id"] for row in covered])
        check_seen(connection, seen)
        plan = _plan(connection, [(RsoId(row["rso_id"]), ManagerId(manager["manager_id"]))
                                  for row in covered])
        _allow_plan(connection, user, Operation.HAND_BACK, manager["manager_id"], plan)

        def returned() -> list[int]:
            connection.execute(update(ABSENCE).where(ABSENCE.c.id == absence_id)
                               .values(returned_on=on))
            return []

        before, after, versions = _imaged_moves(connection, plan, REASON_MANAGER_RETURNED, actor,
                                                on, absences=[absence_id], then=returned)
        audit(connection, actor, "hand back", before, after)
    summary = f"Hand back {len(plan)} RSO(s) to {manager['name']}"
    return imaged_change("hand back", summary, before, after, Operation.HAND_BACK, versions)
