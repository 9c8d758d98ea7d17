"""Saved what-if scenarios (issue 18, part 4): save, load, list and delete, each audited, the
lost-update check on the version seen, who may, and that none of it touches the register."""

from __future__ import annotations

from datetime import date

import pytest
from builders import FORCE_MANAGER, Register, as_user
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.domain.security import NotPermitted, Role, Scope
from ncpi_desktop.storage.audit import entries, verify
from ncpi_desktop.storage.change import OperationError, StaleWrite
from ncpi_desktop.storage.scenarios import (
    delete_scenario,
    list_scenarios,
    load_scenario,
    record_scenario_use,
    save_scenario,
)
from ncpi_desktop.storage.snapshot import register_stamp

STEPS = '[{"kind": "add_manager", "team": "East 1", "bcu": "East", "fte": 1.0}]'
#: The register's tables: a scenario's save, load or deletion leaves every row as it was.
REGISTER_TABLES = ("manager", "rso", "allocation", "visit", "arms", "civil_order",
                   "management_decision", "policy_value", "manager_absence")


@pytest.fixture
def engine(tmp_path) -> Engine:
    r = Register()
    r.manager("A", team="East 1")
    r.rso("R1", manager_id="A", team="East 1")
    r.allocation("R1", "A", date(2015, 1, 1))
    r.decision("R1", "active", date(2016, 1, 1))
    r.policy["caseload_limit_per_fte"] = 45
    engine = r.write(tmp_path / "s.sqlite3")
    yield engine
    engine.dispose()


def register_rows(engine: Engine) -> dict[str, list]:
    with engine.connect() as connection:
        return {table: [tuple(row) for row in connection.execute(
            text(f"SELECT * FROM {table} ORDER BY 1"))] for table in REGISTER_TABLES}


def scenario_audit(engine: Engine) -> list[tuple[str, str, str]]:
    return [(e["actor"], e["kind"], e["action"]) for e in entries(engine)
            if "scenario" in e["action"]]


def test_save_load_list_delete_each_audited(engine):
    saved = save_scenario(engine, "East +1", STEPS, FORCE_MANAGER)
    assert (saved.version, saved.created_by, saved.updated_by) == (1, "force.manager",
                                                                   "force.manager")
    again = save_scenario(engine, "East +1", STEPS.replace("1.0", "0.5"), FORCE_MANAGER, seen=1)
    assert again.version == 2 and "0.5" in again.steps
    assert again.created_at == saved.created_at
    assert load_scenario(engine, "East +1", FORCE_MANAGER).steps == again.steps
    save_scenario(engine, "A first", "[]", FORCE_MANAGER)
    assert [s.name for s in list_scenarios(engine, FORCE_MANAGER)] == ["A first", "East +1"]
    delete_scenario(engine, "East +1", FORCE_MANAGER, seen=2)
    assert [s.name for s in list_scenarios(engine, FORCE_MANAGER)] == ["A first"]
    assert scenario_audit(engine) == [
        ("force.manager", "alteration", "save scenario"),
        ("force.manager", "alteration", "save scenario"),
        ("force.manager", "consultation", "load scenario"),
        ("force.manager", "alteration", "save scenario"),
        ("force.manager", "consultation", "list scenarios"),
        ("force.manager", "alteration", "delete scenario"),
        ("force.manager", "consultation", "list scenarios")]
    assert verify(engine).rows > 0  # the chain holds


def test_a_save_over_a_changed_scenario_is_refused(engine):
    save_scenario(engine, "S", STEPS, FORCE_MANAGER)
    other = as_user("supervisor.east", Role.SUPERVISOR)
    save_scenario(engine, "S", "[]", other, seen=1)
    with pytest.raises(StaleWrite, match=r"Scenario 'S' was changed by supervisor.east at"):
        save_scenario(engine, "S", STEPS, FORCE_MANAGER, seen=1)
    with pytest.raises(StaleWrite, match=r"Scenario 'S' was saved by supervisor.east"):
        save_scenario(engine, "S", STEPS, FORCE_MANAGER)  # a new one of the same name
    with pytest.raises(StaleWrite):
        delete_scenario(engine, "S", FORCE_MANAGER, seen=1)
    assert load_scenario(engine, "S", FORCE_MANAGER).steps == "[]"
    delete_scenario(engine, "S", other, seen=2)
    with pytest.raises(StaleWrite, match="deleted since"):
        save_scenario(engine, "S", STEPS, FORCE_MANAGER, seen=2)


def test_unknown_names_and_blank_names_are_refused(engine):
    with pytest.raises(OperationError, match="No scenario is saved as 'nope'"):
        load_scenario(engine, "nope", FORCE_MANAGER)
    with pytest.raises(OperationError, match="No scenario is saved as 'nope'"):
        delete_scenario(engine, "nope", FORCE_MANAGER, seen=1)
    with pytest.raises(OperationError, match="needs a name"):
        save_scenario(engine, "  ", STEPS, FORCE_MANAGER)


@pytest.mark.parametrize("role", [Role.OFFENDER_MANAGER, Role.ANALYST, Role.ADMINISTRATOR,
                                  Role.FRONTLINE])
def test_only_those_who_may_rebalance_keep_scenarios(engine, role):
    user = as_user("someone", role, scope=Scope.parse("team:East 1"))
    with pytest.raises(NotPermitted, match="may not keep what-if scenarios"):
        save_scenario(engine, "S", STEPS, user)
    with pytest.raises(NotPermitted):
        list_scenarios(engine, user)
    assert scenario_audit(engine) == []


def test_supervisors_keep_scenarios(engine):
    user = as_user("supervisor.east1", Role.SUPERVISOR, scope=Scope.parse("team:East 1"))
    save_scenario(engine, "S", STEPS, user)
    assert load_scenario(engine, "S", user).created_by == "supervisor.east1"


def test_scenarios_never_touch_the_register(engine):
    """Nor its stamp: an open window does not read the whole register again after a save."""
    before, stamp = register_rows(engine), None
    with engine.connect() as connection:
        stamp = register_stamp(connection)
    save_scenario(engine, "S", STEPS, FORCE_MANAGER)
    save_scenario(engine, "S", "[]", FORCE_MANAGER, seen=1)
    load_scenario(engine, "S", FORCE_MANAGER)
    record_scenario_use(engine, "S", "pack", FORCE_MANAGER)
    delete_scenario(engine, "S", FORCE_MANAGER, seen=2)
    assert register_rows(engine) == before
    with engine.connect() as connection:
        assert register_stamp(connection) == stamp
    use = [e for e in entries(engine) if e["action"] == "pack for scenario"]
    assert use[0]["kind"] == "disclosure" and use[0]["detail"]["scenario"] == "S"


def test_only_its_maker_or_force_scope_may_save_over_or_delete_a_scenario(engine):
    """A supervisor scoped to one team may not delete the manager's scenario (nor delete one
    without saying the version seen, as the command line once could)."""
    save_scenario(engine, "Force plan", STEPS, FORCE_MANAGER)
    team = as_user("supervisor.east1", Role.SUPERVISOR, scope=Scope.parse("team:East 1"))
    with pytest.raises(TypeError):
        delete_scenario(engine, "Force plan", team)  # type: ignore[call-arg]
    with pytest.raises(NotPermitted, match=r"supervisor.east1 may not delete scenario "
                                           r"'Force plan': it was made by force.manager"):
        delete_scenario(engine, "Force plan", team, seen=1)
    with pytest.raises(NotPermitted, match="may not save over scenario 'Force plan'"):
        save_scenario(engine, "Force plan", "[]", team, seen=1)
    assert load_scenario(engine, "Force plan", FORCE_MANAGER).version == 1
    save_scenario(engine, "Mine", "[]", team)
    save_scenario(engine, "Mine", STEPS, team, seen=1)  # its maker may
    delete_scenario(engine, "Mine", FORCE_MANAGER, seen=2)  # force scope may
    delete_scenario(engine, "Force plan", FORCE_MANAGER, seen=1)
    assert list_scenarios(engine, FORCE_MANAGER) == []
