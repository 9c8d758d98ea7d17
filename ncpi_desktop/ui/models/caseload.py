"""The caseload page's tables and texts: the managers against the limits, the RSOs behind a
manager or the pool (column specs), and the words the page writes about them. Pure pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.flags import flag_column, severity_column, why_column
from ncpi_desktop.analysis.workload import GRADE_WORDS
from ncpi_desktop.domain.enums import MANAGEMENT_ORDER, RISK_ORDER, STATUS_ORDER, Role, Status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import Kind, format_value
from ncpi_desktop.ui.models.table_model import Column

#: The manager flags shown on the page, with the word the Flags column uses for each.
MANAGER_FLAGS: dict[str, str] = {
    "caseload_over_limit": "Caseload",
    "high_risk_share_over_limit": "High risk",
}
CASELOAD = ("caseload_over_limit",)
HIGH_RISK = ("high_risk_share_over_limit",)
#: The workload column's grade, shown as a flag of the page's frame only (``with_workload``):
#: the 50-per-FTE rule stays the flag the figures and the report raise.
WORKLOAD = ("workload",)


def manager_columns(policy: Policy) -> list[Column]:
    """The managers table; header tips say what each figure counts, with the policy in force."""
    limit = f"{policy.caseload_limit_per_fte:g}"
    share = f"{policy.high_risk_share_limit:.0%}"
    grades = grade_tips(policy)
    return [
        Column("name", "Offender manager"),
        Column("bcu", "BCU"),
        Column("team", "Team"),
        Column("fte", "FTE", Kind.FTE, header_tip="Full-time equivalent"),
        Column("caseload", "Caseload", Kind.INT, CASELOAD, grade_tips=grades,
               header_tip="Community RSOs held (custody, abroad and missing are not counted)"),
        Column("per_fte", "Per FTE", Kind.RATIO, CASELOAD, grade_tips=grades,
               header_tip=f"Caseload ÷ FTE; flagged above {limit}"),
        Column("high", "High", Kind.INT, header_tip="High-risk community RSOs"),
        Column("very_high", "Very high", Kind.INT, header_tip="Very-high-risk community RSOs"),
        Column("high_risk_share", "High-risk %", Kind.PERCENT, HIGH_RISK, grade_tips=grades,
               header_tip=f"High plus very high as a share of the caseload; flagged above {share}"),
        Column("workload_capacity", "Workload", Kind.PERCENT, WORKLOAD,
               grade_tips=workload_grade_tips(policy), header_tip=workload_tip(policy)),
        Column("flag_text", "Above limit", Kind.TEXT, tuple(MANAGER_FLAGS),
               header_tip="Which limits this manager is above (hover for why)"),
    ]


def grade_tips(policy: Policy) -> tuple[str, str]:
    """The words a flagged cell's tooltip adds for its grade (amber, red)."""
    severe = f"{policy.severe_above_share_of_limit:.0%}"
    return (f"amber: within {severe} of the limit", f"red: more than {severe} of the limit")


def workload_grade_tips(policy: Policy) -> tuple[str, str]:
    """The words a workload cell's tooltip adds for its grade (amber, red)."""
    severe = f"{policy.severe_above_share_of_limit:.0%}"
    return (f"amber: at or above capacity, up to {severe}", f"red: more than {severe} of capacity")


def workload_tip(policy: Policy) -> str:
    """What the workload figure is, with the policy's points."""
    p = policy
    return (f"Weighted workload as a share of capacity: points ÷ (FTE × {p.workload_points_per_fte}"
            f"). Points per community RSO: very high {p.workload_points_very_high}, high "
            f"{p.workload_points_high}, medium {p.workload_points_medium}, low "
            f"{p.workload_points_low}, reactive {p.workload_points_reactive}, no risk level "
            f"{p.workload_points_no_risk_level}. Amber from 100%, red above "
            f"{p.severe_above_share_of_limit:.0%}; the caseload limit stays the flag")


def with_workload(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (managers, or a team's or BCU's rows) with the workload grade as the page's flag
    ``workload`` (its grade and why), so the Workload cell is amber or red as the probation
    tools colour it."""
    grade = frame["workload_grade"].to_numpy(np.int8)
    if "workload_why" in frame.columns:
        why = frame["workload_why"].astype(object).fillna("").str.capitalize()
    else:
        why = pd.Series("", index=frame.index, dtype=object)
    points = frame["workload_points"].map(lambda v: f"{int(v):,}")
    why = (why + " (" + points + " points)").where(grade > 0, "")
    return frame.assign(**{flag_column("workload"): grade > 0,
                           why_column("workload"): why.to_numpy(object),
                           severity_column("workload"): grade})


RSO_COLUMNS = [
    Column("rso_id", "RSO"),
    Column("rso_name", "Name"),
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("status", "Status", Kind.LABEL, order=STATUS_ORDER),
    Column("management", "Management", Kind.LABEL, order=MANAGEMENT_ORDER),
    Column("neighbourhood", "Neighbourhood"),
]
POOLED_COLUMNS = [
    Column("rso_id", "RSO"),
    Column("rso_name", "Name"),
    # Before the other columns, so that a laptop screen shows it whole.
    Column("why_no_named_manager", "Why pooled", text_tip=True),
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("team", "Team"),
    Column("management", "Management", Kind.LABEL, order=MANAGEMENT_ORDER),
    Column("neighbourhood", "Neighbourhood"),
]


def flag_text(managers: pd.DataFrame) -> pd.Series:
    """Per manager, the limits they are above, as words ("Caseload · High risk")."""
    text = pd.Series("", index=managers.index, dtype=object)
    for name, label in MANAGER_FLAGS.items():
        if flag_column(name) not in managers:
            continue
        raised = managers[flag_column(name)].to_numpy(dtype=bool)
        text = text.where(~raised, text.where(text == "", text + " · ") + label)
    return text


def scope_row(figures: Figures, bcu: str | None, team: str | None) -> pd.Series | None:
    """The figures of the force, a BCU or a team (as in ``report --json``); None when the
    scope matches no single row."""
    if team is not None:
        rows = figures.teams[figures.teams["team"] == team]
        if bcu is not None:
            rows = rows[rows["bcu"] == bcu]
        return rows.iloc[0] if len(rows) == 1 else None
    if bcu is not None:
        rows = figures.bcus[figures.bcus["bcu"] == bcu]
        return rows.iloc[0] if len(rows) else None
    return figures.force.iloc[0]


#: The statuses as the RSO list's title counts them.
STATUS_WORDS: dict[Status, str] = {
    Status.COMMUNITY: "in the community", Status.CUSTODY: "in custody",
    Status.ABROAD: "abroad", Status.MISSING: "missing",
}


def holding_text(managers: pd.DataFrame, manager_id: str, rsos: pd.DataFrame) -> str:
    """"Alice Ashworth (East 1, East) holds 28 RSOs: 26 in the community, 2 in custody"."""
    row = managers[managers["manager_id"] == manager_id]
    who = f"{row['name'].iat[0]} ({row['team'].iat[0]}, {row['bcu'].iat[0]})" \
        if len(row) else manager_id
    counts = rsos["status"].value_counts()
    parts = [f"{int(counts[s.value]):,} {STATUS_WORDS[s]}" for s in Status
             if counts.get(s.value, 0)]
    return f"{who} holds {len(rsos):,} RSOs" + (": " + ", ".join(parts) if parts else "")


def counts_text(managers: pd.DataFrame, scope: pd.Series | None = None) -> str:
    """"4 offender managers · 1 above the caseload limit · 1 above the high-risk share", and
    the workload of the ``scope`` in view (its row of the figures: the force, a BCU or a team):
    " · workload 127.1% of capacity, red"."""
    over = [int(managers[flag_column(name)].sum()) if flag_column(name) in managers else 0
            for name in MANAGER_FLAGS]
    oms = int((managers["role"] == Role.OFFENDER_MANAGER).sum()) if "role" in managers else 0
    text = (f"{oms:,} offender managers · {over[0]:,} above the caseload limit · "
            f"{over[1]:,} above the high-risk share")
    if scope is not None and not pd.isna(scope.get("workload_capacity")):
        grade = GRADE_WORDS[int(scope["workload_grade"])]
        text += (f" · workload {format_value(Kind.PERCENT, scope['workload_capacity'])} of "
                 "capacity" + ("" if grade == "none" else f", {grade}"))
    return text


class Holdings:
    """The RSOs behind a manager or the pool, taken from one snapshot's ``Figures.rsos``.

    The pool and the managers' positions are found once per snapshot, on first use, so that a
    click on a manager does not scan 100,000 rows."""

    def __init__(self, rsos: pd.DataFrame) -> None:
        self._rsos = rsos
        self._pool: pd.DataFrame | None = None
        self._positions: dict[str, np.ndarray] | None = None

    def pool(self) -> pd.DataFrame:
        """The community RSOs with no named manager."""
        if self._pool is None:
            self._pool = self._rsos[self._rsos["is_pooled"].to_numpy(dtype=bool)]
        return self._pool

    def held_by(self, manager_id: str) -> pd.DataFrame:
        """The RSOs ``manager_id`` holds."""
        if self._positions is None:
            self._positions = self._rsos.groupby("manager_id", sort=False).indices
        positions = self._positions.get(manager_id)
        return self._rsos.iloc[positions if positions is not None else []]
