"""Issue 14 benchmark: the Register page's search over every RSO of the register.

Prints, for one database:

- **register search**: the rows listed for part of a name (``models.register.RegisterFrame``:
  the search texts built once, then one search), the median over several part-names taken from
  the register's own names (target under 0.1 s nationally);
- the same search shown in the page's table (the one table model, sorted by name, as the page
  sorts it until a header is clicked);
- building the register's rows and search texts, once per set of figures.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_register.py DB_PATH [--as-at DATE]
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path
from statistics import median

#: Target on the 2-core reference machine (issue 14): finding an RSO by part of a name.
TARGET_SECONDS = 0.1
#: Searches timed: the first letters of this many of the register's family names.
SEARCHES = 9


def _parts(family_names: list[str]) -> list[str]:
    """Part-names to search for: the first four letters of family names spread over the
    register (common and rare ones alike)."""
    names = sorted({str(n) for n in family_names if isinstance(n, str) and len(n) >= 4})
    step = max(len(names) // SEARCHES, 1)
    return [name[:4].lower() for name in names[::step][:SEARCHES]]


def bench_register(db_path: str | Path, as_at: date | None = None
                   ) -> list[tuple[str, float, str]]:
    """(name, seconds, note) rows for ``db_path`` as at ``as_at`` (default today)."""
    from PySide6.QtGui import QGuiApplication

    from ncpi_desktop.actions.snapshots import full_snapshot
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.storage.database import open_database
    from ncpi_desktop.ui.models.register import REGISTER_COLUMNS, RegisterChoice, RegisterFrame
    from ncpi_desktop.ui.models.table_model import DataFrameTableModel

    as_at = as_at or date.today()
    engine = open_database(db_path)
    try:
        figures = compute_figures(full_snapshot(engine, as_at))
    finally:
        engine.dispose()
    started = time.perf_counter()
    register = RegisterFrame(figures.rsos)
    built = time.perf_counter() - started

    _app = QGuiApplication.instance() or QGuiApplication([])
    model = DataFrameTableModel(REGISTER_COLUMNS)
    model.sort(model.column_of("rso_name"))
    model.set_frame(register.frame)
    parts = _parts(figures.rsos["family_name"].tolist())
    searches, shown, found = [], [], []
    for part in parts:
        started = time.perf_counter()
        rows = register.rows(RegisterChoice(text=part))
        searched = time.perf_counter()
        model.set_frame(rows)
        searches.append(searched - started)
        shown.append(time.perf_counter() - started)
        found.append(len(rows))
    rsos = f"{len(register):,} RSOs"
    return [
        (f"register search ({rsos})", median(searches),
         f"median of {len(parts)} part-names ({', '.join(parts)}): {min(found):,} to "
         f"{max(found):,} RSOs found"),
        ("register search shown in the table", median(shown),
         "the search and the table model's reset, sorted by name; median"),
        ("register rows and search texts built", built, "once per set of figures"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db")
    parser.add_argument("--as-at", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    for name, seconds, note in bench_register(args.db, args.as_at):
        print(f"{name}: {seconds:.3f} s  {note}")


if __name__ == "__main__":
    main()
