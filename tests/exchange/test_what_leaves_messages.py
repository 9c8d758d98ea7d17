"""What leaves the application in messages (SECURITY.md): no name, date of birth or
neighbourhood in an import's errors, on screen or on the command line, though each still says
where; no password in a message; and the JSON report and crash reports carry the marking."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from builders import Register
from extract_files import csv_text, new_database, valid_rows, write_folder, write_workbook

from ncpi_desktop import crash
from ncpi_desktop.cli import main
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.exchange.outgoing import MARKING
from ncpi_desktop.storage.database import shown_location

#: Personal values that must not appear in any message, each in its own column and row.
FAMILY = "Whitcombe\x07"  # a control character: an error
GIVEN = "Annabel" * 30  # over the 200 characters of a name
BORN = "1985-02-30"  # not a date
NEIGHBOURHOOD = "Burnley Wood\x01"  # a control character
REASON = "Seen with Whitcombe at Burnley Wood " * 30  # over 1,000 characters
SECRETS = ("Whitcombe", "Annabel", "1985-02-30", "30/02/1985", "Burnley Wood")


def bad_tables(workbook: bool = False) -> dict[str, list[dict[str, str]]]:
    """A bad value in each personal column (a workbook cannot hold a control character: there,
    the names are too long instead)."""
    tables = valid_rows()
    offenders = tables["offenders"]
    offenders[0]["family_name"] = FAMILY if not workbook else FAMILY[:-1] * 25
    offenders[1]["given_names"] = GIVEN
    offenders[2]["date_of_birth"] = BORN
    offenders[3]["neighbourhood"] = NEIGHBOURHOOD if not workbook else NEIGHBOURHOOD[:-1] * 20
    offenders[4]["visit_interval_reason"] = REASON
    return tables


def assert_nothing_personal(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


@pytest.mark.parametrize("kind", ["folder", "workbook"])
def test_an_error_in_a_personal_column_says_where_but_not_what(tmp_path, kind):
    if kind == "folder":
        source, label = write_folder(tmp_path / "x", bad_tables()), "offenders.csv"
    else:
        source, label = write_workbook(tmp_path / "x.xlsx", bad_tables(workbook=True)), \
            "sheet offenders"
    engine = new_database(tmp_path / "db.sqlite3")
    result = import_extract(engine, source, actor="t", check=True)
    engine.dispose()
    lines = [str(issue) for issue in result.errors]
    assert [line.split(":")[0] for line in lines] == [
        f"{label} row 2, column family_name", f"{label} row 3, column given_names",
        f"{label} row 4, column date_of_birth", f"{label} row 5, column neighbourhood",
        f"{label} row 6, column visit_interval_reason"]
    assert "is not a date" in lines[2] and "has 210 characters" in lines[1]
    assert all(issue.value is None for issue in result.errors)
    assert_nothing_personal("\n".join(lines))


def test_the_command_line_shows_no_personal_value(tmp_path, capsys):
    folder = write_folder(tmp_path / "x", bad_tables())
    assert main(["import", str(folder), "--db", str(tmp_path / "new.sqlite3"), "--check"]) == 1
    out = capsys.readouterr()
    assert "offenders.csv row 4, column date_of_birth: is not a date" in out.out
    assert_nothing_personal(out.out + out.err)


def test_other_columns_still_show_their_value(tmp_path):
    tables = valid_rows()
    tables["visits"][0]["rso_id"] = "R404"
    engine = new_database(tmp_path / "db.sqlite3")
    result = import_extract(engine, write_folder(tmp_path / "x", tables), actor="t", check=True)
    engine.dispose()
    assert [str(i) for i in result.errors] == [
        'visits.csv row 2, column rso_id: "R404" is not a rso_id of offenders.csv or of the '
        "database (expected an existing rso_id)"]


def test_a_registration_before_birth_does_not_quote_the_date_of_birth(tmp_path):
    tables = valid_rows()
    born = tables["offenders"][0]["date_of_birth"]
    tables["offenders"][0]["registered_on"] = "1950-01-01"
    engine = new_database(tmp_path / "db.sqlite3")
    result = import_extract(engine, write_folder(tmp_path / "x", tables), actor="t", check=True)
    engine.dispose()
    [line] = [str(i) for i in result.errors]
    assert line.startswith("offenders.csv row 2, column registered_on:")
    assert "date_of_birth" in line and born not in line


def test_a_file_without_its_header_or_with_extra_values_quotes_no_row(tmp_path):
    tables = valid_rows()
    headless = csv_text(tables["offenders"]).split("\r\n", 1)[1]  # the first row is a record
    extra = csv_text(tables["arms"]) + "R1,2017-01-01,low,Whitcombe\r\n"
    engine = new_database(tmp_path / "db.sqlite3")
    result = import_extract(engine, write_folder(tmp_path / "x", tables, raw={
        "offenders.csv": headless.encode(), "arms.csv": extra.encode()}), actor="t", check=True)
    engine.dispose()
    lines = [str(i) for i in result.errors + result.warnings]
    assert "arms.csv row 4: has 4 values but the header names 3 columns (values in column 4)" \
        in lines
    assert any(line.startswith("offenders.csv: has no header row") for line in lines)
    first = tables["offenders"][0]  # read as the header: Smith, John, 1970-05-01, Burnley
    shown = "\n".join(lines)
    for column in ("family_name", "given_names", "date_of_birth", "neighbourhood"):
        assert first[column] and first[column].lower() not in shown.lower(), column
    assert "Whitcombe" not in shown


@pytest.mark.parametrize("url", [
    "postgresql://user:s3cret-pw@127.0.0.1:1/db",
    "postgresql://user@127.0.0.1:1/db?password=s3cret-pw&sslmode=disable",
    "postgresql://user@127.0.0.1:1/db?sslpassword=s3cret-pw",
    "mysql://user@localhost/db?PASSWORD=s3cret-pw",
])
def test_no_password_in_a_url_shown_or_in_its_error(url, capsys):
    assert "s3cret-pw" not in shown_location(url)
    assert "127.0.0.1" in shown_location(url) or "localhost" in shown_location(url)
    assert main(["report", "--db", url, "--json"]) == 2
    err = capsys.readouterr().err
    assert "s3cret-pw" not in err and "***" in err


# --- the report and crash reports ----------------------------------------------------------

def test_the_json_report_starts_with_its_marking(tmp_path, capsys):
    r = Register()
    r.manager("OM001")
    r.many(3, manager_id="OM001")
    r.write(tmp_path / "r.sqlite3").dispose()
    assert main(["report", "--db", str(tmp_path / "r.sqlite3"), "--as-at", "2017-10-09",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert next(iter(report)) == "marking" and report["marking"] == "OFFICIAL-SENSITIVE"


def test_a_crash_report_is_marked_private_and_holds_no_value(tmp_path, monkeypatch):
    monkeypatch.setattr(crash, "crash_folder", lambda: tmp_path / "log")
    name, born = FAMILY[:-1], BORN.replace("30", "28")
    try:
        raise ValueError(f"cannot read '{name}' born {born}")
    except ValueError as error:
        line = crash.report_crash(error, "test")
    [path] = (tmp_path / "log").iterdir()
    assert str(path) in line
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = Path(path).read_text(encoding="utf-8")
    assert text.splitlines()[0] == MARKING == crash.MARKING
    assert "Whitcombe" not in text and "1985-02-28" not in text
