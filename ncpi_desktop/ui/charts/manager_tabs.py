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
        #: The managers and policy last given, the manager outlined, and the panels not
        #: drawing them yet (out of sight since).
        self._given: tuple[pd.DataFrame, Policy] | None = None
        self._selected: str | None = None
        self._stale: set[ManagerChartPanel] = set()
        for title in TITLES:
            slot = QWidget()
            layout = QVBoxLayout(slot)
            layout.setContentsMargins(0, 6, 0, 0)
            layout.addWidget(QLabel("Loading chart…"), 0, Qt.AlignmentFlag.AlignCenter)
            self._slots.append(slot)
            self.addTab(slot, title)
        self.currentChanged.connect(self._on_current_changed)

    @property
    def charts(self) -> list[ManagerBarChart]:
        """The per-FTE and high-risk-share bar charts (empty until ``ensure_charts``), each
        drawing the managers last given."""
        return [panel.bars for panel in self.panels]

    @property
    def bar_widgets(self) -> list[ManagerBarChart]:
        """The bar charts as widgets (to watch their events), without drawing one out of sight:
        ``charts`` draws them first."""
        return [panel.bars for panel in self._panels]

    @property
    def panels(self) -> list[ManagerChartPanel]:
        """Each chart with its distribution for many managers (empty until built), each
        drawing the managers last given."""
        for panel in list(self._stale):
            self._draw(panel)
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
        """Draw ``managers`` against ``policy``, outlining ``selected``: at once in the tab on
        show, in the other when it is next shown (or its chart is asked for)."""
        self._given = (managers, policy)
        self._selected = selected
        self._stale = set(self._panels)
        current = self.currentWidget()
        for panel in self._panels:
            if panel.parentWidget() is current:
                self._draw(panel)

    def select_manager(self, manager_id: str | None) -> None:
        self._selected = manager_id
        for panel in self._panels:
            if panel not in self._stale:
                panel.select_manager(manager_id)

    def _draw(self, panel: ManagerChartPanel) -> None:
        self._stale.discard(panel)
        if self._given is not None:
            panel.set_managers(*self._given)
        panel.select_manager(self._selected)

    def _on_current_changed(self, _index: int) -> None:
        current = self.currentWidget()
        for panel in list(self._stale):
            if panel.parentWidget() is current:
                self._draw(panel)
