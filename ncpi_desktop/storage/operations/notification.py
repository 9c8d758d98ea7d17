"""A decision on a review of an RSO's indefinite notification (DOMAIN.md rule 13; Sexual
Offences Act 2003 ss.91A-91F): ``continue`` (the next review falls due 8 years on) or
``discharge`` (the notification ends on the decision's date).

One row inserted in one audited transaction, checked for the user's role and scope inside it
(``Operation.RECORD_NOTIFICATION_REVIEW``: supervisors and managers, for RSOs in their scope);
undo deletes exactly that row. Refused: an unknown RSO or outcome, a blank reason, a date in the
future, an RSO whose notification is not indefinite, or one already discharged.

No lost update (``operations.guard``, as ``events``): ``seen`` (rso_id -> the RSO's version the
user saw) is checked under the RSO's lock; the decision is a row of its own and does not move the
RSO's version.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.enums import NotificationReviewOutcome
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.change import Change, OperationError, StaleWrite
from ncpi_desktop.storage.models import NotificationReview
from ncpi_desktop.storage.operations.base import RSO, audit, now
from ncpi_desktop.storage.operations.guard import (
    begin_write,
    changed_by,
    check_seen,
    lock_rsos,
    versions,
)
from ncpi_desktop.storage.operations.records import _as_date, _choice
from ncpi_desktop.storage.operations.scope import allow, who

REVIEW: Table = NotificationReview.__table__  # type: ignore[attr-defined]
OPERATION = "record notification review"


def record_notification_review(engine: Engine, rso_id: RsoId, outcome: str, decided_on: date,
                               reason: str, user: User, *, today: date | None = None,
                               seen: Mapping[str, int] | None = None) -> Change:
    """Record the decision on a review of ``rso_id``'s indefinite notification."""
    actor = who(user)
    outcome = _choice(outcome, NotificationReviewOutcome, "outcome")
    decided_on = _as_date(decided_on, "decision date", today or date.today())
    reason = (reason or "").strip()
    if not reason:
        raise OperationError("A notification review decision needs its reason")
    row = dict(rso_id=str(rso_id), decided_on=decided_on, outcome=outcome, reason=reason,
               actor=actor, recorded_at=now())
    words = "continue" if outcome == NotificationReviewOutcome.CONTINUE else "discharge"
    summary = (f"Record the decision to {words} {rso_id}'s indefinite notification on "
               f"{uk_date(decided_on)}")
    return _add(engine, row, summary, user, seen)


def _check_rso(connection: Connection, row: dict[str, Any]) -> None:
    held = connection.execute(select(RSO.c.notification_indefinite)
                              .where(RSO.c.rso_id == row["rso_id"])).first()
    if held is None:
        raise OperationError(f"Unknown RSO id: {row['rso_id']}")
    if not held[0]:
        raise OperationError(f"{row['rso_id']}'s notification is not indefinite: only an "
                             "indefinite notification is reviewed")
    discharged = connection.execute(
        select(REVIEW.c.decided_on).where(
            (REVIEW.c.rso_id == row["rso_id"])
            & (REVIEW.c.outcome == NotificationReviewOutcome.DISCHARGE.value)
            & (REVIEW.c.decided_on <= row["decided_on"]))
        .order_by(REVIEW.c.decided_on).limit(1)).scalar()
    if discharged is not None:
        raise OperationError(f"{row['rso_id']}'s indefinite notification was discharged on "
                             f"{uk_date(discharged)}")


def _add(engine: Engine, row: dict[str, Any], summary: str, user: User,
         seen: Mapping[str, int] | None) -> Change:
    actor = who(user)
    with begin_write(engine) as connection:
        lock_rsos(connection, [row["rso_id"], *(seen or ())])
        allow(connection, user, Operation.RECORD_NOTIFICATION_REVIEW, rsos=[row["rso_id"]])
        _check_rso(connection, row)
        check_seen(connection, seen)
        if "id" in row and connection.execute(
                select(REVIEW.c.id).where(REVIEW.c.id == row["id"])).first():
            raise StaleWrite(f"Nothing to redo: {summary} is recorded already")
        result = connection.execute(insert(REVIEW).values(**row))
        row = {**row, "id": row.get("id", result.inserted_primary_key[0])}
        audit(connection, actor, OPERATION, {"record": None}, {"record": row})
        moved = versions(connection, [row["rso_id"]])

    def undo(engine_: Engine, user_: User) -> Change:
        return _remove(engine_, row, summary, user_)

    return Change(OPERATION, summary, {"record": None}, {"record": row}, undo, moved)


def _remove(engine: Engine, row: dict[str, Any], summary: str, user: User) -> Change:
    """The exact inverse of ``_add``; refused (``StaleWrite``) if the row is gone."""
    actor = who(user)
    with begin_write(engine) as connection:
        lock_rsos(connection, [row["rso_id"]])
        allow(connection, user, Operation.RECORD_NOTIFICATION_REVIEW, rsos=[row["rso_id"]])
        gone = connection.execute(delete(REVIEW).where(REVIEW.c.id == row["id"])).rowcount
        if gone != 1:
            raise StaleWrite(f"Nothing to undo: {summary} is no longer recorded "
                             f"({changed_by(connection, row['rso_id'])})")
        audit(connection, actor, f"undo {OPERATION}", {"record": row}, {"record": None})
        moved = versions(connection, [row["rso_id"]])

    def redo(engine_: Engine, user_: User) -> Change:
        return _add(engine_, row, summary, user_, None)

    return Change(f"undo {OPERATION}", f"Undo: {summary}", {"record": row}, {"record": None},
                  redo, moved)
