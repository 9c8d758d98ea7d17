"""Columns of a frame turned, a whole column at a time, into the values a bulk write hands the
driver: used by ``storage.bulk`` (SQLite's multi-row INSERTs) and ``storage.pg_copy``
(PostgreSQL's COPY). Blanks (None, NaN, NaT, pd.NA) become None; a frame's own arrays are never
altered."""

from __future__ import annotations

import numpy as np
import pandas as pd


def objects(values: pd.Series) -> np.ndarray:
    """Values as they are, blanks (None, NaN, NaT, pd.NA) as None; never the frame's own array
    altered."""
    array = values.to_numpy(object)
    missing = pd.isna(array)
    return np.where(missing, None, array) if missing.any() else array


def text_like(values: pd.Series) -> bool:
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in (
        "string", "empty")


def iso_dates(values: pd.Series) -> np.ndarray:
    """Dates as ``YYYY-MM-DD`` text, each distinct date formatted once; ISO text as it is."""
    if text_like(values):
        return objects(values)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    days = np.asarray(values.to_numpy(), dtype="datetime64[D]")
    distinct, position = np.unique(days, return_inverse=True)
    text = np.datetime_as_string(distinct, unit="D").astype(object)
    text[np.isnat(distinct)] = None
    return text[position.reshape(-1)]


def booleans(values: pd.Series) -> np.ndarray:
    """Booleans as 0/1, blanks as None."""
    if values.dtype == np.bool_:
        return values.to_numpy(bool).astype(np.int64).astype(object)
    array = values.to_numpy(object)
    missing = pd.isna(array)
    flags = np.where(missing, False, array).astype(bool).astype(np.int64).astype(object)
    flags[missing] = None
    return flags


def numbers(values: pd.Series, *, whole: bool) -> np.ndarray:
    """Numbers as Python ints and floats (whole floats as ints in an integer column), blanks as
    None; never numpy scalars, which the driver cannot bind."""
    if values.dtype == np.bool_:
        return values.to_numpy(bool).astype(np.int64).astype(object)
    if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        return values.to_numpy(np.int64).astype(object)
    if not pd.api.types.is_float_dtype(values.dtype):
        values = pd.to_numeric(pd.Series(objects(values), index=values.index))
        if pd.api.types.is_integer_dtype(values.dtype):
            return values.to_numpy(np.int64).astype(object)
    array = values.to_numpy(float, na_value=np.nan)
    missing = np.isnan(array)
    if whole:
        safe = np.where(missing, 0.0, array)
        if np.array_equal(safe, np.round(safe)):
            out = safe.astype(np.int64).astype(object)
            out[missing] = None
            return out
    out = array.astype(object)
    out[missing] = None
    return out
