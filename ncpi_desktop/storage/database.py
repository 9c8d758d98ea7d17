"""Engines and schema: where the database lives, opening it, migrating it to the current schema."""

from __future__ import annotations

import os
import re
import sqlite3
from functools import cache
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

MIGRATIONS = Path(__file__).with_name("migrations")
#: Pages of SQLite's cache, as a negative KiB figure (64 MiB): reads of the register are large.
SQLITE_CACHE_KIB = 65536
#: SQLCipher's raw key: 32 random bytes (AES-256), kept wrapped in the ``.keys`` file.
DATABASE_KEY_BYTES = 32

#: Migrations the application can run without: a database that lacks only these, and cannot be
#: written to add them (read-only, busy with another program), opens at its older revision.
#: 0005 adds the register's start-up copy (storage.register_store) and nothing else: without it
#: there is simply no copy (``snapshot.register_version`` is None for a schema without its
#: table, so nothing is stored or read). Only ever a migration that adds, never one that
#: changes what the application reads. 0012 adds PostgreSQL's change notification (nothing on
#: SQLite).
OPTIONAL_REVISIONS = frozenset({"0005", "0012"})

#: SQLite's result codes (the primary code, the low byte) for a database that cannot be written:
#: READONLY (a read-only file, folder or medium), BUSY and LOCKED (another program holds the
#: lock), PERM, CANTOPEN (no journal can be made beside it) and FULL.
_SQLITE_UNWRITABLE = frozenset({8, 5, 6, 3, 14, 13})
#: What to do about each of those, by SQLite's code.
_WRITE_HINTS = {8: "make the file and its folder writable, or use a writable copy",
                5: "close the other program using it", 6: "close the other program using it",
                3: "make the file and its folder writable", 14: "make its folder writable",
                13: "free some disk space"}
#: PostgreSQL's SQLSTATEs for the same: a read-only transaction (a standby), no privilege.
_POSTGRES_UNWRITABLE = frozenset({"25006", "42501"})


#: The databases the application runs on: a SQLite file, or a PostgreSQL server.
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class DatabaseError(Exception):
    """The database cannot be opened or used; the message is fit to show a user (one line, no
    password, no value from the register)."""


#: A password given as a URL's query parameter (libpq reads ``?password=`` and
#: ``?sslpassword=``), to be hidden like the one before ``@``.
_QUERY_PASSWORD = re.compile(r"([?&](?:ssl)?password=)[^&#]*", re.IGNORECASE)


def shown_location(target: str | Path | None) -> str:
    """``target`` as it may be shown to a user: a path as it is, a URL without its password
    (neither the one before ``@`` nor one given as ``?password=``)."""
    if target is None:
        return str(default_database_path())
    text = str(target)
    if "://" not in text:
        return text
    try:
        url = make_url(text)
    except ArgumentError:  # not a URL SQLAlchemy can read: still hide what looks like one
        text = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)
    else:
        if url.password is not None:
            text = url.render_as_string(hide_password=True)
    return _QUERY_PASSWORD.sub(r"\1***", text)


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names (a ``file:`` URI with ``uri=true`` included); None for an
    in-memory database or another backend."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    database = url.database
    if url.query.get("uri") == "true" and database.startswith("file:"):
        database = database.removeprefix("file:").split("?", 1)[0]
        if not database or database == ":memory:" or url.query.get("mode") == "memory":
            return None
    return Path(database)


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


def parse_target(target: str | Path | None) -> URL:
    """The URL of ``target``; ``DatabaseError`` (saying what to give instead) when it is not a
    path or a URL of a database the application runs on."""
    try:
        parsed = make_url(database_url(target))
    except ArgumentError as exc:
        raise DatabaseError(f"Not a database path or URL: {shown_location(target)}; give a "
                            f"SQLite file or a postgresql:// URL") from exc
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise DatabaseError(f"Cannot use {parsed.get_backend_name()!r} databases "
                            f"({shown_location(target)}): give a SQLite file or a "
                            f"postgresql:// URL")
    return parsed


def _sqlcipher():  # noqa: ANN202 - the DBAPI module, imported when an encrypted file is opened
    from sqlcipher3 import dbapi2

    return dbapi2


def _keyed(key: bytes):  # noqa: ANN202 - a SQLAlchemy event handler
    """A ``do_connect`` handler giving SQLCipher the raw key before anything reads the file:
    a raw 32-byte key (``x'..'``) skips SQLCipher's PBKDF2, so opening costs nothing extra."""
    if len(key) != DATABASE_KEY_BYTES:
        raise DatabaseError("A database key is 32 bytes")
    statement = f"PRAGMA key = \"x'{key.hex()}'\""

    def connect(dialect, _record, cargs, cparams):  # noqa: ANN001, ANN202
        connection = dialect.loaded_dbapi.connect(*cargs, **cparams)
        # SQLCipher otherwise prints its own lines on standard error for a wrong key.
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(statement)
        return connection

    return connect


def make_engine(target: str | Path | None, key: bytes | None = None) -> Engine:
    """An engine for ``target``. Statements' parameters are never part of an error's message
    (``hide_parameters``): a failed write must not print a name or a date of birth.

    With ``key`` (a SQLite file only) the file is SQLCipher's, encrypted with that raw key."""
    parsed = parse_target(target)
    try:
        if parsed.get_backend_name() == "sqlite":
            options = {} if key is None else {"module": _sqlcipher()}
            engine = create_engine(parsed, connect_args={"check_same_thread": False},
                                   hide_parameters=True, **options)
            if key is not None:
                event.listen(engine, "do_connect", _keyed(key))
            event.listen(engine, "connect", _sqlite_pragmas)
        elif key is not None:
            raise DatabaseError(f"{shown_location(target)} is not a SQLite file: only those "
                                f"are encrypted by the application (a server encrypts its own)")
        else:
            engine = create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    except (ImportError, ArgumentError) as exc:  # a driver that is not installed
        raise DatabaseError(f"Cannot open database {shown_location(target)}: its driver "
                            f"({parsed.get_driver_name()}) is not installed; use "
                            f"postgresql:// (psycopg)") from exc
    return engine


def cannot_write_error(exc: BaseException, target: str | Path | None) -> DatabaseError | None:
    """A ``DatabaseError`` saying what to do when ``exc`` says the database cannot be written
    (read-only, locked by another program, disk full); None for any other error."""
    if not isinstance(exc, (SQLAlchemyError, DBAPIError)) or not _cannot_write(exc):
        return None
    orig = getattr(exc, "orig", None)
    code = (getattr(orig, "sqlite_errorcode", 0) or 0) & 0xFF
    todo = _WRITE_HINTS.get(code, "use a database you may write to")
    return DatabaseError(f"Cannot write to the database {shown_location(target)}: "
                         f"{_first_line(exc)}; nothing was changed ({todo}, then try again)")


def _first_line(exc: BaseException) -> str:
    """The first line of the driver's message: never the statement or its parameters (which
    SQLAlchemy puts on later lines), nor PostgreSQL's DETAIL line (which can quote a row)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def open_database(target: str | Path | None, *, create: bool = False,
                  key: bytes | None = None) -> Engine:
    """Open (and migrate) a database. With ``create`` a missing SQLite file is made.

    A database that cannot be written, and lacks only migrations the application can run without
    (``OPTIONAL_REVISIONS``), is opened as it is. Raises ``DatabaseError`` with a one-line
    message when the file is missing, is not a database, cannot be read, or cannot be brought up
    to a schema the application can use. ``key`` opens (or, with ``create``, makes) a file
    encrypted with SQLCipher; an encrypted file opened without its key, or with another, is
    "not a database".
    """
    path = sqlite_file(parse_target(target))
    if path is not None:
        if not path.exists():
            if not create:
                raise DatabaseError(f"No database at {path}")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Readable by its owner only (SQLite gives its journal the same mode).
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except OSError as exc:
                raise DatabaseError(f"Cannot create the database {path}: "
                                    f"{exc.strerror or exc}") from exc
        elif path.is_dir():
            raise DatabaseError(f"{path} is a folder, not a database file")
    engine = make_engine(target, key)
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
        raise DatabaseError(f"Cannot open database {shown_location(target)}: "
                            f"{_first_line(exc)}") from exc
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
    if isinstance(orig, sqlite3.Error) or hasattr(orig, "sqlite_errorcode"):  # or SQLCipher's
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


def export_encrypted(plain: Path, out: Path, key: bytes) -> None:
    """Copy the plain SQLite file ``plain`` whole into a new SQLCipher file ``out`` under the raw
    ``key`` (SQLCipher's ``sqlcipher_export``: schema, rows and ``user_version``)."""
    connection = _sqlcipher().connect(str(plain))
    try:
        connection.execute("PRAGMA cipher_log_level = NONE")
        connection.execute(f"ATTACH DATABASE ? AS encrypted KEY \"x'{key.hex()}'\"",
                           (str(out),))
        connection.execute("SELECT sqlcipher_export('encrypted')")
        connection.execute("DETACH DATABASE encrypted")
    except Exception as exc:  # noqa: BLE001 - the driver's errors, said in one line
        raise DatabaseError(f"Cannot encrypt {plain}: {_first_line(exc)}") from exc
    finally:
        connection.close()


def change_key(engine: Engine, key: bytes) -> None:
    """Re-encrypt the engine's SQLCipher file under ``key`` (``PRAGMA rekey``); the engine is
    disposed, as its other connections hold the old key."""
    raw = engine.raw_connection()
    try:
        raw.driver_connection.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
    finally:
        raw.close()
        engine.dispose()


# --- a shared server (storage.server) ------------------------------------------------------------

#: The tables whose names or free text a server gives through a view (``storage.server``): the
#: RSOs' names, dates of birth and reasons, management decisions' reasons, case reviews' findings
#: and review actions' text, each only for the RSOs in the signed-in user's scope.
NAMED_TABLES = ("rso", "management_decision", "case_review", "review_action",
                "notification_review")
NAMED_VIEW = "rso_named"
#: A function every server has: its presence marks a database ``server init`` set up.
SERVER_MARKER = "ncpi_audit_append"
_SERVER_INFO = "ncpi_server"


def is_server(connection: Connection) -> bool:
    """The database enforces roles itself (``server init`` has run on it): PostgreSQL with the
    server's functions. Remembered per DBAPI connection."""
    if connection.dialect.name != "postgresql":
        return False
    info = connection.connection.info
    if _SERVER_INFO not in info:
        info[_SERVER_INFO] = bool(connection.exec_driver_sql(
            f"SELECT to_regproc('{SERVER_MARKER}') IS NOT NULL").scalar())
    return bool(info[_SERVER_INFO])


def forget_server(connection: Connection) -> None:
    """Forget what ``is_server`` found (``server init`` has just changed it)."""
    connection.connection.info.pop(_SERVER_INFO, None)


def named(connection: Connection, table: str) -> str:
    """Where to read ``table``'s names and free text from: the table itself (SQLite, whose file
    its holder unlocks whole; a PostgreSQL database never set up as a server), or on a server
    its view ``TABLE_named`` (for the ``NAMED_TABLES``)."""
    return f"{table}_named" if table in NAMED_TABLES and is_server(connection) else table


def named_rso(connection: Connection) -> str:
    """``named(connection, "rso")``: ``rso`` or a server's ``rso_named``."""
    return named(connection, "rso")
