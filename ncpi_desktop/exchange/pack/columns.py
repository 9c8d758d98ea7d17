"""The pack's columns: the label and kind of each key of the report (REPORT-JSON.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ncpi_desktop.exchange.pack.model import Column
from ncpi_desktop.formats import Kind

#: Labels and kinds of the report's keys (REPORT-JSON.md); a key not listed reads as its name.
KEYS: dict[str, tuple[str, Kind]] = {
    "name": ("Name", Kind.TEXT),
    "bcu": ("BCU", Kind.TEXT),
    "team": ("Team", Kind.TEXT),
    "rsos": ("RSOs", Kind.INT),
    "community": ("Community", Kind.INT),
    "custody": ("Custody", Kind.INT),
    "abroad": ("Abroad", Kind.INT),
    "missing": ("Missing", Kind.INT),
    "low": ("Low", Kind.INT),
    "medium": ("Medium", Kind.INT),
    "high": ("High", Kind.INT),
    "very_high": ("Very high", Kind.INT),
    "high_risk_share": ("High-risk share", Kind.PERCENT),
    "offender_managers": ("OMs", Kind.INT),
    "fte": ("FTE", Kind.FTE),
    "per_fte": ("Per FTE", Kind.RATIO),
    "pooled": ("Pooled", Kind.INT),
    "arms_eligible": ("ARMS eligible", Kind.INT),
    "arms_current": ("ARMS current", Kind.INT),
    "arms_completion": ("ARMS completion", Kind.PERCENT),
    "active": ("Active", Kind.INT),
    "reactive": ("Reactive", Kind.INT),
    "reactive_eligible": ("Reactive eligible", Kind.INT),
    "reactive_review": ("Reactive reviews due", Kind.INT),
    "visits_due": ("Visits due soon", Kind.INT),
    "visits_overdue": ("Visits overdue", Kind.INT),
    "max_days_overdue": ("Most days overdue", Kind.INT),
    "orders_in_force": ("Orders in force", Kind.INT),
    "triggers_open": ("Open trigger clocks", Kind.INT),
    "triggers_overdue": ("Overdue trigger clocks", Kind.INT),
    "workload_points": ("Workload points", Kind.INT),
    "workload_capacity": ("Workload", Kind.PERCENT),
    "workload_grade": ("Workload grade", Kind.TEXT),
    "manager_id": ("Manager id", Kind.TEXT),
    "caseload": ("Caseload", Kind.INT),
    "flags": ("Flags", Kind.TEXT),
    "why": ("Why", Kind.TEXT),
    "rso_id": ("RSO", Kind.TEXT),
    "rso_name": ("RSO name", Kind.TEXT),
    "manager": ("Manager", Kind.TEXT),
    "manager_name": ("Manager name", Kind.TEXT),
    "risk": ("Risk", Kind.TEXT),
    "status": ("Status", Kind.TEXT),
    "management": ("Management", Kind.TEXT),
    "next_visit_due": ("Next visit due", Kind.DATE),
    "days_overdue": ("Days overdue", Kind.INT),
}


def over_capacity(grades: pd.Series) -> pd.Series:
    """Per row, whether its ``workload_grade`` is amber or red (at or above capacity): the
    pack marks those Workload cells."""
    return grades.isin(["amber", "red"]).astype(bool)


def column(key: str, sample: Any = None) -> Column:
    """The column of a report key; a key not in ``KEYS`` reads as its name, its kind guessed
    from a ``sample`` value."""
    if key in KEYS:
        label, kind = KEYS[key]
        return Column(key, label, kind)
    if isinstance(sample, bool) or sample is None:
        kind = Kind.TEXT
    elif isinstance(sample, int):
        kind = Kind.INT
    elif isinstance(sample, float):
        kind = Kind.RATIO
    else:
        kind = Kind.TEXT
    return Column(key, key.replace("_", " ").capitalize(), kind)


def columns_of(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[Column, ...]:
    """The columns of the ``keys`` that ``frame`` holds, in the order given."""
    out = []
    for key in keys:
        if key not in frame.columns:
            continue
        values = frame[key].dropna()
        out.append(column(key, values.iloc[0] if len(values) else None))
    return tuple(out)


def named(columns: tuple[Column, ...], label: str) -> tuple[Column, ...]:
    """The ``name`` column called what it names (Team, BCU)."""
    return tuple(Column(c.key, label, c.kind) if c.key == "name" else c for c in columns)


def group_keys(report: dict[str, Any]) -> list[str]:
    """The force object's keys, in the report's order: every group figure the report carries."""
    return list(report["force"])


def first_value(frame: pd.DataFrame, key: str) -> Any:
    """The first value of ``key`` that is there (None when none is)."""
    values = frame[key].dropna() if key in frame.columns else ()
    return values.iloc[0] if len(values) else None
