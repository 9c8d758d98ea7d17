"""PostgreSQL's COPY for bulk writes: a frame written with ``COPY ... FROM STDIN`` in the text
format, through psycopg 3's ``cursor.copy`` (``storage.bulk.insert_frame`` sends PostgreSQL
here).

Row by row, through SQLAlchemy and the driver, PostgreSQL spends an import's time on one
statement per row and on keeping indexes and foreign keys checked row by row. COPY moves a
whole chunk as one stream the server parses in C; the stream is built a column at a time:
each column is turned into the text PostgreSQL reads for its type (dates ``YYYY-MM-DD``,
date-times with their zone, booleans ``t``/``f``, numbers as Python prints them, which reads
back as the same value; text with backslash, tab, newline and carriage return escaped;
``\\N`` for a blank), then the rows are joined into lines. A big table's secondary indexes
and foreign keys are made again after its rows (``constraints_deferred``).

Reading with ``COPY (SELECT ...) TO STDOUT`` into pandas was measured too, on the national
register's reads: no less CPU than psycopg's own fetch (1.33 s against 1.35 s for the whole
register; split as one string, about as much again), so the reads keep the driver's road
(``storage.snapshot.read_frame``), with their dates, flags and whole numbers sent packed in one
value per row instead (``storage.pg_read``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, text
from sqlalchemy.engine import Connection
from sqlalchemy.sql import sqltypes
from sqlalchemy.sql.type_api import TypeEngine
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from ncpi_desktop.storage import columns
from ncpi_desktop.storage.models import ExactDecimal

#: COPY's text format's blank.
NULL = "\\N"
#: How ``copy_frame`` writes a date-time (the zone, UTC, is added for a column that keeps one).
_DATETIME = "%Y-%m-%d %H:%M:%S.%f"
#: Characters COPY's text format needs escaped inside a value, and their escapes.
_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_PLAIN_TYPES = (sqltypes.String, sqltypes.Integer, sqltypes.Float, sqltypes.Numeric,
                sqltypes.Boolean, sqltypes.Date, sqltypes.DateTime)
_KNOWN_DECORATORS = (AutoString, UTCDateTime, ExactDecimal)


def can_copy(table: Table, keys: list[str]) -> bool:
    """Whether ``copy_frame`` knows the text form of every one of these columns' types (Enum,
    JSON and other decorated types go through SQLAlchemy's types instead)."""
    for key in keys:
        kind = table.c[key].type
        if isinstance(kind, sqltypes.TypeDecorator):
            if type(kind) not in _KNOWN_DECORATORS:
                return False
        elif not isinstance(kind, _PLAIN_TYPES) or isinstance(kind, sqltypes.Enum):
            return False
    return True


def row_security(connection: Connection, table_name: str) -> bool:
    """Row-level security applies to the caller's writes of the table (a server's user, not its
    owner: ``storage.server``). PostgreSQL refuses ``COPY FROM`` then, so the rows go through
    ``INSERT``, which the policies check row by row."""
    return bool(connection.execute(text("SELECT row_security_active(to_regclass(:t))"),
                                   {"t": table_name}).scalar())


def copy_frame(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Write ``frame``'s rows into ``table`` with one ``COPY ... FROM STDIN`` inside the
    caller's transaction; returns how many. The caller has checked ``can_copy``."""
    keys = list(frame.columns)
    columns = [_copy_column(frame[key], table.c[key].type) for key in keys]
    lines = "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"
    quote = connection.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(k) for k in keys)}) FROM STDIN"
    with _cursor(connection) as cursor, cursor.copy(sql) as copy:
        copy.write(lines.encode())
    return len(frame)


@contextmanager
def _cursor(connection: Connection) -> Iterator[Any]:
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    finally:
        cursor.close()


def _copy_column(values: pd.Series, kind: TypeEngine[Any]) -> list[str]:
    """One column as COPY's text format has it, blanks as ``\\N``."""
    if isinstance(kind, sqltypes.Date) and not isinstance(kind, sqltypes.DateTime):
        out = columns.iso_dates(values)
    elif isinstance(kind, UTCDateTime | sqltypes.DateTime):
        out = _datetimes(values, to_utc=isinstance(kind, UTCDateTime) or kind.timezone)
    elif isinstance(kind, sqltypes.Boolean):
        flags = columns.booleans(values)
        out = np.where(flags == 1, "t", np.where(flags == 0, "f", None)).astype(object)
        out[np.equal(flags, None)] = None
    elif isinstance(kind, ExactDecimal | sqltypes.Integer | sqltypes.Float | sqltypes.Numeric):
        whole = isinstance(kind, sqltypes.Integer)
        numbers = columns.numbers(values, whole=whole)
        out = np.array([None if v is None else repr(v) for v in numbers.tolist()], dtype=object)
    else:
        out = _escaped(columns.objects(values))
    blank = np.equal(out, None)
    if blank.any():
        out = out.copy()
        out[blank] = NULL
    return out.tolist()


def _escaped(values: np.ndarray) -> np.ndarray:
    """Text values (and others, as their ``str``) with COPY's escapes where they need them.
    Whether any needs one is asked of the whole column at once (one string search each)."""
    present = ~pd.isna(values)
    if not present.any():
        return values
    kept = values[present]
    if not _all_text(pd.Series(kept, dtype=object)):
        kept = np.array([str(v) for v in kept.tolist()], dtype=object)
    whole = "\x00".join(kept.tolist())
    if any(raw in whole for raw, _ in _ESCAPES):
        fixed = pd.Series(kept, dtype=object)
        for raw, escape in _ESCAPES:
            fixed = fixed.str.replace(raw, escape, regex=False)
        kept = fixed.to_numpy(object)
    out = values.copy()
    out[present] = kept
    return out


def _all_text(values: pd.Series) -> bool:
    return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")


def _datetimes(values: pd.Series, *, to_utc: bool) -> np.ndarray:
    """Date-times as ``YYYY-MM-DD HH:MM:SS.ffffff``, with ``+00`` where the column keeps a zone
    (a naive value read as UTC, as ``storage.bulk`` does), each distinct one formatted once."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        values = pd.Series(pd.to_datetime(values.to_numpy(object), utc=to_utc, format="ISO8601"),
                           index=values.index)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = (values.dt.tz_convert("UTC") if to_utc else values).dt.tz_localize(None)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    formatted = pd.DatetimeIndex(distinct).strftime(_DATETIME).to_numpy(object)
    if to_utc:
        formatted = formatted + "+00"
    return np.append(formatted, None)[codes]


@contextmanager
def constraints_deferred(connection: Connection, table_name: str) -> Iterator[None]:
    """Drop the table's secondary indexes and the foreign keys it holds, and make them again
    (from the very definitions the server reports) once the rows are in: one sorted index build
    and one join checking every reference, instead of an index insertion and a parent look-up
    per row (1.5 million visits: 3 s against 25 s). Inside the caller's transaction, so a
    failure or a rollback puts them back, and a foreign key added again checks every row.

    Only for the table's owner (who alone may drop them): anyone else writes the rows with
    the indexes and checks in place. The table is locked against readers until the commit.
    The table is analysed afterwards."""
    quote = connection.dialect.identifier_preparer.quote
    owner = connection.execute(text(
        "SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c "
        "WHERE c.oid = to_regclass(:t)"), {"t": table_name}).scalar()
    if not owner:
        yield
        return
    indexes = connection.execute(text(
        "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class ci ON ci.oid = i.indexrelid WHERE i.indrelid = to_regclass(:t) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"),
        {"t": table_name}).all()
    keys = connection.execute(text(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = to_regclass(:t) AND contype = 'f'"), {"t": table_name}).all()
    for name, _ in keys:
        connection.exec_driver_sql(
            f"ALTER TABLE {quote(table_name)} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, definition in indexes:
        connection.exec_driver_sql(definition)
    for name, definition in keys:
        connection.exec_driver_sql(
            f"ALTER TABLE {quote(table_name)} ADD CONSTRAINT {quote(name)} {definition}")
    # The planner's statistics for the new rows now, not when autovacuum comes round: the
    # first reads after an import are planned on them (a sample: a fraction of a second).
    connection.exec_driver_sql(f"ANALYZE {quote(table_name)}")
