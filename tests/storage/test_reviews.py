"""Case reviews and their actions (rule 15): one audited transaction each, checked for role and
scope inside it, and undone exactly."""

from __future__ import annotations

import json
from datetime import date

import pytest
from builders import AS_AT, Register, as_user
from sqlalchemy import text

from ncpi_desktop.domain.security import NotPermitted, Role, Scope
from ncpi_desktop.storage.operations import OperationError
from ncpi_desktop.storage.operations.reviews import (
    ActionSpec,
    add_action,
    complete_action,
    record_review,
)

SUPERVISOR = as_user("supervisor.east1", Role.SUPERVISOR, scope=Scope.parse("team:East 1"))
TABLES = ["case_review", "review_action"]


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A", team="East 1")
    r.manager("B", team="East 2")
    r.rso("R1", manager_id="A", team="East 1")
    r.rso("R2", manager_id="B", team="East 2")
    return r.write(tmp_path / "q.sqlite3")


def state(engine) -> dict[str, list]:
    with engine.connect() as c:
        return {t: [tuple(map(iso, row)) for row in c.execute(text(
            f"SELECT * FROM {t} ORDER BY 1"))] for t in TABLES}


def iso(value):
    """A date as SQLite gives it (ISO text), so that both databases read alike."""
    return value.isoformat() if type(value) is date else value


def audits(engine) -> list[tuple]:
    with engine.connect() as c:
        return [(a, o, json.loads(r)) for a, o, r in c.execute(text(
            "SELECT actor, operation, rso_ids FROM audit ORDER BY id")).all()]


def test_a_review_with_actions_is_one_audited_change_undone_exactly(engine):
    empty = state(engine)
    change = record_review(engine, "R1", date(2017, 10, 2), "Requires improvement",
                           "Late visits", SUPERVISOR,
                           actions=[ActionSpec("Visit", "DC A", date(2017, 10, 9))],
                           today=AS_AT)
    recorded = state(engine)
    assert [row[1:] for row in recorded["case_review"]] == [
        ("R1", "2017-10-02", "supervisor.east1", "requires_improvement", "Late visits")]
    assert [row[2:] for row in recorded["review_action"]] == [
        ("Visit", "DC A", "2017-10-09", None)]
    undone = change.undo(engine, SUPERVISOR)
    assert state(engine) == empty
    undone.undo(engine, SUPERVISOR)  # redo: the same rows again
    assert state(engine) == recorded
    assert audits(engine) == [
        ("supervisor.east1", "record review", ["R1"]),
        ("supervisor.east1", "undo record review", ["R1"]),
        ("supervisor.east1", "record review", ["R1"])]


def test_adding_and_completing_an_action_are_undone_exactly(engine):
    review = record_review(engine, "R1", date(2017, 9, 1), "good", "Fine", SUPERVISOR,
                           today=AS_AT)
    review_id = review.after["review"]["review_id"]
    reviewed = state(engine)
    added = add_action(engine, review_id, ActionSpec("Check", "DC A", date(2017, 9, 30)),
                       SUPERVISOR)
    action_id = added.after["action"]["action_id"]
    with_action = state(engine)
    done = complete_action(engine, action_id, date(2017, 10, 1), SUPERVISOR, today=AS_AT)
    assert state(engine)["review_action"][0][-1] == "2017-10-01"
    with pytest.raises(OperationError, match="already done on 01/10/2017"):
        complete_action(engine, action_id, date(2017, 10, 2), SUPERVISOR, today=AS_AT)
    done.undo(engine, SUPERVISOR)
    assert state(engine) == with_action
    added.undo(engine, SUPERVISOR)
    assert state(engine) == reviewed
    assert [op for _, op, _ in audits(engine)] == [
        "record review", "add review action", "complete review action",
        "undo complete review action", "undo add review action"]
    assert all(ids == ["R1"] for _, _, ids in audits(engine))


@pytest.mark.parametrize(("call", "message"), [
    (lambda e: record_review(e, "NOPE", date(2017, 10, 1), "good", "x", SUPERVISOR,
                             today=AS_AT), "Unknown RSO id: NOPE"),
    (lambda e: record_review(e, "R1", date(2017, 10, 10), "good", "x", SUPERVISOR, today=AS_AT),
     "The review date 10/10/2017 is in the future (today is 09/10/2017)"),
    (lambda e: record_review(e, "R1", date(2017, 10, 1), "outstanding", "x", SUPERVISOR,
                             today=AS_AT),
     "Unknown grade 'outstanding': choose one of good, requires_improvement, inadequate"),
    (lambda e: record_review(e, "R1", date(2017, 10, 1), "good", " ", SUPERVISOR, today=AS_AT),
     "The review's findings is required"),
    (lambda e: record_review(e, "R1", date(2017, 10, 1), "good", "x", SUPERVISOR, today=AS_AT,
                             actions=[ActionSpec("Do", "DC A", date(2017, 9, 1))]),
     "An action cannot be due (01/09/2017) before its review (01/10/2017)"),
    (lambda e: record_review(e, "R1", date(2017, 10, 1), "good", "x", SUPERVISOR, today=AS_AT,
                             actions=[ActionSpec("Do", "", date(2017, 11, 1))]),
     "The action's owner is required"),
])
def test_bad_input_is_refused_and_writes_nothing(engine, call, message):
    before = state(engine)
    with pytest.raises(OperationError) as refused:
        call(engine)
    assert str(refused.value) == message
    assert state(engine) == before and audits(engine) == []


@pytest.mark.parametrize(("user", "rule"), [
    (SUPERVISOR, "supervisor.east1 may not record a case review for R2: it is in team East 2 "
                 "(East) (scope: team East 1)"),
    (as_user("om", Role.OFFENDER_MANAGER, scope=Scope.parse("caseload:B"), manager_id="B"),
     "om may not record a case review for: not permitted to offender_manager"),
    (as_user("analyst", Role.ANALYST), "analyst may not record a case review for: not "
                                       "permitted to analyst"),
])
def test_only_supervisors_and_managers_in_scope_review(engine, user, rule):
    before = state(engine)
    with pytest.raises(NotPermitted) as refused:
        record_review(engine, "R2", date(2017, 10, 1), "good", "x", user, today=AS_AT)
    assert str(refused.value) == rule
    assert state(engine) == before and audits(engine) == []


def test_an_undo_is_checked_for_scope_as_the_change_was(engine):
    change = record_review(engine, "R2", date(2017, 10, 1), "good", "x", as_user("boss"),
                           today=AS_AT)
    with pytest.raises(NotPermitted):
        change.undo(engine, SUPERVISOR)
    assert len(state(engine)["case_review"]) == 1
