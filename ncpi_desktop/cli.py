"""The command line: the GUI by default; headless ``demo`` and ``report``.

Every failure is one line on standard error and an exit status (``ncpi_desktop.exits``; README,
"Exit status"), never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from ncpi_desktop import (
    __version__,
    cli_audit,
    cli_forecast,
    cli_offline,
    cli_quality,
    cli_scenario,
    cli_selftest,
    cli_server,
    cli_write,
)
from ncpi_desktop.cli_going import (
    add_going_arguments,
    check_going,
    rebalance_going,
    within_sentence,
)
from ncpi_desktop.cli_session import add_sign_in_arguments, signed_in, target_of
from ncpi_desktop.cli_users import add_user_commands, user_commands
from ncpi_desktop.exits import (
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNUSABLE,
    failure_status,
    quiet_broken_pipe,
    say,
)
from ncpi_desktop.formats import DATE_FORMAT, uk_date
from ncpi_desktop.solver_chatter import solver_chatter_to_stderr

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from ncpi_desktop.analysis.figures import Figures
    from ncpi_desktop.domain.security import Operation, User
    from ncpi_desktop.storage.snapshot import Snapshot


def parse_date(text: str) -> date:
    """YYYY-MM-DD or DD/MM/YYYY."""
    for fmt in ("%Y-%m-%d", DATE_FORMAT):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD or DD/MM/YYYY)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ncpi-desktop",
        description="Caseload planning for Sex Offender Management Units. "
                    "With no command, opens the application.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--db", help="database file or SQLAlchemy URL (default: user data dir)")
    parser.add_argument("--user", metavar="NAME",
                        help="who signs in (default: $NCPI_USER); the password comes from "
                             "$NCPI_PASSWORD or a prompt")
    commands = parser.add_subparsers(dest="command")

    parser.add_argument("--as-at", dest="gui_as_at", type=parse_date, default=None,
                        help="open the application as at this date (default: today)")
    parser.add_argument("--theme", choices=["system", "light", "dark", "high-contrast"],
                        default=None, help="the application's colours, remembered for the next "
                        "run (default: the last chosen; at first, follow the system)")
    gui = commands.add_parser("gui", help="open the application (the default)")
    gui.add_argument("--db", dest="sub_db", help=argparse.SUPPRESS)

    demo = commands.add_parser("demo", help="build a demo database")
    demo.add_argument("--profile", choices=["lancashire-2017", "national"],
                      default="lancashire-2017")
    demo.add_argument("--db", dest="sub_db", required=True,
                      help="database file to create, or an empty PostgreSQL database to set "
                           "up as a server (postgresql://OWNER@HOST/DB)")
    demo.add_argument("--force", action="store_true", help="replace an existing file")

    report = commands.add_parser("report", help="print the figures")
    add_sign_in_arguments(report)
    report.add_argument("--as-at", type=parse_date, default=None,
                        help="date the figures are as at (default: today)")
    report.add_argument("--json", action="store_true", required=True,
                        help="print REPORT-JSON.md's object")
    cli_scenario.add_scenario_option(report, "figures")

    pack = commands.add_parser("pack", help="write the monthly performance pack (PDF or XLSX)")
    add_sign_in_arguments(pack)
    pack.add_argument("--as-at", type=parse_date, default=None,
                      help="date the figures are as at (default: today)")
    pack.add_argument("--out", required=True, help="pack.pdf or pack.xlsx")
    pack.add_argument("--names", action="store_true",
                      help="name RSOs (by default they appear by id only)")
    cli_scenario.add_scenario_option(pack, "pack")

    _add_exchange_commands(commands)
    _add_rebalance_command(commands)
    add_user_commands(commands)
    cli_audit.register(commands, parse_date)
    cli_write.register(commands, parse_date)
    cli_quality.register(commands, parse_date)
    cli_forecast.register(commands, parse_date)
    cli_selftest.register(commands)
    cli_offline.register(commands, parse_date)
    cli_server.register(commands)
    cli_scenario.register(commands, parse_date)
    return parser


def _add_exchange_commands(commands: argparse._SubParsersAction) -> None:
    """``import`` and ``export``: the register in and out as an extract."""
    from ncpi_desktop.exchange.limits import add_limit_arguments
    load = commands.add_parser(
        "import", help="load an extract (CSV folder, .zip or .xlsx): all or nothing")
    load.add_argument("extract", help="a folder of CSV files, a .zip of one, or an .xlsx workbook")
    add_sign_in_arguments(load, "database file (make a new one with init) or URL")
    load.add_argument("--check", action="store_true",
                      help="validate and count what would change, without writing")
    add_limit_arguments(load)

    export = commands.add_parser("export", help="write the whole register as an extract")
    add_sign_in_arguments(export)
    export.add_argument("--out", required=True, help="a folder (CSV files), FILE.zip or FILE.xlsx")


def _add_rebalance_command(commands: argparse._SubParsersAction) -> None:
    """``rebalance``: the proposal, and ``--apply`` to make it one change."""
    rebalance = commands.add_parser(
        "rebalance", help="propose the fewest moves that bring every manager within the limits")
    add_sign_in_arguments(rebalance)
    rebalance.add_argument("--as-at", type=parse_date, default=None,
                           help="date the figures are as at and the moves take effect "
                                "(default: today)")
    scope = rebalance.add_mutually_exclusive_group()
    scope.add_argument("--bcu", help="one BCU (default: every BCU, each on its own)")
    scope.add_argument("--team", help="one team (moves stay within it)")
    rebalance.add_argument("--json", action="store_true", help="print the proposal as JSON")
    rebalance.add_argument("--max-moves", type=_count, default=None, metavar="N",
                           help="at most N moves in each BCU (or team): the lowest highest "
                                "caseload per FTE they can reach")
    rebalance.add_argument("--apply", action="store_true",
                           help="apply every proposed move as one change (needs --reason)")
    rebalance.add_argument("--reason", help="the reason recorded with each move")
    add_going_arguments(rebalance, parse_date)


def _count(text: str) -> int:
    """A whole number of 0 or more (``--max-moves``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _target(args: argparse.Namespace) -> str | None:
    return target_of(args)


def _figures_for(user: User, operation: Operation, snapshot: Snapshot) -> Figures:
    """The figures of ``snapshot`` cut to ``user`` (``analysis.visibility``), once their role
    permits ``operation`` (``NotPermitted`` otherwise: exit 3)."""
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.analysis.visibility import cut_to
    from ncpi_desktop.domain.security import require

    require(user, operation)
    return cut_to(user, compute_figures(snapshot))


def _read_snapshot(engine: Engine, as_at: date) -> Snapshot:
    """The snapshot a command computes from: the register from its start-up copy in the
    database while that is current (``storage.register_store``), else from its tables."""
    from ncpi_desktop.storage.load import RegisterCache, load_snapshot

    return load_snapshot(engine, as_at, cache=RegisterCache())


def cmd_report(args: argparse.Namespace) -> int:
    from ncpi_desktop.domain.security import Operation, require
    from ncpi_desktop.exchange.report import build_report

    with signed_in(args) as session:
        user = session.user
        require(user, Operation.REPORT)
        snapshot = _read_snapshot(session.engine, args.as_at or date.today())
        changed, scenario = cli_scenario.with_scenario(args, session, snapshot, "report")
        cli_audit.disclose(session.engine, user.user_name, "report", snapshot.rsos["rso_id"],
                           {"as_at": snapshot.as_at.isoformat()})
        snapshot = changed
    report = build_report(_figures_for(user, Operation.REPORT, snapshot))
    if scenario is not None:
        report["scenario"] = cli_scenario.report_part(scenario)
    # One compact string: json.dumps runs the C encoder, json.dump with an indent the Python one
    # (national register: 3 s for the indented file, 0.6 s for this).
    sys.stdout.write(json.dumps(report, separators=(",", ":")))
    sys.stdout.write("\n")
    return EXIT_OK


PACK_FORMATS = (".pdf", ".xlsx")


def cmd_pack(args: argparse.Namespace) -> int:
    """The performance pack from the same figures as ``report --json``."""
    from pathlib import Path

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in PACK_FORMATS:
        return say(f"cannot write a pack as {out.name!r}: use a .pdf or .xlsx file", EXIT_UNUSABLE)
    if not out.parent.is_dir():
        return say(f"cannot write {out}: folder {out.parent} does not exist", EXIT_UNUSABLE)

    from ncpi_desktop.analysis.forecast import with_absences
    from ncpi_desktop.domain.security import Operation, require
    from ncpi_desktop.exchange.pack import build_pack, pin_audit_head
    from ncpi_desktop.storage.allocations import absences

    with signed_in(args) as session:
        user = session.user
        require(user, Operation.PACK_WITH_NAMES if args.names else Operation.PACK)
        snapshot = _read_snapshot(session.engine, args.as_at or date.today())
        snapshot, scenario = cli_scenario.with_scenario(args, session, snapshot, "pack")
        figures = with_absences(_figures_for(user, Operation.PACK, snapshot),
                                absences(session.engine))  # the forecast's hours available
        pack = build_pack(figures, produced_by=user.user_name,
                          produced_at=datetime.now().astimezone(), names=args.names)
        if scenario is not None:  # marked on every page and sheet
            pack = dataclasses.replace(pack, scenario=scenario.name)
        pack = pin_audit_head(session.engine, pack, user.user_name, out)
    try:
        if suffix == ".xlsx":
            from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx

            write_pack_xlsx(pack, out)
            print(f"wrote {out}")
            return EXIT_OK
        from ncpi_desktop.ui.exports.pack_pdf import gui_application, write_pack_pdf

        _app = gui_application()  # fonts need one; offscreen when there is no display
        pages = write_pack_pdf(pack, out)
    except OSError as exc:
        return say(f"cannot write {out}: {exc.strerror or exc}; choose another folder, or "
                   f"free some space", EXIT_UNUSABLE)
    print(f"wrote {out} ({pages} pages)")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ncpi_desktop.demo.build import build_demo
    from ncpi_desktop.storage.database import shown_location
    from ncpi_desktop.storage.keys import keys_path

    if "://" in args.sub_db:  # a shared server: set up, then the demo register and users
        counts = cli_server.demo_on_server(args.sub_db, args.profile, _print_progress)
        if isinstance(counts, str):
            return say(f"{counts} ({shown_location(args.sub_db)})", EXIT_UNUSABLE)
        print(", ".join(f"{name}: {count:,}" for name, count in counts.items()))
        return EXIT_OK
    path = Path(args.sub_db)
    if not (path.exists() or keys_path(path).exists()):
        counts = build_demo(path, args.profile, progress=_print_progress)
    elif not args.force:
        return say(f"{path} exists; use --force to replace it", EXIT_UNUSABLE)
    else:  # built beside it, then put in its place: a failed build leaves the old one whole
        building = path.with_name(f".building-{path.name}")
        for stale in (building, keys_path(building)):
            stale.unlink(missing_ok=True)
        try:
            counts = build_demo(building, args.profile, progress=_print_progress)
        except BaseException:
            for partial in (building, keys_path(building)):
                partial.unlink(missing_ok=True)
            raise
        for suffix in ("-wal", "-shm", "-journal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(building, path)
        os.replace(keys_path(building), keys_path(path))
    print(", ".join(f"{name}: {count:,}" for name, count in counts.items()))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Exit 0 when imported (with --check: valid), 1 on validation errors (every one printed,
    nothing written), 2 when the input is not an extract or the database cannot be used."""
    from ncpi_desktop.exchange.damaged import read_extract_file
    from ncpi_desktop.exchange.extract import ExtractUnusable
    from ncpi_desktop.exchange.importer import import_extract
    from ncpi_desktop.exchange.limits import limits_from_arguments
    from ncpi_desktop.storage.database import open_database, parse_target, sqlite_file

    try:
        extract = read_extract_file(args.extract, limits_from_arguments(args))
    except ExtractUnusable as exc:
        return say(str(exc), EXIT_UNUSABLE)
    path = sqlite_file(parse_target(_target(args)))
    if args.check and path is not None and not path.exists():
        # Checked against an empty register: no database is read, so nobody signs in.
        engine = open_database("sqlite://")
        try:
            result = import_extract(engine, extract, actor="check", check=True)
        finally:
            engine.dispose()
    else:
        from ncpi_desktop.domain.security import Operation, require

        with signed_in(args) as session:
            require(session.user, Operation.IMPORT)
            result = import_extract(session.engine, extract, actor=session.user.user_name,
                                    check=args.check)
    for issue in result.errors:
        print(issue)
    for issue in result.warnings:
        print(f"warning: {issue}")
    if result.errors:
        return say(f"{result.error_count:,} error(s) in {result.source}; nothing was "
                   f"imported", EXIT_INVALID)
    for line in result.summary_lines():
        print(line)
    if args.check:
        print(f"{result.source} is valid; nothing was written (--check)")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """Exit 0 when written, 2 when the database or the output cannot be used, 3 for a user
    who may not export the extract."""
    from pathlib import Path

    from ncpi_desktop.analysis.visibility import require_whole_register
    from ncpi_desktop.domain.security import Operation
    from ncpi_desktop.exchange.export import ExportError, export_extract
    from ncpi_desktop.storage.audit import register_rso_ids

    with signed_in(args) as session:
        require_whole_register(session.user, Operation.EXPORT_EXTRACT)
        cli_audit.disclose(session.engine, session.user.user_name, "export extract",
                           register_rso_ids(session.engine), {"file": Path(args.out).name})
        try:
            counts = export_extract(session.engine, args.out)
        except ExportError as exc:
            return say(str(exc), EXIT_UNUSABLE)
    print(", ".join(f"{name}: {count:,}" for name, count in counts.items()))
    return EXIT_OK


def cmd_rebalance(args: argparse.Namespace) -> int:
    """Print the proposal (--json) without writing; with --apply, apply its moves as one change.
    Exit 1 for an unknown BCU or team or a refused change, 2 when the database cannot be used,
    3 for a user who may not make the moves."""
    if not (args.json or args.apply):
        return say("say --json to print the proposal, or --apply to apply it", EXIT_INVALID)
    if args.apply and not (args.reason or "").strip():
        return say("--apply needs --reason TEXT", EXIT_INVALID)
    if (refused := check_going(args)) is not None:
        return refused
    if args.max_moves is not None and (args.leaving or args.absent):
        return say("--max-moves does not go with --leaving or --absent: every one of that "
                   "manager's RSOs moves", EXIT_INVALID)

    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.analysis.rebalance import proposal_to_json, propose
    from ncpi_desktop.domain.security import Operation, require
    from ncpi_desktop.storage.allocations import proposal_context
    from ncpi_desktop.storage.operations import OperationError, apply_moves

    as_at = args.as_at or date.today()
    with signed_in(args) as session:
        engine, user = session.engine, session.user
        require(user, Operation.PROPOSE)
        snapshot = _read_snapshot(engine, as_at)
        managers = snapshot.managers
        for flag, column, what in ((args.bcu, "bcu", "BCU"), (args.team, "team", "team")):
            known = sorted(managers[column].dropna().unique())
            if flag is not None and flag not in known:
                return say(f"unknown {what} {flag!r}: choose one of {', '.join(known)}",
                           EXIT_INVALID)
        if args.leaving or args.absent:
            return rebalance_going(args, engine, snapshot, as_at, user)
        absent, allocated_on = proposal_context(engine, as_at)
        with solver_chatter_to_stderr():
            proposal = propose(compute_figures(snapshot), bcu=args.bcu, team=args.team,
                               absent=absent, allocated_on=allocated_on,
                               max_moves=args.max_moves)
        if args.json:
            json.dump(proposal_to_json(proposal), sys.stdout, indent=1)
            sys.stdout.write("\n")
        if args.max_moves is not None:
            print(within_sentence(proposal), file=sys.stderr)
        if not args.apply:
            return EXIT_OK
        moves = list(zip(proposal.moves["rso_id"], proposal.moves["to_manager_id"],
                         strict=True))
        if not moves:
            print("nothing to move", file=sys.stderr)
            return EXIT_OK
        try:
            change = apply_moves(engine, moves, args.reason, user, on=as_at)
        except OperationError as exc:
            return say(str(exc), EXIT_INVALID)
    print(f"applied: {change.summary}, from {uk_date(as_at)}", file=sys.stderr)
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """``audit verify`` and ``audit list`` (``cli_audit``): administrators and managers."""
    from ncpi_desktop.domain.security import Operation, require

    with signed_in(args) as session:
        require(session.user, Operation.AUDIT_VERIFY if args.audit_command == "verify"
                else Operation.AUDIT_VIEW)
        return cli_audit.run(args, session)


def cmd_write(args: argparse.Namespace) -> int:
    """``reassign`` and ``record ...`` (``cli_write``), as the signed-in user."""
    with signed_in(args) as session:
        return cli_write.run(args, session.user, session.engine)


def _print_progress(done: int, total: int, what: str) -> None:
    print(f"[{done}/{total}] {what}", file=sys.stderr)


def cmd_gui(args: argparse.Namespace) -> int:
    from ncpi_desktop.ui.app import run_app

    return run_app(_target(args), as_at=args.gui_as_at, theme=args.theme)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command and return its exit status (the module's docstring): every failure is
    one line on standard error, never a traceback."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = {"demo": cmd_demo, "report": cli_scenario.refusals_as_status(cmd_report),
               "pack": cli_scenario.refusals_as_status(cmd_pack), "import": cmd_import,
               "export": cmd_export, "rebalance": cmd_rebalance, "audit": cmd_audit,
               "selftest": cli_selftest.cmd_selftest, cli_scenario.COMMAND: cli_scenario.run,
               **user_commands(), **cli_server.server_commands(),
               **dict.fromkeys(cli_write.COMMANDS, cmd_write),
               **cli_quality.handlers(), **cli_forecast.handlers(),
               **dict.fromkeys(cli_offline.COMMANDS, cli_offline.run),
               }.get(args.command, cmd_gui)
    try:
        status = handler(args)
        sys.stdout.flush()  # a reader gone away is noticed here, not at the interpreter's exit
        return status
    except BrokenPipeError:
        return quiet_broken_pipe()
    except KeyboardInterrupt:
        return say("interrupted", EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - the one place every failure becomes a status
        return failure_status(exc, _target(args), f"ncpi-desktop {args.command or 'gui'}")


if __name__ == "__main__":
    sys.exit(main())
