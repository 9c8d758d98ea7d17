"""Applying a scenario (issue 18, part 4): its real parts become the usual named operations with
their checks, its hypothetical parts are not applied, and refusals write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from builders import AS_AT, FORCE_MANAGER, Register, as_user
from sqlalchemy import text

from ncpi_desktop.actions.scenario import apply_scenario
from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.scenario import Scenario, Step, plan
from ncpi_desktop.domain.security import Role
from ncpi_desktop.storage.operations import reassign

CURRENT_LOW = date(2017, 3, 1)


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A", team="East 1")
    r.manager("B", team="East 1")
    r.manager("S", team="West 1", bcu="West")
    for i in range(3):
        r.rso(f"LOW{i}", manager_id="A", risk_level="low", team="East 1")
        r.assessment(f"LOW{i}", CURRENT_LOW, "low")
    r.many(4, manager_id="A", risk_level="medium", team="East 1")
    r.many(2, manager_id="B", risk_level="medium", team="East 1")
    r.many(2, manager_id="S", risk_level="medium", team="West 1", bcu="West")
    engine = r.write(tmp_path / "apply.sqlite3")
    yield engine
    engine.dispose()


def rows(engine, sql: str) -> dict:
    with engine.connect() as connection:
        return dict(connection.execute(text(sql)).all())


SCENARIO = Scenario("East", (
    Step("reactive_all_eligible", {"bcu": "East"}),
    Step("manager_leaves", {"manager_id": "A"}),
    Step("add_manager", {"team": "East 1", "bcu": "East", "fte": 1.0}),
    Step("policy_value", {"key": "due_soon_days", "value": 14}),
))


def test_the_real_parts_are_made_and_the_hypothetical_listed(engine):
    snapshot = full_snapshot(engine, AS_AT)
    _, outcomes = plan(snapshot, SCENARIO)
    planned = dict(zip(outcomes[1].moves["rso_id"], outcomes[1].moves["to_manager_id"],
                       strict=True))
    done = apply_scenario(engine, snapshot, SCENARIO, "try the plan", FORCE_MANAGER)
    assert done.refused == []
    assert len(done.applied) == 4  # three decisions, one leaving
    assert [line.split(":")[0] for line in done.not_applied] == [
        "step 3 (add_manager)", "step 4 (policy_value)"]
    modes = rows(engine, "SELECT rso_id, management FROM rso")
    assert {r for r, m in modes.items() if m == "reactive"} == {"LOW0", "LOW1", "LOW2"}
    holders = rows(engine, "SELECT rso_id, manager_id FROM rso")
    assert len(planned) == 7 and set(planned.values()) == {"B"}  # A's RSOs, all to B
    assert {rso_id: holders[rso_id] for rso_id in planned} == planned
    assert rows(engine, "SELECT manager_id, active FROM manager")["A"] in (0, False)
    assert rows(engine, "SELECT key, value FROM policy_value") == {}
    assert rows(engine, "SELECT manager_id, name FROM manager").keys() == {"A", "B", "S"}


def test_a_leaver_whose_moves_go_to_a_scenario_manager_is_refused(engine):
    snapshot = full_snapshot(engine, AS_AT)
    scenario = Scenario("West", (Step("add_manager", {"team": "West 1", "bcu": "West",
                                                      "fte": 1.0}),
                                 Step("manager_leaves", {"manager_id": "S"})))
    done = apply_scenario(engine, snapshot, scenario, "try", FORCE_MANAGER)
    assert done.applied == [] and len(done.refused) == 1
    assert done.refused[0].startswith("step 2 (manager_leaves): ")
    assert "moves RSOs to SCENARIO-OM-1, a manager of the scenario only" in done.refused[0]
    assert rows(engine, "SELECT manager_id, active FROM manager")["S"] in (1, True)


def test_an_rso_changed_since_the_snapshot_is_refused_and_the_rest_go_on(engine):
    snapshot = full_snapshot(engine, AS_AT)
    reassign(engine, ["LOW1"], "B", "meanwhile", FORCE_MANAGER, on=AS_AT)
    done = apply_scenario(engine, snapshot, Scenario("r", (Step("reactive_all_eligible"),)),
                          "try", FORCE_MANAGER)
    assert len(done.applied) == 2
    assert len(done.refused) == 1 and done.refused[0].startswith(
        "step 1 (reactive_all_eligible): LOW1: ")
    assert rows(engine, "SELECT rso_id, management FROM rso")["LOW1"] == "active"


def test_a_user_who_may_not_decide_is_refused_and_nothing_is_written(engine):
    snapshot = full_snapshot(engine, AS_AT)
    analyst = as_user("analyst", Role.ANALYST)
    done = apply_scenario(engine, snapshot, SCENARIO, "try", analyst)
    assert done.applied == [] and len(done.refused) == 4
    assert all("may not" in line for line in done.refused)
    assert set(rows(engine, "SELECT rso_id, management FROM rso").values()) == {"active"}
