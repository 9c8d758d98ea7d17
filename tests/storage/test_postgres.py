"""The shared-server option: the same register gives the same report on PostgreSQL."""

from __future__ import annotations

import postgres
import pytest
from alembic import command
from builders import AS_AT, Register
from sqlalchemy import inspect, text

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.database import (
    _alembic_config,
    head_revision,
    open_database,
    schema_revision,
)
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.register_store import store_register, stored_register
from ncpi_desktop.storage.snapshot import database_stamp, read_register, register_stamp

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))


@pytest.fixture(scope="module")
def postgres_url():
    with postgres.server() as url:
        yield url


def register() -> Register:
    r = Register()
    r.manager("A")
    r.manager("B", fte=0.5, team="East 2")
    r.many(55, manager_id="A", risk_level="high")
    r.many(20, manager_id="B")
    r.many(3, team="East 2")
    r.many(2, manager_id="A", status="custody")
    r.assessment("R00001", AS_AT.replace(month=3))
    return r


def test_postgres_report_equals_sqlite_report(postgres_url, tmp_path):
    sqlite_engine = register().write(tmp_path / "r.sqlite3")
    expected = build_report(compute_figures(load_snapshot(sqlite_engine, AS_AT)))

    engine = register().write(postgres_url)
    try:
        actual = build_report(compute_figures(load_snapshot(engine, AS_AT)))
        # Opening again finds the schema current and changes nothing.
        open_database(postgres_url).dispose()
    finally:
        engine.dispose()
    assert actual == expected
    assert actual["force"]["community"] == 78


def test_postgres_has_the_register_cache_tables_but_never_stores_or_reads_a_copy(postgres_url):
    """On a shared server nothing is stored: no triggers guard a copy there, so the register is
    always read from its tables, as before."""
    engine = open_database(postgres_url, create=True)
    config = _alembic_config(engine)
    with engine.begin() as connection:  # back to 0004: opening brings it to 0005 again
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    assert "register_cache" not in inspect(engine).get_table_names()
    engine.dispose()
    engine = open_database(postgres_url)
    try:
        assert schema_revision(engine) == head_revision()
        assert {"register_cache", "register_version"} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.execute(text("SELECT n FROM register_version")).scalar() == 0
            # No trigger guards a copy there (migration 0012's only notify open windows).
            assert connection.execute(text(
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
                " AND tgname NOT LIKE '%\\_notify\\_changed'")).scalar() == 0
            assert register_stamp(connection) == database_stamp(connection)
            register = read_register(connection)
            assert register.version is None
            assert stored_register(connection) is None
        assert not store_register(engine, register)
        cache = RegisterCache()
        full_snapshot(engine, AS_AT, cache=cache)
        assert cache.source == "tables" and not cache.store(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM register_cache")).scalar() == 0
    finally:
        engine.dispose()
