"""``rebalance --leaving MANAGER_ID`` and ``--absent MANAGER_ID --until DATE`` (issue 13): only
that manager's RSOs move, spread over the colleagues of their team (or BCU with ``--bcu``) so
that the highest caseload per FTE afterwards is as low as it can be. ``--apply`` makes it the
same change as the window's dialogs (``storage.operations.manager_leaving`` / ``manager_absent``)
so the audit and undo are theirs."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

from ncpi_desktop.exits import EXIT_INVALID, EXIT_OK, say
from ncpi_desktop.formats import uk_date
from ncpi_desktop.solver_chatter import solver_chatter_to_stderr

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ncpi_desktop.storage.snapshot import Snapshot


def add_going_arguments(rebalance: argparse.ArgumentParser, parse_date) -> None:  # noqa: ANN001
    """The two options and the return date."""
    going = rebalance.add_mutually_exclusive_group()
    going.add_argument("--leaving", metavar="MANAGER_ID",
                       help="only this manager's RSOs move, spread over their team (or BCU "
                            "with --bcu); --apply also marks the manager as no longer active")
    going.add_argument("--absent", metavar="MANAGER_ID",
                       help="as --leaving, for a manager away until --until DATE; --apply "
                            "records the absence")
    rebalance.add_argument("--until", type=parse_date, default=None,
                           help="with --absent: the day the manager is back")


def check_going(args: argparse.Namespace) -> int | None:
    """A one-line refusal for options that do not go together, else ``None``."""
    if args.absent and args.until is None:
        return say("--absent needs --until DATE", EXIT_INVALID)
    if args.until is not None and not args.absent:
        return say("--until goes with --absent MANAGER_ID", EXIT_INVALID)
    return None


def rebalance_going(args: argparse.Namespace, engine: Engine, snapshot: Snapshot,
                    as_at: date) -> int:
    """Print (--json) and/or apply (--apply) the proposal for one leaving or absent manager."""
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.analysis.rebalance import proposal_to_json, propose
    from ncpi_desktop.storage.allocations import proposal_context
    from ncpi_desktop.storage.operations import OperationError, manager_absent, manager_leaving

    manager_id = args.leaving or args.absent
    managers = snapshot.managers
    row = managers[(managers["manager_id"] == manager_id) & managers["active"].astype(bool)]
    if not len(row):
        return say(f"unknown manager {manager_id!r}: no active manager has that id",
                   EXIT_INVALID)
    bcu, team = args.bcu, args.team
    for named, column in ((bcu, "bcu"), (team, "team")):
        if named is not None and str(row[column].iat[0]) != named:
            what = "BCU" if column == "bcu" else "team"
            return say(f"manager {manager_id!r} is not in {what} "
                       f"{named!r}", EXIT_INVALID)
    if bcu is None and team is None:
        team = str(row["team"].iat[0])
    absent, allocated_on = proposal_context(engine, as_at)
    absent = [m for m in absent if m != manager_id]
    leaving = [manager_id] if args.leaving else []
    with solver_chatter_to_stderr():
        proposal = propose(compute_figures(snapshot), bcu=bcu, team=team, leaving=leaving,
                           absent=absent + ([manager_id] if args.absent else []),
                           allocated_on=allocated_on, spread=True)
    if args.json:
        json.dump(proposal_to_json(proposal), sys.stdout, indent=1)
        sys.stdout.write("\n")
    if not args.apply:
        return EXIT_OK
    mine = proposal.moves[proposal.moves["from_manager_id"] == manager_id]
    moves = list(zip(mine["rso_id"], mine["to_manager_id"], strict=True))
    actor = args.actor  # the signed-in user's name (cli.cmd_rebalance)
    try:
        if args.leaving:
            change = manager_leaving(engine, manager_id, moves, args.reason, actor, on=as_at)
        else:
            change = manager_absent(engine, manager_id, args.until, moves, actor, on=as_at,
                                    note=args.reason)
    except OperationError as exc:
        return say(str(exc), EXIT_INVALID)
    print(f"applied: {change.summary}, from {uk_date(as_at)}", file=sys.stderr)
    return EXIT_OK
