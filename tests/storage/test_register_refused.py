"""The register's start-up copy is optional: a database that cannot be written (read-only,
older, locked) opens and gets none, and a stored copy that is spoilt, made by other code or
under another pandas, or cannot be read here is ignored and the tables are read."""

from __future__ import annotations

import os
import shutil
import sqlite3
import warnings
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from alembic import command
from builders import as_user
from register_copy import (
    AS_AT,
    assert_snapshots_equal,
    awkward,
    loaded,
    sqlite_path,
    store,
    stored_rows,
)
from sqlalchemy.engine import Engine

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.storage import register_store
from ncpi_desktop.storage.database import (
    DatabaseError,
    _alembic_config,
    make_engine,
    open_database,
)
from ncpi_desktop.storage.load import RegisterCache
from ncpi_desktop.storage.operations import (
    reassign,
    record_visit,
)
from ncpi_desktop.storage.register_store import (
    FORMAT,
    store_register,
)
from ncpi_desktop.storage.snapshot import read_register


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = awkward().write(tmp_path / "awkward.sqlite3")
    yield engine
    engine.dispose()


# --- refused, ignored, never an error ---------------------------------------------------------

def test_a_read_only_database_opens_loads_and_is_not_stored(engine, tmp_path) -> None:
    store(engine)
    path = Path(sqlite_path(engine))
    record_visit(engine, "R2", date(2017, 10, 2), "completed", 2, as_user("DC Test"), today=AS_AT)
    reassign(engine, ["R1"], "B", "balancing", as_user("DS Test"), on=AS_AT)  # the copy is stale
    stale = stored_rows(engine)
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
    assert stored_rows(open_database(path)) == stale  # nothing stored over the stale copy


def test_a_read_only_database_at_0004_is_refused_in_one_line_and_left_as_it_was(
        engine, tmp_path, read_only) -> None:
    """A database left at 0004 lacks the users who may sign in (migration 0006), so one that
    cannot be written to add them is refused in one line saying so, and is not changed. (Before
    the users, such a database opened without its start-up copy.)"""
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    engine.dispose()
    path = tmp_path / "read-only" / "old.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(sqlite_path(engine), path)
    before = path.read_bytes()
    with read_only(path), pytest.raises(DatabaseError) as refused:
        open_database(path)
    assert "\n" not in str(refused.value)
    assert str(path) in str(refused.value)
    assert "readonly" in str(refused.value) or "read-only" in str(refused.value)
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
