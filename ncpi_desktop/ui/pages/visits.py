"""The Visits page: who is overdue a home visit and by how many days, who is due soon, at what
risk and who holds them (rules 6-9); and, on its Clocks tab, the open trigger-event clocks (rule
14: a reassessment visit, a referral), most overdue first, with who holds each RSO.

Everything is read from the window's ``Figures.rsos`` (``analysis.visits``): the page only
slices, counts and sorts with pandas. The due-soon window is the policy's by default; the user may
look further ahead without changing the policy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.flags import flag_column
from ncpi_desktop.domain.enums import RISK_ORDER, RiskLevel
from ncpi_desktop.formats import Kind
from ncpi_desktop.ui.models.clocks import CLOCK_COLUMNS, open_clock_rows
from ncpi_desktop.ui.models.frames import TEAM, rso_rows, team_labels
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.models.visits import (
    ALL_RISKS_ROW,
    MANAGER_COLUMNS,
    NO_TEAM,
    RISK_SUMMARY_COLUMNS,
    TEAM_COLUMNS,
    VISIT_COLUMNS,
    alert_text,
    interval_text,
    most_overdue_by,
)
from ncpi_desktop.ui.pages.review import (
    ChartSlot,
    ReviewPage,
    TrendSlot,
    TrendSource,
    review_charts,
)
from ncpi_desktop.ui.widgets.accessible import label_for
from ncpi_desktop.ui.widgets.column import column
from ncpi_desktop.ui.widgets.combos import compact
from ncpi_desktop.ui.widgets.flow import FlowRow
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns, move_to_end

#: What the main list shows.
OVERDUE_AND_SOON = "overdue"
WARRANT = "warrant"
LONE = "lone"
LIST_CHOICES = {
    OVERDUE_AND_SOON: "Overdue and due soon",
    WARRANT: "Warrant of entry to consider",
    LONE: "Lone visits",
}


class VisitsPage(ReviewPage):
    """Overdue and due home visits, within a BCU, team, manager and risk level."""

    title = "Visits"
    settings_group = "visits"
    rso_columns = (*ReviewPage.BASE_COLUMNS, "visits_prescribed", "visit_overdue",
                   "days_overdue", "days_to_due", "last_visit_on", "next_visit_due",
                   "interval_months", "interval_source")

    def __init__(self, parent: QWidget | None = None, *, trend: TrendSource | None = None) -> None:
        self._trend_source = trend
        self._mode = OVERDUE_AND_SOON
        self._spin_set_by_user = False
        super().__init__(parent)

    # --- building ---------------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content, layout, filters = self._scaffold({
            "overdue": SummaryCard("Overdue", "Community RSOs under active management whose "
                                   "next home visit is past due"),
            "most_overdue": SummaryCard("Most overdue", "Days since the most overdue visit "
                                        "was due"),
            "due_soon": SummaryCard("Due soon", "Not overdue, and due within the chosen number "
                                    "of days"),
            "warrant": SummaryCard("Warrant of entry", "RSOs with no-access visits in a row: "
                                   "consider a warrant (SOA 2003 s.96B)"),
            "lone": SummaryCard("Lone visits", "RSOs whose latest completed visit was made by "
                                "too few officers"),
        })

        self._build_filters(filters)
        left = self._build_list()
        side_tabs = self._build_side_tabs()
        right = column(self._build_risk_summary(), side_tabs, grow=side_tabs, spacing=8)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        # On a 1366 px screen: the list through "Alerts", the side's figures whole.
        self.splitter.setSizes([1060, 410])
        self.splitter.setChildrenCollapsible(False)
        layout.addWidget(self.splitter, 1)
        return content

    def _build_filters(self, filters: FlowRow) -> None:
        """After the scope: what the list shows, and how far ahead "due soon" looks."""
        filters.addSpacing(14)
        self.list_combo = QComboBox()
        filters.addWidget(label_for("&List", self.list_combo, "Which home visits are listed"))
        for key, text in LIST_CHOICES.items():
            self.list_combo.addItem(text, key)
        filters.addWidget(compact(self.list_combo, 14))
        filters.addSpacing(10)
        self.within_spin = QSpinBox()
        self.within_label = label_for("Due &within", self.within_spin,
                                      "Also list visits due within this many days")
        filters.addWidget(self.within_label)
        self.within_spin.setRange(0, 366)
        self.within_spin.setSuffix(" days")
        self.within_spin.setSpecialValueText("overdue only")
        self.within_spin.setToolTip("Also list visits due within this many days (the policy's "
                                    "due-soon window by default)")
        filters.addWidget(self.within_spin)
        filters.addStretch(1)
        self.list_combo.currentIndexChanged.connect(self._on_list_changed)
        self.within_spin.valueChanged.connect(self._on_within_changed)

    def _build_list(self) -> QWidget:
        """The main list of RSOs, most overdue first."""
        # Most overdue first is the earliest due date first; then the due soon in date order.
        self.visits_model, self.visits_view = self.rso_table(
            VISIT_COLUMNS, "next_visit_due", name="Home visits",
            description="Most overdue first; Enter opens the RSO's details")
        # What matters in sight on a laptop; the last visit, interval and team by scrolling.
        move_to_end(self.visits_view, ["last_visit_on", "interval_text", "team"])
        self.list_title = section_title("")
        self.list_note = muted("Double-click or press Enter on an RSO for the details; "
                               "Record › Home visit (Ctrl+Shift+V) records a visit.")
        visits = column(self.list_title, self.visits_view, self.list_note, grow=self.visits_view)
        self.list_tabs = QTabWidget()
        self.list_tabs.setDocumentMode(True)
        self.list_tabs.addTab(visits, "Home visits")
        self.list_tabs.addTab(self._build_clocks(), "Clocks")
        self.list_tabs.setTabToolTip(1, "Open trigger-event clocks, most overdue first")
        return self.list_tabs

    def _build_clocks(self) -> QWidget:
        """The open trigger-event clocks within the scope: by days overdue, most first, then
        in ``Figures.clocks``' order (fewest days left first)."""
        self.clocks_model, self.clocks_view = self.rso_table(
            CLOCK_COLUMNS, "days_overdue", descending=True, name="Trigger-event clocks",
            description="Most overdue first; Enter opens the RSO's details")
        self.clocks_title = section_title("")
        self.clocks_note = muted("A completed home visit on or after the event's date stops the "
                                 "visit clock; a referral, the referral clock. Record › Event… "
                                 "(Ctrl+Shift+E) starts the clocks.")
        self.clocks_note.setWordWrap(True)
        return column(self.clocks_title, self.clocks_view, self.clocks_note,
                      grow=self.clocks_view)

    def _build_risk_summary(self) -> QWidget:
        """Overdue and due soon per risk level, most serious first, then all together."""
        self.risk_model = DataFrameTableModel(RISK_SUMMARY_COLUMNS, parent=self)
        self.risk_view = data_table(self.risk_model, name="Overdue by risk level")
        self.risk_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # very high first, All last
        self.risk_view.setSortingEnabled(False)
        self.risk_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # No scroll bar: its columns share whatever width the side has.
        self.risk_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.risk_view.horizontalHeader().setStretchLastSection(False)
        self.risk_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.risk_view.setSelectionMode(self.risk_view.SelectionMode.NoSelection)
        rows = len(RiskLevel) + 1
        self.risk_view.setFixedHeight(self.risk_view.verticalHeader().defaultSectionSize()
                                      * rows + self.risk_view.horizontalHeader().sizeHint()
                                      .height() + 4)
        risk_box = QWidget()
        risk_layout = QVBoxLayout(risk_box)
        risk_layout.setContentsMargins(0, 0, 0, 0)
        risk_layout.setSpacing(4)
        risk_layout.addWidget(section_title("Overdue by risk level"))
        risk_layout.addWidget(self.risk_view)
        return risk_box

    def _build_side_tabs(self) -> QTabWidget:
        """Per team, per manager, the chart by team and the 12-month trend."""
        self.teams_model, self.teams_view = self.rso_table(
            TEAM_COLUMNS, "max_days_overdue", descending=True, name="Overdue visits per team")
        self.managers_model, self.managers_view = self.rso_table(
            MANAGER_COLUMNS, "max_days_overdue", descending=True,
            name="Overdue visits per manager")
        self.compare_rows(self.teams_view, ["bcu", "team"], ["overdue"])
        self.compare_rows(self.managers_view, ["manager_label", "team"], ["overdue"])
        self.chart_slot = ChartSlot(lambda: review_charts().OverdueByTeamChart())
        self.chart_slot.chart_changed.connect(self._on_chart_built)
        self.trend_slot = TrendSlot(self._trend_source)
        self.side_tabs = QTabWidget()
        self.side_tabs.setDocumentMode(True)
        self.side_tabs.addTab(self.teams_view, "Per team")
        self.side_tabs.addTab(self.managers_view, "Per manager")
        self.side_tabs.addTab(self.chart_slot, "Chart by team")
        self.side_tabs.addTab(self.trend_slot, "12-month trend")
        self.side_tabs.setTabToolTip(0, "Each team's overdue visits and the most overdue")
        return self.side_tabs

    def _splitters(self) -> dict[str, QSplitter]:
        return {"main": self.splitter}

    # --- state of the controls ----------------------------------------------------------------

    @property
    def due_within(self) -> int:
        """Visits due within this many days are listed with the overdue ones."""
        return self.within_spin.value()

    def set_due_within(self, days: int) -> None:
        self.within_spin.setValue(days)

    @property
    def list_mode(self) -> str:
        return self._mode

    def set_list_mode(self, mode: str) -> None:
        self.list_combo.setCurrentIndex(self.list_combo.findData(mode))

    def _on_list_changed(self, _index: int) -> None:
        self._mode = self.list_combo.currentData()
        self.within_spin.setEnabled(self._mode == OVERDUE_AND_SOON)
        self.within_label.setEnabled(self._mode == OVERDUE_AND_SOON)
        self._on_scope_changed()

    def _on_within_changed(self, _value: int) -> None:
        self._spin_set_by_user = True
        self._on_scope_changed()

    # --- showing the figures ------------------------------------------------------------------

    def _refresh(self) -> None:
        figures = self._figures
        assert figures is not None
        policy = figures.policy
        if not self._spin_set_by_user:
            self.within_spin.blockSignals(True)
            self.within_spin.setValue(policy.due_soon_days)
            self.within_spin.blockSignals(False)
        self._update_scope_label()
        rsos = self.scoped_rsos()
        prescribed = rsos[rsos["visits_prescribed"].to_numpy(bool)]
        overdue_mask = prescribed["visit_overdue"].to_numpy(bool)
        within = self.due_within
        soon_mask = ~overdue_mask & (prescribed["days_to_due"] <= within).to_numpy(
            dtype=bool, na_value=False)
        overdue = prescribed[overdue_mask]

        if self._mode == WARRANT:
            listed = rsos[rsos[flag_column("warrant_consideration")].to_numpy(bool)]
            title = f"{len(listed):,} RSOs with no-access visits in a row: consider a warrant"
        elif self._mode == LONE:
            listed = rsos[rsos[flag_column("lone_visit")].to_numpy(bool)]
            title = (f"{len(listed):,} RSOs whose latest visit was made by fewer than "
                     f"{policy.officers_per_visit} officers")
        else:
            listed = prescribed[overdue_mask | soon_mask]
            title = (f"{len(overdue):,} overdue, most overdue first · {int(soon_mask.sum()):,} "
                     f"due within {within} days")
        self.list_title.setText(title)
        self.show_rows(self.visits_view, self._visit_rows(listed))

        self._update_cards(rsos, prescribed, overdue, int(soon_mask.sum()))
        self._update_risk_summary(prescribed, overdue_mask, soon_mask)
        overdue = rso_rows(overdue, [TEAM], extra=["bcu", "manager_id", "days_overdue",
                                                   "risk_level"])
        overdue["team"] = overdue["team"].fillna(NO_TEAM)
        self._update_teams(overdue)
        self._update_managers(overdue)
        self._overdue = overdue
        self._draw_chart()
        self.trend_slot.refresh()
        self._update_clocks()

    def _update_clocks(self) -> None:
        """The open clocks of the RSOs within the scope (held by the chosen BCU, team and
        manager at the as-at date, of the chosen risk level)."""
        figures = self._figures
        assert figures is not None
        rows = open_clock_rows(figures.clocks, figures.rsos, self.scoped_rsos()["rso_id"])
        overdue = int(rows["overdue"].sum())
        self.clocks_title.setText(f"{len(rows):,} open clocks · {overdue:,} overdue, most "
                                  f"overdue first")
        self.list_tabs.setTabText(1, f"Clocks ({len(rows):,})")
        self.show_rows(self.clocks_view, rows)

    def _visit_rows(self, listed: pd.DataFrame) -> pd.DataFrame:
        rows = rso_rows(listed, VISIT_COLUMNS, extra=["days_overdue", "days_to_due",
                                                      "visit_overdue"])
        rows["overdue_days"] = listed["days_overdue"].where(listed["visit_overdue"]).astype(
            "Float64")
        rows["due_in"] = listed["days_to_due"].where(~listed["visit_overdue"])
        rows["interval_text"] = interval_text(listed)
        rows["alerts"] = alert_text(listed)
        return rows.sort_values(["next_visit_due", "rso_id"], na_position="last", kind="stable")

    def _update_cards(self, rsos: pd.DataFrame, prescribed: pd.DataFrame,
                      overdue: pd.DataFrame, soon: int) -> None:
        policy = self._figures.policy  # type: ignore[union-attr]
        self.summary["overdue"].set_figure(
            f"{len(overdue):,}", f"of {len(prescribed):,} with home visits prescribed")
        if len(overdue):
            worst = overdue.sort_values(["days_overdue", "rso_id"],
                                        ascending=[False, True]).iloc[0]
            holder = worst["manager_name"] if pd.notna(worst["manager_name"]) else \
                f"pooled, {worst['team'] if pd.notna(worst['team']) else 'no team'}"
            self.summary["most_overdue"].set_figure(
                f"{int(worst['days_overdue']):,} days", f"{worst['rso_id']} · {holder}")
        else:
            self.summary["most_overdue"].set_figure("–", "nothing overdue")
        self.summary["due_soon"].set_figure(
            f"{soon:,}", f"within {self.due_within} days (policy: {policy.due_soon_days})")
        warrant = int(rsos[flag_column("warrant_consideration")].sum())
        self.summary["warrant"].set_figure(
            f"{warrant:,}", f"{policy.warrant_after_failed_visits} or more no-access visits "
                            "in a row")
        lone = int(rsos[flag_column("lone_visit")].sum())
        self.summary["lone"].set_figure(
            f"{lone:,}", f"latest visit by fewer than {policy.officers_per_visit} officers")

    def _update_risk_summary(self, prescribed: pd.DataFrame, overdue_mask: np.ndarray,
                             soon_mask: np.ndarray) -> None:
        frame = pd.DataFrame({
            "risk_level": prescribed["risk_level"].to_numpy(object),
            "prescribed": 1,
            "overdue": overdue_mask.astype(int),
            "days": np.where(overdue_mask, prescribed["days_overdue"].to_numpy("int64"), 0),
            "due_soon": soon_mask.astype(int),
        })
        grouped = frame.groupby("risk_level").agg(
            prescribed=("prescribed", "sum"), overdue=("overdue", "sum"),
            max_days_overdue=("days", "max"), due_soon=("due_soon", "sum"))
        grouped = grouped.reindex(list(reversed(RISK_ORDER)), fill_value=0)
        total = pd.DataFrame({"prescribed": [len(frame)], "overdue": [int(overdue_mask.sum())],
                              "max_days_overdue": [int(frame["days"].max()) if len(frame)
                                                   else 0],
                              "due_soon": [int(soon_mask.sum())]}, index=[ALL_RISKS_ROW])
        summary = pd.concat([grouped, total]).rename_axis("risk_level").reset_index()
        summary.loc[summary["overdue"] == 0, "max_days_overdue"] = np.nan
        self.risk_model.set_frame(summary)
        header = self.risk_model.columns[-1]
        if header.header != f"Due ≤ {self.due_within} d":
            columns = [*RISK_SUMMARY_COLUMNS[:-1],
                       Column("due_soon", f"Due ≤ {self.due_within} d", Kind.INT,
                              header_tip=f"Due within {self.due_within} days")]
            self.risk_model.set_frame(summary, columns)
        if id(self.risk_view) not in self._fitted:
            fit_columns(self.risk_view)
            self._fitted.add(id(self.risk_view))

    def _update_teams(self, overdue: pd.DataFrame) -> None:
        figures = self._figures
        assert figures is not None
        teams = most_overdue_by(overdue, ["bcu", "team"])
        known = figures.teams[self.scope.mask(figures.teams, risk=False)][["bcu", "team"]]
        if self.scope.manager is None:
            teams = known.merge(teams, on=["bcu", "team"], how="outer")
        teams["overdue"] = teams["overdue"].fillna(0).astype("int64")
        self.show_rows(self.teams_view, teams)

    def _update_managers(self, overdue: pd.DataFrame) -> None:
        figures = self._figures
        assert figures is not None
        managers = most_overdue_by(overdue, ["manager_label", "team"])
        held = figures.managers[self.scope.mask(figures.managers, risk=False)]
        held = held[held["caseload"] > 0]
        named = held.rename(columns={"name": "manager_label"})[["manager_label", "team"]]
        managers = named.merge(managers, on=["manager_label", "team"], how="outer")
        managers["overdue"] = managers["overdue"].fillna(0).astype("int64")
        self.show_rows(self.managers_view, managers)

    # --- the chart ------------------------------------------------------------------------------

    @property
    def chart(self):  # noqa: ANN201 - OverdueByTeamChart once built (pyqtgraph loads late)
        return self.chart_slot.chart

    def _on_chart_built(self, _chart: object) -> None:
        self._draw_chart()

    def _draw_chart(self) -> None:
        chart = self.chart_slot.chart
        if chart is None or self._figures is None or not hasattr(self, "_overdue"):
            return
        overdue = self._overdue
        if len(overdue):
            keys = [overdue["bcu"].fillna(""), overdue["team"]]
            counts = pd.crosstab(keys, overdue["risk_level"])
            counts = counts.reindex(columns=list(RISK_ORDER), fill_value=0)
            counts["overdue"] = counts.sum(axis=1)
            counts["max_days_overdue"] = overdue.groupby(keys)["days_overdue"].max()
            counts = counts.rename_axis(["bcu", "team"]).reset_index()
        else:
            counts = pd.DataFrame(columns=["bcu", "team", *RISK_ORDER, "overdue",
                                           "max_days_overdue"])
        chart.set_teams(team_labels(counts))
