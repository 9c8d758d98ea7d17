"""Named writes: one transaction, audited, and undo restores exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from builders import Register, as_user
from sqlalchemy import text

from ncpi_desktop.storage.operations import OperationError, reassign, set_policy_values


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A")
    r.manager("B")
    r.manager("L", active=False)
    for rso_id in ("R1", "R2", "R3"):
        r.rso(rso_id, manager_id="A")
        r.allocations.append(dict(rso_id=rso_id, manager_id="A", team=None,
                                  starts_on=date(2015, 1, 1), ends_on=None, reason="demo",
                                  actor="test", recorded_at=datetime(2015, 1, 1, tzinfo=UTC)))
    r.rso("P1", team="East 1")
    return r.write(tmp_path / "ops.sqlite3")


def state(engine) -> tuple[list, list, int]:
    with engine.connect() as c:
        rsos = c.execute(text("SELECT rso_id, manager_id, team FROM rso ORDER BY rso_id")).all()
        allocations = c.execute(text(
            "SELECT id, rso_id, manager_id, team, starts_on, ends_on, reason, actor "
            "FROM allocation ORDER BY id")).all()
        audits = c.execute(text("SELECT count(*) FROM audit")).scalar()
    return rsos, allocations, audits


def test_reassign_moves_records_history_and_audits(engine):
    change = reassign(engine, ["R1", "R2"], "B", "caseload adjustment", as_user("DS Smith"),
                      on=date(2017, 10, 9))
    rsos, allocations, audits = state(engine)
    assert ("R1", "B", "East 1") in rsos and ("R3", "A", None) in rsos
    closed = [a for a in allocations if a.rso_id == "R1" and a.manager_id == "A"]
    assert closed[0].ends_on == "2017-10-09"
    opened = [a for a in allocations if a.rso_id == "R1" and a.manager_id == "B"]
    assert opened[0].reason == "caseload adjustment" and opened[0].actor == "DS Smith"
    assert audits == 1
    assert change.summary == "Reassign 2 RSO(s) to B"


def test_undo_restores_exactly_and_redo_reapplies(engine):
    rsos0, allocations0, _ = state(engine)
    change = reassign(engine, ["R1", "P1"], "B", "continuity", as_user("DS Smith"), on=date(2017,
                                                                                            10, 9))
    rsos1, allocations1, _ = state(engine)
    undone = change.undo(engine, as_user("DS Smith"))
    rsos2, allocations2, audits = state(engine)
    assert (rsos2, allocations2) == (rsos0, allocations0)
    assert audits == 2
    undone.undo(engine, as_user("DS Smith"))
    rsos3, allocations3, _ = state(engine)
    assert (rsos3, allocations3) == (rsos1, allocations1)


@pytest.mark.parametrize(("args", "message"), [
    ((["R1"], "Z", "other", "x"), "Unknown offender manager: Z"),
    ((["R1"], "L", "other", "x"), "L is not an active manager"),
    ((["NOPE"], "B", "other", "x"), "Unknown RSO id"),
    ((["R1"], "B", " ", "x"), "A reason is required"),
    ((["R1"], "B", "other", ""), "needs the name of who made it"),
])
def test_refused_reassignments_change_nothing(engine, args, message):
    before = state(engine)
    with pytest.raises(OperationError, match=message):
        reassign(engine, *args[:3], as_user(args[3]))
    assert state(engine) == before


def test_policy_values_are_stored_and_undone(engine):
    change = set_policy_values(engine, {"caseload_limit_per_fte": 45}, as_user("DI Jones"))
    with engine.connect() as c:
        assert c.execute(text("SELECT value FROM policy_value")).scalar() == 45
    change.undo(engine, as_user("DI Jones"))
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM policy_value")).scalar() == 0
    with pytest.raises(OperationError, match="Unknown policy value"):
        set_policy_values(engine, {"nonsense": 1}, as_user("DI Jones"))
