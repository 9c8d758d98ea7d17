"""The command line's notification review decision (DOMAIN.md rule 13): ``record
notification-review --rso ID --outcome continue|discharge --reason TEXT [--on DATE]``, added to
``cli_write``'s ``record`` command.

The same named operation a window would run (``storage.operations.notification``), as the
signed-in user, with the same role and scope checks (supervisors and managers, for RSOs in their
scope); ``cli_write.run`` runs it and gives the exit status (0 done; 1 refused by a rule: an
unknown RSO, a date in the future, a notification that is not indefinite or was discharged; 3 not
permitted for this user).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from ncpi_desktop.cli_session import add_sign_in_arguments
from ncpi_desktop.domain.enums import NotificationReviewOutcome

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ncpi_desktop.domain.security import User
    from ncpi_desktop.storage.change import Change

#: The kind of ``record`` this module adds (``args.record_kind``).
KIND = "notification-review"


def register(kinds: argparse._SubParsersAction, parse_date: Callable[[str], date]) -> None:
    """Add ``notification-review`` to the ``record`` command's kinds."""
    review = kinds.add_parser(
        KIND, help="the decision on a review of an RSO's indefinite notification: continue "
                   "(the next review 8 years on) or discharge")
    add_sign_in_arguments(review)
    review.add_argument("--rso", required=True, metavar="ID", help="the RSO")
    review.add_argument("--outcome", required=True,
                        choices=[o.value for o in NotificationReviewOutcome])
    review.add_argument("--reason", required=True, help="why, recorded with the decision")
    review.add_argument("--on", type=parse_date, default=None,
                        help="the day of the decision (default: today)")


def operation(args: argparse.Namespace) -> Callable[[Engine, User], Change]:
    """The named operation ``record notification-review`` asks for."""
    from ncpi_desktop.domain.ids import RsoId
    from ncpi_desktop.storage.operations.notification import record_notification_review

    rso = RsoId(args.rso)
    return lambda engine, user: record_notification_review(
        engine, rso, args.outcome, args.on or date.today(), args.reason, user)
