"""Bulk writes with SQLAlchemy Core (executemany): ORM objects cost 10x the time and memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

CHUNK_ROWS = 50_000


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Frame rows as dicts with NaN/NaT as None and numpy scalars as Python values."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict("records")


def bulk_insert(connection: Connection, model: type[SQLModel],
                rows: pd.DataFrame | Sequence[dict[str, Any]] | Iterable[dict[str, Any]],
                chunk: int = CHUNK_ROWS) -> int:
    """Insert rows in chunks inside the caller's transaction; returns how many."""
    table = model.__table__  # type: ignore[attr-defined]
    data = records(rows) if isinstance(rows, pd.DataFrame) else list(rows)
    for start in range(0, len(data), chunk):
        connection.execute(insert(table), data[start:start + chunk])
    return len(data)
