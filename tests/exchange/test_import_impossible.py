"""Issue 12, validation: what cannot be true is refused, each error naming the file, row, column,
value and what was expected, and nothing is written (IMPORT-FORMAT.md "Values")."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from extract_files import db_state, new_database, valid_rows, write_folder, write_workbook

from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.exchange.limits import DEFAULT_LIMITS

TODAY = date.today().isoformat()
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def engine(tmp_path):
    engine = new_database(tmp_path / "register.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture
def loaded(engine, tmp_path):
    assert import_extract(engine, write_folder(tmp_path / "first"), actor="tester").written
    return engine


def rejected(engine, tmp_path, tables, limits=DEFAULT_LIMITS) -> list[str]:
    before = db_state(engine)
    result = import_extract(engine, write_folder(tmp_path / "bad", tables), actor="tester",
                            limits=limits)
    assert result.errors and not result.written
    assert db_state(engine) == before
    return [str(issue) for issue in result.errors]


@pytest.mark.parametrize("value", ["0000-01-01", "0001-01-01", "01/01/0001", "1899-12-31"])
def test_a_date_before_1900_is_refused(engine, tmp_path, value):
    """A date of birth of 0000-01-01 used to be imported, then made the RSO detail panel
    raise."""
    tables = valid_rows()
    tables["offenders"][0]["date_of_birth"] = value
    assert rejected(engine, tmp_path, tables) == [
        'offenders.csv row 2, column date_of_birth: is before 1900 (expected a date '
        "from 1900-01-01 on)"]


def test_1900_itself_is_a_date(engine, tmp_path):
    tables = valid_rows()
    tables["offenders"][0]["date_of_birth"] = "1900-01-01"
    assert import_extract(engine, write_folder(tmp_path / "x", tables), actor="t").written


@pytest.mark.parametrize(("table", "row", "column"), [
    ("offenders", 0, "registered_on"),
    ("offenders", 1, "community_since"),
    ("offenders", 0, "last_concern_on"),
    ("arms", 0, "completed_on"),
    ("visits", 0, "visited_on"),
])
def test_an_event_in_the_future_is_refused(engine, tmp_path, table, row, column):
    tables = valid_rows()
    tables[table][row][column] = TOMORROW
    assert rejected(engine, tmp_path, tables) == [
        f'{table}.csv row {row + 2}, column {column}: "{TOMORROW}" is in the future (expected '
        f"a date on or before today, {TODAY})"]


def test_dates_that_look_ahead_may_be_in_the_future(engine, tmp_path):
    tables = valid_rows()
    tables["offenders"][1]["notification_ends"] = "2090-01-01"
    tables["orders"][0]["starts_on"] = TOMORROW
    tables["orders"][0]["ends_on"] = "2090-01-01"
    tables["offenders"][0]["registered_on"] = TODAY
    assert import_extract(engine, write_folder(tmp_path / "x", tables), actor="t").written


def test_the_import_date_bounds_the_future(engine, tmp_path):
    result = import_extract(engine, write_folder(tmp_path / "x"), actor="t",
                            today=date(2017, 2, 1), check=True)
    assert [str(i) for i in result.errors] == [
        'visits.csv row 4, column visited_on: "2017-09-01" is in the future (expected a date on '
        "or before today, 2017-02-01)",
        'arms.csv row 2, column completed_on: "2017-03-01" is in the future (expected a date on '
        "or before today, 2017-02-01)"]


def test_registration_before_birth_is_refused(engine, tmp_path):
    tables = valid_rows()
    tables["offenders"][0]["registered_on"] = "1969-12-31"
    assert rejected(engine, tmp_path, tables) == [
        'offenders.csv row 2, column registered_on: "1969-12-31" is before the RSO\'s '
        "date_of_birth (expected a date on or after the date of birth)"]


def test_a_nul_byte_in_an_id_is_refused(engine, tmp_path):
    """`R00\\0 01` used to be imported, and shown as `R00`."""
    tables = valid_rows()
    tables["offenders"][0]["rso_id"] = "R00\x00 01"
    errors = rejected(engine, tmp_path, tables)
    assert errors[0] == ('offenders.csv row 2, column rso_id: "R00\\u0000 01" holds the control '
                         "character U+0000 (expected text without control characters)")
    # R1's visits, ARMS and order now name an RSO the extract does not hold
    assert all("is not a rso_id of offenders.csv" in e for e in errors[1:])


@pytest.mark.parametrize(("column", "value", "code"), [
    ("family_name", "Smi\x07th", "0007"), ("given_names", "John\x1b[31m", "001B"),
    ("neighbourhood", "Burnley\x7f", "007F"), ("visit_interval_reason", "RM\x85P", "0085"),
])
def test_control_characters_are_refused_in_any_text(engine, tmp_path, column, value, code):
    tables = valid_rows()
    tables["offenders"][4][column] = value
    errors = rejected(engine, tmp_path, tables)
    assert len(errors) == 1
    assert errors[0].startswith(f"offenders.csv row 6, column {column}: ")
    assert errors[0].endswith(f"holds the control character U+{code} (expected text without "
                              "control characters other than a tab or a line break)")


def test_a_tab_or_a_line_break_may_be_in_text_but_not_in_an_id(engine, tmp_path):
    tables = valid_rows()
    tables["offenders"][0]["neighbourhood"] = "Flat 2\tHigh Street\nBurnley"
    assert import_extract(engine, write_folder(tmp_path / "ok", tables), actor="t").written
    tables["managers"][0]["manager_id"] = "OM\t9"
    errors = rejected(engine, tmp_path, tables)
    assert errors[0] == ('managers.csv row 2, column manager_id: "OM\\t9" holds the control '
                         "character U+0009 (expected text without control characters)")


def test_ids_that_differ_only_in_case_are_refused(engine, tmp_path):
    """`r0001` beside `R0001` used to make a second RSO."""
    tables = valid_rows()
    tables["offenders"][2]["rso_id"] = "r1"
    tables["managers"][1]["manager_id"] = "om1"
    tables["offenders"][1]["manager_id"] = "OM1"
    assert rejected(engine, tmp_path, tables) == [
        'managers.csv row 3, column manager_id: "om1" differs only in case from OM1 in row 2 '
        "(expected a unique manager_id, case ignored)",
        'offenders.csv row 4, column rso_id: "r1" differs only in case from R1 in row 2 '
        "(expected a unique rso_id, case ignored)"]


def test_an_id_the_database_holds_in_another_case_is_refused(loaded, tmp_path):
    tables = valid_rows()
    tables["offenders"][2]["rso_id"] = "r3"
    tables["visits"] = tables["arms"] = tables["orders"] = []
    del tables["visits"], tables["arms"], tables["orders"]
    assert rejected(loaded, tmp_path, tables) == [
        'offenders.csv row 4, column rso_id: "r3" differs only in case from R3 in the database '
        "(expected a unique rso_id, case ignored)"]


def test_a_reference_must_match_exactly(loaded, tmp_path):
    tables = valid_rows()
    tables["visits"][0]["rso_id"] = "r1"
    assert rejected(loaded, tmp_path, tables) == [
        'visits.csv row 2, column rso_id: "r1" is not a rso_id of offenders.csv or of the '
        "database (expected an existing rso_id)"]


def test_a_name_over_the_limit_is_refused_and_one_at_it_is_not(engine, tmp_path):
    """A 190 MB name used to be imported: a name is at most 200 characters (a huge one is
    refused as the file is read, test_import_limits)."""
    tables = valid_rows()
    tables["offenders"][0]["family_name"] = "A" * 200
    assert import_extract(engine, write_folder(tmp_path / "ok", tables), actor="t",
                          check=True).ok
    tables["offenders"][0]["family_name"] = "B" * 201
    assert rejected(engine, tmp_path, tables) == [
        'offenders.csv row 2, column family_name: has 201 characters (expected '
        "at most 200: the limit of characters per id or name, --max-name-chars)"]


def test_a_value_over_the_field_limit_is_refused(engine, tmp_path):
    tables = valid_rows()
    tables["offenders"][4]["visit_interval_reason"] = "x" * 1_001
    assert rejected(engine, tmp_path, tables) == [
        'offenders.csv row 6, column visit_interval_reason: has 1,001 '
        "characters (expected at most 1,000: the limit of characters per value, "
        "--max-field-chars)"]
    limits = replace(DEFAULT_LIMITS, field_chars=2_000)
    assert import_extract(engine, write_folder(tmp_path / "ok", tables), actor="t",
                          limits=limits).written


def test_the_same_rules_hold_in_a_workbook(engine, tmp_path):
    tables = valid_rows()
    tables["offenders"][0]["date_of_birth"] = "0001-01-01"
    tables["offenders"][1]["rso_id"] = "r1"
    before = db_state(engine)
    result = import_extract(engine, write_workbook(tmp_path / "x.xlsx", tables), actor="t")
    assert [str(i) for i in result.errors if "offenders" in str(i)][:2] == [
        'sheet offenders row 2, column date_of_birth: is before 1900 (expected a '
        "date from 1900-01-01 on)",
        'sheet offenders row 3, column rso_id: "r1" differs only in case from R1 in row 2 '
        "(expected a unique rso_id, case ignored)"]
    assert db_state(engine) == before
