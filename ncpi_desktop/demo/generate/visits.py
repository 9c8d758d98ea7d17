"""Home visits: a series back from each RSO's latest visit at the interval their risk (or their
own plan) sets, a few overdue, with failed attempts (no access) among them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.demo.generate.arrays import (
    MONTH,
    RISKS,
    YEAR,
    Clock,
    add_months,
    group_ranks,
    uniform_days,
)
from ncpi_desktop.demo.profiles import Profile
from ncpi_desktop.domain.enums import RiskLevel, Status, VisitOutcome
from ncpi_desktop.domain.policy import Policy

#: Mean gap between completed visits as a multiple of interval x spacing (see ``_series``).
MEAN_GAP = 0.98 + 0.06 * 0.475


def _interval_months(frame: pd.DataFrame, reactive: np.ndarray, policy: Policy) -> np.ndarray:
    """Each RSO's visit interval in months: their own, else their risk level's; the reactive
    are visited at the low-risk interval."""
    risk = frame["risk"].to_numpy()
    default = np.array([policy.visit_interval_months(RiskLevel(r)) for r in RISKS])[risk]
    months = np.where(np.isnan(frame["own_months"].to_numpy()), default,
                      frame["own_months"].to_numpy()).astype(np.int64)
    return np.where(reactive, policy.visit_interval_low_months, months)


def _latest_visit(profile: Profile, rng: np.random.Generator, clock: Clock, frame: pd.DataFrame,
                  reactive: np.ndarray, decided: np.ndarray, policy: Policy,
                  months: np.ndarray, interval: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who is overdue, days until the next visit is due (negative: overdue) and the latest
    completed visit (an offset, NaN where none has been made)."""
    n = len(frame)
    status = frame["status"].to_numpy()
    community = frame["community_off"].to_numpy()
    left = frame["left_off"].to_numpy()
    allowance = policy.first_visit_allowance_days
    # The next visit is due in the future for most, overdue for some (a few by months).
    active = (status == Status.COMMUNITY.value) & ~reactive
    overdue = active & (rng.random(n) < profile.overdue_share)
    due_in = np.where(overdue, -(1 + np.minimum(np.floor(rng.exponential(32, n)), 400)),
                      np.floor(rng.random(n) * interval))
    due = clock.day + np.where(np.isnan(due_in), 0, due_in).astype(np.int64).astype(
        "timedelta64[D]")
    last = clock.offsets(add_months(due, -months)).astype(float)
    # Entered the community since: first visit a few weeks after release, or not yet made.
    first_visit = community - uniform_days(rng, 3, allowance + 14, n)
    recent = active & (last > community - 3)
    last = np.where(recent, first_visit, last)
    last = np.where(active & (last < 0), np.nan, last)
    not_yet = active & (community <= allowance + 20) & (rng.random(n) < 0.5)
    last = np.where(not_yet, np.nan, last)
    # Reactive: last visited around the decision. Elsewhere: last visited before leaving.
    last = np.where(reactive, decided + uniform_days(rng, 0, 21, n), last)
    away = ~np.isnan(left)
    last = np.where(away, left + uniform_days(rng, 7, 120, n), last)
    last = np.where(last > community - 3, np.nan, last)
    return overdue, due_in, last


def _spacing(profile: Profile, last: np.ndarray, first: np.ndarray,
             interval_days: np.ndarray) -> float:
    """The gap between visits as a multiple of the interval.

    Where the history is too short for the visits asked for (an early as-at date, a small
    scale), visits come a little closer together; the oldest beyond the count are dropped.
    """
    spacing = profile.visit_gap
    if profile.visits is not None:
        span = np.maximum(first - last, 0)
        expected = float(np.sum(span / (spacing * interval_days * MEAN_GAP) + 1))
        # (Failed attempts, about one visit in twenty, make up the same-day visits dropped.)
        if expected < profile.visits:
            spacing *= max(expected / profile.visits, 0.5)
    return spacing


def _series(rng: np.random.Generator, who: np.ndarray, last: np.ndarray, first: np.ndarray,
            interval_days: np.ndarray, spacing: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Completed visits back from ``last`` to no earlier than ``first`` (offsets).

    Gaps follow the interval, mostly a little early or late, now and then very late.
    Returns (rso index, offset, rank back from the latest).
    """
    span = first - last
    count = np.floor(np.maximum(span, 0) / (0.85 * spacing * interval_days)).astype(np.int64) + 1
    rso = np.repeat(who, count)
    rank = group_ranks(count)
    gap = np.repeat(interval_days, count) * rng.uniform(0.86, 1.1, len(rso)) * spacing
    late = rng.random(len(rso)) < 0.06
    gap = np.where(late, gap + np.repeat(interval_days, count) * rng.uniform(0.15, 0.8, len(rso)),
                   gap)
    gap[rank == 0] = 0
    total = np.cumsum(gap)
    before = np.repeat(total[np.cumsum(count) - count], count)
    off = np.repeat(last, count) + np.floor(total - before)
    keep = off <= np.repeat(first, count)
    return rso[keep], off[keep], rank[keep]


def _attempts_before(rng: np.random.Generator, off: np.ndarray, first: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """No access a few days before some completed visits (at ``off``, no earlier than
    ``first``): which visits, and the attempts' offsets."""
    tried = rng.random(len(off)) < 0.05
    tried_off = np.minimum(off + uniform_days(rng, 3, 21, len(off)), first)
    tried &= tried_off > off
    return tried, tried_off


def _failed_attempts(rng: np.random.Generator, frame: pd.DataFrame, overdue: np.ndarray,
                     due_in: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """No access since the latest visit for some of the overdue, and for the missing:
    (rso index, offset) of each failed attempt."""
    n = len(frame)
    left = frame["left_off"].to_numpy()
    fails = np.where(overdue, rng.choice([0, 1, 2, 3], n, p=[0.6, 0.18, 0.16, 0.06]), 0)
    fails = np.where(frame["status"].to_numpy() == Status.MISSING.value, rng.choice([2, 3], n),
                     fails)
    fails = np.where(np.isnan(last), 0, fails)
    failed_rso = np.repeat(np.arange(n), fails)
    since = np.where(overdue, -due_in, np.nan_to_num(last - left, nan=1.0))
    failed_off = np.floor(np.nan_to_num(left, nan=0.0)[failed_rso]
                          + rng.random(len(failed_rso)) * np.maximum(since[failed_rso], 1))
    failed_off = np.minimum(failed_off, last[failed_rso] - 1)
    failed_off = np.maximum(failed_off, 0)
    failed_ok = failed_off < last[failed_rso]
    return failed_rso[failed_ok], failed_off[failed_ok]


def _one_a_day(profile: Profile, rso: np.ndarray, off: np.ndarray, failed: np.ndarray,
               officers: np.ndarray) -> pd.DataFrame:
    """The visits table: same-day duplicates (a failed attempt on a completed visit's day)
    dropped, and no more than the profile's count, the most recent kept."""
    order = np.lexsort((failed, -off, rso))
    rso, off, failed, officers = rso[order], off[order], failed[order], officers[order]
    keep = np.ones(len(rso), dtype=bool)
    keep[1:] = (rso[1:] != rso[:-1]) | (off[1:] != off[:-1])
    if profile.visits is not None and int(keep.sum()) > profile.visits:
        # The register's history starts where the most recent ``visits`` visits reach back to.
        kept = np.flatnonzero(keep)
        oldest_first = kept[np.lexsort((rso[kept], off[kept]))]
        keep[oldest_first[profile.visits:]] = False
    outcome = np.where(failed, VisitOutcome.NO_ACCESS.value, VisitOutcome.COMPLETED.value)
    return pd.DataFrame({"rso": rso[keep], "off": off[keep],
                         "outcome": outcome[keep].astype(object), "officers": officers[keep]})


def visit_history(profile: Profile, rng: np.random.Generator, clock: Clock, frame: pd.DataFrame,
                  reactive: np.ndarray, decided: np.ndarray, policy: Policy) -> pd.DataFrame:
    """Completed visits and failed attempts: (rso index, offset, outcome, officers)."""
    months = _interval_months(frame, reactive, policy)
    interval = months * MONTH
    overdue, due_in, last = _latest_visit(profile, rng, clock, frame, reactive, decided, policy,
                                          months, interval)
    community = frame["community_off"].to_numpy()
    first = np.minimum(community - 3, profile.history_years * YEAR)
    who = np.flatnonzero(~np.isnan(last) & ~np.isnan(community))
    spacing = _spacing(profile, last[who], first[who], interval[who])
    rso, off, _rank = _series(rng, who, last[who], first[who], interval[who], spacing)
    two, one = policy.officers_per_visit, policy.officers_per_visit - 1
    officers = np.where(rng.random(len(rso)) < 0.015, one, two)

    tried, tried_off = _attempts_before(rng, off, first[rso])
    failed_rso, failed_off = _failed_attempts(rng, frame, overdue, due_in, last)
    attempts = int(tried.sum()) + len(failed_rso)
    return _one_a_day(
        profile,
        np.concatenate([rso, rso[tried], failed_rso]),
        np.concatenate([off, tried_off[tried], failed_off]),
        np.concatenate([np.zeros(len(rso), dtype=bool), np.ones(attempts, dtype=bool)]),
        np.concatenate([officers, np.where(rng.random(attempts) < 0.1, one, two)]))
