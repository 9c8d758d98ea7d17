"""File > Export table, extract, templates and performance pack: what is written is what the user
sees (rows filtered and sorted, visible columns, shown headers), and the pack carries the as-at
date of the window."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ncpi_desktop.exchange.import_format import TABLES
from ncpi_desktop.exchange.pack import SHEETS
from ncpi_desktop.ui.exports.table_export import focused_table, view_frame
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.exchange import ExchangeActions
from ncpi_desktop.ui.widgets.tables import table_menu


@pytest.fixture
def actions(window: MainWindow) -> ExchangeActions:
    found = window.features.exchange
    assert found is not None
    return found


def save_as(monkeypatch: pytest.MonkeyPatch, path: Path, selected: str = "") -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(path), selected)))


def wait_job(qtbot, actions: ExchangeActions) -> None:
    job = actions.job
    assert job is not None
    if job.is_running:
        with qtbot.waitSignal(job.done, timeout=30000):
            pass


def shown(view) -> list[list[str]]:
    """Every row's text as the view shows it, in the view's column order."""
    model = view.model()
    header = view.horizontalHeader()
    columns = [header.logicalIndex(v) for v in range(header.count())
               if not header.isSectionHidden(header.logicalIndex(v))]
    return [[model.data(model.index(r, c)) for c in columns] for r in range(model.rowCount())]


def test_the_file_menu_items_and_shortcuts(window: MainWindow, actions: ExchangeActions) -> None:
    texts = [a.text() for a in window.menu("File").actions() if not a.isSeparator()]
    ours = ["&Import extract…", "Import extract &folder…", "Save extract &template…",
            "&Export table…", "Export e&xtract…", "Export &performance pack…"]
    assert [t for t in texts if t in ours] == ours
    assert texts.index(ours[-1]) < texts.index("&Quit")
    assert actions.export_table_action.shortcut().toString() == "Ctrl+E"
    assert actions.pack_action.shortcut().toString() == "Ctrl+P"


def test_export_table_writes_the_filtered_sorted_rows_as_shown(
        qtbot, window: MainWindow, actions: ExchangeActions, monkeypatch, tmp_path) -> None:
    page = window.caseload_page
    page.bcu_combo.setCurrentIndex(page.bcu_combo.findText("East"))
    page.sort_managers("name", Qt.SortOrder.DescendingOrder)
    view = page.managers_view
    header = view.horizontalHeader()
    header.hideSection(page.managers_model.column_of("bcu"))
    header.moveSection(page.managers_model.column_of("per_fte"), 0)
    assert page.managers_model.rowCount() == 3  # West's manager filtered out

    out = tmp_path / "managers.csv"
    save_as(monkeypatch, out, "CSV file (*.csv)")
    assert focused_table(window) is view  # nothing focused: the page's first table
    actions.export_table_action.trigger()
    wait_job(qtbot, actions)

    written = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig", skiprows=1)
    headers = [page.managers_model.headerData(header.logicalIndex(v), Qt.Orientation.Horizontal)
               for v in range(header.count()) if not header.isSectionHidden(
                   header.logicalIndex(v))]
    assert list(written.columns) == headers
    assert headers[:3] == ["Per FTE", "Offender manager", "Team"]
    assert "BCU" not in headers
    assert written["Offender manager"].tolist() == ["Carol Crossley", "Bob Birtwistle",
                                                    "Alice Ashworth"]
    assert written["Offender manager"].tolist() == [row[1] for row in shown(view)]
    assert written["Per FTE"].tolist() == ["20.0", "50.0", "52.0"]
    assert written["Above limit"].tolist() == [row[-1] for row in shown(view)]
    assert window.statusBar().currentMessage() == f"Exported 3 rows to {out}"


def test_the_context_menu_exports_the_focused_table_to_xlsx(
        qtbot, window: MainWindow, actions: ExchangeActions, monkeypatch, tmp_path) -> None:
    page = window.caseload_page
    page.select_manager("OM1")
    view = page.rsos_view
    window.show()
    qtbot.waitExposed(window)
    view.setFocus()
    assert focused_table(window) is view

    out = tmp_path / "rsos"  # no suffix: the chosen filter's is added
    save_as(monkeypatch, out, "Excel workbook (*.xlsx)")
    jobs = []
    from ncpi_desktop.ui.exports import table_export as export_actions

    real = export_actions.export_view
    monkeypatch.setattr(export_actions, "export_view", lambda v: jobs.append(real(v)))
    menu = table_menu(view)
    assert [a.text() for a in menu.actions()] == ["Export table…"]
    menu.actions()[0].trigger()
    with qtbot.waitSignal(jobs[0].done, timeout=30000):
        pass

    sheet = load_workbook(tmp_path / "rsos.xlsx").active
    assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    frame, headers = view_frame(view)
    assert rows[0] == ("RSO", "Name", "Risk", "Status", "Management", "Neighbourhood")
    assert len(rows) == 1 + view.model().rowCount() == 29
    assert [r[0] for r in rows[1:]] == [r[0] for r in shown(view)]
    assert {r[2] for r in rows[1:]} == {"Medium"}  # codes written as the view shows them
    assert sorted({r[3] for r in rows[1:]}) == ["Community", "Custody"]


def test_export_extract_writes_the_register_in_the_import_format(
        qtbot, window: MainWindow, actions: ExchangeActions, monkeypatch, tmp_path) -> None:
    out = tmp_path / "register.zip"
    save_as(monkeypatch, out, "Zip of CSV files (*.zip)")
    actions.export_extract_action.trigger()
    wait_job(qtbot, actions)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(s.filename for s in TABLES.values())
    assert not list(tmp_path.glob(".*part*"))
    box = actions.last_message
    assert box is not None and box.isVisible()
    assert f"{out}" in box.text() and "offenders 113" in box.text()


def test_save_extract_template(qtbot, window: MainWindow, actions: ExchangeActions,
                               monkeypatch, tmp_path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *_a, **_k: str(folder)))
    actions.template_action.trigger()
    assert sorted(p.name for p in folder.iterdir()) == sorted(s.filename
                                                              for s in TABLES.values())
    assert str(folder) in actions.last_message.text()

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda _p, _t, text: asked.append(text) or QMessageBox.StandardButton.No))
    (folder / "managers.csv").write_text("mine")
    actions.template_action.trigger()
    assert "already holds managers.csv, offenders.csv" in asked[0]
    assert (folder / "managers.csv").read_text() == "mine"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_export_pack_writes_a_pdf_as_at_the_window_date(
        qtbot, window: MainWindow, actions: ExchangeActions, tmp_path) -> None:
    actions.pack_action.trigger()
    dialog = actions.pack_dialog
    assert dialog is not None and dialog.isVisible()
    assert not dialog.names_box.isChecked()
    assert "personal data" in dialog.names_warning.text()
    assert dialog.pdf_button.isChecked()
    out = tmp_path / "pack.pdf"
    dialog.path_edit.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    wait_job(qtbot, actions)

    text = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "09/10/2017" in text
    assert "Family0" not in text  # no names unless asked for
    assert actions.last_message.isVisible()
    assert f"{out}" in actions.last_message.text()
    assert "as at 09/10/2017" in actions.last_message.text()
    assert not list(tmp_path.glob(".*part*"))


def test_export_pack_as_xlsx_with_names(qtbot, window: MainWindow, actions: ExchangeActions,
                                        tmp_path) -> None:
    actions.pack_action.trigger()
    dialog = actions.pack_dialog
    dialog.path_edit.setText(str(tmp_path / "pack.pdf"))
    dialog.xlsx_button.setChecked(True)
    assert dialog.path_edit.text() == str(tmp_path / "pack.xlsx")
    dialog.names_box.setChecked(True)
    assert dialog.names_warning.objectName() == "warningNote"
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    wait_job(qtbot, actions)
    workbook = load_workbook(tmp_path / "pack.xlsx")
    assert workbook.sheetnames[0] == "Summary"
    assert set(workbook.sheetnames) <= set(SHEETS)
    assert "includes RSO names" in actions.last_message.text()


#: A popup menu on the offscreen platform (a real one raises it and grabs the keyboard).
@pytest.mark.qt_log_ignore(r"This plugin does not support (raise\(\)|grabbing the keyboard)")
def test_every_table_has_the_export_menu_unless_its_page_gives_its_own(qtbot) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QMenu

    from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
    from ncpi_desktop.ui.widgets.tables import data_table

    model = DataFrameTableModel([Column("a", "A")], pd.DataFrame({"a": ["x", "y"]}))
    view = data_table(model)
    qtbot.addWidget(view)
    view.show()
    view.customContextMenuRequested.emit(QPoint(5, 5))
    menus = [m for m in view.findChildren(QMenu) if m.isVisible()]
    assert [[a.text() for a in m.actions()] for m in menus] == [["Export table…"]]
    menus[0].close()

    own: list[QPoint] = []
    view.customContextMenuRequested.connect(own.append)
    view.customContextMenuRequested.emit(QPoint(6, 6))
    assert own == [QPoint(6, 6)]
    assert not [m for m in view.findChildren(QMenu) if m.isVisible()]
