"""ARMS assessments (rule 10): who is eligible, whose assessment is current, the completion rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import is_in, row_of_each_rso, take
from ncpi_desktop.analysis.dates import add_months, age_in_years
from ncpi_desktop.domain.enums import Sex, Status
from ncpi_desktop.storage.snapshot import Snapshot


def arms_status(snapshot: Snapshot) -> pd.DataFrame:
    """Per RSO (index rso_id, in the snapshot's row order): whether ARMS applies to him (an adult
    male at the as-at date, whatever his status: ``arms_applies``), eligible (ARMS applies and he
    is in the community), latest ARMS date and outcome, its expiry, current, due.

    ``arms_applies`` is what the forecast reads for an RSO released from custody in the coming
    weeks: computed here, from the date of birth, before the figures are cut to a user."""
    rsos = snapshot.rsos
    policy = snapshot.policy
    as_at = snapshot.as_at_ts
    arms = snapshot.arms
    latest = row_of_each_rso(snapshot, arms, latest=arms["completed_on"])
    out = pd.DataFrame(index=pd.Index(rsos["rso_id"], name="rso_id"))
    adult = (age_in_years(rsos["date_of_birth"], as_at) >= policy.arms_adult_age_years).to_numpy()
    applies = is_in(rsos["sex"], Sex.MALE) & adult
    out["arms_applies"] = applies
    out["arms_eligible"] = is_in(rsos["status"], Status.COMMUNITY) & applies
    out["arms_latest_on"] = take(arms["completed_on"], latest, out.index)
    out["arms_latest_outcome"] = take(arms["outcome"], latest, out.index)
    expires = add_months(out["arms_latest_on"], policy.arms_max_age_months)
    out["arms_expires_on"] = expires
    current = out["arms_latest_on"].notna() & (as_at <= expires)
    out["arms_current"] = current & out["arms_eligible"]
    out["arms_due"] = out["arms_eligible"] & ~current
    return out


def completion_by(rsos: pd.DataFrame, keys: list[str], force_rate: float) -> pd.DataFrame:
    """Eligible, current, due and completion per group of ``keys`` of ``rsos`` (rows with
    ``arms_eligible`` and ``arms_current``), and the gap to ``force_rate`` in percentage points
    (``vs_force``). Rows with a blank key are grouped under it (``dropna=False``)."""
    frame = rsos[keys].copy()
    frame["arms_eligible"] = rsos["arms_eligible"].to_numpy(int)
    frame["arms_current"] = rsos["arms_current"].to_numpy(int)
    out = frame.groupby(keys, dropna=False, sort=False)[["arms_eligible", "arms_current"]].sum()
    out = out.reset_index()
    out["arms_due"] = out["arms_eligible"] - out["arms_current"]
    eligible = out["arms_eligible"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["arms_completion"] = np.where(eligible > 0, out["arms_current"] / eligible, np.nan)
    out["vs_force"] = (out["arms_completion"] - force_rate) * 100
    return out


def completion_by_team(rsos: pd.DataFrame, force_rate: float) -> pd.DataFrame:
    """ARMS completion per team (rule 10): the one list of teams the ARMS page and the pack show.

    A row is a real team (``bcu``, ``team``) with at least one eligible RSO: RSOs allocated to
    no team at all count in their BCU's and the force's figures but are not a team (an
    "Unallocated" row would read as a team at 100% or 0%), and a team nobody in it is eligible
    for has no rate to set against the force. RSOs pooled in a team (no named manager) count in
    that team, as in its caseload figures (rule 4). Sorted by BCU, then team."""
    teamed = rsos[rsos["team"].notna().to_numpy()]
    out = completion_by(teamed, ["bcu", "team"], force_rate)
    out = out[out["arms_eligible"].to_numpy() > 0]
    return out.sort_values(["bcu", "team"], kind="stable").reset_index(drop=True)
