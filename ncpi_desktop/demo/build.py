"""Build a demo database: generate a profile's register and write it with Core bulk inserts.

Everything is written in one transaction with ``INSERT ... executemany`` (never ORM objects, which
cost ten times the time and memory), in chunks so the national profile's 1.5 million visits never
sit in memory as dictionaries all at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import sqltypes
from sqlmodel import SQLModel

from ncpi_desktop.demo.generate import Register, generate
from ncpi_desktop.demo.profiles import PROFILES, Profile
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage import models
from ncpi_desktop.storage.database import open_database

Progress = Callable[[int, int, str], None]

CHUNK_ROWS = 50_000
#: Tables receiving this many rows or more get their indexes after the rows (SQLite).
DEFER_INDEXES_ROWS = 50_000

#: Table name -> (model, the register's frame), in the order foreign keys need.
TABLES: tuple[tuple[str, type[SQLModel], str], ...] = (
    ("manager", models.Manager, "managers"),
    ("rso", models.Rso, "rsos"),
    ("allocation", models.Allocation, "allocations"),
    ("visit", models.Visit, "visits"),
    ("arms", models.Arms, "arms"),
    ("civil_order", models.CivilOrder, "orders"),
    ("management_decision", models.ManagementDecision, "decisions"),
)


def profile_names() -> list[str]:
    return list(PROFILES)


def _column_values(values: pd.Series) -> list[Any]:
    """One column as Python values SQLAlchemy's types take: dates as ``date``, blanks as None."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return list(values.dt.to_pydatetime())
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.to_numpy("datetime64[D]").astype(object).tolist()
    return _plain_values(values)


def _plain_values(values: pd.Series) -> list[Any]:
    """Numbers, booleans and text as Python values; whole floats as ints; blanks as None."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(bool).tolist()
    if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        return values.to_numpy().tolist()
    if pd.api.types.is_float_dtype(values.dtype):
        array = values.to_numpy(float)
        missing = np.isnan(array)
        whole = np.where(missing, 0, array)
        if np.array_equal(whole, np.round(whole)):
            out = whole.astype(np.int64).astype(object)
        else:
            out = array.astype(object)
        out[missing] = None
        return out.tolist()
    array = values.to_numpy(object)
    return np.where(values.isna().to_numpy(), None, array).tolist()


def _sqlite_values(values: pd.Series) -> list[Any]:
    """One column as SQLAlchemy's SQLite types store it, worked out for the whole column:
    dates as ``YYYY-MM-DD``, date-times as ``YYYY-MM-DD HH:MM:SS.ffffff``, booleans as 0/1."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(
            values.dtype):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
        text = values.dt.strftime(SQLITE_DATETIME).to_numpy(object)
        return np.where(values.isna().to_numpy(), None, text).tolist()
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(bool).astype(np.int64).tolist()
    return _plain_values(values)


#: How SQLAlchemy's SQLite DATETIME stores a value (the zone is not stored).
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def _date_columns(frame: pd.DataFrame, table: Table) -> set[str]:
    return {c.name for c in table.columns
            if c.name in frame.columns and isinstance(c.type, sqltypes.Date)
            and not isinstance(c.type, sqltypes.DateTime)}


@contextmanager
def _indexes_deferred(connection: Connection, table: Table) -> Iterator[None]:
    """SQLite: drop the table's secondary indexes, and make them again (from the very SQL the
    migration stored) once the rows are in: one sorted build instead of a million inserts."""
    saved = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL", (table.name,)).all()
    quote = connection.dialect.identifier_preparer.quote
    for name, _ in saved:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, sql in saved:
        connection.exec_driver_sql(sql)


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame, *,
                 driver: bool | None = None, chunk: int = CHUNK_ROWS,
                 defer_indexes_from: int = DEFER_INDEXES_ROWS) -> int:
    """Insert a frame's rows in chunks (executemany) inside the caller's transaction.

    On SQLite the rows go to the driver's ``executemany`` with each column already in the form
    SQLAlchemy's types would store (three times faster for 1.5 million visits than binding every
    value through them), and a table receiving ``defer_indexes_from`` rows or more has its
    secondary indexes built after the rows; elsewhere, or with ``driver=False``, the rows go
    through ``insert(table)``.
    """
    use_driver = connection.dialect.name == "sqlite" if driver is None else driver
    if use_driver and len(frame) >= defer_indexes_from:
        with _indexes_deferred(connection, table):
            return insert_frame(connection, table, frame, driver=True, chunk=chunk,
                                defer_indexes_from=len(frame) + 1)
    keys = list(frame.columns)
    dates = _date_columns(frame, table)
    quote = connection.dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(k) for k in keys)}) "
           f"VALUES ({', '.join('?' for _ in keys)})")
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start:start + chunk]
        if use_driver:
            columns = [_sqlite_values(part[k]) if k not in dates
                       else _sqlite_dates(part[k]) for k in keys]
            connection.exec_driver_sql(sql, list(zip(*columns, strict=True)))
        else:
            columns = [_column_values(part[k]) for k in keys]
            connection.execute(insert(table), [dict(zip(keys, row, strict=True))
                                               for row in zip(*columns, strict=True)])
    return len(frame)


def _sqlite_dates(values: pd.Series) -> list[Any]:
    """Dates as ``YYYY-MM-DD`` text, each distinct date formatted once (NaT as None)."""
    days = values.to_numpy("datetime64[D]")
    distinct, position = np.unique(days, return_inverse=True)
    text = np.datetime_as_string(distinct, unit="D").astype(object)
    text[np.isnat(distinct)] = None
    return text[position].tolist()


def write_register(connection: Connection, register: Register, profile: Profile,
                   progress: Progress | None = None, first_step: int = 0,
                   total_steps: int | None = None, driver: bool | None = None
                   ) -> dict[str, int]:
    """Insert every table of ``register`` in the caller's transaction; returns rows per table."""
    report = progress or (lambda _done, _total, _what: None)
    total = total_steps or len(TABLES) + 1
    counts: dict[str, int] = {}
    for step, (name, model, attribute) in enumerate(TABLES, start=first_step):
        frame: pd.DataFrame = getattr(register, attribute)
        report(step, total, f"Writing {name} ({len(frame):,} rows)")
        counts[name] = insert_frame(connection, model.__table__, frame,  # type: ignore[attr-defined]
                                    driver=driver)
    report(first_step + len(TABLES), total, "Writing audit")
    detail = {"profile": profile.name, "seed": profile.seed,
              "as_at": register.as_at.isoformat(), "counts": counts}
    connection.execute(insert(models.AuditEntry.__table__).values(  # type: ignore[attr-defined]
        at=datetime.now(UTC), actor="demo", operation="build demo",
        detail=json.dumps({"before": None, "after": detail}, sort_keys=True)))
    counts["audit"] = 1
    return counts


def build_demo(path: Path | str, profile: str,
               progress: Progress | None = None, *, scale: float = 1.0,
               as_at: date | None = None) -> dict[str, int]:
    """Create the demo database ``path`` for ``profile`` ("lancashire-2017" or "national").

    The same profile (and as-at date) gives the same register every time. ``scale`` and ``as_at``
    exist for tests: the national profile built small, at a fixed date.
    Returns the rows written per table.
    """
    if profile not in PROFILES:
        raise ValueError(f"Unknown demo profile {profile!r}: choose from {', '.join(PROFILES)}")
    spec = PROFILES[profile].scaled(scale)
    report = progress or (lambda _done, _total, _what: None)
    total = 3 + len(TABLES) + 1
    report(0, total, "Creating database")
    engine = open_database(path, create=True)
    try:
        report(1, total, f"Generating the {spec.name} register")
        register = generate(spec, as_at=as_at, policy=Policy())
        with engine.begin() as connection:
            counts = write_register(connection, register, spec, report, first_step=2,
                                    total_steps=total)
    finally:
        engine.dispose()
    report(total, total, "Done")
    return counts
