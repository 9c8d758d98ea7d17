"""The main window: one database, one snapshot, menus, remembered state, errors as messages."""

from __future__ import annotations

import html
import sys
from datetime import date
from pathlib import Path

import pytest
from builders import AS_AT, FORCE_MANAGER
from conftest import caseload_register
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from sqlalchemy.engine import Engine

from ncpi_desktop import __version__
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.ui import app as app_module
from ncpi_desktop.ui.app import build_window, show_exception
from ncpi_desktop.ui.main_window import MainWindow


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Message boxes the window would show, recorded instead of blocking the test."""
    shown: list[tuple[str, str]] = []

    def warning(_parent: object, title: str, text: str) -> QMessageBox.StandardButton:
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    return shown


def test_title_status_bar_and_one_figures(window: MainWindow, engine: Engine) -> None:
    assert window.windowTitle() == "register.sqlite3 — NCPI Desktop"
    assert window.as_at_label.text() == "As at 09/10/2017"
    assert window.location_label.text() == engine.url.database
    assert window.figures is not None
    assert window.caseload_page.figures is window.figures
    assert window.tabs.tabText(0) == "Caseload"
    assert window.caseload_page.managers_model.rowCount() == 4


def test_as_at_defaults_to_today(qtbot, settings: QSettings) -> None:
    window = MainWindow(user=FORCE_MANAGER, settings=settings)
    qtbot.addWidget(window)
    assert window.as_at == date.today()
    assert window.as_at_label.text() == f"As at {date.today():%d/%m/%Y}"


def test_set_as_at_reloads_the_snapshot(window: MainWindow) -> None:
    with pytest.MonkeyPatch.context():
        window.set_as_at(date(2017, 1, 31))
    assert window.figures is not None
    assert window.figures.snapshot.as_at == date(2017, 1, 31)
    assert window.as_at_label.text() == "As at 31/01/2017"


def test_reload_shows_a_write(window: MainWindow, engine: Engine, tmp_path: Path) -> None:
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(text("UPDATE manager SET fte = 1.0 WHERE manager_id = 'OM1'"))
    window.reload_action.trigger()  # View > Reload (F5)
    model = window.caseload_page.managers_model
    row = model.row_of("manager_id", "OM1")
    assert model.data(model.index(row, model.column_of("per_fte"))) == "26.0"


def test_open_database_from_the_file_menu(qtbot, window: MainWindow, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.sqlite3"
    register = caseload_register()
    register.managers = register.managers[:1]
    register.rsos = [r for r in register.rsos if r["manager_id"] == "OM1"]
    register.write(other).dispose()
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_args: (str(other), "")))
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    with qtbot.waitSignal(window.database_changed) as signal:
        window.open_action.trigger()
    assert signal.args == [str(other)]
    assert window.windowTitle().startswith("other.sqlite3")
    assert window.caseload_page.managers_model.rowCount() == 1


def test_a_bad_database_is_a_one_line_message(window: MainWindow, tmp_path: Path,
                                              warnings: list[tuple[str, str]]) -> None:
    before = window.figures
    assert window.open_target(str(tmp_path / "missing.sqlite3")) is False
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    assert window.open_target(str(junk)) is False
    assert [title for title, _ in warnings] == ["Cannot open database"] * 2
    assert warnings[0][1] == f"No database at {tmp_path / 'missing.sqlite3'}"
    assert "not a database" in warnings[1][1]
    assert all("\n" not in text and "Traceback" not in text for _, text in warnings)
    assert window.figures is before
    assert window.windowTitle().startswith("register.sqlite3")


def test_about_shows_version_and_rules(qtbot, window: MainWindow) -> None:
    window.about_action.trigger()
    box = window.about_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert __version__ in box.text()
    for rule in Policy().rules_text():
        assert html.escape(rule, quote=False) in box.text()
    assert "above 50 community RSOs per FTE" in box.text()
    box.close()


def test_quit_closes_the_window(qtbot, window: MainWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    assert window.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    window.quit_action.trigger()
    assert not window.isVisible()


def test_geometry_and_splitters_are_remembered(qtbot, engine: Engine,
                                               settings: QSettings) -> None:
    first = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(first)
    first.set_database(engine)
    first.resize(760, 700)
    first.show()
    qtbot.waitExposed(first)
    first.caseload_page.outer_splitter.setSizes([500, 240])
    first.caseload_page.sort_managers("name", Qt.SortOrder.AscendingOrder)
    sizes = first.caseload_page.outer_splitter.sizes()
    first.close()

    second = MainWindow(user=FORCE_MANAGER, settings=QSettings(settings.fileName(),
                                                               QSettings.Format.IniFormat),
                        as_at=AS_AT)
    qtbot.addWidget(second)
    second.set_database(engine)
    second.show()
    qtbot.waitExposed(second)
    assert second.size() == first.size()
    assert second.caseload_page.outer_splitter.sizes() == sizes
    names = [second.caseload_page.managers_model.frame_row(r)["name"] for r in range(4)]
    assert names == sorted(names)


def test_default_database_is_created_empty_and_says_so(qtbot, settings: QSettings, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    default = tmp_path / "data" / "ncpi.sqlite3"
    monkeypatch.setattr(app_module, "default_database_path", lambda: default)
    window = build_window(None, settings=settings)
    qtbot.addWidget(window)
    assert default.exists()
    assert window.windowTitle() == "ncpi.sqlite3 — NCPI Desktop"
    assert window.figures is None
    assert window.caseload_page._stack.currentIndex() == 1
    if window.engine is not None:
        window.engine.dispose()


def test_a_missing_target_opens_an_empty_window(qtbot, settings: QSettings, tmp_path: Path,
                                                warnings: list[tuple[str, str]]) -> None:
    window = build_window(str(tmp_path / "nowhere.sqlite3"), settings=settings)
    qtbot.addWidget(window)
    assert warnings == [("Cannot open database", f"No database at {tmp_path / 'nowhere.sqlite3'}")]
    assert window.windowTitle() == "No database — NCPI Desktop"
    assert window.location_label.text() == "No database open"


def test_exception_hook_shows_a_message_and_logs(qtbot, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    import ncpi_desktop.crash as crash

    monkeypatch.setattr(crash, "crash_folder", lambda: tmp_path / "log")
    name, born = "Alex Hart", "1980"  # values from the register: not in the code quoted
    try:
        raise ValueError(f"the snapshot went wrong for {name!r}\nborn in {born}")
    except ValueError as error:
        show_exception(type(error), error, error.__traceback__)
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    (report,) = (tmp_path / "log").iterdir()
    line = f"unexpected error (ValueError); report written to {report}"
    assert [b.text() for b in boxes] == [f"Something went wrong: {line}."]
    assert boxes[0].detailedText() == ""
    assert capsys.readouterr().err == f"ncpi-desktop: {line}\n"
    text = report.read_text()
    assert "Traceback" in text and "ValueError: the snapshot went wrong for …\n" in text
    assert "Alex Hart" not in text and "1980" not in text
    boxes[0].close()


def test_install_exception_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    app_module.install_exception_hook()
    assert sys.excepthook is show_exception


def test_the_application_shows_the_caseload_page_first_then_the_rest(
        qtbot, engine: Engine, settings: QSettings) -> None:
    window = build_window(engine.url.database, settings=settings, as_at=AS_AT, defer=True)
    qtbot.addWidget(window)
    assert not window.built
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Caseload"]
    assert window.caseload_page.managers_model.rowCount() == 4  # figures before the first paint
    window.show()
    qtbot.waitUntil(lambda: window.built)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles[0] == "Caseload" and len(titles) > 1
    assert all(page.figures is window.figures for page in window.pages)
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert menus == [action.text().replace("&", "") for action in _built_menus(qtbot, settings)]
    if window.engine is not None:
        window.engine.dispose()


def _built_menus(qtbot, settings: QSettings) -> list:
    """The menu bar of a window built at once."""
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    return window.menuBar().actions()


@pytest.fixture
def background_window(qtbot, settings: QSettings) -> MainWindow:
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT, background=True)
    qtbot.addWidget(window)
    return window


@pytest.fixture
def starting_window(qtbot, settings: QSettings) -> MainWindow:
    """A window as the application starts it: other pages built after the first paint."""
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT, background=True,
                        defer=True)
    qtbot.addWidget(window)
    return window


def test_a_background_read_shows_progress_then_the_figures(
        qtbot, background_window: MainWindow, engine: Engine) -> None:
    window = background_window
    window.set_database(engine)
    assert window.loading and window.caseload_page.showing_loading
    qtbot.waitUntil(lambda: window.figures is not None)
    assert not window.loading and not window.caseload_page.showing_loading
    assert window.caseload_page.managers_model.rowCount() == 4
    with qtbot.waitSignal(window.figures_changed):
        window.set_as_at(date(2017, 1, 31))
    assert window.figures is not None and window.figures.snapshot.as_at == date(2017, 1, 31)
    assert window.as_at_label.text() == "As at 31/01/2017"


def test_a_cancelled_read_keeps_the_figures_and_their_date(
        qtbot, background_window: MainWindow, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from ncpi_desktop.ui.core import loader as module

    window = background_window
    window.set_database(engine)
    qtbot.waitUntil(lambda: window.figures is not None)
    shown = window.figures
    release = threading.Event()
    read = module.read_figures

    def slow(engine_, as_at, cache=None, progress=None, **options):
        release.wait(5)
        return read(engine_, as_at, cache, progress, **options)  # cancelled at its progress

    monkeypatch.setattr(module, "read_figures", slow)
    window.set_as_at(date(2016, 1, 31))
    assert window.loading and window.as_at == date(2016, 1, 31)
    window.loader.job.cancel()
    release.set()
    qtbot.waitUntil(lambda: not window.loading)
    assert window.figures is shown
    assert window.as_at == AS_AT and window.as_at_edit.date().toPython() == AS_AT
    assert window.as_at_label.text() == "As at 09/10/2017"


@pytest.fixture
def held_reads(monkeypatch: pytest.MonkeyPatch):
    """``read_figures`` recording each read (True: caseload only) and holding every full read
    until ``release`` is set."""
    import threading

    from ncpi_desktop.ui.core import loader as module

    release = threading.Event()
    read = module.read_figures
    reads: list[bool] = []

    def held(engine_, as_at, cache=None, progress=None, *, caseload_only=False, **options):
        reads.append(caseload_only)
        if not caseload_only:
            release.wait(5)
        return read(engine_, as_at, cache, progress, caseload_only=caseload_only, **options)

    monkeypatch.setattr(module, "read_figures", held)
    return reads, release


def test_the_first_read_shows_the_caseload_page_then_every_page(
        qtbot, starting_window: MainWindow, engine: Engine, held_reads) -> None:
    """Opening a database, the caseload page is filled from the register alone; the visits and
    orders are read after it, quietly, and then every page has the full figures."""
    reads, release = held_reads
    window = starting_window
    window.set_database(engine)
    page = window.caseload_page
    qtbot.waitUntil(lambda: page.figures is not None)
    assert not page.figures.complete and not page.showing_loading
    assert page.managers_model.rowCount() == 4
    assert window.figures is None and window.loading  # the rest is being read
    assert "Reading visits" in window.statusBar().currentMessage()
    assert not window.loader.job.dialog.isVisible()  # no dialog over a page in use
    release.set()
    qtbot.waitUntil(lambda: window.figures is not None)
    assert window.figures.complete and page.figures is window.figures
    assert not window.loading and window.statusBar().currentMessage() == ""
    assert reads == [True, False]

    reads.clear()  # with figures on show, a new date is read whole, once
    with qtbot.waitSignal(window.figures_changed):
        window.set_as_at(date(2017, 1, 31))
    assert reads == [False] and window.figures.snapshot.as_at == date(2017, 1, 31)


def test_a_second_read_during_the_first_replaces_it(qtbot, starting_window: MainWindow,
                                                     engine: Engine, held_reads) -> None:
    """While the rest is read after the caseload page: the same date again reads nothing more;
    a reload cancels the read under way and only its own figures and message are shown."""
    reads, release = held_reads
    window = starting_window
    window.set_database(engine)
    qtbot.waitUntil(lambda: reads == [True, False])
    window.set_as_at(AS_AT)  # focus leaving the date field, or Today on today: nothing to do
    assert reads == [True, False]
    first = window.loader.job
    cancelled: list[bool] = []
    first.cancelled.connect(lambda: cancelled.append(True))
    window.reload()  # F5
    qtbot.waitUntil(lambda: reads == [True, False, True, False])
    release.set()
    qtbot.waitUntil(lambda: window.figures is not None and not window.loading)
    assert cancelled == [True] and not first.is_running
    assert window.figures.complete and window.statusBar().currentMessage() == ""


def test_a_window_already_built_reads_every_figure_at_once(
        qtbot, starting_window: MainWindow, engine: Engine, held_reads) -> None:
    """Once the other pages exist (a database that was empty, then imported into), the caseload
    page is not given figures the other pages lack."""
    reads, release = held_reads
    release.set()
    window = starting_window
    window.finish_building()
    window.set_database(engine)
    qtbot.waitUntil(lambda: window.figures is not None)
    assert reads == [False]
    assert all(page.figures is window.figures for page in window.pages)


def test_the_register_read_is_kept_for_the_next_start(
        qtbot, background_window: MainWindow, engine: Engine, settings: QSettings) -> None:
    """After reading the register's tables the application keeps the register in the database;
    the next start reads it back from there and shows the same figures."""
    import pandas as pd

    window = background_window
    window.set_database(engine)
    qtbot.waitUntil(lambda: window.figures is not None)
    assert window.loader.cache.source == "tables"

    def kept() -> set[str]:
        with engine.connect() as connection:
            return set(connection.exec_driver_sql("SELECT name FROM register_cache").scalars())

    assert window.storing and kept() == set()  # once nothing new has been read for a while
    window.close()  # or when the window closes
    assert not window.storing
    assert {"rsos", "allocations", "arms", "managers"} <= kept()

    next_start = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT, background=True)
    qtbot.addWidget(next_start)
    next_start.set_database(make_engine(engine.url.database))
    qtbot.waitUntil(lambda: next_start.figures is not None)
    assert next_start.loader.cache.source == "store"
    assert not next_start.storing  # nothing new to keep
    pd.testing.assert_frame_equal(next_start.figures.managers, window.figures.managers)
    pd.testing.assert_frame_equal(next_start.figures.rsos, window.figures.rsos)
    next_start.engine.dispose()


def test_only_the_newest_read_is_shown(qtbot, background_window: MainWindow,
                                       engine: Engine) -> None:
    window = background_window
    window.set_database(engine)
    window.set_as_at(date(2017, 1, 31))
    window.set_as_at(date(2016, 6, 30))
    qtbot.waitUntil(lambda: window.figures is not None
                    and window.figures.snapshot.as_at == date(2016, 6, 30))
    qtbot.wait(200)  # the older reads finish too, and are dropped
    assert window.figures.snapshot.as_at == date(2016, 6, 30)


def test_a_database_that_cannot_be_read_says_so(
        qtbot, background_window: MainWindow, engine: Engine,
        warnings: list[tuple[str, str]]) -> None:
    from sqlalchemy import text

    window = background_window
    window.set_database(engine)
    qtbot.waitUntil(lambda: window.figures is not None)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE arms"))
    window.reload()
    qtbot.waitUntil(lambda: not window.loading)
    assert window.figures is None
    assert warnings and warnings[-1][0] == "Cannot read database"
    assert "arms" in warnings[-1][1]


def test_closing_during_a_read_shows_nothing_afterwards(
        qtbot, background_window: MainWindow, engine: Engine,
        warnings: list[tuple[str, str]]) -> None:
    window = background_window
    window.set_database(engine)
    window.close()
    qtbot.waitUntil(lambda: not window.loading)
    assert warnings == [] and window.figures is None
