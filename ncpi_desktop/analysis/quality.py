"""Quality assurance (DOMAIN.md rule 15): coverage of case reviews, grades, overdue actions and
the monthly dip sample.

Choices the rule leaves open, made here once:

- **Coverage** = community RSOs whose case was reviewed in the last ``qa_coverage_months``
  months / community RSOs. "In the last 12 months" reads as an ARMS does (rule 10): a review
  counts while the as-at date is on or before the review's date plus 12 calendar months, so a
  review on 09/10/2016 still counts on 09/10/2017 and no longer on 10/10/2017.
- **Grades** are counted once per RSO: the grade of its latest review in the window (of two on
  one day, the later recorded), for the community RSOs coverage counts, so the three grade counts
  add up to ``qa_reviewed``.
- An **action is overdue** when it is not done by the as-at date and its due date is before it
  (due today is not yet overdue).
- The **dip sample** for a month proposes ``qa_sample_per_manager`` community RSOs of each active
  offender manager, from those not reviewed in the window (all of theirs if too few are left),
  weighted to high and very-high risk and to cases never reviewed. It is drawn by keys hashed from
  the month and each RSO's id: the same month gives the same sample, whatever else changed.
"""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import row_of_each_rso, take
from ncpi_desktop.analysis.dates import add_months
from ncpi_desktop.domain.enums import HIGH_RISK_LEVELS, ReviewGrade, Status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.snapshot import Snapshot

#: The per-RSO grade columns, by grade, in the grades' order.
GRADE_COLUMNS: dict[str, str] = {grade.value: f"qa_{grade.value}" for grade in ReviewGrade}
#: Group counts (REPORT-JSON.md key -> per-RSO column summed): reviewed, and each grade.
QA_SUMS: dict[str, str] = {"qa_reviewed": "qa_reviewed",
                           **{column: column for column in GRADE_COLUMNS.values()}}
#: The report's quality keys of a force, BCU or team, in REPORT-JSON.md order.
QA_KEYS: list[str] = ["qa_reviewed", "qa_coverage", *GRADE_COLUMNS.values()]

_REVIEW_COLUMNS = ["review_id", "rso_id", "reviewed_on", "reviewer", "grade"]
_ACTION_COLUMNS = ["action_id", "review_id", "rso_id", "text", "owner", "due_on", "done_on"]


def _frame(snapshot: Snapshot, name: str, columns: list[str]) -> pd.DataFrame:
    """``snapshot.extra[name]``, or an empty frame of ``columns`` when it was not read."""
    frame = snapshot.extra.get(name)
    return pd.DataFrame(columns=columns) if frame is None else frame


def in_window(reviewed_on: pd.Series, as_at: pd.Timestamp, policy: Policy) -> np.ndarray:
    """Reviews that count at ``as_at``: made by then, and ``as_at`` no later than their date
    plus the coverage window."""
    dates = pd.to_datetime(reviewed_on)
    until = add_months(dates, policy.qa_coverage_months)
    return ((dates <= as_at) & (as_at <= until)).to_numpy(bool)


def review_status(snapshot: Snapshot) -> pd.DataFrame:
    """Per RSO (index rso_id, in the snapshot's row order): ``qa_last_reviewed_on`` (latest ever),
    ``qa_grade`` (of the latest review in the window), ``qa_reviewed`` (a community RSO reviewed
    in the window) and one flag per grade (``qa_good``...), counted for those RSOs alone."""
    rsos = snapshot.rsos
    index = pd.Index(rsos["rso_id"], name="rso_id")
    reviews = _frame(snapshot, "reviews", _REVIEW_COLUMNS)
    dates = pd.to_datetime(reviews["reviewed_on"]).astype("datetime64[s]")
    out = pd.DataFrame(index=index)
    out["qa_last_reviewed_on"] = take(dates, row_of_each_rso(snapshot, reviews, latest=dates),
                                      index)
    counted = reviews[in_window(dates, snapshot.as_at_ts, snapshot.policy)]
    latest = row_of_each_rso(snapshot, counted,
                             latest=pd.to_datetime(counted["reviewed_on"]).astype(
                                 "datetime64[s]"))
    out["qa_grade"] = take(counted["grade"].astype(object), latest, index)
    community = (rsos["status"] == Status.COMMUNITY.value).fillna(False).to_numpy(bool)
    reviewed = community & (latest >= 0)
    out["qa_reviewed"] = reviewed
    grade = out["qa_grade"].to_numpy(object)
    for value, column in GRADE_COLUMNS.items():
        out[column] = reviewed & (grade == value)
    return out


def add_coverage(groups: pd.DataFrame) -> pd.DataFrame:
    """``qa_coverage`` on group figures: reviewed over community RSOs (NaN with none)."""
    community = groups["community"].to_numpy(float)
    groups["qa_coverage"] = np.divide(groups["qa_reviewed"].to_numpy(float), community,
                                      out=np.full(len(groups), np.nan), where=community > 0)
    return groups


def actions_status(rsos: pd.DataFrame, snapshot: Snapshot) -> pd.DataFrame:
    """Every action of a review made by the as-at date, with its RSO's BCU, team and offender
    manager (``rsos``: ``Figures.rsos``), ``open``, ``overdue`` and ``days_overdue``; the most
    overdue first."""
    actions = _frame(snapshot, "review_actions", _ACTION_COLUMNS).copy()
    as_at = snapshot.as_at_ts
    due = pd.to_datetime(actions["due_on"])
    done = pd.to_datetime(actions["done_on"])
    actions["open"] = done.isna().to_numpy(bool)
    actions["overdue"] = actions["open"].to_numpy(bool) & (due < as_at).to_numpy(bool)
    actions["days_overdue"] = np.where(actions["overdue"], (as_at - due).dt.days, 0).astype(int)
    where = rsos.set_index("rso_id")[["bcu", "team", "manager_id", "manager_name"]]
    actions = actions.join(where.reindex(actions["rso_id"]).reset_index(drop=True))
    return actions.sort_values(["days_overdue", "due_on", "action_id"],
                               ascending=[False, True, True], kind="stable"
                               ).reset_index(drop=True)


def coverage_by(rsos: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Coverage and grades per group of ``by`` of ``rsos`` (``Figures.rsos``, or a slice of it:
    what a page's filter leaves), summing the same per-RSO columns as the group figures: groups
    with community RSOs, by ``by``."""
    community = (rsos["status"] == Status.COMMUNITY.value).fillna(False).to_numpy(bool)
    frame = rsos.loc[community, by].copy()
    frame["community"] = 1
    for column in QA_SUMS.values():
        frame[column] = rsos.loc[community, column].to_numpy(int)
    if frame.empty:
        return pd.DataFrame(columns=[*by, "community", *QA_KEYS])
    out = frame.groupby(by, dropna=False, sort=True)[["community", *QA_SUMS.values()]].sum()
    return add_coverage(out.reset_index())[[*by, "community", *QA_KEYS]]


def coverage_table(figures_groups: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The Quality page's and the pack's table: ``by`` (BCU, or BCU and team), community RSOs,
    reviewed, coverage and the grades, of groups with community RSOs."""
    columns = [*by, "community", *QA_KEYS]
    table = figures_groups[[c for c in columns if c in figures_groups.columns]]
    table = table[table["community"].to_numpy() > 0]
    return table.sort_values(by, kind="stable").reset_index(drop=True)


def _keys(month: date, rso_ids: np.ndarray) -> np.ndarray:
    """A uniform number in (0, 1) for each RSO id, fixed by the month."""
    stamp = f"{month:%Y-%m}:".encode()
    numbers = [int.from_bytes(hashlib.blake2b(stamp + str(rso_id).encode(), digest_size=8)
                              .digest(), "big") for rso_id in rso_ids]
    return (np.asarray(numbers, dtype=np.float64) + 1.0) / (2.0 ** 64 + 2.0)


def dip_sample(rsos: pd.DataFrame, policy: Policy, month: date) -> pd.DataFrame:
    """This month's proposed dip sample (``rsos``: ``Figures.rsos`` with ``review_status``'s
    columns): for each active offender manager holding community RSOs, up to
    ``qa_sample_per_manager`` of them, drawn without replacement with weights (the
    Efraimidis-Spirakis keys ``log(u) / weight``, largest first). Columns: manager, RSO, risk,
    last review, why it weighs more."""
    held = rsos[(rsos["status"] == Status.COMMUNITY.value).fillna(False).to_numpy(bool)
                & rsos["manager_id"].notna().to_numpy(bool)]
    held = held.assign(_recent=held["qa_reviewed"].to_numpy(bool))
    high = held["risk_level"].isin([level.value for level in HIGH_RISK_LEVELS]).to_numpy(bool)
    never = held["qa_last_reviewed_on"].isna().to_numpy(bool)
    weight = (np.where(high, policy.qa_sample_weight_high_risk, 1.0)
              * np.where(never, policy.qa_sample_weight_never_reviewed, 1.0))
    key = np.log(_keys(month, held["rso_id"].to_numpy(object))) / weight
    # Not reviewed in the window first, then by key: a manager whose cases were all reviewed
    # recently still gets a sample.
    held = held.assign(_key=key, _high=high, _never=never).sort_values(
        ["manager_id", "_recent", "_key", "rso_id"], ascending=[True, True, False, True],
        kind="stable")
    chosen = held.groupby("manager_id", sort=True).head(policy.qa_sample_per_manager)
    why = np.where(chosen["_high"] & chosen["_never"], "high risk, never reviewed",
                   np.where(chosen["_high"], "high risk",
                            np.where(chosen["_never"], "never reviewed", "")))
    return pd.DataFrame({
        "manager_id": chosen["manager_id"].to_numpy(object),
        "manager_name": chosen["manager_name"].to_numpy(object),
        "team": chosen["team"].to_numpy(object),
        "rso_id": chosen["rso_id"].to_numpy(object),
        "risk_level": chosen["risk_level"].to_numpy(object),
        "last_reviewed_on": chosen["qa_last_reviewed_on"].to_numpy(),
        "weighted": why,
    })
