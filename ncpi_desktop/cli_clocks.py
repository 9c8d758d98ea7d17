"""The command line's trigger-event records (DOMAIN.md rule 14): ``record event`` and ``record
referral``, added to ``cli_write``'s ``record`` command.

Each is the same named operation the window runs (``storage.operations.events``), as the
signed-in user, with the same role and scope checks; ``cli_write.run`` runs it and gives the exit
status (0 done; 1 refused by a rule of the domain: an unknown RSO or type, a date in the future;
3 not permitted for this user).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from ncpi_desktop.cli_session import add_sign_in_arguments
from ncpi_desktop.domain.enums import EventType

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ncpi_desktop.domain.security import User
    from ncpi_desktop.storage.change import Change

#: The kinds of ``record`` this module adds (``args.record_kind``).
KINDS = ("event", "referral")
#: Where a referral goes unless ``--to`` says otherwise.
DEFAULT_TO = "children's social care"


def register(kinds: argparse._SubParsersAction, parse_date: Callable[[str], date]) -> None:
    """Add ``event`` and ``referral`` to the ``record`` command's kinds."""
    event = kinds.add_parser(
        "event", help="a trigger event: starts the clocks for a reassessment visit and, with "
                      "--child-at-risk, a referral to children's social care")
    referral = kinds.add_parser("referral", help="a referral, e.g. to children's social care")
    for parser in (event, referral):
        add_sign_in_arguments(parser)
        parser.add_argument("--rso", required=True, metavar="ID", help="the RSO")
    event.add_argument("--type", required=True, choices=[t.value for t in EventType],
                       help="what happened")
    event.add_argument("--on", type=parse_date, required=True, help="the day it happened")
    event.add_argument("--child-at-risk", action="store_true",
                       help="a child may be at risk: a referral is due too")
    referral.add_argument("--on", type=parse_date, required=True,
                          help="the day the referral was made")
    referral.add_argument("--to", default=DEFAULT_TO,
                          help=f"whom it was made to (default: {DEFAULT_TO})")


def operation(args: argparse.Namespace) -> Callable[[Engine, User], Change]:
    """The named operation ``record event`` or ``record referral`` asks for."""
    from ncpi_desktop.domain.ids import RsoId
    from ncpi_desktop.storage.operations import record_event, record_referral

    rso = RsoId(args.rso)
    if args.record_kind == "event":
        return lambda engine, user: record_event(engine, rso, args.type, args.on, user,
                                                 child_at_risk=args.child_at_risk)
    return lambda engine, user: record_referral(engine, rso, args.on, user, to=args.to)
