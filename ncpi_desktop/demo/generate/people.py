"""The people on the register and their timelines: sex, age, notification period, registration,
entry to and leaving the community; names, neighbourhoods, concerns, own visit intervals, paper
records; and who is managed reactively."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ncpi_desktop.demo import names
from ncpi_desktop.demo.generate.arrays import (
    LOW,
    MONTH,
    RISKS,
    VERY_HIGH,
    YEAR,
    Clock,
    pick,
    uniform_days,
)
from ncpi_desktop.demo.profiles import Profile
from ncpi_desktop.domain.enums import RiskLevel, Sex, Status
from ncpi_desktop.domain.policy import Policy

#: The register began with the Sex Offenders Act 1997 (1 September 1997).
REGISTER_BEGAN = date(1997, 9, 1)
#: Age of criminal responsibility in England and Wales.
YOUNGEST = 10
NOTIFICATION_MONTHS = np.array([0, 120, 84, 60, 24])  # indefinite, 10, 7, 5 and 2 years


# --- timelines ------------------------------------------------------------------------------

def _notification(rng: np.random.Generator, female: np.ndarray, juvenile: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Notification months (0: indefinite) and days served in custody before release."""
    n = len(female)
    # Notification (s.82): indefinite for 30 months' custody or more; 10, 7 and 5 years; 2 for a
    # caution; halved for under-18s.
    klass = np.where(juvenile, rng.choice(5, n, p=[0.0, 0.0, 0.3, 0.45, 0.25]),
                     np.where(female, rng.choice(5, n, p=[0.3, 0.25, 0.15, 0.2, 0.1]),
                              rng.choice(5, n, p=[0.52, 0.2, 0.12, 0.1, 0.06])))
    months = NOTIFICATION_MONTHS[klass] // np.where(juvenile, 2, 1)
    custody_days = np.select(
        [klass == 0, klass == 1, klass == 2],
        [913 + np.floor(rng.gamma(1.6, 700, n)), uniform_days(rng, 183, 912, n),
         np.where(rng.random(n) < 0.3, 0, uniform_days(rng, 14, 182, n))], 0).astype(float)
    custody_days = np.where(juvenile, np.minimum(custody_days, 180), custody_days)
    custody_days = np.minimum(custody_days, 12 * YEAR)
    return months, custody_days


def _in_community(profile: Profile, rng: np.random.Generator, new: np.ndarray,
                  since_begin: int, months: np.ndarray, custody_days: np.ndarray,
                  juvenile: np.ndarray, age_now_juvenile: np.ndarray) -> np.ndarray:
    """Days since entering the community, bounded so notification still runs at the as-at date,
    registration is not before the register began, and a juvenile was at least 12."""
    n = len(new)
    t_max = since_begin - custody_days
    finite = months > 0
    t_max = np.where(finite, np.minimum(t_max, months * MONTH - custody_days - 45), t_max)
    t_max = np.where(juvenile, np.minimum(t_max, age_now_juvenile - 12 * YEAR - custody_days),
                     t_max)
    t_max = np.maximum(t_max, 1)
    in_community = np.floor(t_max * rng.random(n) ** profile.community_skew)
    # The newly registered awaiting allocation came out (or were registered) in the last fortnight.
    return np.where(new, uniform_days(rng, 1, 14, n), in_community)


def timelines(profile: Profile, rng: np.random.Generator, clock: Clock,
              rsos: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Sex, age, notification, registration, entry to the community, leaving it."""
    n = len(rsos)
    status = rsos["status"].to_numpy()
    community = status == Status.COMMUNITY.value
    custody = status == Status.CUSTODY.value
    female = rng.random(n) < profile.female_share
    juvenile = (rng.random(n) < profile.juvenile_share) & (community | custody)
    months, custody_days = _notification(rng, female, juvenile)
    adult = policy.arms_adult_age_years * YEAR
    age_now_juvenile = uniform_days(rng, 13 * YEAR, adult - 30, n)
    since_begin = clock.offset(REGISTER_BEGAN)
    in_community = _in_community(profile, rng, rsos["unallocated"].to_numpy(), since_begin,
                                 months, custody_days, juvenile, age_now_juvenile)

    # Custody: most are serving the sentence they registered with; the rest were recalled.
    recalled = custody & (rng.random(n) < 0.4) & (in_community > 90)
    serving = custody & ~recalled
    serving_for = np.floor(np.minimum(custody_days, since_begin) * rng.random(n))
    registered = np.where(serving, serving_for, in_community + custody_days)
    community_since = np.where(serving, np.nan, in_community)
    # Leaving the community: recall to custody, going abroad, going missing.
    away = recalled | (status == Status.ABROAD.value) | (status == Status.MISSING.value)
    left = np.where(away, np.floor(in_community * rng.random(n) ** 0.6), np.nan)

    age_at_registration = np.minimum(adult + np.floor(rng.gamma(2.2, 9.5 * YEAR, n)),
                                     75 * YEAR)
    born = np.where(juvenile, age_now_juvenile, registered + age_at_registration)
    born = np.maximum(born, registered + YOUNGEST * YEAR + 1)

    frame = rsos.copy()
    frame["sex"] = np.where(female, Sex.FEMALE.value, Sex.MALE.value)
    frame["juvenile"] = juvenile
    frame["born_off"] = born
    frame["registered_off"] = registered
    frame["community_off"] = community_since
    frame["left_off"] = left
    frame["notification_months"] = months
    return frame


# --- who they are ---------------------------------------------------------------------------

def _names(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    """Family and given names (in place): common family names more often, some middle names."""
    n = len(frame)
    female = (frame["sex"] == Sex.FEMALE.value).to_numpy()
    family = np.array(names.FAMILY_NAMES, dtype=object)
    weights = 1.0 / (np.arange(len(family)) + 6.0) ** 0.5
    frame["family_name"] = family[rng.choice(len(family), n, p=weights / weights.sum())]
    male_given = np.array(names.MALE_GIVEN_NAMES, dtype=object)
    female_given = np.array(names.FEMALE_GIVEN_NAMES, dtype=object)
    middle = np.array(names.MIDDLE_NAMES, dtype=object)
    given = np.where(female, female_given[rng.integers(0, len(female_given), n)],
                     male_given[rng.integers(0, len(male_given), n)])
    with_middle = (rng.random(n) < 0.4) & ~female
    given = np.where(with_middle, given + " " + middle[rng.integers(0, len(middle), n)], given)
    frame["given_names"] = given


def _neighbourhoods(rng: np.random.Generator, frame: pd.DataFrame) -> None:
    """A neighbourhood in each RSO's BCU (in place), the first of its places most often."""
    bcu = frame["bcu"].to_numpy()
    neighbourhood = np.empty(len(frame), dtype=object)
    for name in np.unique(bcu):
        rows = np.flatnonzero(bcu == name)
        places = names.LANCASHIRE_NEIGHBOURHOODS.get(name)
        if places is None:
            places = tuple(f"{name} {d}" for d in names.DISTRICTS)
        places_arr = np.array(places, dtype=object)
        w = 1.0 / (np.arange(len(places_arr)) + 2.0)
        neighbourhood[rows] = places_arr[rng.choice(len(places_arr), len(rows), p=w / w.sum())]
    frame["neighbourhood"] = neighbourhood


def _own_intervals(profile: Profile, rng: np.random.Generator, frame: pd.DataFrame,
                   policy: Policy) -> None:
    """Own visit interval from the risk management plan, overriding the risk level's default
    (in place): months and the reason, for some in the community."""
    n = len(frame)
    risk = frame["risk"].to_numpy()
    community = (frame["status"] == Status.COMMUNITY.value).to_numpy()
    own = community & (rng.random(n) < profile.own_interval_share) & (risk != VERY_HIGH)
    default = np.array([policy.visit_interval_months(RiskLevel(r)) for r in RISKS])[risk]
    shorter = rng.random(n) < np.array([0.3, 0.5, 0.8, 1.0])[risk]
    months = np.where(shorter, np.maximum(default // 2, policy.visit_interval_very_high_months),
                      np.minimum(default * 2, 24))
    short_reasons = np.array(names.OWN_INTERVAL_REASONS_SHORTER, dtype=object)
    long_reasons = np.array(names.OWN_INTERVAL_REASONS_LONGER, dtype=object)
    reason = np.where(shorter, short_reasons[rng.integers(0, len(short_reasons), n)],
                      long_reasons[rng.integers(0, len(long_reasons), n)])
    frame["own_months"] = np.where(own, months, np.nan)
    frame["own_reason"] = np.where(own, reason, None)


def people(profile: Profile, rng: np.random.Generator, frame: pd.DataFrame,
           policy: Policy) -> None:
    """Names, neighbourhoods, concerns, own intervals, paper records (in place)."""
    n = len(frame)
    _names(rng, frame)
    _neighbourhoods(rng, frame)

    risk = frame["risk"].to_numpy()
    concern_p = np.array([0.2, 0.3, 0.5, 0.8])[risk]
    concern = rng.random(n) < concern_p
    frame["concern_off"] = np.where(concern, np.floor(frame["registered_off"] * rng.random(n)),
                                    np.nan)
    _own_intervals(profile, rng, frame, policy)

    paper = np.zeros(n, dtype=bool)
    candidates = np.ones(n, dtype=bool)
    if profile.paper_records_bcu is not None:
        candidates = frame["bcu"].to_numpy() == profile.paper_records_bcu
    paper[pick(rng, candidates.astype(float), profile.paper_records)] = True
    frame["paper"] = paper


def choose_reactive(profile: Profile, rng: np.random.Generator, frame: pd.DataFrame,
                    policy: Policy) -> np.ndarray:
    """Low-risk adult men in the community, three years concern-free, with a named manager."""
    clear = policy.reactive_concern_free_years * YEAR + 60
    concern = frame["concern_off"].to_numpy()
    candidates = (
        (frame["status"] == Status.COMMUNITY.value).to_numpy()
        & (frame["risk"].to_numpy() == LOW)
        & (frame["sex"] == Sex.MALE.value).to_numpy()
        & (frame["born_off"].to_numpy() > (policy.arms_adult_age_years + 1) * YEAR)
        & (frame["registered_off"].to_numpy() >= clear)
        & (frame["community_off"].to_numpy() >= clear)
        & (np.isnan(concern) | (concern >= clear))
        & np.isnan(frame["own_months"].to_numpy())
        & frame["manager_id"].notna().to_numpy()
    )
    reactive = np.zeros(len(frame), dtype=bool)
    reactive[pick(rng, candidates.astype(float), profile.reactive)] = True
    return reactive
