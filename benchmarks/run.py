"""make bench: speed and memory of the application on the Lancashire and national demo registers.

    python benchmarks/run.py [--rebuild] [--profile NAME ...]

Builds the demo databases under ``bench-out/`` (or reuses them when the demo and schema code is
unchanged; ``--rebuild`` builds afresh) and prints, per profile, each figure against its target.
Every figure is measured in a fresh process, so one measurement's imports, caches and memory never
flatter the next; peak memory is the process's own high-water mark (``ru_maxrss``, with its
children). Other work on the machine slows every figure: the load average is printed with them.

A benchmark is a function ``(Context) -> list[Row]`` listed in ``BENCHMARKS``: later issues add
theirs to the list. Results are also written to ``bench-out/results.json``.
"""

from __future__ import annotations

import argparse
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


@dataclass
class Row:
    profile: str
    figure: str
    value: float | None
    unit: str
    target: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
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
                SORT_SECONDS, f"slowest of {', '.join(m['manager_sort_columns'])}"),
            Row(ctx.profile, f"sort RSOs ({m['rso_rows']:,} rows)", m["sort_rsos_s"], "s",
                SORT_SECONDS, f"whole frame ({m['rso_frame_columns']} columns), slowest of "
                f"{', '.join(m['rso_sort_columns'])}"),
            Row(ctx.profile, f"sort RSOs ({m['rso_rows']:,} rows), listed columns only",
                m["sort_rso_list_s"], "s", SORT_SECONDS,
                f"{len(m['rso_list_columns'])} columns: {', '.join(m['rso_list_columns'])}")]


def peak_memory(ctx: Context) -> list[Row]:
    m = ctx.measurement()
    if "error" in m:
        return []
    return [Row(ctx.profile, "peak memory: load + analysis + sorts", m["peak_mb"], "MB",
                PEAK_MB, "fresh process, ru_maxrss")]


def first_paint(ctx: Context) -> list[Row]:
    if not FIRST_PAINT.exists():
        return [Row(ctx.profile, "first paint", None, "s", None, "benchmarks/first_paint.py "
                    "not present")]
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = run_measured([sys.executable, str(FIRST_PAINT), str(ctx.db)], env=env)
    seconds = None
    for line in result.stdout.splitlines():
        if line.startswith("first paint:") and line.split()[2] != "failed":
            seconds = float(line.split()[2])
    note = "cold start to the painted caseload page"
    if seconds is None:
        note = (result.stderr.strip().splitlines() or ["failed"])[-1]
    return [Row(ctx.profile, "first paint", seconds, "s", FIRST_PAINT_SECONDS[ctx.profile], note),
            Row(ctx.profile, "peak memory: application", result.peak_mb if seconds else None,
                "MB", PEAK_MB, "first-paint process, ru_maxrss")]


BENCHMARKS: list[Callable[[Context], list[Row]]] = [
    build_database, load_and_analysis, sorts, peak_memory, first_paint,
]


# --- the measuring child --------------------------------------------------------------------

def _as_at_of(db: Path) -> date:
    """The date the demo register is as at (recorded by the build in the audit)."""
    import sqlite3

    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT detail FROM audit WHERE operation = 'build demo' ORDER BY id DESC").fetchone()
    return date.fromisoformat(json.loads(row[0])["after"]["as_at"]) if row else date.today()


def _slowest_sort(frame: Any, columns: list[str]) -> float:
    slowest = 0.0
    for column in columns:
        for ascending in (True, False):
            started = time.perf_counter()
            frame.sort_values(column, ascending=ascending, kind="stable")
            slowest = max(slowest, time.perf_counter() - started)
    return slowest


def measure(db: str, as_at_text: str) -> dict[str, Any]:
    """In a fresh process: load the snapshot the application reads, analyse it, sort it."""
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.storage.database import open_database

    try:  # the application's snapshot, with the visit, order and decision history
        from ncpi_desktop.storage.history import full_snapshot as load
        loader = "full_snapshot"
    except ImportError:  # before the history existed
        from ncpi_desktop.storage.snapshot import load_snapshot as load
        loader = "load_snapshot"

    as_at = date.fromisoformat(as_at_text) if as_at_text else date.today()
    engine = open_database(db)
    started, cpu_started = time.perf_counter(), time.process_time()
    snapshot = load(engine, as_at)
    loaded, cpu_loaded = time.perf_counter(), time.process_time()
    figures = compute_figures(snapshot)
    analysed, cpu_analysed = time.perf_counter(), time.process_time()
    engine.dispose()

    manager_columns = [c for c in ("name", "team", "per_fte", "high_risk_share", "caseload")
                       if c in figures.managers.columns]
    rso_columns = [c for c in ("family_name", "risk_level", "manager_name", "days_overdue",
                               "next_visit_due") if c in figures.rsos.columns]
    listed = [c for c in ("rso_id", "family_name", "given_names", "risk_level", "status",
                          "management", "neighbourhood", "manager_name", "days_overdue",
                          "next_visit_due") if c in figures.rsos.columns]
    visits = snapshot.extra.get("visits")
    return {
        "as_at": as_at.isoformat(), "loader": loader,
        "load_s": loaded - started, "analysis_s": analysed - loaded,
        "load_cpu_s": cpu_loaded - cpu_started, "analysis_cpu_s": cpu_analysed - cpu_loaded,
        "rsos": len(snapshot.rsos), "visits": 0 if visits is None else len(visits),
        "managers": len(figures.managers), "rso_rows": len(figures.rsos),
        "manager_sort_columns": manager_columns, "rso_sort_columns": rso_columns,
        "sort_managers_s": _slowest_sort(figures.managers, manager_columns),
        "sort_rsos_s": _slowest_sort(figures.rsos, rso_columns),
        "rso_frame_columns": len(figures.rsos.columns), "rso_list_columns": listed,
        "sort_rso_list_s": _slowest_sort(figures.rsos[listed], rso_columns),
    }


# --- the table ------------------------------------------------------------------------------

def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:,.0f} MB"
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
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return 0

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
