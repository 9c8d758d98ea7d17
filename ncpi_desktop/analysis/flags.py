"""Flags as boolean columns with a "why" sentence beside each, and helpers to read them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def flag_column(name: str) -> str:
    return f"flag_{name}"


def why_column(name: str) -> str:
    return f"why_{name}"


def severity_column(name: str) -> str:
    """A graded flag's grade: 0 not raised, 1 (amber) up to the severe share of its limit,
    2 (red) above it."""
    return f"severity_{name}"


def grade(amount: np.ndarray | pd.Series, limit: np.ndarray | pd.Series, severe_share: float,
          epsilon: float) -> np.ndarray:
    """Per row, how far ``amount`` is above ``limit``: 0 not strictly above it (within
    ``epsilon``), 1 above it up to ``severe_share`` times it, 2 strictly above that."""
    amount = np.asarray(amount, dtype=float)
    limit = np.asarray(limit, dtype=float)
    over = amount > limit + epsilon
    severe = over & (amount > severe_share * limit + epsilon)
    return over.astype(np.int8) + severe.astype(np.int8)


def _in_frame_order(frame: pd.DataFrame, values: pd.Series | np.ndarray) -> np.ndarray:
    """A Series by the frame's index (as assigning it would align it), an array by position."""
    if isinstance(values, pd.Series):
        if not values.index.equals(frame.index):
            values = values.reindex(frame.index)
        return values.to_numpy()
    return np.asarray(values)


def set_flag(frame: pd.DataFrame, name: str, mask: pd.Series | np.ndarray,
             why: pd.Series | np.ndarray | str) -> None:
    """Store flag ``name`` and its sentence (blank where the flag is not raised).

    ``mask`` and ``why`` are Series on the frame's index or arrays in its row order, or ``why``
    is the one sentence of every raised row; ``why`` is read only where the flag is raised
    (blanks there become "").
    """
    raised = _in_frame_order(frame, mask)
    if raised.dtype != bool:
        raised = pd.Series(raised).fillna(False).to_numpy(bool)
    texts = repeated("", len(raised))
    if isinstance(why, str):
        texts[raised] = why
    else:
        picked = np.asarray(_in_frame_order(frame, why), dtype=object)[raised]
        picked[pd.isna(picked)] = ""
        texts[raised] = picked
    frame[flag_column(name)] = raised
    frame[why_column(name)] = pd.Series(texts, index=frame.index, dtype=object)


def why_texts(mask: np.ndarray, rows: pd.DataFrame,
              make: Callable[[pd.DataFrame], Any]) -> np.ndarray:
    """``make``'s sentences for ``rows`` (the columns a sentence is made of, one row per raised
    row of ``mask``) on the rows of ``mask``, "" elsewhere: sentences are made only for the
    rows that need one."""
    out = repeated("", len(mask))
    if mask.any():
        out[mask] = np.asarray(make(rows), dtype=object)
    return out


def repeated(text: str, length: int) -> np.ndarray:
    """An object array of ``length`` rows each holding ``text``: the one string, where
    ``np.full`` would make a copy of it for every row."""
    out = np.empty(length, dtype=object)
    out.fill(text)
    return out


def flag_names(frame: pd.DataFrame) -> list[str]:
    return [c.removeprefix("flag_") for c in frame.columns if c.startswith("flag_")]


def flag_lists(frame: pd.DataFrame, names: list[str] | None = None
               ) -> tuple[list[list[str]], list[list[str]]]:
    """Per row: the raised flags and their sentences, in ``names`` order."""
    names = flag_names(frame) if names is None else names
    if not names or frame.empty:
        return [[] for _ in range(len(frame))], [[] for _ in range(len(frame))]
    raised = np.column_stack([frame[flag_column(n)].to_numpy(bool) for n in names])
    whys = np.column_stack([frame[why_column(n)].to_numpy(object) for n in names])
    # Row-major: each row's raised flags come out together, in ``names`` order; slicing one flat
    # list per row is far cheaper than indexing numpy once per row (100,000 RSOs).
    rows, columns = np.nonzero(raised)
    flat_flags = np.array(names, dtype=object)[columns].tolist()
    flat_whys = whys[rows, columns].tolist()
    ends = np.cumsum(raised.sum(axis=1)).tolist()
    starts = [0, *ends[:-1]]
    flags = [flat_flags[a:b] for a, b in zip(starts, ends, strict=True)]
    reasons = [flat_whys[a:b] for a, b in zip(starts, ends, strict=True)]
    return flags, reasons


def any_flag(frame: pd.DataFrame) -> pd.Series:
    columns = [flag_column(n) for n in flag_names(frame)]
    if not columns:
        return pd.Series(False, index=frame.index)
    return frame[columns].any(axis=1)


def texts(values: pd.Series, fmt: Callable[[Any], str] = str) -> pd.Series:
    """Each value formatted, as an object column even when empty (so sentences can be joined);
    each distinct value is formatted once (two thousand managers have a few dozen FTEs)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    table = np.array([fmt(value) for value in uniques.tolist()], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


def python_value(value: Any) -> Any:
    """A frame's cell as a plain Python value (numpy scalars unwrapped); None where missing
    (None, NA, NaT, NaN). Timestamps and other objects are returned as they are."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
