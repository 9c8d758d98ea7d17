"""Cold start to the first painted caseload page.

    python benchmarks/first_paint.py [--fresh] DBPATH

Starts the application in a fresh Python process and prints ``first paint: X.XX s``: the time
from starting that process until the managers table of the caseload page, filled from DBPATH,
has been painted. Then ``every page: X.XX s``: until the full figures (visits, orders, the
review's flags) are on every page and every page is built. The child then closes the window,
which keeps the register in the database for the next start as the application does after a
read of the register's tables (``storage.register_store``), so the next run starts as a user's
next start would. ``--fresh`` first deletes that stored copy, as any change to the register does:
the run then measures the first start after a change. Without a display the offscreen platform
is used. Window state is kept in a temporary folder, so the user's saved layout neither helps
nor changes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import time

MARK = "ncpi-first-paint-done"
EVERY_PAGE_MARK = "ncpi-every-page-done"
#: Where the first paint's register came from: "store" (the start-up copy) or "tables".
SOURCE_PREFIX = "register read from: "
#: How often the child looks whether every page has its figures (milliseconds).
POLL_MS = 10
EXIT_FAILED = 2


def child(target: str) -> int:
    """In the fresh process: open the window on ``target`` as ``ncpi-desktop`` does
    (``ui.app.run_app``) and report its first table paint."""
    import tempfile

    # isort: off
    # The application's modules first, as ``ncpi-desktop`` imports them (ui/__init__.py).
    from ncpi_desktop.ui.app import application
    from ncpi_desktop.ui.main_window import MainWindow
    from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
    # isort: on

    settings_folder = tempfile.mkdtemp(prefix="ncpi-bench-settings-")
    atexit.register(shutil.rmtree, settings_folder, True)  # the window state of one run only
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, settings_folder)

    def fail(_window: MainWindow, title: str, message: str) -> None:
        """A benchmark has nobody to click OK: an error ends the run instead of waiting."""
        print(f"{title}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_FAILED)

    MainWindow.show_error = fail  # type: ignore[method-assign]
    app = application()
    # As run_app builds it, once its user has signed in (the password typed at once).
    window = MainWindow(defer=True, background=True)
    window.set_database(signed_in(target))
    viewport = window.caseload_page.managers_view.viewport()

    def every_page() -> None:
        figures = window.figures
        if window.built and figures is not None and figures.complete:
            print(EVERY_PAGE_MARK, flush=True)
            window.close()  # keeps the register for the next start, as closing the app does
            app.quit()
        else:
            QTimer.singleShot(POLL_MS, every_page)

    def painted() -> None:
        print(MARK, flush=True)
        print(f"{SOURCE_PREFIX}{window.register_source}", flush=True)
        every_page()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if watched is viewport and event.type() == QEvent.Type.Paint:
                viewport.removeEventFilter(self)
                QTimer.singleShot(0, painted)  # after this paint has finished
            return False

    watcher = FirstPaint()
    viewport.installEventFilter(watcher)
    window.show()
    return app.exec()


def signed_in(path: str):  # noqa: ANN201 - an Engine, imported lazily
    """The engine of ``path`` (encrypted or a plain copy) as the demo's manager signs in
    (``NCPI_USER``/``NCPI_PASSWORD`` choose another)."""
    from ncpi_desktop.storage.users import sign_in

    return sign_in(path, os.environ.get("NCPI_USER", "manager"),
                   os.environ.get("NCPI_PASSWORD", "demo-password")).engine


def forget_stored_register(path: str) -> None:
    """Delete the register kept in the database for the next start (what any change to the
    register does), leaving the register itself as it is."""
    engine = signed_in(path)
    with engine.begin() as connection:
        if connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = "
                                      "'register_cache'").first():
            connection.exec_driver_sql("DELETE FROM register_cache")
    engine.dispose()


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--child":
        return child(argv[2])
    fresh = "--fresh" in argv[1:]
    argv = [argument for argument in argv if argument != "--fresh"]
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return EXIT_FAILED
    if fresh:
        forget_stored_register(argv[1])
    environment = dict(os.environ)
    if not environment.get("DISPLAY") and not environment.get("WAYLAND_DISPLAY"):
        environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--child", argv[1]],
                               stdout=subprocess.PIPE, env=environment, text=True)
    assert process.stdout is not None
    marks: dict[str, float] = {}
    source = None
    for line in process.stdout:
        if line.strip() in (MARK, EVERY_PAGE_MARK):
            marks[line.strip()] = time.perf_counter() - started
        elif line.startswith(SOURCE_PREFIX):
            source = line.strip()
    process.stdout.close()
    process.wait()
    if MARK not in marks:
        print(f"first paint: failed (exit status {process.returncode})", file=sys.stderr)
        return EXIT_FAILED
    print(f"first paint: {marks[MARK]:.2f} s")
    if source:
        print(source)
    if EVERY_PAGE_MARK in marks:
        print(f"every page: {marks[EVERY_PAGE_MARK]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
