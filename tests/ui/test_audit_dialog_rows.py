"""The dialogs that list RSOs by name write the audit's consultation rows as the pages do
(SECURITY.md, "The audit log"): opening one leaves one row naming the RSOs it shows with a name,
once per change of what it shows; a user who may not see the names (an analyst) leaves none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from builders import AS_AT, FORCE_MANAGER, as_user
from conftest import rebalancing
from PySide6.QtWidgets import QDialog, QTableView
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.domain.security import Role, User
from ncpi_desktop.domain.security import Scope as UserScope
from ncpi_desktop.storage import audit
from ncpi_desktop.storage.operations import manager_absent, reassign
from ncpi_desktop.ui.dialogs.absence import HandBackDialog
from ncpi_desktop.ui.dialogs.allocation_history import HistoryDialog
from ncpi_desktop.ui.dialogs.proposal import Going, Mode, ProposalView, Scope
from ncpi_desktop.ui.dialogs.reassign import ReassignDialog
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.models.table_model import DataFrameTableModel

ANALYST = as_user("analyst", Role.ANALYST)
#: The day OM1 is back from the absence ``hand_back_window`` records.
BACK = date(2017, 11, 6)


def open_as(qtbot, settings, engine: Engine, user: User, as_at: date = AS_AT) -> MainWindow:
    window = MainWindow(user=user, settings=settings, as_at=as_at)
    qtbot.addWidget(window)
    window.set_database(engine)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    settle(window)
    return window


def settle(window: MainWindow) -> None:
    """Record the lists on screen now (rather than after ``SETTLE_MS``) and write the queue."""
    window.features.consultations.record_shown()
    assert window.context.audit_writer.flush(30)


def listed(window: MainWindow, engine: Engine, name: str) -> list[dict]:
    """The consultation rows of the list called ``name``."""
    assert window.context.audit_writer.flush(30)
    return [r for r in audit.entries(engine, kind="consultation")
            if r["detail"]["list"] == name]


def shown_ids(view: QTableView) -> list[str]:
    model = view.model()
    assert isinstance(model, DataFrameTableModel)
    return sorted(set(model.frame["rso_id"].astype(str)))


def held_by(figures: Figures, manager_id: str) -> list[str]:
    rsos = figures.rsos
    return sorted(rsos.loc[rsos["manager_id"] == manager_id, "rso_id"])


def reassigning(window: MainWindow, _engine: Engine) -> tuple[QDialog, QTableView]:
    dialog = ReassignDialog(window.figures, held_by(window.figures, "OM1")[:3], on=AS_AT,
                            parent=window)
    return dialog, dialog.moving_view


def proposal(scope: Scope | None = None, going: Going | None = None
             ) -> Callable[[MainWindow, Engine], tuple[QDialog, QTableView]]:
    def make(window: MainWindow, _engine: Engine) -> tuple[QDialog, QTableView]:
        view = ProposalView(window.figures, on=AS_AT, apply=window.apply, scope=scope,
                            going=going, parent=window)
        return view, view.moves_view
    return make


def manager_history(window: MainWindow, engine: Engine) -> tuple[QDialog, QTableView]:
    dialog = HistoryDialog(engine, user=window.user, figures=window.figures, manager_id="OM1",
                           parent=window)  # the three RSOs ``moved`` gave OM1
    return dialog, dialog.view


#: Each dialog listing named RSOs: how to open it, and what the audit calls its list.
DIALOGS = {
    "reassign": (reassigning, "Reassign RSOs: RSOs moving"),
    "proposal": (proposal(Scope("East")), "Rebalancing proposal: Moves"),
    "leaving": (proposal(going=Going("OM1")), "Manager leaving: Moves"),
    "absent": (proposal(going=Going("OM1", BACK, "sick leave")), "Manager absent: Moves"),
    "history": (manager_history, "Allocation history"),
}


@pytest.fixture
def moved(engine: Engine, figures: Figures) -> Engine:
    """The test register with allocations to show: three of OM2's RSOs moved to OM1 and one of
    OM4's to OM3."""
    reassign(engine, [RsoId(r) for r in held_by(figures, "OM2")[:3]], ManagerId("OM1"), "cover",
             FORCE_MANAGER, on=AS_AT)
    reassign(engine, [RsoId(held_by(figures, "OM4")[0])], ManagerId("OM3"), "cover",
             FORCE_MANAGER, on=AS_AT)
    return engine


@pytest.mark.parametrize("kind", list(DIALOGS))
@pytest.mark.parametrize("user", [FORCE_MANAGER, ANALYST], ids=["manager", "analyst"])
def test_opening_a_dialog_is_one_consultation_naming_the_rsos_it_names(
        qtbot, settings, moved, kind: str, user: User) -> None:
    engine = moved
    window = open_as(qtbot, settings, engine, user)
    opener, name = DIALOGS[kind]
    dialog, view = opener(window, engine)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    ids = shown_ids(view)
    assert len(ids) >= 3  # a list of RSOs is on screen, whoever looks
    if user is ANALYST:  # by id alone: no name was consulted
        settle(window)
        assert listed(window, engine, name) == []
        return
    # Written by the dialog coming on screen, after SETTLE_MS: nothing calls the recorder.
    qtbot.waitUntil(lambda: len(listed(window, engine, name)) == 1, timeout=5000)
    row = listed(window, engine, name)[0]
    assert (row["action"], row["rso_ids"], row["actor"]) == ("list shown", ids, "force.manager")
    assert row["detail"]["rows"] == len(ids)

    model = view.model()
    assert isinstance(model, DataFrameTableModel)
    model.set_frame(model.frame.copy())  # painted again, the same RSOs
    view.sortByColumn(0, view.horizontalHeader().sortIndicatorOrder())
    settle(window)
    assert len(listed(window, engine, name)) == 1


def test_ticking_moves_writes_nothing_and_another_scope_is_another_row(
        qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, FORCE_MANAGER)
    view = rebalancing(window).propose(Scope("East"))
    assert isinstance(view, ProposalView) and view.mode == Mode.BALANCE
    qtbot.waitExposed(view)
    settle(window)
    name = "Rebalancing proposal: Moves"
    assert [r["rso_ids"] for r in listed(window, engine, name)] == [shown_ids(view.moves_view)]
    view.tick_none.click()
    view.tick_all.click()
    settle(window)
    assert len(listed(window, engine, name)) == 1
    east = shown_ids(view.moves_view)
    view.scope_combo.setCurrentIndex(view._scopes.index(Scope("East", "East 1")))
    settle(window)
    now = shown_ids(view.moves_view)
    assert now != east
    assert [r["rso_ids"] for r in listed(window, engine, name)] == [east, now]


def test_the_leaving_dialog_names_nobody_and_its_proposal_names_their_rsos(
        qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, FORCE_MANAGER)
    rb = rebalancing(window)
    before = len(audit.entries(engine, kind="consultation"))
    going = rb.going(absence=False, manager_id="OM3")
    assert going is not None
    qtbot.waitExposed(going)
    settle(window)
    assert len(audit.entries(engine, kind="consultation")) == before  # a manager, no RSO
    going.accept()
    view = rb.dialog
    assert isinstance(view, ProposalView) and view.mode == Mode.LEAVING
    qtbot.waitExposed(view)
    settle(window)
    rows = listed(window, engine, "Manager leaving: Moves")
    assert [r["rso_ids"] for r in rows] == [shown_ids(view.moves_view)]
    assert set(rows[0]["rso_ids"]) <= set(held_by(window.figures, "OM3"))


def test_an_rsos_allocation_history_names_that_rso_when_its_name_is_shown(
        qtbot, settings, moved, figures) -> None:
    engine = moved
    om1 = as_user("om1", Role.OFFENDER_MANAGER, manager_id="OM1",
                  scope=UserScope.parse("caseload:OM1"))
    window = open_as(qtbot, settings, engine, om1)
    rb = rebalancing(window)
    own, other = held_by(figures, "OM2")[0], held_by(figures, "OM4")[0]  # OM1's, OM3's now
    for rso in (own, other):
        dialog = rb.history(rso_id=rso)
        assert dialog is not None
        qtbot.waitExposed(dialog)
        settle(window)
        dialog.close()
    rows = listed(window, engine, "Allocation history")
    assert [r["rso_ids"] for r in rows] == [[own]]  # OM4's RSO was shown by id alone


@pytest.fixture
def away_engine(engine: Engine, figures: Figures) -> Engine:
    """The test register with OM1 away from AS_AT until BACK, their RSOs covered by OM2."""
    moves = [(RsoId(r), ManagerId("OM2")) for r in held_by(figures, "OM1")]
    manager_absent(engine, ManagerId("OM1"), BACK, moves, FORCE_MANAGER, on=AS_AT)
    return engine


@pytest.mark.parametrize("user", [FORCE_MANAGER, ANALYST], ids=["manager", "analyst"])
def test_the_hand_back_list_is_a_consultation_of_the_names_it_shows(
        qtbot, settings, away_engine, figures, user: User) -> None:
    engine = away_engine
    window = open_as(qtbot, settings, engine, user, as_at=BACK)
    dialog = HandBackDialog(engine, window.figures, on=BACK, apply=window.apply, user=user,
                            parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    settle(window)
    assert shown_ids(dialog.view) == held_by(figures, "OM1")
    rows = listed(window, engine, "Hand back RSOs: RSOs to hand back")
    assert [r["rso_ids"] for r in rows] == ([] if user is ANALYST else
                                            [held_by(figures, "OM1")])
    dialog.model.set_frame(dialog.model.frame.copy())
    settle(window)
    assert len(listed(window, engine, "Hand back RSOs: RSOs to hand back")) == len(rows)


def test_another_user_shown_the_same_list_is_a_consultation_of_theirs(
        qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, FORCE_MANAGER)
    page = window.caseload_page
    page.select_manager("OM1")
    settle(window)
    first = audit.entries(engine, kind="consultation")
    window.set_user(as_user("manager.two"))
    page.select_manager("OM1")
    settle(window)
    again = [r for r in audit.entries(engine, kind="consultation")[len(first):]
             if r["rso_ids"] == held_by(window.figures, "OM1")]
    assert [r["actor"] for r in again] == ["manager.two"]
