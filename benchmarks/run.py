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
(``bench_rebalance.py``). Each runs in a fresh process; one that fails shows as a FAILED row
with its error, not as a crash.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-out"
FIRST_PAINT = Path(__file__).resolve().parent / "first_paint.py"
PROFILES = ("lancashire-2017", "national")

#: Targets on the 2-core reference machine (issue 2, part 9).
BUILD_SECONDS = {"national": 60.0}
ANALYSIS_SECONDS = 1.0
SORT_SECONDS = 0.2
PEAK_MB = 600.0
FIRST_PAINT_SECONDS = {"lancashire-2017": 1.5, "national": 3.0}
#: Issue 5, part 6: the national extract's import, and its ratio to sqlite3's own .import.
IMPORT_SECONDS = {"national": 60.0}
IMPORT_RATIO = {"national": 3.0}
#: Units of a child benchmark's (name, value, unit) rows; any other third element is a note.
UNITS = {"s", "MB", "x", "moves", "BCUs", "rows", "pages"}


@dataclass
class Row:
    profile: str
    figure: str
    value: float | None
    unit: str
    target: float | None = None
    note: str = ""
    failed: bool = False

    @property
    def verdict(self) -> str:
        if self.failed:
            return "FAILED"
        if self.value is None:
            return "FAILED" if self.target is not None else ""
        if self.target is None:
            return ""
        return "ok" if self.value <= self.target else "OVER"


@dataclass
class Measured:
    """A finished child process: its output, wall time and peak memory."""

    status: int
    seconds: float
    cpu_seconds: float
    peak_mb: float
    stdout: str
    stderr: str


def run_measured(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` to the end; its wall time and peak resident memory (with its children)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT, text=True)
        _, wait_status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(wait_status)
        out.seek(0)
        err.seek(0)
        return Measured(process.returncode, seconds, usage.ru_utime + usage.ru_stime,
                        usage.ru_maxrss / 1024, out.read(), err.read())


@dataclass
class Context:
    """One profile's database and what has been measured on it so far."""

    profile: str
    db: Path
    rebuild: bool
    as_at: date | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    def measurement(self) -> dict[str, Any]:
        """Load, analysis and sorts, measured once in a fresh process and shared by the rows."""
        if "measure" not in self.cache:
            result = run_measured([sys.executable, __file__, "--measure", str(self.db),
                                   self.as_at.isoformat() if self.as_at else ""])
            if result.status != 0:
                self.cache["measure"] = {"error": result.stderr.strip().splitlines()[-1:]}
            else:
                self.cache["measure"] = json.loads(result.stdout) | {"peak_mb": result.peak_mb}
        return self.cache["measure"]


# --- the benchmarks -------------------------------------------------------------------------

def _demo_fingerprint() -> str:
    """A digest of the code a demo database is made from: change it and the database is stale."""
    package = ROOT / "ncpi_desktop"
    sources = sorted([*package.glob("demo/*.py"), package / "storage" / "models.py",
                      *package.glob("storage/migrations/versions/*.py")])
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_database(ctx: Context) -> list[Row]:
    """Build the profile's demo database, or reuse the one built before from the same code."""
    record = ctx.db.with_suffix(".build.json")
    fingerprint = _demo_fingerprint()
    stale = (not ctx.db.exists() or not record.exists()
             or json.loads(record.read_text()).get("code") != fingerprint)
    if ctx.rebuild or stale:
        ctx.db.unlink(missing_ok=True)
        ctx.db.parent.mkdir(parents=True, exist_ok=True)
        result = run_measured([sys.executable, "-m", "ncpi_desktop", "demo", "--profile",
                               ctx.profile, "--db", str(ctx.db)])
        if result.status != 0:
            raise SystemExit(f"building {ctx.profile} failed:\n{result.stderr}")
        record.write_text(json.dumps({"seconds": result.seconds, "cpu": result.cpu_seconds,
                                      "peak_mb": result.peak_mb,
                                      "built_on": date.today().isoformat(),
                                      "code": fingerprint,
                                      "counts": result.stdout.strip()}))
        note = f"CPU {result.cpu_seconds:.1f} s; {result.stdout.strip()}"
    else:
        note = f"reused, built {json.loads(record.read_text())['built_on']} (--rebuild to redo)"
    built = json.loads(record.read_text())
    ctx.as_at = _as_at_of(ctx.db)
    return [Row(ctx.profile, "build demo database", built["seconds"], "s",
                BUILD_SECONDS.get(ctx.profile), note),
            Row(ctx.profile, "build peak memory", built["peak_mb"], "MB")]


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


def _first_paint_run(ctx: Context, *options: str) -> tuple[Measured, dict[str, float]]:
    """One run of first_paint.py: the process, and its printed figures ("first paint",
    "every page": seconds)."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = run_measured([sys.executable, str(FIRST_PAINT), *options, str(ctx.db)], env=env)
    figures: dict[str, float | str] = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition(":")
        if name in ("first paint", "every page") and value.split()[0] != "failed":
            figures[name] = float(value.split()[0])
        elif name == "register read from":
            figures[name] = value.strip()
    return result, figures


def first_paint(ctx: Context) -> list[Row]:
    """Cold start to the painted caseload page, twice: first after a change to the register
    (``--fresh``: the register read from its tables, then kept in the database as the
    application keeps it), then as a start usually is (the kept register read back)."""
    if not FIRST_PAINT.exists():
        return [Row(ctx.profile, "first paint", None, "s", None, "benchmarks/first_paint.py "
                    "not present")]
    rows: list[Row] = []
    peak = 0.0
    for options, label, target, source, note in (
            (("--fresh",), ", first start after a change", None, "tables",
             "the register read from its tables (then kept in the database for the next start)"),
            ((), "", FIRST_PAINT_SECONDS[ctx.profile], "store",
             "cold start, the register kept in the database by the start before")):
        result, figures = _first_paint_run(ctx, *options)
        failed = "first paint" not in figures
        if failed:
            note = (result.stderr.strip().splitlines() or ["failed"])[-1]
        else:
            peak = max(peak, result.peak_mb)
            if figures.get("register read from") != source:
                note = (f"NOT AS MEANT: the register came from "
                        f"{figures.get('register read from')}, not the {source}")
        rows.append(Row(ctx.profile, f"first paint{label}", figures.get("first paint"), "s",
                        target, note))
        rows.append(Row(ctx.profile, f"every page has its figures{label}",
                        figures.get("every page"), "s", None,
                        "visits, orders and every page built after the first paint"))
    rows.append(Row(ctx.profile, "peak memory: application", peak or None, "MB", PEAK_MB,
                    "first-paint processes, ru_maxrss"))
    return rows


def extract_import(ctx: Context) -> list[Row]:
    """The register exported as an extract, imported into an empty database, beside sqlite3's
    own .import of the same CSV files (issue 5, part 6)."""
    try:
        from bench_import import bench_import

        m = bench_import(ctx.db)
    except Exception as exc:  # noqa: BLE001 - a failed benchmark is a row, not a crash
        return [Row(ctx.profile, "import extract", None, "s", IMPORT_SECONDS.get(ctx.profile),
                    f"{type(exc).__name__}: {exc}", failed=True)]
    base, ours = m["sqlite3"], m["import"]
    rows = sum(ours["rows"].values())
    slowest = sorted(ours["stages"].items(), key=lambda kv: -kv[1])[:4]
    stages = ", ".join(f"{name} {cpu:.1f}" for name, cpu in slowest)
    ratio = IMPORT_RATIO.get(ctx.profile)
    return [
        Row(ctx.profile, "sqlite3 .import of the extract's CSVs", base["seconds"], "s", None,
            f"CPU {base['cpu']:.1f} s; plain tables, no keys; {base['peak_mb']:.0f} MB; "
            f"{m['extract_note']}"),
        Row(ctx.profile, "import extract (import_extract)", ours["seconds"], "s",
            IMPORT_SECONDS.get(ctx.profile),
            f"CPU {ours['cpu']:.1f} s; {rows:,} rows into an empty database; CPU s by stage: "
            f"{stages}"),
        Row(ctx.profile, "import / sqlite3 .import, wall", m["ratio_wall"], "x", ratio),
        Row(ctx.profile, "import / sqlite3 .import, CPU", m["ratio_cpu"], "x", ratio),
        Row(ctx.profile, "import peak memory", ours["peak_mb"], "MB", None,
            "fresh process, ru_maxrss"),
    ]


def pack(ctx: Context) -> list[Row]:
    """Producing the performance pack, PDF and XLSX (issue 5, part 6; bench_pack.py)."""
    return _child_rows(ctx, "pack")


def rebalance(ctx: Context) -> list[Row]:
    """The rebalancing proposal for every BCU (issue 4; bench_rebalance.py)."""
    return _child_rows(ctx, "rebalance")


def review(ctx: Context) -> list[Row]:
    """Overdue visits and reactive eligibility, and changing the as-at date in the window
    (issue 3, part 7; bench_review.py)."""
    return _child_rows(ctx, "review")


def _child_rows(ctx: Context, kind: str) -> list[Row]:
    """Run another issue's benchmark module in a fresh process and turn what it returns into
    rows: ``(name, value, unit)`` or ``(name, seconds, note)``."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = run_measured([sys.executable, __file__, "--child", kind, str(ctx.db),
                           ctx.as_at.isoformat() if ctx.as_at else ""], env=env)
    marked = [line for line in result.stdout.splitlines() if line.startswith(RESULT)]
    for line in result.stdout.splitlines():
        if not line.startswith(RESULT):
            print(f"  {line}", file=sys.stderr)
    if result.status != 0 or not marked:
        error = (result.stderr.strip().splitlines() or ["no result"])[-1]
        return [Row(ctx.profile, kind, None, "s", None, error, failed=True)]
    payload = json.loads(marked[-1][len(RESULT):])
    rows = []
    for item in payload["rows"]:
        name, value, *rest = item
        third = str(rest[0]) if rest else ""
        unit, note = (third, "") if third in UNITS else ("s", third)
        rows.append(Row(ctx.profile, str(name), None if value is None else float(value), unit,
                        None, note))
    if rows and payload.get("target") is not None:
        rows[0].target = float(payload["target"])
    for row in rows:  # targets by row name, where a module has several
        if row.figure in payload.get("targets", {}):
            row.target = float(payload["targets"][row.figure])
    if rows:
        rows[0].note += (f"{'; ' if rows[0].note else ''}whole process: {result.seconds:.1f} s, "
                         f"CPU {result.cpu_seconds:.1f} s, {result.peak_mb:,.0f} MB")
    return rows


BENCHMARKS: list[Callable[[Context], list[Row]]] = [
    build_database, load_and_analysis, sorts, peak_memory, first_paint, review, extract_import,
    pack, rebalance,
]


# --- the measuring child --------------------------------------------------------------------

#: Marks the line of a child's output that carries its result.
RESULT = "RESULT "


def child(kind: str, db: str, as_at_text: str) -> dict[str, Any]:
    """In a fresh process: another issue's benchmark on ``db``; its rows, and its target if it
    declares one (the first row's). Called defensively: those modules may still be changing."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    as_at = date.fromisoformat(as_at_text) if as_at_text else None
    if kind == "pack":
        import bench_pack as module

        rows = module.bench_pack(db, as_at)
    elif kind == "review":
        import bench_review as module

        return {"rows": [list(r) for r in module.bench_review(db, as_at)],
                "targets": module.TARGETS}
    else:
        import bench_rebalance as module

        rows = module.bench_rebalance(db)
    return {"rows": [list(r) for r in rows], "target": getattr(module, "TARGET_SECONDS", None)}


def _as_at_of(db: Path) -> date:
    """The date the demo register is as at (recorded by the build in the audit)."""
    import sqlite3

    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT detail FROM audit WHERE operation = 'build demo' ORDER BY id DESC").fetchone()
    return date.fromisoformat(json.loads(row[0])["after"]["as_at"]) if row else date.today()


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

    from ncpi_desktop.ui.caseload_page import (
        RSO_COLUMNS,
        flag_text,
        manager_columns,
        with_rso_names,
    )
    from ncpi_desktop.ui.table_model import DataFrameTableModel

    _app = QGuiApplication.instance() or QGuiApplication([])
    managers_model = DataFrameTableModel(
        manager_columns(figures.policy),
        figures.managers.assign(flag_text=flag_text(figures.managers)))
    rsos_model = DataFrameTableModel(RSO_COLUMNS, with_rso_names(figures.rsos, RSO_COLUMNS))
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


# --- the table ------------------------------------------------------------------------------

def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "x":
        return f"{value:.2f}x"
    if unit != "s":
        return f"{value:,.0f} {unit}"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def print_table(rows: list[Row]) -> None:
    header = ("profile", "figure", "measured", "target", "", "note")
    lines = [(r.profile, r.figure, _format(r.value, r.unit),
              "" if r.target is None else "< " + _format(r.target, r.unit), r.verdict, r.note)
             for r in rows]
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(5)]
    print("  ".join(h.ljust(w) for h, w in zip(header[:5], widths, strict=True)) + "  note")
    print("  ".join("-" * w for w in widths) + "  ----")
    for line in lines:
        print("  ".join(str(x).ljust(w) for x, w in zip(line[:5], widths, strict=True))
              + "  " + line[5])


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
