"""The ARMS page: who is due an assessment, and completion by team and by manager against the
force figure (rule 10).

Completion is computed from ``Figures.rsos`` exactly as ``analysis.caseload`` sums it (current /
eligible), so a team's rate here equals the caseload page's and the report's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from ncpi_desktop.analysis.arms import completion_by, completion_by_team
from ncpi_desktop.domain.enums import Status
from ncpi_desktop.formats import Kind, format_value
from ncpi_desktop.ui.models.frames import (
    MANAGER,
    RISK,
    RSO_ID,
    RSO_NAME,
    TEAM,
    rso_rows,
    team_labels,
)
from ncpi_desktop.ui.models.table_model import Column
from ncpi_desktop.ui.pages.review import (
    ChartSlot,
    ReviewPage,
    TrendSlot,
    TrendSource,
    review_charts,
)
from ncpi_desktop.ui.widgets.column import column
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard

NEVER = "Never assessed"
EXPIRED = "Expired"

# The team last: what matters stays in sight on a laptop (the team is reached by scrolling).
DUE_COLUMNS = [
    RSO_ID, RSO_NAME, MANAGER, RISK,
    Column("arms_state", "ARMS", flags=("arms_due",), order=(NEVER, EXPIRED),
           header_tip="Why an assessment is due (hover a cell for the dates)"),
    Column("arms_latest_on", "Latest ARMS", Kind.DATE),
    Column("arms_latest_outcome", "Outcome", Kind.LABEL, order=("low", "medium", "high")),
    Column("arms_expires_on", "Expired on", Kind.DATE),
    TEAM,
]


def completion_columns(first: Column, last: Column) -> list[Column]:
    """``first``, the completion against the force, the counts under it, then ``last``: the
    figures that matter in sight beside the due list on a laptop."""
    return [
        first,
        Column("arms_completion", "Completion", Kind.PERCENT, header_tip="Current ÷ eligible"),
        Column("vs_force", "vs force", Kind.RATIO,
               header_tip="Completion minus the force's completion, in percentage points"),
        Column("arms_eligible", "Eligible", Kind.INT,
               header_tip="Adult males in the community (ARMS applies to them only)"),
        Column("arms_current", "Current", Kind.INT, header_tip="Eligible with a current ARMS"),
        Column("arms_due", "Due", Kind.INT, header_tip="Eligible without a current ARMS"),
        last,
    ]


TEAM_COLUMNS = completion_columns(Column("team", "Team"), Column("bcu", "BCU"))
MANAGER_COLUMNS = completion_columns(Column("manager_label", "Offender manager"),
                                     Column("team", "Team"))


class ArmsPage(ReviewPage):
    """ARMS assessments due, and completion against the force figure."""

    title = "ARMS"
    settings_group = "arms"
    rso_columns = (*ReviewPage.BASE_COLUMNS, "arms_eligible", "arms_current", "arms_due",
                   "arms_latest_on", "arms_latest_outcome", "arms_expires_on")

    def __init__(self, parent: QWidget | None = None, *, trend: TrendSource | None = None) -> None:
        self._trend_source = trend
        self._teams = pd.DataFrame()
        self._force_rate = float("nan")
        super().__init__(parent)

    def _build_content(self) -> QWidget:
        content, layout, filters = self._scaffold({
            "completion": SummaryCard("ARMS completion", "Eligible community RSOs with a current "
                                      "ARMS assessment, in this scope"),
            "force": SummaryCard("Force", "The force's completion rate, for comparison"),
            "due": SummaryCard("ARMS due", "Eligible RSOs never assessed, or whose latest ARMS "
                               "is too old"),
            "not_eligible": SummaryCard("Not eligible", "Community RSOs ARMS does not apply to "
                                        "(women, under-18s): left out of the rate"),
        })
        filters.addStretch(1)

        # Never assessed first, then the oldest (the frame is given oldest first).
        self.due_model, self.due_view = self.rso_table(
            DUE_COLUMNS, "arms_state", name="ARMS assessments due",
            description="Never assessed first, then the oldest; Enter opens the details")
        self.due_title = section_title("")
        left = column(self.due_title, self.due_view,
                      muted("Never assessed first, then the oldest. Double-click or Enter "
                            "for details; Record › ARMS assessment (Ctrl+Shift+A)."),
                      grow=self.due_view)

        self.teams_model, self.teams_view = self.rso_table(
            TEAM_COLUMNS, "arms_completion", name="ARMS completion by team")
        self.managers_model, self.managers_view = self.rso_table(
            MANAGER_COLUMNS, "arms_completion", name="ARMS completion by manager")
        self.compare_rows(self.teams_view, ["bcu", "team"], ["arms_completion", "arms_due"])
        self.compare_rows(self.managers_view, ["manager_label", "team"],
                          ["arms_completion", "arms_due"])
        self.table_tabs = QTabWidget()
        self.table_tabs.setDocumentMode(True)
        self.table_tabs.addTab(self.teams_view, "Completion by team")
        self.table_tabs.addTab(self.managers_view, "By manager")

        self.chart_slot = ChartSlot(lambda: review_charts().ArmsCompletionChart())
        self.chart_slot.chart_changed.connect(lambda _chart: self._draw_chart())
        self.trend_slot = TrendSlot(self._trend_source)
        self.chart_tabs = QTabWidget()
        self.chart_tabs.setDocumentMode(True)
        self.chart_tabs.addTab(self.chart_slot, "Chart by team")
        self.chart_tabs.addTab(self.trend_slot, "12-month trend")

        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.addWidget(self.table_tabs)
        self.right_splitter.addWidget(self.chart_tabs)
        self.right_splitter.setSizes([330, 420])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right_splitter)
        self.splitter.setSizes([1010, 450])  # the due list through "Expired on" at 1366 px
        for splitter in self._splitters().values():
            splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        return content

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.splitter, "right": self.right_splitter}

    def _refresh(self) -> None:
        figures = self._figures
        assert figures is not None
        policy = figures.policy
        self._update_scope_label()
        rsos = self.scoped_rsos()
        force_rate = float(figures.force["arms_completion"].iat[0])
        self._force_rate = force_rate

        due = rsos[rsos["arms_due"].to_numpy(bool)]
        never = due["arms_latest_on"].isna().to_numpy()
        rows = rso_rows(due, DUE_COLUMNS)
        rows["arms_state"] = np.where(never, NEVER, EXPIRED)
        rows = rows.sort_values(["arms_latest_on", "rso_id"], na_position="first", kind="stable")
        self.show_rows(self.due_view, rows)
        self.due_title.setText(f"{len(due):,} ARMS assessments due: {int(never.sum()):,} never "
                               f"assessed, {int((~never).sum()):,} older than "
                               f"{policy.arms_max_age_months} months")

        eligible = int(rsos["arms_eligible"].sum())
        current = int(rsos["arms_current"].sum())
        rate = current / eligible if eligible else float("nan")
        self.summary["completion"].set_figure(
            format_value(Kind.PERCENT, rate), f"{current:,} of {eligible:,} eligible current")
        force = figures.force.iloc[0]
        self.summary["force"].set_figure(
            format_value(Kind.PERCENT, force_rate),
            f"{int(force['arms_current']):,} of {int(force['arms_eligible']):,} eligible")
        self.summary["due"].set_figure(
            f"{len(due):,}", f"{int(never.sum()):,} never · {int((~never).sum()):,} expired")
        community = rsos["status"].to_numpy(object) == Status.COMMUNITY
        not_eligible = int((community & ~rsos["arms_eligible"].to_numpy(bool)).sum())
        self.summary["not_eligible"].set_figure(
            f"{not_eligible:,}", f"not adult males (adult: {policy.arms_adult_age_years}+)")

        shown = rso_rows(rsos, [TEAM], extra=["bcu", "arms_eligible", "arms_current"])
        # The teams as the pack lists them (one rule: ``analysis.arms.completion_by_team``).
        self._teams = completion_by_team(shown, force_rate)
        self.show_rows(self.teams_view, self._teams)
        managers = completion_by(shown, ["manager_label", "team"], force_rate)
        self.show_rows(self.managers_view, managers[managers["arms_eligible"] > 0])
        self._draw_chart()
        self.trend_slot.refresh()

    @property
    def chart(self):  # noqa: ANN201 - ArmsCompletionChart once built (pyqtgraph loads late)
        return self.chart_slot.chart

    def _draw_chart(self) -> None:
        chart = self.chart_slot.chart
        if chart is None or self._figures is None:
            return
        chart.set_teams(team_labels(self._teams), self._force_rate)
