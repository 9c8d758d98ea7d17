"""The generator's shared vocabulary: units of time, risk codes, and small helpers over whole
numpy arrays (counts in proportion, weighted draws, whole days, calendar months, identifiers,
offsets to dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import numpy as np

from ncpi_desktop.domain.enums import RiskLevel

YEAR = 365.25
MONTH = YEAR / 12

RISKS = np.array([r.value for r in RiskLevel], dtype=object)  # low, medium, high, very_high
LOW, MEDIUM, HIGH, VERY_HIGH = range(4)


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers summing to ``total`` in proportion to ``weights`` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        order = np.lexsort((np.arange(len(weights)), -(exact - counts)))
        counts[order[:short]] += 1
    return counts


def pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` items drawn without replacement with probability by weight."""
    weights = np.asarray(weights, dtype=float)
    k = min(k, int((weights > 0).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=len(weights)) / weights
    return np.argsort(keys, kind="stable")[:k]


def uniform_days(rng: np.random.Generator, low: np.ndarray | float, high: np.ndarray | float,
                 size: int) -> np.ndarray:
    """Whole days uniformly in [low, high] (high below low gives low)."""
    low = np.broadcast_to(np.asarray(low, dtype=float), (size,))
    high = np.maximum(np.broadcast_to(np.asarray(high, dtype=float), (size,)), low)
    return np.floor(low + rng.random(size) * (high - low + 1)).astype(np.int64)


def group_ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, 2... within each run of ``np.repeat(x, counts)``."""
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(int(counts.sum())) - starts


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """datetime64[D] plus whole calendar months, clipped to the month's last day."""
    month_start = days.astype("datetime64[M]")
    day = (days - month_start.astype("datetime64[D]")).astype(np.int64)
    target = month_start + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64)
    return target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")


def codes(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Identifiers such as ``R0001``: ``prefix`` and each number zero-filled to ``width``."""
    return np.char.add(prefix, np.char.zfill(np.asarray(numbers).astype(str), width)).astype(
        object)


class Clock:
    """Offsets (days before the as-at date) to dates and back."""

    def __init__(self, as_at: date) -> None:
        self.as_at = as_at
        self.day = np.datetime64(as_at, "D")

    def offset(self, when: date) -> int:
        return (self.as_at - when).days

    def dates(self, offsets: np.ndarray) -> np.ndarray:
        """datetime64[D]; NaN offsets become NaT."""
        offsets = np.asarray(offsets, dtype=float)
        missing = np.isnan(offsets)
        out = self.day - np.where(missing, 0, offsets).astype(np.int64).astype("timedelta64[D]")
        out[missing] = np.datetime64("NaT")
        return out

    def offsets(self, days: np.ndarray) -> np.ndarray:
        return (self.day - days).astype(np.int64)


def python_dates(days: np.ndarray) -> np.ndarray:
    """datetime64[D] to ``datetime.date`` objects (NaT to None), which the database layer takes."""
    return np.asarray(days, dtype="datetime64[D]").astype(object)


def recorded_times(days: np.ndarray, at: time) -> np.ndarray:
    """When a dated entry was recorded: that day at ``at`` UTC (aware, as the audit needs)."""
    unique, inverse = np.unique(days, return_inverse=True)
    stamps = np.array([datetime.combine(d, at, tzinfo=UTC) for d in python_dates(unique)],
                      dtype=object)
    return stamps[inverse]
