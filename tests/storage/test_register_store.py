"""The register stored in its own database for the next start: read back it gives exactly the
frames (and so the figures) a read of the tables gives, and it is gone, or ignored, as soon as
anything it was made from changes, whoever changes it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from alembic import command
from builders import Register
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage import register_store, snapshot
from ncpi_desktop.storage.database import (
    _alembic_config,
    make_engine,
    open_database,
    schema_revision,
)
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.operations import (
    reassign,
    record_arms,
    record_order,
    record_visit,
    set_policy_values,
)
from ncpi_desktop.storage.register_store import (
    FORMAT,
    REGISTER_FRAMES,
    TRIGGERS,
    frame_from_bytes,
    frame_to_bytes,
    store_register,
    stored_register,
)
from ncpi_desktop.storage.snapshot import read_register

LANCASHIRE_AS_AT = date(2017, 10, 9)
AS_AT = date(2017, 10, 9)


# --- helpers ----------------------------------------------------------------------------------

def fresh_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every frame the store holds, read from the tables."""
    with engine.connect() as connection:
        register = read_register(connection)
        tables = {name: loader.read(connection)
                  for name, loader in register_store.whole_tables().items()}
    return frames_of(register) | tables


def frames_of(register: snapshot.Register) -> dict[str, pd.DataFrame]:
    return {name: getattr(register, name) for name in REGISTER_FRAMES} | register.tables


def assert_frames_equal(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], check_exact=True, obj=name)


def assert_snapshots_equal(left: snapshot.Snapshot, right: snapshot.Snapshot) -> None:
    assert left.policy == right.policy
    for name in ("managers", "rsos", "arms"):
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name),
                                      check_exact=True, obj=name)
    assert left.extra.keys() == right.extra.keys()
    for name in left.extra:
        pd.testing.assert_frame_equal(left.extra[name], right.extra[name], check_exact=True,
                                      obj=name)


def stored_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT name, version, format FROM register_cache ORDER BY name")).all()


def version(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT n FROM register_version")).scalar_one()


def store(engine: Engine) -> snapshot.Register:
    """Read the register from the tables and store it; the register read."""
    with engine.connect() as connection:
        register = read_register(connection)
    assert store_register(engine, register)
    return register


def loaded(engine: Engine) -> snapshot.Register | None:
    with engine.connect() as connection:
        return stored_register(connection)


def sqlite_path(engine: Engine) -> str:
    return str(engine.url.database)


# --- registers --------------------------------------------------------------------------------

@pytest.fixture
def lancashire_copy(lancashire_path: Path, tmp_path: Path) -> Engine:
    """The session's Lancashire demo, copied so that it may be written."""
    path = tmp_path / "lancashire.sqlite3"
    shutil.copyfile(lancashire_path, path)
    engine = open_database(path)
    yield engine
    engine.dispose()


def awkward() -> Register:
    """NULLs beside empty strings, accents and emoji, a NUL inside a name, nullable integers,
    a table with no rows (decisions)."""
    r = Register()
    r.manager("A", name="Zoë Ångström")
    r.manager("B", name="", fte=0.5, team="")
    r.manager("C", name="Nguyễn 😀", active=False)
    r.rso("R1", manager_id="A", given_names="Łukasz", neighbourhood="", risk_level="high",
          visit_interval_months=6, visit_interval_reason="plan 🗒️")
    r.rso("R2", manager_id="B", given_names="A\x00B", neighbourhood=None, risk_level=None,
          team="", notification_indefinite=True, paper_records_only=True,
          community_since=date(2012, 5, 1), last_concern_on=date(2016, 2, 29))
    r.rso("R3", manager_id=None, team="East 1", family_name="", sex="female",
          notification_ends=date(2030, 1, 1))
    r.rso("R4", manager_id="A", registered_on=date(2018, 1, 1), risk_level="very_high")
    r.allocation("R1", "A", date(2012, 1, 1))
    r.allocation("R3", None, date(2013, 1, 1), team="East 1", reason="pooled — für jetzt")
    r.assessment("R1", date(2017, 3, 1), "medium")
    r.order("R2", date(2015, 1, 1), None, type="SOPO")
    r.order("R1", date(2016, 1, 1), date(2021, 1, 1))
    r.visit("R1", date(2017, 6, 1))
    r.policy = {"caseload_limit_per_fte": 45.0}
    return r


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = awkward().write(tmp_path / "awkward.sqlite3")
    yield engine
    engine.dispose()


# --- the round trip ---------------------------------------------------------------------------

def test_the_lancashire_register_comes_back_from_the_store_exactly(lancashire_copy) -> None:
    engine = lancashire_copy
    expected = fresh_frames(engine)
    register = store(engine)
    back = loaded(engine)
    assert back is not None and back.source == "store" and register.source == "tables"
    assert back.version == register.version == version(engine)
    assert_frames_equal(frames_of(back), expected)
    with engine.connect() as connection:
        assert back.policy == snapshot.load_policy(connection)


def test_a_start_from_the_store_shows_the_figures_a_read_of_the_tables_shows(
        lancashire_copy) -> None:
    engine = lancashire_copy
    first = RegisterCache()
    full_snapshot(engine, LANCASHIRE_AS_AT, cache=first)
    assert first.source == "tables"
    assert first.store(engine)
    assert not first.store(engine), "stored already: nothing to do"

    restarted = RegisterCache()
    for as_at in (LANCASHIRE_AS_AT, date(2016, 10, 1)):
        cached = full_snapshot(engine, as_at, cache=restarted)
        assert restarted.source == "store"
        expected = full_snapshot(engine, as_at)
        assert_snapshots_equal(cached, expected)
        assert build_report(compute_figures(cached)) == build_report(compute_figures(expected))
    assert not restarted.store(engine), "a register from the store is not stored again"
    registers_only = RegisterCache()
    assert_snapshots_equal(load_snapshot(engine, AS_AT, loaders={},
                                         cache=registers_only),
                           load_snapshot(engine, AS_AT, loaders={}))


def test_nulls_empty_strings_and_any_text_come_back_exactly(engine) -> None:
    expected = fresh_frames(engine)
    assert len(expected["decisions"]) == 0
    rsos = expected["rsos"].set_index("rso_id")
    assert rsos.loc["R2", "given_names"] == "A\x00B" and rsos.loc["R1", "neighbourhood"] == ""
    assert pd.isna(rsos.loc["R2", "neighbourhood"])
    store(engine)
    back = loaded(engine)
    assert back is not None
    assert_frames_equal(frames_of(back), expected)
    # One string object per distinct value (as a "label" column read from the tables has).
    status = back.rsos["status"].to_numpy(object)
    assert len({id(value) for value in status}) == len(set(status)) == 1
    cache = RegisterCache()
    assert_snapshots_equal(full_snapshot(engine, AS_AT, cache=cache), full_snapshot(engine, AS_AT))
    assert cache.source == "store"


def test_an_empty_register_round_trips(tmp_path) -> None:
    engine = Register().write(tmp_path / "empty.sqlite3")
    expected = fresh_frames(engine)
    store(engine)
    back = loaded(engine)
    assert back is not None
    assert_frames_equal(frames_of(back), expected)


def test_every_column_kind_round_trips_and_others_are_refused() -> None:
    label = pd.array(np.array(["low", "high", "low", None], dtype=object), dtype="str")
    frame = pd.DataFrame({
        "text": pd.array(["", None, "ß😀", "a\x00b"], dtype="str"),
        "label": label,
        "int": np.array([1, -2, 2**62, 0], dtype=np.int64),
        "float": np.array([0.1, np.nan, -0.0, np.inf]),
        "flag": np.array([True, False, True, False]),
        "day": np.array(["2017-10-09", "NaT", "1900-01-01", "2100-12-31"],
                        dtype="datetime64[s]"),
        "nullable": pd.array([1, None, 3, None], dtype="Int64"),
        "nothing": np.full(4, None, dtype=object),
    })
    back = frame_from_bytes(frame_to_bytes(frame))
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back["nothing"].tolist() == [None] * 4
    empty = frame.iloc[:0].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame_from_bytes(frame_to_bytes(empty)), empty,
                                  check_exact=True)
    # Never stored (never pickled): objects, categories, a frame with its own index.
    assert frame_to_bytes(pd.DataFrame({"x": np.array([1, "a"], dtype=object)})) is None
    assert frame_to_bytes(pd.DataFrame({"x": pd.Categorical(["a", "b"])})) is None
    assert frame_to_bytes(frame.set_index("int")) is None


@pytest.mark.parametrize("damage", [
    lambda blob: blob[:len(blob) // 2],
    lambda blob: blob[:100] + bytes([blob[100] ^ 1]) + blob[101:],
    lambda blob: blob[:-50] + bytes(46) + blob[-4:],
    lambda blob: b"",
    lambda blob: b"PK\x03\x04 not ours",
], ids=["cut", "bit", "zeroed", "empty", "foreign"])
def test_a_damaged_blob_is_refused(damage) -> None:
    frame = pd.DataFrame({"a": pd.array(["x", "y"] * 50, dtype="str"),
                          "b": np.arange(100, dtype=np.int64)})
    with pytest.raises(ValueError):
        frame_from_bytes(damage(frame_to_bytes(frame)))


# --- never stale ------------------------------------------------------------------------------

def figures_of(engine: Engine, cache: RegisterCache):
    return compute_figures(full_snapshot(engine, AS_AT, cache=cache))


def caseload(figures, manager_id: str) -> int:
    return int(figures.managers.set_index("manager_id").loc[manager_id, "caseload"])


def assert_gone_and_next_start_is_fresh(engine: Engine, before: int) -> RegisterCache:
    """The stored copy is gone, the count has moved, and a new start reads the tables and sees
    exactly what they hold."""
    assert stored_rows(engine) == []
    assert version(engine) > before
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
    change = reassign(engine, ["R1"], "B", "balancing", "DS Test", on=AS_AT)
    assert_gone_and_next_start_is_fresh(engine, n)
    assert caseload(figures_of(engine, RegisterCache()), "B") == 2

    n = stored_and_version()
    change.undo(engine, "DS Test")
    assert_gone_and_next_start_is_fresh(engine, n)
    assert caseload(figures_of(engine, RegisterCache()), "B") == 1

    n = stored_and_version()
    record_arms(engine, "R2", date(2017, 10, 1), "low", "DC Test", today=AS_AT)
    assert_gone_and_next_start_is_fresh(engine, n)
    arms = full_snapshot(engine, AS_AT, cache=RegisterCache()).arms
    assert date(2017, 10, 1) in set(arms.loc[arms["rso_id"] == "R2", "completed_on"].dt.date)

    n = stored_and_version()
    record_decision(engine, "R1", "active", date(2017, 10, 3), "review", "DI Test",
                    today=AS_AT)
    assert_gone_and_next_start_is_fresh(engine, n)
    decisions = full_snapshot(engine, AS_AT, cache=RegisterCache()).extra["decisions"]
    assert decisions["rso_id"].tolist() == ["R1"]

    n = stored_and_version()
    record_order(engine, "R3", "SHPO", date(2017, 9, 1), None, "DC Test", today=AS_AT)
    assert_gone_and_next_start_is_fresh(engine, n)
    orders = full_snapshot(engine, AS_AT, cache=RegisterCache()).extra["orders"]
    assert "R3" in set(orders["rso_id"])

    n = stored_and_version()
    set_policy_values(engine, {"caseload_limit_per_fte": 40}, "DI Test")
    assert_gone_and_next_start_is_fresh(engine, n)
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
    assert_gone_and_next_start_is_fresh(engine, n)


def test_a_visit_keeps_the_stored_copy_and_the_next_snapshot_shows_it(engine) -> None:
    store(engine)
    n, rows = version(engine), stored_rows(engine)
    record_visit(engine, "R2", date(2017, 10, 2), "completed", 1, "DC Test", today=AS_AT)
    assert stored_rows(engine) == rows and version(engine) == n
    cache = RegisterCache()
    cached = full_snapshot(engine, AS_AT, cache=cache)
    assert cache.source == "store"
    assert_snapshots_equal(cached, full_snapshot(engine, AS_AT))
    visits = cached.extra["visits"].set_index("rso_id")
    assert visits.loc["R2", "last_visit_on"] == pd.Timestamp(2017, 10, 2)
    assert visits.loc["R2", "last_visit_officers"] == 1


# --- refused, ignored, never an error ---------------------------------------------------------

def test_a_register_changed_after_it_was_read_is_not_stored(engine) -> None:
    with engine.connect() as connection:
        register = read_register(connection)
    record_arms(engine, "R2", date(2017, 10, 1), "low", "DC Test", today=AS_AT)
    assert not store_register(engine, register)
    assert stored_rows(engine) == []

    cache = RegisterCache()
    full_snapshot(engine, AS_AT, cache=cache)
    reassign(engine, ["R1"], "B", "balancing", "DS Test", on=AS_AT)
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


def test_a_read_only_database_opens_loads_and_is_not_stored(engine, tmp_path) -> None:
    store(engine)
    path = Path(sqlite_path(engine))
    record_visit(engine, "R2", date(2017, 10, 2), "completed", 2, "DC Test", today=AS_AT)
    reassign(engine, ["R1"], "B", "balancing", "DS Test", on=AS_AT)  # the copy is gone
    engine.dispose()
    expected = full_snapshot(open_database(path), AS_AT)
    if os.geteuid() == 0:  # permissions do not bind root: SQLite's own read-only mode does
        read_only = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        path.chmod(0o444)
        read_only = open_database(path)
    try:
        cache = RegisterCache()
        assert_snapshots_equal(full_snapshot(read_only, AS_AT, cache=cache), expected)
        assert cache.source == "tables"
        assert not cache.store(read_only)
        with read_only.connect() as connection:
            assert not store_register(read_only, read_register(connection))
    finally:
        read_only.dispose()
        path.chmod(0o644)
    assert stored_rows(open_database(path)) == []


def test_a_read_only_database_at_0004_opens_loads_and_stores_nothing(engine, tmp_path,
                                                                      read_only) -> None:
    """Migration 0005 only adds the start-up copy: a database left at 0004 that cannot be
    written to add it opens as it is, shows what a migrated copy of it shows, and gets no
    start-up copy (as a read-only database at the newest schema gets none)."""
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    engine.dispose()
    path = tmp_path / "read-only" / "old.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(sqlite_path(engine), path)
    migrated = open_database(sqlite_path(engine))
    assert schema_revision(migrated) == "0005"
    expected = full_snapshot(migrated, AS_AT)
    migrated.dispose()
    before = path.read_bytes()
    with read_only(path):
        old = open_database(path)
        try:
            assert schema_revision(old) == "0004"
            cache = RegisterCache()
            assert_snapshots_equal(full_snapshot(old, AS_AT, cache=cache), expected)
            assert cache.source == "tables"
            assert not cache.store(old)
            with old.connect() as connection:
                assert stored_register(connection) is None
                register = read_register(connection)
            assert register.version is None
            assert not store_register(old, register)
        finally:
            old.dispose()
    assert path.read_bytes() == before


def test_a_locked_database_is_not_stored_and_nothing_waits_long(engine) -> None:
    with engine.connect() as connection:
        register = read_register(connection)
    writer = sqlite3.connect(sqlite_path(engine), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        assert not store_register(engine, register)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert stored_rows(engine) == []
    assert store_register(engine, register), "once the lock is gone it is stored"


@pytest.mark.parametrize("spoil", [
    "UPDATE register_cache SET data = substr(data, 1, 1000) WHERE name = 'rsos'",
    "UPDATE register_cache SET data = zeroblob(length(data)) WHERE name = 'allocations'",
    "UPDATE register_cache SET data = X'00' || data WHERE name = 'managers'",
    f"UPDATE register_cache SET format = {FORMAT + 1}",
    "UPDATE register_cache SET version = version - 1 WHERE name = 'arms'",
    "DELETE FROM register_cache WHERE name = 'tables.orders'",
    "INSERT INTO register_cache SELECT 'extra', version, format, data FROM register_cache "
    "WHERE name = 'managers'",
    "DROP TRIGGER register_changed_arms_insert",
], ids=["cut", "zeroed", "shifted", "format", "version", "missing", "extra", "trigger"])
def test_a_spoilt_stored_copy_is_ignored_and_the_tables_read(engine, spoil) -> None:
    store(engine)
    with sqlite3.connect(sqlite_path(engine)) as outside:  # no trigger fires on these
        outside.execute(spoil)
    outside.close()
    assert loaded(engine) is None
    cache = RegisterCache()
    assert_snapshots_equal(full_snapshot(engine, AS_AT, cache=cache), full_snapshot(engine, AS_AT))
    assert cache.source == "tables"


def test_a_copy_made_by_other_code_is_ignored(engine, monkeypatch) -> None:
    store(engine)
    assert loaded(engine) is not None
    monkeypatch.setattr(register_store, "recipe", lambda: "another version of the code")
    assert loaded(engine) is None


def test_a_foreign_copy_is_refused_on_its_headers_before_any_blob_is_checked(
        engine, monkeypatch) -> None:
    """Each blob's header names the code that made it: a copy made by other code is refused
    without a CRC of its (for a national register, some 25 MB of) blobs."""
    store(engine)
    checked: list[int] = []
    crc32 = register_store.zlib.crc32

    def counting_crc32(data, *args):  # noqa: ANN001, ANN202 - stands in for zlib.crc32
        checked.append(len(data))
        return crc32(data, *args)

    monkeypatch.setattr(register_store.zlib, "crc32", counting_crc32)
    assert loaded(engine) is not None
    assert len(checked) == len(stored_rows(engine)), "a current copy: every blob is checked"
    checked.clear()
    monkeypatch.setattr(register_store, "recipe", lambda: "another version of the code")
    assert loaded(engine) is None
    assert checked == []


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


@pytest.fixture
def fresh_recipe():
    """``register_store.recipe`` worked out afresh in the test and after it."""
    register_store.recipe.cache_clear()
    yield
    register_store.recipe.cache_clear()


@pytest.mark.parametrize("setup", ["pandas", "numpy", "text"])
def test_a_copy_made_under_another_pandas_setup_is_ignored(engine, monkeypatch, fresh_recipe,
                                                           setup) -> None:
    store(engine)
    assert loaded(engine) is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3 deprecates the option it still honours
        with pd.option_context("future.infer_string", setup != "text"):
            if setup == "pandas":
                monkeypatch.setattr(pd, "__version__", "2.2.3")
            elif setup == "numpy":
                monkeypatch.setattr(np, "__version__", "1.26.4")
            register_store.recipe.cache_clear()
            assert loaded(engine) is None
            register_store.recipe.cache_clear()


def test_a_blob_that_cannot_be_read_here_is_ignored_whatever_the_error(engine,
                                                                      monkeypatch) -> None:
    """A copy written where text columns were pyarrow-backed, read where pyarrow is absent
    (pandas raises ImportError), or any other surprise in a blob: the tables are read."""
    encode = register_store._encode_column

    def as_written_with_pyarrow(column: pd.Series):
        encoded = encode(column)
        if encoded is not None and encoded[0] == "str":
            encoded[1][0] = "pyarrow"
        return encoded

    with monkeypatch.context() as patch:
        patch.setattr(register_store, "_encode_column", as_written_with_pyarrow)
        store(engine)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert loaded(engine) is None
        cache = RegisterCache()
        assert_snapshots_equal(full_snapshot(engine, AS_AT, cache=cache),
                               full_snapshot(engine, AS_AT))
        assert cache.source == "tables"

    store(engine)
    assert loaded(engine) is not None

    def surprise(*_args: object) -> None:
        raise RuntimeError("not what this code wrote")

    monkeypatch.setattr(register_store, "_decode_column", surprise)
    assert loaded(engine) is None
    cache = RegisterCache()
    full_snapshot(engine, AS_AT, cache=cache)
    assert cache.source == "tables"


def test_renumbered_row_keys_are_noticed(engine, tmp_path) -> None:
    """A dump and reload (no trigger fires) renumbers the RSOs' rowids where a deleted RSO left
    a gap; visits are joined to the register by them, so the stored copy must not be used."""
    record_visit(engine, "R3", date(2017, 9, 1), "completed", 2, "DC Test", today=AS_AT)
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


# --- schema -----------------------------------------------------------------------------------

def triggers(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())


def test_a_0004_database_is_migrated_with_its_data_and_guarded(tmp_path) -> None:
    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
    engine.dispose()
    with sqlite3.connect(path) as old:
        old.execute("INSERT INTO manager (manager_id, name, bcu, team, fte, role, active) "
                    "VALUES ('OM1', 'Alex Hart', 'East', 'East 1', 1.0, 'offender_manager', 1)")
    old.close()

    engine = open_database(path)
    assert schema_revision(engine) == "0005"
    assert triggers(engine) == set(TRIGGERS)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM manager")).scalar() == "Alex Hart"
    assert version(engine) == 0
    store(engine)
    assert stored_rows(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE manager SET fte = 0.5"))
    assert version(engine) == 1 and stored_rows(engine) == []

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert triggers(engine) == set()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT fte FROM manager")).scalar() == 0.5
    engine.dispose()


def tables_read(engine: Engine, read) -> set[str]:  # noqa: ANN001 - read(connection)
    """The tables SQLite reports read (its authorizer) by the statements ``read`` runs on a new
    connection (none of them prepared before, so every one is reported)."""
    names: set[str] = set()

    def note(action: int, table: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_READ and table:
            names.add(table)
        return sqlite3.SQLITE_OK

    fresh = make_engine(sqlite_path(engine))
    try:
        with fresh.connect() as connection:
            driver = connection.connection.driver_connection
            driver.set_authorizer(note)
            try:
                read(connection)
            finally:
                driver.set_authorizer(None)
    finally:
        fresh.dispose()
    return names


def test_every_table_the_register_is_read_from_has_the_triggers(engine) -> None:
    """The tables the stored frames are read from are those the code's own queries read (the
    register, the policy, the whole tables of the history), as SQLite reports them, so that a
    new query or a table joined into one is covered; each has the triggers. A table read
    without them would leave the stored copy stale after a change to it."""
    def read_all(connection) -> None:  # noqa: ANN001 - a Connection
        read_register(connection)
        for loader in register_store.whole_tables().values():
            loader.read(connection)

    stamp = tables_read(engine, snapshot.register_stamp)  # what says whether it is current
    read = tables_read(engine, read_all) - stamp
    assert stamp == {"audit", "register_version"}
    assert read == set(register_store.REGISTER_TABLES)
    assert {f"register_changed_{table}_{event}" for table in read
            for event in ("insert", "update", "delete")} <= triggers(engine)
    assert set(register_store.whole_tables()) == {"orders", "decisions"}


def test_the_store_adds_nothing_heavy_to_start_up() -> None:
    heavy = ("sqlmodel", "pydantic", "alembic", "scipy")
    probe = ("import sys; import ncpi_desktop.storage.register_store; "
             f"print([m for m in {heavy!r} if m in sys.modules])")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == "[]"
