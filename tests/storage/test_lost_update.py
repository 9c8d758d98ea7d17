"""No lost update (SERVER.md): every named operation refuses to write over what someone else
changed after the user saw it, writes nothing, and says who changed what and when; on SQLite and
on PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from uuid import uuid4

import postgres
import pytest
from builders import AS_AT, Register, as_user
from sqlalchemy import create_engine, make_url, select, text

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.storage.models import AuditEntry
from ncpi_desktop.storage.operations import (
    POOL,
    StaleWrite,
    apply_moves,
    hand_back,
    manager_absent,
    manager_leaving,
    reassign,
    record_arms,
    record_order,
    record_visit,
    set_policy_values,
    validate_decision,
    write_decision,
)

START = date(2015, 1, 1)
ON = date(2017, 10, 9)
TODAY = date.today()
DEFAULT = Policy().caseload_limit_per_fte
ME = as_user("om.me")
OTHER = as_user("supervisor.east")
TABLES = ("rso", "allocation", "manager", "manager_absence", "visit", "arms", "civil_order",
          "management_decision", "policy_value", "audit")


@pytest.fixture(scope="module")
def postgres_url():
    if postgres.available() is not None:
        pytest.skip(str(postgres.available()))
    with postgres.server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """East 1: A holds R1 and R2, B holds R3; C is in East 2; P1 is in the East 1 pool. On a
    SQLite file, and on a new database of a PostgreSQL server."""
    r = Register()
    r.manager("A", name="Alice Ashworth")
    r.manager("B", name="Bob Birtwistle")
    r.manager("C", name="Carol Crossley", team="East 2")
    for rso_id, holder in (("R1", "A"), ("R2", "A"), ("R3", "B")):
        r.rso(rso_id, manager_id=holder, team="East 1")
        r.allocation(rso_id, holder, START)
    r.rso("P1", team="East 1")
    r.allocation("P1", None, START, team="East 1")
    target: object = tmp_path / "lost.sqlite3"
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_url")
        name = f"lost_{uuid4().hex[:12]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        target = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = r.write(target)
    yield engine
    engine.dispose()


def everything(engine) -> dict[str, list]:
    with engine.connect() as c:
        return {t: c.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all() for t in TABLES}


def versions(engine) -> dict[str, int]:
    """The versions as a window has them: from the register's RSO frame."""
    rsos = load_snapshot(engine, AS_AT).rsos
    return dict(zip(rsos["rso_id"], rsos["version"].astype(int), strict=True))


def when(engine) -> str:
    """"14:02 on 10/10/2017": the latest audit row's time, local, as a refusal says it."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    with engine.connect() as c:
        at = c.execute(select(table.c.at).order_by(table.c.id.desc()).limit(1)).scalar()
    local = at.astimezone()
    return f"{local:%H:%M} on {local:%d/%m/%Y}"


def refused(engine, write, expected: str) -> StaleWrite:
    """``write()`` raises StaleWrite whose message contains ``expected``, writing nothing."""
    before = everything(engine)
    with pytest.raises(StaleWrite) as caught:
        write()
    assert expected in str(caught.value), str(caught.value)
    assert everything(engine) == before
    return caught.value


def someone_moves(engine, rso_id: str, to: str) -> str:
    """Another user moves ``rso_id`` to ``to``; what a refusal then says of it."""
    reassign(engine, [rso_id], to, "their move", OTHER, on=ON)
    return f"{rso_id} is now held by {to} (moved by supervisor.east at {when(engine)})"


def test_the_register_frame_carries_versions_and_each_write_moves_them_on(engine):
    seen = versions(engine)
    change = reassign(engine, ["R1"], "B", "continuity", ME, on=ON, seen={"R1": seen["R1"]})
    now = versions(engine)
    assert now["R1"] == seen["R1"] + 1 == change.versions["R1"]
    assert now["R2"] == seen["R2"]
    record_arms(engine, "R2", ON, "low", ME, seen={"R2": now["R2"]})
    assert versions(engine)["R2"] == now["R2"] + 1


def test_reassign_refused_when_the_version_seen_has_moved(engine):
    seen = versions(engine)
    said = someone_moves(engine, "R1", "C")
    error = refused(engine, lambda: reassign(engine, ["R1"], "B", "mine", ME, on=ON,
                                             seen={"R1": seen["R1"]}), said)
    assert str(error) == said
    assert re.fullmatch(r"R1 is now held by C \(moved by supervisor\.east at \d\d:\d\d on "
                        r"\d\d/\d\d/\d{4}\)", str(error))


def test_reassign_refused_when_the_holder_seen_is_not_the_holder(engine):
    said = someone_moves(engine, "R1", "C")
    refused(engine, lambda: reassign(engine, ["R1", "R2"], "B", "mine", ME, on=ON,
                                     from_holder="A"), said)
    moved_to_pool = reassign(engine, ["P1"], "B", "from the pool", ME, on=ON, from_holder=POOL)
    assert moved_to_pool.versions == {"P1": 1}
    refused(engine, lambda: reassign(engine, ["P1"], "A", "mine", ME, on=ON, from_holder=POOL),
            "P1 is now held by B (moved by om.me at")


def test_a_pooled_rso_is_said_to_be_in_its_pool(engine):
    seen = versions(engine)
    reassign(engine, ["R1"], None, "to the pool", OTHER, to_team="East 1", on=ON)
    refused(engine, lambda: record_visit(engine, "R1", ON, "completed", 2, ME,
                                         seen={"R1": seen["R1"]}),
            f"R1 is now in the East 1 pool (moved by supervisor.east at {when(engine)})")


def test_apply_moves_refused_when_one_rso_changed(engine):
    seen = versions(engine)
    said = someone_moves(engine, "R2", "C")
    refused(engine, lambda: apply_moves(engine, [("R1", "B"), ("R2", "B")], "balance", ME, ON,
                                        seen={"R1": seen["R1"], "R2": seen["R2"]}), said)


@pytest.mark.parametrize("operation", ["leaving", "absent"])
def test_a_manager_leaving_or_absent_refused_when_their_caseload_changed(engine, operation):
    said = someone_moves(engine, "R1", "C")
    moves = [("R2", "B")]
    if operation == "leaving":
        write = lambda: manager_leaving(engine, "A", moves, "left", ME, on=ON,  # noqa: E731
                                        caseload=["R1", "R2"])
    else:
        write = lambda: manager_absent(engine, "A", ON + timedelta(days=30), moves, ME,  # noqa: E731
                                       on=ON, caseload=["R1", "R2"])
    refused(engine, write, f"A's caseload has changed since you saw it: {said}")


def test_a_manager_leaving_refused_when_an_rso_arrived_in_their_caseload(engine):
    reassign(engine, ["R3"], "A", "their move", OTHER, on=ON)
    refused(engine, lambda: manager_leaving(engine, "A", [], "left", ME, on=ON,
                                            caseload=["R1", "R2"]),
            f"A's caseload has changed since you saw it: R3 is now held by A (moved by "
            f"supervisor.east at {when(engine)})")


def test_hand_back_refused_when_a_covered_rso_changed(engine):
    manager_absent(engine, "A", ON + timedelta(days=30), [("R1", "B")], ME, on=ON)
    with engine.connect() as c:
        absence = c.execute(text("SELECT id FROM manager_absence")).scalar()
    seen = versions(engine)
    said = someone_moves(engine, "R1", "C")
    refused(engine, lambda: hand_back(engine, absence, ME, on=ON + timedelta(days=30),
                                      seen={"R1": seen["R1"], "R2": seen["R2"]}), said)


@pytest.mark.parametrize("record", ["visit", "arms", "order"])
def test_a_record_refused_when_the_rso_changed(engine, record):
    seen = {"R1": versions(engine)["R1"]}
    said = someone_moves(engine, "R1", "B")
    writes = {
        "visit": lambda: record_visit(engine, "R1", ON, "completed", 2, ME, seen=seen),
        "arms": lambda: record_arms(engine, "R1", ON, "high", ME, seen=seen),
        "order": lambda: record_order(engine, "R1", "SHPO", ON, None, ME, seen=seen)}
    refused(engine, writes[record], said)


def test_a_record_names_a_decision_recorded_since(engine):
    seen = {"R1": versions(engine)["R1"]}
    write_decision(engine, validate_decision(engine, "R1", "reactive", ON, "stable", OTHER))
    refused(engine, lambda: record_arms(engine, "R1", ON, "high", ME, seen=seen),
            f"R1 has changed since you saw it (decision recorded by supervisor.east at "
            f"{when(engine)})")


def test_a_decision_refused_when_another_was_recorded_after_it_was_checked(engine):
    mine = validate_decision(engine, "R1", "reactive", ON, "stable for years", ME)
    write_decision(engine, validate_decision(engine, "R1", "reactive", ON, "stable", OTHER))
    refused(engine, lambda: write_decision(engine, mine),
            f"R1 is now managed reactive (decision recorded by supervisor.east at "
            f"{when(engine)})")


def test_policy_values_refused_when_the_value_seen_changed(engine):
    set_policy_values(engine, {"caseload_limit_per_fte": 3}, OTHER)
    refused(engine, lambda: set_policy_values(engine, {"caseload_limit_per_fte": 4}, ME,
                                              seen={"caseload_limit_per_fte": DEFAULT}),
            f"caseload_limit_per_fte is now 3 (changed by supervisor.east at {when(engine)})")
    set_policy_values(engine, {"caseload_limit_per_fte": 4}, ME,
                      seen={"caseload_limit_per_fte": 3})


def test_undo_refused_after_someone_else_moved_the_rso(engine):
    change = reassign(engine, ["R1", "R2"], "B", "mine", ME, on=ON)
    said = someone_moves(engine, "R2", "C")
    refused(engine, lambda: change.undo(engine, ME), said)


def test_undo_refused_after_someone_else_undid_and_redid_elsewhere(engine):
    change = reassign(engine, ["R1"], "B", "mine", ME, on=ON)
    reassign(engine, ["R1"], "C", "theirs", OTHER, on=ON)
    reassign(engine, ["R1"], "B", "theirs, back", OTHER, on=ON)
    # The holder is B again, but not by this change's allocation: undoing it would lose theirs.
    refused(engine, lambda: change.undo(engine, ME),
            f"R1 is now held by B (moved by supervisor.east at {when(engine)})")


def test_undo_of_ones_own_move_after_recording_a_visit_is_not_refused(engine):
    change = reassign(engine, ["R1"], "B", "mine", ME, on=ON)
    visit = record_visit(engine, "R1", ON, "completed", 2, ME)
    visit.undo(engine, ME)
    undone = change.undo(engine, ME)
    assert undone.versions["R1"] == versions(engine)["R1"]
    with engine.connect() as c:
        assert c.execute(text("SELECT manager_id FROM rso WHERE rso_id='R1'")).scalar() == "A"


def test_undo_of_a_decision_refused_after_another_decision(engine):
    mine = write_decision(engine, validate_decision(engine, "R1", "reactive", ON, "stable", ME))
    write_decision(engine, validate_decision(engine, "R1", "active", ON, "concern", OTHER))
    refused(engine, lambda: mine.undo(engine, ME),
            f"R1 is now managed active (decision recorded by supervisor.east at {when(engine)})")


def test_undo_of_policy_values_refused_after_another_change(engine):
    mine = set_policy_values(engine, {"caseload_limit_per_fte": 3}, ME)
    set_policy_values(engine, {"caseload_limit_per_fte": 5}, OTHER)
    refused(engine, lambda: mine.undo(engine, ME),
            f"caseload_limit_per_fte is now 5 (changed by supervisor.east at {when(engine)})")


def test_the_audit_before_is_what_the_write_replaced(engine):
    reassign(engine, ["R1"], "C", "theirs", OTHER, on=ON)
    reassign(engine, ["R1"], "B", "mine", ME, on=ON, from_holder="C")
    with engine.connect() as c:
        detail = json.loads(c.execute(text(
            "SELECT detail FROM audit ORDER BY id DESC LIMIT 1")).scalar())
    assert detail["before"]["rso"]["R1"]["manager_id"] == "C"
    assert detail["after"]["rso"]["R1"]["manager_id"] == "B"
