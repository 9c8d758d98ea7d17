"""The Orders page's Notification tab (DOMAIN.md rule 13): re-notifications overdue or due soon,
reviews of indefinite notification due, notifications ending within the review window, and RSOs
in custody expected out within it. Beside the reviews due, Record decision (Record › Notification
review decision, wired by ``ui.menus.record``) acts on the RSO selected; the tab then says where
that RSO's notification stands (``decision_text``).

Rows are ``Figures.rsos`` (``analysis.notification``'s columns) within the page's scope; each
list is one ``notification_rows`` frame, so what a list shows can be tested without a window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.enums import STATUS_ORDER, Status
from ncpi_desktop.formats import Kind, uk_date, uk_dates
from ncpi_desktop.ui.models.frames import MANAGER, RSO_ID, RSO_NAME, TEAM, rso_rows
from ncpi_desktop.ui.models.table_model import Column
from ncpi_desktop.ui.widgets.accessible import label_for
from ncpi_desktop.ui.widgets.combos import compact
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard

if TYPE_CHECKING:
    from ncpi_desktop.ui.pages.review import ReviewPage

#: The lists the tab offers.
RENOTIFICATION = "renotification"
REVIEWS = "reviews"
ENDING = "ending"
RELEASES = "releases"

#: The flags a row's date is marked by (each list raises one of them at most).
DATE_FLAGS = ("renotification_overdue", "notification_review_due", "notification_ending")

NOTIFICATION_COLUMNS = [
    RSO_ID, RSO_NAME,
    Column("status", "RSO status", Kind.LABEL, order=STATUS_ORDER),
    MANAGER,
    Column("due_on", "Date", Kind.DATE, flags=DATE_FLAGS,
           header_tip="The re-notification or review due date, the notification's end, or the "
                      "expected release; hover a marked cell for why"),
    Column("days", "Days", Kind.INT,
           header_tip="Days from the as-at date to the date: below 0 when it has passed"),
    Column("last_notified_on", "Last notified", Kind.DATE),
    Column("first_notified_on", "First notified", Kind.DATE),
    Column("what", "Why", text_tip=True),
    TEAM,
]

#: The ``Figures.rsos`` columns the tab reads.
READ = ["rso_id", "family_name", "given_names", "status", "manager_id", "manager_name", "team",
        "bcu", "first_notified_on", "last_notified_on", "expected_release_on",
        "renotification_due_on", "renotification_overdue", "renotification_due_soon",
        "renotification_why", "notification_review_due_on", "notification_review_due",
        "notification_review_why", "notification_ends_on", "notification_ending",
        "notification_ending_why", "flag_no_named_manager", "why_no_named_manager"]


def _days(dates: pd.Series, as_at: pd.Timestamp) -> pd.Series:
    return (dates - as_at).dt.days.astype("Int64")


def notification_rows(rsos: pd.DataFrame, showing: str, figures: Figures) -> pd.DataFrame:
    """The rows of list ``showing`` from ``rsos`` (a slice of ``Figures.rsos``): the columns of
    ``NOTIFICATION_COLUMNS`` with the flags their dates are marked by, soonest date first."""
    policy, as_at = figures.policy, figures.snapshot.as_at_ts
    window = policy.notification_review_window_days
    if showing == RENOTIFICATION:
        keep = (rsos["renotification_overdue"] | rsos["renotification_due_soon"]).to_numpy(bool)
        date, why, flag = "renotification_due_on", "renotification_why", "renotification_overdue"
    elif showing == REVIEWS:
        keep = rsos["notification_review_due"].to_numpy(bool)
        date, why, flag = ("notification_review_due_on", "notification_review_why",
                           "notification_review_due")
    elif showing == ENDING:
        keep = rsos["notification_ending"].to_numpy(bool)
        date, why, flag = "notification_ends_on", "notification_ending_why", "notification_ending"
    else:
        release = rsos["expected_release_on"]
        keep = ((rsos["status"] == Status.CUSTODY.value) & (release > as_at)
                & (release <= as_at + pd.Timedelta(days=window))).to_numpy(bool)
        date, why, flag = "expected_release_on", "", ""
    chosen = rsos[keep]
    rows = rso_rows(chosen, NOTIFICATION_COLUMNS, extra=["first_notified_on",
                                                         "last_notified_on"])
    rows["due_on"] = chosen[date].to_numpy("datetime64[s]")
    rows["days"] = _days(chosen[date], as_at).to_numpy()
    if why:
        rows["what"] = chosen[why].to_numpy(object)
    else:
        rows["what"] = ("Expected release " + uk_dates(chosen[date]) + ": in "
                        + rows["days"].astype(str) + " days").to_numpy(object)
    for name in DATE_FLAGS:
        raised = chosen[name].to_numpy(bool) if name == flag else np.zeros(len(chosen), bool)
        rows[f"flag_{name}"] = raised
        rows[f"why_{name}"] = np.where(raised, rows["what"].to_numpy(object), "")
    return rows.sort_values("due_on", kind="stable").reset_index(drop=True)


def decision_text(rsos: pd.DataFrame, rso_id: str) -> str:
    """Where ``rso_id``'s indefinite notification stands after a decision on its review, as the
    figures ``rsos`` (``Figures.rsos``) show it: continued and when the next review falls due,
    discharged, or (the decision undone) no decision and when the review is due."""
    hits = rsos.index[rsos["rso_id"].to_numpy(object) == rso_id]
    if not len(hits):
        return f"{rso_id}: not on the register at the as-at date."
    row = rsos.loc[hits[0]]
    discharged, continued = row.get("notification_discharged_on"), row.get(
        "notification_continued_on")
    due = row.get("notification_review_due_on")
    if discharged is not None and pd.notna(discharged):
        return (f"{rso_id}: indefinite notification discharged on {uk_date(discharged)}: it has "
                "ended, so the RSO leaves the notification lists.")
    if continued is not None and pd.notna(continued):
        return (f"{rso_id}: indefinite notification continued on {uk_date(continued)}; next "
                f"review due {uk_date(due)}.")
    when = f"; review due {uk_date(due)}" if due is not None and pd.notna(due) else ""
    return f"{rso_id}: no decision on a review of indefinite notification recorded{when}."


class NotificationTab(QWidget):
    """The tab: counts of each list within the page's scope, a choice of list, the list."""

    def __init__(self, page: ReviewPage) -> None:
        super().__init__(page)
        self._page = page
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        self.cards = {
            "overdue": SummaryCard("Re-notification overdue",
                                   "Community RSOs past their yearly re-notification (s.85)"),
            "due_soon": SummaryCard("Re-notification due soon",
                                    "Community RSOs whose re-notification falls due within the "
                                    "due-soon window"),
            "reviews": SummaryCard("Reviews due", "Indefinite notifications whose review "
                                   "(ss.91A-91F) falls due within the review window"),
            "ending": SummaryCard("Notification ending", "Notifications ending within the "
                                  "review window"),
            "releases": SummaryCard("Releases expected", "RSOs in custody expected out within "
                                    "the review window"),
        }
        cards = QHBoxLayout()
        for card in self.cards.values():
            cards.addWidget(card)
        layout.addLayout(cards)
        choice = QHBoxLayout()
        self.show_combo = QComboBox()
        choice.addWidget(label_for("&List", self.show_combo, "Which notification list"))
        for text, key in (("Re-notification overdue or due soon", RENOTIFICATION),
                          ("Reviews of indefinite notification due", REVIEWS),
                          ("Notifications ending", ENDING), ("Releases expected", RELEASES)):
            self.show_combo.addItem(text, key)
        choice.addWidget(compact(self.show_combo, 32))
        self.decide_button = QPushButton("Record decision…")
        self.decide_button.setAutoDefault(False)
        self.decide_button.setToolTip("Record the decision on the selected RSO's review: "
                                      "continue or discharge (Ctrl+Shift+N)")
        choice.addWidget(self.decide_button)
        choice.addStretch(1)
        layout.addLayout(choice)
        self.model, self.view = page.rso_table(
            NOTIFICATION_COLUMNS, "due_on", name="Notification",
            description="Soonest date first; Enter opens the RSO's details")
        self.title_label = section_title("")
        layout.addWidget(self.title_label)
        layout.addWidget(self.view, 1)
        self.decision_label = QLabel("")
        self.decision_label.setWordWrap(True)
        self.decision_label.setAccessibleName("The decision recorded")
        self.decision_label.hide()
        self._decided: str | None = None
        layout.addWidget(self.decision_label)
        #: The rule, with the policy's values once figures arrive.
        self.rule_label = muted("")
        layout.addWidget(self.rule_label)
        self.show_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.decide_button.setVisible(self.showing == REVIEWS)

    @property
    def showing(self) -> str:
        return self.show_combo.currentData()

    def set_showing(self, what: str) -> None:
        self.show_combo.setCurrentIndex(self.show_combo.findData(what))

    def note_decision(self, rso_id: str) -> None:
        """Say, under the list, where ``rso_id``'s notification stands (kept up to date as the
        figures change: an undo shows the review due again)."""
        self._decided = rso_id
        self._show_decision()

    def _show_decision(self) -> None:
        figures = self._page.figures
        if self._decided is None or figures is None:
            return
        self.decision_label.setText(decision_text(figures.rsos, self._decided))
        self.decision_label.show()

    def refresh(self) -> None:
        self.decide_button.setVisible(self.showing == REVIEWS)
        figures = self._page.figures
        if figures is None or "renotification_due_on" not in figures.rsos.columns:
            return
        self._show_decision()
        rsos = figures.rsos
        scoped = rsos[[c for c in READ if c in rsos.columns]][self._page.scope.mask(rsos)]
        policy = figures.policy
        self.rule_label.setText(policy.notification_text())
        window = policy.notification_review_window_days
        lists = {key: notification_rows(scoped, key, figures)
                 for key in (RENOTIFICATION, REVIEWS, ENDING, RELEASES)}
        overdue = int(scoped["renotification_overdue"].sum())
        soon = int(scoped["renotification_due_soon"].sum())
        self.cards["overdue"].set_figure(f"{overdue:,}", "community RSOs")
        self.cards["due_soon"].set_figure(f"{soon:,}", f"within {policy.due_soon_days} days")
        self.cards["reviews"].set_figure(f"{len(lists[REVIEWS]):,}", f"within {window} days")
        self.cards["ending"].set_figure(f"{len(lists[ENDING]):,}", f"within {window} days")
        self.cards["releases"].set_figure(f"{len(lists[RELEASES]):,}", f"within {window} days")
        shown = lists[self.showing]
        titles = {RENOTIFICATION: "re-notifications overdue or due soon",
                  REVIEWS: "reviews of indefinite notification due",
                  ENDING: f"notifications ending within {window} days",
                  RELEASES: f"releases expected within {window} days"}
        self.title_label.setText(f"{len(shown):,} {titles[self.showing]}, soonest first")
        self._page.show_rows(self.view, shown)
