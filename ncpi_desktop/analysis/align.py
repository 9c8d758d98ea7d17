"""Per-RSO frames joined to the register by row number, not by rso_id.

Hashing 100,000 rso_id strings costs more than most rules: the register's row keys and ids are
hashed once per snapshot (``Snapshot.rows_of``), every frame keyed by rso_id (visits, ARMS,
orders, decisions) is turned into row numbers once, and columns are gathered by position. A gathered
column is what ``reindex`` would give: blanks (NaN, NaT, NA) where a register row has no match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from ncpi_desktop.storage.snapshot import Snapshot


def as_categorical(values: pd.Series) -> pd.Series:
    """``values`` as a categorical (as it is if it is one), factorised once for the many
    questions asked of it."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    codes, uniques = factorised(values)
    return pd.Series(pd.Categorical.from_codes(codes, categories=uniques), index=values.index,
                     name=values.name)


def row_of_each_rso(snapshot: Snapshot, keyed: pd.DataFrame | pd.Index,
                    latest: pd.Series | None = None) -> np.ndarray:
    """For each row of ``snapshot.rsos``: the position in ``keyed`` (a frame with rso_id, and
    the database row key when read with the register; or an index of rso_ids) of its RSO, or -1.

    Where an RSO appears more than once, the position with the greatest ``latest`` (a date
    column beside ``keyed``; the last such row among equals) is taken.
    """
    found = (snapshot.rows_of(keyed) if isinstance(keyed, pd.DataFrame)
             else snapshot.rso_rows(keyed))
    rows = np.full(len(snapshot.rsos), -1, dtype=np.int64)
    positions = np.flatnonzero(found >= 0)
    found = found[positions]
    if latest is not None and len(positions):
        when = latest.to_numpy("datetime64[s]").view(np.int64)[positions]
        when = np.where(when == np.iinfo(np.int64).min, np.iinfo(np.int64).max, when)  # NaT last
        newest = np.full(len(rows), np.iinfo(np.int64).min)
        np.maximum.at(newest, found, when)
        keep = when == newest[found]
        positions, found = positions[keep], found[keep]
    np.maximum.at(rows, found, positions)  # of equals, the last
    return rows


def in_register_order(snapshot: Snapshot, frame: pd.DataFrame) -> pd.DataFrame:
    """A frame indexed by rso_id, in the snapshot's row order: as it is when it already is,
    else gathered (blanks for an RSO it has no row for)."""
    if aligned(frame.index, snapshot.rsos["rso_id"]):
        return frame
    rows = row_of_each_rso(snapshot, frame.index)
    index = pd.Index(snapshot.rsos["rso_id"], name="rso_id")
    return pd.DataFrame({column: take(frame[column], rows, index) for column in frame.columns},
                        index=index)


def aligned(left: pd.Series | pd.Index | np.ndarray, right: pd.Series | pd.Index | np.ndarray,
            ) -> bool:
    """Whether two id columns list the same ids in the same order (frames join by position).
    Columns sharing one array (a frame and its copies) are known to without comparing; text
    held by pyarrow is compared there, without making a Python string of every id."""
    if len(left) != len(right):
        return False
    a, b = held(left), held(right)
    if a is b:
        return True
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.dtype == b.dtype and a.strides == b.strides and (
                a.size == 0 or a.ctypes.data == b.ctypes.data):
            return True
    elif type(a) is type(b) and a.dtype == b.dtype:
        return bool(a.equals(b))
    return bool((np.asarray(a, dtype=object) == np.asarray(b, dtype=object)).all())


def held(values: pd.Series | pd.Index | np.ndarray) -> np.ndarray | ExtensionArray:
    """The array holding ``values``, as it is: the numpy array where numpy holds them (text of
    the "python" storage is an object array), else pandas' extension array (pyarrow text,
    categoricals, nullable integers), which converting to numpy would copy."""
    array = values.array if isinstance(values, (pd.Series, pd.Index)) else values
    if isinstance(array, pd.arrays.NumpyExtensionArray):
        return array.to_numpy()
    return array


def take(values: pd.Series, rows: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """``values`` at positions ``rows`` (-1: blank), on ``index`` (default: 0..n-1), typed as
    ``reindex`` would type them (text stays text, object stays object)."""
    taken = values.array.take(rows, allow_fill=True)
    return pd.Series(taken, index=index, dtype=object if values.dtype == object else None)


def factorised(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of a column: each row's code (-1: blank) and the distinct values (an
    object array). A categorical gives the codes it holds; numpy-held text is factorised as the
    object array it is (pandas' text path copies it and finds its blanks first: about 4% of
    ``compute_figures`` on a national register, in a fresh process)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), np.asarray(values.cat.categories, dtype=object)
    codes, uniques = pd.factorize(held(values))
    return codes, np.asarray(uniques, dtype=object)


def is_in(values: pd.Series, *wanted: str) -> np.ndarray:
    """Rows whose value is one of ``wanted`` (blanks never are), as a numpy mask: on the codes of
    a categorical, else one numpy comparison per value rather than pandas' string machinery."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # on the few categories, then the codes
        codes, known = factorised(values)
        return np.append(np.isin(known, np.array(wanted, dtype=object)), False)[codes]
    array = held(values)
    if not isinstance(array, np.ndarray):
        return values.isin(list(wanted)).to_numpy(bool)
    hit = np.zeros(len(array), dtype=bool)
    for value in wanted:
        hit |= array == value
    return hit


def each_value(values: pd.Series, fmt: Callable[[Any], Any]) -> np.ndarray:
    """``fmt`` of each row's value, computed once per distinct value (a few risk levels or
    statuses over 100,000 rows); ``fmt(None)`` for blanks."""
    codes, table = value_table(values, fmt)
    return table[codes]


def value_table(values: pd.Series, fmt: Callable[[Any], Any]) -> tuple[np.ndarray, np.ndarray]:
    """``each_value`` as each row's code in a table of ``fmt`` of the distinct values (blanks
    last, coded ``len(table) - 1``): ``table[codes]`` is ``each_value(values, fmt)``."""
    codes, uniques = factorised(values)
    table = np.array([fmt(value) for value in uniques] + [fmt(None)], dtype=object)
    return np.where(codes < 0, len(uniques), codes), table


def distinct_codes(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of integer codes (one array per key, -1 a code like any other): each
    row's distinct combination, numbered 0, 1, ... in order of first appearance, and the first
    row of each."""
    combined = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    span = 1  # combined < span
    for part in codes:
        width = int(part.max(initial=-1)) + 2
        if span * width >= 2**62:  # renumber before the combination could overflow
            combined = pd.factorize(combined)[0]
            span = int(combined.max(initial=0)) + 1
        combined = combined * width + part.astype(np.int64) + 1
        span *= width
    combined = pd.factorize(combined)[0]
    if not len(combined):
        return combined, combined
    # Numbered in order of first appearance: a row is the first of its combination exactly
    # where the number exceeds every number before it.
    newest = np.maximum.accumulate(combined)
    first = np.flatnonzero(np.r_[True, combined[1:] > newest[:-1]])
    return combined, first
