"""Offline copies (SERVER.md, "Offline laptops"), on a SQLite source and a PostgreSQL source:
taken cut to the scope and encrypted, every change and view journaled, synced once each at its
original time, a conflicting change refused and kept, and a copy locked when not synced."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import postgres
import pytest
from offline_world import PASSWORD, new_database, write_source
from sqlalchemy import text

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.domain.security import NotPermitted
from ncpi_desktop.storage import offline
from ncpi_desktop.storage.audit import verify
from ncpi_desktop.storage.keys import KeyFile, keys_path
from ncpi_desktop.storage.offline.journal import as_utc
from ncpi_desktop.storage.operations import (
    reassign,
    record_event,
    record_referral,
    record_visit,
)
from ncpi_desktop.storage.operations.reviews import ActionSpec, record_review
from ncpi_desktop.storage.users import sign_in, sign_out

VISITED = date(2017, 10, 2)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str | None]:
    if postgres.available() is not None:
        yield None
        return
    with postgres.server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def source(request, tmp_path, postgres_server) -> str:
    """A new source register: a SQLite file, or a database on the test PostgreSQL server."""
    if request.param == "sqlite":
        return write_source(str(tmp_path / "source.sqlite3"))
    if postgres_server is None:
        pytest.skip(str(postgres.available()))
    return write_source(new_database(postgres_server))


def _rows(target: str, sql: str, **params) -> list:
    session = sign_in(target, "manager", PASSWORD)
    try:
        with session.engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        sign_out(session)


def _holder(target: str, rso_id: str) -> str:
    return _rows(target, "SELECT manager_id FROM rso WHERE rso_id = :r", r=rso_id)[0][0]


def _first_rso(target: str, manager_id: str) -> str:
    return _rows(target, "SELECT min(rso_id) FROM rso WHERE manager_id = :m", m=manager_id)[0][0]


def _work_offline(laptop: Path, user: str, rso_id: str) -> None:
    """Sign in to the copy, record a visit (and, for a supervisor, a decision), sign out."""
    session = sign_in(laptop, user, PASSWORD)
    try:
        record_visit(session.engine, RsoId(rso_id), VISITED, "completed", 2, session.user)
        if user.startswith("sup."):
            record_decision(session.engine, RsoId(rso_id), "active", VISITED, "seen at home",
                            session.user)
    finally:
        sign_out(session)


def test_take_is_cut_to_the_scope_and_encrypted(source, tmp_path):
    laptop = offline.take_offline(source, "caseload:A", tmp_path / "laptop.db", "om.a", PASSWORD)
    everyone = _rows(source, "SELECT rso_id, family_name, manager_id FROM rso")
    session = sign_in(laptop, "om.a", PASSWORD)
    with session.engine.connect() as connection:
        copied = {r[0] for r in connection.execute(text("SELECT rso_id FROM rso"))}
        users = [r[0] for r in connection.execute(text("SELECT user_name FROM app_user"))]
    sign_out(session)
    assert copied == {r for r, _, m in everyone if m == "A"}
    assert users == ["om.a"]
    assert list(KeyFile.load(keys_path(laptop)).slots) == ["om.a"]
    raw = laptop.read_bytes()
    for _, family_name, _ in everyone:
        assert family_name.encode() not in raw
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(laptop).execute("SELECT count(*) FROM rso").fetchall()
    assert ["take offline copy"] == [r[0] for r in _rows(
        source, "SELECT operation FROM audit WHERE kind = 'disclosure'")]


def test_a_copy_holds_its_rsos_events_referrals_and_reviews_only(source, tmp_path):
    inside = _first_rso(source, "A")
    outside = _rows(source, "SELECT min(rso_id) FROM rso WHERE team <> 'East 1'")[0][0]
    session = sign_in(source, "manager", PASSWORD)
    try:
        for rso_id in (inside, outside):
            record_event(session.engine, RsoId(rso_id), "arrest", VISITED, session.user)
            record_referral(session.engine, RsoId(rso_id), VISITED, session.user)
            record_review(session.engine, RsoId(rso_id), VISITED, "good", "well kept",
                          session.user, actions=[ActionSpec("check home", "A", VISITED)])
    finally:
        sign_out(session)
    laptop = offline.take_offline(source, "team:East 1", tmp_path / "t.db", "sup.east1",
                                  PASSWORD)
    session = sign_in(laptop, "sup.east1", PASSWORD)
    with session.engine.connect() as connection:
        held = {table: [r[0] for r in connection.execute(text(sql))] for table, sql in {
            "event": "SELECT rso_id FROM event", "referral": "SELECT rso_id FROM referral",
            "case_review": "SELECT rso_id FROM case_review",
            "review_action": "SELECT r.rso_id FROM review_action a JOIN case_review r "
                             "ON r.review_id = a.review_id"}.items()}
    sign_out(session)
    assert held == {table: [inside] for table in held}


def test_take_outside_the_users_scope_is_refused(source, tmp_path):
    with pytest.raises(NotPermitted, match="om.a may not take team East 1 offline"):
        offline.take_offline(source, "team:East 1", tmp_path / "x.db", "om.a", PASSWORD)
    with pytest.raises(NotPermitted, match="West"):
        offline.take_offline(source, "bcu:West", tmp_path / "x.db", "sup.east1", PASSWORD)
    assert not (tmp_path / "x.db").exists()


def test_a_supervisor_takes_their_team_without_names_outside_it(source, tmp_path):
    laptop = offline.take_offline(source, "team:East 1", tmp_path / "t.db", "sup.east1",
                                  PASSWORD)
    outside = [f for (f,) in _rows(source, "SELECT family_name FROM rso WHERE team <> 'East 1'")]
    session = sign_in(laptop, "sup.east1", PASSWORD)
    with session.engine.connect() as connection:
        names = {r[0] for r in connection.execute(text("SELECT family_name FROM rso"))}
        managers = {r[0] for r in connection.execute(text("SELECT manager_id FROM manager"))}
    sign_out(session)
    assert names and not names & set(outside)
    assert managers == {"A", "A2"}


def test_changes_made_offline_reach_the_source_once_at_their_time(source, tmp_path):
    # A decision is a supervisor's (SECURITY.md): a supervisor takes their team.
    laptop = offline.take_offline(source, "team:East 1", tmp_path / "t.db", "sup.east1",
                                  PASSWORD)
    rso = _first_rso(source, "A")
    _work_offline(laptop, "sup.east1", rso)
    made = {e.operation: e.at for e in offline.open_copy_changes(laptop, "sup.east1", PASSWORD)}
    result = offline.sync(laptop, "sup.east1", PASSWORD, decide=record_decision)
    again = offline.sync(laptop, "sup.east1", PASSWORD, decide=record_decision)

    assert (result.applied, result.refused, again.applied, again.views) == (2, [], 0, 0)
    assert _rows(source, "SELECT count(*) FROM visit WHERE rso_id = :r AND visited_on = :d",
                 r=rso, d=VISITED)[0][0] == 1
    assert _rows(source, "SELECT management FROM rso WHERE rso_id = :r", r=rso)[0][0] == "active"
    audited = _rows(source, "SELECT operation, at, actor, detail FROM audit WHERE kind = "
                            "'alteration' ORDER BY id")
    assert [a[0] for a in audited] == ["record visit", "record decision"]
    for operation, at, actor, detail in audited:
        assert abs(as_utc(at) - made[operation]) < timedelta(milliseconds=1)
        assert actor == "sup.east1" and json.loads(detail)["offline"] is True
    views = _rows(source, "SELECT operation, detail FROM audit WHERE kind = 'access' "
                          "AND actor = 'sup.east1'")
    assert ("sign in", True) in [(o, (json.loads(d) or {}).get("offline")) for o, d in views]
    there = sign_in(source, "manager", PASSWORD)
    assert verify(there.engine).rows > 0  # the re-dated rows still chain
    sign_out(there)


def test_a_change_refused_by_the_source_is_listed_and_kept(source, tmp_path):
    laptop = offline.take_offline(source, "team:East 1", tmp_path / "t.db", "sup.east1",
                                  PASSWORD)
    rso = _first_rso(source, "A")
    session = sign_in(laptop, "sup.east1", PASSWORD)
    record_visit(session.engine, RsoId(rso), VISITED, "no_access", 2, session.user)
    sign_out(session)
    there = sign_in(source, "manager", PASSWORD)
    reassign(there.engine, [RsoId(rso)], ManagerId("A2"), "meanwhile on the server", there.user)
    sign_out(there)

    result = offline.sync(laptop, "sup.east1", PASSWORD)

    assert result.applied == 0 and len(result.refused) == 1
    assert f"{rso} is now held by A2 (moved by manager at" in result.refused[0].why
    assert _rows(source, "SELECT count(*) FROM visit WHERE rso_id = :r AND visited_on = :d",
                 r=rso, d=VISITED)[0][0] == 0
    kept = offline.open_copy_changes(laptop, "sup.east1", PASSWORD)
    assert [(e.operation, e.status) for e in kept] == [("record visit", "refused")]
    refused_id = kept[0].id

    opened = offline.open_copy(laptop, "sup.east1", PASSWORD)
    offline.redo(opened.engine, refused_id)
    opened.engine.dispose()
    redone = offline.sync(laptop, "sup.east1", PASSWORD)
    assert (redone.applied, redone.refused) == (1, [])
    assert _rows(source, "SELECT count(*) FROM visit WHERE rso_id = :r AND visited_on = :d",
                 r=rso, d=VISITED)[0][0] == 1


def test_a_change_no_longer_permitted_is_refused_and_can_be_dropped(source, tmp_path):
    laptop = offline.take_offline(source, "caseload:A", tmp_path / "laptop.db", "om.a", PASSWORD)
    rso = _first_rso(source, "A")
    session = sign_in(laptop, "om.a", PASSWORD)
    record_visit(session.engine, RsoId(rso), VISITED, "completed", 2, session.user)
    sign_out(session)
    there = sign_in(source, "manager", PASSWORD)
    reassign(there.engine, [RsoId(rso)], ManagerId("A2"), "moved", there.user)
    sign_out(there)
    refused = offline.sync(laptop, "om.a", PASSWORD).refused
    assert len(refused) == 1
    opened = offline.open_copy(laptop, "om.a", PASSWORD)
    offline.redo(opened.engine, refused[0].change_id)
    opened.engine.dispose()
    again = offline.sync(laptop, "om.a", PASSWORD).refused
    assert "om.a may not record a visit for" in again[0].why  # no longer in the caseload
    opened = offline.open_copy(laptop, "om.a", PASSWORD)
    offline.drop(opened.engine, again[0].change_id, "om.a")
    with pytest.raises(offline.JournalError, match="dropped"):
        offline.drop(opened.engine, again[0].change_id, "om.a")
    opened.engine.dispose()
    assert offline.sync(laptop, "om.a", PASSWORD).refused == []
    dropped = _rows(source, "SELECT detail FROM audit WHERE operation = 'drop offline change'")
    assert len(dropped) == 1 and json.loads(dropped[0][0])["operation"] == "record visit"
    assert _rows(source, "SELECT count(*) FROM visit WHERE visited_on = :d", d=VISITED)[0][0] == 0


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_unreachable_source_changes_nothing(source, tmp_path):
    laptop = offline.take_offline(source, "caseload:A", tmp_path / "laptop.db", "om.a", PASSWORD)
    _work_offline(laptop, "om.a", _first_rso(source, "A"))
    theirs = "SELECT count(*) FROM audit WHERE actor = 'om.a'"
    before = _digest(laptop), _rows(source, theirs)[0][0]
    opened = offline.open_copy(laptop, "om.a", PASSWORD)
    gone = "postgresql+psycopg://postgres@127.0.0.1:9/nowhere" if "://" in source else str(
        tmp_path / "moved-away.sqlite3")
    with opened.engine.begin() as connection:
        connection.execute(text("UPDATE offline_source SET source = :s"), {"s": gone})
    opened.engine.dispose()
    before = _digest(laptop), before[1]

    with pytest.raises(offline.SourceUnreachable, match="nothing was changed"):
        offline.sync(laptop, "om.a", PASSWORD)

    assert (_digest(laptop), _rows(source, theirs)[0][0]) == before


def test_a_copy_not_synced_for_the_policys_days_locks(source, tmp_path):
    laptop = offline.take_offline(source, "caseload:A", tmp_path / "laptop.db", "om.a", PASSWORD)
    opened = offline.open_copy(laptop, "om.a", PASSWORD)
    assert offline.lock_reason(opened.engine) is None
    later = datetime.now(UTC) + timedelta(days=15)
    assert "more than 14 days ago" in offline.lock_reason(opened.engine, later)
    assert offline.lock_reason(opened.engine, later - timedelta(days=2)) is None
    opened.engine.dispose()
