"""A manager absent until a date: who and until when, cover through the proposal view, and on
the return date the reminder and the hand back in one undoable step."""

from __future__ import annotations

from datetime import date

from builders import AS_AT
from conftest import rebalancing, state
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.ui.dialogs.absence import GoingDialog, HandBackDialog
from ncpi_desktop.ui.dialogs.proposal import Mode, ProposalView
from ncpi_desktop.ui.main_window import MainWindow


def test_the_going_dialog_needs_a_manager_and_a_later_date(qtbot, figures):
    dialog = GoingDialog(figures, on=AS_AT, absence=True)
    qtbot.addWidget(dialog)
    assert dialog.manager_id is None and not dialog.next_button.isEnabled()
    dialog.manager.setCurrentIndex(dialog.manager.findData("OM3"))
    assert dialog.manager_id == "OM3" and dialog.next_button.isEnabled()
    assert dialog.until.minimumDate().toPython() == date(2017, 10, 10)
    leaving = GoingDialog(figures, on=AS_AT, absence=False, manager_id="OM2")
    qtbot.addWidget(leaving)
    assert leaving.windowTitle() == "Manager leaving" and leaving.manager_id == "OM2"


def test_hand_back_dialog_says_when_nothing_is_due(qtbot, window: MainWindow, engine: Engine):
    dialog = HandBackDialog(engine, window.figures, on=AS_AT, apply=window.apply,
                            user=window.user)
    qtbot.addWidget(dialog)
    assert dialog.absence_id is None and not dialog.hand_button.isEnabled()
    assert dialog.explain.text() == ("No absence has ended by 09/10/2017 with RSOs still on "
                                     "cover.")


def test_absence_goes_to_cover_and_is_handed_back_on_return(qtbot, window: MainWindow,
                                                            engine: Engine):
    rb = rebalancing(window)
    dialog = rb.going(absence=True, manager_id="OM1")
    back = date(2017, 11, 6)
    assert dialog.back_on == back  # four weeks by default
    dialog.note.setText("sick leave")
    dialog.accept()
    view = rb.dialog
    assert isinstance(view, ProposalView) and view.mode == Mode.ABSENT
    assert view.title.text() == "Manager absent until 06/11/2017: Alice Ashworth (East 1, East)"
    assert not view.reason_picker.isEnabled() and view.reason_picker.reason == "manager absent"
    view.apply_button.click()
    managers = window.figures.managers.set_index("manager_id")
    assert managers.loc["OM1", "caseload"] == 0
    assert rb.hand_back_button.isHidden() and not rb.hand_back_action.isEnabled()
    with engine.connect() as c:
        assert c.execute(text("SELECT reason FROM manager_absence")).scalar() == "sick leave"

    window.set_as_at(back)
    assert not rb.hand_back_button.isHidden() and rb.hand_back_action.isEnabled()
    assert rb.hand_back_button.text() == "1 manager(s) back from absence: hand back 28 RSO(s)…"
    hand = rb.hand_back()
    assert isinstance(hand, HandBackDialog)
    assert hand.model.rowCount() == 28
    assert hand.hand_button.text() == "Hand back 28 RSO(s) to Alice Ashworth"
    before = state(engine)
    hand.hand_button.click()
    assert window.figures.managers.set_index("manager_id").loc["OM1", "caseload"] == 26
    assert rb.hand_back_button.isHidden()
    window.undo_action.trigger()
    assert state(engine) == before and not rb.hand_back_button.isHidden()
