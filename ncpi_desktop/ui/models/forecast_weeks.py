"""The Forecast page's week-by-week table: a row per measure, a column per week, the weeks over
their hours or their FTE flagged with why; and, with a what-if scenario shown, the scenario's
rows under today's ("What if: ..." for each measure the scenario changes, "Δ ..." for the hours
and the offender managers needed), drawn on the scenario's ground so none is read as the
register's.

Pure pandas over ``analysis.forecast``'s tables (``Level.table``: measures by week), shown
through the one table model.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ncpi_desktop.analysis.forecast import (
    COUNT_MEASURES,
    MEASURE_TITLES,
    Forecast,
    over_capacity,
)
from ncpi_desktop.formats import fmt_number, uk_date, uk_day_month
from ncpi_desktop.ui.models.table_model import (
    BACKGROUND,
    DISPLAY,
    FOREGROUND,
    Column,
    DataFrameTableModel,
)

MEASURE_COLUMN = Column("measure_title", "Week starting", header_tip="What falls due each week")
#: The frame column saying a row is the scenario's (a what-if or a difference), not today's.
WHAT_IF_ROW = "what_if"
WHAT_IF = "What if"
DELTA = "Δ"
#: The measures a scenario shown adds a difference row for, whether or not they change.
DELTA_MEASURES = ("hours_needed", "managers_needed")


class WeekTableModel(DataFrameTableModel):
    """The week-by-week table: its rows keep the measures' order (a header click sorts
    nothing); a scenario's rows are drawn on the scenario's ground where not flagged."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        return

    def set_frame(self, frame: pd.DataFrame, columns: list[Column] | None = None) -> None:
        self._what_if_rows = (frame[WHAT_IF_ROW].to_numpy(bool) if WHAT_IF_ROW in frame.columns
                              else np.zeros(len(frame), bool))
        super().set_frame(frame, columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> Any:
        if (role in (BACKGROUND, FOREGROUND) and index.isValid()
                and self._what_if_rows[index.row()]
                and not self._grade(index.row(), index.column())):
            return self._scenario_colours[role == FOREGROUND]
        return super().data(index, role)


def week_columns(result: Forecast) -> list[Column]:
    """The measure, then a column a week headed by its first day (DD/MM)."""
    return [MEASURE_COLUMN] + [
        Column(f"w{k}", uk_day_month(start), flags=(f"over_w{k}",),
               header_tip=f"Week from {uk_date(start)} to {uk_date(start + timedelta(days=6))}")
        for k, start in enumerate(result.week_starts)]


def _cell(measure: str, value: float) -> str:
    return f"{int(value):,}" if measure in COUNT_MEASURES else fmt_number(round(value, 1))


def _difference(measure: str, value: float) -> str:
    value = round(float(value), 1)
    if value == 0:
        return _cell(measure, 0.0)
    text = _cell(measure, abs(value))
    return f"+{text}" if value > 0 else f"−{text}"


def week_rows(table: pd.DataFrame, fte: float | None, *, title: str = "{}",
              hours_flag_on: str = "hours_needed") -> pd.DataFrame:
    """``table``'s rows (a measure each, its week cells written out) with the weeks needing more
    hours than are available flagged on ``hours_flag_on``'s row, and those needing more FTE than
    ``fte`` (None: not flagged) on the managers-needed row. ``title`` formats each row's
    title."""
    measures = list(table.index)
    rows = pd.DataFrame({"measure": measures,
                         "measure_title": [title.format(MEASURE_TITLES[m]) for m in measures],
                         WHAT_IF_ROW: False})
    over = over_capacity(table, fte)
    for k in range(table.shape[1]):
        values = table[k]
        rows[f"w{k}"] = [_cell(m, v) for m, v in values.items()]
        flag = np.zeros(len(rows), bool)
        why = np.full(len(rows), "", dtype=object)
        if over["hours_needed"][k] and hours_flag_on in measures:
            at = measures.index(hours_flag_on)
            flag[at] = True
            why[at] = (f"{fmt_number(round(values['hours_needed'], 1))} hours needed, "
                       f"{fmt_number(round(values['hours_available'], 1))} available")
        if "managers_needed" in over and over["managers_needed"][k]:
            at = measures.index("managers_needed")
            flag[at] = True
            why[at] = (f"{fmt_number(values['managers_needed'])} FTE needed to stay "
                       f"within the caseload limit; the group has {fmt_number(fte or 0.0)}")
        rows[f"flag_over_w{k}"] = flag
        rows[f"why_over_w{k}"] = why
    return rows


def changed_measures(today: pd.DataFrame, what_if: pd.DataFrame) -> list[str]:
    """The measures whose weekly values differ between ``today`` and ``what_if``, in order."""
    return [m for m in today.index if m in what_if.index
            and not np.allclose(today.loc[m].to_numpy(float), what_if.loc[m].to_numpy(float))]


def what_if_rows(today: pd.DataFrame, what_if: pd.DataFrame, fte: float | None
                 ) -> pd.DataFrame:
    """The scenario's rows: "What if: <measure>" for each measure it changes (flagged as today's
    are, against the scenario's hours and ``fte``), then "Δ <measure>" (the scenario less
    today) for the hours and the offender managers needed."""
    changed = changed_measures(today, what_if)
    # The scenario's weeks over their hours are flagged on its hours-needed row, or on its
    # hours-available row when only that changes.
    flag_on = "hours_needed" if "hours_needed" in changed else "hours_available"
    rows = week_rows(what_if, fte, title=f"{WHAT_IF}: {{}}", hours_flag_on=flag_on)
    rows = rows[rows["measure"].isin(changed).to_numpy(bool)]
    deltas = [m for m in DELTA_MEASURES if m in today.index and m in what_if.index]
    delta = pd.DataFrame({"measure": deltas,
                          "measure_title": [f"{DELTA} {MEASURE_TITLES[m]}" for m in deltas]})
    for k in range(today.shape[1]):
        delta[f"w{k}"] = [_difference(m, what_if.at[m, k] - today.at[m, k]) for m in deltas]
        delta[f"flag_over_w{k}"] = False
        delta[f"why_over_w{k}"] = ""
    parts = [f for f in (rows, delta) if len(f)]
    frame = pd.concat(parts, ignore_index=True) if parts else rows.iloc[:0].copy()
    frame[WHAT_IF_ROW] = True
    return frame
