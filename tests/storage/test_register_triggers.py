"""The triggers the register's start-up copy relies on (migration 0005): every table the
register is read from has them after every migration, and a table left without them (rebuilt
by a migration that forgot them) is noticed and the copy is not used."""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from builders import Register
from register_copy import loaded, sqlite_path, store, stored_rows, version
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.storage import register_store, snapshot
from ncpi_desktop.storage.database import (
    _alembic_config,
    head_revision,
    make_engine,
    open_database,
    schema_revision,
)
from ncpi_desktop.storage.load import RegisterCache
from ncpi_desktop.storage.register_store import TRIGGERS
from ncpi_desktop.storage.snapshot import read_register

#: The migration that adds the triggers: every schema from it on has them.
GUARDED_FROM = "0005"
EVENTS = {"insert", "update", "delete"}


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    r = Register()
    r.manager("A")
    r.rso("R1", manager_id="A", risk_level="high")
    r.rso("R2", manager_id=None, team="East 1")
    r.allocation("R1", "A", date(2012, 1, 1))
    r.assessment("R1", date(2017, 3, 1), "medium")
    r.order("R1", date(2016, 1, 1))
    r.decision("R2", "reactive", date(2016, 1, 1))
    engine = r.write(tmp_path / "triggers.sqlite3")
    yield engine
    engine.dispose()


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
    assert schema_revision(engine) == head_revision()
    assert triggers(engine) == set(TRIGGERS)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM manager")).scalar() == "Alex Hart"
    assert version(engine) == 0
    store(engine)
    assert stored_rows(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE manager SET fte = 0.5"))
    assert version(engine) == 1 and loaded(engine) is None

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


def read_everything(connection: Connection) -> None:
    """Every read the stored copy stands for: the register and the history's whole tables."""
    read_register(connection)
    for loader in register_store.whole_tables().values():
        loader.read(connection)


def test_every_table_the_register_is_read_from_has_the_triggers(engine) -> None:
    """The tables the stored frames are read from are those the code's own queries read (the
    register, the policy, the whole tables of the history), as SQLite reports them, so that a
    new query or a table joined into one is covered; each has the triggers. A table read
    without them would leave the stored copy stale after a change to it."""
    stamp = tables_read(engine, snapshot.register_stamp)  # what says whether it is current
    read = tables_read(engine, read_everything) - stamp
    assert stamp == {"audit", "register_version"}
    assert read == set(register_store.REGISTER_TABLES)
    assert {f"register_changed_{table}_{event}" for table in read
            for event in ("insert", "update", "delete")} <= triggers(engine)
    assert set(register_store.whole_tables()) == {"orders", "decisions"}


#: A trigger's body counting the row it fires for.
_COUNTS = re.compile(r"\bUPDATE\s+register_version\s+SET\s+n\s*=\s*n\s*\+\s*1\b",
                     re.IGNORECASE)
#: A trigger's event and table, in its SQL.
_TRIGGER_ON = re.compile(r"\bAFTER\s+(INSERT|UPDATE|DELETE)\s+ON\s+\"?(\w+)", re.IGNORECASE)


def unguarded(engine: Engine) -> dict[str, set[str]]:
    """Each table the register is read from (as SQLite reports the code's own queries reading
    them: no list to keep up) with the writes (insert, update, delete) that no trigger guards;
    empty if every one is guarded. A write is guarded by a trigger, whatever its name, that
    counts it in ``register_version`` (as read from its SQL): a stored copy is used only at
    the count it was stored at."""
    read = tables_read(engine, read_everything) - tables_read(engine, snapshot.register_stamp)
    guarded: dict[str, set[str]] = defaultdict(set)
    with engine.connect() as connection:
        for sql in connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger'").scalars():
            found = _TRIGGER_ON.search(sql)
            if found and _COUNTS.search(sql):
                guarded[found[2]].add(found[1].lower())
    return {table: EVENTS - guarded[table] for table in read if EVENTS - guarded[table]}


def test_after_every_migration_every_table_the_register_is_read_from_has_its_triggers(
        tmp_path) -> None:
    """The migrations run one by one on a new database: from the one that adds the triggers
    on, every table the register is read from has them, and the store finds all it relies on.
    A later migration that rebuilds such a table (``batch_alter_table`` copies a table and drops
    the old one, its triggers with it) and does not make them again fails here."""
    engine = make_engine(tmp_path / "steps.sqlite3")
    config = _alembic_config(engine)
    revisions = [script.revision
                 for script in ScriptDirectory.from_config(config).walk_revisions()][::-1]
    assert GUARDED_FROM in revisions
    for revision in revisions:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        if revisions.index(revision) >= revisions.index(GUARDED_FROM):
            # The code's reads (``unguarded`` runs them) need the newest schema's columns.
            if revision == revisions[-1]:
                assert unguarded(engine) == {}, f"after migration {revision}"
            with engine.connect() as connection:
                assert register_store.missing_triggers(connection) == set(), revision
    assert schema_revision(engine) == revisions[-1]
    engine.dispose()


def rebuilt_without_its_triggers(engine: Engine, table: str) -> None:
    """``table`` rebuilt as a migration rebuilds one on SQLite (Alembic's ``batch_alter_table``:
    a copy made, the table dropped and its triggers with it, the copy renamed), by a migration
    that forgot to make its triggers again."""
    plain = create_engine(f"sqlite:///{sqlite_path(engine)}")  # foreign keys off, for the drop
    try:
        with plain.begin() as connection:
            operations = Operations(MigrationContext.configure(connection))
            with operations.batch_alter_table(table, recreate="always"):
                pass
    finally:
        plain.dispose()


def test_a_table_rebuilt_without_its_triggers_fails_the_check_and_the_copy_is_unused(
        engine) -> None:
    assert unguarded(engine) == {}
    rebuilt_without_its_triggers(engine, "rso")
    assert unguarded(engine) == {"rso": EVENTS}, "the check after every migration fails"
    with engine.connect() as connection:
        assert register_store.missing_triggers(connection) == {
            f"register_changed_rso_{event}" for event in EVENTS}
    store(engine)  # under the new schema cookie: only the missing triggers stop its use
    assert loaded(engine) is None
    n, rows = version(engine), stored_rows(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE rso SET risk_level = 'low'"))
    assert version(engine) == n and stored_rows(engine) == rows, "a write nothing noticed"
    cache = RegisterCache()
    with engine.connect() as connection:
        register = cache.register(connection)
    assert cache.source == "tables"
    assert set(register.rsos["risk_level"].dropna()) == {"low"}

