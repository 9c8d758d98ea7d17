"""No lost update for trigger events, referrals and case reviews (SERVER.md): each refuses to
write when the RSO changed after the user saw it, writing nothing; an undo whose row is gone is
refused; a concern moves the RSO's version on, a review does not."""

from __future__ import annotations

from datetime import date

import pytest
from builders import AS_AT, Register, as_user
from sqlalchemy import text

from ncpi_desktop.domain.security import Role, Scope
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.storage.operations import StaleWrite, reassign, record_event, record_referral
from ncpi_desktop.storage.operations.reviews import (
    ActionSpec,
    add_action,
    complete_action,
    record_review,
)

ON = date(2017, 9, 1)
ME = as_user("supervisor.me", Role.SUPERVISOR, scope=Scope.parse("team:East 1"))
OTHER = as_user("supervisor.east")
TABLES = ("rso", "allocation", "event", "referral", "case_review", "review_action", "audit")


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A", team="East 1")
    r.manager("B", team="East 1")
    r.rso("R1", manager_id="A", team="East 1", last_concern_on=date(2016, 5, 1))
    r.allocation("R1", "A", date(2015, 1, 1))
    engine = r.write(tmp_path / "clocks.sqlite3")
    yield engine
    engine.dispose()


def everything(engine) -> dict[str, list]:
    with engine.connect() as c:
        return {t: c.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all() for t in TABLES}


def version(engine) -> int:
    """R1's version as a window has it: from the register's RSO frame."""
    rsos = load_snapshot(engine, AS_AT).rsos
    return int(rsos.loc[rsos["rso_id"] == "R1", "version"].iloc[0])


def refused(engine, write, expected: str) -> None:
    before = everything(engine)
    with pytest.raises(StaleWrite) as caught:
        write()
    assert expected in str(caught.value), str(caught.value)
    assert everything(engine) == before


def a_review(engine, **kw):
    return record_review(engine, "R1", ON, "good", "Fine", ME, today=AS_AT,
                         actions=[ActionSpec("Visit", "A", date(2017, 12, 1))], **kw)


WRITES = {
    "event": lambda e, seen: record_event(e, "R1", "concern", ON, ME, today=AS_AT, seen=seen),
    "referral": lambda e, seen: record_referral(e, "R1", ON, ME, today=AS_AT, seen=seen),
    "review": lambda e, seen: a_review(e, seen=seen),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_refused_when_the_rso_moved_since_it_was_seen(engine, write):
    seen = {"R1": version(engine)}
    reassign(engine, ["R1"], "B", "their move", OTHER, on=ON)
    refused(engine, lambda: WRITES[write](engine, seen),
            "R1 is now held by B (moved by supervisor.east")


def test_review_actions_refused_when_the_rso_moved_since_it_was_seen(engine):
    review = a_review(engine)
    review_id = review.after["review"]["review_id"]
    action_id = review.after["actions"][0]["action_id"]
    seen = {"R1": version(engine)}
    reassign(engine, ["R1"], "B", "their move", OTHER, on=ON)
    said = "R1 is now held by B"
    refused(engine, lambda: add_action(engine, review_id, ActionSpec("Call", "A", ON), ME,
                                       seen=seen), said)
    refused(engine, lambda: complete_action(engine, action_id, ON, ME, today=AS_AT, seen=seen),
            said)
    complete_action(engine, action_id, ON, ME, today=AS_AT, seen={"R1": version(engine)})


def test_a_concern_moves_the_version_on_a_referral_and_a_review_do_not(engine):
    seen = version(engine)
    change = record_event(engine, "R1", "concern", ON, ME, today=AS_AT, seen={"R1": seen})
    assert version(engine) == seen + 1 == change.versions["R1"]
    undone = change.undo(engine, ME)
    assert version(engine) == seen + 2 == undone.versions["R1"]
    referral = record_referral(engine, "R1", ON, ME, today=AS_AT, seen={"R1": seen + 2})
    review = a_review(engine, seen={"R1": seen + 2})
    assert version(engine) == seen + 2 == referral.versions["R1"] == review.versions["R1"]


@pytest.mark.parametrize("write", sorted(WRITES))
def test_undo_refused_when_the_row_was_removed(engine, write):
    change = WRITES[write](engine, None)
    table = {"event": "event", "referral": "referral", "review": "case_review"}[write]
    with engine.begin() as c:  # someone else removes it (their own undo, say)
        if write == "review":
            c.execute(text("DELETE FROM review_action"))
        c.execute(text(f"DELETE FROM {table}"))
    refused(engine, lambda: change.undo(engine, ME), "Nothing to undo")


def test_undo_of_a_concern_refused_after_a_later_concern(engine):
    mine = record_event(engine, "R1", "concern", ON, ME, today=AS_AT)
    record_event(engine, "R1", "arrest", date(2017, 9, 5), OTHER, today=AS_AT)
    refused(engine, lambda: mine.undo(engine, ME), "R1's latest concern has changed since "
            "(event recorded by supervisor.east")


def test_redo_refused_when_the_row_is_back_already(engine):
    review = a_review(engine)
    redo = review.undo(engine, ME)
    redo.undo(engine, ME)
    refused(engine, lambda: redo.undo(engine, ME), "recorded already")


def test_undo_of_an_added_action_refused_when_it_was_removed(engine):
    review = a_review(engine)
    added = add_action(engine, review.after["review"]["review_id"],
                       ActionSpec("Call", "A", ON), ME)
    with engine.begin() as c:
        c.execute(text("DELETE FROM review_action WHERE action_id = :a"),
                  {"a": added.after["action"]["action_id"]})
    refused(engine, lambda: added.undo(engine, ME), "Nothing to undo")
