"""Weighted workload beside the count (the probation workload tools' measure, ISSUE 18 part 2).

Each community RSO (rule 1) carries the policy's points for its risk level under active
management, or the reactive points; an offender manager's, team's, BCU's or the force's
capacity used is its points over its FTE times the policy's points per FTE. Graded as those
tools grade it: amber from 100% of capacity, red above the policy's
``severe_above_share_of_limit`` (110%). The 50-per-FTE rule (rule 2) stays the flag; workload is
shown beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import fmt_percent

#: The per-RSO column of points, summed for every group as ``workload_points``.
POINTS_COLUMN = "workload_points"
#: A grade (``workload_grade``) in words, as ``report --json`` gives it.
GRADE_WORDS: tuple[str, ...] = ("none", "amber", "red")


def rso_points(rsos: pd.DataFrame, policy: Policy) -> np.ndarray:
    """Per RSO, its workload points (whole numbers): 0 outside the community, the reactive
    points under reactive management, else the points of its risk level (those of no risk
    level where none is recorded). Reads the caseload frame's ``is_*`` columns."""
    community = rsos["is_community"].to_numpy(bool)
    reactive = rsos["is_reactive"].to_numpy(bool)
    points = np.where(community, policy.workload_points_no_risk_level, 0).astype(np.int64)
    for level, value in (("low", policy.workload_points_low),
                         ("medium", policy.workload_points_medium),
                         ("high", policy.workload_points_high),
                         ("very_high", policy.workload_points_very_high)):
        points[rsos[f"is_{level}"].to_numpy(bool)] = value
    points[reactive] = policy.workload_points_reactive
    return points


def capacity(points: pd.Series | np.ndarray, fte: pd.Series | np.ndarray,
             policy: Policy) -> np.ndarray:
    """Points over what the FTE holds at 100% (``fte * workload_points_per_fte``), as a
    fraction (1.0 = 100%); NaN (blank, JSON null) where there is no FTE to hold them."""
    held = np.asarray(fte, dtype=float) * policy.workload_points_per_fte
    return np.divide(np.asarray(points, dtype=float), held, out=np.full(len(held), np.nan),
                     where=held > 0)


def grade(used: np.ndarray, policy: Policy, epsilon: float) -> np.ndarray:
    """Per row: 0 under 100% of capacity, 1 (amber) from 100% up to the policy's severe share
    (110%), 2 (red) strictly above it; 0 where capacity is blank."""
    used = np.nan_to_num(np.asarray(used, dtype=float), nan=0.0)
    amber = used >= 1.0 - epsilon
    red = used > policy.severe_above_share_of_limit + epsilon
    return amber.astype(np.int8) + red.astype(np.int8)


def add_workload(frame: pd.DataFrame, policy: Policy, epsilon: float) -> None:
    """``workload_capacity`` and ``workload_grade`` of a figures frame with ``workload_points``
    and ``fte`` (a manager's, a group's: the same sums, so the screens and exports agree)."""
    used = capacity(frame["workload_points"], frame["fte"], policy)
    frame["workload_capacity"] = used
    frame["workload_grade"] = grade(used, policy, epsilon)


def workload_text(frame: pd.DataFrame) -> pd.Series:
    """Per manager, "workload 118% of capacity: 1 very high, 9 high" (the high and very-high
    RSOs behind it; "none high" without them); blank where there is no FTE."""
    used = frame["workload_capacity"]
    percent = pd.Series([fmt_percent(v) if pd.notna(v) else "" for v in used.tolist()],
                        index=frame.index, dtype=object)
    very_high, high = frame["very_high"].astype(int), frame["high"].astype(int)
    mix = pd.Series("none high or very high", index=frame.index, dtype=object)
    both = (very_high > 0) & (high > 0)
    mix[very_high > 0] = very_high.astype(str) + " very high"
    mix[(high > 0) & ~both] = high.astype(str) + " high"
    mix[both] = very_high.astype(str) + " very high, " + high.astype(str) + " high"
    text = "workload " + percent + " of capacity: " + mix
    return text.where(used.notna(), "")
