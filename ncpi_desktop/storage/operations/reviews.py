"""Quality assurance (DOMAIN.md rule 15): a supervisor's case review of one RSO, graded good,
requires improvement or inadequate, with findings and actions that have owners and due dates.

Each write is one audited transaction, checked for the user's role and scope inside it
(``scope.allow`` with ``Operation.RECORD_REVIEW``: supervisors and managers, for RSOs in their
scope), and returns a ``Change`` whose ``undo`` is the exact inverse: a review goes with its
actions, an added action goes, a completed action is open again.

No lost update (``operations.guard``, as ``records``): each takes ``seen`` (rso_id -> the RSO's
version the user saw) and refuses with ``StaleWrite`` if it moved; undo and redo refuse
(``StaleWrite``) if the row is gone, or no longer as the change left it. None moves the RSO's
version on: like a visit, a review and its actions are rows of their own which two supervisors
may both write, which never touch the RSO's row, and which the register's start-up copy
(``storage.register_store``) does not hold; bumping the version would write the RSO's row and
drop that copy for nothing. ``Change.versions`` still carries the RSO's version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

from sqlalchemy import Table, column, delete, insert, select, table, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.enums import ReviewGrade
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.change import Change, OperationError, StaleWrite
from ncpi_desktop.storage.database import named
from ncpi_desktop.storage.models import CaseReview, ReviewAction
from ncpi_desktop.storage.operations.base import RSO, audit
from ncpi_desktop.storage.operations.guard import (
    begin_write,
    changed_by,
    check_seen,
    lock_rsos,
    versions,
)
from ncpi_desktop.storage.operations.scope import allow, who

REVIEW: Table = CaseReview.__table__  # type: ignore[attr-defined]
ACTION: Table = ReviewAction.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ActionSpec:
    """An action as the user gives it: what, who owns it, by when."""

    text: str
    owner: str
    due_on: date


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:12].upper()}"


def _text(value: object, what: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise OperationError(f"The {what} is required")
    return text


def _date(value: object, what: str, today: date | None = None) -> date:
    if not isinstance(value, date):
        raise OperationError(f"The {what} must be a date, not {value!r}")
    if today is not None and value > today:
        raise OperationError(f"The {what} {uk_date(value)} is in the future "
                             f"(today is {uk_date(today)})")
    return value


def grade_of(value: object) -> str:
    """A grade as the user wrote it (case, spaces and hyphens as the import reads them)."""
    text = str(getattr(value, "value", value) or "").strip().lower()
    text = text.replace(" ", "_").replace("-", "_")
    values = [grade.value for grade in ReviewGrade]
    if text not in values:
        raise OperationError(f"Unknown grade {value!r}: choose one of {', '.join(values)}")
    return text


def _action_row(review_id: str, spec: ActionSpec, reviewed_on: date) -> dict[str, Any]:
    due_on = _date(spec.due_on, "action's due date")
    if due_on < reviewed_on:
        raise OperationError(f"An action cannot be due ({uk_date(due_on)}) before its review "
                             f"({uk_date(reviewed_on)})")
    return dict(action_id=_new_id("QA"), review_id=review_id,
                text=_text(spec.text, "action's text"), owner=_text(spec.owner, "action's owner"),
                due_on=due_on, done_on=None)


def _readable(connection: Connection, source: Table) -> Any:
    """``source``, or on a server its view that gives the free text only within scope."""
    name = named(connection, source.name)
    if name == source.name:
        return source
    return table(name, *(column(c.name) for c in source.c))


def _review_of(connection: Connection, review_id: str) -> dict[str, Any]:
    reviews = _readable(connection, REVIEW)
    row = connection.execute(select(reviews).where(reviews.c.review_id == review_id)
                             ).mappings().first()
    if row is None:
        raise OperationError(f"Unknown case review: {review_id}")
    return dict(row)


def _action_of(connection: Connection, action_id: str) -> dict[str, Any]:
    actions = _readable(connection, ACTION)
    row = connection.execute(select(actions).where(actions.c.action_id == action_id)
                             ).mappings().first()
    if row is None:
        raise OperationError(f"Unknown review action: {action_id}")
    return dict(row)


# --- a review, with its first actions ---------------------------------------------------------

def record_review(engine: Engine, rso_id: RsoId, reviewed_on: date, grade: str, findings: str,
                  user: User, *, actions: Sequence[ActionSpec] = (),
                  today: date | None = None, seen: Mapping[str, int] | None = None) -> Change:
    """Record a case review of ``rso_id`` by ``user`` (its reviewer), with ``actions``."""
    who(user)
    reviewed_on = _date(reviewed_on, "review date", today or date.today())
    row = dict(review_id=_new_id("QR"), rso_id=str(rso_id), reviewed_on=reviewed_on,
               reviewer=who(user), grade=grade_of(grade),
               findings=_text(findings, "review's findings"))
    action_rows = [_action_row(row["review_id"], spec, reviewed_on) for spec in actions]
    return _insert_review(engine, row, action_rows, user, seen)


def _locked(connection: Connection, rso_id: str, user: User,
            seen: Mapping[str, int] | None = None) -> None:
    """In a ``begin_write`` transaction: lock the RSO (and those of ``seen``), check the user may
    review it, and that no RSO of ``seen`` moved since it was seen."""
    lock_rsos(connection, [rso_id, *(seen or ())])
    allow(connection, user, Operation.RECORD_REVIEW, rsos=[rso_id])
    check_seen(connection, seen)


def _gone(connection: Connection, summary: str, rso_id: str) -> StaleWrite:
    """The refusal of an undo or redo whose row is gone or no longer as the change left it."""
    return StaleWrite(f"Nothing to undo: {summary} is no longer recorded "
                      f"({changed_by(connection, rso_id)})")


def _review_summary(row: dict[str, Any], actions: Iterable[dict[str, Any]]) -> str:
    count = len(list(actions))
    more = f", {count} action{'s' if count != 1 else ''}" if count else ""
    return (f"Record case review of {row['rso_id']} on {uk_date(row['reviewed_on'])}: "
            f"{ReviewGrade(row['grade']).label.lower()}{more}")


def _insert_review(engine: Engine, row: dict[str, Any], action_rows: list[dict[str, Any]],
                   user: User, seen: Mapping[str, int] | None = None) -> Change:
    actor = who(user)
    summary = _review_summary(row, action_rows)
    with begin_write(engine) as connection:
        if connection.execute(select(RSO.c.rso_id).where(RSO.c.rso_id == row["rso_id"])
                              ).first() is None:
            raise OperationError(f"Unknown RSO id: {row['rso_id']}")
        _locked(connection, row["rso_id"], user, seen)
        if connection.execute(select(REVIEW.c.review_id)
                              .where(REVIEW.c.review_id == row["review_id"])).first():
            raise StaleWrite(f"Nothing to redo: {summary} is recorded already")
        connection.execute(insert(REVIEW).values(**row))
        if action_rows:
            connection.execute(insert(ACTION), action_rows)
        after = {"review": row, "actions": action_rows}
        audit(connection, actor, "record review", {"review": None}, after)
        moved = versions(connection, [row["rso_id"]])  # the RSO's row is not written

    def undo(engine_: Engine, user_: User) -> Change:
        return _delete_review(engine_, row, action_rows, user_)

    return Change("record review", summary, {"review": None}, after, undo, moved)


def _delete_review(engine: Engine, row: dict[str, Any], action_rows: list[dict[str, Any]],
                   user: User) -> Change:
    actor = who(user)
    summary = _review_summary(row, action_rows)
    with begin_write(engine) as connection:
        _locked(connection, row["rso_id"], user)
        connection.execute(delete(ACTION).where(ACTION.c.review_id == row["review_id"]))
        gone = connection.execute(delete(REVIEW).where(REVIEW.c.review_id == row["review_id"])
                                  ).rowcount
        if gone != 1:
            raise _gone(connection, summary, row["rso_id"])
        before = {"review": row, "actions": action_rows}
        audit(connection, actor, "undo record review", before, {"review": None})
        moved = versions(connection, [row["rso_id"]])

    def redo(engine_: Engine, user_: User) -> Change:
        return _insert_review(engine_, row, action_rows, user_)

    return Change("undo record review", f"Undo: {summary}", before, {"review": None}, redo,
                  moved)


# --- an action added to a review --------------------------------------------------------------

def add_action(engine: Engine, review_id: str, action: ActionSpec, user: User, *,
               seen: Mapping[str, int] | None = None) -> Change:
    """Add an action to a recorded review."""
    who(user)
    with engine.connect() as connection:
        review = _review_of(connection, review_id)
    row = _action_row(review_id, action, review["reviewed_on"])
    return _insert_action(engine, row, review["rso_id"], user, seen)


def _insert_action(engine: Engine, row: dict[str, Any], rso_id: str, user: User,
                   seen: Mapping[str, int] | None = None) -> Change:
    actor = who(user)
    summary = f"Add action for {rso_id} ({row['owner']}, due {uk_date(row['due_on'])})"
    with begin_write(engine) as connection:
        _locked(connection, rso_id, user, seen)
        if connection.execute(select(REVIEW.c.review_id)
                              .where(REVIEW.c.review_id == row["review_id"])).first() is None:
            raise StaleWrite(f"The case review of {rso_id} is no longer recorded "
                             f"({changed_by(connection, rso_id)}): nothing was added")
        if connection.execute(select(ACTION.c.action_id)
                              .where(ACTION.c.action_id == row["action_id"])).first():
            raise StaleWrite(f"Nothing to redo: {summary} is recorded already")
        connection.execute(insert(ACTION).values(**row))
        after = {"action": row, "rso_id": rso_id}
        audit(connection, actor, "add review action", {"action": None, "rso_id": rso_id}, after)
        moved = versions(connection, [rso_id])

    def undo(engine_: Engine, user_: User) -> Change:
        return _delete_action(engine_, row, rso_id, summary, user_)

    return Change("add review action", summary, {"action": None}, after, undo, moved)


def _delete_action(engine: Engine, row: dict[str, Any], rso_id: str, summary: str,
                   user: User) -> Change:
    actor = who(user)
    with begin_write(engine) as connection:
        _locked(connection, rso_id, user)
        gone = connection.execute(delete(ACTION).where(ACTION.c.action_id == row["action_id"])
                                  ).rowcount
        if gone != 1:
            raise _gone(connection, summary, rso_id)
        before = {"action": row, "rso_id": rso_id}
        audit(connection, actor, "undo add review action", before,
              {"action": None, "rso_id": rso_id})
        moved = versions(connection, [rso_id])

    def redo(engine_: Engine, user_: User) -> Change:
        return _insert_action(engine_, row, rso_id, user_)

    return Change("undo add review action", f"Undo: {summary}", before, {"action": None}, redo,
                  moved)


# --- an action completed ----------------------------------------------------------------------

def complete_action(engine: Engine, action_id: str, done_on: date, user: User, *,
                    today: date | None = None, seen: Mapping[str, int] | None = None) -> Change:
    """Mark an open action done on ``done_on`` (not in the future, not before its review)."""
    who(user)
    done_on = _date(done_on, "date the action was done", today or date.today())
    with engine.connect() as connection:
        action = _action_of(connection, action_id)
        review = _review_of(connection, action["review_id"])
    if action["done_on"] is not None:
        raise OperationError(f"The action was already done on {uk_date(action['done_on'])}")
    if done_on < review["reviewed_on"]:
        raise OperationError(f"An action cannot be done ({uk_date(done_on)}) before its review "
                             f"({uk_date(review['reviewed_on'])})")
    return _set_done(engine, action_id, review["rso_id"], None, done_on, user, seen)


def _set_done(engine: Engine, action_id: str, rso_id: str, was: date | None,
              becomes: date | None, user: User,
              seen: Mapping[str, int] | None = None) -> Change:
    """``done_on`` from ``was`` to ``becomes``, refused if it is no longer ``was``."""
    actor = who(user)
    operation = "complete review action" if becomes is not None else "undo complete review action"
    summary = (f"Complete action {action_id} for {rso_id} on {uk_date(becomes)}"
               if becomes is not None else f"Undo: complete action {action_id} for {rso_id}")
    with begin_write(engine) as connection:
        _locked(connection, rso_id, user, seen)
        changed = connection.execute(
            update(ACTION).where(ACTION.c.action_id == action_id,
                                 ACTION.c.done_on.is_(None) if was is None
                                 else ACTION.c.done_on == was)
            .values(done_on=becomes)).rowcount
        if changed != 1:
            raise StaleWrite(f"The action {action_id} has changed since "
                             f"({changed_by(connection, rso_id)}): nothing was done")
        before = {"action_id": action_id, "rso_id": rso_id, "done_on": was}
        after = {"action_id": action_id, "rso_id": rso_id, "done_on": becomes}
        audit(connection, actor, operation, before, after)
        moved = versions(connection, [rso_id])

    def undo(engine_: Engine, user_: User) -> Change:
        return _set_done(engine_, action_id, rso_id, becomes, was, user_)

    return Change(operation, summary, before, after, undo, moved)
