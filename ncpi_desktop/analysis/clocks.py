"""Trigger-event clocks (DOMAIN.md rule 14): after an event, a reassessment home visit within the
policy's ``trigger_visit_days`` and, where a child may be at risk, a referral to children's
social care within ``trigger_referral_days``.

Choices the rule leaves open, made here once:

- A clock runs from the event's date. The visit clock stops at the first completed home visit on
  or after that date (a visit before the event, or a no-access visit, does not stop it); the
  referral clock at the first referral on or after it. What happens after the as-at date is not
  known at it.
- Day counts are calendar days: a visit on day 7 after the event (the event's date plus 7) is
  within a 7-day target, one on day 8 is not. An open clock is overdue from the day after its
  due date.
- ``triggers_open`` counts open clocks (an event with a child at risk can hold two), and
  ``triggers_overdue`` those past their due date; a group's are the sums of its RSOs'.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.flags import set_flag, texts
from ncpi_desktop.domain.enums import EVENT_NAMES
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import uk_dates
from ncpi_desktop.storage.snapshot import Snapshot

VISIT = "visit"
REFERRAL = "referral"
#: Each clock in words, as the Clocks list and the pack name it.
CLOCK_NAMES: dict[str, str] = {VISIT: "Reassessment home visit",
                               REFERRAL: "Referral to children's social care"}
#: The columns of one clock (``event_clocks``).
CLOCK_COLUMNS = ["event_id", "rso_id", "type", "event", "occurred_on", "child_at_risk", "clock",
                 "target_days", "due_on", "stopped_on", "days_taken", "within_target", "open",
                 "overdue", "days_left", "days_overdue"]
_EVENT_COLUMNS = ["event_id", "rso_id", "type", "occurred_on", "child_at_risk", "visit_on",
                  "referral_on"]


def _events(snapshot: Snapshot) -> pd.DataFrame:
    """The snapshot's events (``storage.events``), of RSOs in its register; none when it was
    read without them."""
    events = snapshot.extra.get("events")
    if events is None or events.empty:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[s]" if c.endswith("_on") else object)
                             for c in _EVENT_COLUMNS})
    return events[snapshot.rows_of(events) >= 0].reset_index(drop=True)


def _clock(events: pd.DataFrame, kind: str, target: int, stopped: str,
           as_at: np.datetime64) -> pd.DataFrame:
    occurred = events["occurred_on"].to_numpy("datetime64[s]")
    due = occurred + np.timedelta64(target, "D")
    stop = events[stopped].to_numpy("datetime64[s]")
    is_open = np.isnat(stop)
    taken = np.full(len(stop), -1, dtype=np.int64)
    taken[~is_open] = (stop[~is_open] - occurred[~is_open]) // np.timedelta64(1, "D")
    left = (due - as_at) // np.timedelta64(1, "D")
    return pd.DataFrame({
        "event_id": events["event_id"].to_numpy(object),
        "rso_id": events["rso_id"].to_numpy(object),
        "type": events["type"].to_numpy(object),
        "event": np.array([EVENT_NAMES.get(t, str(t)) for t in events["type"].tolist()],
                          dtype=object),
        "occurred_on": occurred, "child_at_risk": events["child_at_risk"].to_numpy(bool),
        "clock": kind, "target_days": target, "due_on": due, "stopped_on": stop,
        "days_taken": pd.arrays.IntegerArray(taken.astype(np.int64), is_open),
        "within_target": ~is_open & (taken <= target), "open": is_open,
        "overdue": is_open & (left < 0),
        "days_left": pd.arrays.IntegerArray(np.maximum(left, 0).astype(np.int64), ~is_open),
        "days_overdue": np.where(is_open & (left < 0), -left, 0).astype(np.int64)})


def event_clocks(snapshot: Snapshot) -> pd.DataFrame:
    """One row per clock of every event by the as-at date (``CLOCK_COLUMNS``): the visit clock of
    each event and the referral clock of each event with a child at risk, with its due date, when
    it stopped (NaT: open) and, when open, the days left or overdue at the as-at date."""
    policy, events = snapshot.policy, _events(snapshot)
    as_at = np.datetime64(snapshot.as_at_ts, "s")
    visits = _clock(events, VISIT, policy.trigger_visit_days, "visit_on", as_at)
    at_risk = events[events["child_at_risk"].to_numpy(bool)]
    referrals = _clock(at_risk, REFERRAL, policy.trigger_referral_days, "referral_on", as_at)
    clocks = pd.concat([visits, referrals], ignore_index=True)
    return clocks[CLOCK_COLUMNS]


def _why(rows: pd.DataFrame) -> np.ndarray:
    """Each overdue clock's sentence: the event, what is missing, the due date, days over."""
    rows = rows.reset_index(drop=True)
    missing = np.where(rows["clock"] == VISIT, "no completed home visit since",
                       "no referral to children's social care since")
    at_risk = np.where(rows["child_at_risk"], " (a child may be at risk)", "")
    def days(column: str) -> pd.Series:
        return texts(rows[column]) + np.where(rows[column] == 1, " day", " days")

    text = (rows["event"].astype(object) + " on " + uk_dates(rows["occurred_on"]) + at_risk
            + ": " + missing + "; due by " + uk_dates(rows["due_on"]) + " (within "
            + days("target_days") + "), " + days("days_overdue") + " overdue")
    return text.to_numpy(object)


def clock_status(snapshot: Snapshot, clocks: pd.DataFrame) -> pd.DataFrame:
    """Per RSO (index rso_id, in the snapshot's row order): ``triggers_open`` and
    ``triggers_overdue`` (counts of clocks) and the flags ``trigger_visit_overdue`` and
    ``referral_overdue``, each with the sentence of its most overdue clock."""
    rsos = snapshot.rsos
    rows = snapshot.rso_rows(clocks["rso_id"])
    count = len(rsos)
    out = pd.DataFrame(index=pd.Index(rsos["rso_id"], name="rso_id"))
    out["triggers_open"] = np.bincount(rows[clocks["open"].to_numpy(bool)], minlength=count)
    out["triggers_overdue"] = np.bincount(rows[clocks["overdue"].to_numpy(bool)],
                                          minlength=count)
    for kind, flag in ((VISIT, "trigger_visit_overdue"), (REFERRAL, "referral_overdue")):
        late = clocks[clocks["overdue"].to_numpy(bool) & (clocks["clock"] == kind).to_numpy()]
        late = late.sort_values(["days_overdue", "event_id"], ascending=[False, True])
        late = late.drop_duplicates("rso_id")  # the most overdue clock of each RSO
        mask = np.zeros(count, dtype=bool)
        at = snapshot.rso_rows(late["rso_id"])
        mask[at] = True
        why = np.full(count, "", dtype=object)
        if len(late):
            why[at] = _why(late)
        set_flag(out, flag, mask, why)
    return out


def with_holders(clocks: pd.DataFrame, rsos: pd.DataFrame) -> pd.DataFrame:
    """``clocks`` with who holds each RSO at the as-at date (``bcu``, ``team``, ``manager_id``,
    ``manager_name`` of the per-RSO figures), most overdue open clock first, then those with
    fewest days left, then stopped ones by date."""
    holders = rsos.set_index("rso_id")[["bcu", "team", "manager_id", "manager_name"]]
    rows = holders.index.get_indexer(clocks["rso_id"])
    found = rows >= 0
    out = clocks.copy()
    for column in holders.columns:
        values = np.full(len(out), None, dtype=object)
        values[found] = holders[column].to_numpy(object)[rows[found]]
        out[column] = values
    left = out["days_left"].astype("float").fillna(np.inf).to_numpy()
    urgency = np.where(out["open"].to_numpy(bool), left - out["days_overdue"].to_numpy(), np.inf)
    order = np.lexsort((out["event_id"].to_numpy(str),
                        out["occurred_on"].to_numpy("datetime64[s]").view(np.int64), urgency))
    return out.iloc[order].reset_index(drop=True)


def clock_summary(clocks: pd.DataFrame, policy: Policy) -> dict[str, Any]:
    """What the pack says of the clocks: how many events, and per clock the median days to the
    visit (or referral) among clocks stopped by the as-at date, and the share within target
    among clocks whose outcome is known (stopped, or open past their due date); None where
    nothing is under a figure. Counts are over the clocks given."""
    summary: dict[str, Any] = {"events": int(clocks.loc[clocks["clock"] == VISIT,
                                                         "event_id"].nunique())}
    for kind in (VISIT, REFERRAL):
        mine = clocks[clocks["clock"] == kind]
        stopped = mine[~mine["open"].to_numpy(bool)]
        known = int(len(stopped) + mine["overdue"].sum())
        summary[kind] = {
            "clocks": int(len(mine)), "open": int(mine["open"].sum()),
            "overdue": int(mine["overdue"].sum()),
            "median_days": (float(np.median(stopped["days_taken"].to_numpy(np.int64)))
                            if len(stopped) else None),
            "within_target": int(stopped["within_target"].sum()),
            "share_within_target": (float(stopped["within_target"].sum()) / known
                                    if known else None),
            "target_days": (policy.trigger_visit_days if kind == VISIT
                            else policy.trigger_referral_days)}
    return summary


__all__ = ["CLOCK_COLUMNS", "CLOCK_NAMES", "REFERRAL", "VISIT", "clock_status",
           "clock_summary", "event_clocks", "with_holders"]
