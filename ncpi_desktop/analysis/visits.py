"""Home visits (rules 6-9): next visit due, overdue, due soon, warrant of entry, lone visits.

Over whole frames: the per-RSO visit facts come aggregated from the database
(``storage.history.load_visits``); nothing here loops over RSOs.

Choices the rules leave open, made here once:

- Only community RSOs under active management have a visit due (reactive: none prescribed); the
  last visit is still shown for every RSO.
- The RSO's own interval (risk management plan) overrides the default for its risk level. With
  neither a risk level nor an own interval, no next visit can be computed (``no_risk_level``
  says why).
- A completed visit made before the RSO entered the community (``community_since``: a release
  after it, say) does not count towards the next visit: the RSO is due a first visit within the
  first-visit allowance of entering the community.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import (
    each_value,
    is_in,
    row_of_each_rso,
    take,
)
from ncpi_desktop.analysis.dates import add_months
from ncpi_desktop.analysis.flags import set_flag, texts, why_texts
from ncpi_desktop.analysis.management import management_at
from ncpi_desktop.domain.enums import ManagementMode, Status
from ncpi_desktop.formats import uk_dates
from ncpi_desktop.storage.snapshot import Snapshot

VISIT_FACTS = ["last_visit_on", "last_visit_officers", "last_attempt_on", "failed_attempts"]


def _text(values: pd.Series) -> np.ndarray:
    """Each value as text ("" for a blank)."""
    return each_value(values, lambda value: "" if value is None else str(value))


def _months(values: pd.Series) -> np.ndarray:
    """'every 3 months' / 'every 1 month' as text, per row."""
    return each_value(values, lambda number: "every " + ("" if number is None else str(number))
                      + (" month" if number == 1 else " months"))


def _visit_facts(snapshot: Snapshot) -> pd.DataFrame:
    """The per-RSO visit aggregate in the register's row order (no visits: blanks)."""
    visits = snapshot.extra.get("visits")
    if visits is None:
        raise ValueError("The snapshot has no visit history: load it with full_snapshot")
    rows = row_of_each_rso(snapshot, visits)
    facts = pd.DataFrame({column: take(visits[column], rows) for column in VISIT_FACTS})
    facts["failed_attempts"] = facts["failed_attempts"].fillna(0).astype("int64")
    facts["last_visit_officers"] = facts["last_visit_officers"].astype("Int64")
    return facts


def _by_rso(frame: pd.DataFrame, rsos: pd.DataFrame) -> pd.DataFrame:
    """Label a positional frame with the snapshot's rso_ids (work is done on a RangeIndex:
    aligning 100,000 string labels at every step costs more than the rules)."""
    frame.index = pd.Index(rsos["rso_id"], name="rso_id")
    return frame


def _schedule(snapshot: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    policy = snapshot.policy
    as_at = np.datetime64(snapshot.as_at_ts, "s")
    rsos = snapshot.rsos.reset_index(drop=True)
    out = _visit_facts(snapshot)

    entered = rsos["community_since"].fillna(rsos["registered_on"])
    out["entered_on"] = entered
    prescribed = (is_in(rsos["status"], Status.COMMUNITY)
                  & is_in(rsos["management"], ManagementMode.ACTIVE))
    out["visits_prescribed"] = prescribed
    intervals = policy.visit_intervals()
    by_risk = each_value(rsos["risk_level"], lambda level: intervals.get(level, -1))
    by_risk = by_risk.astype(np.int64)
    own = rsos["visit_interval_months"].astype("Int64")
    has_own = own.notna().to_numpy()
    months = np.where(has_own, own.to_numpy(np.int64, na_value=-1), by_risk)
    out["interval_months"] = pd.arrays.IntegerArray(months, months < 0)
    source = np.where(has_own, 2, np.where(by_risk >= 0, 1, 0))
    out["interval_source"] = pd.Series(np.array(["", "risk level", "own"], dtype=object)[source],
                                       index=rsos.index, dtype=object)

    last_visit = out["last_visit_on"].to_numpy("datetime64[s]")
    visited = last_visit >= entered.to_numpy("datetime64[s]")  # never, without a visit (NaT)
    out["visited_since_entry"] = visited
    after_visit = add_months(out["last_visit_on"], out["interval_months"]).where(
        out["interval_months"].notna()).to_numpy("datetime64[s]")
    first_due = (entered + pd.Timedelta(days=policy.first_visit_allowance_days)).to_numpy(
        "datetime64[s]")
    due = np.where(prescribed, np.where(visited, after_visit, first_due), np.datetime64("NaT"))
    out["next_visit_due"] = due

    is_due = ~np.isnat(due)
    days = np.zeros(len(due), dtype=np.int64)
    days[is_due] = (as_at - due[is_due]) // np.timedelta64(1, "D")
    overdue = is_due & (days > 0)
    out["visit_overdue"] = overdue
    out["days_overdue"] = np.where(overdue, days, 0)
    out["days_to_due"] = pd.arrays.IntegerArray(-days, ~is_due)
    out["visit_due_soon"] = is_due & ~overdue & (-days <= policy.due_soon_days)
    return rsos, out


def visit_schedule(snapshot: Snapshot) -> pd.DataFrame:
    """Per RSO (index rso_id, in the snapshot's row order): the numbers of rules 6-7, without
    sentences (the trend reuses it month by month).

    Columns: last_visit_on, last_visit_officers, last_attempt_on, failed_attempts, entered_on,
    visits_prescribed, interval_months (Int64), interval_source ('risk level' / 'own' / blank),
    visited_since_entry, next_visit_due, days_overdue (0 unless overdue), days_to_due,
    visit_overdue, visit_due_soon.

    Each RSO's ``management`` is taken as the mode at the as-at date (``management_at``).
    """
    rsos, out = _schedule(snapshot)
    return _by_rso(out, rsos)


def _columns(mask: np.ndarray, frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """``names`` of ``frame`` on the rows of ``mask``: what a sentence is made of."""
    return pd.DataFrame({name: frame[name].array[mask] for name in names})


def visit_status(snapshot: Snapshot) -> pd.DataFrame:
    """``visit_schedule`` with the flags ``visit_overdue``, ``warrant_consideration`` and
    ``lone_visit``, each with the sentence saying which rule fired and with which numbers."""
    snapshot = management_at(snapshot)
    policy = snapshot.policy
    rsos, out = _schedule(snapshot)
    community = is_in(rsos["status"], Status.COMMUNITY)

    overdue = out["visit_overdue"].to_numpy()
    keys = _columns(overdue, out, ["interval_source", "interval_months", "next_visit_due",
                                  "days_overdue", "entered_on", "visited_since_entry"]).join(
        _columns(overdue, rsos, ["risk_level", "visit_interval_reason"]))

    def overdue_text(rows: pd.DataFrame) -> np.ndarray:
        risk = each_value(rows["risk_level"],
                          lambda level: "" if level is None else level.replace("_", " "))
        every = _months(rows["interval_months"])
        basis = np.where(rows["interval_source"] == "own",
                         "own interval, " + every + ": " + _text(rows["visit_interval_reason"]),
                         risk + " risk, " + every)
        tail = ": " + texts(rows["days_overdue"]) + " days overdue"
        due_text = uk_dates(rows["next_visit_due"])
        after_visit = "Next visit was due " + due_text + " (" + basis + ")" + tail
        first = ("Never visited since entering the community on " + uk_dates(rows["entered_on"])
                 + ": first visit was due " + due_text + " (within "
                 + str(policy.first_visit_allowance_days) + " days)" + tail)
        return np.where(rows["visited_since_entry"], after_visit, first)

    set_flag(out, "visit_overdue", overdue, why_texts(overdue, keys, overdue_text))

    warrant = community & (out["failed_attempts"].to_numpy() >= policy.warrant_after_failed_visits)

    def warrant_text(rows: pd.DataFrame) -> pd.Series:
        since = np.where(rows["last_visit_on"].notna(),
                         " since the last completed visit on " + uk_dates(rows["last_visit_on"]),
                         " and no completed visit")
        return (texts(rows["failed_attempts"]) + " no-access visits in a row (latest "
                + uk_dates(rows["last_attempt_on"]) + ")" + since
                + ": consider a warrant of entry (SOA 2003 s.96B; "
                + str(policy.warrant_after_failed_visits) + " or more)")

    keys = _columns(warrant, out, ["failed_attempts", "last_visit_on", "last_attempt_on"])
    set_flag(out, "warrant_consideration", warrant,
             why_texts(warrant, keys, warrant_text))

    officers = out["last_visit_officers"]
    lone = community & (officers < policy.officers_per_visit).fillna(False).to_numpy(bool)

    def lone_text(rows: pd.DataFrame) -> pd.Series:
        count = rows["last_visit_officers"].astype("int64")
        return ("Latest completed visit on " + uk_dates(rows["last_visit_on"])
                + " made by " + texts(count)
                + np.where(count == 1, " officer", " officers")
                + ": home visits need " + str(policy.officers_per_visit))

    keys = _columns(lone, out, ["last_visit_on", "last_visit_officers"])
    set_flag(out, "lone_visit", lone, why_texts(lone, keys, lone_text))
    return _by_rso(out, rsos)
