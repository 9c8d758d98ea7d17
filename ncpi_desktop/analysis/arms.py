"""ARMS assessments (rule 10): who is eligible, whose assessment is current, the completion rate."""

from __future__ import annotations

import pandas as pd

from ncpi_desktop.analysis.align import is_in, row_of_each_rso, take
from ncpi_desktop.analysis.dates import add_months, age_in_years
from ncpi_desktop.domain.enums import Sex, Status
from ncpi_desktop.storage.snapshot import Snapshot


def arms_status(snapshot: Snapshot) -> pd.DataFrame:
    """Per RSO (index rso_id, in the snapshot's row order): eligible, latest ARMS date and
    outcome, current, due."""
    rsos = snapshot.rsos
    policy = snapshot.policy
    as_at = snapshot.as_at_ts
    arms = snapshot.arms
    latest = row_of_each_rso(snapshot, arms, latest=arms["completed_on"])
    out = pd.DataFrame(index=pd.Index(rsos["rso_id"], name="rso_id"))
    adult = (age_in_years(rsos["date_of_birth"], as_at) >= policy.arms_adult_age_years).to_numpy()
    out["arms_eligible"] = (is_in(rsos["status"], Status.COMMUNITY)
                            & is_in(rsos["sex"], Sex.MALE) & adult)
    out["arms_latest_on"] = take(arms["completed_on"], latest, out.index)
    out["arms_latest_outcome"] = take(arms["outcome"], latest, out.index)
    expires = add_months(out["arms_latest_on"], policy.arms_max_age_months)
    out["arms_expires_on"] = expires
    current = out["arms_latest_on"].notna() & (as_at <= expires)
    out["arms_current"] = current & out["arms_eligible"]
    out["arms_due"] = out["arms_eligible"] & ~current
    return out
