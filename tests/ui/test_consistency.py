"""What the user sees is said once and in words: a refusal in the dialog alone, a leaver's
dialog with nothing drawn over its title, where the records end next to "Today", managers named
in the undo history."""

from __future__ import annotations

from datetime import timedelta

from builders import AS_AT
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.ui.core.undo import named
from ncpi_desktop.ui.dialogs.absence import GoingDialog
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.widgets.as_at import records_end


def test_a_refusal_is_said_once_by_whoever_asks(window: MainWindow, monkeypatch) -> None:
    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: boxes.append(args[2]))
    said: list[str] = []
    someone = str(window.figures.rsos["rso_id"].iloc[0])
    result = window.context.apply(
        lambda engine, actor: reassign(engine, [someone], "NOBODY", "other", actor),
        on_refused=lambda _title, message: said.append(message))
    assert result is None
    assert boxes == []
    assert len(said) == 1 and "NOBODY" in said[0]
    window.context.apply(lambda engine, actor: reassign(engine, [someone], "NOBODY", "other",
                                                        actor))
    assert len(boxes) == 1  # without a dialog to say it, a message box does


def _visible_children(dialog: QWidget) -> list[QWidget]:
    return [w for w in dialog.findChildren(QWidget)
            if w.isVisible() and w.parentWidget() is dialog]


def test_the_leaving_dialog_draws_nothing_over_its_title(qtbot, figures: Figures) -> None:
    dialog = GoingDialog(figures, on=AS_AT, absence=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    title = next(label for label in dialog.findChildren(QLabel)
                 if label.text() == "Manager leaving")
    area = QRect(title.geometry())
    overlapping = [w for w in _visible_children(dialog)
                   if w is not title and w.geometry().intersects(area)]
    assert overlapping == []
    assert not dialog.until.isVisible() and not dialog.note.isVisible()


def test_an_absence_still_asks_until_when_and_why(qtbot, figures: Figures) -> None:
    dialog = GoingDialog(figures, on=AS_AT, absence=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.until.isVisible() and dialog.note.isVisible()
    assert dialog.until.window() is dialog


def test_today_after_the_records_end_says_so(qtbot, window: MainWindow) -> None:
    last = records_end(window.figures)
    assert last is not None and last < AS_AT - timedelta(days=7)
    # The test register's last record is years before its as-at date: the bar says so.
    assert window.as_at_bar.records_end_text == f"Records end {uk_date(last)}"
    window.set_as_at(last + timedelta(days=1))
    assert window.as_at == last + timedelta(days=1)
    assert window.as_at_bar.records_end_text == ""  # the records reach the date on show
    window.set_as_at(AS_AT)
    assert window.as_at_bar.records_end_text == f"Records end {uk_date(last)}"


def test_undo_entries_name_managers(window: MainWindow) -> None:
    rsos = window.figures.rsos
    moving = sorted(rsos[(rsos["manager_id"] == "OM1") & rsos["is_community"]]["rso_id"])[:2]
    window.apply(lambda engine, actor: reassign(engine, moving, "OM4", "caseload adjustment",
                                                actor, on=AS_AT))
    assert window.undo_stack.text(0) == "Reassign 2 RSO(s) to Dan Duckworth"
    assert window.undo_action.text() == "&Undo Reassign 2 RSO(s) to Dan Duckworth"


def test_a_count_is_never_taken_for_an_id() -> None:
    names = {"2": "Two Person", "OM4": "Dan Duckworth"}
    assert named("Reassign 2 RSO(s) to OM4", names) == "Reassign 2 RSO(s) to Dan Duckworth"
    assert named("Reassign 2 RSO(s) to 2", names) == "Reassign 2 RSO(s) to Two Person"
    assert named("Move 3 RSO(s) to East 1 pool", names) == "Move 3 RSO(s) to East 1 pool"
