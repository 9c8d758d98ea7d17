"""The command line's forward look:
``forecast --db DB [--as-at DATE] [--weeks N] [--scenario NAME] [--json]``.

What each of the coming weeks asks of the force, each BCU, team and offender manager
(``analysis.forecast``): with ``--json`` docs/FORECAST-JSON.md's object, else a table per group
(the force, then each BCU and team), weeks as columns. Signed in, and from the figures as the user
may see them (``analysis.visibility.cut_to``), as ``report`` computes them; the forecast holds
counts and hours, no RSO. With ``--scenario NAME`` the forecast of a saved what-if scenario
(``cli_scenario.with_scenario``: applied in memory, its use audited), marked as such: the JSON
carries ``"scenario": {"name", "steps"}``, the tables are headed "SCENARIO: <name> — not the
register".

Exit status: 0 done; 1 a scenario that cannot be read or applied; 2 a database that cannot be
used or a failed sign-in; 3 not permitted for this user (a role that may not produce a report).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ncpi_desktop.cli_scenario import (
    add_scenario_option,
    refusals_as_status,
    report_part,
    scenario_mark,
    with_scenario,
)
from ncpi_desktop.cli_session import add_sign_in_arguments, signed_in
from ncpi_desktop.exits import EXIT_OK

if TYPE_CHECKING:
    from ncpi_desktop.analysis.forecast import Forecast, Level

COMMAND = "forecast"


def _weeks(text: str) -> int:
    """``--weeks``: a whole number from 1 to 104."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= value <= 104:
        raise argparse.ArgumentTypeError(f"must be from 1 to 104 weeks, not {value}")
    return value


def register(commands: argparse._SubParsersAction, parse_date: Callable[[str], date]) -> None:
    """``forecast`` on the command line."""
    from ncpi_desktop.analysis.forecast import DEFAULT_WEEKS

    parser = commands.add_parser(
        COMMAND, help="the coming weeks: visits, ARMS, orders ending, releases and the hours "
                      "they need against the hours available")
    add_sign_in_arguments(parser)
    parser.add_argument("--as-at", type=parse_date, default=None,
                        help="the forecast starts on this date (default: today)")
    parser.add_argument("--weeks", type=_weeks, default=DEFAULT_WEEKS, metavar="N",
                        help=f"how many weeks (default: {DEFAULT_WEEKS})")
    parser.add_argument("--json", action="store_true",
                        help="print FORECAST-JSON.md's object (default: a table per group)")
    add_scenario_option(parser, "forecast")


def handlers() -> dict[str, Callable[[argparse.Namespace], int]]:
    """The commands this module runs, by ``args.command``."""
    return {COMMAND: refusals_as_status(cmd_forecast)}


def cmd_forecast(args: argparse.Namespace) -> int:
    from ncpi_desktop.actions.snapshots import full_snapshot
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.analysis.forecast import forecast
    from ncpi_desktop.analysis.visibility import cut_to
    from ncpi_desktop.domain.security import Operation, require
    from ncpi_desktop.storage.allocations import absences
    from ncpi_desktop.storage.load import RegisterCache

    with signed_in(args) as session:
        user = session.user
        require(user, Operation.REPORT)
        snapshot = full_snapshot(session.engine, args.as_at or date.today(),
                                 cache=RegisterCache())
        snapshot, scenario = with_scenario(args, session, snapshot, "forecast")
        away = absences(session.engine)
    figures = cut_to(user, compute_figures(snapshot))
    result = forecast(figures, args.weeks, absences=away)
    if args.json:
        out = result.to_json()
        if scenario is not None:
            out["scenario"] = report_part(scenario)
        sys.stdout.write(json.dumps(out, separators=(",", ":")))
        sys.stdout.write("\n")
    else:
        if scenario is not None:
            sys.stdout.write(scenario_mark(scenario.name) + "\n\n")
        sys.stdout.write(text_tables(result))
    return EXIT_OK


def _cell(measure: str, value: float) -> str:
    from ncpi_desktop.analysis.forecast import COUNT_MEASURES

    return f"{int(value)}" if measure in COUNT_MEASURES else f"{value:.1f}"


def _table(title: str, level: Level, row: int, starts: list[date]) -> list[str]:
    from ncpi_desktop.analysis.forecast import MEASURE_TITLES
    from ncpi_desktop.formats import uk_day_month

    frame = level.table(row)
    width = max(len(t) for t in MEASURE_TITLES.values())
    heads = [uk_day_month(start) for start in starts]
    lines = [title, " " * width + "".join(f"{h:>8}" for h in heads)]
    for measure, values in frame.iterrows():
        lines.append(f"{MEASURE_TITLES[str(measure)]:<{width}}"
                     + "".join(f"{_cell(str(measure), v):>8}" for v in values))
    return [*lines, ""]


def text_tables(result: Forecast) -> str:
    """The forecast as tables a person reads: the force, then each BCU and each team."""
    from ncpi_desktop.formats import uk_date

    starts = result.week_starts
    end = starts[-1] + timedelta(days=6)
    lines = [f"Forecast as at {uk_date(result.as_at)}: {result.weeks} weeks to {uk_date(end)} "
             f"(each column a week starting on the day shown)", ""]
    lines += _table("Force", result.force, 0, starts)
    for row, bcu in enumerate(result.bcus.keys["bcu"]):
        lines += _table(f"BCU {bcu}", result.bcus, row, starts)
    for row, (bcu, team) in enumerate(result.teams.keys[["bcu", "team"]].itertuples(
            index=False)):
        lines += _table(f"Team {team} ({bcu})", result.teams, row, starts)
    return "\n".join(lines)
