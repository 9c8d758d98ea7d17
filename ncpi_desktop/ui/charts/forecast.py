"""The forecast's chart (pyqtgraph): the hours each coming week's work needs, stacked by kind
(home visits, ARMS assessments), against the hours available (the capacity line), and, with a
what-if scenario shown, the scenario's hours available (a second dashed line, in the scenario's
colour).

One bar per week, the week's first day (DD/MM) under it. The figures come from
``analysis.forecast``; the chart only arranges them, and says in words (its accessible
description) which weeks need more hours than are available by that module's rule
(``over_capacity``, as the table and the pack mark them). Hovering a week says what it holds.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from ncpi_desktop.analysis.forecast import over_capacity
from ncpi_desktop.formats import uk_date, uk_day_month
from ncpi_desktop.ui.charts.bars import styled_plot
from ncpi_desktop.ui.core import style

#: The kinds of work stacked, bottom first: (name, colour).
KINDS = (("Home visits", style.BAR), ("ARMS assessments", style.BAR_AMBER))
BAR_WIDTH = 0.7  # of a week: not a rule, a look


def _swatch(colour: str, text: str) -> str:
    return f'<span style="color:{colour}">■</span>&nbsp;{text}'


class WeekAxis(pg.AxisItem):
    """Each week's first day as DD/MM under its bar."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.starts: list[date] = []

    def tickStrings(self, values, scale, spacing):  # noqa: ANN001, ANN201 - pyqtgraph API
        out = []
        for value in values:
            week = int(round(value))
            inside = 0 <= week < len(self.starts) and abs(value - week) < 1e-6
            out.append(uk_day_month(self.starts[week]) if inside else "")
        return out


class ForecastChart(QWidget):
    """Hours needed per week, stacked by kind, with the hours available as a line."""

    title = "Hours needed each week against hours available"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._axis = WeekAxis()
        self._plot = styled_plot(180)
        self._plot.getPlotItem().setAxisItems({"bottom": self._axis})
        self._axis.setPen(pg.mkPen(style.CHART_AXIS))
        self._axis.setTextPen(pg.mkPen(style.CHART_TEXT))
        self._plot.getPlotItem().showGrid(x=False, y=True, alpha=0.25)
        self._plot.setAccessibleName(self.title)
        self._bars = [pg.BarGraphItem(x=[], height=[], y0=[], width=BAR_WIDTH,
                                      brush=pg.mkBrush(colour), pen=pg.mkPen(None))
                      for _, colour in KINDS]
        for bars in self._bars:
            self._plot.addItem(bars)
        self._capacity = self._plot.plot([], [], pen=pg.mkPen(
            style.LIMIT_LINE, width=2, style=Qt.PenStyle.DashLine), stepMode="center")
        self._what_if_line = self._plot.plot([], [], pen=pg.mkPen(
            style.SCENARIO_BORDER, width=2.5, style=Qt.PenStyle.DashLine), stepMode="center")
        self._hours: list[np.ndarray] = [np.zeros(0) for _ in KINDS]
        self._available = np.zeros(0)
        self._what_if: np.ndarray | None = None
        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        caption = QLabel(self.title)
        caption.setObjectName("sectionTitle")
        legend = QLabel(" &nbsp; ".join([_swatch(c, n) for n, c in KINDS]
                                        # the line's key in the label's own colour: readable
                                        # on every theme's window
                                        + ["- - -&nbsp;hours available"]))
        legend.setObjectName("muted")
        legend.setTextFormat(Qt.TextFormat.RichText)
        # The scenario line's key: a swatch of its colour (a graphic: 3:1 on every theme's
        # window), the words in the label's.
        self._what_if_key = QLabel("&nbsp; " + _swatch(style.SCENARIO_BORDER,
                                                       "what if: hours available (dashed)"))
        self._what_if_key.setObjectName("muted")
        self._what_if_key.setTextFormat(Qt.TextFormat.RichText)
        self._what_if_key.hide()
        heading = QHBoxLayout()
        heading.addWidget(caption)
        heading.addStretch(1)
        heading.addWidget(legend)
        heading.addWidget(self._what_if_key)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(heading)
        layout.addWidget(self._plot, 1)

    @property
    def week_starts(self) -> list[date]:
        return list(self._axis.starts)

    @property
    def stacked_hours(self) -> list[list[float]]:
        """Per kind (``KINDS``), the hours drawn for each week."""
        return [hours.tolist() for hours in self._hours]

    @property
    def capacity(self) -> list[float]:
        return self._available.tolist()

    @property
    def what_if_capacity(self) -> list[float] | None:
        """The scenario's hours available each week, as drawn; None when none is shown."""
        return None if self._what_if is None else self._what_if.tolist()

    def set_weeks(self, starts: list[date], visit_hours: np.ndarray, arms_hours: np.ndarray,
                  available: np.ndarray) -> None:
        """Draw the weeks starting on ``starts``: hours of visits and of ARMS stacked, and the
        hours available."""
        self._axis.starts = list(starts)
        self._hours = [np.asarray(visit_hours, float), np.asarray(arms_hours, float)]
        self._available = np.asarray(available, float)
        x = np.arange(len(starts), dtype=float)
        base = np.zeros(len(starts))
        for bars, hours in zip(self._bars, self._hours, strict=True):
            bars.setOpts(x=x, height=hours, y0=base.copy(), width=BAR_WIDTH)
            base = base + hours
        edges = np.arange(len(starts) + 1, dtype=float) - 0.5
        self._capacity.setData(edges, self._available, stepMode="center")
        self._axis.setTicks([[(float(k), uk_day_month(s)) for k, s in enumerate(starts)],
                             []])
        self._fit_range()

    def set_what_if_capacity(self, available: np.ndarray | None) -> None:
        """Draw a what-if scenario's hours available for the weeks shown (None: no scenario
        line)."""
        self._what_if = None if available is None else np.asarray(available, float)
        self._what_if_key.setVisible(self._what_if is not None)
        if self._what_if is None or len(self._what_if) != len(self._axis.starts):
            self._what_if_line.setData([], [])
        else:
            edges = np.arange(len(self._what_if) + 1, dtype=float) - 0.5
            self._what_if_line.setData(edges, self._what_if, stepMode="center")
        self._fit_range()

    def _fit_range(self) -> None:
        """Every bar and line in view, and the description to match."""
        weeks = len(self._axis.starts)
        drawn = [sum(self._hours), self._available]
        if self._what_if is not None and len(self._what_if) == weeks:
            drawn.append(self._what_if)
        top = max([float(np.max(v)) for v in drawn if len(v)] + [1.0])
        self._plot.setRange(xRange=(-0.6, weeks - 0.4), yRange=(0, top * 1.1), padding=0)
        self._plot.setAccessibleDescription(self.chart_text())

    def week_tip(self, week: int) -> str:
        needed = sum(hours[week] for hours in self._hours)
        lines = [f"Week from {uk_date(self._axis.starts[week])}",
                 *(f"{name}: {hours[week]:.1f} hours" for (name, _), hours in
                   zip(KINDS, self._hours, strict=True)),
                 f"Needed {needed:.1f} of {self._available[week]:.1f} hours available"]
        if self._what_if is not None and week < len(self._what_if):
            lines.append(f"What if: {self._what_if[week]:.1f} hours available")
        return "\n".join(lines)

    @property
    def over_weeks(self) -> list[date]:
        """The weeks drawn needing more hours than available (``over_capacity``'s rule)."""
        table = pd.DataFrame([sum(self._hours), self._available],
                             index=["hours_needed", "hours_available"])
        over = over_capacity(table, None)["hours_needed"]
        return [start for start, marked in zip(self._axis.starts, over, strict=True) if marked]

    def chart_text(self) -> str:
        """What the chart shows, in words (its accessible description)."""
        if not self._axis.starts:
            return "No weeks"
        over = [uk_date(start) for start in self.over_weeks]
        text = f"{len(self._axis.starts)} weeks from {uk_date(self._axis.starts[0])}"
        text += (f"; more hours needed than available in the weeks from {', '.join(over)}"
                 if over else "; within the hours available")
        if self._what_if is not None and len(self._what_if) == len(self._axis.starts):
            text += (f"; what if: {self._what_if.sum():,.0f} hours available in all, against "
                     f"{self._available.sum():,.0f} today")
        return text

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        view = self._plot.getPlotItem().getViewBox()
        if self._axis.starts and view.sceneBoundingRect().contains(scene_pos):
            week = int(round(view.mapSceneToView(scene_pos).x()))
            if 0 <= week < len(self._axis.starts):
                where = self._plot.mapToGlobal(self._plot.mapFromScene(scene_pos))
                QToolTip.showText(where, self.week_tip(week), self._plot)
                return
        QToolTip.hideText()
