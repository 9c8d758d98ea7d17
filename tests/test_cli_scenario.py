"""What-if scenarios on the command line (issue 18, part 4): save, list, show, delete and apply;
``report --scenario`` and ``pack --scenario``, marked on every page and sheet, audited, and
writing nothing to the register."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date

import pytest
from builders import Register
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.storage.audit import entries
from ncpi_desktop.storage.database import open_database

AS_AT = "2017-10-09"
NAME = "East +1 and reactive"
MARK = f"SCENARIO: {NAME} — not the register"
STEPS = [{"kind": "add_manager", "team": "East 1", "bcu": "East", "fte": 1.0},
         {"kind": "reactive_all_eligible"}]
REGISTER_TABLES = ("manager", "rso", "allocation", "visit", "arms", "civil_order",
                   "management_decision", "policy_value", "manager_absence")


@pytest.fixture
def db(tmp_path):
    r = Register()
    r.manager("A", team="East 1")
    r.manager("B", team="East 1")
    for i in range(3):
        r.rso(f"LOW{i}", manager_id="A", risk_level="low", team="East 1")
        r.assessment(f"LOW{i}", date(2017, 3, 1), "low")
    r.many(60, manager_id="A", risk_level="medium", team="East 1")
    r.many(20, manager_id="B", risk_level="high", team="East 1")
    r.write(tmp_path / "r.sqlite3").dispose()
    return tmp_path / "r.sqlite3"


@pytest.fixture
def saved(db, tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"name": NAME, "steps": STEPS}), encoding="utf-8")
    assert main(["scenario", "save", "--db", str(db), "--file", str(path)]) == 0
    capsys.readouterr()
    return db


def register_rows(db) -> dict[str, list]:
    engine = open_database(db)
    try:
        with engine.connect() as connection:
            return {t: [tuple(r) for r in connection.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                    for t in REGISTER_TABLES}
    finally:
        engine.dispose()


def audit_rows(db, action: str) -> list[dict]:
    engine = open_database(db)
    try:
        return [e for e in entries(engine) if e["action"] == action]
    finally:
        engine.dispose()


def test_save_list_show_and_delete(saved, tmp_path, capsys):
    db = str(saved)
    assert main(["scenario", "list", "--db", db]) == 0
    assert capsys.readouterr().out.startswith(f"{NAME}\tversion 1\t2 step(s)\tsaved by manager")
    assert main(["scenario", "show", NAME, "--db", db, "--as-at", AS_AT]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["steps"] == STEPS and shown["version"] == 1
    assert [w["real"] for w in shown["what_each_does"]] == [False, True]
    assert shown["what_each_does"][1]["does"].startswith("3 reactive-eligible RSO(s)")
    path = tmp_path / "s.json"
    assert main(["scenario", "save", "--db", db, "--file", str(path)]) == 1
    assert "was saved by manager" in capsys.readouterr().err
    assert main(["scenario", "save", "--db", db, "--file", str(path), "--version", "1"]) == 0
    with pytest.raises(SystemExit):  # a delete names the version seen (scenario list)
        main(["scenario", "delete", NAME, "--db", db])
    assert "--version" in capsys.readouterr().err
    assert main(["scenario", "delete", NAME, "--db", db, "--version", "1"]) == 1  # now 2
    assert main(["scenario", "delete", NAME, "--db", db, "--version", "2"]) == 0
    assert main(["scenario", "show", NAME, "--db", db]) == 1
    assert f"No scenario is saved as '{NAME}'" in capsys.readouterr().err


def test_a_bad_file_names_the_step_and_field(db, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "x", "steps": [
        {"kind": "change_fte", "manager_id": "A", "fte": -1}]}), encoding="utf-8")
    assert main(["scenario", "save", "--db", str(db), "--file", str(path)]) == 1
    assert ("step 1 (change_fte): 'fte' must be a number above 0 and at most 1, not -1"
            in capsys.readouterr().err)


def test_the_report_of_a_scenario_says_so_and_is_audited(saved, capsys):
    before = register_rows(saved)
    assert main(["report", "--db", str(saved), "--as-at", AS_AT, "--json"]) == 0
    today = json.loads(capsys.readouterr().out)
    assert main(["report", "--db", str(saved), "--as-at", AS_AT, "--json",
                 "--scenario", NAME]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["scenario"] == {"name": NAME, "steps": STEPS}
    assert "scenario" not in today
    assert report["force"]["fte"] == today["force"]["fte"] + 1
    assert report["force"]["reactive"] == today["force"]["reactive"] + 3
    used = audit_rows(saved, "report for scenario")
    assert [(u["kind"], u["detail"]["scenario"]) for u in used] == [("disclosure", NAME)]
    assert register_rows(saved) == before


def test_an_unknown_scenario_is_refused(db, capsys):
    assert main(["report", "--db", str(db), "--as-at", AS_AT, "--json",
                 "--scenario", "nope"]) == 1
    assert "No scenario is saved as 'nope'" in capsys.readouterr().err


def test_every_sheet_of_a_scenario_workbook_is_marked(saved, tmp_path, capsys):
    from openpyxl import load_workbook

    before = register_rows(saved)
    out = tmp_path / "pack.xlsx"
    assert main(["pack", "--db", str(saved), "--as-at", AS_AT, "--out", str(out),
                 "--scenario", NAME]) == 0
    workbook = load_workbook(out)
    assert len(workbook.worksheets) > 3
    for sheet in workbook.worksheets:
        assert MARK in sheet.oddHeader.left.text and MARK in sheet.oddFooter.center.text
        assert MARK in sheet["A1"].value, sheet.title
    assert [u["detail"]["scenario"] for u in audit_rows(saved, "pack for scenario")] == [NAME]
    assert register_rows(saved) == before


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_every_page_of_a_scenario_pdf_is_marked(saved, tmp_path, capsys, qapp):
    before = register_rows(saved)
    out = tmp_path / "pack.pdf"
    assert main(["pack", "--db", str(saved), "--as-at", AS_AT, "--out", str(out),
                 "--scenario", NAME]) == 0
    pages = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True,
                           text=True).stdout.split("\f")
    pages = [" ".join(page.split()) for page in pages if page.strip()]
    assert len(pages) > 2
    for number, page in enumerate(pages, 1):
        assert page.count(MARK) == 2, f"page {number}: header and footer"
    assert register_rows(saved) == before
    plain = tmp_path / "plain.pdf"
    assert main(["pack", "--db", str(saved), "--as-at", AS_AT, "--out", str(plain)]) == 0
    text_ = subprocess.run(["pdftotext", str(plain), "-"], check=True, capture_output=True,
                           text=True).stdout
    assert "SCENARIO" not in text_


def test_apply_makes_the_real_parts_only(saved, capsys):
    assert main(["scenario", "apply", NAME, "--db", str(saved), "--as-at", AS_AT,
                 "--reason", "trial"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("applied: step 2 (reactive_all_eligible)") for line in out) == 3
    assert [line for line in out if line.startswith("not applied")] == [
        "not applied (hypothetical): step 1 (add_manager): Adds New offender manager 1 "
        "(SCENARIO-OM-1), 1 FTE, to team East 1 (East): hypothetical, not applied"]
    rows = register_rows(saved)
    assert {r[0] for r in rows["manager"]} == {"A", "B"}
    assert len(rows["management_decision"]) == 3


def test_an_analyst_may_not_keep_scenarios(saved, monkeypatch, capsys):
    from datetime import UTC, datetime

    from builders import _test_password_hash

    engine = open_database(saved)
    with engine.begin() as connection:
        at = datetime(2017, 1, 1, tzinfo=UTC)
        connection.execute(text(
            "INSERT INTO app_user (user_name, display_name, roles, scope, manager_id, active,"
            " password_hash, created_at, changed_at) VALUES ('analyst', 'Analyst', 'analyst',"
            " 'force', NULL, 1, :h, :at, :at)"), dict(h=_test_password_hash(), at=at))
    engine.dispose()
    monkeypatch.setenv("NCPI_USER", "analyst")
    assert main(["scenario", "list", "--db", str(saved)]) == 3
    assert "may not keep what-if scenarios" in capsys.readouterr().err
    assert main(["report", "--db", str(saved), "--as-at", AS_AT, "--json",
                 "--scenario", NAME]) == 3
    assert audit_rows(saved, "report") == []  # nothing disclosed
