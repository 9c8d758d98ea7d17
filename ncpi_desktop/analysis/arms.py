"""ARMS assessments (rule 10): who is eligible, whose assessment is current, the completion rate."""

from __future__ import annotations

import pandas as pd

from ncpi_desktop.analysis.dates import add_months, age_in_years
from ncpi_desktop.domain.enums import Sex, Status
from ncpi_desktop.storage.snapshot import Snapshot


def arms_status(snapshot: Snapshot) -> pd.DataFrame:
    """Per RSO (index rso_id): eligible, latest ARMS date and outcome, current, due."""
    rsos = snapshot.rsos.set_index("rso_id")
    policy = snapshot.policy
    as_at = snapshot.as_at_ts
    arms = snapshot.arms.sort_values(["rso_id", "completed_on"])
    latest = arms.drop_duplicates("rso_id", keep="last").set_index("rso_id")
    out = pd.DataFrame(index=rsos.index)
    adult = age_in_years(rsos["date_of_birth"], as_at) >= policy.arms_adult_age_years
    out["arms_eligible"] = (
        (rsos["status"] == Status.COMMUNITY) & (rsos["sex"] == Sex.MALE) & adult)
    out["arms_latest_on"] = latest["completed_on"].reindex(out.index)
    out["arms_latest_outcome"] = latest["outcome"].reindex(out.index)
    expires = add_months(out["arms_latest_on"], policy.arms_max_age_months)
    out["arms_expires_on"] = expires
    current = out["arms_latest_on"].notna() & (as_at <= expires)
    out["arms_current"] = current & out["arms_eligible"]
    out["arms_due"] = out["arms_eligible"] & ~current
    return out
