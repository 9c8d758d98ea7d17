"""A journaled change made again on the source: the same named operation, with the same checks,
from what the copy's audit row recorded (its ``after``, and for an undo the change it undid).

Changes a copy can send: records (visits, ARMS, orders, management decisions, decisions on a
review of indefinite notification), reassignments and moves, and the undo of a change sent in the
same sync. Any other (a manager leaving, an absence, policy values: work for the shared register,
not a laptop) is refused with why, to be made on the source; what-if scenarios, which a copy does
not hold, are refused in the copy itself (``storage.scenarios``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.domain.security import User
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.offline.journal import JournalEntry
from ncpi_desktop.storage.operations import (
    apply_moves,
    reassign,
    record_arms,
    record_order,
    record_visit,
    validate_decision,
    write_decision,
)
from ncpi_desktop.storage.operations.notification import OPERATION as NOTIFICATION_REVIEW
from ncpi_desktop.storage.operations.notification import record_notification_review

#: Records a management decision with every check (``actions.decisions.record_decision``, which
#: the command line and the window pass in: storage cannot read the figures it needs).
Decide = Callable[[Engine, RsoId, str, date, str, User], Change]


def storage_decide(engine: Engine, rso_id: RsoId, mode: str, decided_on: date, reason: str,
                   user: User) -> Change:
    """A decision with storage's own checks only (what ``sync`` uses when given no ``decide``)."""
    return write_decision(engine, validate_decision(engine, rso_id, mode, decided_on, reason,
                                                    user))


def _day(value: Any) -> date | None:
    return None if value in (None, "") else date.fromisoformat(str(value)[:10])


def _record(engine: Engine, user: User, entry: JournalEntry, decide: Decide) -> Change:
    row = (entry.arguments.get("after") or {}).get("record") or {}
    rso = RsoId(row["rso_id"])
    if entry.operation == "record visit":
        return record_visit(engine, rso, _day(row["visited_on"]), row["outcome"],
                            int(row["officers"]), user)
    if entry.operation == "record ARMS":
        return record_arms(engine, rso, _day(row["completed_on"]), row["outcome"], user)
    if entry.operation == "record order":
        return record_order(engine, rso, row["type"], _day(row["starts_on"]),
                            _day(row.get("ends_on")), user)
    if entry.operation == NOTIFICATION_REVIEW:
        return record_notification_review(engine, rso, row["outcome"], _day(row["decided_on"]),
                                          row["reason"], user)
    return decide(engine, rso, row["mode"], _day(row["decided_on"]), row["reason"], user)


def _moves(engine: Engine, user: User, entry: JournalEntry) -> Change:
    after = entry.arguments.get("after") or {}
    holders: dict[str, dict[str, Any]] = after.get("rso") or {}
    opened = [row for row in (after.get("allocation") or {}).values()
              if row and row.get("ends_on") is None]
    if not holders or not opened:
        raise OperationError(f"The journal of this {entry.operation} is incomplete")
    reason, on = opened[0]["reason"], _day(opened[0]["starts_on"])
    if entry.operation == "apply moves":
        moves = [(RsoId(i), ManagerId(h["manager_id"]) if h["manager_id"] else None)
                 for i, h in holders.items()]
        return apply_moves(engine, moves, reason, user, on=on)
    targets = {(h["manager_id"], h["team"]) for h in holders.values()}
    if len(targets) != 1:
        raise OperationError("A reassignment moves its RSOs to one manager or pool")
    ((manager, team),) = targets
    return reassign(engine, [RsoId(i) for i in holders], ManagerId(manager) if manager else None,
                    reason, user, to_team=None if manager else team, on=on)


RECORDS = ("record visit", "record ARMS", "record order", "record decision", NOTIFICATION_REVIEW)
MOVES = ("reassign", "apply moves")


def replay(engine: Engine, user: User, entry: JournalEntry, decide: Decide,
           undoable: dict[str, list[Change]]) -> Change:
    """Make ``entry`` on ``engine`` as ``user``; ``undoable`` holds, by operation, the changes
    this sync has sent (an undo takes back the last of its operation)."""
    operation = entry.operation
    if operation in RECORDS:
        return _record(engine, user, entry, decide)
    if operation in MOVES:
        return _moves(engine, user, entry)
    for prefix in ("undo ", "redo "):
        undone = undoable.get(operation.removeprefix(prefix)) if operation.startswith(prefix) \
            else None
        if undone:
            return undone[-1].undo(engine, user)
    raise OperationError(f"{operation} cannot be sent from an offline copy: make it on the "
                         f"source, then drop it here")
