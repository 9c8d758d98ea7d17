"""ARMS completion and overdue visits month by month, computed from the recorded history.

How, and why this way: the figures at each month end come from the same rule functions as the
pages (``analysis.visits.visit_schedule``, ``analysis.arms.arms_status``), each given a snapshot
derived for that month end from ONE read (``storage.history.load_trend_history``, which the
caller makes: analysis reads no database) plus the as-at snapshot the window already holds.
Twelve full snapshot loads would read the register and its 1,500,000 visits twelve times; the
derived snapshots carry RSO ids as integer codes, so the rule functions align and sort integers
rather than 100,000 strings twelve times.

The month ends are the last days of the ``months`` months up to the as-at date (the as-at date
itself when it is a month end). What the register does not date is taken as at the as-at date:
an RSO's status, risk level, sex and holder (there is no history of them), so the trend shows the
RSOs in the community now, with the visits, ARMS assessments, registrations and management
decisions recorded by each month end.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.arms import arms_status
from ncpi_desktop.analysis.visits import visit_schedule
from ncpi_desktop.domain.enums import ManagementMode, Status
from ncpi_desktop.storage.snapshot import Snapshot

#: How far back the trend looks (the issue's "last 12 months": a span to show, not a rule).
TREND_MONTHS = 12

TREND_COLUMNS = ["month_end", "community", "arms_eligible", "arms_current", "arms_completion",
                 "visits_prescribed", "visits_overdue"]


def month_ends(as_at: date, months: int = TREND_MONTHS) -> list[date]:
    """The last day of each of the ``months`` months up to ``as_at``, oldest first."""
    last = pd.Timestamp(as_at) + pd.offsets.MonthEnd(0)
    if last.date() != as_at:
        last = pd.Timestamp(as_at) - pd.offsets.MonthEnd(1)
    ends = pd.date_range(end=last, periods=months, freq="ME")
    return [stamp.date() for stamp in ends]


#: The RSO columns the rule functions read; the text ones become categoricals (comparing and
#: mapping 100,000 strings twelve times costs more than the rules themselves).
_RSO_COLUMNS = ["rso_id", "status", "management", "risk_level", "visit_interval_months",
                "registered_on", "community_since", "sex", "date_of_birth", "last_concern_on"]
_CATEGORIES = ["status", "management", "risk_level", "sex"]


def monthly_trend(snapshot: Snapshot, history: dict[str, pd.DataFrame],
                  months: int = TREND_MONTHS) -> pd.DataFrame:
    """One row per month end (``TREND_COLUMNS``): force-wide ARMS completion (NaN with nobody
    eligible) and overdue visits, from ``history`` (``storage.history.load_trend_history``
    read from the first month end to the as-at date)."""
    rsos = snapshot.rsos[snapshot.rsos["status"] == Status.COMMUNITY].reset_index(drop=True)
    if "born" in history:  # the ages from the register itself: the snapshot may be cut
        born = history["born"].set_index("rso_id")["date_of_birth"]
        rsos = rsos.assign(date_of_birth=born.reindex(rsos["rso_id"]).to_numpy())
    codes = pd.Index(rsos["rso_id"])
    base = rsos[_RSO_COLUMNS].assign(rso_id=np.arange(len(rsos)))
    base["management"] = rsos.get("recorded_management", rsos["management"])
    modes = [m.value for m in ManagementMode]
    for column in _CATEGORIES:
        base[column] = base[column].astype(pd.CategoricalDtype(
            modes if column == "management" else None))
    recorded_mode = base["management"].cat.codes.to_numpy()

    def coded(frame: pd.DataFrame) -> pd.DataFrame:
        code = codes.get_indexer(frame["rso_id"])
        return frame.assign(rso_id=code)[code >= 0]

    visits = coded(history["visits"]).sort_values("visited_on")
    decisions = coded(history["decisions"]).sort_values(["decided_on", "id"])
    decision_mode = pd.Categorical(decisions["mode"], categories=modes).codes
    arms = coded(snapshot.arms).sort_values("completed_on")

    latest_visit = np.full(len(rsos), np.datetime64("NaT"), dtype="datetime64[s]")
    visit_codes = visits["rso_id"].to_numpy()
    visit_dates = visits["visited_on"].to_numpy("datetime64[s]")
    taken = 0
    rows = []
    for end in month_ends(snapshot.as_at, months):
        stamp = pd.Timestamp(end)
        upto = int(np.searchsorted(visit_dates, np.datetime64(end, "s"), side="right"))
        if upto > taken:
            # Dates ascend: after a stable sort by RSO, each RSO's last row is its latest visit.
            order = np.argsort(visit_codes[taken:upto], kind="stable")
            step_codes = visit_codes[taken:upto][order]
            step_dates = visit_dates[taken:upto][order]
            last = np.r_[step_codes[1:] != step_codes[:-1], True]
            latest_visit[step_codes[last]] = step_dates[last]
            taken = upto

        # The mode decided by this month end (decisions ascend: the last one per RSO wins).
        mode = recorded_mode.copy()
        decided = (decisions["decided_on"] <= stamp).to_numpy()
        mode[decisions["rso_id"].to_numpy()[decided]] = decision_mode[decided]
        registered = (base["registered_on"] <= stamp).to_numpy()
        month = base[registered].assign(
            management=pd.Categorical.from_codes(mode[registered], dtype=base["management"].dtype))
        rows.append(_month_figures(snapshot, end, month, latest_visit[registered], arms))
    frame = pd.DataFrame(rows, columns=TREND_COLUMNS)
    frame["month_end"] = frame["month_end"].astype("datetime64[s]")
    return frame


def _month_figures(snapshot: Snapshot, end: date, month: pd.DataFrame,
                   latest_visit: np.ndarray, arms: pd.DataFrame) -> dict[str, object]:
    """One month end's row of the trend, from the RSOs registered by then (``month``, with the
    mode then) and each one's latest completed visit by then."""
    stamp = pd.Timestamp(end)
    facts = pd.DataFrame({"rso_id": month["rso_id"].to_numpy(),
                          "last_visit_on": latest_visit,
                          "last_visit_officers": pd.arrays.IntegerArray(
                              np.zeros(len(month), "int64"), np.ones(len(month), bool)),
                          "last_attempt_on": latest_visit,
                          "failed_attempts": 0})
    derived = dataclasses.replace(
        snapshot, as_at=end, rsos=month.reset_index(drop=True),
        arms=arms[arms["completed_on"] <= stamp], extra={"visits": facts})
    schedule = visit_schedule(derived)
    status = arms_status(derived)
    eligible = int(status["arms_eligible"].sum())
    current = int(status["arms_current"].sum())
    return {
        "month_end": stamp, "community": len(month),
        "arms_eligible": eligible, "arms_current": current,
        "arms_completion": current / eligible if eligible else np.nan,
        "visits_prescribed": int(schedule["visits_prescribed"].sum()),
        "visits_overdue": int(schedule["visit_overdue"].sum()),
    }
