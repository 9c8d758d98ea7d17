"""The machine-readable report (REPORT-JSON.md): the same figures the screens show."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.flags import flag_lists

#: The keys of a force, BCU or team object, in REPORT-JSON.md order.
GROUP_KEYS = [
    "rsos", "community", "custody", "abroad", "missing",
    "low", "medium", "high", "very_high", "high_risk_share",
    "offender_managers", "fte", "per_fte", "pooled",
    "arms_eligible", "arms_current", "arms_completion",
    "active", "reactive",
]
MANAGER_KEYS = [
    "manager_id", "name", "bcu", "team", "fte", "caseload", "per_fte", "high", "very_high",
    "high_risk_share", "arms_completion",
]
MANAGER_FLAGS = ["caseload_over_limit", "high_risk_share_over_limit"]


def _plain(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/NA to None, timestamps to YYYY-MM-DD."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _objects(frame: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    present = [k for k in keys if k in frame.columns]
    return [{k: _plain(v) for k, v in zip(present, row, strict=True)}
            for row in frame[present].itertuples(index=False, name=None)]


def build_report(figures: Figures, group_keys: list[str] | None = None,
                 manager_keys: list[str] | None = None) -> dict[str, Any]:
    keys = group_keys or GROUP_KEYS
    force = _objects(figures.force, keys)[0]
    bcus = _objects(figures.bcus.rename(columns={"bcu": "name"}), ["name", *keys])
    teams = _objects(figures.teams.rename(columns={"team": "name"}), ["name", "bcu", *keys])
    managers = figures.managers
    manager_objects = _objects(managers, manager_keys or MANAGER_KEYS)
    flags, why = flag_lists(managers, MANAGER_FLAGS)
    for obj, f, w in zip(manager_objects, flags, why, strict=True):
        obj["flags"] = f
        obj["why"] = w
    return {
        "as_at": figures.snapshot.as_at.isoformat(),
        "policy": figures.policy.to_dict(),
        "force": force,
        "bcus": bcus,
        "teams": teams,
        "managers": manager_objects,
    }
