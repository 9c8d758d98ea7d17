"""Calendar arithmetic over whole columns."""

from __future__ import annotations

import numpy as np
import pandas as pd


def add_months(dates: pd.Series, months: pd.Series | int) -> pd.Series:
    """Add calendar months, clipping to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    values = dates.to_numpy("datetime64[D]")
    if np.isscalar(months):
        months_arr = np.full(len(values), int(months), dtype="int64")
    else:
        months_arr = pd.Series(months).fillna(0).to_numpy("int64")
    month_start = values.astype("datetime64[M]")
    day_offset = (values - month_start.astype("datetime64[D]")).astype("int64")
    target_month = month_start + months_arr.astype("timedelta64[M]")
    next_month = (target_month + np.timedelta64(1, "M")).astype("datetime64[D]")
    last_day = (next_month - target_month.astype("datetime64[D]")).astype("int64") - 1
    result = target_month.astype("datetime64[D]") + np.minimum(day_offset, last_day).astype(
        "timedelta64[D]")
    out = pd.Series(result, index=dates.index).astype("datetime64[s]")
    return out.where(dates.notna())


def add_years(dates: pd.Series, years: int) -> pd.Series:
    return add_months(dates, 12 * years)


def age_in_years(born: pd.Series, on: pd.Timestamp) -> pd.Series:
    """Whole years of age on a date."""
    had_birthday = (born.dt.month < on.month) | (
        (born.dt.month == on.month) & (born.dt.day <= on.day))
    return on.year - born.dt.year - (~had_birthday).astype(int)
