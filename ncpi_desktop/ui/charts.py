"""Bar charts of the managers' figures against the policy limits (pyqtgraph).

Bars are horizontal, one per manager, highest at the top, so names read on the axis and the
managers above a limit stand together at the top. A bar is coloured by the analysis flag (the
rule lives in ``analysis``, not here); the limit line is drawn where the ``Policy`` puts it.
This module imports pyqtgraph, which is slow to import: the caseload page loads it after its
first paint.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from ncpi_desktop.analysis.flags import flag_column, why_column
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import fmt_number
from ncpi_desktop.ui import style

BAR_THICKNESS = 0.72
#: Pixels between two names on the axis; when bars are closer, only every n-th bar is named
#: (hovering any bar still names it).
NAME_SPACING = 3



def name_ticks(names: list[str], height: float, line_height: float) -> list[tuple[int, str]]:
    """The (row, name) ticks of a horizontal bar chart: every bar's name when the names fit
    ``height``, else every n-th, so that names never overlap."""
    count = len(names)
    step = 1
    if count and height > 0:
        per_bar = height / (count + 0.2)  # a fifth of a bar of margin: not a rule
        step = max(1, math.ceil(line_height / per_bar))
    return [(row, names[row]) for row in range(0, count, step)]

class ManagerBarChart(QWidget):
    """One bar per manager, a limit line, click to select a manager.

    Subclasses say which column is drawn, which flag colours a bar and where the limit is.
    """

    #: A bar was clicked: the manager's id.
    manager_changed = Signal(str)

    title = ""
    value_column = ""
    flag = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ids: list[str] = []
        self._values = np.zeros(0)
        self._flagged = np.zeros(0, dtype=bool)
        self._tips: list[str] = []
        self._selected: str | None = None

        self._plot = pg.PlotWidget(background="w")
        self._plot.setMinimumHeight(160)
        item = self._plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=False, alpha=0.25)
        self._view = item.getViewBox()
        self._view.setMouseEnabled(x=False, y=False)
        self._view.invertY(True)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen("#8a8f98"))
            axis.setTextPen(pg.mkPen("#202124"))
        item.getAxis("left").setStyle(tickLength=0)
        item.setLabel("bottom", self.axis_label(), color="#202124")

        self._bars = pg.BarGraphItem(x0=[], y=[], height=BAR_THICKNESS, width=[])
        item.addItem(self._bars)
        self._line = pg.InfiniteLine(
            angle=90, movable=False,
            pen=pg.mkPen(style.LIMIT_LINE, width=1.5, style=Qt.PenStyle.DashLine),
            label="", labelOpts={"position": 0.97, "color": style.LIMIT_LINE,
                                 "anchors": [(0, 0), (0, 0)], "fill": (255, 255, 255, 220)})
        item.addItem(self._line)

        self._names: list[str] = []
        self._named: list[str] = []
        self._view.sigResized.connect(self._on_view_resized)
        self._plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)

        caption = QLabel(self.title)
        caption.setObjectName("sectionTitle")
        self._legend = QLabel("")
        self._legend.setObjectName("muted")
        heading = QHBoxLayout()
        heading.addWidget(caption)
        heading.addStretch(1)
        heading.addWidget(self._legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(heading)
        layout.addWidget(self._plot, 1)

    # --- what a subclass says -------------------------------------------------------------

    def axis_label(self) -> str:
        return ""

    def limit(self, policy: Policy) -> float:
        raise NotImplementedError

    def limit_label(self, policy: Policy) -> str:
        raise NotImplementedError

    def plotted(self, managers: pd.DataFrame) -> pd.Series:
        """The values drawn, in axis units."""
        return managers[self.value_column].astype(float).fillna(0.0)

    def tip(self, managers: pd.DataFrame) -> pd.Series:
        """Per manager, the hover text."""
        raise NotImplementedError

    # --- public ------------------------------------------------------------------------------

    @property
    def plot_widget(self) -> pg.PlotWidget:
        return self._plot

    @property
    def manager_ids(self) -> list[str]:
        """The managers drawn, top bar first."""
        return list(self._ids)

    @property
    def flagged(self) -> list[bool]:
        """Per bar (top first), whether it is drawn in the warning colour."""
        return self._flagged.tolist()

    def tip_text(self, manager_id: str) -> str:
        """What hovering a manager's bar says."""
        return self._tips[self._ids.index(manager_id)]

    def limit_value(self) -> float:
        return float(self._line.value())

    def set_managers(self, managers: pd.DataFrame, policy: Policy) -> None:
        """Draw ``managers`` (a slice of ``Figures.managers``) against ``policy``."""
        values = self.plotted(managers).to_numpy(dtype=float)
        order = np.argsort(-values, kind="stable")
        self._ids = managers["manager_id"].to_numpy(dtype=object)[order].tolist()
        self._values = values[order]
        flagged = managers[flag_column(self.flag)] if flag_column(self.flag) in managers \
            else pd.Series(False, index=managers.index)
        self._flagged = flagged.to_numpy(dtype=bool)[order]
        self._tips = self.tip(managers).to_numpy(dtype=object)[order].tolist()
        self._names = managers["name"].to_numpy(dtype=object)[order].tolist()

        limit = self.limit(policy)
        self._line.setValue(limit)
        self._line.label.setFormat(self.limit_label(policy))
        self._legend.setText(
            f'<span style="color:{style.BAR_WARNING}">■</span> above{self.limit_label(policy)}'
            " · click a bar to list the RSOs")
        self._redraw()
        # Room to the right of the limit line for its label.
        top = max(float(self._values.max()) * 1.06 if len(self._values) else 0.0, limit * 1.25)
        self._view.setRange(xRange=(0, top if top > 0 else 1),
                            yRange=(-0.6, max(len(self._ids), 1) - 0.4), padding=0)
        self._update_names()

    @property
    def named_bars(self) -> list[str]:
        """The names written on the axis (every bar's, unless they are too close to fit)."""
        return list(self._named)

    def _update_names(self) -> None:
        """Name every bar if the names fit, else every n-th, so that names never overlap."""
        ticks = name_ticks(self._names, self._view.sceneBoundingRect().height(),
                           self.fontMetrics().height() + NAME_SPACING)
        self._named = [name for _, name in ticks]
        self._plot.getPlotItem().getAxis("left").setTicks([ticks, []])

    def _on_view_resized(self) -> None:
        self._update_names()

    def select_manager(self, manager_id: str | None) -> None:
        """Outline the bar of ``manager_id`` (None clears); does not emit ``manager_changed``."""
        if manager_id == self._selected:
            return
        self._selected = manager_id
        self._redraw()

    def bar_center(self, manager_id: str) -> QPoint:
        """Where a manager's bar is, in the plot widget's coordinates (for tests and tips)."""
        row = self._ids.index(manager_id)
        view_point = QPointF(max(self._values[row], 0.0) / 2, row)
        scene_point = self._view.mapViewToScene(view_point)
        return self._plot.mapFromScene(scene_point)

    # --- drawing and events --------------------------------------------------------------

    def _redraw(self) -> None:
        count = len(self._ids)
        normal, warning = pg.mkBrush(style.BAR), pg.mkBrush(style.BAR_WARNING)
        brushes = [warning if f else normal for f in self._flagged]
        plain = pg.mkPen(None)
        chosen = pg.mkPen(style.BAR_SELECTED_PEN, width=2.5)
        pens = [chosen if i == self._selected else plain for i in self._ids]
        self._bars.setOpts(x0=np.zeros(count), y=np.arange(count), height=BAR_THICKNESS,
                           width=self._values, brushes=brushes, pens=pens)

    def _row_at(self, scene_pos: QPointF) -> int | None:
        if not self._ids or not self._view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self._view.mapSceneToView(scene_pos)
        row = int(round(point.y()))
        if 0 <= row < len(self._ids) and abs(point.y() - row) <= BAR_THICKNESS / 2 + 0.1:
            return row
        return None

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self._row_at(event.scenePos())
        if row is not None:
            event.accept()
            self.select_manager(self._ids[row])
            self.manager_changed.emit(self._ids[row])

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        row = self._row_at(scene_pos)
        if row is None:
            QToolTip.hideText()
            return
        global_pos = self._plot.mapToGlobal(self._plot.mapFromScene(scene_pos))
        QToolTip.showText(global_pos, self._tips[row], self._plot)


class CaseloadChart(ManagerBarChart):
    """Community RSOs per FTE, with the caseload limit."""

    title = "Community RSOs per FTE"
    value_column = "per_fte"
    flag = "caseload_over_limit"

    def axis_label(self) -> str:
        return "per FTE"

    def limit(self, policy: Policy) -> float:
        return float(policy.caseload_limit_per_fte)

    def limit_label(self, policy: Policy) -> str:
        return f" limit {policy.caseload_limit_per_fte:g} "

    def plotted(self, managers: pd.DataFrame) -> pd.Series:
        values = managers[self.value_column].astype(float)
        return values.where(np.isfinite(values), 0.0).fillna(0.0)

    def tip(self, managers: pd.DataFrame) -> pd.Series:
        return _tips(managers, lambda m: (
            m["caseload"].astype(str) + " community RSOs on " + m["fte"].map(fmt_number)
            + " FTE: " + m["per_fte"].map(_one_decimal) + " per FTE"), self.flag)


class HighRiskShareChart(ManagerBarChart):
    """Share of the community caseload that is high or very-high risk, with the share limit."""

    title = "High-risk share of caseload"
    value_column = "high_risk_share"
    flag = "high_risk_share_over_limit"

    def axis_label(self) -> str:
        return "% high or very high"

    def limit(self, policy: Policy) -> float:
        return float(policy.high_risk_share_limit) * 100

    def limit_label(self, policy: Policy) -> str:
        return f" limit {policy.high_risk_share_limit:.0%} "

    def plotted(self, managers: pd.DataFrame) -> pd.Series:
        return managers[self.value_column].astype(float).fillna(0.0) * 100

    def tip(self, managers: pd.DataFrame) -> pd.Series:
        high = managers["high"] + managers["very_high"]
        share = managers["high_risk_share"].map(
            lambda s: "no caseload" if pd.isna(s) else f"{s * 100:.1f}%")
        return _tips(managers, lambda m: (
            high.astype(str) + " of " + m["caseload"].astype(str)
            + " high or very high (" + share + ")"), self.flag)


def _one_decimal(value: float) -> str:
    return "" if pd.isna(value) or math.isinf(value) else f"{value:.1f}"


def _tips(managers: pd.DataFrame, body: Callable[[pd.DataFrame], pd.Series],
          flag: str) -> pd.Series:
    """Name, team and the figure; the flag's why when it is raised."""
    text = (managers["name"].astype(str) + " (" + managers["team"].astype(str) + ")\n"
            + body(managers))
    why = why_column(flag)
    if why in managers:
        raised = managers[flag_column(flag)].to_numpy(dtype=bool)
        text = text.where(~raised, text + "\n⚠ " + managers[why].astype(str))
    return text

