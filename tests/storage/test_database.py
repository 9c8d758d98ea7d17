"""Opening databases: created and migrated, clear errors for what cannot be opened."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from ncpi_desktop.storage.database import (
    OPTIONAL_REVISIONS,
    DatabaseError,
    _alembic_config,
    database_url,
    make_engine,
    open_database,
    schema_revision,
)

HEAD = "0017"


def test_new_database_is_created_at_the_newest_schema(tmp_path):
    engine = open_database(tmp_path / "new.sqlite3", create=True)
    tables = set(inspect(engine).get_table_names())
    assert {"manager", "rso", "allocation", "visit", "arms", "civil_order",
            "management_decision", "policy_value", "audit"} <= tables
    assert schema_revision(engine) == HEAD


def test_a_path_with_a_percent_sign_opens(tmp_path):
    """Alembic's configuration would read "%" in the URL as the start of an interpolation."""
    path = tmp_path / "100% register.sqlite3"
    open_database(path, create=True).dispose()
    engine = open_database(path)
    assert schema_revision(engine) == HEAD
    engine.dispose()


def test_missing_database_is_an_error_unless_created(tmp_path):
    with pytest.raises(DatabaseError, match="No database at"):
        open_database(tmp_path / "absent.sqlite3")
    assert not (tmp_path / "absent.sqlite3").exists()


def test_a_file_that_is_not_a_database_gives_a_one_line_error(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("this is not a database\n" * 200)
    with pytest.raises(DatabaseError) as caught:
        open_database(path)
    assert "\n" not in str(caught.value)
    assert "not a database" in str(caught.value)


def test_older_schema_is_migrated_when_opened_and_keeps_its_data(tmp_path):
    """A database left by an older version is brought up to the newest schema on opening."""
    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text(
            "INSERT INTO manager (manager_id, name, bcu, team, fte, role, active) "
            "VALUES ('OM1', 'Alex Hart', 'East', 'East 1', 1.0, 'offender_manager', 1)"))
    assert "manager_absence" not in inspect(engine).get_table_names()
    engine.dispose()

    engine = open_database(path)
    assert schema_revision(engine) == HEAD
    assert "manager_absence" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM manager")).scalar() == "Alex Hart"


def test_a_read_only_database_missing_a_migration_it_needs_gives_a_one_line_error(
        tmp_path, read_only):
    """Only migrations the application can run without (``OPTIONAL_REVISIONS``) may be left
    out when the database cannot be written: a database at 0001 lacks tables the application
    reads."""
    path = tmp_path / "read-only" / "old.sqlite3"
    path.parent.mkdir()
    engine = make_engine(path)
    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    with read_only(path), pytest.raises(DatabaseError) as caught:
        open_database(path)
    assert "\n" not in str(caught.value)
    assert "readonly database" in str(caught.value)
    assert OPTIONAL_REVISIONS == {"0005", "0012"}


def test_urls_pass_through_and_paths_become_sqlite_urls(tmp_path):
    assert database_url("postgresql://u@localhost/db") == "postgresql://u@localhost/db"
    assert database_url(tmp_path / "x.sqlite3").startswith("sqlite:////")


def test_head_revision_matches_alembic():
    from alembic.script import ScriptDirectory

    from ncpi_desktop.storage.database import MIGRATIONS, head_revision

    config = _alembic_config(make_engine("sqlite://"))
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_the_migrated_schema_is_the_models_schema(tmp_path):
    """A database made by the migrations has exactly the tables, columns and indexes the models
    declare: the code and the files it reads agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import ncpi_desktop.storage.models  # noqa: F401 - registers the tables

    engine = open_database(tmp_path / "schema.sqlite3", create=True)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    indexes = {index["name"] for index in inspect(engine).get_indexes("visit")}
    assert "ix_visit_rso_date_covering" in indexes and "ix_visit_rso_date" not in indexes
