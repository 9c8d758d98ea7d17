"""The Forecast page: what each of the coming 12 weeks asks of the force, a BCU, a team or an
offender manager (``analysis.forecast``): visits and ARMS falling due, orders ending, releases,
re-notifications and notification reviews, the hours the work needs against the hours available,
and the offender managers the caseload needs.

The scope filter chooses the group; the chart stacks the hours by kind of work against the hours
available; the table has a row per measure and a column per week (headed by the day it starts).
A week needing more hours than are available, and a week needing more FTE than the group has,
are flagged with why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ncpi_desktop.analysis.forecast import (
    COUNT_MEASURES,
    DEFAULT_WEEKS,
    MEASURE_TITLES,
    Forecast,
    Level,
    forecast,
)
from ncpi_desktop.formats import fmt_number, uk_date
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.pages.review import ChartSlot, ReviewPage
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

#: Reads the recorded absences (``storage.allocations.absences``), or None without a database.
AbsenceSource = Callable[[], pd.DataFrame | None]
MEASURE_COLUMN = Column("measure_title", "Week starting", header_tip="What falls due each week")


class WeekTableModel(DataFrameTableModel):
    """The week-by-week table: its rows keep the measures' order (a header click sorts
    nothing)."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        return


def _chart():  # noqa: ANN202 - pyqtgraph's chart, imported when first shown
    from ncpi_desktop.ui.charts.forecast import ForecastChart

    return ForecastChart()


class ForecastPage(ReviewPage):
    """The coming weeks of one scope: a chart of hours and a table of every measure."""

    title = "Forecast"
    settings_group = "forecast"
    filters_risk = False

    def __init__(self, absences: AbsenceSource | None = None,
                 parent: QWidget | None = None) -> None:
        self._absences = absences or (lambda: None)
        self._forecast: Forecast | None = None
        self._forecast_of: object = None
        super().__init__(parent)

    def _build_content(self) -> QWidget:
        weeks = f"the next {DEFAULT_WEEKS} weeks"
        content, layout, _filters = self._scaffold({
            "visits": SummaryCard("Home visits due", f"Home visits falling due in {weeks} "
                                  "(overdue ones in the first)"),
            "arms": SummaryCard("ARMS due", f"ARMS assessments falling due in {weeks}"),
            "hours": SummaryCard("Hours needed", "Hours of visits and ARMS against the hours "
                                 "available (FTE less recorded absences)"),
            "managers": SummaryCard("Managers needed", "The most FTE any week needs to stay "
                                    "within the caseload limit, against the FTE the group has"),
        })
        self.chart_slot = ChartSlot(_chart)
        self.chart_slot.setMinimumHeight(200)
        self.chart_slot.chart_changed.connect(lambda _chart: self._draw_chart())
        layout.addWidget(self.chart_slot, 1)
        self.title_label = section_title("")
        layout.addWidget(self.title_label)
        self.table_model = WeekTableModel([MEASURE_COLUMN], parent=self)
        self.table_view = data_table(self.table_model, name="Forecast by week",
                                     description="One row per measure, one column per week")
        self.table_view.setSortingEnabled(False)
        layout.addWidget(self.table_view)
        layout.addWidget(muted(
            "Week columns start on the day shown and run seven days. Overdue visits and expired "
            "ARMS count in the first week; hours use the policy's hours per visit, per ARMS "
            "and per FTE a week (Manage › Rules). Hover a flagged cell for why."))
        return content

    # --- the forecast -------------------------------------------------------------------------

    @property
    def result(self) -> Forecast | None:
        """The forecast of the current figures (computed once per figures)."""
        figures = self._figures
        if figures is None or not figures.complete:
            return None
        if self._forecast_of is not figures:
            self._forecast = forecast(figures, DEFAULT_WEEKS, absences=self._absences())
            self._forecast_of = figures
        return self._forecast

    def chosen(self) -> tuple[Level, int, float | None] | None:
        """The level and row of the scope chosen, and the FTE the group has (None for a
        manager: the table has no managers-needed row); None if the forecast has no such
        group."""
        result, figures = self.result, self._figures
        if result is None or figures is None:
            return None
        scope = self.scope
        if scope.manager is not None:
            level, keys, fte = result.managers, {"manager_id": scope.manager}, None
        elif scope.team is not None:
            level, keys, fte = result.teams, {"team": scope.team, "bcu": scope.bcu}, "teams"
        elif scope.bcu is not None:
            level, keys, fte = result.bcus, {"bcu": scope.bcu}, "bcus"
        else:
            return result.force, 0, float(figures.force["fte"].iloc[0])
        match = np.ones(len(level.keys), bool)
        for column, value in keys.items():
            if value is not None:
                match &= (level.keys[column] == value).to_numpy(bool, na_value=False)
        rows = np.flatnonzero(match)
        if not len(rows):
            return None
        row = int(rows[0])
        if fte is None:
            return level, row, None
        groups = getattr(figures, fte)
        found = np.ones(len(groups), bool)
        for column in level.keys.columns:
            found &= (groups[column] == level.keys[column].iloc[row]).to_numpy(
                bool, na_value=False)
        return level, row, float(groups["fte"][found].sum())

    # --- showing it ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        self._update_scope_label()
        chosen = self.chosen()
        result = self.result
        if result is None or chosen is None:
            self.title_label.setText("No forecast for this scope")
            self.table_model.set_frame(pd.DataFrame(columns=[MEASURE_COLUMN.key]),
                                       [MEASURE_COLUMN])
            for card in self.summary.values():
                card.set_figure("", "")
            return
        level, row, fte = chosen
        table = level.table(row)
        self._fill_cards(table, fte)
        end = result.week_starts[-1] + timedelta(days=6)
        self.title_label.setText(f"{self.scope.describe()}: {result.weeks} weeks from "
                                 f"{uk_date(result.as_at)} to {uk_date(end)}")
        frame, columns = self.table_frame(table, result, fte)
        self.table_model.set_frame(frame, columns)
        fit_columns(self.table_view)
        self._fit_table_height()
        self._draw_chart()

    def _fit_table_height(self) -> None:
        """The table as tall as its rows (nine at most): the chart takes the rest."""
        view = self.table_view
        rows = self.table_model.rowCount()
        height = (view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
                  + sum(view.rowHeight(r) for r in range(rows))
                  + view.horizontalScrollBar().sizeHint().height())
        view.setFixedHeight(height)

    def _fill_cards(self, table: pd.DataFrame, fte: float | None) -> None:
        self.summary["visits"].set_figure(f"{int(table.loc['visits_due'].sum()):,}",
                                          f"{int(table.loc['visits_due'].iloc[0]):,} this week")
        self.summary["arms"].set_figure(f"{int(table.loc['arms_due'].sum()):,}",
                                        f"{int(table.loc['arms_due'].iloc[0]):,} this week")
        needed, available = table.loc["hours_needed"], table.loc["hours_available"]
        over = int((needed > available).sum())
        self.summary["hours"].set_figure(
            f"{needed.sum():,.0f} of {available.sum():,.0f}",
            f"over in {over} week{'s' if over != 1 else ''}" if over else "within every week")
        if "managers_needed" in table.index and fte is not None:
            most = float(table.loc["managers_needed"].max())
            self.summary["managers"].set_figure(f"{fmt_number(most)} FTE",
                                                f"has {fmt_number(fte)} FTE")
        else:
            self.summary["managers"].set_figure("", "for teams, BCUs and the force")

    @staticmethod
    def table_frame(table: pd.DataFrame, result: Forecast, fte: float | None,
                    ) -> tuple[pd.DataFrame, list[Column]]:
        """The table's rows (a measure each, its week cells written out, with flags) and its
        columns (the measure, then a week each)."""
        weeks = [f"w{k}" for k in range(result.weeks)]
        columns = [MEASURE_COLUMN] + [
            Column(key, start.strftime("%d/%m"), flags=(f"over_{key}",),
                   header_tip=f"Week from {uk_date(start)} to "
                              f"{uk_date(start + timedelta(days=6))}")
            for key, start in zip(weeks, result.week_starts, strict=True)]
        rows = pd.DataFrame({"measure": table.index,
                             "measure_title": [MEASURE_TITLES[m] for m in table.index]})
        for k, key in enumerate(weeks):
            values = table[k]
            rows[key] = [f"{int(v):,}" if m in COUNT_MEASURES else fmt_number(round(v, 1))
                         for m, v in values.items()]
            needed, available = values["hours_needed"], values["hours_available"]
            flag = np.zeros(len(rows), bool)
            why = np.full(len(rows), "", dtype=object)
            at = list(table.index).index("hours_needed")
            if needed > available:
                flag[at] = True
                why[at] = (f"{fmt_number(round(needed, 1))} hours needed, "
                           f"{fmt_number(round(available, 1))} available")
            if "managers_needed" in table.index and fte is not None:
                at = list(table.index).index("managers_needed")
                if values["managers_needed"] > fte + 1e-9:
                    flag[at] = True
                    why[at] = (f"{fmt_number(values['managers_needed'])} FTE needed to stay "
                               f"within the caseload limit; the group has {fmt_number(fte)}")
            rows[f"flag_over_{key}"] = flag
            rows[f"why_over_{key}"] = why
        return rows, columns

    def _draw_chart(self) -> None:
        chart = self.chart_slot.chart
        result, chosen = self.result, self.chosen()
        if chart is None or result is None or chosen is None:
            return
        level, row, _fte = chosen
        policy = self._figures.policy  # type: ignore[union-attr]
        chart.set_weeks(result.week_starts,
                        level.values["visits_due"][row] * policy.hours_per_visit,
                        level.values["arms_due"][row] * policy.hours_per_arms,
                        level.values["hours_available"][row])
