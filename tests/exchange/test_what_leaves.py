"""What leaves the application (SECURITY.md): every CSV and XLSX file it writes is marked
OFFICIAL-SENSITIVE, readable by its owner only, and no cell of it can start a formula, whatever
the names in the register; an exported extract still imports back exactly."""

from __future__ import annotations

import csv
import io
import stat
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from builders import Register
from exchange.pack_register import figures_at
from extract_files import new_database
from sqlalchemy import text

from ncpi_desktop.exchange.export import export_extract, export_frame
from ncpi_desktop.exchange.import_format import TABLES
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.exchange.outgoing import (
    MARKING,
    safe_column,
    safe_text,
    starts_formula,
    unquote_text,
)
from ncpi_desktop.exchange.pack import build_pack
from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx
from ncpi_desktop.exchange.templates import write_templates

#: Names a spreadsheet would run as formulas (OWASP's CSV-injection examples).
PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\tx", "\rx"]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def payload_register() -> Register:
    """Each payload as a manager's name, an RSO's family and given names, neighbourhood and
    reason; an ordinary name beside them."""
    r = Register()
    r.manager("OM1", name=PAYLOADS[0])
    r.manager("OM2", name="Ann O'Brien")
    for i, payload in enumerate(PAYLOADS):
        r.rso(f"R{i + 1}", manager_id="OM1", family_name=payload, given_names=payload,
              neighbourhood=payload, visit_interval_months=3, visit_interval_reason=payload)
    r.rso("R9", manager_id="OM2", family_name="-Smith", given_names="'Quoted",
          last_concern_on=date(2016, 1, 1))
    return r


@pytest.fixture
def source(tmp_path):
    engine = payload_register().write(tmp_path / "source.sqlite3")
    yield engine
    engine.dispose()


def rso_names(engine) -> dict[str, tuple[str, str, str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT rso_id, family_name, given_names, neighbourhood, "
            "coalesce(visit_interval_reason, '') FROM rso")).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def csv_records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_safe_csv(data: bytes) -> list[list[str]]:
    """The marking line first, then no cell that a spreadsheet would start a formula with (a
    number such as -2 is a number, not a formula)."""
    records = csv_records(data)
    assert records[0] == [MARKING]
    cells = [cell for record in records[1:] for cell in record]
    assert not [c for c in cells if starts_formula(c) and not is_number(c)]
    return records


def assert_safe_workbook(path: Path) -> list[openpyxl.cell.Cell]:
    """Marked (properties, every sheet's footer) and no formula cell; returns the text cells."""
    book = openpyxl.load_workbook(path)
    assert MARKING in (book.properties.category, book.properties.keywords)
    cells = []
    for sheet in book:
        assert MARKING in sheet.oddFooter.center.text
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not starts_formula(cell.value), (sheet.title, cell.coordinate)
                    cells.append(cell)
    return cells


# --- the rule --------------------------------------------------------------------------------

def test_text_that_could_start_a_formula_gets_one_apostrophe_and_numbers_stay_numbers():
    assert [safe_text(p) for p in PAYLOADS] == ["'" + p for p in PAYLOADS]
    assert [safe_text(v) for v in ("Smith", "O'Brien", "'Brien", -2, -2.5, None)] == [
        "Smith", "O'Brien", "'Brien", -2, -2.5, None]
    column = pd.Series([*PAYLOADS, "Smith", -2, None], dtype=object)
    assert safe_column(column).tolist() == [*("'" + p for p in PAYLOADS), "Smith", -2, None]
    numbers = pd.Series([-2, -3.5])
    assert safe_column(numbers) is numbers


def test_what_is_written_is_read_back_exactly():
    values = [*PAYLOADS, "'=x", "''-y", "'Brien", "O'Brien", "-Smith", "\nx", "plain"]
    written = [safe_text(v) for v in values]
    assert written[6:] == ["''=x", "'''-y", "'Brien", "O'Brien", "'-Smith", "'\nx", "plain"]
    assert list(unquote_text(pd.Series(written, dtype=object).to_numpy())) == values


# --- extracts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("out", ["extract", "extract.zip", "extract.xlsx"])
def test_an_extract_with_formula_names_is_safe_marked_private_and_imports_back(
        source, tmp_path, out):
    path = tmp_path / out
    export_extract(source, path)
    if out == "extract":
        files = sorted(path.iterdir())
        assert {mode(f) for f in files} == {0o600}
        data = {f.name: f.read_bytes() for f in files}
    elif out.endswith(".zip"):
        assert mode(path) == 0o600
        with zipfile.ZipFile(path) as archive:
            assert archive.comment.decode() == MARKING
            data = {name: archive.read(name) for name in archive.namelist()}
    if out.endswith(".xlsx"):
        assert mode(path) == 0o600
        cells = assert_safe_workbook(path)
        book = openpyxl.load_workbook(path)
        assert [book[name]["A1"].value for name in TABLES] == [MARKING] * len(TABLES)
        assert [c.value for c in book["offenders"][2]][:3] == [
            "rso_id", "family_name", "given_names"]
        quoted = [c.value for c in cells if c.value[1:] in PAYLOADS]
    else:
        records = {name: assert_safe_csv(body) for name, body in data.items()}
        assert records["offenders.csv"][1] == TABLES["offenders"].column_names
        quoted = [c for r in records["offenders.csv"][2:] for c in r if c[1:] in PAYLOADS]
    assert quoted and all(c.startswith("'") for c in quoted)

    target = new_database(tmp_path / "target.sqlite3")
    result = import_extract(target, path, actor="tester")
    assert result.errors == [] and result.written
    expected = rso_names(source)
    if out.endswith(".xlsx"):  # a workbook's XML gives any carriage return back as a line feed
        expected = {k: tuple(v and v.replace("\r", "\n") for v in names)
                    for k, names in expected.items()}
    assert rso_names(target) == expected  # "-Smith", "\tx", "'Quoted" and all
    with target.connect() as connection:
        assert connection.execute(text("SELECT name FROM manager WHERE manager_id = 'OM1'")
                                  ).scalar_one() == PAYLOADS[0]
    target.dispose()


def test_a_typed_apostrophe_is_read_as_a_spreadsheet_shows_it(tmp_path):
    from extract_files import valid_rows, write_folder

    tables = valid_rows()
    tables["offenders"][0]["family_name"] = "'-Smith"
    tables["offenders"][1]["family_name"] = "O'Brien"
    engine = new_database(tmp_path / "db.sqlite3")
    result = import_extract(engine, write_folder(tmp_path / "x", tables), actor="t")
    assert result.errors == []
    names = {row[0] for row in rso_names(engine).values()}
    assert {"-Smith", "O'Brien"} <= names
    engine.dispose()


def test_a_marking_line_saved_by_a_spreadsheet_is_skipped_and_rows_counted_after_it(tmp_path):
    from extract_files import csv_text, valid_rows, write_folder

    tables = valid_rows()
    tables["offenders"][1]["date_of_birth"] = "1985-02-30"
    body = "OFFICIAL-SENSITIVE,,,\r\n" + csv_text(tables["offenders"])
    engine = new_database(tmp_path / "db.sqlite3")
    result = import_extract(engine, write_folder(tmp_path / "x", tables,
                                                 raw={"offenders.csv": body.encode()}),
                            actor="t", check=True)
    # marking row 1, header row 2, first record row 3: the second record is row 4
    assert [str(i) for i in result.errors] == [
        "offenders.csv row 4, column date_of_birth: is not a date (expected YYYY-MM-DD or "
        "DD/MM/YYYY)"]
    engine.dispose()


# --- a table as shown -------------------------------------------------------------------------

def shown_table() -> pd.DataFrame:
    return pd.DataFrame({
        "name": [*PAYLOADS, "Smith"],
        "change": [-2, 3, -1, 0, -7, 2, -4],
        "share": [-0.25, 0.5, -1.5, 0.0, 0.1, -0.2, 0.3],
        "due": pd.to_datetime(["2017-10-01"] * 7),
    })


def test_a_table_exported_to_csv_is_marked_private_and_formula_free(tmp_path):
    out = tmp_path / "table.csv"
    export_frame(shown_table(), {"name": "Name", "change": "Change", "share": "Share",
                                 "due": "Due"}, out)
    assert mode(out) == 0o600
    records = assert_safe_csv(out.read_bytes())
    assert records[1] == ["Name", "Change", "Share", "Due"]
    assert [r[0] for r in records[2:]] == [*("'" + p for p in PAYLOADS), "Smith"]
    assert [r[1] for r in records[2:]] == ["-2", "3", "-1", "0", "-7", "2", "-4"]  # numbers
    assert records[2][2] == "-0.25"


def test_a_table_exported_to_xlsx_is_marked_private_and_formula_free(tmp_path):
    out = tmp_path / "table.xlsx"
    export_frame(shown_table(), None, out, sheet="RSOs")
    assert mode(out) == 0o600
    assert_safe_workbook(out)
    sheet = openpyxl.load_workbook(out)["RSOs"]
    assert sheet["A1"].value == MARKING and MARKING in sheet.oddHeader.center.text
    assert [c.value for c in sheet[2]] == ["name", "change", "share", "due"]
    names = [sheet.cell(row=r, column=1) for r in range(3, 10)]
    assert [c.value.replace("\n", "\r") for c in names] == [*("'" + p for p in PAYLOADS),
                                                             "Smith"]
    assert {c.data_type for c in names} == {"s"}
    change = sheet["B3"]
    assert change.value == -2 and change.data_type == "n"  # a negative number stays a number
    assert sheet["C3"].value == -0.25 and sheet["C3"].data_type == "n"


# --- the pack and the templates ------------------------------------------------------------

def test_the_pack_workbook_with_names_is_marked_private_and_formula_free(tmp_path):
    r = payload_register()
    for i in range(1, len(PAYLOADS) + 1):  # overdue: on the pack's named lists
        r.rsos[i - 1]["community_since"] = date(2017, 1, 1)
    r.write(tmp_path / "r.sqlite3").dispose()
    pack = build_pack(figures_at(tmp_path / "r.sqlite3"), produced_by="@SUM(1)", names=True,
                      produced_at=datetime(2017, 10, 10, 9, 0))
    out = tmp_path / "pack.xlsx"
    write_pack_xlsx(pack, out)
    assert mode(out) == 0o600
    cells = assert_safe_workbook(out)
    book = openpyxl.load_workbook(out)
    assert all(MARKING in s["A2"].value and MARKING in s.oddHeader.right.text for s in book)
    quoted = [c.value for c in cells if any(p in c.value for p in PAYLOADS)]
    assert quoted and all(v.startswith("'") for v in quoted if v[1:2] in "=+-@\t\r")
    assert "'@SUM(1)" in [c.value for c in cells]  # produced by


def test_templates_are_marked_and_private(tmp_path):
    for path in write_templates(tmp_path / "templates"):
        assert mode(path) == 0o600
        records = assert_safe_csv(path.read_bytes())
        assert len(records) == 3
