"""Per-RSO frames joined to the register by row number, not by rso_id.

Hashing 100,000 rso_id strings costs more than most rules: the register's ids are hashed once
per snapshot (``Snapshot.rso_index``), every frame keyed by rso_id (visits, ARMS, orders,
decisions) is turned into row numbers once, and columns are gathered by position. A gathered
column is what ``reindex`` would give: blanks (NaN, NaT, NA) where a register row has no match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.storage.snapshot import Snapshot


def row_of_each_rso(snapshot: Snapshot, rso_ids: pd.Series | pd.Index,
                    latest: pd.Series | None = None) -> np.ndarray:
    """For each row of ``snapshot.rsos``: the position in ``rso_ids`` of its RSO, or -1.

    Where an RSO appears more than once, the position with the greatest ``latest`` (a date
    column beside ``rso_ids``; the last such row among equals) is taken.
    """
    found = snapshot.rso_rows(rso_ids)
    rows = np.full(len(snapshot.rsos), -1, dtype=np.int64)
    positions = np.flatnonzero(found >= 0)
    if latest is None:
        order = np.argsort(found[positions], kind="stable")
    else:
        when = latest.to_numpy("datetime64[s]").view(np.int64)[positions]
        when = np.where(when == np.iinfo(np.int64).min, np.iinfo(np.int64).max, when)  # NaT last
        order = np.lexsort((when, found[positions]))
    positions = positions[order]
    keys = found[positions]
    last = np.r_[keys[1:] != keys[:-1], True] if len(keys) else np.zeros(0, dtype=bool)
    rows[keys[last]] = positions[last]
    return rows


def aligned(left: pd.Series | pd.Index | np.ndarray, right: pd.Series | pd.Index | np.ndarray,
            ) -> bool:
    """Whether two id columns list the same ids in the same order (frames join by position).
    Columns sharing one array (a frame and its copies) are known to without comparing."""
    if len(left) != len(right):
        return False
    a, b = np.asarray(left), np.asarray(right)
    if a.dtype == b.dtype and a.strides == b.strides and (
            a.size == 0 or a.ctypes.data == b.ctypes.data):
        return True
    return bool((a.astype(object) == b.astype(object)).all())


def take(values: pd.Series, rows: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """``values`` at positions ``rows`` (-1: blank), on ``index`` (default: 0..n-1), typed as
    ``reindex`` would type them (text stays text, object stays object)."""
    taken = values.array.take(rows, allow_fill=True)
    return pd.Series(taken, index=index, dtype=object if values.dtype == object else None)


def is_in(values: pd.Series, *wanted: str) -> np.ndarray:
    """Rows whose value is one of ``wanted`` (blanks never are), as a numpy mask: one numpy
    comparison per value rather than pandas' string machinery."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.isin(list(wanted)).to_numpy(bool)
    array = values.to_numpy(object)
    hit = np.zeros(len(array), dtype=bool)
    for value in wanted:
        hit |= array == value
    return hit


def each_value(values: pd.Series, fmt: Callable[[Any], Any]) -> np.ndarray:
    """``fmt`` of each row's value, computed once per distinct value (a few risk levels or
    statuses over 100,000 rows); ``fmt(None)`` for blanks."""
    codes, uniques = pd.factorize(values)
    table = np.array([fmt(value) for value in uniques] + [fmt(None)], dtype=object)
    return table[codes]
