"""Who manages each RSO and how: the allocation history (the current holder, and before a
reorganisation or a manager leaving, the one before) and the recorded management decisions."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ncpi_desktop.demo.generate.arrays import Clock, pick, uniform_days
from ncpi_desktop.demo.generate.managers import active_offender_managers
from ncpi_desktop.demo.profiles import Profile
from ncpi_desktop.domain.enums import ManagementMode, Status
from ncpi_desktop.domain.policy import Policy


def _with_ends(alloc: pd.DataFrame) -> pd.DataFrame:
    """Each RSO's segments, latest first, one a day; each ends where the next one starts."""
    alloc = alloc.sort_values(["rso", "start_off"], ascending=[True, False], kind="stable")
    alloc = alloc.drop_duplicates(["rso", "start_off"], keep="last")
    same = alloc["rso"].to_numpy()
    ends = np.full(len(alloc), np.nan)
    follows = np.zeros(len(alloc), dtype=bool)
    follows[:-1] = same[1:] == same[:-1]
    ends[:-1] = np.where(follows[:-1], alloc["start_off"].to_numpy()[1:], np.nan)
    alloc["end_off"] = ends
    return alloc.reset_index(drop=True)


def allocation_history(profile: Profile, rng: np.random.Generator, clock: Clock,
                       frame: pd.DataFrame, managers: pd.DataFrame) -> pd.DataFrame:
    """Who held each RSO from when: the current holder, and before a reorganisation or a
    manager leaving, the one before."""
    n = len(frame)
    registered = frame["registered_off"].to_numpy()
    held = ~frame["unallocated"].to_numpy()
    first = np.maximum(registered - uniform_days(rng, 0, 21, n), 0)
    current_from = first.copy()
    segments: list[pd.DataFrame] = []

    oms = active_offender_managers(managers)
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
    return _with_ends(pd.concat(segments, ignore_index=True))


def management_decisions(rng: np.random.Generator, clock: Clock, frame: pd.DataFrame,
                         reactive: np.ndarray, managers: pd.DataFrame, reactive_from: date,
                         policy: Policy
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
