"""Bulk writes: the one place rows go to the database many at a time.

The demo builder, the importer and the tests' registers all write through here, with SQLAlchemy
Core or the driver's ``executemany`` inside the caller's transaction, in chunks (never ORM
objects, which cost ten times the time and memory).

On SQLite a frame takes a faster road (``insert_frame``):

- each column is converted once, for the whole column, into the very value SQLAlchemy's type
  would store (dates as ``YYYY-MM-DD``, date-times as ``YYYY-MM-DD HH:MM:SS.ffffff``, booleans as
  0/1), instead of every value being bound through the type one by one;
- the rows go to the driver as multi-row ``INSERT ... VALUES (...), (...), ...`` statements, so
  SQLite runs one statement for a few hundred rows rather than one per row (1.5 million visits:
  about half the CPU time of single-row statements);
- a table receiving many rows has its secondary indexes dropped and made again after the rows,
  from the SQL the migration stored (one sorted build instead of a million updates in random
  order), inside the transaction, so a rollback restores them.

``foreign_keys_off`` turns SQLite's foreign-key checks off for one bulk transaction whose
references the caller has already checked (the importer validates every reference against the
extract and the database before it writes). A larger page cache than the 64 MiB every connection
has (``storage.database``) was measured for the national import and gained nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.type_api import TypeEngine
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from ncpi_desktop.storage import columns, pg_copy
from ncpi_desktop.storage.models import ExactDecimal

#: Rows per executemany call: bounds memory, and lets a cancel be noticed during a big table.
CHUNK_ROWS = 50_000
#: SQLite: a frame of this many rows or more gets its table's indexes after the rows.
DEFER_INDEXES_ROWS = 50_000
#: Most rows one multi-row INSERT carries (more gains little; SQLite's limit on bound
#: variables caps it further for wide tables).
ROWS_PER_STATEMENT = 256
#: SQLite's limit on bound variables per statement before version 3.32 (32,766 after).
SQLITE_MIN_VARIABLES = 999
SQLITE_VARIABLES_SINCE_3_32 = 32766
#: How SQLAlchemy's SQLite DATETIME stores a value (the zone is not stored).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"

#: ``progress(rows_done, rows_in_all)``, called before each chunk after the first and once when
#: every row is in. It may raise to stop the writing (the caller's transaction then rolls back).
RowsProgress = Callable[[int, int], None]


def bulk_insert(connection: Connection, model: type[SQLModel],
                rows: pd.DataFrame | Sequence[dict[str, Any]] | Iterable[dict[str, Any]],
                chunk: int = CHUNK_ROWS) -> int:
    """Insert rows (a frame, or dicts with the same keys) into ``model``'s table inside the
    caller's transaction, through ``insert_frame``; returns how many."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame.from_records(list(rows))
    if frame.empty:
        return 0
    return insert_frame(connection, model.__table__,  # type: ignore[attr-defined]
                        frame, chunk=chunk)


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame, *,
                 driver: bool | None = None, chunk: int = CHUNK_ROWS,
                 defer_indexes_from: int = DEFER_INDEXES_ROWS,
                 progress: RowsProgress | None = None) -> int:
    """Insert a frame's rows into ``table`` in chunks inside the caller's transaction; returns
    how many.

    Columns are the frame's; a table column the frame leaves out takes its default. Blanks are
    None, NaN or NaT. A date column may hold dates, date-times, datetime64 values or ISO text
    (``YYYY-MM-DD``, written as it is on SQLite).

    On SQLite (unless ``driver=False``) the rows take the fast road described in the module's
    docstring, and a frame of ``defer_indexes_from`` rows or more has the table's secondary
    indexes built after its rows. Elsewhere, or with ``driver=False``, the rows go through
    ``insert(table)`` and SQLAlchemy's types.
    """
    if frame.empty:
        return 0
    frame = _with_defaults(table, frame)
    if connection.dialect.name == "postgresql" and driver is not False:
        if (pg_copy.can_copy(table, list(frame.columns))
                and not pg_copy.row_security(connection, table.name)):
            if len(frame) < defer_indexes_from:
                return _copy_postgres(connection, table, frame, chunk, progress)
            with pg_copy.constraints_deferred(connection, table.name):
                return _copy_postgres(connection, table, frame, chunk, progress)
    use_driver = (connection.dialect.name == "sqlite" and driver is not False
                  and _fast_types(table, frame.columns))
    if not use_driver:
        return _insert_core(connection, table, frame, chunk, progress)
    if len(frame) >= defer_indexes_from:
        with indexes_deferred(connection, table.name):
            return _insert_sqlite(connection, table, frame, chunk, progress)
    return _insert_sqlite(connection, table, frame, chunk, progress)


def execute_many(connection: Connection, statement: Any, columns: Mapping[str, Sequence[Any]],
                 *, chunk: int = CHUNK_ROWS, progress: RowsProgress | None = None) -> int:
    """Run a Core ``statement`` (an UPDATE, or an INSERT of untyped columns) once per row of
    ``columns`` (bind parameter name -> one value per row) through the driver's executemany;
    returns the rows.

    The statement is compiled once for the connection's dialect and the values reach the
    driver as they are, skipping SQLAlchemy's per-row parameter processing: give them in the
    form the database stores (ISO text for dates on SQLite, which PostgreSQL casts).
    """
    compiled = statement.compile(dialect=connection.dialect)
    sql = str(compiled)
    count = len(next(iter(columns.values()))) if columns else 0
    if connection.dialect.positional:
        names = list(compiled.positiontup or [])
        rows: Sequence[Any] = list(zip(*(columns[n] for n in names), strict=True))
    else:
        names = list(columns)
        rows = [dict(zip(names, row, strict=True))
                for row in zip(*(columns[n] for n in names), strict=True)]
    _run_chunks(connection, sql, rows, count, chunk, progress)
    return count


def ensure_transaction(connection: Connection) -> None:
    """SQLite: open the write transaction now. The sqlite3 module begins one only before its
    first INSERT, UPDATE or DELETE, which would leave earlier reads, and an index dropped before
    the first write, outside it (a DROP INDEX would commit at once and survive a rollback).

    ``BEGIN IMMEDIATE`` takes the write lock at once, waiting (the driver's timeout) for any
    other writer to finish: a plain ``BEGIN`` that has read first is refused "database is
    locked" at its first write, without waiting, if another connection is writing then (such
    as the application keeping the register's start-up copy)."""
    if connection.dialect.name == "sqlite":
        dbapi = connection.connection.dbapi_connection
        if not dbapi.in_transaction:  # type: ignore[union-attr]
            connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def indexes_deferred(connection: Connection, table_name: str) -> Iterator[None]:
    """SQLite: drop the table's secondary indexes, and make them again (from the very SQL the
    migration stored) once the rows are in. Inside the transaction: if the block raises, the
    indexes stay dropped until the caller's rollback restores them."""
    ensure_transaction(connection)
    saved = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL", (table_name,)).all()
    quote = connection.dialect.identifier_preparer.quote
    for name, _ in saved:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, sql in saved:
        connection.exec_driver_sql(sql)


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite: no foreign-key checks within the block, put back as they were afterwards;
    elsewhere nothing.

    For a bulk transaction whose references the caller has checked itself (the importer checks
    every reference against the extract and the database before it writes): a million child
    rows then skip a million parent look-ups (national extract: 1.5 s of 15 s CPU). Nothing
    else stops a row naming a missing parent, so no other caller may ask for it.

    Enter it before the transaction begins (SQLite ignores ``PRAGMA foreign_keys`` inside one)
    and end the transaction within it: one still open on leaving is rolled back first.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            connection.rollback()
        connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if before else 'OFF'}")


# --- the SQLite road ----------------------------------------------------------------------------

def _insert_sqlite(connection: Connection, table: Table, frame: pd.DataFrame, chunk: int,
                   progress: RowsProgress | None) -> int:
    keys = list(frame.columns)
    width = len(keys)
    quote = connection.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in keys)}) VALUES "
    one = "(" + ", ".join("?" * width) + ")"
    per = max(1, min(ROWS_PER_STATEMENT, _variable_limit(connection) // width))
    many = head + ", ".join([one] * per)
    total = len(frame)
    for start in range(0, total, chunk):
        if start and progress is not None:
            progress(start, total)
        part = frame.iloc[start:start + chunk]
        block = np.empty((len(part), width), dtype=object)
        for j, key in enumerate(keys):
            block[:, j] = _sqlite_column(part[key], table.c[key].type)
        full = len(part) - len(part) % per
        if full:
            connection.exec_driver_sql(many, list(map(tuple, block[:full].reshape(
                -1, per * width).tolist())))
        if full < len(part):
            connection.exec_driver_sql(head + one, list(map(tuple, block[full:].tolist())))
    if progress is not None:
        progress(total, total)
    return total


def _variable_limit(connection: Connection) -> int:
    import sqlite3

    dbapi = connection.connection.dbapi_connection
    try:
        return int(dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))  # type: ignore[union-attr]
    except (AttributeError, sqlite3.Error):  # Python < 3.11, or another driver (SQLCipher's)
        version = getattr(connection.dialect.dbapi, "sqlite_version_info", (0,))
        return SQLITE_VARIABLES_SINCE_3_32 if version >= (3, 32) else SQLITE_MIN_VARIABLES


#: Column types whose stored form ``_sqlite_column`` knows (Enum, Numeric, JSON and other
#: decorated types go through Core).
_PLAIN_TYPES = (sqltypes.String, sqltypes.Integer, sqltypes.Float, sqltypes.Boolean,
                sqltypes.Date, sqltypes.DateTime)
_KNOWN_DECORATORS = (AutoString, UTCDateTime, ExactDecimal)


def _fast_types(table: Table, keys: Iterable[str]) -> bool:
    for key in keys:
        kind = table.c[key].type
        if isinstance(kind, sqltypes.TypeDecorator):
            if type(kind) not in _KNOWN_DECORATORS:
                return False
        elif not isinstance(kind, _PLAIN_TYPES) or isinstance(kind, sqltypes.Enum):
            return False
    return True


def _sqlite_column(values: pd.Series, kind: TypeEngine[Any]) -> np.ndarray:
    """One column as SQLAlchemy's type would store it on SQLite, worked out for the whole
    column; None for blanks."""
    if isinstance(kind, sqltypes.Date) and not isinstance(kind, sqltypes.DateTime):
        return columns.iso_dates(values)
    if isinstance(kind, UTCDateTime | sqltypes.DateTime):
        return _sqlite_datetimes(values, to_utc=isinstance(kind, UTCDateTime))
    if isinstance(kind, sqltypes.Boolean):
        return columns.booleans(values)
    if isinstance(kind, ExactDecimal):
        return columns.numbers(values, whole=False)
    if isinstance(kind, sqltypes.Integer):
        return columns.numbers(values, whole=True)
    if isinstance(kind, sqltypes.Float):
        return columns.numbers(values, whole=False)
    return columns.objects(values)


def _sqlite_datetimes(values: pd.Series, *, to_utc: bool) -> np.ndarray:
    """Date-times as SQLAlchemy's SQLite DATETIME stores them, each distinct one formatted once;
    in UTC for ``UTCDateTime`` (where SQLAlchemy refuses a naive value, this reads it as UTC);
    text as it is."""
    if columns.text_like(values):
        return columns.objects(values)
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.Series(pd.to_datetime(values.to_numpy(object), utc=to_utc),
                           index=values.index)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = (values.dt.tz_convert("UTC") if to_utc else values).dt.tz_localize(None)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    text = np.append(pd.DatetimeIndex(distinct).strftime(SQLITE_DATETIME).to_numpy(object),
                     None)
    return text[codes]  # code -1 (a blank) picks the None at the end


# --- the PostgreSQL road -----------------------------------------------------------------------

def _copy_postgres(connection: Connection, table: Table, frame: pd.DataFrame, chunk: int,
                   progress: RowsProgress | None) -> int:
    """PostgreSQL: the rows with one ``COPY ... FROM STDIN`` per chunk (``storage.pg_copy``)."""
    total = len(frame)
    for start in range(0, total, chunk):
        if start and progress is not None:
            progress(start, total)
        pg_copy.copy_frame(connection, table, frame.iloc[start:start + chunk])
    if progress is not None:
        progress(total, total)
    return total


# --- the Core road ------------------------------------------------------------------------------

def _insert_core(connection: Connection, table: Table, frame: pd.DataFrame, chunk: int,
                 progress: RowsProgress | None) -> int:
    keys = list(frame.columns)
    total = len(frame)
    for start in range(0, total, chunk):
        if start and progress is not None:
            progress(start, total)
        part = frame.iloc[start:start + chunk]
        columns = [_python_values(part[k], table.c[k].type) for k in keys]
        connection.execute(insert(table), [dict(zip(keys, row, strict=True))
                                           for row in zip(*columns, strict=True)])
    if progress is not None:
        progress(total, total)
    return total


def _python_values(values: pd.Series, kind: TypeEngine[Any]) -> list[Any]:
    """One column as the Python values SQLAlchemy's type takes: ``date`` for dates (ISO text
    parsed), ``datetime`` for date-times, blanks as None."""
    if isinstance(kind, sqltypes.Date) and not isinstance(kind, sqltypes.DateTime):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
        days = np.asarray(values.to_numpy(), dtype="datetime64[D]")
        return days.astype(object).tolist()  # NaT becomes None
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = np.array(values.dt.to_pydatetime(), dtype=object)
        out[values.isna().to_numpy()] = None
        return out.tolist()
    if isinstance(kind, sqltypes.Boolean):
        out = columns.booleans(values)
        return [None if v is None else bool(v) for v in out.tolist()]
    if isinstance(kind, sqltypes.Integer | sqltypes.Float):
        return columns.numbers(values, whole=isinstance(kind, sqltypes.Integer)).tolist()
    return columns.objects(values).tolist()


# --- shared ---------------------------------------------------------------------------------

def _with_defaults(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every column the table gives a scalar default and the frame leaves out,
    so both roads store the same row."""
    missing = {c.name: c.default.arg for c in table.columns  # type: ignore[union-attr]
               if c.name not in frame.columns and c.default is not None
               and c.default.is_scalar}
    unknown = [k for k in frame.columns if k not in table.c]
    if unknown:
        raise KeyError(f"{table.name} has no column {', '.join(map(str, unknown))}")
    return frame.assign(**missing) if missing else frame


def _run_chunks(connection: Connection, sql: str, rows: Sequence[Any], count: int, chunk: int,
                progress: RowsProgress | None) -> None:
    for start in range(0, count, chunk):
        if start and progress is not None:
            progress(start, count)
        connection.exec_driver_sql(sql, rows[start:start + chunk])
    if progress is not None:
        progress(count, count)
