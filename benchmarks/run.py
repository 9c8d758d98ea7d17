"""make bench: speed and memory of the application on the Lancashire and national demo registers.

    python benchmarks/run.py [--rebuild] [--profile NAME ...]

Builds the demo databases under ``bench-out/`` (or reuses them when the demo and schema code is
unchanged; ``--rebuild`` builds afresh) and prints, per profile, each figure against its target.
Every figure is measured in a fresh process, so one measurement's imports, caches and memory never
flatter the next; peak memory is the process's own high-water mark (``ru_maxrss``, with its
children). Other work on the machine slows every figure: the load average is printed with them.

A benchmark is a function ``(Context) -> list[Row]`` listed in ``BENCHMARKS``: later issues add
theirs to the list. Results are also written to ``bench-out/results.json``. Wall and CPU seconds
are given side by side: on a shared machine the first says what a user waits, the second what the
work costs.

Issue 3 adds overdue visits and reactive eligibility, and changing the as-at date in the window
(``bench_review.py``). Issue 5 adds the import of each profile's register exported as an
extract, beside ``sqlite3``'s own ``.import`` of the same files (``bench_import.py``), and the
time to produce the performance pack (``bench_pack.py``); issue 4 the rebalancing proposal
(``bench_rebalance.py``); issue 14 the Register page's search (``bench_register.py``); issue
15 edit to figures, one reassignment and its undo in the window, on SQLite and on a throwaway
PostgreSQL server (``bench_edit.py``); issue 18 the 12-week forecast (``bench_forecast.py``).
Each runs in a fresh process; one that fails shows as a FAILED row with its error, not as a
crash.
Issue 11 encrypts the demo databases: the figures above are measured on a plain copy of each
(the same data), and ``bench_encryption.py`` measures first paint, report and import on the
encrypted demo beside that copy (SECURITY.md: within 20%). Issue 15: ``bench_postgres.py``
imports each profile's extract into SQLite and into a throwaway PostgreSQL server and measures
import, first paint and report on both, with PostgreSQL's ratio (skipped without PostgreSQL).

By job: ``building.py`` builds (or reuses) each profile's database and holds the ``Context``;
``common.py`` runs a command in a fresh process and measures it; ``children.py`` holds the
benchmarks that run a script of their own; ``table.py`` the rows, their targets and the printed
table. This script lists the benchmarks, runs them, and is itself the fresh process that measures
the snapshot's load, analysis and sorts (``--measure``) and runs another issue's module
(``--child``).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Any

from bench_encryption import encryption
from bench_postgres import postgresql
from building import PROFILES, Context, build_database
from children import (
    RESULT,
    child,
    edit_to_figures,
    extract_import,
    first_paint,
    forecast,
    pack,
    rebalance,
    register_search,
    review,
    scenario,
)
from common import OUT, ROOT
from table import ANALYSIS_SECONDS, PEAK_MB, SORT_SECONDS, Row, print_table

# --- the snapshot's figures, measured by this script in a fresh process (``measure``) --------

def load_and_analysis(ctx: Context) -> list[Row]:
    m = ctx.measurement()
    if "error" in m:
        return [Row(ctx.profile, "snapshot load + analysis", None, "s", ANALYSIS_SECONDS,
                    " ".join(m["error"]))]
    note = f"{m['rsos']:,} RSOs, {m['visits']:,} visits read; as at {m['as_at']}"
    return [Row(ctx.profile, "snapshot load", m["load_s"], "s", None,
                f"CPU {m['load_cpu_s']:.2f} s; {note} ({m['loader']})"),
            Row(ctx.profile, "analysis (compute_figures)", m["analysis_s"], "s",
                ANALYSIS_SECONDS, f"CPU {m['analysis_cpu_s']:.2f} s")]


def sorts(ctx: Context) -> list[Row]:
    m = ctx.measurement()
    if "error" in m:
        return []
    return [Row(ctx.profile, f"sort managers ({m['managers']:,} rows)", m["sort_managers_s"], "s",
                SORT_SECONDS, f"the managers table's model; slowest of its {m['manager_columns']} "
                "columns, each way"),
            Row(ctx.profile, f"sort RSOs ({m['rso_rows']:,} rows)", m["sort_rsos_s"], "s",
                SORT_SECONDS, "an RSO list's model over every RSO; slowest of "
                f"{', '.join(m['rso_columns'])}, each way")]


def peak_memory(ctx: Context) -> list[Row]:
    m = ctx.measurement()
    if "error" in m:
        return []
    return [Row(ctx.profile, "peak memory: load + analysis + sorts", m["peak_mb"], "MB",
                PEAK_MB, "fresh process, ru_maxrss")]


BENCHMARKS: list[Callable[[Context], list[Row]]] = [
    build_database, load_and_analysis, sorts, peak_memory, first_paint, review, extract_import,
    pack, rebalance, register_search, encryption, postgresql, edit_to_figures, scenario,
    forecast,
]



def _slowest_sort(model: Any) -> float:
    """The slowest sort of a table model (``ui.table_model.DataFrameTableModel``): every column,
    ascending and descending, as a click on its header sorts it."""
    from PySide6.QtCore import Qt

    slowest = 0.0
    for column in range(model.columnCount()):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            started = time.perf_counter()
            model.sort(column, order)
            slowest = max(slowest, time.perf_counter() - started)
    return slowest


def measure(db: str, as_at_text: str) -> dict[str, Any]:
    """In a fresh process: load the snapshot the application reads, analyse it, sort it."""
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.storage.database import open_database

    try:  # the application's snapshot, with the visit, order and decision history
        from ncpi_desktop.actions.snapshots import full_snapshot as load
        loader = "full_snapshot"
    except ImportError:  # before the history existed
        from ncpi_desktop.storage.load import load_snapshot as load
        loader = "load_snapshot"

    as_at = date.fromisoformat(as_at_text) if as_at_text else date.today()
    engine = open_database(db)
    started, cpu_started = time.perf_counter(), time.process_time()
    snapshot = load(engine, as_at)
    loaded, cpu_loaded = time.perf_counter(), time.process_time()
    figures = compute_figures(snapshot)
    analysed, cpu_analysed = time.perf_counter(), time.process_time()
    engine.dispose()

    # The tables' own sorts: what a click on a column header costs.
    from PySide6.QtGui import QGuiApplication

    from ncpi_desktop.ui.models.caseload import RSO_COLUMNS, flag_text, manager_columns
    from ncpi_desktop.ui.models.frames import rso_rows
    from ncpi_desktop.ui.models.table_model import DataFrameTableModel

    _app = QGuiApplication.instance() or QGuiApplication([])
    managers_model = DataFrameTableModel(
        manager_columns(figures.policy),
        figures.managers.assign(flag_text=flag_text(figures.managers)))
    rsos_model = DataFrameTableModel(
        RSO_COLUMNS, rso_rows(figures.rsos, RSO_COLUMNS, manager_label=False))
    visits = snapshot.extra.get("visits")
    return {
        "as_at": as_at.isoformat(), "loader": loader,
        "load_s": loaded - started, "analysis_s": analysed - loaded,
        "load_cpu_s": cpu_loaded - cpu_started, "analysis_cpu_s": cpu_analysed - cpu_loaded,
        "rsos": len(snapshot.rsos), "visits": 0 if visits is None else len(visits),
        "managers": len(figures.managers), "rso_rows": len(figures.rsos),
        "manager_columns": managers_model.columnCount(),
        "sort_managers_s": _slowest_sort(managers_model),
        "rso_columns": [c.key for c in RSO_COLUMNS],
        "sort_rsos_s": _slowest_sort(rsos_model),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="build the databases afresh")
    parser.add_argument("--profile", action="append", choices=PROFILES,
                        help="only this profile (repeatable)")
    parser.add_argument("--measure", nargs=2, metavar=("DB", "AS_AT"), help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DB", "AS_AT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0
    if args.child:
        print(RESULT + json.dumps(child(*args.child)))
        return 0

    # An installed application runs from compiled bytecode; where PYTHONDONTWRITEBYTECODE is set
    # (as on CI machines) every fresh process would compile the package again, so compile it once.
    compileall.compile_dir(ROOT / "ncpi_desktop", quiet=1)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.1f} at the start: other work on the "
          "machine slows every figure", file=sys.stderr)
    rows: list[Row] = []
    for profile in args.profile or PROFILES:
        ctx = Context(profile, OUT / f"{profile}.sqlite3", args.rebuild)
        for benchmark in BENCHMARKS:
            print(f"[{profile}] {benchmark.__name__} ...", file=sys.stderr, flush=True)
            rows.extend(benchmark(ctx))
    print(f"\n{os.cpu_count()} cores; load average {load:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end\n")
    print_table(rows)
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(
        [asdict(r) | {"verdict": r.verdict} for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
