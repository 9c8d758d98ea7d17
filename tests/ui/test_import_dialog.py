"""File > Import extract: a valid extract is summarised, then imported and shown; a bad one lists
every error and changes nothing; a cancelled import changes nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest
from builders import AS_AT, FORCE_MANAGER
from exchange.extract_files import db_state
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication, QUndoCommand
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy.engine import Engine

from ncpi_desktop.exchange.export import export_extract
from ncpi_desktop.exchange.importer import ImportResult
from ncpi_desktop.ui.dialogs import import_extract as import_dialog
from ncpi_desktop.ui.dialogs.import_extract import ImportFlow, split_message
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.exchange import ExchangeActions


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []

    def warning(_parent: object, title: str, text: str) -> QMessageBox.StandardButton:
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    return shown


@pytest.fixture
def actions(window: MainWindow) -> ExchangeActions:
    found = window.features.exchange
    assert found is not None
    return found


@pytest.fixture
def flow(actions: ExchangeActions) -> ImportFlow:
    return actions.import_flow


@pytest.fixture
def extract(engine: Engine, tmp_path: Path) -> Path:
    """The test register as an extract folder (what the database already holds)."""
    folder = tmp_path / "extract"
    export_extract(engine, folder)
    return folder


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False,
                       encoding="utf-8-sig", skiprows=1)


def write(folder: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / f"{name}.csv", index=False)


def choose_folder(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *_args, **_kw: str(folder)))


def choose_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *_args, **_kw: (str(path), "")))


def cell(model, row: int, key: str) -> str:
    return model.data(model.index(row, model.column_of(key)))


def om2_caseload(window: MainWindow) -> str:
    model = window.caseload_page.managers_model
    return cell(model, model.row_of("manager_id", "OM2"), "caseload")


def grow_om2(extract: Path) -> None:
    """Two new community RSOs for OM2 and one of OM1's moved to OM2."""
    offenders = read(extract, "offenders")
    om2 = offenders[offenders["manager_id"] == "OM2"].iloc[0]
    new = pd.DataFrame([om2, om2]).assign(rso_id=["N00001", "N00002"])
    moved = offenders.index[(offenders["manager_id"] == "OM1")
                            & (offenders["status"] == "community")][0]
    offenders.loc[moved, "manager_id"] = "OM2"
    write(extract, "offenders", pd.concat([offenders, new], ignore_index=True))


def test_the_file_menu_offers_import_before_quit(window: MainWindow,
                                                 actions: ExchangeActions) -> None:
    texts = [a.text() for a in window.menu("File").actions() if not a.isSeparator()]
    assert texts.index("&Import extract…") < texts.index("&Quit")
    assert texts.index("Import extract &folder…") < texts.index("&Quit")
    assert actions.import_action.shortcut().toString() == "Ctrl+I"


def test_a_valid_extract_is_summarised_then_imported(qtbot, window: MainWindow, flow: ImportFlow,
                                                     actions: ExchangeActions, extract: Path,
                                                     monkeypatch) -> None:
    grow_om2(extract)
    window.undo_stack.push(QUndoCommand("Earlier change"))
    assert om2_caseload(window) == "50"
    choose_folder(monkeypatch, extract)
    with qtbot.waitSignal(flow.checked, timeout=20000) as checked:
        actions.import_folder_action.trigger()
    assert not checked.args[0].written

    summary = flow.summary_dialog
    assert summary is not None and summary.isVisible()
    assert summary.heading.text() == "extract is ready to import: 2 new rows, 1 changed row"
    counts = summary.counts_model
    offenders = counts.row_of("label", "RSOs")
    assert [cell(counts, offenders, k) for k in ("rows", "added", "updated", "unchanged")] == \
        ["115", "2", "1", "112"]
    managers = counts.row_of("label", "Offender managers")
    assert cell(counts, managers, "unchanged") == "4"
    assert cell(counts, counts.row_of("label", "Home visits"), "added") == "0"
    assert "1 RSO will change offender manager" in summary.holders_label.text()
    assert "cannot be undone" in summary.undo_note.text()
    assert "clears the undo history" in summary.undo_note.text()
    assert om2_caseload(window) == "50"  # nothing written yet

    with qtbot.waitSignal(flow.imported, timeout=20000) as imported:
        qtbot.mouseClick(summary.import_button, Qt.MouseButton.LeftButton)
    result: ImportResult = imported.args[0]
    assert result.written
    # The two new RSOs count at once; the move is dated today, after the as-at date.
    assert om2_caseload(window) == "52"
    assert window.undo_stack.count() == 0
    status = window.statusBar().currentMessage()
    assert status == ("Imported extract: RSOs 2 new, 1 changed; 1 change of manager. "
                      "Undo history cleared.")


def test_cancel_on_the_summary_changes_nothing(qtbot, window: MainWindow, flow: ImportFlow,
                                               actions: ExchangeActions, extract: Path,
                                               engine: Engine, monkeypatch) -> None:
    grow_om2(extract)
    before = db_state(engine)
    choose_folder(monkeypatch, extract)
    with qtbot.waitSignal(flow.checked, timeout=20000):
        actions.import_folder_action.trigger()
    qtbot.mouseClick(flow.summary_dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert db_state(engine) == before
    assert om2_caseload(window) == "50"


def test_an_extract_matching_the_database_has_nothing_to_import(
        qtbot, flow: ImportFlow, actions: ExchangeActions, extract: Path, monkeypatch) -> None:
    choose_file(monkeypatch, extract / "managers.csv")  # a CSV of a folder imports the folder
    with qtbot.waitSignal(flow.checked, timeout=20000):
        actions.import_action.trigger()
    summary = flow.summary_dialog
    assert summary.heading.text() == ("extract holds nothing new: the database already has "
                                      "every row")
    assert not summary.import_button.isEnabled()
    assert summary.cancel_button.text() == "Close"


def test_warnings_are_listed_in_the_summary(qtbot, flow: ImportFlow, actions: ExchangeActions,
                                            extract: Path, monkeypatch) -> None:
    managers = read(extract, "managers").assign(notes="x")
    write(extract, "managers", managers)
    choose_folder(monkeypatch, extract)
    with qtbot.waitSignal(flow.checked, timeout=20000):
        actions.import_folder_action.trigger()
    view = flow.summary_dialog.warnings_view
    assert view is not None
    model = view.model()
    assert model.rowCount() == 1
    assert [cell(model, 0, k) for k in ("severity", "file", "column")] == \
        ["Warning", "managers.csv", "notes"]
    assert cell(model, 0, "problem") == "is not a column of managers; ignored"


def test_a_bad_extract_lists_every_error_and_changes_nothing(
        qtbot, window: MainWindow, flow: ImportFlow, actions: ExchangeActions, extract: Path,
        engine: Engine, monkeypatch, tmp_path: Path) -> None:
    offenders = read(extract, "offenders")
    offenders.loc[1, "date_of_birth"] = "31/02/1970"
    offenders.loc[4, "risk_level"] = "Extreme"
    offenders.loc[5, "manager_id"] = "OM9"
    write(extract, "offenders", offenders)
    managers = read(extract, "managers")
    managers.loc[0, "fte"] = "0"
    write(extract, "managers", managers)
    before = db_state(engine)
    choose_folder(monkeypatch, extract)
    with qtbot.waitSignal(flow.checked, timeout=20000) as checked:
        actions.import_folder_action.trigger()
    assert len(checked.args[0].errors) == 4
    assert db_state(engine) == before
    assert flow.summary_dialog is None

    dialog = flow.errors_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.heading.text() == "extract was not imported: 4 errors to correct"
    model = dialog.model
    rows = [[cell(model, r, k) for k in ("severity", "file", "row", "column", "value", "problem",
                                         "expected")] for r in range(model.rowCount())]
    assert rows == [
        ["Error", "managers.csv", "2", "fte", "0", "is out of range",
         "a decimal number, 0 < fte <= 1"],
        ["Error", "offenders.csv", "3", "date_of_birth", "", "is not a date",  # not shown
         "YYYY-MM-DD or DD/MM/YYYY"],
        ["Error", "offenders.csv", "6", "risk_level", "Extreme", "is not a known risk level",
         "one of low, medium, high, very_high"],
        ["Error", "offenders.csv", "7", "manager_id", "OM9",
         "is not a manager_id of managers.csv or of the database", "an existing manager_id"],
    ]
    assert "not imported: 4 errors" in window.statusBar().currentMessage()

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[0] == "#\tType\tFile or sheet\tRow\tColumn\tValue\tProblem\tExpected"
    assert copied[2].startswith("2\tError\toffenders.csv\t3\tdate_of_birth\t\tis not a date")
    assert "31/02/1970" not in QGuiApplication.clipboard().text()
    assert len(copied) == 5

    saved = tmp_path / "errors.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(saved), "CSV file (*.csv)")))
    from ncpi_desktop.ui.exports.table_export import export_view

    job = export_view(dialog.view)
    with qtbot.waitSignal(job.done, timeout=10000):
        pass
    written = pd.read_csv(saved, dtype=str, keep_default_na=False, encoding="utf-8-sig", skiprows=1)
    assert list(written.columns) == ["#", "Type", "File or sheet", "Row", "Column", "Value",
                                     "Problem", "Expected"]
    assert written["Row"].tolist() == ["2", "3", "6", "7"]
    assert window.context.audit_writer.flush(30)
    after = db_state(engine)
    assert [row[3] for row in after.pop("audit")] == ["'export table'"]  # a disclosure
    before.pop("audit")
    assert after == before


def test_an_error_message_is_split_into_problem_and_expected() -> None:
    assert split_message("is in the future (expected a date on or before today, 2017-10-09)") \
        == ("is in the future", "a date on or before today, 09/10/2017")
    assert split_message("is blank (expected one of low, medium; required)") == \
        ("is blank", "one of low, medium; required")
    assert split_message("repeats row 3 (expected a unique rso_id)") == \
        ("repeats row 3", "a unique rso_id")
    assert split_message("has no offenders.csv (required)") == \
        ("has no offenders.csv (required)", "")


def test_cancelling_the_import_changes_nothing(qtbot, window: MainWindow, flow: ImportFlow,
                                               actions: ExchangeActions, extract: Path,
                                               engine: Engine, monkeypatch) -> None:
    grow_om2(extract)
    before = db_state(engine)
    writing, go = threading.Event(), threading.Event()
    real_import = import_dialog.import_extract

    def held_import(*args, progress, check=False, **kwargs):
        def paused(done: int, total: int, what: str) -> None:
            progress(done, total, what)
            if not check and what.startswith("Writing"):
                writing.set()
                go.wait(10)
        return real_import(*args, progress=paused, check=check, **kwargs)

    monkeypatch.setattr(import_dialog, "import_extract", held_import)
    choose_folder(monkeypatch, extract)
    with qtbot.waitSignal(flow.checked, timeout=20000):
        actions.import_folder_action.trigger()
    qtbot.mouseClick(flow.summary_dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(writing.is_set, timeout=20000)
    progress = flow.job.dialog
    qtbot.waitUntil(progress.isVisible)
    qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
    assert progress.labelText() == "Cancelling…"
    with qtbot.waitSignal(flow.imported, timeout=20000) as imported:
        go.set()
    assert imported.args[0].cancelled and not imported.args[0].written
    assert db_state(engine) == before
    assert om2_caseload(window) == "50"
    assert window.statusBar().currentMessage() == "Import cancelled: nothing was changed."


def test_a_file_that_is_not_an_extract_is_refused(qtbot, flow: ImportFlow,
                                                  actions: ExchangeActions, tmp_path: Path,
                                                  monkeypatch, warnings) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    choose_file(monkeypatch, notes)
    with qtbot.waitSignal(flow.stopped, timeout=20000):
        actions.import_action.trigger()
    assert warnings == [("Not an extract", "notes.txt is not an extract: give a folder of CSV "
                                           "files, a .zip of one, or an .xlsx workbook")]


def test_import_needs_a_database(qtbot, settings: QSettings) -> None:
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    actions = window.features.exchange
    assert not actions.import_action.isEnabled()
    assert not actions.pack_action.isEnabled()
    assert actions.template_action.isEnabled()
