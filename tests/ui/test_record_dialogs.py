"""Recording from the window: each dialog runs its named operation through ``MainWindow.apply``,
so the pages change at once, Ctrl+Z takes it back, and a refusal keeps the dialog open with why.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from builders import AS_AT, FORCE_MANAGER
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.engine import Engine
from test_review_pages import cell, column, review_file  # noqa: F401 - the session fixture

from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.ui.dialogs.record import (
    RecordArmsDialog,
    RecordDecisionDialog,
    RecordDialog,
    RecordOrderDialog,
    RecordVisitDialog,
)
from ncpi_desktop.ui.features import Features
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.models.table_model import TOOLTIP


@pytest.fixture
def review_engine(tmp_path: Path, review_file: Path) -> Iterator[Engine]:  # noqa: F811
    path = tmp_path / "review.sqlite3"
    shutil.copyfile(review_file, path)
    engine = make_engine(path)
    yield engine
    engine.dispose()


@pytest.fixture
def window(qtbot, settings, review_engine: Engine) -> MainWindow:
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(review_engine)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def review(window: MainWindow) -> Features:
    return window.features


@pytest.fixture
def refusals(monkeypatch) -> list[str]:
    """What ``MainWindow.apply`` would say in a message box (recorded instead of shown)."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    return shown


def select_rso(window: MainWindow, page, view, rso: str) -> None:
    window.tabs.setCurrentWidget(page)
    row = view.model().row_of("rso_id", rso)
    assert row is not None, rso
    view.selectRow(row)
    view.setFocus()


def open_dialog(qtbot, review: Features, kind: str) -> RecordDialog:
    review.record.actions[kind].trigger()
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, RecordDialog)
    qtbot.waitExposed(dialog)
    return dialog


def set_date(edit, value: date) -> None:
    edit.setDate(QDate(value.year, value.month, value.day))


def test_review_pages_follow_caseload_with_a_record_menu(window: MainWindow,
                                                         review: Features) -> None:
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles[:5] == ["Caseload", "Visits", "ARMS", "Reactive", "Orders"]
    menu = window.menu("Record")
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Home &visit…", "&ARMS assessment…", "Civil &order…", "Management &decision…",
        "&Event…", "Re&ferral…", "Case &review…", "&Notification review decision…",
        "RSO &details…"]
    assert review.record.actions["visit"].shortcut() == QKeySequence("Ctrl+Shift+V")
    assert review.record.actions["arms"].shortcut() == QKeySequence("Ctrl+Shift+A")


def test_recording_a_visit_clears_it_from_overdue_and_undo_brings_it_back(
        qtbot, window: MainWindow, review: Features) -> None:
    page = review.visits_page
    select_rso(window, page, page.visits_view, "LATE")
    assert page.summary["overdue"].value_text == "3"

    dialog = open_dialog(qtbot, review, "visit")
    assert isinstance(dialog, RecordVisitDialog)
    assert dialog.rso_id == "LATE" and dialog.rso_edit.isReadOnly()
    assert dialog.officers_spin.value() == window.policy.officers_per_visit
    assert dialog.date_edit.date().toPython() == date.today()
    assert "as at 09/10/2017" in dialog.hint_label.text()  # today is after the as-at date
    set_date(dialog.date_edit, AS_AT)
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    assert page.summary["overdue"].value_text == "2"
    assert "LATE" not in column(page.visits_model, "rso_id")
    assert window.undo_stack.count() == 1

    window.undo_action.trigger()
    assert page.summary["overdue"].value_text == "3"
    assert column(page.visits_model, "rso_id")[0] == "LATE"
    window.redo_action.trigger()
    assert page.summary["overdue"].value_text == "2"


def test_changing_the_as_at_date_changes_every_page(qtbot, window: MainWindow,
                                                    review: Features) -> None:
    page = review.visits_page
    window.tabs.setCurrentWidget(page)
    assert page.as_at_label.text() == "as at 09/10/2017"
    window.set_as_at(date(2017, 7, 5))
    # LATE was due 01/07/2017; WARRANT 10/07/2017 (in 5 days); LATE2 not before September;
    # ELIGIBLE, WOMAN, LONE, ORDERED and ENDED had not been visited yet (first visits in August).
    assert page.as_at_label.text() == "as at 05/07/2017"
    model = page.visits_model
    listed = column(model, "rso_id")
    assert listed[-2:] == ["LATE", "WARRANT"]
    assert sorted(listed[:-2]) == ["ELIGIBLE", "ENDED", "LONE", "ORDERED", "WOMAN"]
    assert cell(model, "LATE", "overdue_days") == "4"
    assert cell(model, "WARRANT", "due_in") == "5"
    assert cell(model, "ELIGIBLE", "overdue_days", TOOLTIP).startswith(
        "Never visited since entering the community on 01/01/2010")
    assert page.summary["overdue"].value_text == "6"
    orders = review.orders_page
    window.tabs.setCurrentWidget(orders)  # refreshed when shown
    assert orders.summary["ending"].value_text == "0"  # the SHPO then ended in 119 days
    assert column(orders.orders_model, "days_to_end") == ["119"]
    window.set_as_at(AS_AT)
    assert column(orders.orders_model, "days_to_end") == ["23"]


def test_a_reactive_decision_is_refused_with_the_unmet_criteria(
        qtbot, window: MainWindow, review: Features, refusals: list[str]) -> None:
    page = review.visits_page
    select_rso(window, page, page.visits_view, "LATE")
    dialog = open_dialog(qtbot, review, "decision")
    assert isinstance(dialog, RecordDecisionDialog)
    assert dialog.reactive_radio.isChecked()  # an active RSO: the change offered is reactive
    assert dialog.by_edit.text() == window.actor
    assert "does not meet: risk medium; no ARMS assessment" in dialog.hint_label.text()
    set_date(dialog.date_edit, AS_AT)
    dialog.reason_edit.setPlainText("Settled and compliant")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()  # kept open, with why
    assert dialog.error_text.startswith("LATE cannot be managed reactively on 09/10/2017:")
    assert "risk medium" in dialog.error_text and "no ARMS assessment" in dialog.error_text
    assert refusals == []  # said once, in the dialog: no message box over it
    assert window.undo_stack.count() == 0
    dialog.reject()


def test_a_decision_needs_a_reason(qtbot, window: MainWindow, review: Features) -> None:
    page = review.reactive_page
    select_rso(window, page, page.eligible_view, "ELIGIBLE")
    dialog = open_dialog(qtbot, review, "decision")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "reason" in dialog.error_text
    assert window.undo_stack.count() == 0
    dialog.reject()


def test_an_eligible_rso_goes_reactive_and_back_with_undo(qtbot, window: MainWindow,
                                                          review: Features) -> None:
    page = review.reactive_page
    select_rso(window, page, page.eligible_view, "ELIGIBLE")
    dialog = open_dialog(qtbot, review, "decision")
    assert "meets every criterion" in dialog.hint_label.text()
    set_date(dialog.date_edit, AS_AT)
    dialog.reason_edit.setPlainText("Low risk, compliant for years")
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert column(page.eligible_model, "rso_id") == ["WOMAN"]
    assert "ELIGIBLE" in column(page.reactive_model, "rso_id")
    assert page.summary["reactive"].value_text == "3"
    window.undo_action.trigger()
    assert sorted(column(page.eligible_model, "rso_id")) == ["ELIGIBLE", "WOMAN"]


def test_recording_an_arms_assessment_raises_completion(qtbot, window: MainWindow,
                                                        review: Features) -> None:
    page = review.arms_page
    select_rso(window, page, page.due_view, "LATE")
    dialog = open_dialog(qtbot, review, "arms")
    assert isinstance(dialog, RecordArmsDialog)
    set_date(dialog.date_edit, AS_AT)
    dialog.outcome_combo.setCurrentIndex(dialog.outcome_combo.findData("medium"))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert page.summary["completion"].note_text == "5 of 11 eligible current"
    assert "LATE" not in column(page.due_model, "rso_id")
    window.undo_action.trigger()
    assert page.summary["completion"].note_text == "4 of 11 eligible current"


def test_recording_an_order_makes_the_rso_ineligible_for_reactive(
        qtbot, window: MainWindow, review: Features) -> None:
    page = review.reactive_page
    select_rso(window, page, page.eligible_view, "ELIGIBLE")
    dialog = open_dialog(qtbot, review, "order")
    assert isinstance(dialog, RecordOrderDialog)
    assert dialog.until_further.isChecked() and not dialog.end_edit.isEnabled()
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("SRO"))
    set_date(dialog.start_edit, date(2017, 9, 1))
    dialog.until_further.setChecked(False)
    set_date(dialog.end_edit, date(2019, 9, 1))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert column(page.eligible_model, "rso_id") == ["WOMAN"]
    orders = review.orders_page
    window.tabs.setCurrentWidget(orders)
    assert sorted(column(orders.orders_model, "rso_id")) == ["ELIGIBLE", "ORDERED"]
    window.undo_action.trigger()
    assert column(orders.orders_model, "rso_id") == ["ORDERED"]


def test_with_nothing_selected_the_user_names_the_rso(qtbot, window: MainWindow,
                                                      review: Features) -> None:
    window.tabs.setCurrentWidget(review.orders_page)
    review.orders_page.orders_view.clearSelection()
    dialog = open_dialog(qtbot, review, "visit")
    assert dialog.rso_id == "" and not dialog.rso_edit.isReadOnly()
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "Say which RSO" in dialog.error_text
    qtbot.keyClicks(dialog.rso_edit, "NOBODY")
    assert dialog.rso_label.text() == "Not on the register as at 09/10/2017"
    dialog.rso_edit.clear()
    qtbot.keyClicks(dialog.rso_edit, "SOON")
    assert dialog.rso_label.text().startswith("Family3, Given · medium risk · community")
    set_date(dialog.date_edit, AS_AT)
    dialog.officers_spin.setValue(1)
    assert "flagged as a lone visit" in dialog.hint_label.text()
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    window.tabs.setCurrentWidget(review.visits_page)
    assert review.visits_page.summary["lone"].value_text == "2"


def test_the_trend_is_computed_from_history_when_shown(qtbot, window: MainWindow,
                                                       review: Features) -> None:
    page = review.visits_page
    window.tabs.setCurrentWidget(page)
    page.side_tabs.setCurrentWidget(page.trend_slot)
    qtbot.waitUntil(lambda: page.trend_slot.chart is not None
                    and len(page.trend_slot.chart.frame) == 12, timeout=20000)
    trend = page.trend_slot.chart.frame
    assert trend["month_end"].iloc[-1] == pd.Timestamp("2017-09-30")
    assert int(trend["arms_eligible"].iloc[-1]) == 11
    assert int(trend["arms_current"].iloc[-1]) == 4
    assert "ARMS: " in page.trend_slot.chart.month_tip(11)
    # The ARMS page's trend is the same computation, not a second one.
    window.tabs.setCurrentWidget(review.arms_page)
    review.arms_page.chart_tabs.setCurrentWidget(review.arms_page.trend_slot)
    qtbot.waitUntil(lambda: review.arms_page.trend_slot.chart is not None
                    and len(review.arms_page.trend_slot.chart.frame) == 12, timeout=20000)
    assert review.arms_page.trend_slot.chart.frame is trend
