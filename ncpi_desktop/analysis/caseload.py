"""Caseload figures (rules 1-5): per offender manager, team, BCU and force, with flags and why.

One implementation over whole frames: the force row, a team's row and a manager's row are the same
sums over different groupings of the same per-RSO frame.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import is_in
from ncpi_desktop.analysis.arms import arms_status
from ncpi_desktop.analysis.flags import grade, set_flag, severity_column, texts
from ncpi_desktop.analysis.workload import POINTS_COLUMN, add_workload, rso_points, workload_text
from ncpi_desktop.domain.enums import HIGH_RISK_LEVELS, ManagementMode, RiskLevel, Role, Status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import fmt_number, fmt_percent
from ncpi_desktop.storage.snapshot import ROW_KEY, Snapshot

#: Comparisons with a policy limit allow for float rounding (35 RSOs on 0.7 FTE is exactly 50).
EPSILON = 1e-9

#: Output key -> boolean per-RSO column summed for every group (REPORT-JSON.md keys).
COUNT_COLUMNS: dict[str, str] = {
    "community": "is_community",
    "custody": "is_custody",
    "abroad": "is_abroad",
    "missing": "is_missing",
    "low": "is_low",
    "medium": "is_medium",
    "high": "is_high",
    "very_high": "is_very_high",
    "pooled": "is_pooled",
    "arms_eligible": "arms_eligible",
    "arms_current": "arms_current",
    "active": "is_active",
    "reactive": "is_reactive",
    "workload_points": POINTS_COLUMN,
}


def rso_caseload(snapshot: Snapshot) -> pd.DataFrame:
    """Per RSO: the holder at the as-at date, where they count, and the caseload flags."""
    rsos = snapshot.rsos.drop(columns=[ROW_KEY], errors="ignore")  # storage's, not a figure
    managers = snapshot.managers
    recorded = rsos["manager_id"].astype(object)
    # Each RSO's holder among the managers (-1: none): one lookup, read for every column below.
    # The recorded ids are factorised first: a few thousand managers hold 100,000 RSOs.
    codes, ids = pd.factorize(recorded.to_numpy())
    holder = np.append(pd.Index(managers["manager_id"]).get_indexer(ids), -1)[codes]
    known = holder >= 0
    named = np.zeros(len(rsos), dtype=bool)  # held by an active manager
    named[known] = managers["active"].to_numpy(bool)[holder[known]]
    unnamed = ~named

    def of_holder(column: str, otherwise: pd.Series | np.ndarray | None) -> pd.Series:
        """The named holder's ``column``; ``otherwise`` (the rows without one; else blank)."""
        values = np.empty(len(rsos), dtype=object)
        values[named] = managers[column].to_numpy(object)[holder[named]]
        values[unnamed] = np.nan if otherwise is None else otherwise
        return pd.Series(values, index=rsos.index, dtype=object)

    def unnamed_rows(column: str) -> np.ndarray:
        return np.asarray(rsos[column].array[unnamed], dtype=object)

    rsos["recorded_manager_id"] = recorded
    rsos["manager_id"] = recorded.where(named)
    rsos["named"] = named
    held_team = unnamed_rows("team")
    rsos["team"] = of_holder("team", np.where(pd.isna(held_team), unnamed_rows("home_team"),
                                              held_team))
    rsos["bcu"] = of_holder("bcu", unnamed_rows("home_bcu"))
    rsos["manager_name"] = of_holder("name", None)

    status = rsos["status"]
    community = is_in(status, Status.COMMUNITY)
    rsos["is_community"] = community
    for value in (Status.CUSTODY, Status.ABROAD, Status.MISSING):
        rsos[f"is_{value}"] = is_in(status, value)
    for level in RiskLevel:
        rsos[f"is_{level}"] = community & is_in(rsos["risk_level"], level)
    rsos["is_high_risk"] = community & is_in(rsos["risk_level"], *HIGH_RISK_LEVELS)
    rsos["is_pooled"] = community & ~named
    rsos["is_reactive"] = community & is_in(rsos["management"], ManagementMode.REACTIVE)
    rsos["is_active"] = community & ~rsos["is_reactive"].to_numpy()
    rsos[POINTS_COLUMN] = rso_points(rsos, snapshot.policy)

    arms = arms_status(snapshot)
    for column in arms.columns:
        rsos[column] = arms[column].array

    _no_named_manager_flag(rsos, recorded)
    return rsos


def _no_named_manager_flag(rsos: pd.DataFrame, recorded: pd.Series) -> None:
    """The flag ``no_named_manager`` on the pooled RSOs, saying where each is held."""
    pooled = rsos["is_pooled"].to_numpy()
    why = np.full(len(rsos), "", dtype=object)
    if pooled.any():
        team = rsos["team"].to_numpy(object)[pooled]
        left = pd.notna(recorded.to_numpy()[pooled])
        text = np.full(len(team), "No named offender manager: unallocated", dtype=object)
        has_team = pd.notna(team)
        text[has_team] = "No named offender manager: pooled in team " + team[has_team]
        text[left] = ("No named offender manager: " + recorded.to_numpy(object)[pooled][left]
                      + " is not an active manager")
        why[pooled] = text
    set_flag(rsos, "no_named_manager", pooled, why)


def _groups(rsos: pd.DataFrame, by: list[str], rows: np.ndarray | None = None,
            ) -> tuple[np.ndarray, pd.Index]:
    """What ``rsos[rows].groupby(by, dropna=True)`` groups by: each row's group (-1: not
    counted, or a blank key) and the groups' keys, in key order. Without ``by``, every counted
    row is in the one group."""
    group = np.zeros(len(rsos), dtype=np.int64)
    levels = []
    for column in by:
        code, uniques = pd.factorize(rsos[column], sort=True)
        group = np.where((group < 0) | (code < 0), -1, group * len(uniques) + code)
        levels.append(uniques)
    if rows is not None:
        group[~rows] = -1
    if not by:
        return group, pd.RangeIndex(1)
    counted = group >= 0
    numbers, present = pd.factorize(group[counted], sort=True)
    group[counted] = numbers
    keys = []
    for uniques in reversed(levels):
        present, code = np.divmod(present, len(uniques))
        keys.insert(0, pd.Index(np.asarray(uniques, dtype=object)[code]))
    index = (pd.Index(keys[0], name=by[0]) if len(by) == 1
             else pd.MultiIndex.from_arrays(keys, names=by))
    return group, index


def _counts(rsos: pd.DataFrame, by: list[str], sums: dict[str, str] | None = None,
            maxima: dict[str, str] | None = None, rows: np.ndarray | None = None,
            ) -> pd.DataFrame:
    """Per group of ``by`` (``_groups``; one row without ``by``): how many RSOs, sums of the
    ``sums`` columns (default ``COUNT_COLUMNS``; flags or counts) and maxima of the ``maxima``
    columns (whole numbers; 0 for a group without RSOs), counting the ``rows`` of ``rsos``
    (a mask; default all).

    Summed in numpy by group number (``np.bincount``): pandas' groupby sums each column of a
    100,000-row frame through its general machinery, several times slower.
    """
    sums = COUNT_COLUMNS if sums is None else sums
    group, index = _groups(rsos, by, rows)
    counted = group >= 0
    group = group[counted]
    size = np.bincount(group, minlength=len(index))
    counts = {"rsos": size}
    for key, column in sums.items():
        values = rsos[column].to_numpy()[counted]
        if values.dtype == bool:
            counts[key] = np.bincount(group[values], minlength=len(index))
        else:
            counts[key] = np.bincount(group, weights=values, minlength=len(index)).astype(
                values.dtype)
    for key, column in (maxima or {}).items():
        values = rsos[column].to_numpy()[counted]
        most = np.full(len(index), np.iinfo(values.dtype).min, dtype=values.dtype)
        np.maximum.at(most, group, values)
        counts[key] = np.where(size > 0, most, 0)
    return pd.DataFrame(counts, index=index)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> np.ndarray:
    """``numerator / denominator``, NaN (blank, JSON null) where the denominator is not above 0."""
    above = denominator.to_numpy() > 0
    return np.divide(numerator.to_numpy(float), denominator.to_numpy(float),
                     out=np.full(len(above), np.nan), where=above)


def _shares(frame: pd.DataFrame, caseload: str) -> None:
    """High-risk share and ARMS completion; NaN (blank, JSON null) when nothing is under it."""
    frame["high_risk_share"] = _ratio(frame["high"] + frame["very_high"], frame[caseload])
    frame["arms_completion"] = _ratio(frame["arms_current"], frame["arms_eligible"])


def exact_sum(values: np.ndarray) -> float:
    """The sum of the values rounded once, at the end (``math.fsum``): the same, to the last
    digit, in any order. A running float sum is not (a force's FTE: 1912.1999999999998 or
    1912.2 as the rows came from the database)."""
    return math.fsum(values.tolist())


def _group_sums(values: np.ndarray, group: np.ndarray, count: int) -> np.ndarray:
    """``exact_sum`` of the values of each group 0..count-1 (0.0 for an empty one)."""
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(count + 1))
    ordered = values[order]
    return np.array([exact_sum(ordered[starts[g]:starts[g + 1]]) for g in range(count)],
                    dtype=float)


def _staff(oms: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group of ``by``: how many offender managers and their total FTE (``exact_sum``: the
    same whatever the order of the rows)."""
    group, index = _groups(oms, by)
    counted = group >= 0
    return pd.DataFrame({
        "offender_managers": np.bincount(group[counted], minlength=len(index)),
        "fte": _group_sums(oms["fte"].to_numpy(float)[counted], group[counted], len(index))},
        index=index)


def group_figures(rsos: pd.DataFrame, managers: pd.DataFrame, by: list[str],
                  sums: dict[str, str] | None = None,
                  maxima: dict[str, str] | None = None, *, policy: Policy) -> pd.DataFrame:
    """Force (``by=[]``), BCU (``["bcu"]``) or team (``["bcu", "team"]``) figures.

    Ratios are total community RSOs over the total FTE of the active offender managers in the group.
    ``sums``/``maxima`` (output key -> per-RSO column) extend the counts; maxima are 0 when empty.
    The workload capacity used is the group's points over its FTE at ``policy``'s points per FTE.
    """
    counts = _counts(rsos, by, sums, maxima)
    oms = managers[managers["active"].to_numpy(bool)
                   & is_in(managers["role"], Role.OFFENDER_MANAGER)]
    if by:
        # Every group with RSOs or offender managers (an outer join), zeros where it has none.
        staff = _staff(oms, by)
        groups = counts.index.union(staff.index)
        frame = pd.concat([counts.reindex(groups, fill_value=0),
                           staff.reindex(groups, fill_value=0)], axis=1)
    else:
        frame = counts.assign(offender_managers=len(oms),
                              fte=exact_sum(oms["fte"].to_numpy(float)))
    frame["per_fte"] = _ratio(frame["community"], frame["fte"])
    _shares(frame, "community")
    add_workload(frame, policy, EPSILON)
    return frame.reset_index() if by else frame.reset_index(drop=True)


def manager_figures(rsos: pd.DataFrame, managers: pd.DataFrame, policy: Policy,
                    sums: dict[str, str] | None = None,
                    maxima: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per active offender manager (and supervisor holding RSOs): caseload, per FTE,
    risk mix, ARMS, and the two flags of ``policy``, each graded (``severity_<flag>``: 1 amber
    up to the policy's ``severe_above_share_of_limit`` of its limit, 2 red above)."""
    policy_limit_per_fte = policy.caseload_limit_per_fte
    high_risk_share_limit = policy.high_risk_share_limit
    severe_share = policy.severe_above_share_of_limit
    active = managers[managers["active"]].set_index("manager_id")
    counts = _counts(rsos, ["manager_id"], sums, maxima, rows=rsos["named"].to_numpy(bool))
    counts = counts.reindex(active.index, fill_value=0)
    frame = active[["name", "bcu", "team", "role", "fte"]].join(counts)
    # Supervisors do not carry a caseload; they are listed only if they hold RSOs.
    frame = frame[(frame["role"] == Role.OFFENDER_MANAGER) | (frame["rsos"] > 0)]
    frame = frame.rename(columns={"community": "caseload"})
    frame["per_fte"] = frame["caseload"] / frame["fte"]
    _shares(frame, "caseload")
    add_workload(frame, policy, EPSILON)
    frame = frame.reset_index()

    capacity = policy_limit_per_fte * frame["fte"]
    severity = grade(frame["caseload"], capacity, severe_share, EPSILON)
    over = severity > 0
    # Part-time managers also get their per-FTE figure; at 1.0 FTE it equals the caseload.
    per_fte_note = (" (" + texts(frame["per_fte"], fmt_number) + " per FTE)").where(
        frame["fte"] != 1.0, "")
    frame["workload_why"] = workload_text(frame)
    # The count is the flag (rule 2); the workload behind it is said beside it.
    with_workload = ("; " + frame["workload_why"]).where(frame["workload_why"] != "", "")
    why = (texts(frame["caseload"]) + " community RSOs on " + texts(frame["fte"], fmt_number)
           + " FTE" + per_fte_note
           + f": above {policy_limit_per_fte:g} per FTE" + with_workload)
    set_flag(frame, "caseload_over_limit", over, why)
    frame[severity_column("caseload_over_limit")] = severity

    high_risk = frame["high"] + frame["very_high"]
    share_severity = np.where(frame["caseload"].to_numpy() > 0, grade(
        high_risk, high_risk_share_limit * frame["caseload"], severe_share, EPSILON), 0
    ).astype(np.int8)
    over_share = share_severity > 0
    why_share = (texts(high_risk) + " of " + texts(frame["caseload"])
                 + " community RSOs high or very high risk ("
                 + texts(frame["high_risk_share"].fillna(0), fmt_percent) + "): above "
                 + fmt_percent(high_risk_share_limit))
    set_flag(frame, "high_risk_share_over_limit", over_share, why_share)
    frame[severity_column("high_risk_share_over_limit")] = share_severity
    return frame


def caseload_figures(snapshot: Snapshot) -> dict[str, pd.DataFrame]:
    """Every caseload frame of one snapshot: rsos, managers, teams, bcus, force (one row)."""
    rsos = rso_caseload(snapshot)
    managers = snapshot.managers
    policy = snapshot.policy
    return {
        "rsos": rsos,
        "managers": manager_figures(rsos, managers, policy),
        "teams": group_figures(rsos, managers, ["bcu", "team"], policy=policy),
        "bcus": group_figures(rsos, managers, ["bcu"], policy=policy),
        "force": group_figures(rsos, managers, [], policy=policy),
    }
