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
from ncpi_desktop.storage.snapshot import load_snapshot

CANDIDATES = (Path("bench-out/national.sqlite3"), Path("demo-data/lancashire-2017.sqlite3"))


def bench_pack(db_path: str | Path, as_at: date | None = None
               ) -> list[tuple[str, float, str]]:
    """(name, seconds, note) for each step of producing the pack from ``db_path``."""
    from ncpi_desktop.ui.pack_pdf import gui_application, write_pack_pdf

    _app = gui_application()  # fonts; offscreen without a display
    as_at = as_at or date.today()
    results: list[tuple[str, float, str]] = []
    start = time.perf_counter()
    engine = open_database(db_path)
    try:
        figures = compute_figures(load_snapshot(engine, as_at))
    finally:
        engine.dispose()
    rsos = int(figures.force["rsos"].iat[0])
    results.append(("pack: snapshot and figures", time.perf_counter() - start,
                    f"{rsos:,} RSOs, {len(figures.managers):,} managers, as at {as_at}"))

    start = time.perf_counter()
    pack = build_pack(figures, produced_by="benchmark", produced_at=datetime.now())
    results.append(("pack: content", time.perf_counter() - start,
                    f"{len(pack.sections)} sections, {sum(1 for _ in pack.tables())} tables"))

    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "pack.pdf"
        start = time.perf_counter()
        pages = write_pack_pdf(pack, pdf)
        results.append(("pack: PDF", time.perf_counter() - start,
                        f"{pages} A4 pages, {pdf.stat().st_size / 1e6:.1f} MB"))
        xlsx = Path(folder) / "pack.xlsx"
        start = time.perf_counter()
        write_pack_xlsx(pack, xlsx)
        results.append(("pack: XLSX", time.perf_counter() - start,
                        f"{xlsx.stat().st_size / 1e3:,.0f} kB"))
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
