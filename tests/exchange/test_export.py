"""Exports: the register as an extract that imports back to the same figures, and a table view's
frame as CSV or XLSX exactly as shown."""

from __future__ import annotations

import zipfile
from datetime import date

import numpy as np
import pandas as pd
import pytest
from builders import AS_AT, Register
from extract_files import db_state, new_database

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.export import ExportError, export_extract, export_frame
from ncpi_desktop.exchange.extract import TABLES, read_extract
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.load import load_snapshot


def register() -> Register:
    """A register with every kind of value the extract carries."""
    r = Register()
    r.manager("OM1", name="Ann Able, DC")
    r.manager("OM2", fte=0.6, team="East 2")
    r.manager("OM3", fte=0.33333333333333331, bcu="West", team="West 1")
    r.manager("SUP", role="supervisor")
    r.manager("LEFT", active=False)
    ids = r.many(55, manager_id="OM1", risk_level="high")
    r.many(12, manager_id="OM2", risk_level="low", management="reactive")
    r.many(4, team="East 2", risk_level="very_high")
    r.many(3, manager_id="OM3", status="custody", risk_level=None)
    r.many(2, manager_id="LEFT", status="missing", risk_level=None, sex="female")
    r.many(2, status="abroad", risk_level="medium", bcu="West")
    r.rso("ZOE", manager_id="OM3", family_name='Zoë "Zed", Jr', given_names="Anne\nMarie",
          neighbourhood="Flat 1, High St", risk_level="medium", bcu="West",
          community_since=date(2016, 5, 1), notification_indefinite=True,
          visit_interval_months=2, visit_interval_reason="RMP, 2017", paper_records_only=True,
          last_concern_on=date(2015, 1, 1), date_of_birth=date(2001, 2, 28))
    r.rso("LATE", manager_id="OM1", registered_on=date(2017, 11, 1),
          notification_ends=date(2027, 11, 1))
    for i, rso_id in enumerate(ids[:30]):
        r.visit(rso_id, date(2017, 1 + i % 9, 1 + i % 27), officers=1 + i % 2)
        r.visit(rso_id, date(2016, 6, 1), outcome="no_access")
        r.assessment(rso_id, date(2016 + i % 2, 1 + i % 12, 10), outcome=["low", "high"][i % 2])
    r.order(ids[0], date(2014, 1, 1))
    r.order(ids[1], date(2015, 6, 1), date(2017, 12, 1), type="SRO")
    r.order("ZOE", date(2016, 6, 1), type="NO")
    return r


def report(engine, as_at: date) -> dict:
    return build_report(compute_figures(load_snapshot(engine, as_at)))


def add_reviews(engine) -> None:
    """Case reviews (one RSO twice) and their actions, one done and one with free text that
    could start a formula."""
    from sqlalchemy import text

    with engine.begin() as c:
        for review_id, rso_id, on, grade in (("QR1", "R00001", "2017-03-01", "inadequate"),
                                             ("QR2", "R00001", "2017-09-01", "good"),
                                             ("QR3", "ZOE", "2016-10-09", "requires_improvement")):
            c.execute(text("INSERT INTO case_review VALUES (:i, :r, :on, 'sup', :g, :f)"),
                      dict(i=review_id, r=rso_id, on=on, g=grade, f=f"=findings {review_id}"))
        c.execute(text("INSERT INTO review_action VALUES ('QA1', 'QR3', 'Visit', 'DC A', "
                       "'2016-11-01', '2016-10-20'), ('QA2', 'QR1', '-call', 'DC B', "
                       "'2017-04-01', NULL)"))


@pytest.fixture
def source(tmp_path):
    engine = register().write(tmp_path / "source.sqlite3")
    add_reviews(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("out", ["extract", "extract.zip", "extract.xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_report(source, tmp_path, out):
    counts = export_extract(source, tmp_path / out)
    assert counts == {"managers": 5, "offenders": 80, "visits": 60, "arms": 30, "orders": 3,
                      "events": 0, "referrals": 0, "reviews": 3, "review_actions": 2}

    target = new_database(tmp_path / "target.sqlite3")
    result = import_extract(target, tmp_path / out, actor="tester")
    assert result.errors == [] and result.warnings == [] and result.written
    for as_at in (AS_AT, date.today()):
        assert report(target, as_at) == report(source, as_at)
    assert report(target, AS_AT)["force"]["qa_reviewed"] == 2

    # The imported register exports to the very same extract.
    export_extract(source, tmp_path / "first")
    export_extract(target, tmp_path / "again")
    for spec in TABLES.values():
        first = (tmp_path / "first" / spec.filename).read_bytes()
        assert (tmp_path / "again" / spec.filename).read_bytes() == first
    target.dispose()


def test_an_exported_extract_is_in_the_import_format(source, tmp_path):
    export_extract(source, tmp_path / "x")
    offenders = pd.read_csv(tmp_path / "x" / "offenders.csv", dtype=str, keep_default_na=False,
                            encoding="utf-8-sig", skiprows=1)  # the marking line
    assert list(offenders.columns) == TABLES["offenders"].column_names
    zoe = offenders.set_index("rso_id").loc["ZOE"]
    assert zoe["family_name"] == 'Zoë "Zed", Jr' and zoe["given_names"] == "Anne\nMarie"
    assert zoe["notification_ends"] == "indefinite" and zoe["paper_records_only"] == "yes"
    assert zoe["date_of_birth"] == "2001-02-28" and zoe["visit_interval_months"] == "2"
    managers = pd.read_csv(tmp_path / "x" / "managers.csv", dtype=str, encoding="utf-8-sig",
                           skiprows=1)
    assert managers.set_index("manager_id")["fte"].to_dict() == {
        "LEFT": "1", "OM1": "1", "OM2": "0.6", "OM3": "0.3333333333333333", "SUP": "1"}


def test_an_exported_zip_holds_the_csv_files_at_its_top(source, tmp_path):
    export_extract(source, tmp_path / "x.zip")
    with zipfile.ZipFile(tmp_path / "x.zip") as archive:
        assert sorted(archive.namelist()) == sorted(s.filename for s in TABLES.values())


def test_an_exported_workbook_has_real_dates_and_numbers(source, tmp_path):
    from openpyxl import load_workbook

    export_extract(source, tmp_path / "x.xlsx")
    workbook = load_workbook(tmp_path / "x.xlsx")
    assert workbook.sheetnames == list(TABLES)
    sheet = workbook["offenders"]
    assert sheet["A1"].value == "OFFICIAL-SENSITIVE"
    header = [c.value for c in sheet[2]]
    cell = sheet.cell(row=3, column=header.index("date_of_birth") + 1)
    assert cell.is_date and cell.number_format == "DD/MM/YYYY"
    fte = workbook["managers"].cell(row=5, column=5).value
    assert fte == pytest.approx(0.6)
    assert read_extract(tmp_path / "x.xlsx").issues == []


def test_an_empty_register_exports_headers_only(tmp_path):
    engine = new_database(tmp_path / "empty.sqlite3")
    export_extract(engine, tmp_path / "x")
    assert (tmp_path / "x" / "visits.csv").read_bytes().decode("utf-8-sig") == (
        "OFFICIAL-SENSITIVE\r\nvisit_id,rso_id,visited_on,outcome,officers\r\n")
    engine.dispose()


@pytest.mark.parametrize("out", ["x.csv", "missing/folder/x.zip"])
def test_where_an_extract_cannot_be_exported(source, tmp_path, out):
    with pytest.raises(ExportError):
        export_extract(source, tmp_path / out)


def test_exporting_reads_and_does_not_write(source, tmp_path):
    before = db_state(source)
    export_extract(source, tmp_path / "x.zip")
    assert db_state(source) == before


# --- a table view's frame -----------------------------------------------------------------------

def view() -> pd.DataFrame:
    return pd.DataFrame({
        "rso_id": ["R2", "R1", "R3"],
        "due": pd.to_datetime(["2017-10-01", None, "2018-02-28"]).astype("datetime64[s]"),
        "overdue": [True, False, False],
        "days": pd.array([8, pd.NA, None], dtype="Int64"),
        "share": [0.25, np.nan, 1 / 3],
        "note": ["=1+1", "a, b", None],
        "on": [date(2017, 1, 2), None, date(2017, 3, 4)],
        "hidden": ["x", "y", "z"],
    })


def test_a_frame_to_csv_keeps_its_rows_order_and_the_chosen_columns(tmp_path):
    columns = {"rso_id": "RSO", "due": "Next visit due", "overdue": "Overdue", "days": "Days",
               "share": "Share", "note": "Note", "on": "On"}
    assert export_frame(view(), columns, tmp_path / "v.csv") == 3
    assert (tmp_path / "v.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "OFFICIAL-SENSITIVE",
        "RSO,Next visit due,Overdue,Days,Share,Note,On",
        "R2,2017-10-01,yes,8,0.25,'=1+1,2017-01-02",
        "R1,,no,,,\"a, b\",",
        "R3,2018-02-28,no,,0.3333333333333333,,2017-03-04",
    ]


def test_a_frame_to_xlsx_has_real_dates_shown_day_first(tmp_path):
    from openpyxl import load_workbook

    export_frame(view(), ["rso_id", "due", "overdue", "days", "note", "on"], tmp_path / "v.xlsx",
                 sheet="Visits due")
    sheet = load_workbook(tmp_path / "v.xlsx")["Visits due"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == ["rso_id", "due", "overdue", "days", "note", "on"]
    assert values[1][0] == "R2" and values[1][1].date() == date(2017, 10, 1)
    assert values[1][2:5] == ["yes", 8, "'=1+1"]
    assert values[2][1] is None and values[2][3] is None
    assert sheet["B3"].number_format == "DD/MM/YYYY" and sheet["E3"].data_type == "s"
    assert sheet["F5"].value.date() == date(2017, 3, 4)


def test_a_frame_with_times_keeps_them(tmp_path):
    at = pd.to_datetime(["2017-10-01 09:30", "2017-10-02"], format="ISO8601")
    frame = pd.DataFrame({"at": at})
    export_frame(frame, None, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "OFFICIAL-SENSITIVE", "at", "2017-10-01 09:30", "2017-10-02 00:00"]


def test_a_frame_to_another_format_or_with_an_unknown_column_is_refused(tmp_path):
    with pytest.raises(ExportError, match="use .csv or .xlsx"):
        export_frame(view(), None, tmp_path / "v.pdf")
    with pytest.raises(ExportError, match="No column"):
        export_frame(view(), ["nope"], tmp_path / "v.csv")
