"""One undo stack per window: a named operation is undone with Ctrl+Z and redone."""

from __future__ import annotations

from datetime import date

import pytest
from builders import AS_AT, FORCE_MANAGER
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox
from sqlalchemy.engine import Engine

from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, settings, engine: Engine) -> MainWindow:
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    return window


def caseload(window: MainWindow, manager_id: str) -> int:
    managers = window.figures.managers.set_index("manager_id")
    return int(managers.loc[manager_id, "caseload"])


def om1_rsos(window: MainWindow) -> list[str]:
    rsos = window.figures.rsos
    held = rsos[(rsos["manager_id"] == "OM1") & rsos["is_community"]]
    return sorted(held["rso_id"])[:6]


def test_apply_then_undo_and_redo_with_the_keyboard(qtbot, window: MainWindow):
    moving = om1_rsos(window)
    window.apply(lambda engine, actor: reassign(engine, moving, "OM4", "caseload adjustment",
                                                actor, on=AS_AT))
    assert caseload(window, "OM1") == 20 and caseload(window, "OM4") == 16
    assert window.undo_action.text() == "&Undo Reassign 6 RSO(s) to Dan Duckworth"
    assert window.undo_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)

    window.undo_action.trigger()
    assert caseload(window, "OM1") == 26 and caseload(window, "OM4") == 10
    window.redo_action.trigger()
    assert caseload(window, "OM1") == 20 and caseload(window, "OM4") == 16
    assert window.undo_stack.count() == 1


def test_a_refused_operation_is_a_message_and_not_on_the_stack(window: MainWindow, monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]))
    result = window.apply(lambda engine, actor: reassign(engine, om1_rsos(window), "NOBODY",
                                                         "other", actor))
    assert result is None
    assert shown == ["Unknown offender manager: NOBODY"]
    assert window.undo_stack.count() == 0
    assert caseload(window, "OM1") == 26


def test_as_at_control_shows_the_register_as_it_stood(qtbot, window: MainWindow):
    assert window.as_at_edit.displayFormat() == "dd/MM/yyyy"
    assert window.as_at_edit.text() == "09/10/2017"
    # The test register's RSOs were registered on 01/01/2010: before that there was nobody.
    window.as_at_edit.setDate(QDate(2009, 12, 31))
    qtbot.keyClick(window.as_at_edit, Qt.Key.Key_Return)
    window.as_at_edit.editingFinished.emit()
    assert window.as_at == date(2009, 12, 31)
    assert window.figures is None or int(window.figures.force.iloc[0]["rsos"]) == 0
    assert window.as_at_label.text() == "As at 31/12/2009"
    window.set_as_at(AS_AT)
    assert window.as_at_edit.text() == "09/10/2017"
    assert int(window.figures.force.iloc[0]["rsos"]) > 0


def test_opening_another_database_clears_the_undo_stack(window: MainWindow, engine: Engine):
    window.apply(lambda e, actor: reassign(e, om1_rsos(window), "OM2", "continuity", actor,
                                           on=AS_AT))
    assert window.undo_stack.count() == 1
    window.set_database(engine)
    assert window.undo_stack.count() == 0
