"""Recording trigger events and referrals: validated, one transaction, audited, undoable; a
concern moves last_concern_on and its undo puts it back."""

from __future__ import annotations

import json
from datetime import date

import pytest
from builders import AS_AT, Register, as_user
from sqlalchemy import text

from ncpi_desktop.domain.security import NotPermitted, Role, Scope
from ncpi_desktop.storage.operations import OperationError, record_event, record_referral

TODAY = AS_AT
USER = as_user("DC X")
TABLES = ["event", "referral", "rso"]


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A")
    r.manager("B", team="East 2")
    r.rso("R1", manager_id="A", last_concern_on=date(2016, 5, 1))
    r.rso("R2", manager_id="B")
    return r.write(tmp_path / "events.sqlite3")


def state(engine) -> dict[str, list]:
    """The tables, the RSO's version left out (a concern and its undo each move it on)."""
    with engine.connect() as c:
        tables = {t: c.execute(text(f"SELECT * FROM {t} ORDER BY 1")).mappings().all()
                  for t in TABLES}
    return {t: [{k: iso(v) for k, v in row.items() if k != "version"} for row in rows]
            for t, rows in tables.items()}


def iso(value):
    """A date as SQLite gives it (ISO text), so that both databases read alike."""
    return value.isoformat() if type(value) is date else value


def concern_on(engine, rso_id: str) -> str | None:
    with engine.connect() as c:
        return iso(c.execute(text("SELECT last_concern_on FROM rso WHERE rso_id = :r"),
                             {"r": rso_id}).scalar())


def audits(engine) -> list[tuple[str, str, dict]]:
    with engine.connect() as c:
        rows = c.execute(text("SELECT actor, operation, detail FROM audit ORDER BY id")).all()
    return [(a, o, json.loads(d)) for a, o, d in rows]


@pytest.mark.parametrize(("call", "message"), [
    (lambda e: record_event(e, "NOPE", "concern", date(2017, 10, 1), USER, today=TODAY),
     "Unknown RSO id: NOPE"),
    (lambda e: record_event(e, "R1", "gossip", date(2017, 10, 1), USER, today=TODAY),
     "Unknown event type 'gossip': choose one of concern, disclosure_enquiry, new_household, "
     "address_change, order_breach, arrest"),
    (lambda e: record_event(e, "R1", "arrest", date(2017, 10, 10), USER, today=TODAY),
     "The event date 10/10/2017 is in the future (today is 09/10/2017)"),
    (lambda e: record_referral(e, "R1", date(2017, 10, 1), USER, to=" ", today=TODAY),
     "A referral needs whom it was made to (e.g. children's social care)"),
    (lambda e: record_referral(e, "R1", date(2017, 10, 10), USER, today=TODAY),
     "The referral date 10/10/2017 is in the future (today is 09/10/2017)"),
])
def test_bad_input_is_refused_and_writes_nothing(engine, call, message):
    before = state(engine)
    with pytest.raises(OperationError) as refused:
        call(engine)
    assert str(refused.value) == message
    assert state(engine) == before


def test_a_concern_sets_last_concern_on_and_undo_restores_it(engine):
    before = state(engine)
    change = record_event(engine, "R1", "concern", date(2017, 9, 1), USER, today=TODAY)
    assert change.summary == "Record new intelligence or concern for R1 on 01/09/2017"
    assert concern_on(engine, "R1") == "2017-09-01"
    actor, operation, detail = audits(engine)[-1]
    assert (actor, operation) == ("DC X", "record event")
    assert detail["before"]["last_concern_on"] == "2016-05-01"
    assert detail["after"]["record"]["type"] == "concern"
    redo = change.undo(engine, USER)
    assert state(engine) == before and concern_on(engine, "R1") == "2016-05-01"
    assert audits(engine)[-1][1] == "undo record event"
    redo.undo(engine, USER)
    assert concern_on(engine, "R1") == "2017-09-01"
    assert len(state(engine)["event"]) == 1


def test_an_older_concern_or_another_type_leaves_last_concern_on(engine):
    record_event(engine, "R1", "concern", date(2015, 1, 1), USER, today=TODAY)
    record_event(engine, "R2", "address_change", date(2017, 9, 1), USER, today=TODAY)
    assert concern_on(engine, "R1") == "2016-05-01" and concern_on(engine, "R2") is None
    record_event(engine, "R2", "order_breach", date(2017, 9, 2), USER, today=TODAY)
    assert concern_on(engine, "R2") == "2017-09-02"


def test_a_referral_is_undone_exactly(engine):
    before = state(engine)
    change = record_referral(engine, "R1", date(2017, 9, 2), USER, today=TODAY)
    assert change.summary == "Record referral of R1 to children's social care on 02/09/2017"
    row = state(engine)["referral"][0]
    assert (row["rso_id"], str(row["referred_on"]), row["referred_to"]) == (
        "R1", "2017-09-02", "children's social care")
    change.undo(engine, USER)
    assert state(engine) == before


def test_an_offender_manager_records_only_for_their_own_rsos(engine):
    om = as_user("om.a", Role.OFFENDER_MANAGER, scope=Scope.parse("caseload:A"), manager_id="A")
    record_event(engine, "R1", "arrest", date(2017, 9, 1), om, today=TODAY)
    before = state(engine)
    with pytest.raises(NotPermitted, match="om.a may not record a trigger event for R2"):
        record_event(engine, "R2", "arrest", date(2017, 9, 1), om, today=TODAY)
    with pytest.raises(NotPermitted, match="om.a may not record a referral for R2"):
        record_referral(engine, "R2", date(2017, 9, 1), om, today=TODAY)
    analyst = as_user("analyst", Role.ANALYST)
    with pytest.raises(NotPermitted, match="not permitted to analyst"):
        record_event(engine, "R1", "arrest", date(2017, 9, 1), analyst, today=TODAY)
    assert state(engine) == before
