"""The benchmarks that run a script of their own in a fresh process: the first paint
(``first_paint.py``), the import of an extract (``bench_import.py``), and other issues'
benchmark modules (``bench_review.py``, ``bench_pack.py``, ``bench_rebalance.py``,
``bench_register.py``, ``bench_edit.py``), run by ``run.py --child`` and read back from the line
its output marks with ``RESULT``."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from building import Context
from common import RUN, Measured, run_measured
from table import FIRST_PAINT_SECONDS, IMPORT_RATIO, IMPORT_SECONDS, PEAK_MB, UNITS, Row

FIRST_PAINT = Path(__file__).resolve().parent / "first_paint.py"
#: Marks the line of a child's output that carries its result.
RESULT = "RESULT "


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


def register_search(ctx: Context) -> list[Row]:
    """The Register page's search by part of a name over every RSO (issue 14;
    bench_register.py)."""
    return _child_rows(ctx, "register")


def forecast(ctx: Context) -> list[Row]:
    """The 12-week forecast of every manager, team, BCU and the force (issue 18, part 5;
    bench_forecast.py)."""
    return _child_rows(ctx, "forecast")


def edit_to_figures(ctx: Context) -> list[Row]:
    """One reassignment and its undo in the window, until every page shows the new figures
    (issue 15, part 6; bench_edit.py): on the profile's SQLite database, then on a throwaway
    PostgreSQL server holding the same profile, when one can be started."""
    return [*_child_rows(ctx, "edit"), *_child_rows(ctx, "edit-postgres", ctx.profile)]


def scenario(ctx: Context) -> list[Row]:
    """A what-if scenario's figures: every eligible RSO to reactive, one more offender manager
    (issue 18, part 5; bench_scenario.py)."""
    return _child_rows(ctx, "scenario")


def _child_rows(ctx: Context, kind: str, target: str | None = None) -> list[Row]:
    """Run another issue's benchmark module in a fresh process and turn what it returns into
    rows: ``(name, value, unit)`` or ``(name, seconds, note)``. ``target``: what the module is
    given instead of the profile's database."""
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = run_measured([sys.executable, str(RUN), "--child", kind, target or str(ctx.db),
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
    elif kind == "register":
        import bench_register as module

        rows = module.bench_register(db, as_at)
    elif kind == "scenario":
        import bench_scenario as module

        rows = module.bench_scenario(db, as_at)
    elif kind == "forecast":
        import bench_forecast as module

        rows = module.bench_forecast(db, as_at)
    elif kind in ("edit", "edit-postgres"):
        import bench_edit as module

        rows = (module.bench_edit(db, as_at) if kind == "edit"
                else module.bench_edit_postgres(db))
        return {"rows": [list(r) for r in rows],
                "targets": {r[0]: module.TARGET_SECONDS for r in rows
                            if r[1] is not None and r[0].startswith("edit to figures")}}
    else:
        import bench_rebalance as module

        rows = module.bench_rebalance(db)
    return {"rows": [list(r) for r in rows], "target": getattr(module, "TARGET_SECONDS", None),
            "targets": getattr(module, "TARGETS", {})}
