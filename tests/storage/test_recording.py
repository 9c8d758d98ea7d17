"""Recording visits, ARMS, orders and decisions: validated, one transaction, audited, undoable."""

from __future__ import annotations

import json
from datetime import date

import pytest
from builders import AS_AT, Register, as_user
from sqlalchemy import text

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.storage.history import rso_records
from ncpi_desktop.storage.operations import OperationError, record_arms, record_order, record_visit

TODAY = AS_AT
TABLES = ["visit", "arms", "civil_order", "management_decision", "rso", "audit"]


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A")
    r.rso("LOW", manager_id="A", risk_level="low")
    r.assessment("LOW", date(2017, 3, 1), "low")
    r.rso("HIGH", manager_id="A", risk_level="high")
    r.visit("HIGH", date(2017, 6, 2))
    return r.write(tmp_path / "rec.sqlite3")


def state(engine) -> dict[str, list]:
    """Every row, but for the RSO's version (every write moves it on: the lost-update check)."""
    with engine.connect() as c:
        return {t: [tuple(v for k, v in row.items() if k != "version")
                    for row in c.execute(text(f"SELECT * FROM {t} ORDER BY 1")).mappings()]
                for t in TABLES}


def audits(engine) -> list[dict]:
    with engine.connect() as c:
        rows = c.execute(text("SELECT actor, operation, detail FROM audit ORDER BY id")).all()
    return [dict(actor=a, operation=o, detail=json.loads(d)) for a, o, d in rows]


def overdue(engine) -> int:
    return int(compute_figures(full_snapshot(engine, AS_AT)).force.iloc[0]["visits_overdue"])


@pytest.mark.parametrize(("call", "message"), [
    (lambda e: record_visit(e, "NOPE", date(2017, 10, 1), "completed", 2, as_user("DC X"),
                            today=TODAY),
     "Unknown RSO id: NOPE"),
    (lambda e: record_visit(e, "HIGH", date(2017, 10, 10), "completed", 2, as_user("DC X"),
                            today=TODAY),
     "The visit date 10/10/2017 is in the future (today is 09/10/2017)"),
    (lambda e: record_visit(e, "HIGH", date(2017, 10, 1), "completed", 0, as_user("DC X"),
                            today=TODAY),
     "A visit is made by at least one officer, not 0"),
    (lambda e: record_visit(e, "HIGH", date(2017, 10, 1), "refused", 2, as_user("DC X"),
                            today=TODAY),
     "Unknown visit outcome 'refused': choose one of completed, no_access"),
    (lambda e: record_visit(e, "HIGH", date(2017, 10, 1), "completed", 2, as_user(" "),
                            today=TODAY),
     "Every change needs the name of who made it"),
    (lambda e: record_visit(e, "HIGH", "2017-10-01", "completed", 2, as_user("DC X"), today=TODAY),
     "The visit date must be a date, not '2017-10-01'"),
    (lambda e: record_arms(e, "HIGH", date(2017, 10, 1), "severe", as_user("DC X"), today=TODAY),
     "Unknown ARMS outcome 'severe': choose one of low, medium, high"),
    (lambda e: record_arms(e, "LOW", date(2017, 3, 1), "low", as_user("DC X"), today=TODAY),
     "An ARMS assessment on 01/03/2017 is already recorded for LOW"),
    (lambda e: record_arms(e, "HIGH", date(2018, 1, 1), "low", as_user("DC X"), today=TODAY),
     "The ARMS date 01/01/2018 is in the future (today is 09/10/2017)"),
    (lambda e: record_order(e, "HIGH", "SHPO", date(2017, 5, 1), date(2017, 4, 1), as_user("DC X"),
                            today=TODAY),
     "The order's end date 01/04/2017 must be after its start date 01/05/2017"),
    (lambda e: record_order(e, "HIGH", "ASBO", date(2017, 5, 1), None, as_user("DC X"),
                            today=TODAY),
     "Unknown order type 'ASBO': choose one of SHPO, SOPO, SRO, RSHO, FTO, NO"),
    (lambda e: record_order(e, "NOPE", "SHPO", date(2017, 5, 1), None, as_user("DC X"),
                            today=TODAY),
     "Unknown RSO id: NOPE"),
    (lambda e: record_decision(e, "LOW", "passive", date(2017, 10, 1), "why", as_user("DC X"),
                               today=TODAY),
     "Unknown management mode 'passive': choose one of active, reactive"),
    (lambda e: record_decision(e, "LOW", "active", date(2017, 10, 1), "  ", as_user("DC X"),
                               today=TODAY),
     "A reason is required"),
    (lambda e: record_decision(e, "HIGH", "reactive", date(2017, 10, 1), "stable", as_user("DC X"),
                               today=TODAY),
     "HIGH cannot be managed reactively on 01/10/2017: risk high; no ARMS assessment"),
])
def test_bad_input_is_refused_with_a_message_and_writes_nothing(engine, call, message):
    before = state(engine)
    with pytest.raises(OperationError) as refused:
        call(engine)
    assert str(refused.value) == message
    assert state(engine) == before


def test_choices_are_matched_as_the_import_matches_them(engine):
    change = record_visit(engine, "HIGH", date(2017, 10, 1), "No Access", 2, as_user("DC X"),
                          today=TODAY)
    assert change.after["record"]["outcome"] == "no_access"
    change = record_order(engine, "HIGH", "shpo", date(2017, 5, 1), None, as_user("DC X"),
                          today=TODAY)
    assert change.after["record"]["type"] == "SHPO"


def test_recording_a_visit_lowers_overdue_and_undo_brings_it_back(engine):
    start = state(engine)
    assert overdue(engine) == 2  # HIGH (37 days), LOW (never visited)
    change = record_visit(engine, "HIGH", date(2017, 10, 2), "completed", 2, as_user("DC Smith"),
                          today=TODAY)
    assert change.summary == "Record completed visit to HIGH on 02/10/2017 (2 officers)"
    assert overdue(engine) == 1
    entry = audits(engine)[-1]
    assert entry["actor"] == "DC Smith" and entry["operation"] == "record visit"
    assert entry["detail"]["after"]["record"]["visited_on"] == "2017-10-02"
    assert entry["detail"]["before"] == {"record": None}

    undone = change.undo(engine, as_user("DC Smith"))
    assert overdue(engine) == 2
    after_undo = state(engine)
    assert {t: after_undo[t] for t in TABLES if t != "audit"} == {
        t: start[t] for t in TABLES if t != "audit"}
    assert [a["operation"] for a in audits(engine)] == ["record visit", "undo record visit"]

    redone = undone.undo(engine, as_user("DC Smith"))
    assert overdue(engine) == 1
    with engine.connect() as c:
        ids = c.execute(text("SELECT visit_id FROM visit WHERE rso_id = 'HIGH'")).scalars().all()
    assert change.after["record"]["visit_id"] in ids  # the same row, with its id, came back
    redone.undo(engine, as_user("DC Smith"))
    assert overdue(engine) == 2


def test_lone_and_no_access_visits_are_recorded_as_given(engine):
    record_visit(engine, "HIGH", date(2017, 10, 1), "completed", 1, as_user("DC X"), today=TODAY)
    rsos = compute_figures(full_snapshot(engine, AS_AT)).rsos.set_index("rso_id")
    assert rsos.loc["HIGH", "flag_lone_visit"]
    for day in (3, 4):
        record_visit(engine, "LOW", date(2017, 10, day), "no_access", 2, as_user("DC X"),
                     today=TODAY)
    rsos = compute_figures(full_snapshot(engine, AS_AT)).rsos.set_index("rso_id")
    assert rsos.loc["LOW", "flag_warrant_consideration"]


def test_arms_record_and_undo(engine):
    start = state(engine)
    change = record_arms(engine, "HIGH", date(2017, 9, 1), "Medium", as_user("DC X"), today=TODAY)
    rsos = compute_figures(full_snapshot(engine, AS_AT)).rsos.set_index("rso_id")
    assert rsos.loc["HIGH", "arms_latest_outcome"] == "medium"
    assert not rsos.loc["HIGH", "flag_arms_due"]
    redo = change.undo(engine, as_user("DC X"))
    assert {t: v for t, v in state(engine).items() if t != "audit"} == {
        t: v for t, v in start.items() if t != "audit"}
    again = redo.undo(engine, as_user("DC X"))
    assert again.after["record"]["id"] == change.after["record"]["id"]


def test_order_record_and_undo(engine):
    change = record_order(engine, "LOW", "SRO", date(2017, 1, 1), date(2017, 12, 1),
                          as_user("DC X"),
                          today=TODAY)
    assert change.summary == "Record SRO for LOW from 01/01/2017 until 01/12/2017"
    figures = compute_figures(full_snapshot(engine, AS_AT))
    rsos = figures.rsos.set_index("rso_id")
    assert rsos.loc["LOW", "flag_order_ending"]
    assert figures.force.iloc[0]["orders_in_force"] == 1
    change.undo(engine, as_user("DC X"))
    assert compute_figures(full_snapshot(engine, AS_AT)).force.iloc[0]["orders_in_force"] == 0


def test_reactive_decision_for_an_eligible_rso_sets_the_mode_and_undo_restores_it(engine):
    start = state(engine)
    change = record_decision(engine, "LOW", "reactive", date(2017, 10, 1),
                             "stable for years; OM satisfied", as_user("DS Jones"),
                             decided_by="DC Smith", today=TODAY)
    assert change.before["management"] == "active" and change.after["management"] == "reactive"
    with engine.connect() as c:
        assert c.execute(text("SELECT management FROM rso WHERE rso_id='LOW'")).scalar() == (
            "reactive")
        row = c.execute(text("SELECT mode, decided_on, reason, decided_by FROM "
                             "management_decision")).one()
    assert tuple(row) == ("reactive", "2017-10-01", "stable for years; OM satisfied",
                          "DC Smith")
    figures = compute_figures(full_snapshot(engine, AS_AT))
    assert figures.force.iloc[0]["reactive"] == 1
    assert audits(engine)[-1]["actor"] == "DS Jones"

    redo = change.undo(engine, as_user("DS Jones"))
    assert {t: v for t, v in state(engine).items() if t != "audit"} == {
        t: v for t, v in start.items() if t != "audit"}
    redo.undo(engine, as_user("DS Jones"))
    with engine.connect() as c:
        assert c.execute(text("SELECT management FROM rso WHERE rso_id='LOW'")).scalar() == (
            "reactive")


def test_eligibility_is_judged_at_the_decision_date(engine):
    # LOW's ARMS was completed on 01/03/2017: on 01/02/2017 it had none.
    with pytest.raises(OperationError, match="no ARMS assessment"):
        record_decision(engine, "LOW", "reactive", date(2017, 2, 1), "r", as_user("DC X"),
                        today=TODAY)


def test_a_back_dated_decision_does_not_override_a_later_one(engine):
    record_decision(engine, "LOW", "reactive", date(2017, 10, 1), "r", as_user("DC X"), today=TODAY)
    change = record_decision(engine, "LOW", "active", date(2017, 9, 1), "r", as_user("DC X"),
                             today=TODAY)
    assert change.after["management"] == "reactive"  # the October decision still stands
    with engine.connect() as c:
        assert c.execute(text("SELECT management FROM rso WHERE rso_id='LOW'")).scalar() == (
            "reactive")


def test_undo_of_a_record_removed_meanwhile_is_refused(engine):
    change = record_visit(engine, "HIGH", date(2017, 10, 2), "completed", 2, as_user("DC X"),
                          today=TODAY)
    with engine.begin() as c:
        c.execute(text("DELETE FROM visit WHERE visit_id = :v"),
                  {"v": change.after["record"]["visit_id"]})
    with pytest.raises(OperationError, match="no longer recorded"):
        change.undo(engine, as_user("DC X"))


def test_rso_records_list_what_was_recorded_up_to_the_date(engine):
    record_visit(engine, "HIGH", date(2017, 10, 2), "no_access", 2, as_user("DC X"), today=TODAY)
    record_order(engine, "HIGH", "SHPO", date(2017, 1, 1), None, as_user("DC X"), today=TODAY)
    record_arms(engine, "HIGH", date(2017, 9, 1), "high", as_user("DC X"), today=TODAY)
    records = rso_records(engine, "HIGH", AS_AT)
    assert set(records) == {"allocations", "visits", "arms", "orders", "decisions"}
    assert records["visits"]["visited_on"].dt.strftime("%Y-%m-%d").tolist() == [
        "2017-06-02", "2017-10-02"]
    assert records["visits"]["outcome"].tolist() == ["completed", "no_access"]
    assert records["orders"]["type"].tolist() == ["SHPO"]
    assert records["arms"]["outcome"].tolist() == ["high"]
    earlier = rso_records(engine, "HIGH", date(2017, 8, 1))
    assert len(earlier["visits"]) == 1 and earlier["arms"].empty
