"""Every window sees changes: the window's own at once (applied in memory, undo and redo too),
another program's within two seconds without F5, each page keeping its selection, sort and
scroll position; on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import postgres
import pytest
from builders import AS_AT, FORCE_MANAGER
from conftest import caseload_register
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt
from PySide6.QtWidgets import QTableView
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.storage.database import make_engine, open_database
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.widgets.tables import rso_of

#: "Within 2 s" (SERVER.md), in milliseconds.
WITHIN_MS = 2000


def caseload(window: MainWindow, manager_id: str) -> int:
    return int(window.figures.managers.set_index("manager_id").loc[manager_id, "caseload"])


def held_by(window: MainWindow, manager_id: str) -> list[str]:
    rsos = window.figures.rsos
    return sorted(rsos[(rsos["manager_id"] == manager_id) & rsos["is_community"]]["rso_id"])


def shown_window(qtbot, settings: QSettings, engine: Engine) -> MainWindow:
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    window.set_database(engine)
    qtbot.waitExposed(window)
    return window


def select(view: QTableView, rso_id: str) -> None:
    model = view.model()
    row = model.row_of("rso_id", rso_id)
    index = model.index(row, 0)
    view.selectionModel().setCurrentIndex(
        index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)
    view.scrollTo(index, QTableView.ScrollHint.PositionAtTop)


def register_view(window: MainWindow) -> QTableView:
    """The Register page's list of every RSO, in front, sorted by RSO id descending, one RSO
    far down it selected and scrolled to."""
    page = window.features.register_page
    window.tabs.setCurrentWidget(page)
    view = page.register_view
    view.sortByColumn(page.register_model.column_of("rso_id"), Qt.SortOrder.DescendingOrder)
    select(view, "R00040")
    assert view.verticalScrollBar().value() > 0
    return view


def assert_kept(view: QTableView, scrolled: int) -> None:
    """The view still shows R00040 selected, sorted by id descending, scrolled as it was."""
    model = view.model()
    assert rso_of(view) == "R00040"
    assert model.sort_key == ("rso_id", False)
    assert view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert view.verticalScrollBar().value() == scrolled


def another_program_reassigns(url: str, rso_ids: list[str], to: str) -> None:
    """A second engine, as another user's window or the command line would write."""
    other = make_engine(url)
    try:
        reassign(other, rso_ids, to, "elsewhere", FORCE_MANAGER, on=AS_AT)
    finally:
        other.dispose()


def test_a_change_made_elsewhere_shows_within_two_seconds_keeping_the_view(
        qtbot, settings: QSettings, engine: Engine) -> None:
    window = shown_window(qtbot, settings, engine)
    view = register_view(window)
    scrolled = view.verticalScrollBar().value()
    moving = held_by(window, "OM1")[:5]
    assert caseload(window, "OM4") == 10
    another_program_reassigns(str(engine.url), moving, "OM4")
    qtbot.waitUntil(lambda: caseload(window, "OM4") == 15, timeout=WITHIN_MS)
    assert caseload(window, "OM1") == 21
    assert window.undo_stack.count() == 0  # not this window's change to undo
    assert_kept(view, scrolled)


def test_the_windows_own_change_and_its_undo_show_without_reading_again(
        qtbot, settings: QSettings, engine: Engine) -> None:
    window = shown_window(qtbot, settings, engine)
    view = register_view(window)
    scrolled = view.verticalScrollBar().value()
    moving = held_by(window, "OM1")[:6]
    window.apply(lambda e, user: reassign(e, moving, "OM4", "caseload", user, on=AS_AT))
    assert caseload(window, "OM4") == 16 and caseload(window, "OM1") == 20
    assert window.register_source == "memory"  # applied in memory, not read again
    assert_kept(view, scrolled)
    window.undo_action.trigger()
    assert caseload(window, "OM4") == 10 and caseload(window, "OM1") == 26
    assert window.register_source == "memory"
    window.redo_action.trigger()
    assert caseload(window, "OM4") == 16
    assert_kept(view, scrolled)
    # The window's own change is not read again when the watch notices it.
    qtbot.wait(600)
    assert window.register_source == "memory" and not window.loading


def test_the_start_up_copy_is_brought_up_to_date(qtbot, settings: QSettings,
                                                 engine: Engine) -> None:
    window = shown_window(qtbot, settings, engine)
    moving = held_by(window, "OM2")[:3]
    window.apply(lambda e, user: reassign(e, moving, "OM3", "caseload", user, on=AS_AT))
    assert window.storing
    window.loader.store_now()
    cache = RegisterCache()
    stored = load_snapshot(engine, AS_AT, cache=cache)
    assert cache.source == "store"  # the next start reads the copy, which has the change
    read = load_snapshot(engine, AS_AT)
    assert compute_figures(stored).managers.equals(compute_figures(read).managers)
    assert caseload(window, "OM3") == 23


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if postgres.available() is not None:
        pytest.skip(str(postgres.available()))
    with postgres.server() as url:
        caseload_register().write(url).dispose()
        yield url


def test_a_change_made_elsewhere_shows_within_two_seconds_on_postgres(
        qtbot, settings: QSettings, postgres_url: str) -> None:
    engine = open_database(postgres_url)
    try:
        window = shown_window(qtbot, settings, engine)
        view = register_view(window)
        scrolled = view.verticalScrollBar().value()
        moving = held_by(window, "OM2")[:4]
        before = caseload(window, "OM3")
        another_program_reassigns(postgres_url, moving, "OM3")
        qtbot.waitUntil(lambda: caseload(window, "OM3") == before + 4, timeout=WITHIN_MS)
        assert_kept(view, scrolled)
        own = held_by(window, "OM2")[:2]
        window.apply(lambda e, user: reassign(e, own, "OM4", "caseload", user, on=AS_AT))
        assert window.register_source == "memory"
        assert caseload(window, "OM3") == before + 4
        window.close()
    finally:
        engine.dispose()
