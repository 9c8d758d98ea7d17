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
    # Their team, as rebalance --leaving, or their whole BCU: nothing else.
    assert [view.scope_combo.itemText(i) for i in range(view.scope_combo.count())] == [
        "East BCU", "    Team East 1 (East)"]
    assert view.scope_combo.currentText() == "    Team East 1 (East)"
    assert view.budget_bar.isHidden()
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


def test_at_most_n_moves_proposes_again_and_the_curve_shows(qtbot, window: MainWindow):
    view = rebalancing(window).propose(Scope("East"))
    bar = view.budget_bar
    assert not bar.isHidden() and bar.budget is None and bar.spin.text() == "no limit"
    full = len(view.proposal.moves)
    assert full > 1
    # OM1 holds 26 on 0.5 FTE (52 per FTE): one move brings everyone within 50.
    assert bar.points() == [(0, 52.0), (1, 50.0)]
    assert bar.texts() == [["Moves", "now", "1"], ["Highest per FTE", "52.0", "50.0"]]
    assert bar.chosen() == []
    bar.spin.setValue(1)
    assert view.proposal.max_moves == 1 and len(view.proposal.moves) == 1
    assert view.moves_title.text() == "Moves: 1 of 1 ticked"
    assert view.apply_button.text() == "Apply 1 move(s)"
    assert view.verdict_lines.startswith(
        "✘ Not every flag clears within the budget: the 1 move(s) below are the best relief "
        "it allows.<br>Within 1 move(s): nobody above 50.0 per FTE (now 52.0). With no limit: "
        "50.0")
    assert "Without a limit: East would clear every flag with more moves." in view.verdict_lines
    assert bar.chosen() == ["1"]
    bar.spin.setValue(0)
    assert view.proposal.max_moves is None and len(view.proposal.moves) == full
    assert bar.chosen() == []
    names = bar.curve.visualRect(bar.model.index(0, 0)).center()
    qtbot.mouseClick(bar.curve.viewport(), Qt.MouseButton.LeftButton, pos=names)
    assert bar.spin.value() == 0  # the rows' names are not a budget
    one = bar.curve.visualRect(bar.model.index(1, 2)).center()
    qtbot.mouseClick(bar.curve.viewport(), Qt.MouseButton.LeftButton, pos=one)
    assert bar.spin.value() == 1 and len(view.proposal.moves) == 1  # the curve's "1": one move
    assert bar.chosen() == ["1"]


def test_leaving_spreads_only_their_rsos_over_the_bcu(qtbot, window: MainWindow,
                                                      engine: Engine):
    """OM2 leaves; over East BCU their 50 RSOs go to OM1 (0.5 FTE) and OM3 so that nobody ends
    above 64 per FTE (96 RSOs over 1.5 FTE), their 10 high-risk ones spread too; applied, the
    register shows exactly the proposal's after-figures."""
    rb = rebalancing(window)
    dialog = rb.going(absence=False, manager_id="OM2")
    dialog.accept()
    view = rb.dialog
    assert isinstance(view, ProposalView)
    view.scope_combo.setCurrentIndex(view.scope_combo.findText("East BCU"))
    proposal = view.proposal
    moves = proposal.moves
    assert set(moves["from_manager_id"]) == {"OM2"} and len(moves) == 50
    assert len(view.ticked_moves) == 50
    after = proposal.after.set_index("manager_id")
    staying = after.drop(index="OM2")
    assert staying["per_fte"].max() == proposal.groups["lowest_reachable"].max() == 64.0
    assert not staying["flag_high_risk_share_over_limit"].any()
    assert "Highest caseload 52.0 per FTE now, 64.0 after these moves" in view.verdict_lines
    view.apply_button.click()
    managers = window.figures.managers.set_index("manager_id")
    for manager_id in ("OM1", "OM3"):
        assert managers.at[manager_id, "caseload"] == after.at[manager_id, "caseload"]
        assert managers.at[manager_id, "per_fte"] == after.at[manager_id, "per_fte"]
