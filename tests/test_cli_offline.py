"""``ncpi-desktop offline take|sync|redo|drop`` (SERVER.md, "Offline laptops"): exit statuses, the
refused changes listed, the lock, and a sync killed with SIGKILL at every step (on a SQLite and a
PostgreSQL source) leaving both sides as before or after each change, the next sync completing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import postgres
import pytest
from offline_world import PASSWORD, new_database, write_source
from sqlalchemy import text

import ncpi_desktop
from ncpi_desktop.cli import main
from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.storage import offline
from ncpi_desktop.storage.audit import verify
from ncpi_desktop.storage.offline.sync import KILL_AT_VARIABLE, STEPS
from ncpi_desktop.storage.operations import reassign, record_visit
from ncpi_desktop.storage.users import sign_in, sign_out

VISITED = date(2017, 10, 3)
ENOUGH = 120  # seconds: a sync that takes longer has hung


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str | None]:
    if postgres.available() is not None:
        yield None
        return
    with postgres.server() as url:
        yield url


@pytest.fixture
def sqlite_source(tmp_path) -> str:
    return write_source(str(tmp_path / "source.sqlite3"))


def _query(target: str, sql: str, **params) -> list:
    session = sign_in(target, "manager", PASSWORD)
    try:
        with session.engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        sign_out(session)


def _take(source: str, laptop: Path, scope: str, user: str) -> int:
    return main(["offline", "take", "--db", source, "--scope", scope, "--out", str(laptop),
                 "--user", user])


def test_take_sync_drop_and_their_statuses(sqlite_source, tmp_path, capsys):
    laptop = tmp_path / "laptop.db"
    assert _take(sqlite_source, laptop, "team:East 1", "om.a") == 3
    assert "om.a may not take team East 1 offline" in capsys.readouterr().err
    assert _take(sqlite_source, laptop, "force", "om.a") == 2
    assert _take(sqlite_source, laptop, "caseload:A", "om.a") == 0
    assert _take(sqlite_source, laptop, "caseload:A", "om.a") == 2  # not over an existing copy
    capsys.readouterr()

    rso = _query(sqlite_source, "SELECT min(rso_id) FROM rso WHERE manager_id = 'A'")[0][0]
    session = sign_in(laptop, "om.a", PASSWORD)
    record_visit(session.engine, RsoId(rso), VISITED, "completed", 2, session.user)
    sign_out(session)
    there = sign_in(sqlite_source, "manager", PASSWORD)
    reassign(there.engine, [RsoId(rso)], ManagerId("A2"), "meanwhile", there.user)
    sign_out(there)

    assert main(["offline", "sync", str(laptop), "--user", "om.a"]) == 1
    out, err = capsys.readouterr()
    assert f"refused 1: record visit {rso}" in out and f"{rso} is now held by A2" in out
    assert "1 change(s) refused and kept in the copy" in err
    assert main(["offline", "sync", str(laptop), "--user", "om.a"]) == 1  # still listed
    assert main(["offline", "drop", str(laptop), "1", "--user", "om.a"]) == 0
    assert main(["offline", "drop", str(laptop), "1", "--user", "om.a"]) == 1
    assert main(["offline", "sync", str(laptop), "--user", "om.a"]) == 0
    Path(sqlite_source).rename(tmp_path / "elsewhere.sqlite3")
    capsys.readouterr()
    assert main(["offline", "sync", str(laptop), "--user", "om.a"]) == 2
    assert "cannot reach the source" in capsys.readouterr().err


def test_a_locked_copy_shows_no_data_until_synced(sqlite_source, tmp_path, capsys):
    laptop = tmp_path / "laptop.db"
    assert _take(sqlite_source, laptop, "caseload:A", "om.a") == 0
    opened = offline.open_copy(laptop, "om.a", PASSWORD)
    with opened.engine.begin() as connection:
        connection.execute(text("UPDATE offline_source SET synced_at = :t"),
                           {"t": "2017-01-01T00:00:00+00:00"})
        rso = connection.execute(text("SELECT min(rso_id) FROM rso")).scalar()
    opened.engine.dispose()
    visit = ["record", "visit", "--db", str(laptop), "--user", "om.a", "--rso", rso, "--on",
             "02/10/2017", "--outcome", "completed", "--officers", "2"]
    capsys.readouterr()
    assert main(visit) == 2
    assert "last synced on 01/01/2017" in capsys.readouterr().err
    assert main(["offline", "sync", str(laptop), "--user", "om.a"]) == 0
    assert main(visit) == 0
    assert [e.operation for e in offline.open_copy_changes(laptop, "om.a", PASSWORD)] == [
        "record visit"]


# --- killed -----------------------------------------------------------------------------------

def _sync_killed_at(laptop: Path, step: int | str | None) -> int:
    env = {**os.environ, "PYTHONPATH": str(Path(ncpi_desktop.__file__).parents[1]),
           "NCPI_PASSWORD": PASSWORD}
    env.pop(KILL_AT_VARIABLE, None)
    if step is not None:
        env[KILL_AT_VARIABLE] = str(step)
    return subprocess.run([sys.executable, "-m", "ncpi_desktop", "offline", "sync", str(laptop),
                           "--user", "sup.east1"], env=env, capture_output=True,
                          timeout=ENOUGH).returncode


def _consistent(source: str, laptop: Path, rsos: list[str]) -> dict[str, int]:
    """Each change is on the source at most once, and only with its mark; the chain holds; the
    copy opens and no change it calls synced is missing from the source."""
    applied = {u for (u,) in _query(source, "SELECT change_uuid FROM offline_applied")}
    details = [json.loads(d) for (d,) in _query(
        source, "SELECT detail FROM audit WHERE kind = 'alteration'")]
    offline_rows = [d["offline_change"] for d in details if d.get("offline")]
    assert len(offline_rows) == len(set(offline_rows)) and set(offline_rows) <= applied
    visits = _query(source, "SELECT count(*) FROM visit WHERE visited_on = :d", d=VISITED)[0][0]
    held_by_a2 = _query(source, "SELECT count(*) FROM rso WHERE manager_id = 'A2' AND rso_id = "
                                ":r", r=rsos[1])[0][0]
    assert visits in (0, 1) and held_by_a2 in (0, 1)
    assert visits + held_by_a2 == len(offline_rows)
    there = sign_in(source, "manager", PASSWORD)
    verify(there.engine)
    sign_out(there)
    for entry in offline.open_copy_changes(laptop, "sup.east1", PASSWORD, "synced"):
        assert entry.uuid in applied
    return {"visits": visits, "moved": held_by_a2}


def _killed_syncs(source: str, tmp_path: Path) -> None:
    laptop = tmp_path / "laptop.db"
    assert _take(source, laptop, "team:East 1", "sup.east1") == 0
    rsos = [r for (r,) in _query(source, "SELECT rso_id FROM rso WHERE manager_id = 'A' "
                                         "ORDER BY rso_id")]
    session = sign_in(laptop, "sup.east1", PASSWORD)
    record_visit(session.engine, RsoId(rsos[0]), VISITED, "completed", 2, session.user)
    reassign(session.engine, [RsoId(rsos[1])], ManagerId("A2"), "cover", session.user,
             on=VISITED)
    sign_out(session)
    # Killed once at each kind of step (the first change's), then at each step in turn of
    # what remains, until a sync runs to its end.
    for step in [*STEPS, *range(1, 40)]:
        status = _sync_killed_at(laptop, step)
        if status != -signal.SIGKILL:
            assert status == 0 and isinstance(step, int)
            break
        _consistent(source, laptop, rsos)
    assert _sync_killed_at(laptop, None) == 0
    assert _consistent(source, laptop, rsos) == {"visits": 1, "moved": 1}
    assert {e.status for e in offline.open_copy_changes(laptop, "sup.east1", PASSWORD)} == {
        "synced"}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_sync_killed_at_any_step_on_sqlite(sqlite_source, tmp_path):
    _killed_syncs(sqlite_source, tmp_path)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_sync_killed_at_any_step_on_postgresql(postgres_server, tmp_path):
    if postgres_server is None:
        pytest.skip(str(postgres.available()))
    _killed_syncs(write_source(new_database(postgres_server)), tmp_path)


def test_redo_sends_a_refused_change_again_as_the_windows_redo(sqlite_source, tmp_path, capsys):
    """``offline redo`` marks the refused change to send again without the "as seen" check (the
    user has seen the move) and syncs: the visit is recorded on the source, the copy holds no
    refused change, and the change cannot be redone twice."""
    laptop = tmp_path / "laptop.db"
    assert _take(sqlite_source, laptop, "team:East 1", "sup.east1") == 0
    rso = _query(sqlite_source, "SELECT min(rso_id) FROM rso WHERE manager_id = 'A'")[0][0]
    session = sign_in(laptop, "sup.east1", PASSWORD)
    record_visit(session.engine, RsoId(rso), VISITED, "completed", 2, session.user)
    sign_out(session)
    there = sign_in(sqlite_source, "manager", PASSWORD)
    reassign(there.engine, [RsoId(rso)], ManagerId("A2"), "meanwhile", there.user)
    sign_out(there)
    assert main(["offline", "sync", str(laptop), "--user", "sup.east1"]) == 1
    assert f"redo them (ncpi-desktop offline redo {laptop} CHANGE_ID)" in capsys.readouterr().err
    visits = "SELECT rso_id FROM visit WHERE visited_on = :d"
    assert _query(sqlite_source, visits, d=VISITED) == []

    assert main(["offline", "redo", str(laptop), "1", "--user", "sup.east1"]) == 0
    out = capsys.readouterr().out
    assert f"redoing 1: record visit {rso}" in out and "synced: 1 change(s) applied" in out
    assert [r for (r,) in _query(sqlite_source, visits, d=VISITED)] == [rso]
    assert [e.status for e in offline.open_copy_changes(laptop, "sup.east1", PASSWORD)] == [
        "synced"]
    assert main(["offline", "redo", str(laptop), "1", "--user", "sup.east1"]) == 1
    assert "only a refused change can be redone" in capsys.readouterr().err
