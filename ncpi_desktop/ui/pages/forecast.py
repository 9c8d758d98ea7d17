"""The Forecast page: what each of the coming 12 weeks asks of the force, a BCU, a team or an
offender manager (``analysis.forecast``): visits and ARMS falling due, orders ending, releases,
re-notifications and notification reviews, the hours the work needs against the hours available,
and the offender managers the caseload needs.

The scope filter chooses the group; the chart stacks the hours by kind of work against the hours
available; the table has a row per measure and a column per week (headed by the day it starts).
A week needing more hours than are available, and a week needing more FTE than the group has,
are flagged with why.

With a what-if scenario shown beside today (``Page.scenario_ready``), today's forecast stays and
the scenario's is set beside it: "What if" rows under today's for each measure it changes and
"Δ" rows for the hours and offender managers needed (``models.forecast_weeks``), the what-if
figure on each card, and the scenario's hours available as a second line on the chart. The
scenario's forecast is computed once per its figures, as today's is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QWidget

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.forecast import (
    DEFAULT_WEEKS,
    Forecast,
    Level,
    forecast,
    group_fte,
    hour_parts,
    over_capacity,
)
from ncpi_desktop.formats import fmt_number, uk_date
from ncpi_desktop.ui.models.forecast_weeks import (
    MEASURE_COLUMN,
    WeekTableModel,
    week_columns,
    week_rows,
    what_if_rows,
)
from ncpi_desktop.ui.models.table_model import Column
from ncpi_desktop.ui.pages.review import ChartSlot, ReviewPage
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

#: Reads the recorded absences (``storage.allocations.absences``), or None without a database.
AbsenceSource = Callable[[], pd.DataFrame | None]
#: A scope's forecast: its level, its row there, and the FTE the group has (None: a manager).
Chosen = tuple[Level, int, float | None]
#: The fewest table rows kept in sight: the table grows to show every row (today's nine and a
#: scenario's) where the window has room, and scrolls where it has not (1366x768).
TABLE_MIN_ROWS = 6


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
        self._what_if: Forecast | None = None
        self._what_if_of: object = None
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
        layout.addWidget(self.table_view, 4)  # its rows first, the chart the rest
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

    @property
    def what_if_result(self) -> Forecast | None:
        """The forecast of the what-if scenario shown beside today, if any (computed once per
        its figures)."""
        shown = self.scenario_ready()
        figures = shown.figures if shown is not None else None
        if figures is None or not figures.complete:
            self._what_if, self._what_if_of = None, None
            return None
        if self._what_if_of is not figures:
            self._what_if = forecast(figures, DEFAULT_WEEKS, absences=self._absences())
            self._what_if_of = figures
        return self._what_if

    def chosen(self) -> Chosen | None:
        """The level and row of the scope chosen, and the FTE the group has (None for a
        manager: the table has no managers-needed row); None if the forecast has no such
        group."""
        return self._chosen_in(self.result, self._figures)

    def what_if_chosen(self) -> Chosen | None:
        """``chosen`` in the scenario's forecast."""
        shown = self.scenario_ready()
        return self._chosen_in(self.what_if_result, shown.figures if shown else None)

    def _chosen_in(self, result: Forecast | None, figures: Figures | None) -> Chosen | None:
        if result is None or figures is None:
            return None
        scope = self.scope
        if scope.manager is not None:
            name, keys = "managers", {"manager_id": scope.manager}
        elif scope.team is not None:
            name, keys = "teams", {"team": scope.team, "bcu": scope.bcu}
        elif scope.bcu is not None:
            name, keys = "bcus", {"bcu": scope.bcu}
        else:
            return result.force, 0, group_fte(figures, "force", result.force.keys, 0)
        level: Level = getattr(result, name)
        match = np.ones(len(level.keys), bool)
        for column, value in keys.items():
            if value is not None:
                match &= (level.keys[column] == value).to_numpy(bool, na_value=False)
        rows = np.flatnonzero(match)
        if not len(rows):
            return None
        row = int(rows[0])
        return level, row, group_fte(figures, name, level.keys, row)

    def what_if_table(self, today: pd.DataFrame) -> tuple[pd.DataFrame, float | None] | None:
        """The scope's measures by week in the scenario shown, and the FTE it has there; None
        without a scenario. A group the scenario has not (a manager who leaves) has nothing:
        zeros."""
        if self.what_if_result is None:
            return None
        chosen = self.what_if_chosen()
        if chosen is None:
            return today * 0.0, 0.0 if "managers_needed" in today.index else None
        level, row, fte = chosen
        return level.table(row).reindex(today.index, fill_value=0.0), fte

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
        what_if = self.what_if_table(table)
        self._fill_cards(table, fte, what_if)
        end = result.week_starts[-1] + timedelta(days=6)
        frame, columns = self.table_frame(table, result, fte, what_if)
        extra = len(frame) - len(table)
        self.title_label.setText(
            f"{self.scope.describe()}: {result.weeks} weeks from {uk_date(result.as_at)} to "
            f"{uk_date(end)}" + (f" (the scenario's {extra} rows under today's)" if extra else ""))
        self.table_model.set_frame(frame, columns)
        fit_columns(self.table_view)
        self._fit_table_height()
        self._draw_chart()

    def _fit_table_height(self) -> None:
        """The table as tall as its rows where there is room (``TABLE_MIN_ROWS`` at least):
        the chart takes the rest."""
        view = self.table_view
        rows = self.table_model.rowCount()
        frame = (view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
                 + view.horizontalScrollBar().sizeHint().height())
        heights = [view.rowHeight(r) for r in range(rows)]
        view.setMinimumHeight(frame + sum(heights[:TABLE_MIN_ROWS]))
        view.setMaximumHeight(frame + sum(heights))

    def _fill_cards(self, table: pd.DataFrame, fte: float | None,
                    what_if: tuple[pd.DataFrame, float | None] | None) -> None:
        """Today's figures on the cards; with a scenario shown, its figure in each note."""
        then = what_if[0] if what_if is not None else None

        def note(today: str, scenario: str) -> str:
            return f"{today} · what if: {scenario}" if then is not None else today

        for key, measure in (("visits", "visits_due"), ("arms", "arms_due")):
            values = table.loc[measure]
            scenario = ""
            if then is not None:
                change = int(then.loc[measure].sum() - values.sum())
                scenario = f"{int(then.loc[measure].sum()):,} ({change:+,})"
            self.summary[key].set_figure(f"{int(values.sum()):,}",
                                         note(f"{int(values.iloc[0]):,} this week", scenario))
        needed, available = table.loc["hours_needed"], table.loc["hours_available"]
        over = int(over_capacity(table, fte)["hours_needed"].sum())
        scenario = (f"{then.loc['hours_needed'].sum():,.0f} of "
                    f"{then.loc['hours_available'].sum():,.0f}" if then is not None else "")
        self.summary["hours"].set_figure(
            f"{needed.sum():,.0f} of {available.sum():,.0f}",
            note(f"over in {over} week{'s' if over != 1 else ''}" if over
                 else "within every week", scenario))
        if "managers_needed" in table.index and fte is not None:
            most = float(table.loc["managers_needed"].max())
            scenario = ""
            if then is not None and what_if is not None:
                scenario = (f"{fmt_number(float(then.loc['managers_needed'].max()))} FTE, "
                            f"has {fmt_number(what_if[1] or 0.0)}")
            self.summary["managers"].set_figure(f"{fmt_number(most)} FTE",
                                                note(f"has {fmt_number(fte)} FTE", scenario))
        else:
            self.summary["managers"].set_figure("", "for teams, BCUs and the force")

    @staticmethod
    def table_frame(table: pd.DataFrame, result: Forecast, fte: float | None,
                    what_if: tuple[pd.DataFrame, float | None] | None = None,
                    ) -> tuple[pd.DataFrame, list[Column]]:
        """The table's rows (a measure each, its week cells written out, with flags; with a
        scenario's ``what_if`` table and FTE, its rows after) and its columns (the measure,
        then a week each)."""
        rows = week_rows(table, fte)
        if what_if is not None:
            rows = pd.concat([rows, what_if_rows(table, *what_if)], ignore_index=True)
        return rows, week_columns(result)

    def _draw_chart(self) -> None:
        chart = self.chart_slot.chart
        result, chosen = self.result, self.chosen()
        if chart is None or result is None or chosen is None:
            return
        level, row, _fte = chosen
        visits, arms = hour_parts(level.values, self._figures.policy)  # type: ignore[union-attr]
        chart.set_weeks(result.week_starts, visits[row], arms[row],
                        level.values["hours_available"][row])
        what_if = self.what_if_table(level.table(row))
        chart.set_what_if_capacity(
            None if what_if is None else what_if[0].loc["hours_available"].to_numpy(float))
