"""Notification compliance (DOMAIN.md rule 13): re-notification, reviews of indefinite
notification, and notifications ending.

From the register's ``first_notified_on``, ``last_notified_on``, ``notification_ends`` /
``notification_indefinite`` and each RSO's latest decision on a review of indefinite
notification (``Snapshot.extra["notification_reviews"]``):

- **Re-notification** (Sexual Offences Act 2003 s.85): due ``renotification_interval_months``
  (12) after the latest notification: ``last_notified_on``, else ``first_notified_on`` (the
  initial notification is the latest when none followed it). With neither date recorded there is
  no due date and no flag: an extract without the columns must not make the whole register
  overdue (the registration date says nothing of when the RSO last notified). Overdue the day
  after the due date (a re-notification exactly one year on is in time), for an RSO in the
  community whose notification has not ended (re-notification is not asked of one in custody,
  abroad or missing); due soon within the policy's due-soon window.
- **Review of indefinite notification** (ss.91A-91F): an indefinite notification may be
  reviewed ``notification_review_years`` (15) after the first notification, or
  ``notification_review_years_under_18`` (8) if the RSO was under 18 then; after a decision to
  continue it, ``notification_review_repeat_years`` (8) after that decision. Due when that date
  is on or before the as-at date plus ``notification_review_window_days``. A decision to
  discharge ends the notification on its date.
- **Notification ending**: a determinate notification ends on ``notification_ends`` (the first
  day it no longer applies, as an order's end date: in force while the as-at date is before
  it); ending when that is after the as-at date and within the review window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.dates import add_months, add_years
from ncpi_desktop.analysis.flags import set_flag
from ncpi_desktop.domain.enums import NotificationReviewOutcome, Status
from ncpi_desktop.formats import uk_dates
from ncpi_desktop.storage.snapshot import Snapshot

#: The columns of ``notification_status``, in order.
STATUS_COLUMNS = [
    "renotification_due_on", "renotification_overdue", "renotification_due_soon",
    "renotification_why",
    "notification_review_due_on", "notification_review_due", "notification_review_why",
    "notification_ends_on", "notification_ending", "notification_ending_why",
    "notification_continued_on", "notification_discharged_on",
]


def _latest_decisions(snapshot: Snapshot) -> tuple[pd.Series, pd.Series]:
    """Per register row: the date of the RSO's latest decision to continue its indefinite
    notification and of one to discharge it (NaT: none; only the latest decision counts)."""
    index = snapshot.rsos.index
    continued = pd.Series(pd.NaT, index=index, dtype="datetime64[s]")
    discharged = continued.copy()
    reviews = snapshot.extra.get("notification_reviews")
    if reviews is None or reviews.empty:
        return continued, discharged
    rows = snapshot.rows_of(reviews)
    known = rows >= 0
    rows = rows[known]
    outcome = reviews["outcome"].to_numpy(object)[known]
    decided = reviews["decided_on"].to_numpy("datetime64[s]")[known]
    keep = outcome == NotificationReviewOutcome.CONTINUE.value
    continued.iloc[rows[keep]] = decided[keep]
    keep = outcome == NotificationReviewOutcome.DISCHARGE.value
    discharged.iloc[rows[keep]] = decided[keep]
    return continued, discharged


def _days(dates: pd.Series, as_at: pd.Timestamp) -> np.ndarray:
    """Whole days from ``as_at`` to each date (NaN: no date), in numpy."""
    values = dates.to_numpy("datetime64[D]")
    days = (values - np.datetime64(as_at.date(), "D")).astype(np.int64).astype(float)
    days[np.isnat(values)] = np.nan
    return days


def _when(days: np.ndarray) -> np.ndarray:
    """'overdue by 40 days', 'due today', 'in 12 days' for whole numbers of days from as-at."""
    count = np.abs(days).astype(np.int64).astype(str).astype(object)
    unit = np.where(np.abs(days) == 1, " day", " days")
    return np.where(days < 0, "overdue by " + count + unit,
                    np.where(days == 0, "due today", "in " + count + unit)).astype(object)


def _renotification(snapshot: Snapshot, out: pd.DataFrame, in_force: np.ndarray) -> None:
    rsos, policy, as_at = snapshot.rsos, snapshot.policy, snapshot.as_at_ts
    last = rsos["last_notified_on"]
    basis = last.where(last.notna(), rsos["first_notified_on"])
    due = add_months(basis, policy.renotification_interval_months)
    community = (rsos["status"].to_numpy(object) == Status.COMMUNITY.value) & in_force
    days = _days(due, as_at)
    known = ~np.isnan(days)
    overdue = community & known & (days < 0)
    soon = community & known & (days >= 0) & (days <= policy.due_soon_days)
    out["renotification_due_on"] = due.to_numpy("datetime64[s]")
    out["renotification_overdue"] = overdue
    out["renotification_due_soon"] = soon
    why = np.full(len(rsos), "", dtype=object)
    shown = overdue | soon
    if shown.any():
        which = np.where(last.notna().to_numpy()[shown], "last notified ",
                         "first notified ")
        why[shown] = ("Re-notification due " + uk_dates(due[shown]).to_numpy(object) + " ("
                      + which + uk_dates(basis[shown]).to_numpy(object) + "; at least every "
                      + str(policy.renotification_interval_months) + " months, s.85): "
                      + _when(days[shown]))
    out["renotification_why"] = why


def _review(snapshot: Snapshot, out: pd.DataFrame, in_force: np.ndarray,
            continued: pd.Series) -> None:
    """The review dates of the indefinite notifications in force (worked out for those rows
    only), the flag and its why."""
    rsos, policy, as_at = snapshot.rsos, snapshot.policy, snapshot.as_at_ts
    rows = np.flatnonzero(rsos["notification_indefinite"].to_numpy(bool) & in_force)
    first = rsos["first_notified_on"].iloc[rows]
    young = (first < add_years(rsos["date_of_birth"].iloc[rows], 18)).to_numpy(bool)
    years = np.where(young, policy.notification_review_years_under_18,
                     policy.notification_review_years)
    decided = continued.iloc[rows]
    after_decision = decided.notna().to_numpy()
    initial = add_months(first, pd.Series(12 * years, index=first.index))
    again = add_years(decided, policy.notification_review_repeat_years)
    due = again.where(after_decision, initial)
    days = _days(due, as_at)
    flagged = ~np.isnan(days) & (days <= policy.notification_review_window_days)
    due_on = np.full(len(rsos), np.datetime64("NaT"), dtype="datetime64[s]")
    due_on[rows] = due.to_numpy("datetime64[s]")
    raised = np.zeros(len(rsos), dtype=bool)
    raised[rows[flagged]] = True
    out["notification_review_due_on"] = due_on
    out["notification_review_due"] = raised
    why = np.full(len(rsos), "", dtype=object)
    if flagged.any():
        young, after_decision = young[flagged], after_decision[flagged]
        since = np.where(
            after_decision,
            str(policy.notification_review_repeat_years) + " years after the decision to "
            "continue on " + uk_dates(decided[flagged]).to_numpy(object),
            years[flagged].astype(str).astype(object) + " years after first notification on "
            + uk_dates(first[flagged]).to_numpy(object)
            + np.where(young, ", under 18 then", "")).astype(object)
        why[rows[flagged]] = ("Indefinite notification: review due "
                              + uk_dates(due[flagged]).to_numpy(object) + " (" + since
                              + "; ss.91A-91F): " + _when(days[flagged]))
    out["notification_review_why"] = why


def _ending(snapshot: Snapshot, out: pd.DataFrame, discharged: pd.Series) -> np.ndarray:
    """The ends, the ending flag and its why; returns where the notification is in force."""
    rsos, policy, as_at = snapshot.rsos, snapshot.policy, snapshot.as_at_ts
    indefinite = rsos["notification_indefinite"].to_numpy(bool)
    ends = rsos["notification_ends"].where(~indefinite)
    ends = discharged.where(discharged.notna(), ends)
    days = _days(ends, as_at)
    in_force = np.isnan(days) | (days > 0)
    ending = ~np.isnan(days) & (days > 0) & (days <= policy.notification_review_window_days)
    out["notification_ends_on"] = ends.to_numpy("datetime64[s]")
    out["notification_ending"] = ending
    why = np.full(len(rsos), "", dtype=object)
    if ending.any():
        why[ending] = ("Notification ends " + uk_dates(ends[ending]).to_numpy(object) + ": "
                       + _when(days[ending]) + " (within "
                       + str(policy.notification_review_window_days) + " days)")
    out["notification_ending_why"] = why
    return in_force


def notification_status(snapshot: Snapshot) -> pd.DataFrame:
    """Per RSO of the register, in the snapshot's row order (index: its rso_ids), the columns
    ``STATUS_COLUMNS``: the re-notification due date (NaT: no notification date recorded) and
    whether it is overdue or due soon, the due date of a review of indefinite notification and
    whether it falls due within the review window, the notification's end (NaT: indefinite or
    not recorded) and whether it ends within the window, a sentence for each raised (``*_why``,
    blank otherwise), and the dates of the latest decision to continue or discharge."""
    rsos = snapshot.rsos
    out = pd.DataFrame(index=pd.Index(rsos["rso_id"], name="rso_id"))
    continued, discharged = _latest_decisions(snapshot)
    in_force = _ending(snapshot, out, discharged)
    _renotification(snapshot, out, in_force)
    _review(snapshot, out, in_force, continued)
    out["notification_continued_on"] = continued.to_numpy("datetime64[s]")
    out["notification_discharged_on"] = discharged.to_numpy("datetime64[s]")
    return out[STATUS_COLUMNS]


def notification_flags(snapshot: Snapshot) -> pd.DataFrame:
    """``notification_status`` with its two RSO flags set (``analysis.flags``):
    ``renotification_overdue`` and ``notification_review_due``, each with its why."""
    out = notification_status(snapshot)
    set_flag(out, "renotification_overdue", out["renotification_overdue"].to_numpy(bool),
             out["renotification_why"].to_numpy(object))
    set_flag(out, "notification_review_due", out["notification_review_due"].to_numpy(bool),
             out["notification_review_why"].to_numpy(object))
    return out.copy()  # one block per dtype: the figures' frame joins many parts
