"""Trigger events from the window: Record › Event starts a clock that the Visits page's Clocks
list shows (most overdue first, with who holds the RSO), the RSO's detail shows it, a visit on
or after the event stops it, and Ctrl+Z takes the event back."""

from __future__ import annotations

from datetime import date, timedelta

from builders import AS_AT
from PySide6.QtCore import Qt
from sqlalchemy import text
from test_record_dialogs import (  # noqa: F401 - the fixtures
    FORCE_MANAGER,
    open_dialog,
    refusals,
    review,
    review_engine,
    select_rso,
    set_date,
    window,
)
from test_review_pages import column, review_file  # noqa: F401 - the session fixture

from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.ui.dialogs.record import RecordEventDialog, RecordReferralDialog


def test_recording_an_event_shows_its_clocks_and_undo_takes_them_back(
        qtbot, window, review) -> None:  # noqa: F811
    page = review.visits_page
    select_rso(window, page, page.visits_view, "LATE")
    assert page.list_tabs.tabText(1) == "Clocks (0)"

    dialog = open_dialog(qtbot, review, "event")
    assert isinstance(dialog, RecordEventDialog) and dialog.rso_id == "LATE"
    dialog.type_combo.setCurrentIndex(dialog.type_combo.findData("disclosure_enquiry"))
    dialog.child_check.setChecked(True)
    assert "reassessment home visit within 7 days" in dialog.hint_label.text()
    assert "referral to children's social care within 1 day " in dialog.hint_label.text()
    set_date(dialog.date_edit, AS_AT - timedelta(days=10))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    page.list_tabs.setCurrentIndex(1)
    assert page.list_tabs.tabText(1) == "Clocks (2)"
    model = page.clocks_model
    assert column(model, "rso_id") == ["LATE", "LATE"]
    assert column(model, "clock_name") == ["Referral", "Home visit"]  # 9 days over, then 3
    assert column(model, "days_overdue") == ["9", "3"]
    assert column(model, "event") == ["Child sex offender disclosure scheme enquiry"] * 2
    assert column(model, "team")[0] and column(model, "manager_label")[0]
    assert page.clocks_title.text() == "2 open clocks · 2 overdue, most overdue first"

    detail = review.record.show_detail("LATE")
    index = list(detail.models).index("clocks")
    assert detail.record_tabs.tabText(index) == "Clocks (2)"
    assert "Visit after a trigger event overdue" in detail.flags_text

    window.undo_action.trigger()
    assert page.list_tabs.tabText(1) == "Clocks (0)"
    assert column(page.clocks_model, "rso_id") == []
    window.redo_action.trigger()
    assert page.list_tabs.tabText(1) == "Clocks (2)"
    detail.close()


def test_a_referral_stops_the_referral_clock(qtbot, window, review) -> None:  # noqa: F811
    page = review.visits_page
    select_rso(window, page, page.visits_view, "LATE")
    dialog = open_dialog(qtbot, review, "event")
    dialog.child_check.setChecked(True)
    set_date(dialog.date_edit, AS_AT - timedelta(days=2))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    select_rso(window, page, page.visits_view, "LATE")
    dialog = open_dialog(qtbot, review, "referral")
    assert isinstance(dialog, RecordReferralDialog)
    assert dialog.to_edit.text() == "children's social care"
    set_date(dialog.date_edit, AS_AT - timedelta(days=2))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert column(page.clocks_model, "clock_name") == ["Home visit"]
    assert column(page.clocks_model, "days_left") == ["5"]
    assert date.today() >= AS_AT


def test_an_event_is_refused_when_the_rso_changed_since_the_window_read_it(
        qtbot, window, review, review_engine, refusals) -> None:  # noqa: F811
    """Another user moves the RSO after the window read it: recording an event is refused,
    nothing is written, and the user is told who moved it."""
    page = review.visits_page
    select_rso(window, page, page.visits_view, "LATE")
    dialog = open_dialog(qtbot, review, "event")
    with review_engine.connect() as c:
        holder = c.execute(text("SELECT manager_id FROM rso WHERE rso_id = 'LATE'")).scalar()
        other = c.execute(text("SELECT manager_id FROM manager WHERE manager_id != :h "
                               "ORDER BY 1 LIMIT 1"), {"h": holder}).scalar()
        events = c.execute(text("SELECT count(*) FROM event")).scalar()
    reassign(review_engine, ["LATE"], other, "their move", FORCE_MANAGER, on=AS_AT)
    set_date(dialog.date_edit, AS_AT - timedelta(days=10))
    qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    said = " ".join([*refusals, dialog.error_label.text()])
    assert f"LATE is now held by {other}" in said, said
    with review_engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM event")).scalar() == events
