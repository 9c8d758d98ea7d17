"""Reassigning RSOs in the window: Ctrl+R on a multi-selection, the before/after preview, the
required reason, drag and drop onto a manager, pooled RSOs, undo, and the allocation history."""

from __future__ import annotations

import shutil
import warnings
from datetime import date
from pathlib import Path

import pandas as pd
from builders import AS_AT, FORCE_MANAGER, as_user
from conftest import rebalancing, state
from PySide6.QtCore import QItemSelectionModel, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.ui.dialogs.reassign import (
    ReassignDialog,
    manager_choices,
    preview_moves,
    reason_text,
)
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.rso_lists import (
    RSO_MIME,
    mime_rsos,
    rso_mime,
    selected_rsos,
)
from ncpi_desktop.ui.models.table_model import DISPLAY, FLAGGED


def held(figures: Figures, manager_id: str) -> list[str]:
    rsos = figures.rsos
    return sorted(rsos.loc[(rsos["manager_id"] == manager_id) & rsos["is_community"],
                           "rso_id"])


def figure(window: MainWindow, manager_id: str, key: str) -> float:
    return window.figures.managers.set_index("manager_id").loc[manager_id, key]


def select_rows(view, rows: list[int]) -> None:
    model, selection = view.model(), view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select
                         | QItemSelectionModel.SelectionFlag.Rows)


def drop(target, pos: QPoint, ids: list[str]) -> QDropEvent:
    """Drag ``ids`` into ``target`` (a viewport) and drop them at ``pos``, as Qt delivers it."""
    mime = rso_mime(ids)
    with warnings.catch_warnings():  # PySide 6.12 marks the QPoint constructor deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(pos), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, event)
    return event


def cell(model, row: int, key: str, role: int = DISPLAY):  # noqa: ANN201
    return model.data(model.index(row, model.column_of(key)), role)


def test_preview_shows_both_sides_with_the_one_flag_rule(qtbot, figures: Figures):
    moving = held(figures, "OM1")[:6]
    dialog = ReassignDialog(figures, moving, on=AS_AT)
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled()
    dialog.set_target("OM4")
    model = dialog.preview_model
    assert [cell(model, r, "holder") for r in range(model.rowCount())] \
        == ["Alice Ashworth", "Dan Duckworth"]
    assert cell(model, 0, "per_fte_before") == "52.0" and cell(model, 0, "per_fte") == "40.0"
    assert cell(model, 0, "per_fte_before", FLAGGED) is True
    assert cell(model, 0, "per_fte", FLAGGED) is False
    assert cell(model, 0, "moving") == "-6" and cell(model, 1, "moving") == "6"
    assert cell(model, 1, "caseload_before") == "10" and cell(model, 1, "caseload") == "16"
    assert cell(model, 0, "limits") == "Caseload limit cleared"
    assert cell(model, 1, "limits") == "Within both limits"
    assert dialog.summary.text().splitlines()[0] == (
        "Alice Ashworth: 52.0 → 40.0 per FTE, high-risk 0.0% → 0.0%, workload 100.0% → 76.9% "
        "of capacity; caseload limit cleared.")
    assert "Reassign 6 RSO(s) from Alice Ashworth (6 medium risk)" == dialog.title.text()


def test_preview_agrees_with_the_figures_after_the_move(figures: Figures, engine: Engine):
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.storage.load import load_snapshot

    moving = held(figures, "OM3")[-6:]  # the high and very-high RSOs of OM3
    preview = preview_moves(figures, pd.DataFrame({"rso_id": moving, "to_manager_id": "OM2"}))
    reassign(engine, moving, "OM2", "change in risk", as_user("test"), on=AS_AT)
    after = compute_figures(load_snapshot(engine, AS_AT)).managers.set_index("manager_id")
    shown = preview.set_index("manager_id")
    for manager_id in ("OM2", "OM3"):
        for key in ("caseload", "per_fte", "high_risk_share", "flag_caseload_over_limit",
                    "flag_high_risk_share_over_limit"):
            assert shown.loc[manager_id, key] == after.loc[manager_id, key], (manager_id, key)
    assert shown.loc["OM3", "flag_was_high_risk_share_over_limit"]
    assert not shown.loc["OM3", "flag_high_risk_share_over_limit"]


def test_preview_model_keeps_the_contract(qtbot, qtmodeltester, figures: Figures):
    dialog = ReassignDialog(figures, held(figures, "OM1")[:3], on=AS_AT, to_manager="OM2")
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.preview_model)
    qtmodeltester.check(dialog.moving_model)


def test_a_reason_is_required_and_other_needs_words(qtbot, figures: Figures):
    dialog = ReassignDialog(figures, held(figures, "OM1")[:1], on=AS_AT, to_manager="OM2")
    qtbot.addWidget(dialog)
    assert not dialog.ok_button.isEnabled() and dialog.hint.text() == "Choose a reason"
    picker = dialog.reason_picker
    picker.combo.setCurrentIndex(picker.combo.findData("other"))
    assert not dialog.ok_button.isEnabled() and picker.other.isEnabled()
    qtbot.keyClicks(picker.other, "moved house")
    assert dialog.ok_button.isEnabled() and dialog.reason == "other: moved house"
    picker.combo.setCurrentIndex(picker.combo.findData("continuity"))
    assert dialog.reason == "continuity" and not picker.other.isEnabled()
    assert reason_text("other", "  ") == "" and reason_text("nonsense", "") == ""


def test_targets_are_searchable_with_the_same_bcu_first(qtbot, figures: Figures):
    choices = manager_choices(figures, bcu="West", absent={"OM2": date(2018, 1, 8)})
    assert choices["manager_id"].tolist() == ["OM4", "OM1", "OM2", "OM3"]
    assert choices["label"].iat[0] == "Dan Duckworth · West 1, West · 10.0 per FTE"
    assert choices["label"].iat[2].endswith("(absent until 08/01/2018)")
    dialog = ReassignDialog(figures, held(figures, "OM1")[:2], on=AS_AT)
    qtbot.addWidget(dialog)
    ids = [dialog.target.itemData(i) for i in range(dialog.target.count())]
    assert "OM1" not in ids  # not to the manager who holds them already
    dialog.target.setEditText("crossley")
    dialog.target.lineEdit().editingFinished.emit()
    assert dialog.to_manager == "OM3"


def test_ctrl_r_on_a_multi_selection_reassigns_and_undo_restores(qtbot, window: MainWindow,
                                                                 engine: Engine):
    page = window.caseload_page
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page.select_manager("OM1")
    view = page.rsos_view
    model = page.rsos_model
    community = [r for r in range(model.rowCount())
                 if model.frame["status"].iat[r] == "community"][:6]
    select_rows(view, community)
    moving = sorted(model.frame["rso_id"].iloc[community])
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = rebalancing(window).dialog
    assert isinstance(dialog, ReassignDialog) and dialog.rso_ids == moving
    before = state(engine)  # every row, but for the RSOs' versions (moved on by undo too)

    dialog.set_target("OM4")
    dialog.reason_picker.set_reason("caseload adjustment")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert figure(window, "OM1", "per_fte") == 40.0
    assert not figure(window, "OM1", "flag_caseload_over_limit")
    assert figure(window, "OM4", "caseload") == 16
    assert window.undo_action.text() == "&Undo Reassign 6 RSO(s) to Dan Duckworth"
    with engine.connect() as c:
        rows = c.execute(text("SELECT rso_id, manager_id, reason, starts_on, ends_on, actor "
                              "FROM allocation ORDER BY id")).all()
    opened = [r for r in rows if r.ends_on is None]
    assert sorted(r.rso_id for r in opened) == moving and {r.manager_id for r in opened} == {"OM4"}
    assert {(r.reason, r.starts_on, r.actor) for r in opened} == {
        ("caseload adjustment", "2017-10-09", window.actor)}
    # These RSOs had no allocation history: a closed row first says whom they came from.
    assert {(r.rso_id, r.manager_id, r.ends_on) for r in rows if r.ends_on is not None} == {
        (rso_id, "OM1", "2017-10-09") for rso_id in moving}

    window.undo_action.trigger()
    assert figure(window, "OM1", "per_fte") == 52.0 and figure(window, "OM4", "caseload") == 10
    assert state(engine) == before


def test_pooled_rsos_are_allocated_the_same_way(qtbot, window: MainWindow):
    page = window.caseload_page
    page.show_pooled()
    view, model = page.rsos_view, page.rsos_model
    west = [r for r in range(model.rowCount()) if model.frame["team"].iat[r] == "West 1"]
    select_rows(view, west)
    rebalancing(window).reassign_action.trigger()
    dialog = rebalancing(window).dialog
    assert isinstance(dialog, ReassignDialog)
    assert dialog.title.text() == "Reassign 3 RSO(s) 3 with no named manager (3 high risk)"
    dialog.set_target("OM4")
    assert cell(dialog.preview_model, 0, "holder") == "Pool of West 1"
    assert dialog.summary.text().splitlines()[0] \
        == "Pool of West 1: 3 → 0 community RSOs with no named manager."
    dialog.reason_picker.set_reason("continuity")
    dialog.accept()
    assert figure(window, "OM4", "caseload") == 13
    assert int(window.figures.force["pooled"].iat[0]) == 1


def test_dropping_rsos_on_a_manager_row_opens_the_dialog_for_them(qtbot, window: MainWindow):
    page = window.caseload_page
    ids = held(window.figures, "OM1")[:2]
    assert mime_rsos(rso_mime(ids)) == ids
    view = page.managers_view
    window.show()
    qtbot.waitExposed(window)
    row = page.managers_model.row_of("manager_id", "OM2")
    pos = view.visualRect(page.managers_model.index(row, 0)).center()
    assert drop(view.viewport(), pos, ids).isAccepted()
    dialog = rebalancing(window).dialog
    assert isinstance(dialog, ReassignDialog)
    assert dialog.rso_ids == ids and dialog.to_manager == "OM2"
    assert rso_mime(ids).hasFormat(RSO_MIME)


def test_dropping_on_a_chart_bar_picks_that_manager(qtbot, window: MainWindow):
    page = window.caseload_page
    page.ensure_charts()
    chart = page.charts[0]
    window.show()
    qtbot.waitExposed(window)
    rb = rebalancing(window)
    rb.lists.hook_charts()
    centre = chart.bar_center("OM4")
    assert rb.lists.manager_at(chart.plot_widget.viewport(), centre) == "OM4"
    drop(chart.plot_widget.viewport(), centre, held(window.figures, "OM1")[:1])
    assert isinstance(rb.dialog, ReassignDialog) and rb.dialog.to_manager == "OM4"
    assert rb.lists.manager_at(chart.plot_widget.viewport(), QPoint(5, -500)) is None


def test_a_move_before_a_later_allocation_is_refused(qtbot, window: MainWindow, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    moving = held(window.figures, "OM1")[:1]
    window.apply(lambda e, a: reassign(e, moving, "OM2", "continuity", a, on=AS_AT))
    window.set_as_at(date(2017, 10, 1))
    dialog = rebalancing(window).reassign(moving, to_manager="OM3")
    dialog.reason_picker.set_reason("continuity")
    dialog.accept()
    assert shown == [f"{moving[0]} moved on 09/10/2017, after the effective date 01/10/2017: "
                     "choose a later as-at date to move them"]
    assert window.undo_stack.count() == 1


def test_allocation_history_per_rso_and_per_manager(qtbot, window: MainWindow):
    moving = held(window.figures, "OM1")[:2]
    window.apply(lambda e, a: reassign(e, moving, "OM2", "continuity", a, on=AS_AT))
    rb = rebalancing(window)
    rso_history = rb.history(rso_id=moving[0])
    qtbot.addWidget(rso_history)
    model = rso_history.model
    # Newest first; the RSO had no allocation history, so the move also recorded whom it
    # came from.
    assert model.rowCount() == 2
    assert cell(model, 0, "holder") == "Bob Birtwistle (OM2)"
    assert cell(model, 0, "starts_on") == "09/10/2017" and cell(model, 0, "ends_on") == ""
    assert cell(model, 0, "reason") == "continuity" and cell(model, 0, "actor") == window.actor
    assert cell(model, 1, "holder") == "Alice Ashworth (OM1)"
    assert cell(model, 1, "ends_on") == "09/10/2017"
    assert cell(model, 1, "reason") == "held before the allocation history began"
    manager_history = rb.history(manager_id="OM2")
    assert sorted(manager_history.model.frame["rso_id"]) == moving
    assert manager_history.windowTitle() == "Allocation history: Bob Birtwistle (OM2)"
    assert manager_history.count.text().startswith("2 allocation(s) of 2 RSO(s); 2 held now")
    old_holder = rb.history(manager_id="OM1")
    qtbot.addWidget(old_holder)
    assert set(moving) <= set(old_holder.model.frame["rso_id"])


def test_dragging_a_selected_row_drags_the_selection(qtbot, window: MainWindow, monkeypatch):
    page = window.caseload_page
    window.show()
    qtbot.waitExposed(window)
    page.select_manager("OM1")
    view, model = page.rsos_view, page.rsos_model
    select_rows(view, [0, 1, 2])
    started: list[list[str]] = []
    rb = rebalancing(window)
    monkeypatch.setattr(rb.lists, "start_drag", lambda v: started.append(selected_rsos(v)))
    start = view.visualRect(model.index(1, 1)).center()
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.viewport(), start + QPoint(0, 40))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=start + QPoint(0, 40))
    assert started == [list(model.frame["rso_id"].iloc[:3])]
    assert len(selected_rsos(view)) == 3


def test_rsos_already_with_the_target_are_not_moved_again(qtbot, window: MainWindow):
    ids = held(window.figures, "OM1")[:2] + held(window.figures, "OM2")[:1]
    dialog = rebalancing(window).reassign(ids, to_manager="OM2")
    assert [dialog.target.itemData(i) for i in range(dialog.target.count())].count("OM2") == 1
    dialog.reason_picker.set_reason("continuity")
    dialog.accept()
    assert window.undo_action.text() == "&Undo Reassign 2 RSO(s) to Bob Birtwistle"
    assert figure(window, "OM2", "caseload") == 52


def test_every_pages_rso_list_takes_several_rows_for_reassignment(qtbot, settings, engine):
    from PySide6.QtWidgets import QAbstractItemView, QTableView

    from ncpi_desktop.ui.main_window import MainWindow
    from ncpi_desktop.ui.models.table_model import DataFrameTableModel

    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    rso_views = [view for page in window.pages if page is not window.caseload_page
                 for view in page.findChildren(QTableView)
                 if isinstance(view.model(), DataFrameTableModel)
                 and any(c.key == "rso_id" for c in view.model().columns)]
    assert rso_views  # the Visits, ARMS, Reactive and Orders lists
    for view in rso_views:
        assert view.selectionMode() == QAbstractItemView.SelectionMode.ExtendedSelection


def test_a_change_to_a_read_only_database_says_what_to_do(qtbot, window: MainWindow,
                                                          register_file: Path, tmp_path: Path,
                                                          monkeypatch):
    """Issue 12: a write the database refuses is one line saying what to do, not the driver's
    message, and the window's figures stay as they were."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    path = tmp_path / "read-only.sqlite3"
    shutil.copyfile(register_file, path)
    window.set_database(open_database(f"sqlite:///file:{path}?mode=ro&uri=true"))
    moving = held(window.figures, "OM1")[:1]
    assert window.apply(lambda e, a: reassign(e, moving, "OM2", "continuity", a, on=AS_AT)) is None
    assert len(shown) == 1
    assert shown[0].startswith("Cannot write to the database")
    assert "nothing was changed" in shown[0] and "sqlite3.OperationalError" not in shown[0]
    assert held(window.figures, "OM1")[:1] == moving
    assert window.undo_stack.count() == 0
