"""Engines and schema: where the database lives, opening it, migrating it to the current schema."""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

MIGRATIONS = Path(__file__).with_name("migrations")
#: Pages of SQLite's cache, as a negative KiB figure (64 MiB): reads of the register are large.
SQLITE_CACHE_KIB = 65536

#: Migrations the application can run without: a database that lacks only these, and cannot be
#: written to add them (read-only, busy with another program), opens at its older revision.
#: 0005 adds the register's start-up copy (storage.register_store) and nothing else: without it
#: there is simply no copy (``snapshot.register_version`` is None for a schema without its
#: table, so nothing is stored or read). Only ever a migration that adds, never one that
#: changes what the application reads.
OPTIONAL_REVISIONS = frozenset({"0005"})

#: SQLite's result codes (the primary code, the low byte) for a database that cannot be written:
#: READONLY (a read-only file, folder or medium), BUSY and LOCKED (another program holds the
#: lock), PERM, CANTOPEN (no journal can be made beside it) and FULL.
_SQLITE_UNWRITABLE = frozenset({8, 5, 6, 3, 14, 13})
#: PostgreSQL's SQLSTATEs for the same: a read-only transaction (a standby), no privilege.
_POSTGRES_UNWRITABLE = frozenset({"25006", "42501"})


class DatabaseError(Exception):
    """The database cannot be opened or used; the message is fit to show a user."""


def default_database_path() -> Path:
    return Path(user_data_dir("ncpi-desktop", appauthor=False)) / "ncpi.sqlite3"


def database_url(target: str | Path | None) -> str:
    """A SQLAlchemy URL for a path, a URL, or the default database."""
    if target is None:
        target = default_database_path()
    target = str(target)
    if "://" in target:
        return target
    return f"sqlite:///{Path(target).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI callback
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(target: str | Path | None) -> Engine:
    url = database_url(target)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"Not a database path or URL: {target}") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def open_database(target: str | Path | None, *, create: bool = False) -> Engine:
    """Open (and migrate) a database. With ``create`` a missing SQLite file is made.

    A database that cannot be written, and lacks only migrations the application can run without
    (``OPTIONAL_REVISIONS``), is opened as it is. Raises ``DatabaseError`` with a one-line
    message when the file is missing, is not a database, cannot be read, or cannot be brought up
    to a schema the application can use.
    """
    url = database_url(target)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        path = Path(parsed.database)
        if not path.exists():
            if not create:
                raise DatabaseError(f"No database at {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
        elif path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
    engine = make_engine(target)
    try:
        # Alembic costs about half a second to import and run; most opens find the schema current.
        revision = schema_revision(engine)
        if revision != head_revision():
            try:
                migrate(engine)
            except (SQLAlchemyError, DBAPIError) as exc:
                missing = missing_revisions(revision)
                if not (_cannot_write(exc) and missing is not None
                        and missing <= OPTIONAL_REVISIONS):
                    raise
    except (SQLAlchemyError, DBAPIError) as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise DatabaseError(f"Cannot open database {target}: {reason}") from exc
    return engine


def _alembic_config(engine: Engine):  # noqa: ANN202 - alembic is imported lazily
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # A ConfigParser value: "%" (a URL-escaped character, "100%.sqlite3") is written "%%".
    config.set_main_option("sqlalchemy.url",
                           engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration (a no-op when it is current)."""
    from alembic import command

    config = _alembic_config(engine)
    with engine.begin() as connection:
        # Reading the schema first turns "file is not a database" into an error here.
        inspect(connection).get_table_names()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _cannot_write(exc: SQLAlchemyError | DBAPIError) -> bool:
    """``exc`` says the database cannot be written (rather than that it is damaged, or not one
    the migrations know)."""
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.Error):
        return (getattr(orig, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_UNWRITABLE
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state in _POSTGRES_UNWRITABLE


@cache
def _migration_parents() -> dict[str, str | None]:
    """Each migration's id and the id of the one it follows (None: the first), read from the
    migration files without importing Alembic."""
    parents: dict[str, str | None] = {}
    pattern = re.compile(r"^(down_revision|revision)\s*=\s*(?:['\"]([^'\"]+)['\"]|None)",
                         re.MULTILINE)
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((kind, value or None)
                     for kind, value in pattern.findall(path.read_text(encoding="utf-8")))
        if found.get("revision"):
            parents[found["revision"]] = found.get("down_revision")
    return parents


@cache
def head_revision() -> str:
    """The newest migration's id, read from the migration files without importing Alembic."""
    parents = _migration_parents()
    heads = set(parents) - set(parents.values())
    if len(heads) != 1:
        raise DatabaseError(f"Migrations have {len(heads)} heads; expected one")
    return heads.pop()


def missing_revisions(revision: str | None) -> frozenset[str] | None:
    """The migrations a database at ``revision`` (None: none run) lacks; None if ``revision``
    is not one of them (a newer application's)."""
    parents = _migration_parents()
    missing: set[str] = set()
    at: str | None = head_revision()
    while at != revision:
        if at is None or at in missing:
            return None
        missing.add(at)
        at = parents.get(at)
    return frozenset(missing)


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
