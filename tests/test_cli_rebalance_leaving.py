"""``rebalance --leaving`` / ``--absent ... --until`` (issue 13, part 3): only that manager's RSOs
move, spread so that nobody ends above the lowest level reachable (checked by brute force on a
tiny team), high-risk ones spread too; --apply is the dialogs' own change."""

from __future__ import annotations

import itertools
import json

import pytest
from builders import Register
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.storage.database import make_engine

#: East 1 before: the leaver L (7: 3 high), A 40 (7 high), B 18 on 0.5 FTE (3 high), C 41 (7 high).
#: Each colleague has room for one more high-risk RSO at the level, so the three must spread.
FTE = {"A": 1.0, "B": 0.5, "C": 1.0}
HELD = {"A": 40, "B": 18, "C": 41}


@pytest.fixture
def register(tmp_path):
    r = Register()
    for manager_id in ("L", *FTE):
        r.manager(manager_id, fte=FTE.get(manager_id, 1.0))
    r.manager("W", bcu="West", team="West 1")
    highs = {"A": 7, "B": 3, "C": 7}
    for manager_id, count in HELD.items():
        r.many(highs[manager_id], manager_id=manager_id, team="East 1", risk_level="high")
        r.many(count - highs[manager_id], manager_id=manager_id, team="East 1", risk_level="low")
    high = r.many(3, manager_id="L", team="East 1", risk_level="high")
    r.many(4, manager_id="L", team="East 1", risk_level="medium")
    r.many(20, manager_id="W", team="West 1", bcu="West", risk_level="low")
    r.write(tmp_path / "r.sqlite3").dispose()
    return tmp_path / "r.sqlite3", high


def lowest_by_brute_force(leaving: int) -> float:
    """Every way of giving the leaver's RSOs to A, B and C: the least highest per FTE."""
    best = float("inf")
    for choice in itertools.product(FTE, repeat=leaving):
        held = dict(HELD)
        for manager_id in choice:
            held[manager_id] += 1
        best = min(best, max(held[i] / FTE[i] for i in FTE))
    return best


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["rebalance", *args])
    out, err = capsys.readouterr()
    return status, out, err


def holders(path) -> dict[str, str | None]:
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            return dict(c.execute(text("SELECT rso_id, manager_id FROM rso")).all())
    finally:
        engine.dispose()


def test_a_leavers_rsos_spread_to_the_lowest_level(register, capsys):
    path, high = register
    status, out, _ = run(capsys, "--db", str(path), "--as-at", "2017-10-09",
                         "--leaving", "L", "--json")
    assert status == 0
    proposal = json.loads(out)
    assert {"moves", "lower_bound", "feasible", "fte_short", "after", "highest_per_fte_before",
            "highest_per_fte_after", "lowest_reachable", "moves_lower_bound"} <= set(proposal)
    moves = proposal["moves"]
    assert len(moves) == 7 and {m["from"] for m in moves} == {"L"}
    assert {m["to"] for m in moves} <= set(FTE)
    best = lowest_by_brute_force(7)
    after = {row["manager_id"]: row for row in proposal["after"]}
    assert set(after) >= set(FTE) and "W" not in after
    assert max(after[i]["per_fte"] for i in FTE) == pytest.approx(best)
    assert proposal["highest_per_fte_after"] == pytest.approx(best)
    assert proposal["lowest_reachable"] == pytest.approx(best)
    assert proposal["moves_lower_bound"] == 7
    to = {m["rso_id"]: m["to"] for m in moves}
    assert len({to[rso_id] for rso_id in high}) == 3  # one high-risk RSO each
    assert all(after[i]["high_risk_share"] <= 0.2 + 1e-9 for i in FTE)


def test_leaving_applied_moves_only_the_leavers_rsos(register, capsys):
    path, _ = register
    before = holders(path)
    status, _, err = run(capsys, "--db", str(path), "--as-at", "2017-10-09",
                         "--leaving", "L", "--apply", "--reason", "retired")
    assert status == 0 and "applied" in err
    after = holders(path)
    assert {r for r in before if before[r] != after[r]} == {r for r in before
                                                              if before[r] == "L"}
    assert "L" not in after.values()
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            active = c.execute(text("SELECT active FROM manager WHERE manager_id = 'L'")).scalar()
            operations = c.execute(text("SELECT operation FROM audit")).scalars().all()
    finally:
        engine.dispose()
    assert not active and "manager leaving" in operations


def test_absent_records_the_absence_until_the_date(register, capsys):
    path, _ = register
    status, _, err = run(capsys, "--db", str(path), "--as-at", "2017-10-09", "--absent", "L",
                         "--until", "20/11/2017", "--apply", "--reason", "sick leave")
    assert status == 0, err
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            rows = c.execute(text("SELECT manager_id, starts_on, ends_on FROM manager_absence"))
            rows = [tuple(str(v) for v in row) for row in rows]
    finally:
        engine.dispose()
    assert rows == [("L", "2017-10-09", "2017-11-20")]
    assert "L" not in holders(path).values()


def test_absent_with_json_spreads_the_same_way(register, capsys):
    path, _ = register
    status, out, _ = run(capsys, "--db", str(path), "--as-at", "2017-10-09", "--absent", "L",
                         "--until", "20/11/2017", "--json")
    assert status == 0
    proposal = json.loads(out)
    assert {m["from"] for m in proposal["moves"]} == {"L"} and len(proposal["moves"]) == 7
    assert proposal["highest_per_fte_after"] == pytest.approx(lowest_by_brute_force(7))


@pytest.mark.parametrize("args", [("--leaving", "NOPE"), ("--absent", "NOPE", "--until",
                                                          "20/11/2017")])
def test_an_unknown_manager_is_one_line_and_exit_1(register, capsys, args):
    path, _ = register
    status, out, err = run(capsys, "--db", str(path), "--as-at", "2017-10-09", *args, "--json")
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and "NOPE" in err


def test_absent_needs_until(register, capsys):
    path, _ = register
    status, _, err = run(capsys, "--db", str(path), "--absent", "L", "--json")
    assert status == 1 and "--until" in err and err.count("\n") == 1


def test_a_bcu_the_manager_is_not_in_is_refused(register, capsys):
    path, _ = register
    status, out, err = run(capsys, "--db", str(path), "--leaving", "L", "--bcu", "West", "--json")
    assert status == 1 and out == "" and err.count("\n") == 1 and "West" in err


def test_the_level_stops_where_a_colleague_already_stands(tmp_path, capsys):
    """D already holds 60: the leaver's 4 go to E and F, nobody is moved off D, and the lowest
    reachable reported is D's 60 (brute force over the 4 RSOs agrees)."""
    r = Register()
    for manager_id in "LDEF":
        r.manager(manager_id)
    r.many(4, manager_id="L", team="East 1", risk_level="low")
    held = {"D": 60, "E": 10, "F": 12}
    for manager_id, count in held.items():
        r.many(count, manager_id=manager_id, team="East 1", risk_level="low")
    r.write(tmp_path / "d.sqlite3").dispose()
    status, out, _ = run(capsys, "--db", str(tmp_path / "d.sqlite3"), "--as-at", "2017-10-09",
                         "--leaving", "L", "--json")
    assert status == 0
    proposal = json.loads(out)
    best = min(max(held[i] + choice.count(i) for i in held)
               for choice in itertools.product(held, repeat=4))
    assert best == 60
    assert {m["from"] for m in proposal["moves"]} == {"L"} and len(proposal["moves"]) == 4
    assert "D" not in {m["to"] for m in proposal["moves"]}
    assert proposal["lowest_reachable"] == proposal["highest_per_fte_after"] == best


def test_the_proposal_is_exactly_what_apply_does(tmp_path, capsys):
    """The team also has 4 pooled RSOs and X, absent until next month (X's RSOs went to cover):
    only L's RSOs are in the proposal (the pooled ones stay pooled), and after --apply the
    report shows every manager as the proposal's ``after`` said."""
    r = Register()
    for manager_id in "LAX":
        r.manager(manager_id)
    r.many(10, manager_id="L", team="East 1", risk_level="low")
    r.many(30, manager_id="A", team="East 1", risk_level="low")
    r.many(20, manager_id="X", team="East 1", risk_level="low")
    r.many(4, team="East 1", risk_level="low")
    path = tmp_path / "p.sqlite3"
    r.write(path).dispose()
    status, _, err = run(capsys, "--db", str(path), "--as-at", "2017-10-09", "--absent", "X",
                         "--until", "20/11/2017", "--apply", "--reason", "training")
    assert status == 0, err
    status, out, _ = run(capsys, "--db", str(path), "--as-at", "2017-10-09", "--leaving", "L",
                         "--json")
    assert status == 0
    proposal = json.loads(out)
    held = sum(holder == "L" for holder in holders(path).values())
    assert {m["from"] for m in proposal["moves"]} == {"L"} and len(proposal["moves"]) == held
    promised = {row["manager_id"]: row["caseload"] for row in proposal["after"]}
    assert run(capsys, "--db", str(path), "--as-at", "2017-10-09", "--leaving", "L",
               "--apply", "--reason", "retired")[0] == 0
    assert main(["report", "--db", str(path), "--as-at", "2017-10-09", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    caseloads = {m["manager_id"]: m["caseload"] for m in report["managers"]}
    assert {i: caseloads.get(i, 0) for i in promised} == promised
    assert report["force"]["pooled"] == 4


def test_max_moves_does_not_go_with_leaving(register, capsys):
    path, _ = register
    status, out, err = run(capsys, "--db", str(path), "--leaving", "L", "--max-moves", "3",
                           "--json")
    assert status == 1 and out == "" and err.count("\n") == 1 and "--max-moves" in err
