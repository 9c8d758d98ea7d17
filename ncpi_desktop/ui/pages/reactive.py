"""The Reactive page: who could move to reactive management and what it would free, which
reactive RSOs need review back to active, who is reactive now, and why the others cannot be
(rule 11).

Eligibility and the unmet criteria come from ``analysis.reactive`` through ``Figures.rsos`` (the
same implementation ``record_decision`` refuses a reactive decision with).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from ncpi_desktop.analysis.flags import flag_column
from ncpi_desktop.analysis.reactive import CRITERIA, unmet_column
from ncpi_desktop.domain.enums import STATUS_ORDER, ManagementMode, Status
from ncpi_desktop.formats import Kind
from ncpi_desktop.ui.models.frames import MANAGER, RISK, RSO_ID, RSO_NAME, TEAM, rso_rows
from ncpi_desktop.ui.models.table_model import Column
from ncpi_desktop.ui.pages.review import ReviewPage
from ncpi_desktop.ui.widgets.column import column
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard

#: Months in a year: turns a visit interval in months into visits a year.
MONTHS_A_YEAR = 12
#: Short words for each criterion, for counts of why RSOs are not eligible.
CRITERION_WORDS = {"risk": "risk", "arms": "ARMS", "concern": "recent concern",
                   "order": "order in force", "status": "not in community"}

# The team comes last in the RSO lists: the manager says who; what matters stays in sight on a
# laptop (the team is reached by scrolling).
ELIGIBLE_COLUMNS = [
    RSO_ID, RSO_NAME, MANAGER, RISK,
    Column("arms_latest_on", "ARMS (low)", Kind.DATE,
           header_tip="Latest ARMS assessment, low and current (blank: ARMS does not apply)"),
    Column("concern_free_from", "Clear since", Kind.DATE,
           header_tip="Concern-free since: the latest of registration, entering the community "
                      "and the last concern"),
    Column("visits_a_year", "Visits/yr", Kind.RATIO,
           header_tip="Home visits a year no longer prescribed under reactive management "
                      "(12 ÷ the visit interval in months)"),
    Column("why_reactive_eligible", "Why eligible", text_tip=True),
    TEAM,
]
REVIEW_COLUMNS = [
    RSO_ID, RSO_NAME, MANAGER, RISK,
    Column("management_decided_on", "Reactive since", Kind.DATE),
    Column("reactive_unmet", "No longer meets", flags=("reactive_review",),
           header_tip="The criteria the RSO no longer meets: review back to active management"),
    TEAM,
]
REACTIVE_COLUMNS = [
    RSO_ID, RSO_NAME, MANAGER, RISK,
    Column("status", "Status", Kind.LABEL, order=STATUS_ORDER),
    Column("management_decided_on", "Decided on", Kind.DATE),
    Column("management_decided_by", "By"),
    Column("management_reason", "Reason", text_tip=True),
    Column("reactive_note", "Criteria now", flags=("reactive_review",), text_tip=True),
    TEAM,
]
NOT_ELIGIBLE_COLUMNS = [
    RSO_ID, RSO_NAME, MANAGER, RISK,
    Column("reactive_unmet", "Not eligible because", text_tip=True),
    TEAM,
]
MANAGER_COLUMNS = [
    Column("manager_label", "Offender manager"),
    Column("caseload", "Caseload", Kind.INT, header_tip="Community RSOs held"),
    Column("candidates", "Eligible", Kind.INT,
           header_tip="Active RSOs meeting every criterion for reactive management"),
    Column("visits_a_year", "Visits/yr", Kind.RATIO,
           header_tip="Home visits a year the eligible RSOs would no longer need"),
    Column("reactive", "Reactive", Kind.INT, header_tip="Managed reactively now"),
    Column("reviews", "Reviews", Kind.INT,
           header_tip="Reactive RSOs who no longer meet the criteria"),
    Column("team", "Team"),
]


def visits_a_year(rsos: pd.DataFrame) -> pd.Series:
    """Home visits a year prescribed by each RSO's interval (NaN without one)."""
    months = rsos["interval_months"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore"):
        return pd.Series(np.where(months > 0, MONTHS_A_YEAR / months, np.nan), index=rsos.index)


class ReactivePage(ReviewPage):
    """Reactive management: candidates, reviews due, the reactive RSOs, and the rest."""

    title = "Reactive"
    settings_group = "reactive"
    rso_columns = (*ReviewPage.BASE_COLUMNS, "is_community", "reactive_meets", "reactive_unmet",
                   "reactive_note", "interval_months", "arms_latest_on", "concern_free_from",
                   "management_decided_on", "management_decided_by", "management_reason",
                   *(unmet_column(c) for c in CRITERIA))

    def _build_content(self) -> QWidget:
        content, layout, filters = self._scaffold({
            "reactive": SummaryCard("Managed reactively", "RSOs under reactive management "
                                    "(they stay in the caseload count)"),
            "eligible": SummaryCard("Eligible", "Active community RSOs meeting every criterion "
                                    "for reactive management"),
            "reviews": SummaryCard("Reviews due", "Reactive RSOs who no longer meet the "
                                   "criteria: review back to active"),
            "not_eligible": SummaryCard("Not eligible", "Active community RSOs who do not meet "
                                        "every criterion"),
        })
        filters.addStretch(1)

        # By manager: each offender manager finds their own RSOs together.
        self.eligible_model, self.eligible_view = self.rso_table(
            ELIGIBLE_COLUMNS, "manager_label", name="Eligible for reactive management")
        self.reviews_model, self.reviews_view = self.rso_table(
            REVIEW_COLUMNS, "management_decided_on", name="Reactive: reviews due",
            description="Reactive RSOs who no longer meet the criteria")
        self.reactive_model, self.reactive_view = self.rso_table(
            REACTIVE_COLUMNS, "management_decided_on", descending=True,
            name="Managed reactively")
        self.not_eligible_model, self.not_eligible_view = self.rso_table(
            NOT_ELIGIBLE_COLUMNS, "manager_label", name="Not eligible for reactive management",
            description="Each RSO with the criteria they do not meet")
        self.list_tabs = QTabWidget()
        self.list_tabs.setDocumentMode(True)
        for view in (self.eligible_view, self.reviews_view, self.reactive_view,
                     self.not_eligible_view):
            self.list_tabs.addTab(view, "")
        left = column(self.list_tabs, muted(
            "The offender manager must also be satisfied: Record › Management decision "
            "(Ctrl+Shift+M) records it with a reason. Double-click or Enter on an RSO for the "
            "criteria one by one."), grow=self.list_tabs)

        self.managers_model, self.managers_view = self.rso_table(
            MANAGER_COLUMNS, "visits_a_year", descending=True,
            name="What the eligible RSOs would free, per manager")
        self.compare_rows(self.managers_view, ["manager_label", "team"],
                          ["caseload", "candidates", "reactive"])
        self.managers_title = section_title("What the eligible RSOs would free, per manager")
        self.why_label = muted("")
        right = column(self.managers_title, self.managers_view, self.why_label,
                       grow=self.managers_view)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setSizes([760, 560])  # both lists' figures in sight at 1366 px
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        return content

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.splitter}

    def _refresh(self) -> None:
        figures = self._figures
        assert figures is not None
        policy = figures.policy
        self._update_scope_label()
        rsos = self.scoped_rsos()
        community = rsos["status"].to_numpy(object) == Status.COMMUNITY
        mode = rsos["management"].to_numpy(object)
        reactive_mask = mode == ManagementMode.REACTIVE
        eligible_mask = rsos[flag_column("reactive_eligible")].to_numpy(bool)
        review_mask = rsos[flag_column("reactive_review")].to_numpy(bool)
        not_eligible_mask = community & (mode == ManagementMode.ACTIVE) & ~rsos[
            "reactive_meets"].to_numpy(bool)

        eligible = rsos[eligible_mask]
        rows = rso_rows(eligible, ELIGIBLE_COLUMNS)
        rows["visits_a_year"] = visits_a_year(eligible)
        self.show_rows(self.eligible_view, rows)
        self.show_rows(self.reviews_view, rso_rows(rsos[review_mask], REVIEW_COLUMNS))
        self.show_rows(self.reactive_view, rso_rows(rsos[reactive_mask], REACTIVE_COLUMNS))
        self.show_rows(self.not_eligible_view,
                       rso_rows(rsos[not_eligible_mask], NOT_ELIGIBLE_COLUMNS))
        counts = [len(eligible), int(review_mask.sum()), int(reactive_mask.sum()),
                  int(not_eligible_mask.sum())]
        for number, (text, count) in enumerate(zip(
                ("Eligible candidates", "Reviews due", "Managed reactively",
                 "Not eligible (active)"), counts, strict=True)):
            self.list_tabs.setTabText(number, f"{text} ({count:,})")

        freed = float(np.nansum(visits_a_year(eligible).to_numpy()))
        self.summary["reactive"].set_figure(
            f"{counts[2]:,}", f"of {int(community.sum()):,} in the community")
        self.summary["eligible"].set_figure(
            f"{counts[0]:,}", f"{freed:,.0f} home visits a year no longer prescribed")
        self.summary["reviews"].set_figure(f"{counts[1]:,}", "no longer meet the criteria")
        active = rsos[not_eligible_mask]
        reasons = [(CRITERION_WORDS[c],
                    int((active[unmet_column(c)].to_numpy(object) != "").sum()))
                   for c in CRITERIA]
        reasons = sorted((r for r in reasons if r[1]), key=lambda r: -r[1])
        self.summary["not_eligible"].set_figure(
            f"{counts[3]:,}", " · ".join(f"{word} {n:,}" for word, n in reasons[:3]))
        self.why_label.setText(
            "Reactive management needs all of: low risk; latest ARMS low and current; "
            f"{policy.reactive_concern_free_years} years free of offence, concern or adverse "
            "intelligence; no civil order in force; in the community. Not eligible, by unmet "
            "criterion: " + (", ".join(f"{word} {n:,}" for word, n in reasons) or "none") + ".")
        self._update_managers(rsos, eligible_mask, reactive_mask, review_mask)

    def _update_managers(self, rsos: pd.DataFrame, eligible: np.ndarray, reactive: np.ndarray,
                         reviews: np.ndarray) -> None:
        figures = self._figures
        assert figures is not None
        shown = rso_rows(rsos, [TEAM], extra=["manager_id", "is_community"])
        frame = pd.DataFrame({
            "manager_label": shown["manager_label"].to_numpy(object),
            "team": shown["team"].to_numpy(object),
            "caseload": rsos["is_community"].to_numpy(int),
            "candidates": eligible.astype(int),
            "visits_a_year": np.where(eligible, visits_a_year(rsos).fillna(0).to_numpy(), 0.0),
            "reactive": reactive.astype(int),
            "reviews": reviews.astype(int),
        })
        grouped = frame.groupby(["manager_label", "team"], dropna=False, sort=False).sum()
        grouped = grouped.reset_index()
        self.show_rows(self.managers_view, grouped[grouped["caseload"] > 0])
