"""Issue 5 benchmark: the time to produce the monthly performance pack, PDF and XLSX.

Times each step on one database: reading the snapshot and computing the figures (what every screen
shares), building the pack's content, writing the PDF, writing the workbook.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_pack.py [DB_PATH] [--as-at DATE]

Without DB_PATH: ``bench-out/national.sqlite3``, else ``demo-data/lancashire-2017.sqlite3``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.pack import build_pack
from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.load import load_snapshot

CANDIDATES = (Path("bench-out/national.sqlite3"), Path("demo-data/lancashire-2017.sqlite3"))


def bench_pack(db_path: str | Path, as_at: date | None = None
               ) -> list[tuple[str, float, str]]:
    """(name, seconds, note) for each step of producing the pack from ``db_path``: wall
    seconds, with the process's CPU seconds in the note (other work on the machine slows the
    first, not the second)."""
    from ncpi_desktop.ui.exports.pack_pdf import gui_application, write_pack_pdf

    _app = gui_application()  # fonts; offscreen without a display
    as_at = as_at or date.today()
    results: list[tuple[str, float, str]] = []

    def step(name: str, started: tuple[float, float], note: str) -> None:
        wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
        results.append((name, wall, f"{note}; {cpu:.2f} s CPU"))

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    start = now()
    engine = open_database(db_path)
    try:
        figures = compute_figures(load_snapshot(engine, as_at))
    finally:
        engine.dispose()
    rsos = int(figures.force["rsos"].iat[0])
    step("pack: snapshot and figures", start,
         f"{rsos:,} RSOs, {len(figures.managers):,} managers, as at {as_at}")

    start = now()
    pack = build_pack(figures, produced_by="benchmark", produced_at=datetime.now())
    step("pack: content (build_report and the tables)", start,
         f"{len(pack.sections)} sections, {sum(1 for _ in pack.tables())} tables")

    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "pack.pdf"
        start = now()
        pages = write_pack_pdf(pack, pdf)
        step("pack: PDF", start, f"{pages} A4 pages, {pdf.stat().st_size / 1e6:.1f} MB")
        xlsx = Path(folder) / "pack.xlsx"
        start = now()
        write_pack_xlsx(pack, xlsx)
        step("pack: XLSX", start, f"{xlsx.stat().st_size / 1e3:,.0f} kB")
    total = sum(seconds for _, seconds, _ in results)
    results.append(("pack: total, PDF and XLSX from the database", total, str(db_path)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", type=Path)
    parser.add_argument("--as-at", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    db = args.db or next((p for p in CANDIDATES if p.exists()), None)
    if db is None:
        raise SystemExit("No database: make demo, or pass DB_PATH")
    for name, seconds, note in bench_pack(db, args.as_at):
        print(f"{name:<46} {seconds:8.2f} s  {note}")


if __name__ == "__main__":
    main()
