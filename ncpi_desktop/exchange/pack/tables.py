"""What the sections build their tables from: the report and figures in one ``Context``, the
report's managers and RSOs as frames, and the RSO lists and group tables several sections print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.enums import RiskLevel
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.pack.columns import columns_of, group_keys, named, over_capacity
from ncpi_desktop.exchange.pack.model import PDF_LIST_ROWS, Table
from ncpi_desktop.exchange.pack.text import risk_label
from ncpi_desktop.formats import is_blank

#: The keys of the report's RSO objects the pack reads.
RSO_COLUMNS = ("rso_id", "manager_id", "bcu", "team", "status", "risk_level", "management",
               "next_visit_due", "days_overdue", "flags", "why")
#: RSO flags the pack lists RSOs by (a boolean column ``has_<flag>`` each).
LISTED_FLAGS = ("visit_overdue", "reactive_eligible", "reactive_review")


@dataclass
class Context:
    """What every section reads: the figures, their report, the policy, whether to name RSOs."""

    figures: Figures
    report: dict[str, Any]
    policy: Policy
    names: bool
    force: dict[str, Any]
    managers: pd.DataFrame  # the report's managers, plus role and a display column
    rsos: pd.DataFrame | None  # the report's rsos list, plus display columns

    def has(self, *keys: str) -> bool:
        return all(k in self.force for k in keys)


def manager_frame(figures: Figures, report: dict[str, Any]) -> pd.DataFrame:
    """The report's managers, with their role and a chart label 'Name (id)'."""
    managers = pd.DataFrame(report["managers"])
    for key in ("manager_id", "name", "caseload", "per_fte", "high_risk_share", "flags", "why"):
        if key not in managers.columns:
            managers[key] = pd.Series(dtype=object)
    roles = figures.managers.set_index("manager_id")["role"]
    managers["role"] = managers["manager_id"].map(roles)
    managers["label"] = managers["name"].astype(str) + " (" + managers["manager_id"] + ")"
    return managers


def rso_frame(report: dict[str, Any]) -> pd.DataFrame | None:
    """The report's ``rsos`` list as a frame of the keys the pack reads, with ``has_<flag>``
    columns; None when the report does not list RSOs."""
    if "rsos" not in report:
        return None
    objects = report["rsos"]
    present = [k for k in RSO_COLUMNS if not objects or k in objects[0]]
    rsos = pd.DataFrame({k: pd.Series([o[k] for o in objects], dtype=object) for k in present})
    exploded = rsos["flags"].explode() if len(rsos) else pd.Series(dtype=object)
    for flag in LISTED_FLAGS:
        listed = exploded.index[exploded.to_numpy() == flag]
        rsos[f"has_{flag}"] = rsos.index.isin(listed)
    return rsos


def decorated(context: Context, rows: pd.DataFrame) -> pd.DataFrame:
    """RSO rows as a list shows them: manager name, risk label, dates, the name if asked for."""
    rows = rows.copy()
    figures = context.figures
    rows["manager_name"] = rows["manager_id"].map(figures.managers.set_index("manager_id")["name"])
    rows["manager"] = manager_text(rows["manager_id"], rows["manager_name"])
    labels = {level.value: level.label for level in RiskLevel}
    rows["risk"] = rows["risk_level"].map(labels).fillna(risk_label(None)).astype(object)
    if "next_visit_due" in rows:
        due = pd.to_datetime(rows["next_visit_due"], format="ISO8601")
        rows["next_visit_due"] = pd.Series(
            [d.date() if not pd.isna(d) else None for d in due], index=rows.index, dtype=object)
    if context.names:
        frame = figures.rsos.set_index("rso_id")
        full = frame["family_name"].fillna("").str.upper() + ", " + frame["given_names"].fillna("")
        rows["rso_name"] = rows["rso_id"].map(full)
    return rows


def manager_text(ids: pd.Series, names: pd.Series) -> pd.Series:
    """'Alex Hart (OM001)', or 'No named OM' for an RSO pooled or unallocated."""
    text = names.astype(object).fillna("") + " (" + ids.astype(object).fillna("") + ")"
    return text.where(ids.notna(), "No named OM").astype(object)


def why_of(whys: list[str], flags: list[str], flag: str) -> str:
    """The why sentence of one flag among an RSO's flags."""
    return next((w for f, w in zip(flags, whys, strict=True) if f == flag), "")


def flagged(rsos: pd.DataFrame, flag: str) -> pd.DataFrame:
    return rsos[rsos[f"has_{flag}"]]


def rso_table(context: Context, rows: pd.DataFrame, key: str, caption: str, sheet: str,
              extra: Sequence[str], pdf_extra: Sequence[str], note: str = "") -> Table:
    """A list of RSOs: id (and name if asked for), manager, team, BCU, risk, then ``extra``."""
    head = ["rso_id", "rso_name"] if context.names else ["rso_id"]
    keys = [*head, "manager", "manager_id", "manager_name", "team", "bcu", "risk", *extra]
    frame = decorated(context, rows).reindex(columns=keys).reset_index(drop=True)
    columns = columns_of(frame, keys)
    return Table(key=key, caption=caption, frame=frame, columns=columns, sheet=sheet,
                 pdf_columns=(*head, "manager", "team", "risk", *pdf_extra),
                 pdf_rows=PDF_LIST_ROWS, note=note, pdf_only=("manager",))


def over(value: Any, limit: float) -> bool:
    """Above a policy limit (beyond rounding); a figure that does not apply is not."""
    return not is_blank(value) and float(value) > limit + EPSILON


def group_table(context: Context, key: str, caption: str, rows: list[dict[str, Any]],
                sheet: str | None, head: Sequence[str], total: dict[str, Any] | None = None,
                ) -> Table:
    """Force, BCUs or teams: every group figure of the report, the limits' breaches marked."""
    keys = [*head, *group_keys(context.report)]
    if total is not None:
        rows = [{"name": "Force", **total, "is_total": True}, *rows]
    frame = pd.DataFrame(rows).reindex(columns=[*keys, "is_total"])
    frame["is_total"] = frame["is_total"].eq(True)
    p = context.policy
    frame["over_per_fte"] = [over(v, p.caseload_limit_per_fte) for v in frame["per_fte"]]
    frame["over_share"] = [over(v, p.high_risk_share_limit) for v in frame["high_risk_share"]]
    frame["over_workload"] = over_capacity(frame.get("workload_grade", pd.Series(
        index=frame.index, dtype=object)))
    printed = [*head, "rsos", "community", "fte", "per_fte", "workload_capacity",
               "high_risk_share", "pooled", "arms_completion", "reactive", "visits_overdue",
               "max_days_overdue"]
    columns = columns_of(frame, keys)
    return Table(key=key, caption=caption, frame=frame,
                 columns=named(columns, "Team") if "bcu" in head else columns,
                 sheet=sheet, pdf_columns=tuple(printed),
                 highlight={"per_fte": "over_per_fte", "high_risk_share": "over_share",
                            "workload_capacity": "over_workload"},
                 emphasis="is_total")


def list_note(total: int, what: str, shown: int = PDF_LIST_ROWS) -> str:
    """Under a list the PDF cuts short: how many it shows of how many."""
    if total <= shown:
        return ""
    return f"The first {shown} of {total:,} {what}; the workbook lists every one."
