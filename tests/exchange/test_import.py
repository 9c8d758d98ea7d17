"""Importing an extract (IMPORT-FORMAT.md): every kind of bad input is reported with its file,
row, column, value and what was expected, and leaves the database exactly as it was."""

from __future__ import annotations

import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from builders import as_user
from extract_files import (
    csv_text,
    db_state,
    new_database,
    valid_rows,
    write_folder,
    write_workbook,
    write_zip,
)
from sqlalchemy import text

from ncpi_desktop.exchange.extract import ExtractUnusable
from ncpi_desktop.exchange.import_format import TABLES
from ncpi_desktop.exchange.importer import ImportResult, import_extract
from ncpi_desktop.storage.operations import reassign

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def engine(tmp_path):
    engine = new_database(tmp_path / "register.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture
def loaded(engine, tmp_path):
    """A database holding the valid extract, so "unchanged" means something."""
    result = import_extract(engine, write_folder(tmp_path / "first"), actor="tester")
    assert result.written, result.errors
    return engine


def messages(result: ImportResult) -> list[str]:
    return [str(issue) for issue in result.errors]


def rejected(engine, tmp_path: Path, tables, *, raw=None) -> list[str]:
    """Import ``tables``; assert it was refused and wrote nothing; return the error lines."""
    before = db_state(engine)
    folder = write_folder(tmp_path / "bad", tables, raw=raw)
    result = import_extract(engine, folder, actor="tester")
    assert result.errors, "the extract should have been refused"
    assert not result.written
    assert db_state(engine) == before
    return messages(result)


def rows(connection, sql: str) -> list[tuple]:
    return [tuple(r) for r in connection.execute(text(sql)).all()]


# --- a valid extract --------------------------------------------------------------------------

def test_a_valid_extract_is_imported_with_every_value_typed(engine, tmp_path):
    result = import_extract(engine, write_folder(tmp_path / "x"), actor="tester")

    assert result.errors == [] and result.written
    assert {n: (c.added, c.updated, c.unchanged) for n, c in result.counts.items()} == {
        "managers": (4, 0, 0), "offenders": (5, 0, 0), "visits": (3, 0, 0), "arms": (2, 0, 0),
        "orders": (2, 0, 0)}
    with engine.connect() as c:
        assert rows(c, "SELECT manager_id, fte, role, active FROM manager ORDER BY 1") == [
            ("OM1", 1.0, "offender_manager", 1), ("OM2", 0.5, "offender_manager", 1),
            ("OM3", 0.8, "offender_manager", 0), ("SUP1", 1.0, "supervisor", 1)]
        assert rows(c, "SELECT rso_id, date_of_birth, sex, risk_level, management, team, "
                       "notification_ends, notification_indefinite, visit_interval_months, "
                       "paper_records_only FROM rso ORDER BY 1") == [
            ("R1", "1970-05-01", "male", "high", "active", None, None, 1, None, 0),
            ("R2", "1985-02-01", "female", "low", "reactive", None, "2030-01-01", 0, None, 1),
            ("R3", "1990-12-31", "male", "medium", "active", "East 1", None, 0, None, 0),
            ("R4", "1960-01-01", "male", None, "active", None, None, 0, None, 0),
            ("R5", "1975-07-07", "male", "very_high", "active", None, None, 0, 2, 0)]
        assert rows(c, "SELECT visit_id, visited_on, outcome, officers FROM visit ORDER BY 1") == [
            ("V1", "2017-01-01", "completed", 2), ("V2", "2017-02-01", "no_access", 2),
            ("V3", "2017-09-01", "completed", 1)]
        assert rows(c, "SELECT type, ends_on FROM civil_order ORDER BY order_id") == [
            ("SHPO", None), ("SRO", "2018-01-01")]
        # Each RSO's first holder from when it entered the community (or registered).
        assert rows(c, "SELECT rso_id, manager_id, team, starts_on, ends_on, reason, actor "
                       "FROM allocation ORDER BY rso_id") == [
            ("R1", "OM1", None, "2010-01-01", None, "import", "tester"),
            ("R2", "OM2", None, "2006-01-01", None, "import", "tester"),
            ("R3", None, "East 1", "2012-01-01", None, "import", "tester"),
            ("R4", "OM1", None, "2011-01-01", None, "import", "tester"),
            ("R5", "OM1", None, "2015-03-03", None, "import", "tester")]
        audit = rows(c, "SELECT actor, operation, detail FROM audit")
    assert len(audit) == 1 and audit[0][:2] == ("tester", "import")
    assert '"offenders": {"added": 5' in audit[0][2]


def test_dd_mm_yyyy_dates_are_read_in_uk_order(engine, tmp_path):
    tables = valid_rows()
    tables["offenders"][0]["date_of_birth"] = "03/04/1971"
    tables["offenders"][0]["registered_on"] = "1/2/2010"
    import_extract(engine, write_folder(tmp_path / "x", tables), actor="tester")
    with engine.connect() as c:
        assert rows(c, "SELECT date_of_birth, registered_on FROM rso WHERE rso_id = 'R1'") == [
            ("1971-04-03", "2010-02-01")]


def test_column_names_are_matched_ignoring_case_spaces_and_order_and_a_bom(engine, tmp_path):
    tables = valid_rows()
    managers = csv_text(tables.pop("managers"))
    header, rest = managers.split("\r\n", 1)
    renamed = ",".join(f"  {name.upper()} " for name in reversed(header.split(",")))
    body = "\r\n".join(",".join(reversed(line.split(","))) for line in rest.split("\r\n"))
    raw = {"Managers.CSV": b"\xef\xbb\xbf" + (renamed + "\r\n" + body).encode()}
    result = import_extract(engine, write_folder(tmp_path / "x", tables, raw=raw),
                            actor="tester")
    assert result.errors == [] and result.counts["managers"].added == 4


def test_unknown_columns_are_ignored_with_a_warning(engine, tmp_path):
    tables = valid_rows()
    for row in tables["visits"]:
        row["notes"] = "anything"
    result = import_extract(engine, write_folder(tmp_path / "x", tables), actor="tester")
    assert result.written
    assert [str(w) for w in result.warnings] == [
        "visits.csv, column notes: is not a column of visits (expected visit_id, rso_id, "
        "visited_on, outcome, officers); ignored"]


def test_only_managers_and_offenders_are_required(engine, tmp_path):
    tables = valid_rows()
    for name in ("visits", "arms", "orders"):
        del tables[name]
    result = import_extract(engine, write_folder(tmp_path / "x", tables), actor="tester")
    assert result.written and set(result.counts) == {"managers", "offenders"}


def test_quoted_values_with_commas_and_line_breaks_keep_the_row_numbers(engine, tmp_path):
    tables = valid_rows()
    tables["offenders"][0]["family_name"] = 'Smith, "Jack"'
    tables["offenders"][0]["neighbourhood"] = "Flat 2\nHigh Street, Burnley"
    tables["offenders"][2]["date_of_birth"] = "1990-13-01"
    before = db_state(engine)
    result = import_extract(engine, write_folder(tmp_path / "bad", tables), actor="tester")
    # R3 is the third record: spreadsheet row 4, although the file's line 5.
    assert messages(result) == [
        'offenders.csv row 4, column date_of_birth: is not a date '
        "(expected YYYY-MM-DD or DD/MM/YYYY)"]
    assert db_state(engine) == before

    tables["offenders"][2]["date_of_birth"] = "1990-12-01"
    result = import_extract(engine, write_folder(tmp_path / "good", tables), actor="tester")
    assert result.written
    with engine.connect() as c:
        assert rows(c, "SELECT family_name, neighbourhood FROM rso WHERE rso_id = 'R1'") == [
            ('Smith, "Jack"', "Flat 2\nHigh Street, Burnley")]


def test_blank_rows_are_skipped_but_counted_as_rows(engine, tmp_path):
    tables = valid_rows()
    text_ = csv_text(tables["visits"]).replace("\r\nV2", "\r\n,,,,\r\n\r\nV2")
    text_ = text_.replace("2017-09-01", "2017-99-01")
    folder = write_folder(tmp_path / "x", tables, raw={"visits.csv": text_.encode()})
    result = import_extract(engine, folder, actor="tester")
    assert messages(result) == [
        'visits.csv row 6, column visited_on: "2017-99-01" is not a date '
        "(expected YYYY-MM-DD or DD/MM/YYYY)"]


# --- one test per kind of bad input -------------------------------------------------------------

def test_missing_required_column(loaded, tmp_path):
    tables = valid_rows()
    for row in tables["offenders"]:
        del row["date_of_birth"]
    assert rejected(loaded, tmp_path, tables) == [
        "offenders.csv, column date_of_birth: is missing: the column is required "
        "(expected YYYY-MM-DD or DD/MM/YYYY)"]


def test_unknown_choice(loaded, tmp_path):
    tables = valid_rows()
    tables["offenders"][1]["risk_level"] = "extreme"
    tables["offenders"][2]["status"] = "prison"
    tables["orders"][0]["type"] = "ASBO"
    assert rejected(loaded, tmp_path, tables) == [
        'offenders.csv row 3, column risk_level: "extreme" is not a known risk level '
        "(expected one of low, medium, high, very_high)",
        'offenders.csv row 4, column status: "prison" is not a known status '
        "(expected one of community, custody, abroad, missing)",
        'orders.csv row 2, column type: "ASBO" is not a known type '
        "(expected one of SHPO, SOPO, SRO, RSHO, FTO, NO)"]


@pytest.mark.parametrize("value", ["31/02/2017", "2017-02-30", "29/02/2017", "2017/01/01",
                                   "1 Jan 2017", "01-02-2017", "2017-1-1", "20170101"])
def test_bad_and_impossible_dates(loaded, tmp_path, value):
    tables = valid_rows()
    tables["arms"][0]["completed_on"] = value
    assert rejected(loaded, tmp_path, tables) == [
        f'arms.csv row 2, column completed_on: "{value}" is not a date '
        "(expected YYYY-MM-DD or DD/MM/YYYY)"]


def test_a_leap_day_is_a_date(engine, tmp_path):
    tables = valid_rows()
    tables["arms"][0]["completed_on"] = "29/02/2016"
    assert import_extract(engine, write_folder(tmp_path / "x", tables), actor="t").written


def test_duplicate_ids(loaded, tmp_path):
    tables = valid_rows()
    tables["offenders"].append(dict(tables["offenders"][0]))
    tables["visits"][2]["visit_id"] = "V1"
    tables["arms"].append(dict(tables["arms"][0], completed_on="01/03/2017"))
    assert rejected(loaded, tmp_path, tables) == [
        'offenders.csv row 7, column rso_id: "R1" repeats row 2 (expected a unique rso_id)',
        'visits.csv row 4, column visit_id: "V1" repeats row 2 (expected a unique visit_id)',
        'arms.csv row 4, column completed_on: "01/03/2017" repeats row 2 '
        "(expected one row per rso_id and completed_on)"]


def test_unknown_manager_or_rso_reference(loaded, tmp_path):
    tables = valid_rows()
    tables["offenders"][0]["manager_id"] = "OM9"
    tables["visits"][0]["rso_id"] = "R99"
    tables["orders"][1]["rso_id"] = "r5"
    assert rejected(loaded, tmp_path, tables) == [
        'offenders.csv row 2, column manager_id: "OM9" is not a manager_id of managers.csv or '
        "of the database (expected an existing manager_id)",
        'visits.csv row 2, column rso_id: "R99" is not a rso_id of offenders.csv or of the '
        "database (expected an existing rso_id)",
        'orders.csv row 3, column rso_id: "r5" is not a rso_id of offenders.csv or of the '
        "database (expected an existing rso_id)"]


def test_a_reference_may_name_a_row_the_database_already_holds(loaded, tmp_path):
    tables = valid_rows()
    tables["managers"] = tables["managers"][:1]
    tables["offenders"] = tables["offenders"][:1]
    tables["visits"] = [dict(visit_id="V9", rso_id="R2", visited_on="2017-05-05",
                             outcome="completed", officers="2")]
    tables["offenders"][0]["manager_id"] = "OM2"
    result = import_extract(loaded, write_folder(tmp_path / "x", tables), actor="t")
    assert result.errors == [] and result.counts["visits"].added == 1


@pytest.mark.parametrize(("fte", "why"), [("0", "is out of range"), ("1.5", "is out of range"),
                                          ("-0.5", "is out of range"), ("half", "is not a number"),
                                          ("", "is blank")])
def test_fte_must_be_above_0_and_at_most_1(loaded, tmp_path, fte, why):
    tables = valid_rows()
    tables["managers"][1]["fte"] = fte
    required = "; required" if not fte else ""
    assert rejected(loaded, tmp_path, tables) == [
        f'managers.csv row 3, column fte: "{fte}" {why} '
        f"(expected a decimal number, 0 < fte <= 1{required})"]


def test_a_date_of_birth_in_the_future(loaded, tmp_path):
    tables = valid_rows()
    tables["offenders"][3]["date_of_birth"] = TOMORROW
    assert rejected(loaded, tmp_path, tables) == [
        f'offenders.csv row 5, column date_of_birth: is in the future (expected '
        f"a date on or before today, {date.today().isoformat()})"]


def test_a_visit_in_the_future(loaded, tmp_path):
    tables = valid_rows()
    tables["visits"][1]["visited_on"] = TOMORROW
    assert rejected(loaded, tmp_path, tables) == [
        f'visits.csv row 3, column visited_on: "{TOMORROW}" is in the future (expected '
        f"a date on or before today, {date.today().isoformat()})"]


def test_today_is_not_the_future(engine, tmp_path):
    tables = valid_rows()
    tables["visits"][1]["visited_on"] = date.today().isoformat()
    assert import_extract(engine, write_folder(tmp_path / "x", tables), actor="t").written


def test_an_order_ending_before_or_when_it_starts(loaded, tmp_path):
    tables = valid_rows()
    tables["orders"][0]["ends_on"] = "31/12/2014"
    tables["orders"][1]["ends_on"] = "2016-01-01"
    assert rejected(loaded, tmp_path, tables) == [
        'orders.csv row 2, column ends_on: "2014-12-31" is not after starts_on 2015-01-01 '
        "(expected a date after starts_on, or blank)",
        'orders.csv row 3, column ends_on: "2016-01-01" is not after starts_on 2016-01-01 '
        "(expected a date after starts_on, or blank)"]


def test_a_visit_interval_without_a_reason(loaded, tmp_path):
    tables = valid_rows()
    tables["offenders"][4]["visit_interval_reason"] = " "
    assert rejected(loaded, tmp_path, tables) == [
        'offenders.csv row 6, column visit_interval_reason: is blank (expected the reason '
        "for the RSO's own visit interval: required with visit_interval_months)"]


@pytest.mark.parametrize(("months", "why"), [("0", "is out of range"), ("25", "is out of range"),
                                             ("2.5", "is not a whole number"),
                                             ("six", "is not a whole number")])
def test_a_visit_interval_is_a_whole_number_of_months_from_1_to_24(loaded, tmp_path, months,
                                                                    why):
    tables = valid_rows()
    tables["offenders"][4]["visit_interval_months"] = months
    assert rejected(loaded, tmp_path, tables) == [
        f'offenders.csv row 6, column visit_interval_months: "{months}" {why} '
        "(expected a whole number from 1 to 24)"]


def test_a_community_rso_needs_a_risk_level(loaded, tmp_path):
    tables = valid_rows()
    tables["offenders"][0]["risk_level"] = ""
    assert rejected(loaded, tmp_path, tables) == [
        'offenders.csv row 2, column risk_level: "" is blank (expected low, medium, high, '
        "very_high: required for an RSO in the community)"]


def test_yes_no_values(loaded, tmp_path):
    tables = valid_rows()
    tables["managers"][0]["active"] = "maybe"
    assert rejected(loaded, tmp_path, tables) == [
        'managers.csv row 2, column active: "maybe" is not yes or no '
        "(expected yes, no, y, n, true, false, 1 or 0)"]


def test_an_empty_file(loaded, tmp_path):
    assert rejected(loaded, tmp_path, valid_rows(), raw={"visits.csv": b""}) == [
        "visits.csv: is empty (expected a header row naming the columns)"]


def test_a_missing_required_file(loaded, tmp_path):
    tables = valid_rows()
    del tables["managers"]
    assert rejected(loaded, tmp_path, tables) == ["bad: has no managers.csv (required)"]


def test_a_file_that_is_not_utf8(loaded, tmp_path):
    latin1 = csv_text(valid_rows()["offenders"]).replace("Smith", "Zoë").encode("latin-1")
    assert rejected(loaded, tmp_path, valid_rows(), raw={"offenders.csv": latin1}) == [
        'offenders.csv: is not UTF-8 text (byte 0xeb on line 2 is not UTF-8); save it as '
        '"CSV UTF-8"']


def test_a_row_with_more_values_than_the_header(loaded, tmp_path):
    body = csv_text(valid_rows()["arms"]) + "R1,2017-01-01,low,surplus\r\nR2,2015-01-01,high\r\n"
    assert rejected(loaded, tmp_path, valid_rows(), raw={"arms.csv": body.encode()}) == [
        'arms.csv row 4: has 4 values but the header names 3 columns (values in column 4)']


def test_a_column_named_twice(loaded, tmp_path):
    body = "rso_id,completed_on,outcome,Outcome\r\nR1,2017-01-01,low,high\r\n"
    assert rejected(loaded, tmp_path, valid_rows(), raw={"arms.csv": body.encode()}) == [
        "arms.csv, column outcome: appears twice in the header (columns 3 and 4); give it once"]


def test_every_error_is_reported_not_just_the_first(loaded, tmp_path):
    tables = valid_rows()
    for row in tables["visits"]:
        row["outcome"] = "seen"
        row["visited_on"] = "yesterday"
    found = rejected(loaded, tmp_path, tables)
    assert len(found) == 6
    assert found[0].startswith("visits.csv row 2, column visited_on:")
    assert found[1].startswith("visits.csv row 2, column outcome:")


# --- workbooks and archives ---------------------------------------------------------------------

def test_a_workbook_with_a_sheet_per_table(engine, tmp_path):
    result = import_extract(engine, write_workbook(tmp_path / "x.xlsx"), actor="t")
    assert result.errors == [] and result.counts["offenders"].added == 5


def test_a_workbook_with_real_dates_and_numbers(engine, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Managers"
    sheet.append(["manager_id", "name", "bcu", "team", "fte", "active"])
    sheet.append([101, "A", "East", "East 1", 0.5, True])
    offenders = workbook.create_sheet("offenders")
    offenders.append(["rso_id", "family_name", "given_names", "date_of_birth", "sex", "bcu",
                      "status", "risk_level", "manager_id", "registered_on",
                      "visit_interval_months", "visit_interval_reason"])
    offenders.append(["R1", "F", "G", date(1980, 2, 3), "male", "East", "community", "low", 101,
                      date(2010, 1, 1), 6.0, "plan"])
    workbook.save(tmp_path / "x.xlsx")
    result = import_extract(engine, tmp_path / "x.xlsx", actor="t")
    assert result.errors == []
    with engine.connect() as c:
        assert rows(c, "SELECT manager_id, date_of_birth, visit_interval_months FROM rso") == [
            ("101", "1980-02-03", 6)]


def test_a_workbook_with_a_misnamed_sheet(loaded, tmp_path):
    before = db_state(loaded)
    path = write_workbook(tmp_path / "x.xlsx", sheet_names={"offenders": "RSOs"})
    result = import_extract(loaded, path, actor="t")
    assert messages(result) == [
        "x.xlsx: has no sheet named offenders (required; sheets found: managers, RSOs, visits, "
        "arms, orders)"]
    assert [str(w) for w in result.warnings] == [
        f"sheet RSOs: is not a table of the extract (expected sheets named "
        f"{', '.join(TABLES)}); ignored"]
    assert db_state(loaded) == before


def test_a_workbook_with_no_sheet_of_the_extract_is_not_an_extract(loaded, tmp_path):
    before = db_state(loaded)
    path = write_workbook(tmp_path / "x.xlsx", {"managers": valid_rows()["managers"]},
                          sheet_names={"managers": "Sheet1"})
    with pytest.raises(ExtractUnusable, match=f"x.xlsx is not an extract: expected sheets named "
                                              f"{', '.join(TABLES)}; found sheet Sheet1"):
        import_extract(loaded, path, actor="t")
    assert db_state(loaded) == before


def test_a_workbook_row_number_is_the_sheet_row(loaded, tmp_path):
    tables = valid_rows()
    tables["visits"][2]["outcome"] = "done"
    result = import_extract(loaded, write_workbook(tmp_path / "x.xlsx", tables), actor="t")
    assert messages(result) == [
        'sheet visits row 4, column outcome: "done" is not a known outcome '
        "(expected one of completed, no_access)"]


@pytest.mark.parametrize("top", ["", "extract-2017-10/"])
def test_a_zip_with_the_files_at_its_top_or_in_one_folder(engine, tmp_path, top):
    result = import_extract(engine, write_zip(tmp_path / "x.zip", top=top), actor="t")
    assert result.errors == [] and result.written


def test_a_zip_holding_two_extracts_is_refused(engine, tmp_path):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for top in ("a/", "b/"):
            archive.writestr(f"{top}managers.csv", csv_text(valid_rows()["managers"]))
    with pytest.raises(ExtractUnusable, match="holds more than one extract"):
        import_extract(engine, path, actor="t")


@pytest.mark.parametrize("make", [
    lambda p: p / "missing",
    lambda p: (p / "notes.txt").write_text("x") and p / "notes.txt",
    lambda p: (p / "empty").mkdir() or p / "empty",
    lambda p: (p / "fake.zip").write_text("not a zip") and p / "fake.zip",
    lambda p: (p / "fake.xlsx").write_text("not a workbook") and p / "fake.xlsx",
])
def test_what_is_not_an_extract(engine, tmp_path, make):
    before = db_state(engine)
    with pytest.raises(ExtractUnusable):
        import_extract(engine, make(tmp_path), actor="t")
    assert db_state(engine) == before


# --- importing again ------------------------------------------------------------------------

def test_importing_again_updates_by_id_and_counts_what_changed(loaded, tmp_path):
    tables = valid_rows()
    tables["managers"][1]["fte"] = "0.6"
    tables["offenders"][1]["risk_level"] = "medium"
    tables["offenders"].append(dict(tables["offenders"][0], rso_id="R6", manager_id="OM2"))
    tables["visits"] = tables["visits"][:1]  # rows left out are not deleted
    tables["arms"][0]["outcome"] = "high"  # arms update by rso_id + completed_on
    tables["orders"][0]["ends_on"] = "2020-01-01"
    result = import_extract(loaded, write_folder(tmp_path / "again", tables), actor="t")

    assert {n: (c.added, c.updated, c.unchanged) for n, c in result.counts.items()} == {
        "managers": (0, 1, 3), "offenders": (1, 1, 4), "visits": (0, 0, 1), "arms": (0, 1, 1),
        "orders": (0, 1, 1)}
    with loaded.connect() as c:
        assert rows(c, "SELECT COUNT(*) FROM visit") == [(3,)]
        assert rows(c, "SELECT fte FROM manager WHERE manager_id = 'OM2'") == [(0.6,)]
        assert rows(c, "SELECT outcome FROM arms WHERE rso_id = 'R1'") == [("high",)]
        assert rows(c, "SELECT COUNT(*) FROM audit WHERE operation = 'import'") == [(2,)]


def test_a_manager_change_is_recorded_in_the_allocation_history(loaded, tmp_path):
    today = date(2017, 10, 9)
    tables = valid_rows()
    tables["offenders"][0]["manager_id"] = "OM2"  # R1: OM1 -> OM2
    tables["offenders"][1]["manager_id"] = ""  # R2: OM2 -> pooled in its team
    tables["offenders"][1]["team"] = "East 2"
    tables["offenders"][2]["team"] = "East 3"  # R3: pooled, moves to another team's pool
    result = import_extract(loaded, write_folder(tmp_path / "again", tables), actor="t",
                            today=today)
    assert result.holder_changes == 3
    with loaded.connect() as c:
        assert rows(c, "SELECT rso_id, manager_id, team, starts_on, ends_on, reason "
                       "FROM allocation WHERE rso_id IN ('R1', 'R2', 'R3') "
                       "ORDER BY rso_id, starts_on") == [
            ("R1", "OM1", None, "2010-01-01", "2017-10-09", "import"),
            ("R1", "OM2", None, "2017-10-09", None, "import"),
            ("R2", "OM2", None, "2006-01-01", "2017-10-09", "import"),
            ("R2", None, "East 2", "2017-10-09", None, "import"),
            ("R3", None, "East 1", "2012-01-01", "2017-10-09", "import"),
            ("R3", None, "East 3", "2017-10-09", None, "import")]
        assert rows(c, "SELECT manager_id, team FROM rso WHERE rso_id = 'R2'") == [
            (None, "East 2")]


def test_reassignments_made_in_the_application_are_kept(loaded, tmp_path):
    reassign(loaded, ["R1"], "OM2", "covering absence", as_user("supervisor"), on=date(2017, 6, 1))
    tables = valid_rows()
    tables["offenders"][0]["manager_id"] = "OM2"  # the register caught up with the reassignment
    result = import_extract(loaded, write_folder(tmp_path / "again", tables), actor="t")
    assert result.holder_changes == 0 and result.errors == []
    with loaded.connect() as c:
        assert rows(c, "SELECT manager_id, starts_on, ends_on, reason FROM allocation "
                       "WHERE rso_id = 'R1' ORDER BY starts_on") == [
            ("OM1", "2010-01-01", "2017-06-01", "import"),
            ("OM2", "2017-06-01", None, "covering absence")]


def test_a_change_for_an_rso_without_history_keeps_the_earlier_holder(tmp_path):
    from builders import Register

    register = Register()
    register.manager("OM1")
    register.manager("OM2")
    register.rso("R1", manager_id="OM1", registered_on=date(2012, 1, 1))
    engine = register.write(tmp_path / "r.sqlite3")
    managers = [dict(manager_id=m, name=m, bcu="East", team="East 1", fte="1")
                for m in ("OM1", "OM2")]
    offenders = [dict(rso_id="R1", family_name="F", given_names="G", date_of_birth="1970-01-01",
                      sex="male", bcu="East", status="community", risk_level="low",
                      manager_id="OM2", registered_on="2012-01-01")]
    result = import_extract(engine, write_folder(tmp_path / "x", {
        "managers": managers, "offenders": offenders}), actor="t", today=date(2017, 10, 9))
    assert result.holder_changes == 1
    with engine.connect() as c:
        assert rows(c, "SELECT manager_id, starts_on, ends_on FROM allocation "
                       "ORDER BY starts_on") == [("OM1", "2012-01-01", "2017-10-09"),
                                                 ("OM2", "2017-10-09", None)]
    engine.dispose()


def test_a_column_left_out_keeps_what_the_database_holds(loaded, tmp_path):
    tables = valid_rows()
    for row in tables["offenders"]:
        del row["management"]
        del row["manager_id"]
    result = import_extract(loaded, write_folder(tmp_path / "again", tables), actor="t")
    assert result.counts["offenders"].unchanged == 5 and result.holder_changes == 0
    with loaded.connect() as c:
        assert rows(c, "SELECT management, manager_id FROM rso WHERE rso_id = 'R2'") == [
            ("reactive", "OM2")]


def test_check_validates_and_counts_without_writing(loaded, tmp_path):
    before = db_state(loaded)
    tables = valid_rows()
    tables["offenders"][0]["manager_id"] = "OM2"
    tables["visits"].append(dict(visit_id="V4", rso_id="R3", visited_on="2017-02-02",
                                 outcome="completed", officers="2"))
    result = import_extract(loaded, write_folder(tmp_path / "x", tables), actor="t", check=True)
    assert result.ok and not result.written
    assert result.counts["visits"].added == 1 and result.counts["offenders"].updated == 1
    assert result.holder_changes == 1
    assert db_state(loaded) == before


def test_cancel_rolls_back_and_progress_is_reported(loaded, tmp_path):
    before = db_state(loaded)
    tables = valid_rows()
    tables["managers"][0]["name"] = "Renamed"
    seen: list[tuple[int, int, str]] = []

    def cancel() -> bool:
        return any(what == "Writing visits" for _, _, what in seen)

    result = import_extract(loaded, write_folder(tmp_path / "x", tables), actor="t",
                            progress=lambda *a: seen.append(a), cancel=cancel)
    assert result.cancelled and not result.written and not result.ok
    assert db_state(loaded) == before
    assert [what for _, _, what in seen][:3] == ["Reading x", "Reading the ids the database holds",
                                                 "Checking every row"]
    done = [d for d, _, _ in seen]
    assert done == sorted(done) and all(t == seen[0][1] for _, t, _ in seen)


def test_an_import_needs_an_actor(engine, tmp_path):
    with pytest.raises(ValueError, match="who makes it"):
        import_extract(engine, write_folder(tmp_path / "x"), actor=" ")


def test_a_cancel_after_an_index_was_dropped_restores_it(loaded, tmp_path, monkeypatch):
    """A big insert rebuilds SQLite's indexes; a cancel in the middle leaves them as they were,
    even when no other row was written before the index was dropped."""
    import ncpi_desktop.exchange.importer as importer

    monkeypatch.setattr(importer, "REINDEX_MIN_ROWS", 1)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 1)
    tables = valid_rows()
    tables["visits"] += [dict(visit_id=f"N{i}", rso_id="R3", visited_on="2017-04-04",
                              outcome="completed", officers="2") for i in range(5)]
    schema = "SELECT name, sql FROM sqlite_master ORDER BY name"
    with loaded.connect() as c:
        indexes = rows(c, schema)
    before = db_state(loaded)
    seen: list[str] = []
    result = import_extract(loaded, write_folder(tmp_path / "x", tables), actor="t",
                            progress=lambda _d, _t, what: seen.append(what),
                            cancel=lambda: any(w.startswith("Writing visits: 2") for w in seen))
    assert result.cancelled
    assert db_state(loaded) == before
    with loaded.connect() as c:
        assert rows(c, schema) == indexes


def test_references_to_an_unreadable_file_are_not_each_reported(loaded, tmp_path):
    latin1 = csv_text(valid_rows()["managers"]).replace("Ann", "Ånn").encode("latin-1")
    assert rejected(loaded, tmp_path, valid_rows(), raw={"managers.csv": latin1}) == [
        'managers.csv: is not UTF-8 text (byte 0xc5 on line 2 is not UTF-8); save it as '
        '"CSV UTF-8"']
    tables = valid_rows()
    for row in tables["offenders"]:
        del row["rso_id"]
    assert rejected(loaded, tmp_path / "2", tables) == [
        "offenders.csv, column rso_id: is missing: the column is required (expected text)"]


def test_references_are_checked_against_a_file_with_a_bad_row(loaded, tmp_path):
    tables = valid_rows()
    tables["visits"][0]["rso_id"] = "R404"
    body = csv_text(tables["offenders"]) + "R9,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,t\r\n"
    assert rejected(loaded, tmp_path, tables, raw={"offenders.csv": body.encode()}) == [
        'offenders.csv row 7: has 20 values but the header names 19 columns (values in '
        'column 20)',
        'visits.csv row 2, column rso_id: "R404" is not a rso_id of offenders.csv or of the '
        "database (expected an existing rso_id)"]


def test_a_cancel_before_anything_was_read(loaded, tmp_path):
    before = db_state(loaded)
    result = import_extract(loaded, write_folder(tmp_path / "x"), actor="t", cancel=lambda: True)
    assert result.cancelled and not result.written and result.source == "x"
    assert db_state(loaded) == before


def test_an_extract_read_once_can_be_checked_then_imported(engine, tmp_path):
    from ncpi_desktop.exchange.extract import read_extract

    extract = read_extract(write_folder(tmp_path / "x"))
    check = import_extract(engine, extract, actor="t", check=True)
    result = import_extract(engine, extract, actor="t")
    assert check.counts == result.counts and result.written and result.source == "x"
