"""What a move of RSOs does to the offender managers (and team pools) it touches, before it is
made: the rows of the Reassign dialog's and the proposal's before/after tables, their columns, the
sentences summing them up, and the managers a move can go to.

The figures are never computed here: the moves are applied to the window's per-RSO frame
(``analysis.rebalance.apply_moves``) and ``analysis.caseload.manager_figures``, the one
implementation of the caseload and high-risk flags, reads the result. No widgets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.caseload import COUNT_COLUMNS, manager_figures
from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.flags import flag_column, why_column
from ncpi_desktop.analysis.rebalance import apply_moves
from ncpi_desktop.domain.enums import Role
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import Kind, format_value, uk_date
from ncpi_desktop.ui.models.table_model import Column

#: The manager flags a preview reports, with the words a sentence uses for each.
LIMITS: dict[str, str] = {
    "caseload_over_limit": "caseload limit",
    "high_risk_share_over_limit": "high-risk limit",
}
#: Prefix of the flags a preview row had before the move (``flag_was_<name>``).
WAS = "was_"
UNALLOCATED = "Unallocated"
NO_TEAM = "\0no team"


def _was(name: str) -> str:
    return f"{WAS}{name}"


def preview_moves(figures: Figures, moves: pd.DataFrame, *,
                  also: Iterable[str] = ()) -> pd.DataFrame:
    """What ``moves`` (rso_id, to_manager_id) do to every manager they touch (and ``also``):
    one row per manager, and one per team pool RSOs leave, with the figures before
    (``*_before``, flags ``was_*``) and after (flags as ``manager_figures`` names them).

    ``moving`` is the RSOs arriving less those leaving, of any status; the caseload columns count
    community RSOs only (rule 1).
    """
    rsos, policy = figures.rsos, figures.policy
    managers = figures.snapshot.managers
    moved = rsos["rso_id"].isin(moves["rso_id"]).to_numpy(bool)
    leaving = rsos.loc[moved, "manager_id"].dropna()
    touched = (set(leaving) | set(moves["to_manager_id"].dropna()) | set(also))
    rows = moved | rsos["manager_id"].isin(touched).to_numpy(bool)
    columns = ["rso_id", "manager_id", "named", "team", "bcu", *COUNT_COLUMNS.values()]
    subset = rsos.loc[rows, columns]
    staff = managers[managers["manager_id"].isin(touched)]
    before = manager_figures(subset, staff, policy).set_index("manager_id")
    after = manager_figures(apply_moves(subset, moves, managers), staff, policy)
    after = after.set_index("manager_id")
    ids = after.index.union(before.index).rename("manager_id")
    after = after.reindex(ids)
    before = before.reindex(ids)
    for column in ("caseload", "per_fte", "high_risk_share", "workload_capacity"):
        after[f"{column}_before"] = before[column]
    for name in LIMITS:
        after[flag_column(_was(name))] = before[flag_column(name)].fillna(False).astype(bool)
        after[why_column(_was(name))] = before[why_column(name)].fillna("")
        after[flag_column(name)] = after[flag_column(name)].fillna(False).astype(bool)
    arriving = moves["to_manager_id"].value_counts()
    departing = leaving.value_counts()
    after["moving"] = (arriving.reindex(ids, fill_value=0)
                       - departing.reindex(ids, fill_value=0)).astype(int)
    frame = after.reset_index()
    frame["holder"] = frame["name"]
    # Those giving RSOs first, then the pools they leave, those receiving, the rest.
    frame["_rank"] = np.select([frame["moving"] < 0, frame["moving"] > 0], [0, 2], 3)
    pools = _pool_rows(rsos, moved)
    if len(pools):
        frame = pd.concat([frame, pools.assign(_rank=1)], ignore_index=True)
    return frame.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(
        drop=True)


def pool_names(teams: pd.Series) -> pd.Series:
    """"Pool of TEAM" for RSOs with no named manager, or "Unallocated" when no team holds them."""
    teams = teams.astype(object)
    return ("Pool of " + teams.fillna("")).where(teams.notna(), UNALLOCATED)


def _pool_rows(rsos: pd.DataFrame, moved: np.ndarray) -> pd.DataFrame:
    """One row per team pool the moved RSOs leave: pooled community RSOs before and after."""
    leaving = rsos[moved & ~rsos["named"].to_numpy(bool)]
    if leaving.empty:
        return pd.DataFrame()
    team = leaving["team"].astype(object).fillna(NO_TEAM)
    pooled = rsos[rsos["is_pooled"].to_numpy(bool)]
    held = pooled["team"].astype(object).fillna(NO_TEAM).value_counts()
    out = leaving.groupby(team.to_numpy()).agg(moving=("rso_id", "size"),
                                               community=("is_community", "sum"))
    teams = out.index.to_series().astype(object)
    names = pool_names(teams.where(teams != NO_TEAM)).to_numpy(object)
    frame = pd.DataFrame({
        "manager_id": None, "holder": names, "name": names,
        "team": teams.where(teams != NO_TEAM, "").to_numpy(object),
        "moving": -out["moving"].to_numpy(int),
        "caseload_before": held.reindex(out.index, fill_value=0).to_numpy(int),
    })
    frame["caseload"] = frame["caseload_before"] - out["community"].to_numpy(int)
    for name in LIMITS:
        for flag in (name, _was(name)):
            frame[flag_column(flag)] = False
            frame[why_column(flag)] = ""
    return frame.reset_index(drop=True)


def _limit_words(row: pd.Series) -> list[str]:
    words = []
    for name, label in LIMITS.items():
        was, now = bool(row.get(flag_column(_was(name)), False)), bool(row.get(
            flag_column(name), False))
        if was and not now:
            words.append(f"{label} cleared")
        elif now and not was:
            words.append(f"now above the {label}")
        elif now:
            words.append(f"still above the {label}")
    return words


def preview_sentences(preview: pd.DataFrame) -> list[str]:
    """One plain sentence per row of ``preview_moves``: per FTE, high-risk share and workload
    before and after, and what happens to each flag ("Alice Ashworth: 52.0 → 40.0 per FTE,
    ...")."""
    sentences = []
    for _, row in preview.iterrows():  # a handful of managers
        if row["manager_id"] is None or pd.isna(row["manager_id"]):
            sentences.append(f"{row['holder']}: {int(row['caseload_before'])} → "
                             f"{int(row['caseload'])} community RSOs with no named manager.")
            continue
        share = (f"high-risk {format_value(Kind.PERCENT, row['high_risk_share_before']) or '–'}"
                 f" → {format_value(Kind.PERCENT, row['high_risk_share']) or '–'}")
        words = _limit_words(row) or ["within both limits"]
        # As the probation tools preview an allocation: "takes them from 82% to 91%".
        workload = (f"workload {format_value(Kind.PERCENT, row['workload_capacity_before']) or '–'}"
                    f" → {format_value(Kind.PERCENT, row['workload_capacity']) or '–'} of "
                    "capacity")
        sentences.append(
            f"{row['name']}: {format_value(Kind.RATIO, row['per_fte_before'])} → "
            f"{format_value(Kind.RATIO, row['per_fte'])} per FTE, {share}, {workload}; "
            + ", ".join(words) + ".")
    return sentences


def preview_columns(policy: Policy) -> list[Column]:
    """Before and after, side by side; a cell is red where its flag is raised (hover: why)."""
    limit = f"{policy.caseload_limit_per_fte:g}"
    share = f"{policy.high_risk_share_limit:.0%}"
    caseload, was_caseload = ("caseload_over_limit",), (_was("caseload_over_limit"),)
    high, was_high = ("high_risk_share_over_limit",), (_was("high_risk_share_over_limit"),)
    return [
        Column("holder", "Offender manager"),
        Column("team", "Team"),
        Column("moving", "RSOs", Kind.INT, header_tip="RSOs arriving (+) or leaving (−)"),
        Column("caseload_before", "Caseload before", Kind.INT, was_caseload,
               header_tip="Community RSOs before the move"),
        Column("caseload", "after", Kind.INT, caseload,
               header_tip="Community RSOs after the move"),
        Column("per_fte_before", "Per FTE before", Kind.RATIO, was_caseload,
               header_tip=f"Flagged above {limit}"),
        Column("per_fte", "after", Kind.RATIO, caseload, header_tip=f"Flagged above {limit}"),
        Column("high_risk_share_before", "High-risk before", Kind.PERCENT, was_high,
               header_tip=f"High plus very high; flagged above {share}"),
        Column("high_risk_share", "after", Kind.PERCENT, high,
               header_tip=f"High plus very high; flagged above {share}"),
        Column("limits", "After the move", Kind.TEXT, (*caseload, *high)),
    ]


def with_limit_text(preview: pd.DataFrame) -> pd.DataFrame:
    """``preview`` with a ``limits`` column: what happens to the flags, in words."""
    frame = preview.copy()
    words = [", ".join(_limit_words(row)) if not pd.isna(row["manager_id"]) else ""
             for _, row in frame.iterrows()]
    frame["limits"] = [w[:1].upper() + w[1:] if w else "" for w in words]
    named = frame["manager_id"].notna().to_numpy(bool)
    frame.loc[named & (frame["limits"] == ""), "limits"] = "Within both limits"
    return frame


def manager_choices(figures: Figures, *, bcu: str | None, exclude: Iterable[str] = (),
                    absent: Mapping[str, date] | None = None) -> pd.DataFrame:
    """Active offender managers a move can go to, those of ``bcu`` first, then by team and name,
    each with a label: "Dan Duckworth · West 1, West · 10.0 per FTE (absent until ...)"."""
    managers = figures.managers
    choices = managers[(managers["role"] == Role.OFFENDER_MANAGER)
                       & ~managers["manager_id"].isin(list(exclude))].copy()
    choices["_other_bcu"] = choices["bcu"] != bcu
    choices = choices.sort_values(["_other_bcu", "bcu", "team", "name"], kind="stable")
    absent = absent or {}
    notes = choices["manager_id"].map(
        lambda m: f" (absent until {uk_date(absent[m])})" if m in absent else "")
    choices["label"] = (choices["name"] + " · " + choices["team"] + ", " + choices["bcu"]
                        + " · " + choices["per_fte"].map(lambda v: format_value(Kind.RATIO, v))
                        + " per FTE" + notes)
    return choices[["manager_id", "name", "bcu", "team", "label"]].reset_index(drop=True)
