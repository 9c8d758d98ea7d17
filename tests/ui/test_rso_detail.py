"""The RSO detail panel: opened from any RSO list by double-click or Enter, it shows the RSO's
flags with their why, the reactive criteria one by one and their records, and records for them.
"""

from __future__ import annotations

from datetime import date

import pytest
from builders import AS_AT
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QTableView
from test_record_dialogs import review, review_engine, window  # noqa: F401 - fixtures
from test_review_pages import column, review_file  # noqa: F401 - fixtures

from ncpi_desktop.ui.dialogs.record import RecordVisitDialog
from ncpi_desktop.ui.dialogs.rso_detail import RsoDetail
from ncpi_desktop.ui.features import Features
from ncpi_desktop.ui.main_window import MainWindow


def activate_by_double_click(qtbot, view: QTableView, rso: str) -> None:
    row = view.model().row_of("rso_id", rso)
    assert row is not None, rso
    rect = view.visualRect(view.model().index(row, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def activate_by_enter(qtbot, view: QTableView, rso: str) -> None:
    row = view.model().row_of("rso_id", rso)
    assert row is not None, rso
    view.setFocus()
    view.setCurrentIndex(view.model().index(row, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)


def detail_of(qtbot, review: Features) -> RsoDetail:  # noqa: F811
    detail = review.record.detail
    assert detail is not None
    qtbot.waitExposed(detail)
    return detail


def test_double_click_opens_the_detail_with_every_flag_and_why(  # noqa: F811
        qtbot, window: MainWindow, review: Features) -> None:  # noqa: F811
    page = review.visits_page
    window.tabs.setCurrentWidget(page)
    activate_by_double_click(qtbot, page.visits_view, "WARRANT")
    detail = detail_of(qtbot, review)
    assert detail.rso_id == "WARRANT"
    assert detail.title_label.text() == "WARRANT — Family1, Given"
    flags = detail.flags_text
    assert flags.startswith("Home visit overdue\nNext visit was due 10/07/2017 (medium risk, "
                            "every 6 months): 91 days overdue")
    assert "ARMS assessment due\nNo ARMS assessment completed" in flags
    assert ("Warrant of entry to consider\n2 no-access visits in a row (latest 20/09/2017) since "
            "the last completed visit on 10/01/2017") in flags
    assert detail.flags_title.text() == "Flags (3)"
    assert "No access in a row" in detail.visits_label.text()
    assert column(detail.models["visits"], "outcome") == ["No access", "No access", "Completed"]
    assert detail.record_tabs.tabText(0) == "Home visits (3)"


def test_enter_opens_the_detail_with_the_reactive_criteria_and_allocations(  # noqa: F811
        qtbot, window: MainWindow, review: Features) -> None:  # noqa: F811
    page = review.visits_page
    window.tabs.setCurrentWidget(page)
    activate_by_enter(qtbot, page.visits_view, "LATE")
    detail = detail_of(qtbot, review)
    assert detail.rso_id == "LATE"
    reactive = detail.reactive_text
    assert reactive.startswith("Managed actively; not eligible for reactive management.")
    assert "✗\nRisk level low: risk medium" in reactive
    assert "✗\nLatest ARMS low and current (adult males): no ARMS assessment" in reactive
    assert "✓\nNo civil order in force" in reactive
    allocations = detail.models["allocations"]
    assert column(allocations, "holder") == ["Alice Ashworth", "Bob Birtwistle"]  # newest first
    assert column(allocations, "starts_on") == ["01/03/2015", "01/01/2010"]
    assert column(allocations, "reason") == ["moved to Blackburn", "registered"]


def test_every_rso_list_opens_the_detail(qtbot, window: MainWindow,  # noqa: F811
                                         review: Features) -> None:  # noqa: F811
    lists = [(review.arms_page, review.arms_page.due_view, "LATER"),
             (review.reactive_page, review.reactive_page.reviews_view, "REVIEW"),
             (review.orders_page, review.orders_page.orders_view, "ORDERED")]
    for page, view, rso in lists:
        window.tabs.setCurrentWidget(page)
        activate_by_enter(qtbot, view, rso)
        assert detail_of(qtbot, review).rso_id == rso
    detail = review.record.detail
    assert "Civil order ending soon\nSHPO ends 01/11/2017 (in 23 days)" in detail.flags_text
    # The caseload page's RSO list too (another page: hooked from the review's install).
    caseload = window.caseload_page
    window.tabs.setCurrentWidget(caseload)
    caseload.select_manager("OM2")
    activate_by_enter(qtbot, caseload.rsos_view, "REACT")
    assert detail.rso_id == "REACT"
    assert detail.reactive_text.startswith("Managed reactively; the criteria still hold.")
    assert column(detail.models["decisions"], "reason") == ["settled, ARMS low"]
    # A table of managers is not a list of RSOs: activating it opens nothing else.
    activate_manager = caseload.managers_view
    activate_manager.activated.emit(caseload.managers_model.index(0, 0))
    assert detail.rso_id == "REACT"


def test_record_from_the_detail_and_see_it_refresh(qtbot, window: MainWindow,  # noqa: F811
                                                   review: Features) -> None:  # noqa: F811
    detail = review.record.show_detail("LATE")
    qtbot.waitExposed(detail)
    assert "Home visit overdue" in detail.flags_text
    qtbot.mouseClick(detail.buttons["visit"], Qt.MouseButton.LeftButton)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, RecordVisitDialog)
    assert dialog.rso_id == "LATE"
    dialog.date_edit.setDate(QDate(AS_AT.year, AS_AT.month, AS_AT.day))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert "Home visit overdue" not in detail.flags_text
    assert column(detail.models["visits"], "visited_on")[0] == "09/10/2017"
    window.undo_action.trigger()
    assert "Home visit overdue" in detail.flags_text


def test_the_detail_follows_the_as_at_date(qtbot, window: MainWindow,  # noqa: F811
                                           review: Features) -> None:  # noqa: F811
    detail = review.record.show_detail("ORDERED")
    qtbot.waitExposed(detail)
    window.set_as_at(date(2009, 6, 1))  # before anyone was registered
    assert detail.subtitle_label.text() == "Not on the register as at 01/06/2009"
    assert not detail.buttons["visit"].isEnabled()
    window.set_as_at(AS_AT)
    assert detail.buttons["visit"].isEnabled()
    assert "SHPO (sexual harm prevention order)" in detail.arms_label.text()


@pytest.mark.parametrize("rso", ["WOMAN", "ELIGIBLE"])
def test_eligible_rsos_read_as_good_news(qtbot, window: MainWindow, review: Features,  # noqa: F811
                                         rso: str) -> None:
    detail = review.record.show_detail(rso)
    assert detail.flags_text.startswith("Eligible for reactive management\nMeets every "
                                        "criterion for reactive management: low risk")
    assert "Managed actively; meets every criterion" in detail.reactive_text
