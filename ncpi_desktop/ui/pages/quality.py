"""The Quality page (DOMAIN.md rule 15): supervisors' case reviews, which the inspectors found
nothing recorded of ("nothing of a qualitative nature").

Coverage and grades by team (``analysis.quality.coverage_by``: the same per-RSO columns as the
report's ``qa_*`` keys), the review actions overdue at the as-at date, and this month's proposed
dip sample, all within the page's BCU, team and manager. Record › Case review (Ctrl+Shift+Q)
records a review of the RSO selected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QVBoxLayout, QWidget

from ncpi_desktop.analysis.quality import actions_status, coverage_by, dip_sample
from ncpi_desktop.domain.enums import RISK_ORDER, ReviewGrade
from ncpi_desktop.formats import Kind, format_value, uk_dates, uk_month_year
from ncpi_desktop.ui.models.frames import NO_NAMED_MANAGER, RSO_ID, RSO_NAME, rso_names
from ncpi_desktop.ui.models.seen import seen_versions
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.pages.review import ReviewPage
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard
from ncpi_desktop.ui.widgets.tables import data_table

GRADE_COLUMNS = [Column(f"qa_{g.value}", g.label, Kind.INT) for g in ReviewGrade]
COVERAGE_COLUMNS = [
    Column("bcu", "BCU"), Column("team", "Team"),
    Column("community", "Community", Kind.INT, header_tip="Community RSOs"),
    Column("qa_reviewed", "Reviewed", Kind.INT,
           header_tip="Community RSOs whose case was reviewed within the coverage window"),
    Column("qa_coverage", "Coverage", Kind.PERCENT, header_tip="Reviewed / community RSOs"),
    *GRADE_COLUMNS,
]
ACTION_COLUMNS = [
    RSO_ID, RSO_NAME, Column("team", "Team"),
    Column("manager_label", "Offender manager"), Column("owner", "Owner"),
    Column("due_on", "Due", Kind.DATE),
    Column("days_overdue", "Days overdue", Kind.INT, flags=("action_overdue",)),
    Column("text", "Action", text_tip=True),
]
SAMPLE_COLUMNS = [
    Column("manager_label", "Offender manager"), RSO_ID, RSO_NAME,
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("last_reviewed_on", "Last reviewed", Kind.DATE, header_tip="Blank: never reviewed"),
    Column("weighted", "Weighted for"),
]


class QualityPage(ReviewPage):
    """Coverage and grades by team, overdue actions and the dip sample, within the scope."""

    title = "Quality"
    settings_group = "quality"
    filters_risk = False

    def _build_content(self) -> QWidget:
        content, layout, filters = self._scaffold({
            "coverage": SummaryCard("Review coverage", "Community RSOs whose case was reviewed "
                                    "within the coverage window, of all community RSOs"),
            "grades": SummaryCard("Grades", "The grade of each reviewed RSO's latest review in "
                                  "the window (counted once per RSO)"),
            "inadequate": SummaryCard("Inadequate", "Reviewed RSOs whose latest review was "
                                      "graded inadequate"),
            "overdue": SummaryCard("Actions overdue", "Review actions not done by their due "
                                   "date"),
        })
        filters.addStretch(1)
        self.coverage_model = DataFrameTableModel(COVERAGE_COLUMNS, parent=self)
        self.coverage_view = data_table(self.coverage_model, name="Coverage by team",
                                        description="Case review coverage and grades by team")
        self.compare_rows(self.coverage_view, ["bcu", "team"], ["community", "qa_coverage"])
        self.sample_model, self.sample_view = self.rso_table(
            SAMPLE_COLUMNS, "manager_label", name="This month's dip sample",
            description="Proposed cases to review, per offender manager")
        self.actions_model, self.actions_view = self.rso_table(
            ACTION_COLUMNS, "days_overdue", descending=True, name="Overdue review actions",
            description="Review actions past their due date, most overdue first")
        self.coverage_title = section_title("Coverage and grades by team")
        self.sample_title = section_title("This month's dip sample")
        self.actions_title = section_title("Overdue actions")
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(_titled(self.coverage_title, self.coverage_view))
        top.addWidget(_titled(self.sample_title, self.sample_view))
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.done_button = QPushButton("Mark action &done")
        self.done_button.setToolTip("Record the selected overdue action as done today "
                                    "(Ctrl+Z undoes it)")
        self.splitter.addWidget(_titled(self.actions_title, self.actions_view, self.done_button))
        self.top_splitter = top
        layout.addWidget(self.splitter, 1)
        layout.addWidget(muted("Record › Case review (Ctrl+Shift+Q) records a review of the "
                               "selected RSO, with its actions. Double-click an RSO for their "
                               "details."))
        return content

    def selected_action(self) -> str | None:
        """The id of the overdue action selected (None: none is)."""
        rows = self.actions_view.selectionModel().selectedRows()
        if not rows:
            return None
        return str(self.actions_model.frame_row(rows[0].row())["action_id"])

    def selected_action_seen(self) -> dict[str, int] | None:
        """The version of the selected action's RSO as the page shows it (rso_id -> version),
        for the lost-update check; None when nothing is selected or no version is shown."""
        rows = self.actions_view.selectionModel().selectedRows()
        if not rows or self._figures is None:
            return None
        rso_id = str(self.actions_model.frame_row(rows[0].row())["rso_id"])
        return seen_versions(self._figures.rsos, [rso_id])

    def _splitters(self) -> dict[str, QSplitter]:
        return {"quality_top": self.top_splitter, "quality": self.splitter}

    def _refresh(self) -> None:
        figures = self._figures
        assert figures is not None
        policy = figures.policy
        self._update_scope_label()
        rsos = self.scoped_rsos()
        teams = coverage_by(rsos[rsos["team"].notna().to_numpy(bool)], ["bcu", "team"])
        whole = coverage_by(rsos.assign(_all=""), ["_all"])
        reviewed = int(whole["qa_reviewed"].sum()) if len(whole) else 0
        community = int(whole["community"].sum()) if len(whole) else 0
        share = whole["qa_coverage"].iloc[0] if len(whole) else np.nan
        self.summary["coverage"].set_figure(
            format_value(Kind.PERCENT, share),
            f"{reviewed:,} of {community:,} in {policy.qa_coverage_months} months")
        counts = {g: int(whole[f"qa_{g.value}"].sum()) if len(whole) else 0 for g in ReviewGrade}
        self.summary["grades"].set_figure(
            f"{counts[ReviewGrade.GOOD]:,} good",
            f"{counts[ReviewGrade.REQUIRES_IMPROVEMENT]:,} requires improvement")
        self.summary["inadequate"].set_figure(f"{counts[ReviewGrade.INADEQUATE]:,}",
                                              "latest review graded inadequate")
        self.coverage_title.setText(f"Coverage and grades by team ({len(teams):,} teams)")
        self.show_rows(self.coverage_view, teams)  # beside a what-if scenario's, when shown

        actions = self._overdue(rsos)
        self.summary["overdue"].set_figure(f"{len(actions):,}", "past their due date")
        self.actions_title.setText(f"{len(actions):,} review actions overdue, most overdue "
                                   f"first")
        self.show_rows(self.actions_view, actions)

        sample = dip_sample(rsos, policy, figures.snapshot.as_at)
        sample = sample.assign(
            manager_label=sample["manager_name"], rso_name=rso_names(
                rsos.set_index("rso_id").loc[sample["rso_id"], ["family_name", "given_names"]]
                .reset_index(drop=True)))
        self.sample_title.setText(
            f"Dip sample for {uk_month_year(figures.snapshot.as_at)}: {len(sample):,} cases, "
            f"{policy.qa_sample_per_manager} per offender manager")
        self.show_rows(self.sample_view, sample)

    def _overdue(self, rsos: pd.DataFrame) -> pd.DataFrame:
        figures = self._figures
        assert figures is not None
        actions = actions_status(figures.rsos, figures.snapshot)
        actions = actions[actions["overdue"].to_numpy(bool)
                          & actions["rso_id"].isin(rsos["rso_id"]).to_numpy(bool)]
        names = rsos.set_index("rso_id").reindex(actions["rso_id"])
        shown = names["family_name"].notna().to_numpy(bool)  # free text only where named
        rows = actions.assign(
            rso_name=rso_names(names.reset_index(drop=True)).to_numpy(object),
            manager_label=actions["manager_name"].astype(object).where(
                actions["manager_name"].notna(), NO_NAMED_MANAGER),
            text=np.where(shown, actions["text"].astype(object), ""),
            flag_action_overdue=True,
            why_action_overdue="Due " + uk_dates(actions["due_on"])
            + ", not done by the as-at date")
        return rows.reset_index(drop=True)


def _titled(title: QWidget, view: QWidget, button: QWidget | None = None) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 4, 0, 0)
    if button is None:
        layout.addWidget(title)
    else:
        row = QHBoxLayout()
        row.addWidget(title, 1)
        row.addWidget(button)
        layout.addLayout(row)
    layout.addWidget(view, 1)
    return box
