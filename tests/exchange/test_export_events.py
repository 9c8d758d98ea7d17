"""Trigger events and referrals in the extract: exported, validated, and imported back to the
same clocks and figures."""

from __future__ import annotations

from datetime import date

import postgres
import pytest
from builders import AS_AT, Register, as_user
from extract_files import new_database

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.export import export_extract
from ncpi_desktop.exchange.extract import TABLES
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.storage.operations import record_event, record_referral

USER = as_user("DS Clock")


@pytest.fixture
def source(tmp_path):
    r = Register()
    r.manager("OM1")
    r.rso("R1", manager_id="OM1", risk_level="high")
    r.rso("R2", manager_id="OM1", risk_level="low")
    r.visit("R2", date(2017, 9, 5))
    engine = r.write(tmp_path / "source.sqlite3")
    record_event(engine, "R1", "disclosure_enquiry", date(2017, 9, 1), USER,
                 child_at_risk=True, today=AS_AT)
    record_referral(engine, "R1", date(2017, 9, 3), USER, today=AS_AT)
    record_event(engine, "R2", "address_change", date(2017, 9, 1), USER, today=AS_AT)
    record_event(engine, "R2", "concern", date(2017, 10, 1), USER, today=AS_AT)
    yield engine
    engine.dispose()


def figures(engine, as_at: date):
    return compute_figures(load_snapshot(engine, as_at))


@pytest.mark.parametrize("out", ["extract", "extract.zip", "extract.xlsx"])
def test_an_export_imports_back_to_the_same_clocks(source, tmp_path, out):
    counts = export_extract(source, tmp_path / out)
    assert (counts["events"], counts["referrals"]) == (3, 1)
    target = new_database(tmp_path / "target.sqlite3")
    result = import_extract(target, tmp_path / out, actor="tester")
    assert result.errors == [] and result.warnings == [] and result.written
    for as_at in (date(2017, 9, 2), AS_AT):
        before, after = figures(source, as_at), figures(target, as_at)
        assert build_report(after) == build_report(before)
        columns = ["event_id", "clock", "open", "days_left", "days_overdue", "days_taken"]
        assert after.clocks[columns].equals(before.clocks[columns])
    # R1: no visit since its enquiry; R2: its visit came before its concern of 01/10/2017.
    assert build_report(figures(target, AS_AT))["force"]["triggers_overdue"] == 2
    target.dispose()


def test_the_exported_files_are_in_the_import_format(source, tmp_path):
    export_extract(source, tmp_path / "x")
    text = (tmp_path / "x" / "events.csv").read_text("utf-8-sig").splitlines()
    assert text[0] == "OFFICIAL-SENSITIVE"
    assert text[1] == ",".join(TABLES["events"].column_names)
    assert sorted(line.split(",", 1)[1] for line in text[2:]) == [
        "R1,disclosure_enquiry,2017-09-01,yes", "R2,address_change,2017-09-01,no",
        "R2,concern,2017-10-01,no"]
    referrals = (tmp_path / "x" / "referrals.csv").read_text("utf-8-sig").splitlines()
    assert referrals[2].split(",", 1)[1] == "R1,2017-09-03,children's social care"


def test_bad_events_and_referrals_are_errors_naming_file_row_and_column(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "managers.csv").write_text("manager_id,name,bcu,team,fte\nOM1,A,East,East 1,1\n")
    (folder / "offenders.csv").write_text(
        "rso_id,family_name,given_names,date_of_birth,sex,bcu,status,registered_on\n"
        "R1,F,G,1970-01-01,male,East,community,2010-01-01\n")
    (folder / "events.csv").write_text(
        "event_id,rso_id,type,occurred_on,child_at_risk\n"
        "E1,R9,concern,2017-09-01,no\nE2,R1,rumour,2017-09-01,maybe\n"
        "E3,R1,arrest,2999-01-01,\n")
    (folder / "referrals.csv").write_text("referral_id,rso_id,referred_on,referred_to\n"
                                          "F1,R1,2017-09-02,\n")
    result = import_extract(new_database(tmp_path / "t.sqlite3"), folder, actor="tester")
    said = [str(issue) for issue in result.errors]
    assert any(s.startswith('events.csv row 2, column rso_id: "R9" is not a rso_id')
               for s in said)
    assert any(s.startswith('events.csv row 3, column type: "rumour"') for s in said)
    assert any(s.startswith('events.csv row 3, column child_at_risk: "maybe"') for s in said)
    assert any(s.startswith("events.csv row 4, column occurred_on:") for s in said)
    assert any(s.startswith("referrals.csv row 2, column referred_to:") for s in said)
    assert not result.written


def test_the_pack_carries_the_clocks(source):
    from datetime import UTC, datetime

    from ncpi_desktop.exchange.pack import build_pack

    pack = build_pack(figures(source, AS_AT), produced_by="tester",
                      produced_at=datetime(2017, 10, 9, tzinfo=UTC))
    section = next(s for s in pack.sections if s.key == "clocks")
    assert section.paragraphs[0].startswith(
        "3 trigger events recorded by the as-at date (median 4 days to the visit, 33.3% within "
        "7 days; where a child may be at risk, median 2 days to the referral, 0.0% within 1 "
        "day). 2 clocks are open, 2 overdue.")
    summary, teams, open_clocks = section.tables
    visit = summary.frame.iloc[0]
    # R2's address change was visited on day 4 (in time); R1's and R2's concern are overdue.
    assert (visit["clocks"], visit["median_days"], visit["open"], visit["overdue"]) == (3, 4, 2, 2)
    assert visit["share_within_target"] == pytest.approx(1 / 3)
    assert list(open_clocks.frame["rso_id"]) == ["R1", "R2"]  # most overdue first
    assert list(open_clocks.frame["days_overdue"]) == [31, 1]
    assert teams.frame.to_dict("records") == [
        {"name": "East 1", "bcu": "East", "triggers_open": 2, "triggers_overdue": 2}]


@pytest.mark.skipif(postgres.available() is not None, reason=str(postgres.available()))
def test_on_postgres_the_clocks_and_the_records_are_the_same(source, tmp_path):
    export_extract(source, tmp_path / "x")
    with postgres.server() as url:
        engine = open_database(url)
        try:
            result = import_extract(engine, tmp_path / "x", actor="tester")
            assert result.written, result.errors
            for as_at in (date(2017, 9, 2), AS_AT):
                assert build_report(figures(engine, as_at)) == build_report(
                    figures(source, as_at))
            change = record_event(engine, "R1", "arrest", date(2017, 10, 2), USER, today=AS_AT)
            assert build_report(figures(engine, AS_AT))["force"]["triggers_open"] == 3
            change.undo(engine, USER)
            assert build_report(figures(engine, AS_AT))["force"]["triggers_open"] == 2
        finally:
            engine.dispose()
