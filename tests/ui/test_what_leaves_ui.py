"""What leaves the window (SECURITY.md): rows copied to the clipboard never start a formula, a
table exported as shown is marked and formula-free, and the PDF pack is private and marked."""

from __future__ import annotations

import csv
import io
import shutil
import stat
import subprocess
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from exchange.pack_register import figures_at, write_register
from PySide6.QtWidgets import QTableView

from ncpi_desktop.exchange.extract import ImportIssue
from ncpi_desktop.exchange.outgoing import MARKING, starts_formula
from ncpi_desktop.exchange.pack import build_pack
from ncpi_desktop.ui.exports.pack_pdf import write_pack_pdf
from ncpi_desktop.ui.exports.table_export import view_frame, write_atomically
from ncpi_desktop.ui.models.import_issues import ISSUE_COLUMNS, issues_frame, table_text
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel, Kind

PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tx", "\rx"]


def test_copied_rows_never_start_a_formula_and_numbers_stay_numbers(qapp):
    issues = [ImportIssue("visits.csv", row, "rso_id", payload, "is not a rso_id")
              for row, payload in enumerate(PAYLOADS, start=2)]
    model = DataFrameTableModel(ISSUE_COLUMNS, issues_frame(issues))
    lines = table_text(model).splitlines()
    assert lines[0].split("\t")[:2] == ["#", "Type"]
    rows = [line.split("\t") for line in lines[1:]]
    values = [row[5] for row in rows]  # tab and CR are shown escaped: "\t", in quotes
    assert values == [*("'" + p for p in PAYLOADS[:4]), '"\\tx"', '"\\rx"']
    assert [row[3] for row in rows] == [str(n) for n in range(2, 8)]  # row numbers: numbers
    assert not [c for row in rows for c in row if starts_formula(c)]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_table_exported_as_shown_is_marked_private_and_formula_free(qapp, tmp_path, suffix):
    frame = pd.DataFrame({"name": PAYLOADS, "change": [-2, -1, 0, 1, 2, 3]})
    model = DataFrameTableModel([Column("name", "Name"), Column("change", "Change", Kind.INT)],
                                frame)
    view = QTableView()
    view.setModel(model)
    shown, headers = view_frame(view)
    out = tmp_path / f"table{suffix}"
    from ncpi_desktop.exchange.export import export_frame

    assert write_atomically(out, lambda target: export_frame(shown, headers, target)) == 6
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # nothing left beside it
    if suffix == ".csv":
        records = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"),
                                              newline="")))
        assert records[0] == [MARKING] and records[1] == ["Name", "Change"]
        assert [r[0] for r in records[2:]] == ["'" + p for p in PAYLOADS]
        assert [r[1] for r in records[2:]] == ["-2", "-1", "0", "1", "2", "3"]
    else:
        sheet = openpyxl.load_workbook(out).active
        assert sheet["A1"].value == MARKING
        cells = [c for row in sheet.iter_rows(min_row=3) for c in row]
        assert {c.data_type for c in cells[0::2]} == {"s"}
        assert all(c.value.startswith("'") for c in cells[0::2])
        assert [c.value for c in cells[1::2]] == [-2, -1, 0, 1, 2, 3]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_pack_is_private_and_marked_on_its_first_page_and_properties(qapp, tmp_path):
    db = write_register(tmp_path / "r.sqlite3")
    pack = build_pack(figures_at(db), produced_by="DSupt Rowe",
                      produced_at=datetime(2017, 10, 10, 8, 45))
    out = tmp_path / "pack.pdf"
    write_pack_pdf(pack, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    first = subprocess.run(["pdftotext", "-l", "1", str(out), "-"], check=True,
                           capture_output=True, text=True).stdout
    assert MARKING in first
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True,
                              text=True).stdout
        assert MARKING in next(line for line in info.splitlines() if line.startswith("Title"))
