"""The named operation ``record notification review``: undone and redone exactly, audited."""

from __future__ import annotations

from datetime import date

import pytest
from builders import AS_AT, FORCE_MANAGER, Register
from sqlalchemy import text

from ncpi_desktop.storage.change import OperationError, StaleWrite
from ncpi_desktop.storage.operations.notification import record_notification_review


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A")
    r.rso("R1", manager_id="A", notification_indefinite=True)
    engine = r.write(tmp_path / "r.sqlite3")
    yield engine
    engine.dispose()


def held(engine) -> list[tuple]:
    with engine.connect() as c:
        rows = c.execute(text("SELECT rso_id, decided_on, outcome FROM notification_review"
                              )).all()
    return [(r, str(on), outcome) for r, on, outcome in rows]  # text or a date, by database


def operations(engine) -> list[str]:
    with engine.connect() as c:
        return list(c.execute(text("SELECT operation FROM audit WHERE kind = 'alteration' "
                                   "ORDER BY id")).scalars())


def test_undo_and_redo_are_exact_and_audited(engine):
    change = record_notification_review(engine, "R1", "Continue", date(2017, 5, 1), "risk",
                                        FORCE_MANAGER, today=AS_AT)
    assert held(engine) == [("R1", "2017-05-01", "continue")]
    undone = change.undo(engine, FORCE_MANAGER)
    assert held(engine) == []
    with pytest.raises(StaleWrite):
        change.undo(engine, FORCE_MANAGER)
    undone.undo(engine, FORCE_MANAGER)
    assert held(engine) == [("R1", "2017-05-01", "continue")]
    assert operations(engine) == ["record notification review",
                                  "undo record notification review",
                                  "record notification review"]


def test_an_unknown_outcome_is_refused(engine):
    with pytest.raises(OperationError, match="Unknown outcome 'maybe': choose one of "
                                             "continue, discharge"):
        record_notification_review(engine, "R1", "maybe", AS_AT, "x", FORCE_MANAGER)
