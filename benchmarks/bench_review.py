"""Issue 3 benchmark: the manager's review over a register, and changing the as-at date.

Prints, for one database:

- **overdue visits and reactive eligibility**: ``analysis.visits.visit_status`` and
  ``analysis.reactive.reactive_status`` over the snapshot (target under 1 s nationally), beside
  the read of the visit history they are computed from;
- **changing the as-at date**: in the application's window (offscreen), the time from setting
  a new date until every page shows that date's figures and the window has painted again
  (target under 2 s nationally). The window starts as at the register's date; the date is then
  moved back 6 months, back 12 months and forward again to the start, and the slowest of the
  three changes is the figure. The first opening, which reads the whole register, is shown too.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_review.py DB_PATH [--as-at DATE]

Wall seconds are the figures; the process's CPU seconds are in the notes (other work on the
machine slows the first, not the second).
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from ncpi_desktop.formats import uk_date

#: Targets on the 2-core reference machine (issue 3, part 7), by row name.
TARGETS = {"overdue visits and reactive eligibility": 1.0, "as-at change (slowest of 3)": 2.0}


def _months_back(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    return day.replace(year=year, month=month % 12 + 1, day=min(day.day, 28))


def bench_review(db_path: str | Path, as_at: date | None = None) -> list[tuple[str, float, str]]:
    """(name, seconds, note) rows for ``db_path`` as at ``as_at`` (default today)."""
    as_at = as_at or date.today()
    rows: list[tuple[str, float, str]] = []

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def since(started: tuple[float, float]) -> tuple[float, float]:
        return time.perf_counter() - started[0], time.process_time() - started[1]

    from ncpi_desktop.actions.snapshots import full_snapshot
    from ncpi_desktop.analysis.flags import flag_column
    from ncpi_desktop.analysis.reactive import reactive_status
    from ncpi_desktop.analysis.visits import visit_status
    from ncpi_desktop.storage.database import open_database
    from ncpi_desktop.storage.history import load_visits

    engine = open_database(db_path)
    try:
        snapshot = full_snapshot(engine, as_at)
        with engine.connect() as connection:
            start = now()
            visits = load_visits(connection, as_at)
            wall, cpu = since(start)
        start = now()
        status = visit_status(snapshot)
        reactive = reactive_status(snapshot)
        a_wall, a_cpu = since(start)
    finally:
        engine.dispose()
    overdue = int(status[flag_column("visit_overdue")].sum())
    eligible = int(reactive[flag_column("reactive_eligible")].sum())
    rows.append(("overdue visits and reactive eligibility", a_wall,
                 f"{a_cpu:.2f} s CPU; {len(snapshot.rsos):,} RSOs: {overdue:,} overdue, "
                 f"{eligible:,} eligible for reactive management"))
    rows.append(("visit history read (load_visits)", wall,
                 f"{cpu:.2f} s CPU; {len(visits):,} RSOs with visits as at {uk_date(as_at)}"))
    rows.extend(_as_at_changes(db_path, as_at))
    return rows


def _as_at_changes(db_path: str | Path, as_at: date) -> list[tuple[str, float, str]]:
    """Open the window on ``db_path`` and time its first opening and three date changes."""
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from ncpi_desktop.storage.database import open_database
    from ncpi_desktop.ui.app import application
    from ncpi_desktop.ui.main_window import MainWindow

    app = application()
    folder = tempfile.mkdtemp(prefix="ncpi-bench-settings-")
    atexit.register(shutil.rmtree, folder, True)  # the window state of one run only
    settings = QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)

    def fail(_window: MainWindow, title: str, message: str) -> None:
        raise SystemExit(f"{title}: {message}")

    MainWindow.show_error = fail  # type: ignore[method-assign]
    # As the application builds its window: every page, reads on a worker thread.
    # Signed in as a manager for the force: every name shown, as the first paint measured before.
    from ncpi_desktop.domain.security import FORCE, Role, User

    user = User("bench", "Benchmark", frozenset({Role.MANAGER}), FORCE)
    window = MainWindow(settings=settings, as_at=as_at, background=True, user=user)
    window.show()
    app.processEvents()

    started = time.perf_counter(), time.process_time()
    window.set_database(open_database(db_path))
    _until_shown(window, as_at)
    opened = time.perf_counter() - started[0], time.process_time() - started[1]
    window.caseload_page.ensure_charts()  # built after the first paint: not part of a change
    app.processEvents()
    changes = []
    for day in (_months_back(as_at, 6), _months_back(as_at, 12), as_at):
        started = time.perf_counter(), time.process_time()
        window.set_as_at(day)
        _until_shown(window, day)
        wall, cpu = time.perf_counter() - started[0], time.process_time() - started[1]
        changes.append((wall, cpu, day))
    window.close()
    slowest = max(changes)
    each = ", ".join(f"{uk_date(day)} {wall:.2f} s ({cpu:.2f} CPU)" for wall, cpu, day in changes)
    return [("as-at change (slowest of 3)", slowest[0], f"{slowest[1]:.2f} s CPU; {each}"),
            ("window opened on the database", opened[0],
             f"{opened[1]:.2f} s CPU; reads the whole register, as at {uk_date(as_at)}")]


def _until_shown(window: Any, day: date) -> None:
    """Run the event loop, idle as the application's is, until ``window`` shows ``day``'s
    figures; then let the pages repaint."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    loop = QEventLoop()

    def check() -> None:
        if not window.loading and window.figures is not None \
                and window.figures.snapshot.as_at == day:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(10)
    loop.exec()
    poll.stop()
    QApplication.processEvents()  # the pages repaint with the new figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--as-at", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    for name, seconds, note in bench_review(args.db, args.as_at):
        target = TARGETS.get(name)
        verdict = "" if target is None else f"(target {target:.0f} s: " + (
            "met)" if seconds <= target else "NOT met)")
        print(f"{name:<42} {seconds:7.2f} s  {verdict} {note}")


if __name__ == "__main__":
    main()
