"""PostgreSQL's read of the register: numbers, dates and flags sent packed in one binary value
per row, and independent reads run on two connections at once.

A server keeps no copy of the register (a stored copy would be read by anyone who may read its
table, whatever their scope: row-level security must see each row read), so each start reads
the tables. Two things make that read cheaper there:

- **packed columns** (``packed_sql``, ``unpacked``): the driver makes a Python object of every
  value it hands over (a ``date`` per date), which is then turned into a column. The columns of
  a read typed as dates, flags or whole numbers are instead sent by the server as one ``bytea``
  per row, each value a big-endian integer at a fixed place (a date as days since 1970, a
  blank as a value no column can hold), so that the rows' values are one numpy array at once:
  one object per row instead of one per value, and no per-value conversion. Text is read as
  before. The read is the same ``SELECT`` (wrapped), run as the signed-in user: the server's
  row-level security applies to it as to any other.
- **whole columns** (``read_whole``): where every other column of a read is text, the server
  sends the read as one row: each text column's values joined into one string (and a flag a
  row for its blanks), the packed values joined into one ``bytea``, so that the driver makes a
  few large objects instead of one or more per row, and a column is one ``split``. A value
  holding the separator makes the strings split into too many parts: that read is read again
  row by row. So is one the server joined in another order than the read's rows (each row's
  number, ``row_number() OVER ()`` over the read, travels too, and is checked).
- **two connections** (``read_in_parallel``): the reads of the register are independent, so
  while this process turns one read's rows into columns, the server runs another's query and
  sends its rows on a second connection, whose wait on the socket lets the interpreter get on
  with the first.

Each read sees the database as at its own statement (PostgreSQL's READ COMMITTED), as reads
one after the other on one connection did: the register's stamp is read before them, so a
change committed meanwhile moves the stamp past the register's and it is read again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection

#: The column a packed read adds, holding the packed values of each row.
PACKED = "ncpi_packed"
#: The kinds of column (``snapshot.Kind``) sent packed, and how many bytes each takes.
_PACKED_KINDS = {"date": 4, "bool": 4, "int": 8, "Int64": 8}
#: A blank date: no date PostgreSQL can hold is this many days from 1970 (its dates span
#: about -2.4 million to +2.1 billion days).
_NO_DATE = -(2**31)
#: A blank whole number: below any value of a 32-bit column read as ``Int64`` (the register's
#: nullable numbers are ``integer`` columns).
_NO_NUMBER = -(2**63)
#: PostgreSQL's type of a date (the ``oid`` of ``date``): sent as days since 1970.
_DATE_OID = 1082
_SECONDS_PER_DAY = 86400

#: What parts one text value from the next in a read sent whole (``read_whole``).
_SEPARATOR = "\x1f"
#: The kinds of column (``snapshot.Kind``) a read sent whole may hold besides packed ones.
_WHOLE_KINDS = frozenset({"text", "label"})
#: The column of a read sent whole numbering its rows.
_ROW_NUMBER = "ncpi_row"

T = TypeVar("T")


@dataclass(frozen=True)
class Packing:
    """Which columns of a read travel packed (name and kind, in their order in each row's
    value), and all the read's columns in their order."""

    names: tuple[str, ...]
    packed: tuple[tuple[str, str], ...]
    #: The columns sent as they are (not packed, not left out), in their order.
    plain: tuple[str, ...]


def packed_sql(connection: Connection, sql: str, kinds: Mapping[str, str],
               params: Mapping[str, object], leave_out: Collection[str] = ()
               ) -> tuple[str, Packing]:
    """``sql`` as read with its dates, flags and whole numbers (by ``kinds``) packed into one
    ``bytea`` column, ``PACKED``, after its other columns; and where each packed column is.
    The columns' names and types are asked of the server first (the query with no rows).
    The text columns named in ``leave_out`` are not sent (still in ``Packing.names``)."""
    quote = connection.dialect.identifier_preparer.quote
    described = connection.execute(text(f"SELECT * FROM ({sql}) AS q LIMIT 0"), dict(params))
    try:
        columns = [(column.name, column.type_code)
                   for column in described.cursor.description]  # type: ignore[union-attr]
    finally:
        described.close()
    plain: list[str] = []
    parts: list[str] = []
    packed: list[tuple[str, str]] = []
    for name, type_code in columns:
        kind = kinds.get(name)
        if kind not in _PACKED_KINDS:
            if name in leave_out:
                continue
            plain.append(f"q.{quote(name)}")
            continue
        value = f"q.{quote(name)}"
        if kind == "date":
            days = f"{value} - DATE '1970-01-01'" if type_code == _DATE_OID else value
            parts.append(f"int4send(COALESCE(({days})::int4, {_NO_DATE}))")
        elif kind == "bool":
            parts.append(f"int4send(COALESCE(({value})::int4, 0))")
        elif kind == "int":
            parts.append(f"int8send(({value})::int8)")
        else:
            parts.append(f"int8send(COALESCE(({value})::int8, {_NO_NUMBER}))")
        packed.append((name, kind))
    names = tuple(name for name, _ in columns)
    sent = tuple(name for name, _ in columns
                 if kinds.get(name) not in _PACKED_KINDS and name not in leave_out)
    if not packed and not leave_out:
        return sql, Packing(names, (), sent)
    selected = ", ".join([*plain, *([" || ".join(parts) + f" AS {PACKED}"] if parts else [])])
    return f"SELECT {selected} FROM ({sql}) AS q", Packing(names, tuple(packed), sent)


def unpacked(values: np.ndarray | bytes, packing: Packing
             ) -> dict[str, np.ndarray | pd.api.extensions.ExtensionArray]:
    """The packed columns of a read's rows (``values``: each row's ``PACKED`` bytes, or all
    of them joined), typed as ``snapshot.read_frame`` types them: dates as datetime64[s] (NaT:
    blank), flags as bool, whole numbers as int64, or as ``Int64`` with blanks."""
    layout = np.dtype([(name, ">i4" if _PACKED_KINDS[kind] == 4 else ">i8")
                       for name, kind in packing.packed])
    joined = values if isinstance(values, bytes) else b"".join(values.tolist())
    rows = np.frombuffer(joined, dtype=layout)
    out: dict[str, np.ndarray | pd.api.extensions.ExtensionArray] = {}
    for name, kind in packing.packed:
        numbers = rows[name].astype(np.int64)
        if kind == "date":
            blank = numbers == _NO_DATE
            seconds = (numbers * _SECONDS_PER_DAY).view("datetime64[s]")
            seconds[blank] = np.datetime64("NaT")
            out[name] = seconds
        elif kind == "bool":
            out[name] = numbers != 0
        elif kind == "int":
            out[name] = numbers
        else:
            blank = numbers == _NO_NUMBER
            out[name] = pd.arrays.IntegerArray(np.where(blank, 0, numbers), blank)
    return out


def read_whole(connection: Connection, sql: str, packing: Packing,
               kinds: Mapping[str, str], params: Mapping[str, object]
               ) -> dict[str, np.ndarray | pd.api.extensions.ExtensionArray] | None:
    """The columns of ``sql`` (as ``packed_sql`` made it, with ``packing``), sent by the server
    as one row: the text columns as object arrays of ``str`` (None: blank), the packed ones as
    ``unpacked`` gives them. None when it cannot be read so (read it row by row instead): a
    column other than text or packed, a text value holding the separator, or rows joined out of
    the read's order."""
    texts = packing.plain
    if any(kinds.get(name) not in _WHOLE_KINDS for name in texts):
        return None
    quote = connection.dialect.identifier_preparer.quote
    parts = ["count(*)", f"string_agg(int8send(z.{_ROW_NUMBER}), ''::bytea)"]
    if packing.packed:
        parts.append(f"string_agg(z.{PACKED}, ''::bytea)")
    for name in texts:
        column = f"z.{quote(name)}"
        parts.append(f"string_agg(COALESCE({column}::text, ''), E'\\x{ord(_SEPARATOR):02x}')")
        parts.append(f"string_agg(CASE WHEN {column} IS NULL THEN '\\x01'::bytea "
                     f"ELSE '\\x00'::bytea END, ''::bytea)")
    whole = (f"SELECT {', '.join(parts)} FROM (SELECT q.*, row_number() OVER () AS "
             f"{_ROW_NUMBER} FROM ({sql}) AS q) AS z")
    row = connection.execute(text(whole), dict(params)).one()
    count, numbers, rest = row[0], row[1], list(row[2:])
    out: dict[str, np.ndarray | pd.api.extensions.ExtensionArray] = {}
    if packing.packed:
        out |= unpacked(bytes(rest.pop(0) or b""), packing)
    for number, name in enumerate(texts):
        joined, blanks = rest[2 * number], rest[2 * number + 1]
        values = joined.split(_SEPARATOR) if count else []
        if len(values) != count:
            return None  # a value holds the separator
        column = np.empty(count, dtype=object)
        column[:] = values
        column[np.frombuffer(bytes(blanks or b""), dtype=np.uint8) != 0] = None
        out[name] = column
    if count and (np.diff(np.frombuffer(bytes(numbers), dtype=">i8")) < 0).any():
        return None  # joined in another order than the read's
    return out


def read_in_parallel(connection: Connection, reads: Mapping[str, Callable[[Connection], T]],
                     ) -> dict[str, T]:
    """Each of ``reads`` (a name and a function reading on a connection), the first
    on a second connection of the same engine (the same user) on a worker thread, the others
    in turn on ``connection``; what each read, by name, in the order given. A failure of either
    is raised here, once both connections are done."""
    names = list(reads)
    if len(names) < 2:
        return {name: reads[name](connection) for name in names}
    first = names[0]

    def on_second_connection() -> T:
        with connection.engine.connect() as other:
            return reads[first](other)

    # A failure here leaves the pool's exit waiting for the worker before it is raised.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ncpi-read") as pool:
        pending = pool.submit(on_second_connection)
        here = {name: reads[name](connection) for name in names[1:]}
        frame = pending.result()  # raises the worker's failure
    return {first: frame} | here
