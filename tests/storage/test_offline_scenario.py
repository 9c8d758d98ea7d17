"""An offline copy and the operations of issue 18: a decision on a review of indefinite
notification made on the laptop reaches the source at sync; a what-if scenario (which a copy
does not hold) is refused in the copy at once, not at sync."""

from __future__ import annotations

from datetime import date

import pytest
from offline_world import PASSWORD, write_source
from sqlalchemy import text

from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.storage import offline
from ncpi_desktop.storage.change import OperationError
from ncpi_desktop.storage.operations.notification import record_notification_review
from ncpi_desktop.storage.scenarios import delete_scenario, list_scenarios, save_scenario
from ncpi_desktop.storage.users import sign_in, sign_out

DECIDED = date(2017, 2, 1)


def _rows(target: str, sql: str, **params) -> list:
    session = sign_in(target, "manager", PASSWORD)
    try:
        with session.engine.begin() as connection:
            result = connection.execute(text(sql), params)
            return result.all() if result.returns_rows else []
    finally:
        sign_out(session)


@pytest.fixture
def laptop(tmp_path):
    """(source, copy of team East 1 taken by sup.east1, an RSO of A notified indefinitely)."""
    source = write_source(str(tmp_path / "source.sqlite3"))
    rso = _rows(source, "SELECT min(rso_id) FROM rso WHERE manager_id = 'A'")[0][0]
    _rows(source, "UPDATE rso SET notification_indefinite = TRUE WHERE rso_id = :r", r=rso)
    copy = offline.take_offline(source, "team:East 1", tmp_path / "t.db", "sup.east1", PASSWORD)
    return source, copy, rso


def test_a_notification_review_decision_made_offline_reaches_the_source(laptop):
    source, copy, rso = laptop
    session = sign_in(copy, "sup.east1", PASSWORD)
    try:
        record_notification_review(session.engine, RsoId(rso), "continue", DECIDED,
                                   "risk remains", session.user)
    finally:
        sign_out(session)
    result = offline.sync(copy, "sup.east1", PASSWORD)
    assert (result.applied, result.refused) == (1, [])
    assert [tuple(r) for r in _rows(
        source, "SELECT outcome, reason, actor FROM notification_review WHERE rso_id = :r",
        r=rso)] == [("continue", "risk remains", "sup.east1")]


def test_a_scenario_is_refused_on_the_copy_at_once(laptop):
    _source, copy, _rso = laptop
    session = sign_in(copy, "sup.east1", PASSWORD)
    try:
        with pytest.raises(OperationError, match="cannot be saved on an offline copy"):
            save_scenario(session.engine, "Laptop plan", "[]", session.user)
        with pytest.raises(OperationError, match="cannot be deleted on an offline copy"):
            delete_scenario(session.engine, "Laptop plan", session.user, seen=1)
        assert list_scenarios(session.engine, session.user) == []
    finally:
        sign_out(session)
    assert offline.open_copy_changes(copy, "sup.east1", PASSWORD) == []
