"""The Orders page's Notification tab (rule 13): the lists a supervisor reads, in UK dates,
within the page's scope; and the RSO detail panel gives the new flags with their why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from builders import AS_AT, FORCE_MANAGER, Register
from PySide6.QtCore import Qt

from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.pages.notification import ENDING, RELEASES, RENOTIFICATION, REVIEWS

BLANK = dict.fromkeys(("first_notified_on", "last_notified_on", "expected_release_on"))


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A", name="DC Ames")
    r.manager("W", name="DC West", bcu="West", team="West 1")
    r.rso("LATE", manager_id="A", **BLANK | dict(last_notified_on=date(2016, 8, 30)))
    r.rso("SOON", manager_id="A", **BLANK | dict(last_notified_on=date(2016, 10, 20)))
    r.rso("FINE", manager_id="A", **BLANK | dict(last_notified_on=date(2017, 6, 1)))
    r.rso("WEST_LATE", manager_id="W", bcu="West",
          **BLANK | dict(last_notified_on=date(2016, 1, 1)))
    r.rso("REVIEW", manager_id="A", notification_indefinite=True,
          **BLANK | dict(first_notified_on=date(2002, 11, 1), last_notified_on=date(2017, 6, 1)))
    r.rso("ENDS", manager_id="A", notification_ends=AS_AT + timedelta(days=30),
          **BLANK | dict(last_notified_on=date(2017, 6, 1)))
    r.rso("OUT_SOON", manager_id="A", status="custody", risk_level=None,
          **BLANK | dict(expected_release_on=AS_AT + timedelta(days=20)))
    r.rso("OUT_LATER", manager_id="A", status="custody", risk_level=None,
          **BLANK | dict(expected_release_on=AS_AT + timedelta(days=400)))
    return r.write(tmp_path / "n.sqlite3")


@pytest.fixture
def tab(qtbot, settings, engine):
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    page = window.features.orders_page
    window.tabs.setCurrentWidget(page)
    window.show()
    qtbot.waitExposed(window)
    page.ensure_current()
    page.tabs.setCurrentWidget(page.notification)
    return window, page, page.notification


def cell(model, row: int, key: str, role=Qt.ItemDataRole.DisplayRole):
    column = [c.key for c in model.columns].index(key)
    return model.data(model.index(row, column), role)


def test_the_lists_and_their_counts(tab):
    window, page, notification = tab
    assert notification.cards["overdue"].value_text == "2"
    assert notification.cards["due_soon"].value_text == "1"
    assert [notification.cards[k].value_text for k in ("reviews", "ending", "releases")] == [
        "1", "1", "1"]
    model = notification.model
    assert model.frame["rso_id"].tolist() == ["WEST_LATE", "LATE", "SOON"]  # soonest first
    assert cell(model, 1, "due_on") == "30/08/2017"
    assert cell(model, 1, "days") == "-40"
    assert "overdue by 40 days" in cell(model, 1, "due_on", Qt.ItemDataRole.ToolTipRole)
    assert "Re-notification due 30/08/2017 (last notified 30/08/2016" in cell(model, 1, "what")
    assert notification.title_label.text() == (
        "3 re-notifications overdue or due soon, soonest first")
    notification.set_showing(REVIEWS)
    assert model.frame["rso_id"].tolist() == ["REVIEW"]
    assert cell(model, 0, "due_on") == "01/11/2017"
    notification.set_showing(ENDING)
    assert model.frame["rso_id"].tolist() == ["ENDS"]
    notification.set_showing(RELEASES)
    assert model.frame["rso_id"].tolist() == ["OUT_SOON"]
    assert cell(model, 0, "what") == "Expected release 29/10/2017: in 20 days"


def test_the_page_scope_applies_and_the_order_filters_hide(tab):
    window, page, notification = tab
    assert not page.type_combo.isVisible()
    page.scope.set_scope(bcu="West")
    page.ensure_current()
    notification.set_showing(RENOTIFICATION)
    assert notification.model.frame["rso_id"].tolist() == ["WEST_LATE"]
    assert notification.cards["overdue"].value_text == "1"
    page.tabs.setCurrentIndex(0)
    assert page.type_combo.isVisible()


def test_the_detail_panel_gives_the_flags_and_why(tab):
    window, _page, _notification = tab
    detail = window.features.record.show_detail("REVIEW")
    assert "Review of indefinite notification due" in detail.flags_text
    assert "15 years after first notification on 01/11/2002" in detail.flags_text
    assert "first 01/11/2002, last 01/06/2017" in detail.identity_label.text()
    detail = window.features.record.show_detail("OUT_SOON")
    assert "29/10/2017" in detail.identity_label.text()


def test_f1_on_the_notification_tab_explains_its_lists(qtbot, engine, tab):
    """F1 on the Orders page says what each list of the Notification tab holds, by the names
    the tab's list offers, with the windows of the policy in force, and how to record a
    review decision."""
    from builders import as_user

    from ncpi_desktop.storage.operations.policy import set_policy_values

    window, _page, notification = tab
    set_policy_values(engine, {"due_soon_days": 21, "notification_review_window_days": 60},
                      as_user("test"))
    window.reload()
    qtbot.waitUntil(lambda: window.policy.notification_review_window_days == 60)
    notification.view.setFocus()
    qtbot.keyClick(notification.view, Qt.Key.Key_F1)
    dialog = window.page_keys.dialog
    assert dialog is not None and dialog.windowTitle() == "Help: Orders"
    text = dialog.text
    assert "The Notification tab lists" in text
    for index in range(notification.show_combo.count()):
        assert notification.show_combo.itemText(index) in text
    assert "due soon within 21 days" in text and "within 60 days" in text
    assert f"{notification.decide_button.text()} (Record › Notification review decision, " \
           "Ctrl+Shift+N)" in text


def test_the_rule_under_the_list_gives_the_policys_years(qtbot, engine, tab):
    """The sentence under the list states rule 13 with the values in force, so a changed
    policy shows at once (not the defaults written into the page)."""
    from builders import as_user

    from ncpi_desktop.storage.operations.policy import set_policy_values

    window, _page, notification = tab
    assert "reviewed 15 years after the first (8 if under 18 then)" in \
        notification.rule_label.text()
    set_policy_values(engine, {"notification_review_years": 12,
                               "notification_review_years_under_18": 6,
                               "renotification_interval_months": 6}, as_user("test"))
    window.reload()
    qtbot.waitUntil(lambda: window.policy.notification_review_years == 12)
    text = notification.rule_label.text()
    assert "due 6 months after the last notification" in text
    assert "reviewed 12 years after the first (6 if under 18 then)" in text
