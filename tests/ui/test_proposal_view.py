"""The proposal view: the moves with tick boxes, the managers before and after the ticked moves,
the verdict, and applying only the ticked moves as one undoable step."""

from __future__ import annotations

from conftest import rebalancing, state
from PySide6.QtCore import Qt
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.ui.dialogs.proposal import CHECK, Mode, ProposalView, Scope, scopes
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.models.table_model import DISPLAY, FLAGGED


def holders(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as c:
        return dict(c.execute(text("SELECT rso_id, manager_id FROM rso")).all())


def cell(model, row: int, key: str, role: int = DISPLAY):  # noqa: ANN201
    return model.data(model.index(row, model.column_of(key)), role)


def preview_row(view: ProposalView, manager_id: str) -> int:
    row = view.managers_model.row_of("manager_id", manager_id)
    assert row is not None
    return row


def test_scopes_list_the_force_each_bcu_and_its_teams(figures):
    assert [s.label for s in scopes(figures)] == [
        "Force: every BCU on its own", "East BCU", "Team East 1 (East)", "Team East 2 (East)",
        "West BCU", "Team West 1 (West)"]


def test_applies_only_the_ticked_moves_as_one_undoable_step(qtbot, window: MainWindow,
                                                           engine: Engine):
    view = rebalancing(window).propose(Scope("East"))
    assert isinstance(view, ProposalView) and view.mode == Mode.BALANCE
    assert view.title.text() == "Rebalancing proposal: East BCU"
    assert view.verdict_lines.startswith("✔ ")
    model = view.moves_model
    moves = view.proposal.moves
    assert model.rowCount() == len(moves) > 1
    assert all(cell(model, r, "rso_id", CHECK) == Qt.CheckState.Checked
               for r in range(model.rowCount()))
    assert view.apply_button.text() == f"Apply {len(moves)} move(s)"
    om1 = preview_row(view, "OM1")
    assert cell(view.managers_model, om1, "per_fte_before") == "52.0"
    assert cell(view.managers_model, om1, "per_fte", FLAGGED) is False

    skipped = str(model.frame["rso_id"].iat[0])
    assert model.setData(model.index(0, 0), Qt.CheckState.Unchecked.value, CHECK)
    assert view.apply_button.text() == f"Apply {len(moves) - 1} move(s)"
    assert view.moves_title.text() == f"Moves: {len(moves) - 1} of {len(moves)} ticked"
    ticked = dict(view.ticked_moves)
    assert skipped not in ticked and len(ticked) == len(moves) - 1

    before, held = state(engine), holders(engine)
    qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    after = holders(engine)
    assert {r: after[r] for r in ticked} == ticked
    assert after[skipped] == held[skipped]
    assert {r for r in after if after[r] != held[r]} == set(ticked)
    assert window.undo_stack.count() == 1
    with engine.connect() as c:
        reasons = set(c.execute(text("SELECT reason FROM allocation WHERE ends_on IS NULL"))
                      .scalars())
    assert reasons == {"caseload adjustment"}
    window.undo_action.trigger()
    assert state(engine) == before


def test_untick_all_disables_apply_and_tick_all_restores(qtbot, qtmodeltester,
                                                         window: MainWindow):
    view = rebalancing(window).propose(Scope("East"))
    qtmodeltester.check(view.moves_model)
    qtmodeltester.check(view.managers_model)
    view.tick_none.click()
    assert not view.apply_button.isEnabled() and view.ticked_moves == []
    om1 = preview_row(view, "OM1")
    assert cell(view.managers_model, om1, "per_fte") == "52.0"
    view.tick_all.click()
    assert view.apply_button.isEnabled()
    assert len(view.ticked_moves) == len(view.proposal.moves)


def test_changing_the_scope_proposes_again(qtbot, window: MainWindow):
    view = rebalancing(window).propose(Scope("East"))
    view.scope_combo.setCurrentIndex(view.scope_combo.findText("    Team West 1 (West)"))
    assert view.title.text() == "Rebalancing proposal: Team West 1 (West)"
    assert set(view.proposal.moves["group"]) <= {"West 1"}


def test_manager_leaving_moves_every_rso_and_undo_brings_them_back(qtbot, window: MainWindow,
                                                                  engine: Engine):
    rb = rebalancing(window)
    dialog = rb.going(absence=False, manager_id="OM2")
    assert dialog.manager_id == "OM2" and dialog.next_button.isEnabled()
    before = state(engine)
    dialog.accept()
    view = rb.dialog
    assert isinstance(view, ProposalView) and view.mode == Mode.LEAVING
    assert view.title.text() == "Manager leaving: Bob Birtwistle (East 1, East)"
    assert not view.scope_combo.isEnabled()
    assert view.reason_picker.reason == "manager left"
    assert "Bob Birtwistle holds 50 RSO(s)" in view.note.text()
    assert "no longer active" in view.note.text()
    mine = [r for r, _ in view.ticked_moves]
    assert len(mine) == int((view.proposal.moves["from_manager_id"] == "OM2").sum())

    view.apply_button.click()
    assert "OM2" not in set(window.figures.managers["manager_id"])
    assert "OM2" not in set(holders(engine).values())
    assert window.undo_action.text().startswith("&Undo Bob Birtwistle leaves: 50 RSO(s)")
    window.undo_action.trigger()
    assert state(engine) == before
    assert "OM2" in set(window.figures.managers["manager_id"])
    window.redo_action.trigger()
    assert "OM2" not in set(holders(engine).values())
