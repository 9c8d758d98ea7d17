"""Dates and numbers as the users read them: the one place for how a value is written.

Screens (``ui``), the performance pack and exports (``exchange``) and the sentences the rules
write (``analysis``, ``storage``'s refusals) all format through this module, so a date reads
DD/MM/YYYY and a share 15.5% everywhere. It sits just above ``domain`` and imports nothing of
the application but it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

#: The users' date: DD/MM/YYYY (strftime, and Qt's date edits).
DATE_FORMAT = "%d/%m/%Y"
#: A day within a run of dates whose year is said beside them (a week's column: 09/10): DD/MM.
DAY_MONTH_FORMAT = "%d/%m"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
#: The months and days by name, in English whatever the machine's locale (strftime's %b, %B
#: and %A follow the locale, which Qt sets from the desktop's on start).
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
QT_DATE_FORMAT = "dd/MM/yyyy"
#: What the pack prints for a figure that does not apply.
NOT_APPLICABLE = "–"


class Kind(StrEnum):
    """How a column's values read, on a screen, in the pack and in a workbook."""

    TEXT = "text"
    #: A code such as ``very_high``, written as a label: "Very high".
    LABEL = "label"
    INT = "int"
    #: One decimal (per FTE); infinity as ∞.
    RATIO = "ratio"
    #: As the why sentences write it: 1.0, 0.75.
    FTE = "fte"
    #: A share (0.155), shown 15.5%.
    PERCENT = "percent"
    #: A difference of shares, shown +3.2 pts.
    POINTS = "points"
    DATE = "date"
    DATETIME = "datetime"


NUMERIC_KINDS = frozenset({Kind.INT, Kind.RATIO, Kind.FTE, Kind.PERCENT, Kind.POINTS})


def is_blank(value: Any) -> bool:
    """None, NA, NaT and NaN: a value that is not there."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def uk_date(value: date | datetime | pd.Timestamp | np.datetime64 | str) -> str:
    """DD/MM/YYYY; an ISO date string is read first."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    elif isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    return value.strftime(DATE_FORMAT)


def uk_day_month(value: date | datetime | pd.Timestamp | np.datetime64) -> str:
    """DD/MM: the short heading of a day where its year is given beside it (the forecast's
    week columns; their tooltips and titles carry the full ``uk_date``)."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    return value.strftime(DAY_MONTH_FORMAT)


def uk_datetime(value: datetime | pd.Timestamp) -> str:
    """DD/MM/YYYY HH:MM."""
    return value.strftime(DATETIME_FORMAT)


def uk_month(value: date | datetime | pd.Timestamp) -> str:
    """A month on a chart's axis: "Oct 16" (its day and tooltip carry the full ``uk_date``)."""
    return f"{MONTH_NAMES[value.month - 1][:3]} {value.year % 100:02d}"


def uk_month_year(value: date | datetime | pd.Timestamp) -> str:
    """A month in a sentence: "October 2016"."""
    return f"{MONTH_NAMES[value.month - 1]} {value.year}"


def uk_weekday_date(value: date | datetime | pd.Timestamp) -> str:
    """A day with its name: "Monday 09/10/2017"."""
    return f"{DAY_NAMES[value.weekday()]} {uk_date(value)}"


def fmt_number(value: float, *, thousands: bool = False) -> str:
    """1.0 -> '1.0', 0.75 -> '0.75', 52.0 -> '52.0', 51.25 -> '51.25' (1,912.2 with
    ``thousands``)."""
    text = (f"{value:,.2f}" if thousands else f"{value:.2f}").rstrip("0")
    return text + "0" if text.endswith(".") else text


def fmt_percent(share: float) -> str:
    """A share for a sentence: 0.25 -> '25%', 0.155 -> '15.5%'."""
    text = f"{share * 100:.1f}".removesuffix(".0")
    return f"{text}%"


def plural(count: int, one: str, many: str | None = None) -> str:
    """'1 RSO', '1,204 RSOs'."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


#: "00" to "99": a day or month as the users read it, or half of a year.
_TWO_DIGITS = np.array([f"{number:02d}" for number in range(100)], dtype=object)


def _dd_mm_yyyy(days: pd.DatetimeIndex) -> np.ndarray:
    """``days.strftime("%d/%m/%Y")`` put together from the texts of their days, months and
    years (strftime formats every date in Python: a few thousand dates take milliseconds)."""
    years, year = np.unique(days.year.to_numpy(), return_inverse=True)
    year_text = np.array([f"{number:04d}" for number in years.tolist()], dtype=object)
    return (_TWO_DIGITS[days.day.to_numpy()] + "/" + _TWO_DIGITS[days.month.to_numpy()] + "/"
            + year_text[year])


def uk_dates(values: pd.Series) -> pd.Series:
    """A column of dates as DD/MM/YYYY text; blank where there is no date.

    Formats each distinct date once: a national register has 100,000 rows but a few thousand dates.
    """
    codes, uniques = pd.factorize(values)
    texts = np.append(_dd_mm_yyyy(pd.DatetimeIndex(uniques)), "")
    return pd.Series(texts[codes], index=values.index, dtype=object)


def _label(value: Any) -> str:
    return str(value).replace("_", " ").capitalize()


def _ratio(value: Any) -> str:
    value = float(value)
    return "∞" if math.isinf(value) else f"{value:,.1f}"


def _date(value: Any) -> str:
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, str):
        return uk_date(value) if _iso_date(value) else value
    if isinstance(value, datetime | date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def _iso_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _datetime(value: Any) -> str:
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    return value.strftime(DATETIME_FORMAT) if isinstance(value, datetime) else _date(value)


FORMATTERS: dict[Kind, Callable[[Any], str]] = {
    Kind.TEXT: str,
    Kind.LABEL: _label,
    Kind.INT: lambda value: f"{int(value):,}",
    Kind.RATIO: _ratio,
    Kind.FTE: lambda value: fmt_number(float(value), thousands=True),
    Kind.PERCENT: lambda value: f"{float(value) * 100:.1f}%",
    Kind.POINTS: lambda value: f"{float(value) * 100:+.1f} pts".replace("-", "−"),
    Kind.DATE: _date,
    Kind.DATETIME: _datetime,
}


def format_value(kind: Kind, value: Any, *, blank: str = "") -> str:
    """A value's text as ``kind`` reads: ``blank`` (empty on screens, a dash in the pack) for a
    value that is not there, never "nan"."""
    return blank if is_blank(value) else FORMATTERS[kind](value)
