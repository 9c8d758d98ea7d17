"""``ncpi-desktop rebalance``: the proposal as JSON without writing, --apply as one change that
leaves the report consistent, and one-line errors."""

from __future__ import annotations

import json

import pytest
from builders import Register
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.storage.database import make_engine


@pytest.fixture
def db(tmp_path):
    """East 1: A holds 60 (10 above the limit), B 30; West 1: C 40 (balanced); 2 pooled East."""
    r = Register()
    r.manager("A", name="Alex Hart")
    r.manager("B", name="Bea Lord")
    r.manager("C", name="Cal Moss", bcu="West", team="West 1")
    r.many(54, manager_id="A", team="East 1", risk_level="medium")
    r.many(6, manager_id="A", team="East 1", risk_level="high")
    r.many(30, manager_id="B", team="East 1", risk_level="low")
    r.many(40, manager_id="C", team="West 1", bcu="West", risk_level="low")
    r.many(2, team="East 1", risk_level="low")
    r.write(tmp_path / "r.sqlite3").dispose()
    return tmp_path / "r.sqlite3"


def tables(path) -> dict[str, list]:
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            tables = {t: c.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
                      for t in ("rso", "allocation", "manager")}
            # Every command's sign-in and sign-out are audited (access); what it changed is not.
            tables["audit"] = c.execute(text("SELECT * FROM audit WHERE kind != 'access' "
                                             "ORDER BY 1")).all()
            return tables
    finally:
        engine.dispose()


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["rebalance", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_prints_the_proposal_and_writes_nothing(db, capsys):
    before = tables(db)
    status, out, _ = run(capsys, "--db", str(db), "--as-at", "2017-10-09", "--bcu", "East",
                         "--json")
    assert status == 0
    proposal = json.loads(out)
    assert {"moves", "lower_bound", "feasible", "fte_short", "after", "highest_per_fte_before",
            "highest_per_fte_after", "lowest_reachable", "moves_lower_bound", "max_moves",
            "curve"} <= set(proposal)
    assert proposal["max_moves"] is None
    assert proposal["feasible"] is True and proposal["fte_short"] == {}
    moves = proposal["moves"]
    assert len(moves) == proposal["lower_bound"] == 12
    assert {"rso_id", "from", "to", "reason", "why"} <= set(moves[0])
    pooled = [m for m in moves if m["from"] is None]
    assert len(pooled) == 2 and {m["reason"] for m in pooled} == {"allocation of pooled RSO"}
    assert {(m["from"], m["to"]) for m in moves if m["from"]} == {("A", "B")}
    after = {row["manager_id"]: row for row in proposal["after"]}
    assert set(after) == {"A", "B"}
    assert set(after["A"]) == {"manager_id", "caseload", "per_fte", "high_risk_share"}
    assert after["A"]["caseload"] == 50 and after["A"]["per_fte"] == 50.0
    assert after["B"]["caseload"] == 42
    assert tables(db) == before


def test_apply_moves_as_one_change_and_the_report_agrees(db, capsys):
    status, _, err = run(capsys, "--db", str(db), "--as-at", "09/10/2017", "--team", "East 1",
                         "--apply", "--reason", "caseload adjustment")
    assert status == 0
    assert err == "applied: Move 12 RSO(s) to B (caseload adjustment), from 09/10/2017\n"
    engine = make_engine(db)
    with engine.connect() as c:
        audit = c.execute(text("SELECT actor, operation FROM audit WHERE kind != 'access'")).all()
        opened = c.execute(text("SELECT DISTINCT reason, starts_on, actor FROM allocation "
                                "WHERE ends_on IS NULL")).all()
    engine.dispose()
    # The audit's who is the signed-in user (tests/conftest.py), never free text.
    assert audit == [("manager", "apply moves")]
    assert opened == [("caseload adjustment", "2017-10-09", "manager")]

    assert main(["report", "--db", str(db), "--as-at", "2017-10-09", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    managers = {m["manager_id"]: m for m in report["managers"]}
    assert managers["A"]["caseload"] == 50 and managers["A"]["flags"] == []
    assert managers["B"]["caseload"] == 42 and managers["B"]["flags"] == []
    assert report["force"]["pooled"] == 0

    status, out, _ = run(capsys, "--db", str(db), "--as-at", "2017-10-09", "--json")
    assert status == 0 and json.loads(out)["moves"] == []


def test_nothing_to_apply_changes_nothing(db, capsys):
    before = tables(db)
    status, _, err = run(capsys, "--db", str(db), "--as-at", "2017-10-09", "--bcu", "West",
                         "--apply", "--reason", "caseload adjustment")
    assert status == 0 and err == "nothing to move\n"
    assert tables(db) == before


@pytest.mark.parametrize(("args", "status", "message"), [
    (["--bcu", "North", "--json"], 1, "unknown BCU 'North': choose one of East, West"),
    (["--team", "East 9", "--json"], 1, "unknown team 'East 9': choose one of East 1, West 1"),
    (["--apply"], 1, "--apply needs --reason TEXT"),
    ([], 1, "say --json to print the proposal, or --apply to apply it"),
])
def test_errors_are_one_line(db, capsys, args, status, message):
    before = tables(db)
    code, out, err = run(capsys, "--db", str(db), *args)
    assert code == status and out == ""
    assert err == f"ncpi-desktop: {message}\n"
    assert tables(db) == before


def test_missing_database_is_status_2(tmp_path, capsys):
    code, _, err = run(capsys, "--db", str(tmp_path / "none.sqlite3"), "--json")
    assert code == 2 and err.count("\n") == 1 and "No database at" in err


def test_max_moves_gives_the_best_relief_within_them(db, capsys):
    """East 1 needs 12 moves (2 pooled, A 60 -> 50); within 5: the 2 pooled named and A at 57,
    said on stderr against the lowest reachable."""
    before = tables(db)
    status, out, err = run(capsys, "--db", str(db), "--as-at", "2017-10-09", "--team", "East 1",
                           "--max-moves", "5", "--json")
    assert status == 0
    proposal = json.loads(out)
    assert proposal["max_moves"] == 5 and len(proposal["moves"]) == 5
    assert proposal["feasible"] is False and proposal["fte_short"] == {}  # not short of staff
    assert sum(m["from"] is None for m in proposal["moves"]) == 2
    after = {row["manager_id"]: row for row in proposal["after"]}
    assert after["A"]["caseload"] == 57
    assert proposal["highest_per_fte_after"] == 57.0
    assert err == ("Within 5 move(s): nobody above 57.0 per FTE (now 60.0). With no limit: "
                   "50.0 per FTE, with at least 12 move(s).\n")
    assert [(p["moves"], p["highest_per_fte"]) for p in proposal["curve"]] == [(0, 60.0),
                                                                             (10, 52.0),
                                                                             (12, 50.0)]
    assert tables(db) == before


@pytest.mark.parametrize("value", ["-1", "many"])
def test_max_moves_must_be_a_whole_number(db, capsys, value):
    with pytest.raises(SystemExit) as exited:
        main(["rebalance", "--db", str(db), "--max-moves", value, "--json"])
    assert exited.value.code == 2
    assert "--max-moves" in capsys.readouterr().err
