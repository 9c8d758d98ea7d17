"""The command line's write commands (SERVER.md): ``reassign`` and ``record visit|arms|decision``.

Each is the same named operation the window runs (``storage.operations``,
``actions.decisions``), as the signed-in user, with the same role and scope checks. Exit status
(SECURITY.md): 0 done; 1 refused by a rule of the domain (an unknown RSO, a date in the future,
reactive management for an RSO that does not qualify...) or by a concurrent change; 3 not
permitted for this user, the one line naming the rule.

No lost update (SERVER.md): ``--from`` is the holder the caller believes each RSO has (a manager
id, or ``pool``); ``reassign`` checks it inside its transaction, under the lock, and an RSO held
by anyone else is refused (exit 1) naming who holds it now and who moved it when:
``R0006 is now held by OM023 (moved by supervisor.east at 14:02 on 10/10/2017)``. The ``record``
commands run the same locked checks (a decision is refused if someone recorded another for the
RSO after it was checked; an ARMS assessment if one was recorded for that day meanwhile).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from ncpi_desktop import cli_clocks, cli_notification, cli_quality
from ncpi_desktop.cli_session import add_sign_in_arguments
from ncpi_desktop.exits import EXIT_INVALID, EXIT_OK, say

try:  # exits.py gains it with the sign-in (SECURITY.md: 3, not permitted for this user)
    from ncpi_desktop.exits import EXIT_NOT_PERMITTED  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - until then
    EXIT_NOT_PERMITTED = 3

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ncpi_desktop.domain.security import User
    from ncpi_desktop.storage.change import Change

#: The commands this module runs (``args.command``).
COMMANDS = ("reassign", "record")
#: ``--from`` for an RSO in a team pool rather than with a named manager.
POOL = "pool"


def _officers(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of officers: {text!r}") from None


def register(commands: argparse._SubParsersAction,
             parse_date: Callable[[str], date]) -> None:
    """Add ``reassign`` and ``record visit|arms|decision`` to the command line (``parse_date``
    reads their ``--on``: the command line's one reading of a date)."""
    move = commands.add_parser(
        "reassign", help="move RSOs to another offender manager or to a team's pool")
    add_sign_in_arguments(move)
    move.add_argument("--rso", action="append", required=True, metavar="ID",
                      help="an RSO to move (repeat for several)")
    move.add_argument("--from", dest="from_holder", required=True, metavar="MANAGER_ID|pool",
                      help="who holds them now, as the caller believes")
    to = move.add_mutually_exclusive_group(required=True)
    to.add_argument("--to", dest="to_manager", metavar="MANAGER_ID",
                    help="the manager receiving them")
    to.add_argument("--to-pool", dest="to_pool", metavar="TEAM",
                    help="the team whose pool receives them")
    move.add_argument("--reason", required=True, help="why, recorded with the move")
    move.add_argument("--on", type=parse_date, default=None,
                      help="the day the move takes effect (default: today)")

    record = commands.add_parser("record", help="record a visit, an ARMS assessment or a "
                                                "management decision")
    kinds = record.add_subparsers(dest="record_kind", required=True)
    visit = kinds.add_parser("visit", help="a home visit")
    arms = kinds.add_parser("arms", help="a completed ARMS assessment")
    decision = kinds.add_parser("decision", help="a decision to manage actively or reactively")
    for parser in (visit, arms, decision):
        add_sign_in_arguments(parser)
        parser.add_argument("--rso", required=True, metavar="ID", help="the RSO")
    visit.add_argument("--on", type=parse_date, required=True, help="the day of the visit")
    visit.add_argument("--outcome", required=True, choices=["completed", "no_access"])
    visit.add_argument("--officers", type=_officers, required=True,
                       help="how many officers made it")
    arms.add_argument("--on", type=parse_date, required=True, help="the day it was completed")
    arms.add_argument("--outcome", required=True, choices=["low", "medium", "high"])
    decision.add_argument("--mode", required=True, choices=["active", "reactive"])
    decision.add_argument("--reason", required=True, help="why, recorded with the decision")
    decision.add_argument("--on", type=parse_date, default=None,
                          help="the day of the decision (default: today)")
    cli_clocks.register(kinds, parse_date)
    cli_quality.add_record_review(kinds, parse_date)  # record review: cli_quality runs it
    cli_notification.register(kinds, parse_date)


def _reassign(args: argparse.Namespace) -> Callable[[Engine, User], Change]:
    from ncpi_desktop.domain.ids import ManagerId, RsoId
    from ncpi_desktop.storage.operations import reassign

    ids = [RsoId(i) for i in args.rso]
    to_manager = ManagerId(args.to_manager) if args.to_manager else None
    return lambda engine, user: reassign(engine, ids, to_manager, args.reason, user,
                                         to_team=args.to_pool, on=args.on,
                                         from_holder=args.from_holder)


def _record(args: argparse.Namespace) -> Callable[[Engine, User], Change]:
    from ncpi_desktop.actions.decisions import record_decision
    from ncpi_desktop.domain.ids import RsoId
    from ncpi_desktop.storage.operations import record_arms, record_visit

    rso = RsoId(args.rso)
    if args.record_kind in cli_clocks.KINDS:
        return cli_clocks.operation(args)
    if args.record_kind == cli_notification.KIND:
        return cli_notification.operation(args)
    if args.record_kind == "visit":
        return lambda engine, user: record_visit(engine, rso, args.on, args.outcome,
                                                 args.officers, user)
    if args.record_kind == "arms":
        return lambda engine, user: record_arms(engine, rso, args.on, args.outcome, user)
    return lambda engine, user: record_decision(engine, rso, args.mode, args.on or date.today(),
                                                args.reason, user)


def run(args: argparse.Namespace, user: User, engine: Engine) -> int:
    """Run ``args.command`` as ``user`` on ``engine``: 0 done (its summary printed), 1 refused
    by a rule or by a concurrent change (``StaleWrite``), 3 not permitted for ``user``."""
    from ncpi_desktop.domain.security import NotPermitted
    from ncpi_desktop.storage.change import OperationError

    operation = _reassign(args) if args.command == "reassign" else _record(args)
    try:
        change = operation(engine, user)
    except NotPermitted as exc:
        return say(str(exc), EXIT_NOT_PERMITTED)
    except OperationError as exc:
        return say(str(exc), EXIT_INVALID)
    print(f"done: {change.summary}")
    return EXIT_OK
