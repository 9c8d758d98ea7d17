"""Rebalancing writes: bulk moves, leavers, absences and hand back. Each is one transaction with
one audit row, and undo restores the register and its history exactly (and redo redoes)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from builders import AS_AT, Register, as_user
from sqlalchemy import text

from ncpi_desktop.storage.allocations import (
    absences,
    absent_on,
    allocation_history,
    current_allocation_starts,
    hand_backs_due,
)
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.storage.operations import (
    OperationError,
    apply_moves,
    check_effective_date,
    hand_back,
    manager_absent,
    manager_leaving,
)

START = date(2015, 1, 1)
BACK = date(2018, 1, 8)


@pytest.fixture
def engine(tmp_path):
    """A (East 1) holds R1-R4 (R4 in custody), B (East 1) R5, C (East 2) nothing; P1 pooled."""
    r = Register()
    r.manager("A", name="Alice Ashworth")
    r.manager("B", name="Bob Birtwistle")
    r.manager("C", name="Carol Crossley", team="East 2")
    r.manager("L", active=False)
    for rso_id, holder in (("R1", "A"), ("R2", "A"), ("R3", "A"), ("R4", "A"), ("R5", "B")):
        status = "custody" if rso_id == "R4" else "community"
        r.rso(rso_id, manager_id=holder, team="East 1", status=status)
        r.allocation(rso_id, holder, START)
    r.rso("P1", team="East 1")
    r.allocation("P1", None, START, team="East 1")
    engine = r.write(tmp_path / "ops.sqlite3")
    yield engine
    engine.dispose()


def state(engine) -> dict[str, list]:
    """Every row of the tables these operations touch, in full, but for the RSO's version
    (which every write, an undo too, moves on: the lost-update check)."""
    with engine.connect() as c:
        return {table: [tuple(v for k, v in row.items() if k != "version")
                        for row in c.execute(text(f"SELECT * FROM {table} ORDER BY 1")).mappings()]
                for table in ("rso", "allocation", "manager", "manager_absence")}


def audits(engine) -> list[str]:
    with engine.connect() as c:
        return list(c.execute(text("SELECT operation FROM audit ORDER BY id")).scalars())


def holders(engine) -> dict[str, str | None]:
    with engine.connect() as c:
        return dict(c.execute(text("SELECT rso_id, manager_id FROM rso")).all())


def assert_undo_redo_exact(engine, change, before: dict[str, list]) -> None:
    after = state(engine)
    undone = change.undo(engine, as_user("DS Undo"))
    assert state(engine) == before
    redone = undone.undo(engine, as_user("DS Undo"))
    assert state(engine) == after
    redone.undo(engine, as_user("DS Undo"))
    assert state(engine) == before


def test_apply_moves_is_one_change_to_many_managers(engine):
    before = state(engine)
    change = apply_moves(engine, [("R1", "B"), ("R2", "C"), ("P1", "C")], "caseload adjustment",
                         as_user("DS Smith"), on=AS_AT)
    assert holders(engine) == {"R1": "B", "R2": "C", "R3": "A", "R4": "A", "R5": "B",
                                    "P1": "C"}
    assert audits(engine) == ["apply moves"]
    assert change.summary == "Move 3 RSO(s) to 2 managers (caseload adjustment)"
    history = allocation_history(engine, rso_id="R2")
    assert history["holder"].tolist() == ["Carol Crossley (C)", "Alice Ashworth (A)"]
    assert history["ends_on"].isna().tolist() == [True, False]
    assert history["starts_on"].iloc[0] == history["ends_on"].iloc[1] == pd.Timestamp(AS_AT)
    assert history[["reason", "actor"]].iloc[0].tolist() == ["caseload adjustment", "DS Smith"]
    with engine.connect() as c:
        assert c.execute(text("SELECT team FROM rso WHERE rso_id='R2'")).scalar() == "East 2"
    assert_undo_redo_exact(engine, change, before)
    assert audits(engine) == ["apply moves", "undo apply moves", "redo apply moves",
                              "undo apply moves"]


def test_moves_show_in_the_snapshot_at_the_effective_date(engine):
    apply_moves(engine, [("R1", "B")], "continuity", as_user("DS Smith"), on=AS_AT)
    held = load_snapshot(engine, AS_AT, loaders={}).rsos.set_index("rso_id")["manager_id"]
    assert held["R1"] == "B"
    earlier = load_snapshot(engine, date(2017, 10, 8), loaders={}).rsos.set_index("rso_id")
    assert earlier.loc["R1", "manager_id"] == "A"


def test_a_move_to_none_goes_to_the_team_pool(engine):
    apply_moves(engine, [("R1", None)], "other: review", as_user("DS Smith"), on=AS_AT)
    with engine.connect() as c:
        assert c.execute(text("SELECT manager_id, team FROM rso WHERE rso_id='R1'")).one() \
            == (None, "East 1")
    assert allocation_history(engine, rso_id="R1")["holder"].iloc[0] == "Pool of East 1"


@pytest.mark.parametrize(("moves", "reason", "actor", "message"), [
    ([], "continuity", "x", "No moves were chosen"),
    ([("R1", "B"), ("R1", "C")], "continuity", "x", "R1 is moved to two places"),
    ([("R1", "Z")], "continuity", "x", "Unknown offender manager: Z"),
    ([("R1", "L")], "continuity", "x", "L is not an active manager"),
    ([("NOPE", "B")], "continuity", "x", "Unknown RSO id"),
    ([("R1", "A")], "continuity", "x", "already with that manager"),
    ([("R1", "B")], " ", "x", "A reason is required"),
    ([("R1", "B")], "continuity", " ", "needs the name of who made it"),
])
def test_refused_moves_change_nothing(engine, moves, reason, actor, message):
    before = state(engine)
    with pytest.raises(OperationError, match=message):
        apply_moves(engine, moves, reason, as_user(actor), on=AS_AT)
    assert state(engine) == before and audits(engine) == []


def test_a_move_cannot_end_an_allocation_that_began_after_it(engine):
    apply_moves(engine, [("R1", "B")], "continuity", as_user("DS Smith"), on=AS_AT)
    before = state(engine)
    message = "R1 moved on 09/10/2017, after the effective date 01/10/2017"
    with pytest.raises(OperationError, match=message):
        apply_moves(engine, [("R1", "C")], "continuity", as_user("DS Smith"), on=date(2017, 10, 1))
    with pytest.raises(OperationError, match=message):
        check_effective_date(engine, ["R1", "R2"], date(2017, 10, 1))
    check_effective_date(engine, ["R1", "R2"], AS_AT)
    assert state(engine) == before


def test_a_leaver_hands_every_rso_on_and_becomes_inactive(engine):
    before = state(engine)
    change = manager_leaving(engine, "A", [("R1", "B"), ("R2", "C")], "manager left",
                             as_user("DS Smith"), on=AS_AT)
    assert holders(engine) == {"R1": "B", "R2": "C", "R3": None, "R4": None, "R5": "B",
                               "P1": None}
    with engine.connect() as c:
        assert c.execute(text("SELECT active FROM manager WHERE manager_id='A'")).scalar() == 0
        pooled = c.execute(text("SELECT team FROM rso WHERE rso_id IN ('R3','R4')")).scalars()
        assert set(pooled) == {"East 1"}
    assert change.summary == "Alice Ashworth leaves: 4 RSO(s) moved"
    assert audits(engine) == ["manager leaving"]
    held = allocation_history(engine, manager_id="A")
    assert sorted(held["rso_id"]) == ["R1", "R2", "R3", "R4"]
    assert held["ends_on"].notna().all()
    assert_undo_redo_exact(engine, change, before)


def test_a_leaver_gives_up_rsos_and_receives_none(engine):
    before = state(engine)
    with pytest.raises(OperationError, match="R5 cannot move to A, who is giving up"):
        manager_leaving(engine, "A", [("R5", "A")], "manager left", as_user("DS Smith"), on=AS_AT)
    assert state(engine) == before
    manager_leaving(engine, "A", [("R1", "B"), ("R5", "C")], "manager left", as_user("DS Smith"),
                    on=AS_AT)
    assert holders(engine) == {"R1": "B", "R2": None, "R3": None, "R4": None, "R5": "C",
                               "P1": None}


def test_absence_moves_to_cover_and_hand_back_brings_them_home(engine):
    change = manager_absent(engine, "A", BACK, [("R1", "B"), ("R2", "C"), ("R3", "C")],
                            as_user("DS Smith"), on=AS_AT, note="long-term sickness")
    assert holders(engine)["R1"] == "B" and holders(engine)["R4"] is None
    recorded = absences(engine)
    assert recorded[["manager_id", "reason", "actor"]].iloc[0].tolist() \
        == ["A", "long-term sickness", "DS Smith"]
    assert len(absent_on(recorded, AS_AT)) == 1 and len(absent_on(recorded, BACK)) == 0
    reasons = allocation_history(engine, manager_id="C")["reason"]
    assert set(reasons) == {"manager absent"}
    assert change.summary == "Alice Ashworth absent until 08/01/2018: 4 RSO(s) to cover"

    assert hand_backs_due(engine, date(2018, 1, 7)).empty
    due = hand_backs_due(engine, BACK)
    assert sorted(due["rso_id"]) == ["R1", "R2", "R3", "R4"]
    assert set(due["cover"]) == {"Bob Birtwistle", "Carol Crossley", "Pool of East 1"}

    apply_moves(engine, [("R3", "B")], "continuity", as_user("DS Smith"), on=date(2017, 11, 1))
    assert sorted(hand_backs_due(engine, BACK)["rso_id"]) == ["R1", "R2", "R4"]

    absence_id = int(recorded["id"].iloc[0])
    before_back = state(engine)
    back = hand_back(engine, absence_id, as_user("DS Smith"), on=BACK)
    assert holders(engine) == {"R1": "A", "R2": "A", "R3": "B", "R4": "A", "R5": "B",
                               "P1": None}
    assert absences(engine)["returned_on"].iloc[0] == pd.Timestamp(BACK)
    assert hand_backs_due(engine, BACK).empty
    assert back.summary == "Hand back 3 RSO(s) to Alice Ashworth"
    assert allocation_history(engine, rso_id="R1")["reason"].tolist() \
        == ["manager returned", "manager absent", "test"]
    assert_undo_redo_exact(engine, back, before_back)
    hand_back(engine, absence_id, as_user("DS Smith"), on=BACK)
    with pytest.raises(OperationError, match="handed back on 08/01/2018"):
        hand_back(engine, absence_id, as_user("DS Smith"), on=BACK)


def test_undoing_an_absence_removes_it_and_restores_every_holder(engine):
    before = state(engine)
    change = manager_absent(engine, "A", BACK, [("R1", "B")], as_user("DS Smith"), on=AS_AT)
    assert_undo_redo_exact(engine, change, before)
    assert absences(engine).empty


@pytest.mark.parametrize(("until", "message"), [
    (AS_AT, "The return date must be after the start of the absence"),
])
def test_an_absence_needs_a_later_return_date(engine, until, message):
    with pytest.raises(OperationError, match=message):
        manager_absent(engine, "A", until, [], as_user("DS Smith"), on=AS_AT)


def test_overlapping_absences_are_refused(engine):
    manager_absent(engine, "A", BACK, [], as_user("DS Smith"), on=AS_AT)
    before = state(engine)
    with pytest.raises(OperationError, match="already recorded as absent until 08/01/2018"):
        manager_absent(engine, "A", date(2018, 3, 1), [], as_user("DS Smith"), on=date(2017, 12, 1))
    assert state(engine) == before


def test_current_allocation_starts(engine):
    apply_moves(engine, [("R1", "B")], "continuity", as_user("DS Smith"), on=AS_AT)
    starts = current_allocation_starts(engine)
    assert starts["R1"] == datetime(2017, 10, 9) and starts["R2"] == datetime(2015, 1, 1)


def test_an_rso_without_history_keeps_its_earlier_holder_in_the_history(engine):
    with engine.begin() as c:
        c.execute(text("DELETE FROM allocation WHERE rso_id IN ('R1', 'R2')"))
    before = state(engine)
    change = manager_absent(engine, "A", BACK, [("R1", "B")], as_user("DS Smith"), on=AS_AT)
    history = allocation_history(engine, rso_id="R1")
    assert history[["holder", "reason"]].to_numpy().tolist() == [
        ["Bob Birtwistle (B)", "manager absent"],
        ["Alice Ashworth (A)", "held before the allocation history began"]]
    assert history["starts_on"].iloc[1] == pd.Timestamp(date(2010, 1, 1))
    earlier = load_snapshot(engine, date(2017, 10, 8), loaders={}).rsos.set_index("rso_id")
    assert earlier.loc["R1", "manager_id"] == "A"
    assert sorted(hand_backs_due(engine, BACK)["rso_id"]) == ["R1", "R2", "R3", "R4"]
    assert_undo_redo_exact(engine, change, before)
