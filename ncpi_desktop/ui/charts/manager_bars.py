"""Bar charts of the managers' figures against the policy limits (pyqtgraph).

Bars are horizontal, one per manager, highest at the top, so names read on the axis and the
managers above a limit stand together at the top. A bar is coloured by the analysis flag and its
grade (amber a little above, red far above; the rule lives in ``analysis``, not here); the limit
line is drawn where the ``Policy`` puts it.
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
from PySide6.QtWidgets import QWidget

from ncpi_desktop.analysis.flags import flag_column, severity_column, why_column
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import fmt_number
from ncpi_desktop.ui.charts.bars import (
    BAR_THICKNESS,
    HorizontalBarChart,
    bar_colours,
    limit_line,
)
from ncpi_desktop.ui.core import style


class ManagerBarChart(HorizontalBarChart):
    """One bar per manager, a limit line, click to select a manager.

    Subclasses say which column is drawn, which flag colours a bar and where the limit is.
    """

    #: A bar was clicked: the manager's id.
    manager_changed = Signal(str)

    value_column = ""
    flag = ""
    min_height = 160
    fits_names = False

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values = np.zeros(0)
        self._flagged = np.zeros(0, dtype=bool)
        self._grades = np.zeros(0, dtype=np.int8)
        self._selected: str | None = None
        item = self._plot.getPlotItem()
        item.setLabel("bottom", self.axis_label(), color=style.CHART_TEXT)
        self._bars = pg.BarGraphItem(x0=[], y=[], height=BAR_THICKNESS, width=[])
        item.addItem(self._bars)
        self._line = limit_line(0.97)
        item.addItem(self._line)
        self._plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.empty_label.setText("No managers in this scope")

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
    def manager_ids(self) -> list[str]:
        """The managers drawn, top bar first."""
        return list(self._keys)

    @property
    def flagged(self) -> list[bool]:
        """Per bar (top first), whether it is drawn in the warning colour."""
        return self._flagged.tolist()

    @property
    def grades(self) -> list[int]:
        """Per bar (top first): 0 within the limit, 1 amber, 2 red."""
        return self._grades.tolist()

    def limit_value(self) -> float:
        return float(self._line.value())

    def set_managers(self, managers: pd.DataFrame, policy: Policy) -> None:
        """Draw ``managers`` (a slice of ``Figures.managers``) against ``policy``."""
        values = self.plotted(managers).to_numpy(dtype=float)
        order = np.argsort(-values, kind="stable")
        self._keys = managers["manager_id"].to_numpy(dtype=object)[order].tolist()
        self._values = values[order]
        flagged = managers[flag_column(self.flag)] if flag_column(self.flag) in managers \
            else pd.Series(False, index=managers.index)
        self._flagged = flagged.to_numpy(dtype=bool)[order]
        severity = severity_column(self.flag)
        graded = (managers[severity].to_numpy(dtype=float, na_value=2.0)[order]
                  if severity in managers else np.full(len(order), 2.0))
        self._grades = np.where(self._flagged, np.clip(graded, 1, 2), 0).astype(np.int8)

        limit = self.limit(policy)
        self._line.setValue(limit)
        self._line.label.setFormat(self.limit_label(policy))
        severe = f"{policy.severe_above_share_of_limit:.0%}"
        self.legend.setText(
            f'<span style="color:{style.BAR_AMBER}">■</span> above the'
            f" {self.limit_label(policy).strip()}, within {severe} of it"
            f' · <span style="color:{style.BAR_WARNING}">■</span> more'
            " · click a bar to list the RSOs")
        self._redraw()
        # Room to the right of the limit line for its label.
        top = max(float(self._values.max()) * 1.06 if len(self._values) else 0.0, limit * 1.25)
        self._set_rows(self._keys, managers["name"].to_numpy(dtype=object)[order].tolist(),
                       self.tip(managers).to_numpy(dtype=object)[order].tolist(), top)

    def select_manager(self, manager_id: str | None) -> None:
        """Outline the bar of ``manager_id`` (None clears); does not emit ``manager_changed``."""
        if manager_id == self._selected:
            return
        self._selected = manager_id
        self._redraw()

    def bar_center(self, manager_id: str) -> QPoint:
        """Where a manager's bar is, in the plot widget's coordinates (for tests and tips)."""
        row = self._keys.index(manager_id)
        view_point = QPointF(max(self._values[row], 0.0) / 2, row)
        scene_point = self._view.mapViewToScene(view_point)
        return self._plot.mapFromScene(scene_point)

    # --- drawing and events --------------------------------------------------------------

    def _redraw(self) -> None:
        count = len(self._keys)
        by_grade = [pg.mkBrush(style.BAR), pg.mkBrush(style.BAR_AMBER),
                    pg.mkBrush(style.BAR_WARNING)]
        brushes = [by_grade[g] for g in self._grades.tolist()]
        plain = pg.mkPen(None)
        chosen = pg.mkPen(style.BAR_SELECTED_PEN, width=2.5)
        pens = [chosen if i == self._selected else plain for i in self._keys]
        self._bars.setOpts(x0=np.zeros(count), y=np.arange(count), height=BAR_THICKNESS,
                           width=self._values, **bar_colours(brushes, pens))

    def _on_scene_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        row = self._row_at(event.scenePos())
        if row is not None:
            event.accept()
            self.select_manager(self._keys[row])
            self.manager_changed.emit(self._keys[row])


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

