"""The review's charts (pyqtgraph): overdue visits by risk level per team, ARMS completion by team
against the force figure, and the 12-month trend of both.

Bars are horizontal, one per team, largest at the top, so team names read on the axis (as on the
caseload page). Every figure drawn comes from ``Figures`` or ``analysis.trend``; the charts only
arrange it. Hovering a bar or a month says what it counts.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QStackedWidget, QToolTip, QVBoxLayout, QWidget

from ncpi_desktop.domain.enums import RiskLevel
from ncpi_desktop.formats import uk_date, uk_month
from ncpi_desktop.ui.charts.bars import (
    BAR_THICKNESS,
    HorizontalBarChart,
    bar_colours,
    limit_line,
)
from ncpi_desktop.ui.core import style

#: Overdue visits stacked by risk, most serious first (darkest) so the eye reads them first.
RISK_COLOURS: dict[str, str] = {
    RiskLevel.VERY_HIGH.value: style.RISK_VERY_HIGH,
    RiskLevel.HIGH.value: style.RISK_HIGH,
    RiskLevel.MEDIUM.value: style.RISK_MEDIUM,
    RiskLevel.LOW.value: style.RISK_LOW,
}
RISKS_SERIOUS_FIRST = [level.value for level in reversed(RiskLevel)]
#: ARMS completion bars: at or above the force figure, and below it.
AT_OR_ABOVE = style.BAR
BELOW = style.BAR_BELOW
TREND_LINE = style.TREND_LINE
#: Pixels between two month labels on the trend's axis.
TICK_GAP = 10  # not a rule: a look


def _swatch(colour: str, text: str) -> str:
    return f'<span style="color:{colour}">■</span>&nbsp;{text}'


class TeamBarChart(HorizontalBarChart):
    """One horizontal bar (or stack) per team, top first, names on the axis, hover text."""

    @property
    def teams(self) -> list[str]:
        """The teams drawn, top bar first."""
        return list(self._keys)

    def _set_teams(self, names: list[str], tips: list[str], right: float) -> None:
        self._set_rows(names, names, tips, right)


class OverdueByTeamChart(TeamBarChart):
    """Overdue home visits per team, stacked by risk level (very high first)."""

    title = "Overdue visits by team and risk level"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        item = self._plot.getPlotItem()
        item.setLabel("bottom", "overdue home visits", color=style.CHART_TEXT)
        self._bars: dict[str, pg.BarGraphItem] = {}
        for risk in RISKS_SERIOUS_FIRST:
            bars = pg.BarGraphItem(x0=[], y=[], height=BAR_THICKNESS, width=[],
                                   brush=pg.mkBrush(RISK_COLOURS[risk]), pen=pg.mkPen(None))
            item.addItem(bars)
            self._bars[risk] = bars
        self.legend.setText(" &nbsp; ".join(
            _swatch(RISK_COLOURS[r], RiskLevel(r).label.capitalize()) for r in RISKS_SERIOUS_FIRST))
        self._totals = np.zeros(0)

    @property
    def totals(self) -> list[int]:
        """Overdue visits per team drawn, top first."""
        return [int(t) for t in self._totals]

    def segment_widths(self, risk: str) -> list[int]:
        """The width of ``risk``'s segment of each bar, top first."""
        return [int(w) for w in self._bars[risk].opts["width"]]

    def set_teams(self, frame: pd.DataFrame) -> None:
        """``frame``: one row per team with ``label``, a count per risk level value
        (``very_high``... ``low``), ``overdue`` and ``max_days_overdue``; teams with none
        overdue are left out."""
        frame = frame[frame["overdue"] > 0].sort_values(
            ["overdue", "max_days_overdue"], ascending=False, kind="stable")
        rows = np.arange(len(frame))
        left = np.zeros(len(frame))
        for risk in RISKS_SERIOUS_FIRST:
            width = frame[risk].to_numpy(dtype=float) if risk in frame else np.zeros(len(frame))
            self._bars[risk].setOpts(x0=left.copy(), y=rows, height=BAR_THICKNESS, width=width)
            left += width
        self._totals = left
        tips = []
        for _, team in frame.iterrows():  # one row per team: a few hundred at most
            parts = [f"{int(team[r])} {RiskLevel(r).label}" for r in RISKS_SERIOUS_FIRST
                     if r in team and int(team[r])]
            tips.append(f"{team['label']}: {int(team['overdue'])} overdue "
                        f"({', '.join(parts)})\nmost overdue by {int(team['max_days_overdue'])}"
                        " days")
        self._set_teams(frame["label"].astype(str).tolist(), tips,
                       float(left.max()) * 1.08 if len(left) else 1.0)
        self.empty_label.setText("No visit is overdue")


class ArmsCompletionChart(TeamBarChart):
    """ARMS completion per team, with a line at the force's completion rate."""

    title = "ARMS completion by team"
    headroom = 1.3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        item = self._plot.getPlotItem()
        item.setLabel("bottom", "% of eligible RSOs with a current ARMS", color=style.CHART_TEXT)
        self._bars = pg.BarGraphItem(x0=[], y=[], height=BAR_THICKNESS, width=[])
        item.addItem(self._bars)
        self._line = limit_line(0.015)
        item.addItem(self._line)
        self._below: list[bool] = []
        self.legend.setText(_swatch(AT_OR_ABOVE, "at or above the force") + " &nbsp; "
                            + _swatch(BELOW, "below the force"))

    @property
    def below_force(self) -> list[bool]:
        """Per bar (top first), whether the team is below the force figure."""
        return list(self._below)

    def force_value(self) -> float:
        return float(self._line.value())

    def set_teams(self, frame: pd.DataFrame, force_rate: float) -> None:
        """``frame``: one row per team with ``label``, ``arms_eligible``, ``arms_current`` and
        ``arms_completion`` (NaN: nobody eligible, not drawn); ``force_rate`` the force's."""
        frame = frame[frame["arms_completion"].notna()].sort_values(
            "arms_completion", ascending=False, kind="stable")
        values = frame["arms_completion"].to_numpy(dtype=float) * 100
        force = float(force_rate) * 100 if not pd.isna(force_rate) else 0.0
        self._below = (values < force).tolist()
        brushes = [pg.mkBrush(BELOW if b else AT_OR_ABOVE) for b in self._below]
        self._bars.setOpts(x0=np.zeros(len(values)), y=np.arange(len(values)),
                           height=BAR_THICKNESS, width=values,
                           **bar_colours(brushes, [pg.mkPen(None)] * len(values)))
        self._line.setValue(force)
        self._line.label.setFormat(f" force {force:.1f}% ")
        tips = [f"{label}: {int(current):,} of {int(eligible):,} eligible RSOs have a current "
                f"ARMS ({rate * 100:.1f}%; force {force:.1f}%)"
                for label, current, eligible, rate in zip(
                    frame["label"], frame["arms_current"], frame["arms_eligible"],
                    frame["arms_completion"], strict=True)]
        self._set_teams(frame["label"].astype(str).tolist(), tips, 100.0)
        self.empty_label.setText("Nobody eligible for ARMS")


class MonthAxis(pg.AxisItem):
    """Month ends as "Oct 16" under each point."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.months: list[pd.Timestamp] = []

    def tickStrings(self, values, scale, spacing):  # noqa: ANN001, ANN201 - pyqtgraph API
        out = []
        for value in values:
            position = int(round(value))
            inside = 0 <= position < len(self.months) and abs(value - position) < 1e-6
            out.append(uk_month(self.months[position]) if inside else "")
        return out


class TrendChart(QWidget):
    """ARMS completion (line) and overdue visits (bars) at each of the last 12 month ends."""

    title = "Force, month by month"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame = pd.DataFrame()
        self._layout_widget = pg.GraphicsLayoutWidget()
        self._layout_widget.setBackground(style.CHART_BACKGROUND)
        self._layout_widget.setMinimumHeight(220)
        # Not a stop for Tab (the keys do nothing here); a screen reader reads its name.
        self._layout_widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._layout_widget.setAccessibleName(self.title)
        self._layout_widget.setAccessibleDescription(
            "ARMS completion and overdue home visits at each of the last 12 month ends")
        self._arms_axis, self._visits_axis = MonthAxis(), MonthAxis()
        self.arms_plot = self._layout_widget.addPlot(row=0, col=0,
                                                     axisItems={"bottom": self._arms_axis})
        self.visits_plot = self._layout_widget.addPlot(row=1, col=0,
                                                       axisItems={"bottom": self._visits_axis})
        for plot, title in ((self.arms_plot, "ARMS completion, % of eligible"),
                            (self.visits_plot, "Overdue home visits")):
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.getViewBox().setMouseEnabled(x=False, y=False)
            plot.showGrid(x=False, y=True, alpha=0.25)
            plot.setTitle(title, color=style.CHART_TEXT, size="9pt")
            for name in ("left", "bottom"):
                plot.getAxis(name).setPen(pg.mkPen(style.CHART_AXIS))
                plot.getAxis(name).setTextPen(pg.mkPen(style.CHART_TEXT))
        self._arms_line = self.arms_plot.plot([], [], pen=pg.mkPen(TREND_LINE, width=2),
                                              symbol="o", symbolSize=6,
                                              symbolBrush=TREND_LINE, symbolPen=None)
        self._visits_bars = pg.BarGraphItem(x=[], height=[], width=0.6,
                                            brush=pg.mkBrush(RISK_COLOURS["high"]),
                                            pen=pg.mkPen(None))
        self.visits_plot.addItem(self._visits_bars)
        self._layout_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._ticks: list[tuple[float, str]] = []
        self.arms_plot.getViewBox().sigResized.connect(self._update_ticks)

        caption = QLabel(self.title)
        caption.setObjectName("sectionTitle")
        self.note = QLabel("")
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.status = QLabel("The trend is computed from the recorded history when shown…")
        self.status.setObjectName("muted")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.status)
        self._stack.addWidget(self._layout_widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(caption)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self.note)

    @property
    def frame(self) -> pd.DataFrame:
        """The trend drawn (``analysis.trend.TREND_COLUMNS``); empty until one is set."""
        return self._frame

    def set_message(self, text: str) -> None:
        """Show ``text`` instead of the plots (computing, or why there is no trend)."""
        self.status.setText(text)
        self._stack.setCurrentIndex(0)

    def set_trend(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        months = [pd.Timestamp(m) for m in frame["month_end"]]
        self._arms_axis.months = self._visits_axis.months = months
        x = np.arange(len(frame), dtype=float)
        completion = frame["arms_completion"].to_numpy(dtype=float) * 100
        finite = np.isfinite(completion)
        self._arms_line.setData(x[finite], completion[finite])
        overdue = frame["visits_overdue"].to_numpy(dtype=float)
        self._visits_bars.setOpts(x=x, height=overdue, width=0.6)
        self._update_ticks()
        self.arms_plot.setRange(xRange=(-0.5, len(frame) - 0.5), yRange=(0, 100), padding=0.02)
        self.visits_plot.setRange(xRange=(-0.5, len(frame) - 0.5),
                                  yRange=(0, max(float(overdue.max()) if len(overdue) else 0, 1)
                                          * 1.1), padding=0.02)
        if len(frame):
            first, last = months[0], months[-1]
            self.note.setText(
                f"At each month end from {uk_date(first)} to {uk_date(last)}, from the recorded "
                "visits, ARMS and decisions; status, risk and holder as at the as-at date. "
                "Hover a month for its figures.")
        self._stack.setCurrentIndex(1)

    @property
    def shown_ticks(self) -> list[tuple[float, str]]:
        """The months named under the plots: (position, "Oct 16")."""
        return list(self._ticks)

    def tick_pixels(self) -> list[tuple[float, float]]:
        """Where each named month's label lies along the bottom axis: (left, right) pixels."""
        view = self.arms_plot.getViewBox()
        metrics = QFontMetrics(self.font())
        out = []
        for position, text in self._ticks:
            centre = view.mapViewToScene(QPointF(position, 0)).x()
            half = metrics.horizontalAdvance(text) / 2
            out.append((centre - half, centre + half))
        return out

    def _update_ticks(self) -> None:
        """Name every month whose label fits beside the next named one, else every n-th month
        (the latest always): labels never run together, whatever the width."""
        months = self._arms_axis.months
        if not months:
            self._ticks = []
        else:
            width = self.arms_plot.getViewBox().sceneBoundingRect().width()
            metrics = QFontMetrics(self.font())
            label = max(metrics.horizontalAdvance(uk_month(m)) for m in months)
            per_month = width / len(months) if width > 0 else 0.0
            room = label + TICK_GAP
            step = max(1, math.ceil(room / per_month)) if per_month > 0 else len(months)
            last = len(months) - 1
            self._ticks = [(float(i), uk_month(months[i]))
                           for i in range(last % step, len(months), step)]
        for axis in (self._arms_axis, self._visits_axis):
            axis.setTicks([self._ticks, []])

    def month_tip(self, position: int) -> str:
        row = self._frame.iloc[position]
        rate = row["arms_completion"]
        arms = "nobody eligible" if pd.isna(rate) else f"{rate * 100:.1f}%"
        return (f"{uk_date(pd.Timestamp(row['month_end']))}\n"
                f"ARMS: {int(row['arms_current']):,} of {int(row['arms_eligible']):,} eligible "
                f"current ({arms})\nOverdue visits: {int(row['visits_overdue']):,} of "
                f"{int(row['visits_prescribed']):,} with visits prescribed")

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        for plot in (self.arms_plot, self.visits_plot):
            view = plot.getViewBox()
            if view.sceneBoundingRect().contains(scene_pos) and len(self._frame):
                position = int(round(view.mapSceneToView(scene_pos).x()))
                if 0 <= position < len(self._frame):
                    where = self._layout_widget.mapToGlobal(
                        self._layout_widget.mapFromScene(scene_pos))
                    QToolTip.showText(where, self.month_tip(position), self._layout_widget)
                    return
        QToolTip.hideText()
