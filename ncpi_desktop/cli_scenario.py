"""What-if scenarios on the command line (issue 18, part 4).

``scenario list``, ``scenario show NAME``, ``scenario save --file F.json [--version N]``,
``scenario delete NAME --version N`` and ``scenario apply NAME [--reason TEXT]``; and
``--scenario NAME`` for ``report`` and ``pack``: the figures of the saved scenario applied to
the register in memory, the report carrying ``"scenario": {"name", "steps"}`` and every page
and sheet of the pack marked "SCENARIO: <name> — not the register", the use audited.

Exit status: 0 done; 1 a scenario that cannot be read, saved or applied (a bad step, a name
already saved, a version changed since) or, for ``apply``, any operation refused; 3 not
permitted.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ncpi_desktop.cli_session import add_sign_in_arguments, signed_in
from ncpi_desktop.exits import EXIT_INVALID, EXIT_OK, say
from ncpi_desktop.formats import uk_datetime

if TYPE_CHECKING:
    from ncpi_desktop.analysis.scenario import Scenario
    from ncpi_desktop.storage.scenarios import SavedScenario
    from ncpi_desktop.storage.snapshot import Snapshot
    from ncpi_desktop.storage.users import Session

COMMAND = "scenario"


def register(commands: argparse._SubParsersAction, parse_date: Callable[[str], date]) -> None:
    """Add ``scenario`` and its sub-commands."""
    scenario = commands.add_parser(
        COMMAND, help="what-if scenarios: hypothetical changes to the figures, saved by name")
    actions = scenario.add_subparsers(dest="scenario_command", required=True)
    listing = actions.add_parser("list", help="the saved scenarios")
    show = actions.add_parser("show", help="a saved scenario's steps and what each does")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--as-at", type=parse_date, default=None,
                      help="read the steps against the register as at this date (default: "
                           "today)")
    save = actions.add_parser("save", help="save a scenario from a JSON file")
    save.add_argument("--file", required=True, metavar="F.json",
                      help='{"name": ..., "steps": [{"kind": ..., ...}]} (README, "What if")')
    delete = actions.add_parser("delete", help="delete a saved scenario")
    delete.add_argument("name", metavar="NAME")
    apply = actions.add_parser(
        "apply", help="make a scenario's real parts (reactive decisions, a leaver's moves) "
                      "with the usual checks; its hypothetical parts are not applied")
    apply.add_argument("name", metavar="NAME")
    apply.add_argument("--reason", default="", help="each change's reason (default: the "
                                                    "scenario's name)")
    apply.add_argument("--as-at", type=parse_date, default=None,
                       help="the date the changes take effect (default: today)")
    save.add_argument("--version", type=int, default=None, metavar="N",
                      help="the saved version this replaces (scenario list or show); refused "
                           "if it was saved again since")
    delete.add_argument("--version", type=int, required=True, metavar="N",
                        help="the saved version to delete (scenario list or show); refused if "
                             "it was saved again since")
    for parser in (listing, show, save, delete, apply):
        add_sign_in_arguments(parser)


def add_scenario_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--scenario NAME`` for ``report``, ``pack`` and ``forecast``."""
    parser.add_argument("--scenario", metavar="NAME", default=None,
                        help=f"the {what} of a saved what-if scenario, not the register's "
                             f"(marked as such)")


def refusals_as_status(command: Callable[[argparse.Namespace], int]
                       ) -> Callable[[argparse.Namespace], int]:
    """``command`` with a scenario that cannot be read or applied said in one line, exit 1."""
    from ncpi_desktop.analysis.scenario import ScenarioError
    from ncpi_desktop.storage.change import OperationError

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (ScenarioError, OperationError) as exc:
            return say(str(exc), EXIT_INVALID)

    return run


def scenario_of(saved: SavedScenario) -> Scenario:
    from ncpi_desktop.analysis.scenario import Scenario, steps_from

    return Scenario(saved.name, steps_from(saved.steps))


def with_scenario(args: argparse.Namespace, session: Session, snapshot: Snapshot, use: str
                  ) -> tuple[Snapshot, Scenario | None]:
    """``snapshot`` with the scenario ``args.scenario`` applied (``analysis.scenario``), and
    the scenario; as it was, and None, without one. Its ``use`` (report, pack, forecast) is
    audited."""
    name = getattr(args, "scenario", None)
    if not name:
        return snapshot, None
    from ncpi_desktop.analysis.scenario import scenario_snapshot
    from ncpi_desktop.storage.scenarios import load_scenario, record_scenario_use

    saved = load_scenario(session.engine, name, session.user)
    scenario = scenario_of(saved)
    changed = scenario_snapshot(snapshot, scenario)
    record_scenario_use(session.engine, saved.name, use, session.user,
                        detail={"version": saved.version, "as_at": snapshot.as_at.isoformat()})
    return changed, scenario


def scenario_mark(name: str) -> str:
    """What marks a scenario's figures wherever they are printed."""
    return f"SCENARIO: {name} — not the register"


def report_part(scenario: Scenario) -> dict[str, Any]:
    """The report's ``"scenario"``: its name and steps."""
    return {"name": scenario.name, "steps": [step.to_dict() for step in scenario.steps]}


def run(args: argparse.Namespace) -> int:
    """``scenario ...``: as the signed-in user."""
    command = {"list": _list, "show": _show, "save": _save, "delete": _delete,
               "apply": _apply}[args.scenario_command]
    return refusals_as_status(command)(args)


def _list(args: argparse.Namespace) -> int:
    from ncpi_desktop.storage.scenarios import list_scenarios

    with signed_in(args) as session:
        saved = list_scenarios(session.engine, session.user)
    for s in saved:
        steps = len(json.loads(s.steps))
        print(f"{s.name}\tversion {s.version}\t{steps} step(s)\tsaved by {s.updated_by} "
              f"{uk_datetime(s.updated_at)}")
    if not saved:
        print("no scenario is saved", file=sys.stderr)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from ncpi_desktop.actions.snapshots import full_snapshot
    from ncpi_desktop.analysis.scenario import plan
    from ncpi_desktop.storage.scenarios import load_scenario

    with signed_in(args) as session:
        saved = load_scenario(session.engine, args.name, session.user)
        snapshot = full_snapshot(session.engine, args.as_at or date.today())
    scenario = scenario_of(saved)
    _, outcomes = plan(snapshot, scenario)
    out = {"name": saved.name, "version": saved.version, "created_by": saved.created_by,
           "created_at": saved.created_at.isoformat(), "updated_by": saved.updated_by,
           "updated_at": saved.updated_at.isoformat(),
           "steps": [step.to_dict() for step in scenario.steps],
           "as_at": snapshot.as_at.isoformat(),
           "what_each_does": [{"step": o.number, "kind": o.step.kind, "real": o.step.real,
                               "does": o.summary} for o in outcomes]}
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return EXIT_OK


def _save(args: argparse.Namespace) -> int:
    from ncpi_desktop.analysis.scenario import Scenario
    from ncpi_desktop.storage.scenarios import save_scenario

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        return say(f"cannot read {args.file}: {exc.strerror or exc}", EXIT_INVALID)
    scenario = Scenario.from_json(text)
    with signed_in(args) as session:
        saved = save_scenario(session.engine, scenario.name, scenario.steps_json(),
                              session.user, seen=args.version)
    print(f"saved scenario {saved.name!r}, version {saved.version}", file=sys.stderr)
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    from ncpi_desktop.storage.scenarios import delete_scenario

    with signed_in(args) as session:
        delete_scenario(session.engine, args.name, session.user, seen=args.version)
    print(f"deleted scenario {args.name!r}", file=sys.stderr)
    return EXIT_OK


def _apply(args: argparse.Namespace) -> int:
    from ncpi_desktop.actions.scenario import apply_scenario
    from ncpi_desktop.actions.snapshots import full_snapshot
    from ncpi_desktop.solver_chatter import solver_chatter_to_stderr
    from ncpi_desktop.storage.scenarios import load_scenario

    with signed_in(args) as session:
        saved = load_scenario(session.engine, args.name, session.user)
        scenario = scenario_of(saved)
        snapshot = full_snapshot(session.engine, args.as_at or date.today())
        with solver_chatter_to_stderr():
            done = apply_scenario(session.engine, snapshot, scenario,
                                  args.reason or f"scenario {scenario.name}", session.user)
    for line in done.lines():
        print(line)
    print(f"{len(done.applied)} applied, {len(done.refused)} refused, "
          f"{len(done.not_applied)} hypothetical step(s) not applied", file=sys.stderr)
    return EXIT_INVALID if done.refused else EXIT_OK
