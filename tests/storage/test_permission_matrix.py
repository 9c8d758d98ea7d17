"""Who may do what (SECURITY.md), below the screens: every role x every named operation x (inside
the user's scope, outside it). Each cell asserts what the user relies on: done (and audited under
their user name), or refused with ``NotPermitted`` naming the rule, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from builders import AS_AT, FORCE_MANAGER, Register, as_user, copy_register, written
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.domain.security import NotPermitted, Role, Scope, User
from ncpi_desktop.storage.operations import (
    apply_moves,
    hand_back,
    manager_absent,
    manager_leaving,
    reassign,
    record_arms,
    record_order,
    record_visit,
    set_policy_values,
)

ON = date(2017, 10, 2)
BACK = date(2018, 1, 8)
R = Role

#: The register: BCU East has team East 1 (OM1 holds R1, OM2 holds R2) and East 2 (OM3 holds
#: R3); BCU West has West 1 (OM4 holds R4).
HOLDERS = {"R1": "OM1", "R2": "OM2", "R3": "OM3", "R4": "OM4"}


def _register() -> Register:
    register = Register()
    register.manager("OM1", team="East 1")
    register.manager("OM2", team="East 1")
    register.manager("OM3", team="East 2")
    register.manager("OM4", bcu="West", team="West 1")
    for rso, manager in HOLDERS.items():
        west = manager == "OM4"
        team = {"OM1": "East 1", "OM2": "East 1", "OM3": "East 2", "OM4": "West 1"}[manager]
        register.rso(rso, manager_id=manager, team=team, bcu="West" if west else "East",
                     neighbourhood=f"Place {rso}")
        register.allocation(rso, manager, date(2015, 1, 1))
    return register


#: Each user, the RSO and manager inside their scope, and (where their scope leaves any out) the
#: RSO and manager outside it.
USERS: dict[str, tuple[User, tuple[str, str] | None]] = {
    "om": (as_user("om001", R.OFFENDER_MANAGER, scope=Scope.parse("caseload:OM1"),
                   manager_id="OM1"), ("R2", "OM2")),
    "supervisor_team": (as_user("supervisor.east1", R.SUPERVISOR,
                                scope=Scope.parse("team:East 1")), ("R3", "OM3")),
    "supervisor_bcu": (as_user("supervisor.east", R.SUPERVISOR, scope=Scope.parse("bcu:East")),
                       ("R4", "OM4")),
    "manager_bcu": (as_user("manager.east", R.MANAGER, scope=Scope.parse("bcu:East")),
                    ("R4", "OM4")),
    "manager_force": (as_user("manager", R.MANAGER), None),
    "analyst": (as_user("analyst", R.ANALYST), ("R4", "OM4")),
    "administrator": (as_user("admin", R.ADMINISTRATOR), ("R4", "OM4")),
    "frontline": (as_user("pc.ashton", R.FRONTLINE, scope=Scope.parse("neighbourhood:Place R1")),
                  ("R4", "OM4")),
}
#: Inside every scope that has one: R1, held by OM1; OM2 receives (both in team East 1).
INSIDE = ("R1", "OM1")

RECORDERS = {R.OFFENDER_MANAGER, R.SUPERVISOR, R.MANAGER}
SUPERVISORS = {R.SUPERVISOR, R.MANAGER}

Op = Callable[[Engine, User, str, str], object]


#: Where each RSO is moved to by a reassignment: within team East 1 for R1 and R2; R3 and R4
#: across the BCUs (so that both ends of the move are outside a scope that leaves either out).
MOVE_TO = {"R1": "OM2", "R2": "OM1", "R3": "OM4", "R4": "OM3"}
TEAMS = {"OM1": "East 1", "OM2": "East 1", "OM3": "East 2", "OM4": "West 1"}


def _absence(engine: Engine, manager: str) -> int:
    """``manager`` away with their RSO on cover with OM2 (or OM1), recorded by a force manager:
    the absence's id."""
    cover = "OM2" if manager != "OM2" else "OM1"
    rso = next(r for r, m in HOLDERS.items() if m == manager)
    manager_absent(engine, manager, BACK, [(rso, cover)], FORCE_MANAGER, on=ON)
    with engine.connect() as c:
        return c.execute(text("SELECT max(id) FROM manager_absence")).scalar()


def _undo_reassign(engine: Engine, user: User, rso: str, _manager: str) -> object:
    change = reassign(engine, [rso], MOVE_TO[rso], "balancing", FORCE_MANAGER, on=ON)
    return change.undo(engine, user)


def _undo_visit(engine: Engine, user: User, rso: str, _manager: str) -> object:
    change = record_visit(engine, rso, ON, "completed", 2, FORCE_MANAGER, today=AS_AT)
    return change.undo(engine, user)


#: operation -> (the roles that may do it, how to do it to an RSO and a manager). "hand back"
#: is set up in the test (the absence it hands back is recorded first, by someone else).
OPERATIONS: dict[str, tuple[set[Role], Op | None]] = {
    "record visit": (RECORDERS, lambda e, u, rso, _m: record_visit(
        e, rso, ON, "completed", 2, u, today=AS_AT)),
    "record ARMS": (RECORDERS, lambda e, u, rso, _m: record_arms(e, rso, ON, "low", u,
                                                                  today=AS_AT)),
    "record order": (RECORDERS, lambda e, u, rso, _m: record_order(e, rso, "SHPO", ON, None, u,
                                                                    today=AS_AT)),
    "record decision": (SUPERVISORS, lambda e, u, rso, _m: record_decision(
        e, rso, "active", ON, "review", u, today=AS_AT)),
    "reassign (the RSO)": (SUPERVISORS, lambda e, u, rso, _m: reassign(
        e, [rso], MOVE_TO[rso], "balancing", u, on=ON)),
    "reassign (the receiver)": (SUPERVISORS, lambda e, u, _rso, m: reassign(
        e, ["R1"], "OM2" if m == "OM1" else m, "balancing", u, on=ON)),
    "reassign to a pool": (SUPERVISORS, lambda e, u, _rso, m: reassign(
        e, ["R1"], None, "balancing", u, to_team=TEAMS[m], on=ON)),
    "apply moves": (SUPERVISORS, lambda e, u, rso, _m: apply_moves(
        e, [(rso, MOVE_TO[rso])], "balancing", u, ON)),
    "manager leaving": (SUPERVISORS, lambda e, u, _rso, m: manager_leaving(
        e, m, [], "left", u, on=ON)),
    "manager absent": (SUPERVISORS, lambda e, u, _rso, m: manager_absent(e, m, BACK, [], u,
                                                                         on=ON)),
    "hand back": (SUPERVISORS, None),
    "undo a reassignment": (SUPERVISORS, _undo_reassign),
    "undo a visit": (RECORDERS, _undo_visit),
    "set policy": ({R.ADMINISTRATOR}, lambda e, u, _rso, _m: set_policy_values(
        e, {"caseload_limit_per_fte": 45}, u)),
}
#: The operations checked by role alone: inside and outside are the same cell.
UNSCOPED = {"set policy"}


def _cells() -> list[tuple[str, str, str]]:
    cells = []
    for user in USERS:
        for operation in OPERATIONS:
            cells.append((user, operation, "inside"))
            if USERS[user][1] is not None and operation not in UNSCOPED:
                cells.append((user, operation, "outside"))
    return cells


@pytest.fixture(scope="module")
def register_file(tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    path = tmp_path_factory.mktemp("matrix") / "register.sqlite3"
    return written(_register().write(path), path)


@pytest.fixture
def engine(tmp_path: Path, register_file: Path | str):
    engine = copy_register(register_file, tmp_path / "register.sqlite3")
    yield engine
    engine.dispose()


def _audit(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as c:
        return [tuple(row) for row in c.execute(
            text("SELECT actor, operation FROM audit ORDER BY id")).all()]


def _tables(engine: Engine) -> dict[str, list]:
    with engine.connect() as c:
        return {t: c.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()  # noqa: S608
                for t in ("rso", "allocation", "manager", "manager_absence", "visit", "arms",
                          "civil_order", "management_decision", "policy_value", "audit")}


@pytest.mark.parametrize(("who", "operation", "where"), _cells())
def test_each_role_may_do_what_security_md_says_where_it_says(engine, who, operation, where):
    user, outside = USERS[who]
    rso, manager = INSIDE if where == "inside" else outside
    roles, run = OPERATIONS[operation]
    permitted = bool(user.roles & roles) and (where == "inside" or operation in UNSCOPED)
    if run is None:  # hand back: the absence it hands back is recorded first, by someone else
        absence_id = _absence(engine, manager)

        def run(e: Engine, u: User, _rso: str, _m: str) -> object:
            return hand_back(e, absence_id, u, on=BACK)
    before = _tables(engine)
    if operation.startswith("undo"):
        before = None  # the change being undone is made inside the cell (by a force manager)
    if permitted:
        run(engine, user, rso, manager)
        actors = [actor for actor, _ in _audit(engine)]
        assert actors[-1] == user.user_name
        return
    with pytest.raises(NotPermitted) as refused:
        run(engine, user, rso, manager)
    message = str(refused.value)
    assert message.startswith(f"{user.user_name} may not ")
    if user.roles & roles:  # the role would do: the scope refuses, naming where and the scope
        assert "it is in" in message and f"(scope: {user.scope})" in message
    else:
        assert "not permitted to " in message
    if before is not None:
        assert _tables(engine) == before  # nothing written, not even an audit row
    else:
        assert _audit(engine)[-1][0] == FORCE_MANAGER.user_name  # the undo wrote nothing


def test_a_refusal_names_the_rule_in_words(engine):
    """The one line a user reads: who, what, which RSO, where it is, and their scope."""
    user = USERS["supervisor_team"][0]
    with pytest.raises(NotPermitted) as refused:
        reassign(engine, ["R3"], "OM1", "balancing", user, on=ON)
    assert str(refused.value) == ("supervisor.east1 may not reassign R3: it is in team East 2 "
                                  "(East) (scope: team East 1)")
    with pytest.raises(NotPermitted) as refused:
        reassign(engine, ["R1"], "OM3", "balancing", user, on=ON)
    assert str(refused.value) == ("supervisor.east1 may not reassign OM3: it is in team East 2 "
                                  "(East) (scope: team East 1)")
    with pytest.raises(NotPermitted) as refused:
        record_visit(engine, "R1", ON, "completed", 2, USERS["analyst"][0], today=AS_AT)
    assert str(refused.value) == ("analyst may not record a visit for: not permitted to "
                                  "analyst")


def test_a_disabled_user_may_do_nothing(engine):
    user = User("gone", "Gone", frozenset({R.MANAGER}), active=False)
    with pytest.raises(NotPermitted, match="the account is disabled"):
        record_visit(engine, "R1", ON, "completed", 2, user, today=AS_AT)


def test_an_offender_manager_records_for_the_rsos_they_hold_only(engine):
    """Recording follows the holder: once R2 is moved to OM1, OM1's user may record for it."""
    om = USERS["om"][0]
    with pytest.raises(NotPermitted, match="R2: it is in team East 1"):
        record_arms(engine, "R2", ON, "low", om, today=AS_AT)
    reassign(engine, ["R2"], "OM1", "continuity", FORCE_MANAGER, on=ON)
    record_arms(engine, "R2", ON, "low", om, today=AS_AT)
    assert _audit(engine)[-1] == ("om001", "record ARMS")
