"""No lost update in the window (SERVER.md): a change to RSOs someone else changed after the
window read them is refused, the user is told who changed what and when, and the window then
shows the current figures; the same for an undo."""

from __future__ import annotations

from builders import AS_AT, as_user
from conftest import rebalancing, state
from PySide6.QtWidgets import QMessageBox
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.ui.main_window import MainWindow

OTHER = as_user("supervisor.east")


def holder(figures: Figures, rso_id: str) -> str:
    rsos = figures.rsos
    return str(rsos.loc[rsos["rso_id"] == rso_id, "manager_id"].iat[0])


def community_of(figures: Figures, manager_id: str) -> list[str]:
    rsos = figures.rsos
    return sorted(rsos.loc[(rsos["manager_id"] == manager_id) & rsos["is_community"],
                           "rso_id"])


def test_a_reassign_over_another_users_move_is_refused_and_the_figures_read_again(
        qtbot, window: MainWindow, engine: Engine, monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append((args[1], args[2])))
    moving = community_of(window.figures, "OM1")[:2]
    dialog = rebalancing(window).reassign(moving, to_manager="OM3")
    dialog.reason_picker.set_reason("continuity")
    # Meanwhile, in another window: one of them goes to OM2.
    reassign(engine, moving[:1], "OM2", "their move", OTHER, on=AS_AT)
    before = state(engine)
    dialog.accept()
    assert len(shown) == 1
    title, message = shown[0]
    assert title == "Changed by someone else"
    assert message.startswith(f"{moving[0]} is now held by OM2 (moved by supervisor.east at ")
    assert state(engine) == before  # nothing of the refused move was written
    assert window.undo_stack.count() == 0
    assert holder(window.figures, moving[0]) == "OM2"  # the window shows it as it is now
    assert holder(window.figures, moving[1]) == "OM1"


def test_an_undo_over_another_users_move_is_refused_and_the_figures_read_again(
        qtbot, window: MainWindow, engine: Engine, monkeypatch):
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append((args[1], args[2])))
    moving = community_of(window.figures, "OM1")[:1]
    window.apply(lambda e, user: reassign(e, moving, "OM3", "continuity", user, on=AS_AT))
    assert holder(window.figures, moving[0]) == "OM3"
    reassign(engine, moving, "OM2", "their move", OTHER, on=AS_AT)
    before = state(engine)
    window.undo_action.trigger()
    assert len(shown) == 1
    assert shown[0][1].startswith(f"{moving[0]} is now held by OM2 (moved by supervisor.east")
    assert state(engine) == before
    assert holder(window.figures, moving[0]) == "OM2"
