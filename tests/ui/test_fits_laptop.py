"""The window fits a 1366x768 laptop screen: nothing on any page forces it wider than 1280."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDockWidget

from ncpi_desktop.ui.dialogs.rso_detail import RsoDetail
from ncpi_desktop.ui.main_window import MainWindow
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
