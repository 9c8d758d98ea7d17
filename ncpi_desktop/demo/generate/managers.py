"""Offender managers and supervisors, and who holds whom: each RSO's manager (or team pool), BCU,
risk and status."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.demo import names
from ncpi_desktop.demo.generate.arrays import (
    HIGH,
    LOW,
    MEDIUM,
    VERY_HIGH,
    apportion,
    codes,
    group_ranks,
    pick,
    uniform_days,
)
from ncpi_desktop.demo.profiles import Profile
from ncpi_desktop.domain.enums import Role, Status
from ncpi_desktop.domain.policy import Policy

# --- offender managers ----------------------------------------------------------------------


def _repeated(full: np.ndarray) -> np.ndarray:
    """True where a name is a repeat of one earlier in ``full``."""
    _, first = np.unique(full, return_index=True)
    dup = np.ones(len(full), dtype=bool)
    dup[first] = False
    return dup


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
    dup = _repeated(full)
    step = 1
    while dup.any():
        fam = np.where(dup, (fam + step) % len(family), fam)
        full = np.char.add(np.char.add(given, " "), family[fam])
        dup = _repeated(full)
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


def active_offender_managers(managers: pd.DataFrame) -> pd.DataFrame:
    """The offender managers still serving (not supervisors, not leavers)."""
    return managers[managers["active"] & (managers["role"] == Role.OFFENDER_MANAGER.value)]


# --- who holds whom, at what risk, in what status ------------------------------------------

def _named_holders(profile: Profile, rng: np.random.Generator,
                   oms: pd.DataFrame, pooled_high: int) -> pd.DataFrame:
    """Community RSOs held by a named manager: caseloads by load and FTE, the high and very
    high risk dealt by each manager's high-risk propensity."""
    community = profile.rsos - profile.custody - profile.abroad - profile.missing
    named_total = community - profile.pooled - profile.unallocated
    caseload = apportion(named_total, oms["load"].to_numpy() * oms["fte"].to_numpy())
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
    return pd.DataFrame({
        "manager_id": oms["manager_id"].to_numpy()[holder],
        "team": oms["team"].to_numpy()[holder],
        "bcu": oms["bcu"].to_numpy()[holder],
        "risk": risk,
    })


def community_holders(profile: Profile, rng: np.random.Generator,
                      managers: pd.DataFrame) -> pd.DataFrame:
    """Community RSOs: held by a named manager, pooled in a team, or not yet allocated."""
    oms = active_offender_managers(managers)
    pooled_high = round(profile.pooled * profile.pooled_high_share)
    named = _named_holders(profile, rng, oms, pooled_high)

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


def elsewhere_holders(profile: Profile, rng: np.random.Generator,
                      managers: pd.DataFrame) -> pd.DataFrame:
    """RSOs in custody, abroad or missing: held in their BCU by a manager or a team's pool."""
    statuses = np.repeat(np.array([Status.CUSTODY.value, Status.ABROAD.value,
                                   Status.MISSING.value], dtype=object),
                         [profile.custody, profile.abroad, profile.missing])
    n = len(statuses)
    oms = active_offender_managers(managers)
    chosen = oms.iloc[pick(rng, oms["fte"].to_numpy(), len(oms))]  # a shuffled roster
    slot = rng.choice(len(chosen), size=n, p=(chosen["fte"] / chosen["fte"].sum()).to_numpy())
    holder = chosen.iloc[slot]
    in_pool = rng.random(n) < 0.15
    risk = rng.choice(4, size=n, p=[0.38, 0.39, 0.22, 0.01])
    return pd.DataFrame({
        "manager_id": np.where(in_pool, None, holder["manager_id"].to_numpy()),
        "team": holder["team"].to_numpy(), "bcu": holder["bcu"].to_numpy(), "risk": risk,
        "status": statuses, "unallocated": False})
