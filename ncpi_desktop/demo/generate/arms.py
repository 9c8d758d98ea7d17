"""ARMS assessments: exactly the profile's share of the eligible with a current one, the rest
stale or never assessed, and earlier assessments behind them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.demo.generate.arrays import MONTH, YEAR, Clock, pick, uniform_days
from ncpi_desktop.demo.profiles import Profile
from ncpi_desktop.domain.enums import ArmsOutcome, Sex, Status
from ncpi_desktop.domain.policy import Policy

ARMS_BY_RISK = np.array([
    [0.72, 0.25, 0.03],  # low risk: ARMS low, medium, high
    [0.30, 0.55, 0.15],
    [0.05, 0.35, 0.60],
    [0.02, 0.18, 0.80],
])

#: Some RSOs' assessments: (rso index, offset, outcome), one array each.
Assessments = tuple[np.ndarray, np.ndarray, np.ndarray]


def _arms_eligible(clock: Clock, frame: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Rule 10's eligibility as the analysis computes it: community, male, adult at the as-at."""
    born = pd.Series(clock.dates(frame["born_off"].to_numpy()))
    on = pd.Timestamp(clock.as_at)
    had_birthday = (born.dt.month < on.month) | ((born.dt.month == on.month)
                                                 & (born.dt.day <= on.day))
    age = on.year - born.dt.year - (~had_birthday).astype(int)
    return ((frame["status"] == Status.COMMUNITY.value).to_numpy()
            & (frame["sex"] == Sex.MALE.value).to_numpy()
            & (age.to_numpy() >= policy.arms_adult_age_years))


def _arms_outcomes(rng: np.random.Generator, risk: np.ndarray) -> np.ndarray:
    cumulative = ARMS_BY_RISK[risk].cumsum(axis=1)
    drawn = (rng.random(len(risk))[:, None] > cumulative).sum(axis=1)
    values = np.array([a.value for a in ArmsOutcome], dtype=object)
    return values[np.minimum(drawn, 2)]


def _fresh_days(policy: Policy) -> float:
    """A current ARMS is at most arms_max_age_months old; keep clear of the boundary day."""
    return np.floor(policy.arms_max_age_months * MONTH) - 10


def _who_was_assessed(profile: Profile, rng: np.random.Generator, frame: pd.DataFrame,
                      reactive: np.ndarray, eligible: np.ndarray, fresh: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Who has a current ARMS (the reactive, then the most at risk more often), and who was
    assessed in the year before last (a year before the as-at date, those were the current)."""
    registered = frame["registered_off"].to_numpy()
    risk = frame["risk"].to_numpy()
    year = np.floor(YEAR)
    target = round(profile.arms_completion * int(eligible.sum()))
    current = reactive & eligible
    weights = np.array([1.0, 1.6, 3.0, 4.0])[risk] * (eligible & ~current)
    current[pick(rng, weights, target - int(current.sum()))] = True

    previous_year = np.zeros(len(frame), dtype=bool)
    room = eligible & (registered >= year + fresh + 5)
    previous_year[pick(rng, room.astype(float),
                       round(profile.arms_year_before * int(eligible.sum())))] = True
    return current, previous_year


def _latest(rng: np.random.Generator, frame: pd.DataFrame, eligible: np.ndarray,
            current: np.ndarray, previous_year: np.ndarray, fresh: float) -> np.ndarray:
    """Each RSO's latest ARMS (an offset, NaN where never assessed)."""
    n = len(frame)
    registered = frame["registered_off"].to_numpy()
    year = np.floor(YEAR)
    latest = np.full(n, np.nan)
    latest[current] = np.floor(np.minimum(fresh, registered[current])
                               * rng.random(int(current.sum())))
    stale = eligible & ~current
    stale_in_year = stale & previous_year
    latest[stale_in_year] = uniform_days(rng, year + 5, year + fresh, int(stale_in_year.sum()))
    # The rest of the stale: never assessed, or assessed long ago.
    old = stale & ~previous_year & (rng.random(n) < 0.35) & (registered > 2 * year + 10)
    latest[old] = uniform_days(rng, 2 * year + 5, registered[old], int(old.sum()))
    # Not eligible now (custody, abroad, missing) but assessed while in the community.
    elsewhere = (~eligible & (frame["sex"] == Sex.MALE.value).to_numpy()
                 & ~frame["juvenile"].to_numpy() & (rng.random(n) < 0.45))
    left = np.nan_to_num(frame["left_off"].to_numpy(), nan=0.0)
    low = np.maximum(left, 0)
    elsewhere &= registered > low + 30
    latest[elsewhere] = uniform_days(rng, low[elsewhere], registered[elsewhere],
                                     int(elsewhere.sum()))
    return latest


def _earlier(rng: np.random.Generator, risk: np.ndarray, registered: np.ndarray,
             earlier: np.ndarray, has: np.ndarray, latest: np.ndarray, fresh: float
             ) -> list[Assessments]:
    """Earlier assessments: the one a year before last, then older ones."""
    n = len(risk)
    year = np.floor(YEAR)
    earlier_off = uniform_days(rng, year + 5, year + fresh, n).astype(float)
    earlier_off = np.where(earlier & (earlier_off < registered), earlier_off, np.nan)
    others = has & ~earlier & (rng.random(n) < 0.3)
    older_off = latest + uniform_days(rng, 2 * year, 3 * year, n)
    earlier_off = np.where(others & (older_off < registered), older_off, earlier_off)
    more = ~np.isnan(earlier_off)
    rows = [(np.flatnonzero(more), earlier_off[more], _arms_outcomes(rng, risk)[more])]
    oldest_off = earlier_off + uniform_days(rng, year + 30, 2 * year, n)
    oldest = more & (rng.random(n) < 0.35) & (oldest_off < registered)
    rows.append((np.flatnonzero(oldest), oldest_off[oldest], _arms_outcomes(rng, risk)[oldest]))
    return rows


def arms_history(profile: Profile, rng: np.random.Generator, clock: Clock, frame: pd.DataFrame,
                 reactive: np.ndarray, policy: Policy) -> pd.DataFrame:
    """Exactly ``arms_completion`` of the eligible current, earlier assessments behind them."""
    eligible = _arms_eligible(clock, frame, policy)
    registered = frame["registered_off"].to_numpy()
    risk = frame["risk"].to_numpy()
    fresh = _fresh_days(policy)
    current, previous_year = _who_was_assessed(profile, rng, frame, reactive, eligible, fresh)
    latest = _latest(rng, frame, eligible, current, previous_year, fresh)

    has = ~np.isnan(latest)
    outcome = _arms_outcomes(rng, risk)
    outcome[reactive] = ArmsOutcome.LOW.value
    rows = [(np.flatnonzero(has), latest[has], outcome[has]),
            *_earlier(rng, risk, registered, current & previous_year, has, latest, fresh)]

    idx = np.concatenate([r[0] for r in rows])
    off = np.concatenate([r[1] for r in rows])
    out = np.concatenate([r[2] for r in rows])
    order = np.lexsort((-off, idx))
    return pd.DataFrame({"rso": idx[order], "off": off[order], "outcome": out[order]})
