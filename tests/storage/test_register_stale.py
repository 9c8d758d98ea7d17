"""The register's start-up copy is never stale: it is gone, or unused, as soon as anything it
was made from changes (a row, whoever writes it; the schema; the row keys), and a register
read before or during a change is not stored."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from builders import as_user
from register_copy import (
    AS_AT,
    assert_snapshots_equal,
    awkward,
    loaded,
    sqlite_path,
    store,
    stored_rows,
    version,
)
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.storage import snapshot
from ncpi_desktop.storage.database import (
    open_database,
)
from ncpi_desktop.storage.load import RegisterCache
from ncpi_desktop.storage.operations import (
    reassign,
    record_arms,
    record_order,
    record_visit,
    set_policy_values,
)
from ncpi_desktop.storage.register_store import (
    store_register,
)
from ncpi_desktop.storage.snapshot import read_register


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = awkward().write(tmp_path / "awkward.sqlite3")
    yield engine
    engine.dispose()


# --- never stale ------------------------------------------------------------------------------

def figures_of(engine: Engine, cache: RegisterCache):
    return compute_figures(full_snapshot(engine, AS_AT, cache=cache))


def caseload(figures, manager_id: str) -> int:
    return int(figures.managers.set_index("manager_id").loc[manager_id, "caseload"])


def assert_unused_and_next_start_is_fresh(engine: Engine, before: int) -> RegisterCache:
    """The count has moved past the stored copy's, so it is not used (the next store replaces
    it), and a new start reads the tables and sees exactly what they hold."""
    assert version(engine) > before
    assert all(row.version <= before for row in stored_rows(engine))
    assert loaded(engine) is None
    cache = RegisterCache()
    assert_snapshots_equal(full_snapshot(engine, AS_AT, cache=cache),
                           full_snapshot(engine, AS_AT))
    assert cache.source == "tables"
    assert cache.store(engine), "stored again for the start after"
    return cache


def test_every_kind_of_write_deletes_the_stored_copy(engine) -> None:
    def stored_and_version() -> int:
        assert [row[0] for row in stored_rows(engine)] == [
            "allocations", "arms", "managers", "rsos", "tables.decisions", "tables.orders"]
        return version(engine)

    cache = RegisterCache()
    figures_of(engine, cache)
    assert cache.store(engine)
    assert caseload(figures_of(engine, RegisterCache()), "B") == 1

    n = stored_and_version()
    change = reassign(engine, ["R1"], "B", "balancing", as_user("DS Test"), on=AS_AT)
    assert_unused_and_next_start_is_fresh(engine, n)
    assert caseload(figures_of(engine, RegisterCache()), "B") == 2

    n = stored_and_version()
    change.undo(engine, as_user("DS Test"))
    assert_unused_and_next_start_is_fresh(engine, n)
    assert caseload(figures_of(engine, RegisterCache()), "B") == 1

    n = stored_and_version()
    record_arms(engine, "R2", date(2017, 10, 1), "low", as_user("DC Test"), today=AS_AT)
    assert_unused_and_next_start_is_fresh(engine, n)
    arms = full_snapshot(engine, AS_AT, cache=RegisterCache()).arms
    assert date(2017, 10, 1) in set(arms.loc[arms["rso_id"] == "R2", "completed_on"].dt.date)

    n = stored_and_version()
    record_decision(engine, "R1", "active", date(2017, 10, 3), "review", as_user("DI Test"),
                    today=AS_AT)
    assert_unused_and_next_start_is_fresh(engine, n)
    decisions = full_snapshot(engine, AS_AT, cache=RegisterCache()).extra["decisions"]
    assert decisions["rso_id"].tolist() == ["R1"]

    n = stored_and_version()
    record_order(engine, "R3", "SHPO", date(2017, 9, 1), None, as_user("DC Test"), today=AS_AT)
    assert_unused_and_next_start_is_fresh(engine, n)
    orders = full_snapshot(engine, AS_AT, cache=RegisterCache()).extra["orders"]
    assert "R3" in set(orders["rso_id"])

    n = stored_and_version()
    set_policy_values(engine, {"caseload_limit_per_fte": 40}, as_user("DI Test"))
    assert_unused_and_next_start_is_fresh(engine, n)
    assert full_snapshot(engine, AS_AT, cache=RegisterCache()).policy.caseload_limit_per_fte == 40

    stored_and_version()


def test_a_write_from_outside_the_application_deletes_it_and_is_seen(engine) -> None:
    cache = RegisterCache()
    full_snapshot(engine, AS_AT, cache=cache)
    assert cache.store(engine)
    n = version(engine)
    with sqlite3.connect(sqlite_path(engine)) as outside:  # no audit row: only the count moves
        outside.execute("UPDATE rso SET risk_level = 'very_high' WHERE rso_id = 'R3'")
    outside.close()

    def risk(snap: snapshot.Snapshot) -> str:
        return snap.rsos.set_index("rso_id").loc["R3", "risk_level"]

    # The window's own register in memory is seen to be out of date too.
    assert risk(full_snapshot(engine, AS_AT, cache=cache)) == "very_high"
    assert cache.source == "tables"
    assert_unused_and_next_start_is_fresh(engine, n)


def test_a_visit_keeps_the_stored_copy_and_the_next_snapshot_shows_it(engine) -> None:
    store(engine)
    n, rows = version(engine), stored_rows(engine)
    record_visit(engine, "R2", date(2017, 10, 2), "completed", 1, as_user("DC Test"), today=AS_AT)
    assert stored_rows(engine) == rows and version(engine) == n
    cache = RegisterCache()
    cached = full_snapshot(engine, AS_AT, cache=cache)
    assert cache.source == "store"
    assert_snapshots_equal(cached, full_snapshot(engine, AS_AT))
    visits = cached.extra["visits"].set_index("rso_id")
    assert visits.loc["R2", "last_visit_on"] == pd.Timestamp(2017, 10, 2)
    assert visits.loc["R2", "last_visit_officers"] == 1


def test_a_register_changed_after_it_was_read_is_not_stored(engine) -> None:
    with engine.connect() as connection:
        register = read_register(connection)
    record_arms(engine, "R2", date(2017, 10, 1), "low", as_user("DC Test"), today=AS_AT)
    assert not store_register(engine, register)
    assert stored_rows(engine) == []

    cache = RegisterCache()
    full_snapshot(engine, AS_AT, cache=cache)
    reassign(engine, ["R1"], "B", "balancing", as_user("DS Test"), on=AS_AT)
    assert not cache.store(engine)
    assert stored_rows(engine) == []


def test_a_register_changed_while_it_was_read_is_not_stored(engine) -> None:
    def write_midway(done: int, _total: int, _what: str) -> None:
        if done == 2:  # between reading the RSOs and the allocations
            with sqlite3.connect(sqlite_path(engine)) as outside:
                outside.execute("UPDATE rso SET risk_level = 'low' WHERE rso_id = 'R1'")
            outside.close()

    with engine.connect() as connection:
        register = read_register(connection, progress=write_midway)
    assert register.version is None
    assert not store_register(engine, register)
    assert stored_rows(engine) == []


def schema_cookie(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA schema_version").scalar_one()


def rebuilt_with_its_triggers(outside: sqlite3.Connection) -> None:
    """``rso`` rebuilt as a migration rebuilds a table on SQLite (a copy, the old one dropped,
    the copy renamed), its values changed on the way, and its triggers made again: no trigger
    fires on any of it."""
    table, *triggers = [row[0] for row in outside.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'rso' AND type IN ('table', 'trigger') "
        "ORDER BY type = 'trigger'")]
    outside.executescript(
        f"{table.replace('CREATE TABLE rso', 'CREATE TABLE rso_new', 1)};"
        "INSERT INTO rso_new SELECT * FROM rso; UPDATE rso_new SET risk_level = 'low';"
        "DROP TABLE rso; ALTER TABLE rso_new RENAME TO rso;" + ";".join(triggers))


@pytest.mark.parametrize("change", [
    "ALTER TABLE rso RENAME COLUMN risk_level TO risk_level_2016;"
    "ALTER TABLE rso ADD COLUMN risk_level TEXT",
    "ALTER TABLE rso ADD COLUMN notes TEXT; ALTER TABLE rso DROP COLUMN notes",
    rebuilt_with_its_triggers,
], ids=["renamed-and-added", "added-and-dropped", "rebuilt"])
def test_a_change_to_the_schema_makes_the_stored_copy_unused(engine, change) -> None:
    """A change to the tables themselves fires no trigger: the count stays and the copy is
    not deleted, but SQLite's schema cookie moves, and a copy stored under another is unused."""
    cookie = schema_cookie(engine)
    store(engine)
    assert schema_cookie(engine) == cookie, "storing the copy does not change the schema"
    n, rows = version(engine), stored_rows(engine)
    with sqlite3.connect(sqlite_path(engine)) as outside:
        if callable(change):
            change(outside)
        else:
            outside.executescript(change)
    outside.close()
    assert version(engine) == n and stored_rows(engine) == rows, "no trigger fired"
    assert loaded(engine) is None
    cache = RegisterCache()
    fresh = full_snapshot(engine, AS_AT, cache=cache)
    assert cache.source == "tables"
    assert_snapshots_equal(fresh, full_snapshot(engine, AS_AT))
    if change != "ALTER TABLE rso ADD COLUMN notes TEXT; ALTER TABLE rso DROP COLUMN notes":
        assert set(fresh.rsos["risk_level"].dropna()) <= {"low"}
    assert cache.store(engine)
    assert loaded(engine) is not None, "stored again, under the new schema"


def test_a_register_read_before_a_change_to_the_schema_is_not_stored(engine) -> None:
    with engine.connect() as connection:
        register = read_register(connection)
    with sqlite3.connect(sqlite_path(engine)) as outside:
        outside.execute("ALTER TABLE rso RENAME COLUMN risk_level TO risk_level_2016")
        outside.execute("ALTER TABLE rso ADD COLUMN risk_level TEXT")
    outside.close()
    assert not store_register(engine, register)
    assert stored_rows(engine) == []

    def change_midway(done: int, _total: int, _what: str) -> None:
        if done == 2:
            with sqlite3.connect(sqlite_path(engine)) as outside:
                outside.execute("ALTER TABLE rso ADD COLUMN notes TEXT")
            outside.close()

    with engine.connect() as connection:
        register = read_register(connection, progress=change_midway)
    assert register.version is None
    assert not store_register(engine, register)
    assert stored_rows(engine) == []


def test_renumbered_row_keys_are_noticed(engine, tmp_path) -> None:
    """A dump and reload (no trigger fires) renumbers the RSOs' rowids where a deleted RSO left
    a gap; visits are joined to the register by them, so the stored copy must not be used."""
    record_visit(engine, "R3", date(2017, 9, 1), "completed", 2, as_user("DC Test"), today=AS_AT)
    with engine.begin() as connection:  # R2 leaves a gap at rowid 2: R3 is at 3, R4 at 4
        connection.execute(text("DELETE FROM civil_order WHERE rso_id = 'R2'"))
        connection.execute(text("DELETE FROM rso WHERE rso_id = 'R2'"))
    store(engine)
    copy = tmp_path / "reloaded.sqlite3"
    source = sqlite3.connect(sqlite_path(engine))
    target = sqlite3.connect(copy)
    target.executescript("\n".join(source.iterdump()))
    source.close()
    target.close()
    reloaded = open_database(copy)
    with reloaded.connect() as connection:
        keys = connection.execute(text("SELECT rowid FROM rso ORDER BY rowid")).scalars().all()
    assert keys == [1, 2, 3], "the reload renumbered the rowids"
    assert [row[0] for row in stored_rows(reloaded)], "the stored copy came along"
    assert loaded(reloaded) is None
    assert_snapshots_equal(full_snapshot(reloaded, AS_AT, cache=RegisterCache()),
                           full_snapshot(reloaded, AS_AT))
