"""The window fits a 1366x768 laptop screen: nothing on any page forces it wider than 1280."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from builders import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtWidgets import QComboBox, QDockWidget, QTableView, QTabWidget

from ncpi_desktop.storage.users import sign_in
from ncpi_desktop.ui.dialogs.rso_detail import RsoDetail
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.models.table_model import DataFrameTableModel
from ncpi_desktop.ui.widgets.labels import ElidedLabel
from ncpi_desktop.ui.widgets.summary import SummaryCard

LAPTOP_WIDTH = 1280


def test_the_window_can_be_as_narrow_as_a_laptop(window: MainWindow) -> None:
    assert window.minimumSizeHint().width() <= LAPTOP_WIDTH


def test_no_page_makes_the_window_grow(qtbot, window: MainWindow) -> None:
    window.resize(LAPTOP_WIDTH, 720)
    window.show()
    qtbot.waitExposed(window)
    assert len(window.pages) >= 5
    for index, page in enumerate(window.pages):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(10)
        assert page.minimumSizeHint().width() <= LAPTOP_WIDTH - 20, page.title
        assert window.width() <= LAPTOP_WIDTH, page.title
        assert window.minimumSizeHint().width() <= LAPTOP_WIDTH, page.title


def test_the_undo_history_fits_beside_every_page(qtbot, window: MainWindow) -> None:
    window.resize(LAPTOP_WIDTH, 720)
    window.show()
    dock = window.findChild(QDockWidget, "undo_history")
    assert dock is not None
    dock.show()
    qtbot.waitExposed(window)
    for index, page in enumerate(window.pages):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(10)
        assert window.width() <= LAPTOP_WIDTH, page.title
        assert dock.width() >= dock.minimumWidth() >= 200


def test_a_filter_row_wraps_rather_than_widen(qtbot, window: MainWindow) -> None:
    visits = window.features.visits_page
    window.resize(900, 720)
    window.show()
    window.tabs.setCurrentWidget(visits)
    qtbot.waitExposed(window)
    qtbot.wait(10)
    assert window.width() <= 900
    within = visits.within_spin
    assert within.isVisible()
    assert within.mapTo(window, within.rect().bottomRight()).x() <= window.width()
    combos = [c for c in visits.findChildren(QComboBox) if c.isVisible()]
    assert combos and all(c.mapTo(window, c.rect().topRight()).x() <= window.width()
                          for c in combos)


def test_the_detail_panel_fits(qtbot, window: MainWindow) -> None:
    detail = window.features.record.show_detail(_any_rso(window))
    assert isinstance(detail, RsoDetail)
    assert detail.minimumSizeHint().width() <= LAPTOP_WIDTH
    assert detail.minimumSizeHint().height() <= 720


def _any_rso(window: MainWindow) -> str:
    figures = window.figures
    assert figures is not None
    return str(figures.rsos["rso_id"].iloc[0])


def test_a_long_note_is_elided_not_widening(qtbot) -> None:
    card = SummaryCard("In the community", "tip")
    qtbot.addWidget(card)
    note = "590 custody · 31 abroad · 20 missing " * 4
    card.set_figure("2,101", note)
    assert card.note_text == note
    assert card.minimumSizeHint().width() < 200
    card.resize(150, 80)
    card.show()
    qtbot.waitExposed(card)
    label = card.findChild(ElidedLabel, "summaryNote")
    assert label is not None and label.is_elided()
    assert label.shown_text().endswith("…")


# --- the columns that matter, without scrolling sideways, on the Lancashire demo ---------------

#: Per page, per list: the columns a user must see at 1366x768 without scrolling sideways (the
#: rest are reachable by scrolling).
MUST_SEE = {
    "Visits": {"visits_view": ["rso_id", "rso_name", "manager_label", "risk_level",
                               "next_visit_due", "overdue_days", "due_in", "alerts"],
               "teams_view": ["team", "overdue", "max_days_overdue"]},
    "ARMS": {"due_view": ["rso_id", "rso_name", "manager_label", "risk_level", "arms_state",
                          "arms_latest_on", "arms_latest_outcome", "arms_expires_on"],
             "teams_view": ["team", "arms_eligible", "arms_completion", "vs_force"]},
    "Reactive": {"eligible_view": ["rso_id", "rso_name", "manager_label", "risk_level",
                                   "arms_latest_on", "concern_free_from", "visits_a_year"],
                 "managers_view": ["manager_label", "caseload", "candidates", "visits_a_year",
                                   "reactive", "reviews"]},
    "Orders": {"orders_view": ["type", "rso_id", "rso_name", "manager_label", "ends_on",
                              "days_to_end", "in_force_text"]},
}


def cut_off(view: QTableView, keys: list[str]) -> list[str]:
    """The columns of ``keys`` not wholly inside ``view``'s viewport (scrolled to the left)."""
    view.horizontalScrollBar().setValue(0)
    model = view.model()
    assert isinstance(model, DataFrameTableModel)
    header = view.horizontalHeader()
    width = view.viewport().width()
    out = []
    for key in keys:
        section = model.column_of(key)
        left = header.sectionViewportPosition(section)
        if header.isSectionHidden(section) or left < 0 \
                or left + header.sectionSize(section) > width:
            out.append(f"{key} ({left}+{header.sectionSize(section)} of {width})")
    return out


@pytest.fixture
def demo_window(qtbot, settings, lancashire_path: Path, tmp_path: Path) -> MainWindow:
    path = copy_database(lancashire_path, tmp_path / "lancashire.sqlite3")
    session = sign_in(path, TEST_USER, TEST_PASSWORD)
    window = MainWindow(settings=settings, as_at=date(2017, 10, 9), user=session.user)
    qtbot.addWidget(window)
    window.set_database(session.engine)
    return window


def test_the_columns_that_matter_are_in_sight_at_1366(qtbot, demo_window: MainWindow) -> None:
    window = demo_window
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    pages = {page.title: page for page in window.pages}
    hidden = {}
    for title, views in MUST_SEE.items():
        window.tabs.setCurrentWidget(pages[title])
        qtbot.wait(20)
        for name, keys in views.items():
            view = getattr(pages[title], name)
            tabs = view.parentWidget().parentWidget()
            if isinstance(tabs, QTabWidget):  # a list in a page's own tabs: bring it forward
                tabs.setCurrentWidget(view)
                qtbot.wait(10)
            assert view.isVisible(), (title, name)
            assert view.model().rowCount() > 0, (title, name)
            missing = cut_off(view, keys)
            if missing:
                hidden[f"{title}.{name}"] = missing
    assert window.width() <= 1366
    assert not hidden, hidden
