"""The notification dates of offenders.csv (rule 13): validated with messages naming file, row
and column, imported, exported and imported back to the same notification figures."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from builders import AS_AT, Register
from extract_files import new_database, valid_rows, write_folder
from sqlalchemy import text

from ncpi_desktop.analysis.notification import notification_status
from ncpi_desktop.exchange.export import export_extract
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.storage.load import load_snapshot

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
NOTIFIED = ("first_notified_on", "last_notified_on", "expected_release_on")


@pytest.fixture
def source(tmp_path):
    r = Register()
    r.manager("OM1")
    blank = dict.fromkeys(NOTIFIED)
    r.rso("R1", manager_id="OM1", **blank | dict(first_notified_on=date(2001, 2, 3),
                                                last_notified_on=date(2016, 9, 1),
                                                notification_indefinite=True))
    r.rso("R2", manager_id="OM1", status="custody",
          **blank | dict(last_notified_on=date(2015, 5, 5),
                         expected_release_on=AS_AT + timedelta(days=30)))
    r.rso("R3", manager_id="OM1", **blank)
    engine = r.write(tmp_path / "source.sqlite3")
    yield engine
    engine.dispose()


def _status(engine):
    return notification_status(load_snapshot(engine, AS_AT))


@pytest.mark.parametrize("out", ["extract", "extract.zip", "extract.xlsx"])
def test_an_export_imports_back_to_the_same_notification_figures(source, tmp_path, out):
    export_extract(source, tmp_path / out)
    target = new_database(tmp_path / "target.sqlite3")
    result = import_extract(target, tmp_path / out, actor="tester")
    assert result.errors == [] and result.written
    before, after = _status(source), _status(target)
    pd.testing.assert_frame_equal(after, before)
    assert after.loc["R1", "renotification_overdue"]          # due 01/09/2017
    assert after.loc["R1", "notification_review_due"]         # 15 years: 03/02/2016
    with target.connect() as connection:
        held = connection.execute(text(
            "SELECT first_notified_on, last_notified_on, expected_release_on FROM rso "
            "WHERE rso_id = 'R2'")).one()
    assert [str(v) if v else None for v in held] == [None, "2015-05-05", "2017-11-08"]
    target.dispose()


def test_offenders_csv_carries_the_dates(source, tmp_path):
    export_extract(source, tmp_path / "x")
    lines = (tmp_path / "x" / "offenders.csv").read_text("utf-8-sig").splitlines()
    header = lines[1].split(",")
    rows = {line.split(",")[0]: dict(zip(header, line.split(","), strict=True))
            for line in lines[2:]}
    assert [rows["R1"][c] for c in NOTIFIED] == ["2001-02-03", "2016-09-01", ""]
    assert [rows["R2"][c] for c in NOTIFIED] == ["", "2015-05-05", "2017-11-08"]
    assert [rows["R3"][c] for c in NOTIFIED] == ["", "", ""]


def _import(tmp_path, tables, name="x"):
    engine = new_database(tmp_path / f"{name}.sqlite3")
    result = import_extract(engine, write_folder(tmp_path / name, tables), actor="tester")
    return engine, result


def test_bad_notification_dates_are_errors_naming_file_row_and_column(tmp_path):
    tables = valid_rows()
    offenders = tables["offenders"]
    for row in offenders:
        row.update(dict.fromkeys(NOTIFIED, ""))
    offenders[0].update(first_notified_on="2012-05-01", last_notified_on="2012-04-30")
    offenders[1].update(expected_release_on="2018-01-01")          # in the community
    offenders[2].update(first_notified_on=TOMORROW)
    offenders[3].update(last_notified_on="31/02/2017")
    engine, result = _import(tmp_path, tables)
    said = [str(issue) for issue in result.errors]
    assert not result.written
    assert 'offenders.csv row 2, column last_notified_on: "2012-04-30" is before ' \
           "first_notified_on 2012-05-01 (expected a date on or after the first " \
           "notification)" in said
    assert 'offenders.csv row 3, column expected_release_on: "2018-01-01" is given for an ' \
           "RSO whose status is community (expected blank unless the status is custody)" \
           in said
    assert any(s.startswith(f'offenders.csv row 4, column first_notified_on: "{TOMORROW}" '
                            "is in the future") for s in said)
    assert any(s.startswith('offenders.csv row 5, column last_notified_on: "31/02/2017"')
               for s in said)
    assert len(said) == 4
    engine.dispose()


def test_a_custody_rsos_release_may_be_in_the_future(tmp_path):
    tables = valid_rows()
    for row in tables["offenders"]:
        row.update(dict.fromkeys(NOTIFIED, ""))
    custody = next(r for r in tables["offenders"] if r["status"] == "custody")
    custody.update(first_notified_on="2011-01-05", last_notified_on="2011-01-05",
                   expected_release_on=TOMORROW)
    engine, result = _import(tmp_path, tables)
    assert result.errors == [] and result.written
    with engine.connect() as connection:
        held = connection.execute(text(
            "SELECT expected_release_on FROM rso WHERE rso_id = :r"),
            {"r": custody["rso_id"]}).scalar()
    assert str(held) == TOMORROW
    engine.dispose()


def test_an_extract_without_the_columns_leaves_the_dates_as_they_are(tmp_path):
    tables = valid_rows()
    for row in tables["offenders"]:
        row.update(dict.fromkeys(NOTIFIED, ""))
    tables["offenders"][0].update(first_notified_on="2012-05-01", last_notified_on="2017-01-02")
    engine, result = _import(tmp_path, tables, "first")
    assert result.written
    again = valid_rows()  # the columns left out
    assert "first_notified_on" not in again["offenders"][0]
    result = import_extract(engine, write_folder(tmp_path / "again", again), actor="tester")
    assert result.errors == []
    with engine.connect() as connection:
        held = connection.execute(text(
            "SELECT first_notified_on, last_notified_on FROM rso WHERE rso_id = :r"),
            {"r": tables["offenders"][0]["rso_id"]}).one()
    assert [str(v) for v in held] == ["2012-05-01", "2017-01-02"]
    engine.dispose()
