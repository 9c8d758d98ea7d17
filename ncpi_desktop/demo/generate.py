"""Generate a synthetic register with numpy over whole arrays: no loop over RSOs or visits.

Dates are worked out as whole days before the as-at date ("offsets": 0 is the as-at date, 365 a
year before), so "nothing after the as-at date" is "no negative offset"; they become dates only at
the end. The only dates after the as-at date are those a register schedules: when notification and
civil orders end.

The rules the figures are judged by (visit intervals, ARMS age, the reactive criteria, the order
review window) are read from ``Policy``; the profile says what the register looks like.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import numpy as np
import pandas as pd

from ncpi_desktop.demo import names
from ncpi_desktop.demo.profiles import Profile
from ncpi_desktop.domain.enums import (
    ArmsOutcome,
    ManagementMode,
    OrderType,
    RiskLevel,
    Role,
    Sex,
    Status,
    VisitOutcome,
)
from ncpi_desktop.domain.policy import Policy

YEAR = 365.25
MONTH = YEAR / 12
#: The register began with the Sex Offenders Act 1997 (1 September 1997).
REGISTER_BEGAN = date(1997, 9, 1)
#: SHPOs and SROs replaced SOPOs and RSHOs on 8 March 2015 (Anti-social Behaviour, Crime and
#: Policing Act 2014).
SHPO_FROM = date(2015, 3, 8)
#: Age of criminal responsibility in England and Wales.
YOUNGEST = 10
ACTOR = "demo"
REASON = "demo"

RISKS = np.array([r.value for r in RiskLevel], dtype=object)  # low, medium, high, very_high
LOW, MEDIUM, HIGH, VERY_HIGH = range(4)


@dataclass(frozen=True)
class Register:
    """The generated tables as frames whose columns are the database columns."""

    as_at: date
    managers: pd.DataFrame
    rsos: pd.DataFrame
    allocations: pd.DataFrame
    visits: pd.DataFrame
    arms: pd.DataFrame
    orders: pd.DataFrame
    decisions: pd.DataFrame

    def counts(self) -> dict[str, int]:
        return {"manager": len(self.managers), "rso": len(self.rsos),
                "allocation": len(self.allocations), "visit": len(self.visits),
                "arms": len(self.arms), "civil_order": len(self.orders),
                "management_decision": len(self.decisions)}


# --- small vectorised helpers ---------------------------------------------------------------

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


# --- offender managers ----------------------------------------------------------------------

def _officer_names(rng: np.random.Generator, n: int) -> np.ndarray:
    given_m, given_f = np.array(names.MALE_GIVEN_NAMES), np.array(names.FEMALE_GIVEN_NAMES)
    family = np.array(names.FAMILY_NAMES)
    female = rng.random(n) < 0.45
    given = np.where(female, given_f[rng.integers(0, len(given_f), n)],
                     given_m[rng.integers(0, len(given_m), n)])
    # Family names dealt from shuffled decks (no two alike until the deck runs out), then
    # duplicate full names redrawn from a shifted index.
    decks = -(-n // len(family))
    fam = np.concatenate([rng.permutation(len(family)) for _ in range(decks)])[:n]
    full = np.char.add(np.char.add(given, " "), family[fam])
    _, first = np.unique(full, return_index=True)
    dup = np.ones(n, dtype=bool)
    dup[first] = False
    step = 1
    while dup.any():
        fam = np.where(dup, (fam + step) % len(family), fam)
        full = np.char.add(np.char.add(given, " "), family[fam])
        _, first = np.unique(full, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        step += 1
    return full.astype(object)


def _lancashire_managers(profile: Profile, rng: np.random.Generator,
                         policy: Policy) -> pd.DataFrame:
    teams = [(t.bcu, t.team) for t in profile.teams for _ in range(t.offender_managers)]
    n = len(teams)
    frame = pd.DataFrame(teams, columns=["bcu", "team"])
    frame["role"] = Role.OFFENDER_MANAGER.value
    frame["active"] = True
    fte = np.ones(n)
    # Part-timers in different BCUs, one each in turn.
    bcus = frame["bcu"].unique()
    for turn, part in enumerate(profile.part_time_fte):
        rows = np.flatnonzero((frame["bcu"] == bcus[turn % len(bcus)]).to_numpy() & (fte == 1))
        fte[rng.choice(rows)] = part
    frame["fte"] = fte
    # Caseload per FTE: around the BCU's mean, spread both sides of the policy limit, with one
    # newly trained manager far below it and one long-serving manager far above it.
    limit = policy.caseload_limit_per_fte
    mean = frame["bcu"].map(dict(profile.bcu_load)).to_numpy(float)
    load = np.clip(rng.normal(mean, 0.24 * limit), 0.72 * limit, 1.85 * limit)
    full_time = np.flatnonzero(fte == 1)
    new, long_serving, specialist = rng.choice(full_time, size=3, replace=False)
    load[new] = 0.7 * limit
    load[long_serving] = 1.85 * limit
    frame["load"] = load
    # High-risk propensity: one manager holds a disproportionate share (HMICFRS's concern).
    hr = rng.lognormal(0.0, 0.3, n)
    hr[specialist] = 2.9
    frame["hr"] = hr
    frame["left_off"] = np.nan
    return frame


def _national_managers(profile: Profile, rng: np.random.Generator,
                       policy: Policy) -> pd.DataFrame:
    forces = np.array(names.POLICE_FORCES, dtype=object)
    per_force = apportion(profile.offender_managers, np.array(names.POLICE_FORCE_WEIGHTS))
    forces, per_force = forces[per_force > 0], per_force[per_force > 0]
    bcu = np.repeat(forces, per_force)
    rank = group_ranks(per_force)
    # Teams of about seven: a force's managers dealt round its teams.
    team_count = np.repeat(np.ceil(per_force / 7).astype(np.int64), per_force)
    team_no = rank % team_count + 1
    team = np.char.add(np.char.add(bcu.astype(str), " "), team_no.astype(str)).astype(object)
    n = len(bcu)
    fte = np.where(rng.random(n) < 0.14, rng.choice([0.5, 0.6, 0.7, 0.8, 0.9], n), 1.0)
    limit = policy.caseload_limit_per_fte
    force_factor = rng.lognormal(0.0, 0.15, len(forces))
    load = limit * np.repeat(force_factor, per_force) * rng.lognormal(0.0, 0.22, n)
    hr = rng.lognormal(0.0, 0.3, n)
    hr[rng.random(n) < 0.01] *= 2.6
    return pd.DataFrame({"bcu": bcu, "team": team, "role": Role.OFFENDER_MANAGER.value,
                         "active": True, "fte": fte, "load": load, "hr": hr,
                         "left_off": np.nan})


def build_managers(profile: Profile, rng: np.random.Generator, policy: Policy) -> pd.DataFrame:
    """Active offender managers, then a supervisor per BCU, then leavers (holding nothing)."""
    if profile.teams:
        oms = _lancashire_managers(profile, rng, policy)
    else:
        oms = _national_managers(profile, rng, policy)
    first_team = oms.drop_duplicates("bcu")[["bcu", "team"]]
    supervisors = first_team.assign(role=Role.SUPERVISOR.value, active=True, fte=1.0,
                                    load=0.0, hr=0.0, left_off=np.nan)
    leaver_rows = oms.iloc[rng.choice(len(oms), size=profile.leavers, replace=False)]
    leavers = leaver_rows[["bcu", "team"]].assign(
        role=Role.OFFENDER_MANAGER.value, active=False, fte=1.0, load=0.0, hr=0.0,
        left_off=uniform_days(rng, 40, 250, profile.leavers).astype(float))
    frame = pd.concat([oms, supervisors, leavers], ignore_index=True)
    width = max(3, len(str(len(frame))))
    om = (frame["role"] == Role.OFFENDER_MANAGER.value).to_numpy()
    ids = np.empty(len(frame), dtype=object)
    ids[om] = codes("OM", np.arange(1, om.sum() + 1), width)
    ids[~om] = codes("DS", np.arange(1, (~om).sum() + 1), 2 if (~om).sum() < 100 else width)
    frame.insert(0, "manager_id", ids)
    frame.insert(1, "name", _officer_names(rng, len(frame)))
    return frame


# --- who holds whom, at what risk, in what status ------------------------------------------

def _community_holders(profile: Profile, rng: np.random.Generator,
                       managers: pd.DataFrame) -> pd.DataFrame:
    oms = managers[managers["active"] & (managers["role"] == Role.OFFENDER_MANAGER.value)]
    community = profile.rsos - profile.custody - profile.abroad - profile.missing
    named_total = community - profile.pooled - profile.unallocated
    caseload = apportion(named_total, oms["load"].to_numpy() * oms["fte"].to_numpy())
    pooled_high = round(profile.pooled * profile.pooled_high_share)
    high_named = profile.high + profile.very_high - pooled_high
    hr = oms["hr"].to_numpy()
    high_counts = np.minimum(apportion(high_named, caseload * hr), caseload)
    very_high = apportion(profile.very_high, high_counts * hr ** 2)
    very_high = np.minimum(very_high, high_counts)

    holder = np.repeat(np.arange(len(oms)), caseload)
    rank = group_ranks(caseload)
    risk = np.where(rng.random(len(holder)) < profile.low_share, LOW, MEDIUM)
    risk = np.where(rank < np.repeat(high_counts, caseload), HIGH, risk)
    risk = np.where(rank < np.repeat(very_high, caseload), VERY_HIGH, risk)
    named = pd.DataFrame({
        "manager_id": oms["manager_id"].to_numpy()[holder],
        "team": oms["team"].to_numpy()[holder],
        "bcu": oms["bcu"].to_numpy()[holder],
        "risk": risk,
    })

    teams = managers.drop_duplicates("team").set_index("team")["bcu"]
    if profile.pooled_teams is not None:
        pool_teams = np.array(profile.pooled_teams, dtype=object)
    else:
        om_teams = oms["team"].unique()
        pool_teams = rng.choice(om_teams, size=max(1, len(om_teams) // 20), replace=False)
    per_team = apportion(profile.pooled, np.ones(len(pool_teams)))
    pool_team = np.repeat(pool_teams, per_team)
    pool_risk = np.where(rng.random(profile.pooled) < profile.low_share, LOW, MEDIUM)
    pool_risk[rng.choice(profile.pooled, size=pooled_high, replace=False)] = HIGH
    pooled = pd.DataFrame({"manager_id": None, "team": pool_team,
                           "bcu": teams.reindex(pool_team).to_numpy(), "risk": pool_risk})

    bcus = oms["bcu"].unique()
    unallocated = pd.DataFrame({
        "manager_id": None, "team": None,
        "bcu": rng.choice(bcus, size=profile.unallocated),
        "risk": np.where(rng.random(profile.unallocated) < 0.5, LOW, MEDIUM),
    })
    frame = pd.concat([named, pooled, unallocated], ignore_index=True)
    frame["status"] = Status.COMMUNITY.value
    frame["unallocated"] = frame["team"].isna()
    return frame


def _elsewhere_holders(profile: Profile, rng: np.random.Generator,
                       managers: pd.DataFrame) -> pd.DataFrame:
    """RSOs in custody, abroad or missing: held in their BCU by a manager or a team's pool."""
    statuses = np.repeat(np.array([Status.CUSTODY.value, Status.ABROAD.value,
                                   Status.MISSING.value], dtype=object),
                         [profile.custody, profile.abroad, profile.missing])
    n = len(statuses)
    oms = managers[managers["active"] & (managers["role"] == Role.OFFENDER_MANAGER.value)]
    chosen = oms.iloc[pick(rng, oms["fte"].to_numpy(), len(oms))]  # a shuffled roster
    slot = rng.choice(len(chosen), size=n, p=(chosen["fte"] / chosen["fte"].sum()).to_numpy())
    holder = chosen.iloc[slot]
    in_pool = rng.random(n) < 0.15
    risk = rng.choice(4, size=n, p=[0.38, 0.39, 0.22, 0.01])
    return pd.DataFrame({
        "manager_id": np.where(in_pool, None, holder["manager_id"].to_numpy()),
        "team": holder["team"].to_numpy(), "bcu": holder["bcu"].to_numpy(), "risk": risk,
        "status": statuses, "unallocated": False})


# --- people and their timelines -------------------------------------------------------------

NOTIFICATION_MONTHS = np.array([0, 120, 84, 60, 24])  # indefinite, 10, 7, 5 and 2 years


def _timelines(profile: Profile, rng: np.random.Generator, clock: Clock,
               rsos: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Sex, age, notification, registration, entry to the community, leaving it."""
    n = len(rsos)
    status = rsos["status"].to_numpy()
    community = status == Status.COMMUNITY.value
    custody = status == Status.CUSTODY.value
    female = rng.random(n) < profile.female_share
    juvenile = (rng.random(n) < profile.juvenile_share) & (community | custody)
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
    adult = policy.arms_adult_age_years * YEAR
    age_now_juvenile = uniform_days(rng, 13 * YEAR, adult - 30, n)

    # Time since entering the community, bounded so notification still runs at the as-at date,
    # registration is not before the register began, and a juvenile was at least 12.
    since_begin = clock.offset(REGISTER_BEGAN)
    t_max = since_begin - custody_days
    finite = months > 0
    t_max = np.where(finite, np.minimum(t_max, months * MONTH - custody_days - 45), t_max)
    t_max = np.where(juvenile, np.minimum(t_max, age_now_juvenile - 12 * YEAR - custody_days),
                     t_max)
    t_max = np.maximum(t_max, 1)
    in_community = np.floor(t_max * rng.random(n) ** profile.community_skew)
    # The newly registered awaiting allocation came out (or were registered) in the last fortnight.
    new = rsos["unallocated"].to_numpy()
    in_community = np.where(new, uniform_days(rng, 1, 14, n), in_community)

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


def _people(profile: Profile, rng: np.random.Generator, frame: pd.DataFrame,
            policy: Policy) -> None:
    """Names, neighbourhoods, concerns, own intervals, paper records (in place)."""
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

    bcu = frame["bcu"].to_numpy()
    neighbourhood = np.empty(n, dtype=object)
    for name in np.unique(bcu):
        rows = np.flatnonzero(bcu == name)
        places = names.LANCASHIRE_NEIGHBOURHOODS.get(name)
        if places is None:
            places = tuple(f"{name} {d}" for d in names.DISTRICTS)
        places_arr = np.array(places, dtype=object)
        w = 1.0 / (np.arange(len(places_arr)) + 2.0)
        neighbourhood[rows] = places_arr[rng.choice(len(places_arr), len(rows), p=w / w.sum())]
    frame["neighbourhood"] = neighbourhood

    risk = frame["risk"].to_numpy()
    concern_p = np.array([0.2, 0.3, 0.5, 0.8])[risk]
    concern = rng.random(n) < concern_p
    frame["concern_off"] = np.where(concern, np.floor(frame["registered_off"] * rng.random(n)),
                                    np.nan)

    # Own visit interval from the risk management plan, overriding the risk level's default.
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

    paper = np.zeros(n, dtype=bool)
    candidates = np.ones(n, dtype=bool)
    if profile.paper_records_bcu is not None:
        candidates = bcu == profile.paper_records_bcu
    paper[pick(rng, candidates.astype(float), profile.paper_records)] = True
    frame["paper"] = paper


def _choose_reactive(profile: Profile, rng: np.random.Generator, frame: pd.DataFrame,
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


# --- ARMS -----------------------------------------------------------------------------------

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


ARMS_BY_RISK = np.array([
    [0.72, 0.25, 0.03],  # low risk: ARMS low, medium, high
    [0.30, 0.55, 0.15],
    [0.05, 0.35, 0.60],
    [0.02, 0.18, 0.80],
])


def _arms_outcomes(rng: np.random.Generator, risk: np.ndarray) -> np.ndarray:
    cumulative = ARMS_BY_RISK[risk].cumsum(axis=1)
    drawn = (rng.random(len(risk))[:, None] > cumulative).sum(axis=1)
    values = np.array([a.value for a in ArmsOutcome], dtype=object)
    return values[np.minimum(drawn, 2)]


def _arms(profile: Profile, rng: np.random.Generator, clock: Clock, frame: pd.DataFrame,
          reactive: np.ndarray, policy: Policy) -> pd.DataFrame:
    """Exactly ``arms_completion`` of the eligible current, earlier assessments behind them."""
    n = len(frame)
    eligible = _arms_eligible(clock, frame, policy)
    registered = frame["registered_off"].to_numpy()
    risk = frame["risk"].to_numpy()
    # A current ARMS is at most arms_max_age_months old; keep clear of the boundary day.
    fresh = np.floor(policy.arms_max_age_months * MONTH) - 10
    year = np.floor(YEAR)
    target = round(profile.arms_completion * int(eligible.sum()))
    current = reactive & eligible
    weights = np.array([1.0, 1.6, 3.0, 4.0])[risk] * (eligible & ~current)
    current[pick(rng, weights, target - int(current.sum()))] = True

    # Some of the eligible were assessed in the year before last (a year before the as-at date,
    # those were the current ones).
    previous_year = np.zeros(n, dtype=bool)
    room = eligible & (registered >= year + fresh + 5)
    previous_year[pick(rng, room.astype(float),
                       round(profile.arms_year_before * int(eligible.sum())))] = True

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

    has = ~np.isnan(latest)
    outcome = _arms_outcomes(rng, risk)
    outcome[reactive] = ArmsOutcome.LOW.value
    rows = [(np.flatnonzero(has), latest[has], outcome[has])]
    # Earlier assessments: the one a year before last, then older ones.
    earlier = current & previous_year
    earlier_off = uniform_days(rng, year + 5, year + fresh, n).astype(float)
    earlier_off = np.where(earlier & (earlier_off < registered), earlier_off, np.nan)
    others = has & ~earlier & (rng.random(n) < 0.3)
    older_off = latest + uniform_days(rng, 2 * year, 3 * year, n)
    earlier_off = np.where(others & (older_off < registered), older_off, earlier_off)
    more = ~np.isnan(earlier_off)
    rows.append((np.flatnonzero(more), earlier_off[more], _arms_outcomes(rng, risk)[more]))
    oldest_off = earlier_off + uniform_days(rng, year + 30, 2 * year, n)
    oldest = more & (rng.random(n) < 0.35) & (oldest_off < registered)
    rows.append((np.flatnonzero(oldest), oldest_off[oldest], _arms_outcomes(rng, risk)[oldest]))

    idx = np.concatenate([r[0] for r in rows])
    off = np.concatenate([r[1] for r in rows])
    out = np.concatenate([r[2] for r in rows])
    order = np.lexsort((-off, idx))
    return pd.DataFrame({"rso": idx[order], "off": off[order], "outcome": out[order]})


# --- civil orders ---------------------------------------------------------------------------

def _orders(rng: np.random.Generator, clock: Clock, frame: pd.DataFrame, reactive: np.ndarray,
            policy: Policy) -> pd.DataFrame:
    """SOPOs before March 2015, SHPOs after; some until further order, some ending soon."""
    n = len(frame)
    risk = frame["risk"].to_numpy()
    registered = frame["registered_off"].to_numpy()
    has = (rng.random(n) < np.array([0.15, 0.33, 0.55, 0.9])[risk]) & ~reactive
    idx = np.flatnonzero(has)
    m = len(idx)
    later = rng.random(m) < 0.2
    start = np.where(later, np.floor(registered[idx] * rng.random(m)),
                     np.maximum(registered[idx] - uniform_days(rng, 0, 20, m), 0))
    before_shpo = start > clock.offset(SHPO_FROM)
    old_types = rng.choice(np.array([OrderType.SOPO, OrderType.NO, OrderType.FTO,
                                     OrderType.RSHO], dtype=object), m, p=[0.85, 0.08, 0.04, 0.03])
    new_types = rng.choice(np.array([OrderType.SHPO, OrderType.SRO, OrderType.NO], dtype=object),
                           m, p=[0.88, 0.07, 0.05])
    kind = np.where(before_shpo, old_types, new_types)
    years = np.select(
        [np.isin(kind, [OrderType.SHPO, OrderType.SOPO]), kind == OrderType.SRO,
         kind == OrderType.RSHO, kind == OrderType.FTO],
        [rng.choice([0, 5, 10, 15], m, p=[0.45, 0.3, 0.2, 0.05]), rng.choice([2, 5], m),
         rng.choice([2, 3, 5], m), rng.choice([1, 3, 5], m)], 0)
    start_days = clock.dates(start)
    ends = add_months(start_days, 12 * years)
    ends_off = np.where(years > 0, clock.offsets(ends).astype(float), np.nan)
    # A few orders end within the review window: the list a supervisor must act on.
    window = policy.order_review_window_days
    running = np.flatnonzero(np.isnan(ends_off) | (ends_off < 0))
    soon = running[pick(rng, np.ones(len(running)), max(1, round(m * 0.012)))]
    ends_off[soon] = -uniform_days(rng, 1, window, len(soon))
    ends_off = np.where(~np.isnan(ends_off) & (ends_off >= start), start - 365, ends_off)
    order = np.lexsort((start, idx))
    return pd.DataFrame({"rso": idx[order], "type": kind[order].astype(str),
                         "start_off": start[order], "end_off": ends_off[order]})


# --- home visits ----------------------------------------------------------------------------

#: Mean gap between completed visits as a multiple of interval x spacing (see ``_series``).
MEAN_GAP = 0.98 + 0.06 * 0.475


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


def _visits(profile: Profile, rng: np.random.Generator, clock: Clock, frame: pd.DataFrame,
            reactive: np.ndarray, decided: np.ndarray, policy: Policy) -> pd.DataFrame:
    n = len(frame)
    status = frame["status"].to_numpy()
    risk = frame["risk"].to_numpy()
    default = np.array([policy.visit_interval_months(RiskLevel(r)) for r in RISKS])[risk]
    months = np.where(np.isnan(frame["own_months"].to_numpy()), default,
                      frame["own_months"].to_numpy()).astype(np.int64)
    months = np.where(reactive, policy.visit_interval_low_months, months)
    interval = months * MONTH
    community = frame["community_off"].to_numpy()
    left = frame["left_off"].to_numpy()
    history = profile.history_years * YEAR
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
    first = np.minimum(community - 3, history)
    who = np.flatnonzero(~np.isnan(last) & ~np.isnan(community))
    spacing = profile.visit_gap
    if profile.visits is not None:
        # Where the history is too short for the visits asked for (an early as-at date, a small
        # scale), visits come a little closer together; the oldest beyond the count are dropped.
        span = np.maximum(first[who] - last[who], 0)
        expected = float(np.sum(span / (spacing * interval[who] * MEAN_GAP) + 1))
        # (Failed attempts, about one visit in twenty, make up the same-day visits dropped.)
        if expected < profile.visits:
            spacing *= max(expected / profile.visits, 0.5)
    rso, off, rank = _series(rng, who, last[who], first[who], interval[who], spacing)
    two, one = policy.officers_per_visit, policy.officers_per_visit - 1
    officers = np.where(rng.random(len(rso)) < 0.015, one, two)
    outcome = np.full(len(rso), VisitOutcome.COMPLETED.value, dtype=object)

    # No access: attempts before some completed visits, failed attempts since the last one for
    # some of the overdue, and for the missing.
    tried = rng.random(len(rso)) < 0.05
    tried_off = np.minimum(off + uniform_days(rng, 3, 21, len(rso)), first[rso])
    tried &= tried_off > off
    fails = np.where(overdue, rng.choice([0, 1, 2, 3], n, p=[0.6, 0.18, 0.16, 0.06]), 0)
    fails = np.where(status == Status.MISSING.value, rng.choice([2, 3], n), fails)
    fails = np.where(np.isnan(last), 0, fails)
    failed_rso = np.repeat(np.arange(n), fails)
    since = np.where(overdue, -due_in, np.nan_to_num(last - left, nan=1.0))
    failed_off = np.floor(np.nan_to_num(left, nan=0.0)[failed_rso]
                          + rng.random(len(failed_rso)) * np.maximum(since[failed_rso], 1))
    failed_off = np.minimum(failed_off, last[failed_rso] - 1)
    failed_off = np.maximum(failed_off, 0)
    failed_ok = failed_off < last[failed_rso]

    rso_all = np.concatenate([rso, rso[tried], failed_rso[failed_ok]])
    off_all = np.concatenate([off, tried_off[tried], failed_off[failed_ok]])
    outcome_all = np.concatenate([
        outcome, np.full(int(tried.sum()) + int(failed_ok.sum()), VisitOutcome.NO_ACCESS.value,
                         dtype=object)])
    officers_all = np.concatenate([
        officers, np.where(rng.random(int(tried.sum()) + int(failed_ok.sum())) < 0.1, one, two)])
    # Same-day duplicates (a failed attempt on a completed visit's day) are dropped.
    failed = outcome_all == VisitOutcome.NO_ACCESS.value
    order = np.lexsort((failed, -off_all, rso_all))
    rso_all, off_all, failed = rso_all[order], off_all[order], failed[order]
    officers_all = officers_all[order]
    keep = np.ones(len(rso_all), dtype=bool)
    keep[1:] = (rso_all[1:] != rso_all[:-1]) | (off_all[1:] != off_all[:-1])
    if profile.visits is not None and int(keep.sum()) > profile.visits:
        # The register's history starts where the most recent ``visits`` visits reach back to.
        kept = np.flatnonzero(keep)
        oldest_first = kept[np.lexsort((rso_all[kept], off_all[kept]))]
        keep[oldest_first[profile.visits:]] = False
    outcome = np.where(failed, VisitOutcome.NO_ACCESS.value, VisitOutcome.COMPLETED.value)
    return pd.DataFrame({"rso": rso_all[keep], "off": off_all[keep],
                         "outcome": outcome[keep].astype(object), "officers": officers_all[keep]})


# --- allocation history and decisions -------------------------------------------------------

def _allocations(profile: Profile, rng: np.random.Generator, clock: Clock, frame: pd.DataFrame,
                 managers: pd.DataFrame) -> pd.DataFrame:
    """Who held each RSO from when: the current holder, and before a reorganisation or a
    manager leaving, the one before."""
    n = len(frame)
    registered = frame["registered_off"].to_numpy()
    held = ~frame["unallocated"].to_numpy()
    first = np.maximum(registered - uniform_days(rng, 0, 21, n), 0)
    current_from = first.copy()
    segments: list[pd.DataFrame] = []

    oms = managers[managers["active"] & (managers["role"] == Role.OFFENDER_MANAGER.value)]
    if profile.reorganised_on is not None:
        change = clock.offset(profile.reorganised_on)
        # Many changed manager then; the pools were made then (West pooled its caseload).
        pooled = held & frame["manager_id"].isna().to_numpy() & (
            frame["status"] == Status.COMMUNITY.value).to_numpy()
        moved = held & (first > change) & ((rng.random(n) < 0.4) | pooled)
        before = oms.iloc[rng.integers(0, len(oms), int(moved.sum()))]
        segments.append(pd.DataFrame({
            "rso": np.flatnonzero(moved), "manager_id": before["manager_id"].to_numpy(),
            "team": None, "start_off": first[moved]}))
        current_from = np.where(moved, change, current_from)

    leavers = managers[~managers["active"]]
    team = frame["team"].to_numpy()
    named = frame["manager_id"].notna().to_numpy()
    for _, leaver in leavers.iterrows():
        gone = leaver["left_off"]
        theirs = np.flatnonzero(named & (team == leaver["team"]) & (current_from > gone + 7)
                                & (frame["status"] == Status.COMMUNITY.value).to_numpy())
        handed = theirs[pick(rng, np.ones(len(theirs)), min(len(theirs), 45))]
        if len(handed) == 0:
            continue
        segments.append(pd.DataFrame({
            "rso": handed, "manager_id": leaver["manager_id"], "team": None,
            "start_off": current_from[handed]}))
        current_from[handed] = gone

    rows = np.flatnonzero(held)
    segments.append(pd.DataFrame({
        "rso": rows, "manager_id": frame["manager_id"].to_numpy()[rows],
        "team": np.where(frame["manager_id"].notna().to_numpy()[rows], None, team[rows]),
        "start_off": current_from[rows]}))
    alloc = pd.concat(segments, ignore_index=True)
    alloc = alloc.sort_values(["rso", "start_off"], ascending=[True, False], kind="stable")
    alloc = alloc.drop_duplicates(["rso", "start_off"], keep="last")
    same = alloc["rso"].to_numpy()
    ends = np.full(len(alloc), np.nan)
    follows = np.zeros(len(alloc), dtype=bool)
    follows[:-1] = same[1:] == same[:-1]
    ends[:-1] = np.where(follows[:-1], alloc["start_off"].to_numpy()[1:], np.nan)
    alloc["end_off"] = ends
    return alloc.reset_index(drop=True)


def _decisions(rng: np.random.Generator, clock: Clock, frame: pd.DataFrame, reactive: np.ndarray,
               managers: pd.DataFrame, reactive_from: date, policy: Policy
               ) -> tuple[pd.DataFrame, np.ndarray]:
    """The recorded decision behind each reactive RSO: a reason, a date and who made it."""
    n = len(frame)
    latest = min(clock.offset(reactive_from), 4 * 365)
    decided = np.where(reactive, uniform_days(rng, 20, max(latest, 21), n), np.nan).astype(float)
    rows = np.flatnonzero(reactive)
    by_name = managers.set_index("manager_id")["name"]
    reason = (f"Latest ARMS low and current; no offence, concern or adverse intelligence for "
              f"{policy.reactive_concern_free_years} years; satisfied that reactive management "
              "is proportionate")
    deciders = by_name.reindex(frame["manager_id"].to_numpy()[rows]).to_numpy()
    reactive_rows = pd.DataFrame({
        "rso": rows, "mode": ManagementMode.REACTIVE.value, "off": decided[rows],
        "reason": reason, "decided_by": deciders})
    # Before that they were actively managed from entering the community, so a register read
    # as at an earlier date shows them active.
    entered = frame["community_off"].to_numpy()[rows]
    active_rows = pd.DataFrame({
        "rso": rows, "mode": ManagementMode.ACTIVE.value,
        "off": np.maximum(entered - uniform_days(rng, 0, 14, len(rows)), decided[rows] + 30),
        "reason": "Active management under the risk management plan on entering the community",
        "decided_by": deciders})
    decisions = pd.concat([active_rows, reactive_rows], ignore_index=True)
    decisions = decisions.sort_values(["rso", "off"], ascending=[True, False], kind="stable")
    return decisions.reset_index(drop=True), decided


# --- the whole register ---------------------------------------------------------------------

def generate(profile: Profile, *, as_at: date | None = None,
             policy: Policy | None = None) -> Register:
    """The register of ``profile``: the same profile and as-at date give the same register."""
    policy = policy or Policy()
    as_at = as_at or profile.as_at or date.today()
    clock = Clock(as_at)
    rng = np.random.default_rng(profile.seed)

    managers = build_managers(profile, rng, policy)
    holders = pd.concat([_community_holders(profile, rng, managers),
                         _elsewhere_holders(profile, rng, managers)], ignore_index=True)
    holders = holders.iloc[rng.permutation(len(holders))].reset_index(drop=True)
    frame = _timelines(profile, rng, clock, holders, policy)
    _people(profile, rng, frame, policy)
    reactive = _choose_reactive(profile, rng, frame, policy)
    decisions, decided = _decisions(rng, clock, frame, reactive, managers,
                                    profile.reactive_from, policy)
    arms = _arms(profile, rng, clock, frame, reactive, policy)
    orders = _orders(rng, clock, frame, reactive, policy)
    visits = _visits(profile, rng, clock, frame, reactive, decided, policy)
    allocations = _allocations(profile, rng, clock, frame, managers)
    return _tables(profile, clock, frame, reactive, managers, allocations, visits, arms, orders,
                   decisions)


def _tables(profile: Profile, clock: Clock, frame: pd.DataFrame, reactive: np.ndarray,
            managers: pd.DataFrame, allocations: pd.DataFrame, visits: pd.DataFrame,
            arms: pd.DataFrame, orders: pd.DataFrame, decisions: pd.DataFrame) -> Register:
    n = len(frame)
    width = max(4, len(str(n)))
    rso_ids = codes("R", np.arange(1, n + 1), width)
    registered = clock.dates(frame["registered_off"].to_numpy())
    months = frame["notification_months"].to_numpy()
    ends = np.where(months > 0, add_months(registered, months), np.datetime64("NaT"))
    community = frame["status"].to_numpy() == Status.COMMUNITY.value
    rsos = pd.DataFrame({
        "rso_id": rso_ids,
        "family_name": frame["family_name"].to_numpy(),
        "given_names": frame["given_names"].to_numpy(),
        "date_of_birth": clock.dates(frame["born_off"].to_numpy()),
        "sex": frame["sex"].to_numpy(),
        "bcu": frame["bcu"].to_numpy(),
        "team": frame["team"].to_numpy(),
        "neighbourhood": frame["neighbourhood"].to_numpy(),
        "status": frame["status"].to_numpy(),
        "risk_level": RISKS[frame["risk"].to_numpy()],
        "management": np.where(reactive, ManagementMode.REACTIVE.value,
                               ManagementMode.ACTIVE.value),
        "manager_id": frame["manager_id"].to_numpy(),
        "registered_on": registered,
        "community_since": clock.dates(frame["community_off"].to_numpy()),
        "notification_ends": ends.astype("datetime64[D]"),
        "notification_indefinite": months == 0,
        "visit_interval_months": frame["own_months"].to_numpy(),
        "visit_interval_reason": frame["own_reason"].to_numpy(),
        "last_concern_on": clock.dates(frame["concern_off"].to_numpy()),
        "paper_records_only": frame["paper"].to_numpy(),
    })
    # Only the community's own intervals matter; keep them there.
    rsos.loc[~community, ["visit_interval_months", "visit_interval_reason"]] = None

    visit_ids = codes("V", np.arange(1, len(visits) + 1), max(6, len(str(len(visits)))))
    visit_frame = pd.DataFrame({
        "visit_id": visit_ids, "rso_id": rso_ids[visits["rso"].to_numpy()],
        "visited_on": clock.dates(visits["off"].to_numpy()),
        "outcome": visits["outcome"].to_numpy(), "officers": visits["officers"].to_numpy()})
    arms_frame = pd.DataFrame({
        "rso_id": rso_ids[arms["rso"].to_numpy()],
        "completed_on": clock.dates(arms["off"].to_numpy()),
        "outcome": arms["outcome"].to_numpy()})
    order_ids = codes("O", np.arange(1, len(orders) + 1), max(5, len(str(len(orders)))))
    order_frame = pd.DataFrame({
        "order_id": order_ids, "rso_id": rso_ids[orders["rso"].to_numpy()],
        "type": orders["type"].to_numpy(),
        "starts_on": clock.dates(orders["start_off"].to_numpy()),
        "ends_on": clock.dates(orders["end_off"].to_numpy())})
    starts = clock.dates(allocations["start_off"].to_numpy())
    allocation_frame = pd.DataFrame({
        "rso_id": rso_ids[allocations["rso"].to_numpy()],
        "manager_id": allocations["manager_id"].to_numpy(),
        "team": allocations["team"].to_numpy(),
        "starts_on": starts,
        "ends_on": clock.dates(allocations["end_off"].to_numpy()),
        "reason": REASON, "actor": ACTOR,
        "recorded_at": recorded_times(starts, time(9, 0)),
    })
    decided = clock.dates(decisions["off"].to_numpy())
    decision_frame = pd.DataFrame({
        "rso_id": rso_ids[decisions["rso"].to_numpy()], "mode": decisions["mode"].to_numpy(),
        "decided_on": decided, "reason": decisions["reason"].to_numpy(),
        "decided_by": decisions["decided_by"].to_numpy(),
        "recorded_at": recorded_times(decided, time(10, 30))})
    manager_frame = managers[["manager_id", "name", "bcu", "team", "fte", "role", "active"]].copy()
    return Register(as_at=clock.as_at, managers=manager_frame, rsos=rsos,
                    allocations=allocation_frame, visits=visit_frame, arms=arms_frame,
                    orders=order_frame, decisions=decision_frame)


def recorded_times(days: np.ndarray, at: time) -> np.ndarray:
    """When a dated entry was recorded: that day at ``at`` UTC (aware, as the audit needs)."""
    unique, inverse = np.unique(days, return_inverse=True)
    stamps = np.array([datetime.combine(d, at, tzinfo=UTC) for d in python_dates(unique)],
                      dtype=object)
    return stamps[inverse]
