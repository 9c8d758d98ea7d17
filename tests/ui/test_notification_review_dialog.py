"""Record › Notification review decision (rule 13; ss.91A-91F), from the Record menu and from the
Orders page's Notification tab: a continue moves the RSO's next review 8 years on, a discharge
ends the notification; either leaves the reviews-due list, the tab says where the RSO stands, and
undo takes it back. Refused, with the reason, for users who may not and over a change made
elsewhere."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from builders import AS_AT, FORCE_MANAGER, Register, as_user
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from ncpi_desktop.domain.security import Role, Scope
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.ui.dialogs.record import RecordNotificationReviewDialog
from ncpi_desktop.ui.dialogs.record.notification_review import default_day
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.pages.notification import ENDING, REVIEWS

BLANK = dict.fromkeys(("first_notified_on", "last_notified_on", "expected_release_on"))
KIND = "notification_review"


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A", name="DC Ames")
    r.manager("B", name="DC Bell")
    r.manager("W", name="DC West", bcu="West", team="West 1")
    r.rso("REVIEW", manager_id="A", notification_indefinite=True,
          **BLANK | dict(first_notified_on=date(2002, 11, 1), last_notified_on=date(2017, 6, 1)))
    r.rso("WEST_REVIEW", manager_id="W", bcu="West", notification_indefinite=True,
          **BLANK | dict(first_notified_on=date(2002, 12, 1), last_notified_on=date(2017, 6, 1)))
    r.rso("ENDS", manager_id="A", notification_ends=AS_AT + timedelta(days=30),
          **BLANK | dict(last_notified_on=date(2017, 6, 1)))
    engine = r.write(tmp_path / "n.sqlite3")
    yield engine
    engine.dispose()


def open_window(qtbot, settings, engine, user=FORCE_MANAGER):
    window = MainWindow(user=user, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    page = window.features.orders_page
    window.tabs.setCurrentWidget(page)
    window.show()
    qtbot.waitExposed(window)
    page.ensure_current()
    page.tabs.setCurrentWidget(page.notification)
    page.notification.set_showing(REVIEWS)
    return window, page, page.notification


@pytest.fixture
def tab(qtbot, settings, engine):
    return open_window(qtbot, settings, engine)


def listed(notification) -> list[str]:
    return notification.model.frame["rso_id"].tolist()


def select(notification, rso_id: str) -> None:
    notification.view.selectRow(listed(notification).index(rso_id))


def open_dialog(window) -> RecordNotificationReviewDialog:
    QApplication.processEvents()
    shown = [d for d in window.findChildren(RecordNotificationReviewDialog) if d.isVisible()]
    assert len(shown) == 1
    return shown[0]


def decisions(engine) -> list[tuple[str, str]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(
            "SELECT rso_id, outcome FROM notification_review ORDER BY id"))]


def test_continue_from_the_tab_moves_the_review_8_years_on_and_undo_takes_it_back(tab, engine):
    window, page, notification = tab
    assert listed(notification) == ["REVIEW", "WEST_REVIEW"]  # soonest review first
    assert notification.decide_button.isVisible() and notification.decide_button.isEnabled()
    select(notification, "REVIEW")
    notification.decide_button.click()
    dialog = open_dialog(window)
    assert dialog.rso_id == "REVIEW" and dialog.rso_edit.isReadOnly()
    assert dialog.date_edit.text() == "09/10/2017"  # the as-at date, in UK form
    assert "review due 01/11/2017" in dialog.hint_label.text()
    dialog.accept()
    assert dialog.error_text == "Choose the outcome: continue the notification or discharge it."
    dialog.set_outcome("continue")
    assert "next review falls due 8 years on, 09/10/2025" in dialog.hint_label.text()
    dialog.accept()
    assert dialog.error_text == "Give the reason for the decision: it is recorded with it."
    assert decisions(engine) == [] and dialog.isVisible()
    dialog.reason_edit.setPlainText("Risk reduced but not enough to discharge")
    dialog.accept()
    assert dialog.error_text == "" and not dialog.isVisible()
    assert decisions(engine) == [("REVIEW", "continue")]
    page.ensure_current()
    assert listed(notification) == ["WEST_REVIEW"]
    assert notification.cards["reviews"].value_text == "1"
    assert notification.decision_label.isVisible()
    assert notification.decision_label.text() == (
        "REVIEW: indefinite notification continued on 09/10/2017; next review due 09/10/2025.")

    window.undo_action.trigger()
    page.ensure_current()
    assert decisions(engine) == []
    assert "REVIEW" in listed(notification)
    assert notification.cards["reviews"].value_text == "2"
    assert notification.decision_label.text() == (
        "REVIEW: no decision on a review of indefinite notification recorded; review due "
        "01/11/2017.")
    window.redo_action.trigger()
    page.ensure_current()
    assert listed(notification) == ["WEST_REVIEW"]
    notification.set_showing(ENDING)  # the button is for the reviews due only
    assert not notification.decide_button.isVisible()


def test_discharge_from_the_record_menu_ends_the_notification(tab, engine):
    window, page, notification = tab
    select(notification, "WEST_REVIEW")
    notification.view.setFocus()
    action = window.features.record.actions[KIND]
    assert action.isEnabled() and action.shortcut().toString() == "Ctrl+Shift+N"
    action.trigger()
    dialog = open_dialog(window)
    assert dialog.rso_id == "WEST_REVIEW"
    dialog.set_outcome("discharge")
    assert "the notification ends on 09/10/2017" in dialog.hint_label.text()
    dialog.reason_edit.setPlainText("No longer poses a risk of sexual harm")
    dialog.accept()
    assert dialog.error_text == ""
    page.ensure_current()
    assert "WEST_REVIEW" not in listed(notification)
    assert notification.decision_label.text().startswith(
        "WEST_REVIEW: indefinite notification discharged on 09/10/2017: it has ended")
    window.undo_action.trigger()
    page.ensure_current()
    assert "WEST_REVIEW" in listed(notification) and decisions(engine) == []


def test_a_notification_that_is_not_indefinite_is_refused_in_the_dialog(tab, engine):
    window, _page, _notification = tab
    dialog = window.features.record.record(KIND, "ENDS")
    assert "not indefinite" in dialog.hint_label.text()
    dialog.set_outcome("continue")
    dialog.reason_edit.setPlainText("x")
    dialog.accept()
    assert "ENDS's notification is not indefinite" in dialog.error_text and dialog.isVisible()
    assert decisions(engine) == [] and window.undo_stack.count() == 0


def test_an_offender_manager_is_not_offered_it_and_is_told_why(qtbot, settings, engine):
    officer = as_user("dc.ames", Role.OFFENDER_MANAGER, manager_id="A")
    window, _page, notification = open_window(qtbot, settings, engine, user=officer)
    action = window.features.record.actions[KIND]
    assert not action.isEnabled()
    assert "may not record a notification review decision" in action.toolTip()
    button = notification.decide_button
    assert not button.isEnabled()
    assert "may not record a notification review decision" in button.toolTip()


def test_a_supervisor_out_of_scope_is_refused_in_the_dialog(qtbot, settings, engine):
    supervisor = as_user("sup.west", Role.SUPERVISOR, scope=Scope.parse("bcu:West"))
    window, _page, notification = open_window(qtbot, settings, engine, user=supervisor)
    assert notification.decide_button.isEnabled()  # West's RSOs are theirs
    dialog = window.features.record.record(KIND, "REVIEW")
    dialog.set_outcome("continue")
    dialog.reason_edit.setPlainText("x")
    dialog.accept()
    assert "may not record a notification review decision" in dialog.error_text
    assert dialog.isVisible() and decisions(engine) == []


def test_a_decision_on_an_rso_changed_elsewhere_is_refused_and_the_figures_read_again(
        tab, engine):
    window, page, notification = tab
    dialog = window.features.record.record(KIND, "REVIEW")
    dialog.set_outcome("continue")
    dialog.reason_edit.setPlainText("Still a risk")
    other = make_engine(engine.url.database)  # meanwhile, someone moves the RSO
    try:
        reassign(other, ["REVIEW"], "B", "their move", as_user("supervisor.east"), on=AS_AT)
    finally:
        other.dispose()
    dialog.accept()
    assert dialog.error_text.startswith("REVIEW is now held by B (moved by supervisor.east")
    assert dialog.isVisible() and decisions(engine) == []
    assert window.undo_stack.count() == 0


def test_the_date_starts_at_the_as_at_date_unless_that_is_in_the_future():
    today = date(2026, 12, 6)
    assert default_day(date(2017, 10, 9), today) == date(2017, 10, 9)
    assert default_day(today, today) == today
    assert default_day(date(2027, 1, 1), today) == today
