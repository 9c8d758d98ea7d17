"""The caseload page's two limit charts, in tabs, built on demand: pyqtgraph takes a third of a
second to import, so the page builds them after its first paint (``ensure_charts``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from ncpi_desktop.domain.policy import Policy

if TYPE_CHECKING:
    from ncpi_desktop.ui.charts.distribution import ManagerChartPanel
    from ncpi_desktop.ui.charts.manager_bars import ManagerBarChart

TITLES = ("Caseload per FTE", "High-risk share")


class ManagerChartTabs(QTabWidget):
    """Per FTE and high-risk share, one tab each; "Loading chart…" until built."""

    #: A bar was clicked: the manager's id.
    manager_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self._panels: list[ManagerChartPanel] = []
        self._slots: list[QWidget] = []
        for title in TITLES:
            slot = QWidget()
            layout = QVBoxLayout(slot)
            layout.setContentsMargins(0, 6, 0, 0)
            layout.addWidget(QLabel("Loading chart…"), 0, Qt.AlignmentFlag.AlignCenter)
            self._slots.append(slot)
            self.addTab(slot, title)

    @property
    def charts(self) -> list[ManagerBarChart]:
        """The per-FTE and high-risk-share bar charts (empty until ``ensure_charts``)."""
        return [panel.bars for panel in self._panels]

    @property
    def panels(self) -> list[ManagerChartPanel]:
        """Each chart with its distribution for many managers (empty until built)."""
        return list(self._panels)

    def ensure_charts(self) -> bool:
        """Build the charts if they are not built yet (imports pyqtgraph); True if built now."""
        if self._panels:
            return False
        from ncpi_desktop.ui.charts.distribution import ManagerChartPanel
        from ncpi_desktop.ui.charts.manager_bars import CaseloadChart, HighRiskShareChart

        for slot, chart_type in zip(self._slots, (CaseloadChart, HighRiskShareChart),
                                    strict=True):
            layout = slot.layout()
            while layout.count():
                layout.takeAt(0).widget().deleteLater()
            panel = ManagerChartPanel(chart_type, slot)
            panel.manager_changed.connect(self.manager_changed)
            layout.addWidget(panel)
            self._panels.append(panel)
        return True

    def set_managers(self, managers: pd.DataFrame, policy: Policy,
                     selected: str | None) -> None:
        """Draw ``managers`` against ``policy``, outlining ``selected``."""
        for panel in self._panels:
            panel.set_managers(managers, policy)
            panel.select_manager(selected)

    def select_manager(self, manager_id: str | None) -> None:
        for panel in self._panels:
            panel.select_manager(manager_id)
