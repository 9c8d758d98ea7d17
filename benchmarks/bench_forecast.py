"""Issue 18 benchmark: the forecast (``analysis.forecast``) of a register's figures.

Prints, for one database: the 12-week forecast of every manager, team, BCU and the force from the
figures the window already holds (target 1 s nationally), wall and CPU seconds, the median of a
few runs; and the same with the recorded absences read from the database.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_forecast.py DB_PATH [--as-at DATE]
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path
from statistics import median

#: Target on the 2-core reference machine (issue 18, part 5): the forecast nationally.
TARGET_SECONDS = 1.0
RUNS = 3


def bench_forecast(db_path: str | Path, as_at: date | None = None,
                   ) -> list[tuple[str, float, str]]:
    """(name, seconds, note) rows for ``db_path`` as at ``as_at`` (default today)."""
    from ncpi_desktop.actions.snapshots import full_snapshot
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.analysis.forecast import forecast
    from ncpi_desktop.storage.allocations import absences
    from ncpi_desktop.storage.database import open_database

    engine = open_database(db_path)
    try:
        figures = compute_figures(full_snapshot(engine, as_at or date.today()))
        walls, cpus = [], []
        for _ in range(RUNS):
            started, cpu = time.perf_counter(), time.process_time()
            result = forecast(figures)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        started, cpu = time.perf_counter(), time.process_time()
        forecast(figures, absences=absences(engine))
        with_absences, cpu_absences = time.perf_counter() - started, time.process_time() - cpu
    finally:
        engine.dispose()
    groups = (f"{len(result.managers.keys):,} managers, {len(result.teams.keys):,} teams, "
              f"{len(result.bcus.keys):,} BCUs")
    return [
        (f"forecast, {result.weeks} weeks ({len(figures.rsos):,} RSOs)", median(walls),
         f"CPU {median(cpus):.2f} s; median of {RUNS}; {groups}"),
        ("forecast with absences read", with_absences, f"CPU {cpu_absences:.2f} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db")
    parser.add_argument("--as-at", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    for name, seconds, note in bench_forecast(args.db, args.as_at):
        print(f"{name}: {seconds:.3f} s ({note})")


if __name__ == "__main__":
    main()
