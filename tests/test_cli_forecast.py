"""``forecast`` on the command line: FORECAST-JSON.md's shape, the text tables, who may run it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from builders import Register, _test_password_hash
from sqlalchemy import text

from ncpi_desktop.analysis.forecast import GROUP_MEASURES, MEASURES
from ncpi_desktop.cli import main
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.audit import entries
from ncpi_desktop.storage.database import open_database

AS_AT = "2017-10-09"


@pytest.fixture
def db(tmp_path):
    """East 1: OM1 holds a monthly RSO (last visit 20/09: due 20/10, 20/11, 20/12) and an RSO
    whose ARMS expired; West 1: OM4 holds a yearly one visited on 01/11/2016 (due 01/11)."""
    r = Register()
    r.manager("OM1", bcu="East", team="East 1")
    r.manager("OM4", bcu="West", team="West 1", fte=0.8)
    r.rso("R1", manager_id="OM1", risk_level="very_high", sex="female")
    r.visit("R1", date(2017, 9, 20))
    r.rso("R2", manager_id="OM1", risk_level="low")
    r.visit("R2", date(2017, 9, 1))
    r.assessment("R2", date(2016, 1, 1))
    r.rso("R3", manager_id="OM4", bcu="West", risk_level="low", sex="female")
    r.visit("R3", date(2016, 11, 1))
    path = tmp_path / "f.sqlite3"
    engine = r.write(path)
    with engine.begin() as c:
        c.execute(text(
            "INSERT INTO app_user (user_name, display_name, roles, scope, manager_id, active,"
            " password_hash, created_at, changed_at) VALUES ('pc', 'pc', 'frontline',"
            " 'neighbourhood:Ashton', NULL, 1, :h, :at, :at)"),
            dict(h=_test_password_hash(), at=datetime(2017, 1, 1, tzinfo=UTC)))
    engine.dispose()
    return path


def test_json_holds_every_group_with_a_value_per_week(db, capsys):
    assert main(["forecast", "--db", str(db), "--as-at", AS_AT, "--weeks", "8", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"as_at", "weeks", "force", "bcus", "teams", "managers"}
    assert data["as_at"] == AS_AT
    assert data["weeks"][1] == {"starts_on": "2017-10-16", "ends_on": "2017-10-22"}
    assert len(data["weeks"]) == 8
    assert set(data["force"]) == set(GROUP_MEASURES)
    assert [b["name"] for b in data["bcus"]] == ["East", "West"]
    assert [(t["name"], t["bcu"]) for t in data["teams"]] == [("East 1", "East"),
                                                              ("West 1", "West")]
    assert [m["manager_id"] for m in data["managers"]] == ["OM1", "OM4"]
    assert set(data["managers"][0]) == {"manager_id", *MEASURES}
    for group in [data["force"], *data["bcus"], *data["teams"], *data["managers"]]:
        assert all(len(group[m]) == 8 for m in MEASURES)
    # R1 monthly: 20/10 (week 1); R3 yearly: 01/11 (week 3); R2's ARMS expired: week 0.
    assert data["managers"][0]["visits_due"] == [0, 1, 0, 0, 0, 0, 1, 0]
    assert data["managers"][0]["arms_due"] == [1, 0, 0, 0, 0, 0, 0, 0]
    assert data["teams"][1]["visits_due"] == [0, 0, 0, 1, 0, 0, 0, 0]
    assert data["force"]["visits_due"] == [0, 1, 0, 1, 0, 0, 1, 0]
    assert data["teams"][1]["hours_available"][0] == pytest.approx(0.8 * 37.0)


def test_without_json_a_table_per_group_with_uk_week_starts(db, capsys):
    assert main(["forecast", "--db", str(db), "--as-at", AS_AT]) == 0
    out = capsys.readouterr().out
    assert "Forecast as at 09/10/2017: 12 weeks to 31/12/2017" in out
    for title in ("Force", "BCU East", "BCU West", "Team East 1 (East)", "Team West 1 (West)"):
        assert f"\n{title}\n" in out
    header = next(line for line in out.splitlines() if "09/10" in line and "16/10" in line)
    assert header.split()[-1] == "25/12"
    visits = next(line for line in out.splitlines() if line.startswith("Home visits due"))
    assert visits.split()[-12:] == ["0", "1", "0", "1", "0", "0", "1", "0", "0", "0", "1", "0"]


def test_a_role_that_may_not_report_is_refused(db, capsys, monkeypatch):
    monkeypatch.setenv("NCPI_USER", "pc")
    assert main(["forecast", "--db", str(db), "--as-at", AS_AT, "--json"]) == 3
    assert capsys.readouterr().out == ""


def test_weeks_must_be_one_or_more(db, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["forecast", "--db", str(db), "--weeks", "0"])
    assert exit_.value.code == 2
    assert "must be from 1 to 104 weeks" in capsys.readouterr().err


# --- the forecast of a what-if scenario -------------------------------------------------------

SCENARIO = "East 1 +0.5"
STEPS = [{"kind": "add_manager", "team": "East 1", "bcu": "East", "fte": 0.5}]
REGISTER_TABLES = ("manager", "rso", "allocation", "visit", "arms", "civil_order",
                   "management_decision", "policy_value", "manager_absence")


@pytest.fixture
def saved(db, tmp_path, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"name": SCENARIO, "steps": STEPS}), encoding="utf-8")
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


def forecast_uses(db) -> list[dict]:
    engine = open_database(db)
    try:
        return [e for e in entries(engine) if e["action"] == "forecast for scenario"]
    finally:
        engine.dispose()


def test_a_scenarios_forecast_says_so_adds_its_hours_and_writes_only_the_audit(saved, capsys):
    before = register_rows(saved)
    assert main(["forecast", "--db", str(saved), "--as-at", AS_AT, "--weeks", "6", "--json"]) == 0
    today = json.loads(capsys.readouterr().out)
    assert main(["forecast", "--db", str(saved), "--as-at", AS_AT, "--weeks", "6", "--json",
                 "--scenario", SCENARIO]) == 0
    what_if = json.loads(capsys.readouterr().out)
    assert "scenario" not in today
    assert what_if["scenario"] == {"name": SCENARIO, "steps": STEPS}
    added = 0.5 * Policy().weekly_hours_per_fte
    teams = {t["name"]: t for t in today["teams"]}
    for team in what_if["teams"]:  # East 1 has 0.5 FTE more every week; West 1 as today
        more = added if team["name"] == "East 1" else 0.0
        assert team["hours_available"] == pytest.approx(
            [h + more for h in teams[team["name"]]["hours_available"]])
        assert team["visits_due"] == teams[team["name"]]["visits_due"]
    assert what_if["force"]["hours_available"] == pytest.approx(
        [h + added for h in today["force"]["hours_available"]])
    assert len(what_if["managers"]) == len(today["managers"]) + 1  # the manager it adds
    uses = forecast_uses(saved)
    assert [(u["kind"], u["detail"]["scenario"]) for u in uses] == [("disclosure", SCENARIO)]
    assert register_rows(saved) == before


def test_a_scenarios_tables_are_headed_scenario(saved, capsys):
    assert main(["forecast", "--db", str(saved), "--as-at", AS_AT, "--scenario", SCENARIO]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"SCENARIO: {SCENARIO} — not the register"
    assert "Forecast as at 09/10/2017" in out
    assert main(["forecast", "--db", str(saved), "--as-at", AS_AT]) == 0
    assert "SCENARIO" not in capsys.readouterr().out


def test_an_unknown_scenario_is_refused_with_nothing_printed(db, capsys):
    assert main(["forecast", "--db", str(db), "--as-at", AS_AT, "--json",
                 "--scenario", "nope"]) == 1
    out = capsys.readouterr()
    assert out.out == "" and "No scenario is saved as 'nope'" in out.err
    assert forecast_uses(db) == []
