"""Issue 15 benchmark: edit to figures. How long after a user reassigns one RSO in the window
(and after they undo it) every page shows the new figures, on SQLite and on PostgreSQL.

In the application's window (offscreen, reads on a worker thread, signed in as a manager for
the force, every page built), with the caseload page in front: the time from the reassignment
(``AppContext.apply``: the named operation writing, then its change shown) until the window has
new figures and has painted them, and the same for Undo (Ctrl+Z). The slowest of three rounds is
the figure (target 0.3 s, SERVER.md); the note gives the write's own share, the CPU seconds and
where the figures came from ("memory": the change applied in memory, not read again).

On PostgreSQL the same register (the profile generated afresh, as ``ncpi-desktop demo`` makes
it) is written to a throwaway server started for the run (initdb and pg_ctl, as the tests do),
when the server's programs are installed; otherwise its rows say why not.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_edit.py DB_PATH [--as-at DATE]
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_edit.py --postgres national
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

#: SERVER.md: after the user's own change, every page shows the new figures within 0.3 s.
TARGET_SECONDS = 0.3
ROUNDS = 3
TESTS = Path(__file__).resolve().parent.parent / "tests"


def bench_edit(db: str, as_at: date | None, label: str = "SQLite",
               profile: int = 0) -> list[tuple[str, float, str]]:
    """(name, seconds, note) rows: one reassignment and its undo in the window on ``db`` (a
    SQLite path or a PostgreSQL URL), as at ``as_at``. ``profile``: print that many of the
    functions taking most time over the changes (cProfile, by own time and by cumulative)."""
    from ncpi_desktop.domain.security import FORCE, Role, User
    from ncpi_desktop.storage.database import open_database
    from ncpi_desktop.storage.operations import reassign

    user = User("bench", "Benchmark", frozenset({Role.MANAGER}), FORCE)
    app, window = _window(as_at, user)
    if "://" not in db:  # a copy: the database the other benchmarks read stays as it was
        folder = tempfile.mkdtemp(prefix="ncpi-bench-edit-")
        atexit.register(shutil.rmtree, folder, True)
        db = shutil.copy(db, os.path.join(folder, os.path.basename(db)))
        # A user's database is on disk, not a fresh copy's pages waiting in the cache to be
        # written: without this the first change's commit waited for the whole copy (0.1 s).
        os.sync()
    window.set_database(open_database(db))
    _idle_until(lambda: not window.loading and window.figures is not None)
    # A read from the tables is kept in the file for the next start, in the background, a
    # moment after it is shown; as a user would, change once that is done (a change made while
    # it is being written waits for it: about 0.1 s more, once per read).
    _idle_until(lambda: not window.storing)
    window.caseload_page.ensure_charts()
    window.tabs.setCurrentWidget(window.caseload_page)
    app.processEvents()
    as_at = window.as_at
    rsos, managers = window.figures.rsos, window.figures.managers
    held = rsos[rsos["named"].to_numpy(bool) & rsos["is_community"].to_numpy(bool)]
    edits: list[tuple[float, float, str | None]] = []
    undos: list[tuple[float, float, str | None]] = []
    writes: list[float] = []
    profiler = _profiler(profile)
    for number in range(ROUNDS):
        row = held.iloc[number * 997 % len(held)]
        to = next(m for m in managers["manager_id"] if m != row["manager_id"])

        def operation(engine: Any, who: User, rso: str = str(row["rso_id"]),
                      target: str = str(to)) -> Any:
            started = time.perf_counter()
            change = reassign(engine, [rso], target, "benchmark", who, on=as_at)
            writes.append(time.perf_counter() - started)
            return change

        edits.append(_timed(app, window, lambda: window.apply(operation), profiler))
        undos.append(_timed(app, window, window.undo_action.trigger, profiler))
    if profiler is not None:
        _print_profile(profiler, profile)
    reread = _timed(app, window, window.reload)  # what every change cost before: F5
    window.close()
    rows = []
    for name, runs in ((f"edit to figures, reassign one RSO ({label})", edits),
                       (f"edit to figures, undo ({label})", undos)):
        wall, _cpu, source = max(runs)
        each = ", ".join(f"{w:.3f}" for w, _, _ in runs)
        cpus = ", ".join(f"{c:.3f}" for _, c, _ in runs)
        note = (f"{max(c for _, c, _ in runs):.3f} s CPU at most ({cpus}); slowest of {ROUNDS} "
                f"({each} s); figures from the register in {source or 'nothing'}")
        if name.startswith("edit to figures, reassign"):
            note += f"; the write itself {max(writes):.3f} s at most"
        rows.append((name, wall, note))
    rows.append((f"the same figures read again, F5 ({label})", reread[0],
                 f"{reread[1]:.3f} s CPU; how every change was shown before issue 15"))
    return rows


def _window(as_at: date | None, user: Any) -> tuple[Any, Any]:
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from ncpi_desktop.ui.app import application
    from ncpi_desktop.ui.main_window import MainWindow

    app = application()
    folder = tempfile.mkdtemp(prefix="ncpi-bench-settings-")
    atexit.register(shutil.rmtree, folder, True)
    settings = QSettings(os.path.join(folder, "settings.ini"), QSettings.Format.IniFormat)

    def fail(_window: Any, title: str, message: str) -> None:
        raise SystemExit(f"{title}: {message}")

    MainWindow.show_error = fail  # type: ignore[method-assign]
    window = MainWindow(settings=settings, as_at=as_at or date.today(), background=True,
                        user=user)
    window.resize(1366, 768)
    window.show()
    app.processEvents()
    return app, window


def _timed(app: Any, window: Any, act: Any,
           profiler: Any = None) -> tuple[float, float, str | None]:
    """Wall and CPU seconds from ``act()`` until the window shows new figures, painted."""
    shown = window.figures
    if profiler is not None:
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    act()
    _idle_until(lambda: window.figures is not shown and not window.loading)
    app.processEvents()  # the pages paint the new figures
    if profiler is not None:
        profiler.disable()
    return time.perf_counter() - started, time.process_time() - cpu, window.register_source


def _profiler(top: int) -> Any:
    if not top:
        return None
    import cProfile

    return cProfile.Profile()


def _print_profile(profiler: Any, top: int) -> None:
    import pstats

    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs()
    for key in ("tottime", "cumulative"):
        print(f"--- {ROUNDS} reassignments and {ROUNDS} undos: by {key}")
        stats.sort_stats(key).print_stats(top)


def _idle_until(done: Any) -> None:
    """Run the event loop, idle as the application's is, until ``done()``."""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    poll.start(5)
    loop.exec()
    poll.stop()


def bench_edit_postgres(profile: str, top: int = 0) -> list[tuple[str, float | None, str]]:
    """The same rows on a throwaway PostgreSQL server holding ``profile``'s register (or one
    row saying why not)."""
    sys.path.insert(0, str(TESTS))
    import postgres  # tests/postgres.py: initdb and pg_ctl in a temporary folder

    why = postgres.available()
    if why is not None:
        return [("edit to figures (PostgreSQL)", None, f"not measured: {why}")]
    with postgres.server() as url:
        started = time.perf_counter()
        as_at = _write_demo(url, profile)
        note = f"; its register written to the server in {time.perf_counter() - started:.0f} s"
        rows: list[tuple[str, float | None, str]] = list(bench_edit(url, as_at, "PostgreSQL", top))
        rows[0] = (rows[0][0], rows[0][1], rows[0][2] + note)
        return rows


def _write_demo(url: str, profile: str) -> date:
    """``profile``'s demo register written to the empty database ``url`` (migrated first)."""
    from ncpi_desktop.demo.build import write_register
    from ncpi_desktop.demo.generate import generate
    from ncpi_desktop.demo.profiles import PROFILES
    from ncpi_desktop.domain.policy import Policy
    from ncpi_desktop.storage.database import open_database

    spec = PROFILES[profile]
    register = generate(spec, policy=Policy())
    engine = open_database(url)
    try:
        with engine.begin() as connection:
            write_register(connection, register, spec)
    finally:
        engine.dispose()
    return register.as_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=str, nargs="?")
    parser.add_argument("--as-at", type=date.fromisoformat, default=None)
    parser.add_argument("--postgres", metavar="PROFILE", help="on a throwaway server instead")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print the N functions taking most time over the changes")
    args = parser.parse_args()
    rows = (bench_edit_postgres(args.postgres, args.profile) if args.postgres
            else bench_edit(args.db, args.as_at, profile=args.profile))
    for name, seconds, note in rows:
        shown = "-" if seconds is None else f"{seconds:.3f} s"
        verdict = "" if seconds is None or not name.startswith("edit to figures") else (
            "(target met)" if seconds <= TARGET_SECONDS else "(target NOT met)")
        print(f"{name:<52} {shown:>9} {verdict} {note}")


if __name__ == "__main__":
    main()
