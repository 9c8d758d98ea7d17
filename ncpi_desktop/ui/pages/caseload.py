"""The supervisor's caseload page: the force at a glance, every manager against the limits, and
the RSOs behind any manager or pool.

Everything on the page reads one ``Figures`` (the window's snapshot), so the table, the charts,
the summary strip and ``report --json`` agree. Filters slice the figures with pandas; the charts
are built after the table's first paint, because pyqtgraph takes a third of a second to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QEvent,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import uk_date
from ncpi_desktop.ui.charts.manager_tabs import ManagerChartTabs
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import ShownScenario
from ncpi_desktop.ui.core.settings import CHART_TAB, MANAGERS_HEADER, splitter_state
from ncpi_desktop.ui.models.caseload import (
    POOLED_COLUMNS,
    RSO_COLUMNS,
    Holdings,
    counts_text,
    flag_text,
    holding_text,
    manager_columns,
    scope_row,
    with_workload,
)
from ncpi_desktop.ui.models.scenario import managers_beside
from ncpi_desktop.ui.models.table_model import DataFrameTableModel
from ncpi_desktop.ui.pages.page import Page, message_page
from ncpi_desktop.ui.widgets.accessible import named
from ncpi_desktop.ui.widgets.caseload_summary import caseload_cards, show_scope_figures
from ncpi_desktop.ui.widgets.rso_list import RsoList
from ncpi_desktop.ui.widgets.scenario_banner import ScenarioGroups
from ncpi_desktop.ui.widgets.scope_filter import ScopeFilter
from ncpi_desktop.ui.widgets.summary import SummaryCard, summary_strip
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns, select_key

if TYPE_CHECKING:
    from PySide6.QtWidgets import QComboBox

    from ncpi_desktop.ui.charts.manager_bars import ManagerBarChart

#: The RSO list's title when it lists nobody.
PICK_A_MANAGER = "Select a manager, a bar or Pooled to list RSOs"


class CaseloadPage(Page):
    """The caseload page. ``set_figures`` shows a snapshot; the rest follows the user's clicks."""

    title = "Caseload"
    settings_group = "caseload"

    #: The manager whose RSOs are listed: an id, or None (none, or the pool).
    manager_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(style.PAGE_STYLE)
        self._figures: Figures | None = None
        self._managers = pd.DataFrame()
        self._manager_id: str | None = None
        self._pooled = False
        self._selecting = False
        self._columns_fitted = False
        self._restored_header = False
        self._holdings: Holdings | None = None

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self._build_content())
        self._stack.addWidget(self._build_empty())
        self._stack.addWidget(self._build_loading())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.sort_managers("per_fte", Qt.SortOrder.DescendingOrder)

    # --- building ---------------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.setSpacing(8)

        self.summary: dict[str, SummaryCard] = caseload_cards()
        strip, self.scope_label, self.as_at_label = summary_strip(self.summary)
        layout.addLayout(strip)

        layout.addLayout(self._build_filters())

        self._manager_columns = manager_columns(Policy())
        self.managers_model = DataFrameTableModel(self._manager_columns, parent=self)
        self.managers_view = data_table(
            self.managers_model, content, name="Offender managers",
            description="Each manager's caseload against the limits; select one to list their "
                        "RSOs")
        self.managers_view.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.managers_view.viewport().installEventFilter(self)
        self.managers_model.modelReset.connect(self._on_managers_reset)

        self.rso_list = RsoList(RSO_COLUMNS, "risk_level", PICK_A_MANAGER)
        self.rsos_model, self.rsos_view = self.rso_list.model, self.rso_list.view
        self.rsos_title = self.rso_list.title

        layout.addWidget(self._build_splitters(), 1)
        return content

    def _build_filters(self) -> QHBoxLayout:
        """The scope (BCU and team), the counts, and the Pooled button."""
        filters = QHBoxLayout()
        filters.setSpacing(6)
        self.scope = ScopeFilter(managers=False, risk=False, everything=None)
        filters.addWidget(self.scope)
        filters.addSpacing(16)
        self.count_label = QLabel("")
        self.count_label.setObjectName("muted")
        self.count_label.setWordWrap(True)
        filters.addWidget(self.count_label, 1)
        self.pooled_button = QPushButton("Pooled")
        self.pooled_button.setCheckable(True)
        self.pooled_button.setToolTip("List the community RSOs with no named offender manager")
        named(self.pooled_button, "Pooled RSOs",
              "List the community RSOs with no named offender manager")
        filters.addWidget(self.pooled_button)
        self.scope.scope_changed.connect(self._on_scope_changed)
        self.pooled_button.clicked.connect(self._on_pooled_clicked)
        return filters

    def _build_splitters(self) -> QSplitter:
        """The managers over the RSO list, beside the charts' tabs."""
        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.addWidget(self.managers_view)
        self.left_splitter.addWidget(self.rso_list)
        self.left_splitter.setStretchFactor(0, 3)
        self.left_splitter.setStretchFactor(1, 2)

        self.chart_tabs = ManagerChartTabs()
        self.chart_tabs.manager_changed.connect(self.select_manager)
        self.scenario_groups = ScenarioGroups(self.chart_tabs)

        self.outer_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.outer_splitter.addWidget(self.left_splitter)
        self.outer_splitter.addWidget(self.chart_tabs)
        self.outer_splitter.setStretchFactor(0, 3)
        self.outer_splitter.setStretchFactor(1, 2)
        self.outer_splitter.setSizes([690, 310])  # the managers table whole at 1280 px
        self.left_splitter.setSizes([600, 400])
        for splitter in self._splitters().values():
            splitter.setChildrenCollapsible(False)
        return self.outer_splitter

    def _build_empty(self) -> QWidget:
        return message_page(
            self, "No offender managers or RSOs to show yet",
            "The database is empty, or none is open. Open one with File › Open database… "
            "(Ctrl+O), or build the Lancashire 2017 demo from a terminal:\n"
            "ncpi-desktop demo --profile lancashire-2017 --db lancashire.sqlite3")

    def _build_loading(self) -> QWidget:
        return message_page(self, "Reading the register…")

    def show_loading(self) -> None:
        """Say the figures are being read, where there are none on show yet."""
        if self._figures is None:
            self._stack.setCurrentIndex(2)

    @property
    def showing_loading(self) -> bool:
        return self._stack.currentIndex() == 2

    def _splitters(self) -> dict[str, QSplitter]:
        return {"outer": self.outer_splitter, "left": self.left_splitter}

    # --- the charts, after the first paint ----------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and watched is self.managers_view.viewport():
            self.managers_view.viewport().removeEventFilter(self)
            QTimer.singleShot(0, self.ensure_charts)
        return super().eventFilter(watched, event)

    @property
    def charts(self) -> list[ManagerBarChart]:
        """The per-FTE and high-risk-share charts (empty until ``ensure_charts``)."""
        return self.chart_tabs.charts

    def ensure_charts(self) -> None:
        """Build the charts if they are not built yet (imports pyqtgraph)."""
        if self.chart_tabs.ensure_charts():
            self._update_charts()

    # --- figures and filters --------------------------------------------------------------------

    @property
    def figures(self) -> Figures | None:
        return self._figures

    def set_figures(self, figures: Figures | None) -> None:
        """Show a new snapshot's figures, keeping the filters and selection where they still
        apply."""
        self._figures = figures
        self._holdings = None if figures is None else Holdings(figures.rsos)
        if figures is None:
            self._stack.setCurrentIndex(1)
            self.managers_model.set_frame(pd.DataFrame(columns=["manager_id"]))
            self.rsos_model.set_frame(pd.DataFrame())
            return
        self._stack.setCurrentIndex(0)
        self._manager_columns = manager_columns(figures.policy)
        self.scope.set_figures(figures)
        self._apply_filter()

    @property
    def bcu_combo(self) -> QComboBox:
        return self.scope.bcu_combo

    @property
    def team_combo(self) -> QComboBox:
        return self.scope.team_combo

    @property
    def current_bcu(self) -> str | None:
        return self.scope.bcu

    @property
    def current_team(self) -> str | None:
        return self.scope.team

    def set_filter(self, bcu: str | None, team: str | None = None) -> None:
        """Show one BCU (and one team of it); None shows all."""
        self.scope.set_scope(bcu, team)

    def _on_scope_changed(self) -> None:
        if self._figures is not None:
            self._apply_filter()

    def _apply_filter(self) -> None:
        figures = self._figures
        assert figures is not None
        managers = with_workload(figures.managers[self.scope.mask(figures.managers)])
        managers["flag_text"] = flag_text(managers)
        self._managers = managers
        columns = self._manager_columns
        if (shown := self.scenario_ready()) is not None and shown.figures is not None:
            what_if = shown.figures.managers  # a what-if scenario beside today
            managers, columns = managers_beside(managers, what_if[self.scope.mask(what_if)],
                                                columns)
        self.scenario_groups.show_groups(figures, shown)
        refit = len(columns) != self.managers_model.columnCount() and self._columns_fitted
        self.managers_model.set_frame(managers, columns)
        if refit:  # a scenario's columns came or went: each header whole
            fit_columns(self.managers_view)
        if not self._columns_fitted and not self._restored_header and len(managers):
            fit_columns(self.managers_view)
            self._columns_fitted = True
        self._update_summary()
        self._update_counts()
        self._update_charts()
        if self._pooled:
            self.show_pooled()
        elif self._manager_id is not None and self._manager_id in set(managers["manager_id"]):
            self.select_manager(self._manager_id)
        else:
            self.select_manager(None)

    def set_scenario(self, shown: ShownScenario | None) -> None:
        """The banner, the managers' what-if columns and the force/BCU/team "What if" tab."""
        super().set_scenario(shown)
        if self._figures is not None:
            self._apply_filter()

    def _update_summary(self) -> None:
        figures = self._figures
        assert figures is not None
        self.scope_label.setText(self.scope.describe())
        self.as_at_label.setText(f"as at {uk_date(figures.snapshot.as_at)}")
        show_scope_figures(self.summary, scope_row(figures, self.current_bcu, self.current_team),
                           figures.policy)

    def _pooled_rsos(self) -> pd.DataFrame:
        """The pooled RSOs within the filter."""
        assert self._holdings is not None
        pool = self._holdings.pool()
        return pool[self.scope.mask(pool)]

    def _pooled_count(self) -> int:
        """How many pooled RSOs are within the filter (without copying their rows)."""
        assert self._figures is not None
        rsos = self._figures.rsos
        columns = [c for c in ("bcu", "team", "manager_id", "risk_level") if c in rsos.columns]
        pool = rsos[columns].iloc[np.flatnonzero(rsos["is_pooled"].to_numpy(dtype=bool))]
        return int(self.scope.mask(pool).sum())

    def _update_counts(self) -> None:
        figures = self._figures
        assert figures is not None
        self.count_label.setText(counts_text(
            self._managers, scope_row(figures, self.current_bcu, self.current_team)))
        pooled = self._pooled_count()
        self.pooled_button.setText(f"Pooled: {pooled:,} with no named manager")
        self.pooled_button.setEnabled(pooled > 0 or self._pooled)

    def _update_charts(self) -> None:
        if self._figures is not None:
            self.chart_tabs.set_managers(self._managers, self._figures.policy, self._manager_id)

    # --- selection -------------------------------------------------------------------------

    @property
    def selected_manager(self) -> str | None:
        return self._manager_id

    @property
    def showing_pooled(self) -> bool:
        return self._pooled

    def select_manager(self, manager_id: str | None) -> None:
        """List ``manager_id``'s RSOs (None clears the list) and mark them in table and charts."""
        figures = self._figures
        changed = manager_id != self._manager_id or self._pooled
        self._manager_id = manager_id
        self._pooled = False
        self.pooled_button.setChecked(False)
        self._select_row(manager_id)
        self.chart_tabs.select_manager(manager_id)
        if figures is None or manager_id is None:
            self.rso_list.clear(PICK_A_MANAGER)
        else:
            assert self._holdings is not None
            rsos = self._holdings.held_by(manager_id)
            self.rso_list.show_rsos(rsos, RSO_COLUMNS,
                                   holding_text(figures.managers, manager_id, rsos))
        if changed:
            self.manager_changed.emit(manager_id)

    def show_pooled(self) -> None:
        """List the community RSOs with no named manager (within the filter), with why."""
        figures = self._figures
        if figures is None:
            return
        was_manager = self._manager_id
        self._manager_id = None
        self._pooled = True
        self.pooled_button.setChecked(True)
        self._select_row(None)
        self.chart_tabs.select_manager(None)
        pooled = self._pooled_rsos()
        self.rso_list.show_rsos(
            pooled, POOLED_COLUMNS,
            f"Pooled: {len(pooled):,} community RSOs with no named offender manager")
        if was_manager is not None:
            self.manager_changed.emit(None)

    def _select_row(self, manager_id: str | None) -> None:
        """Make the table's selection show ``manager_id`` without re-entering the handlers."""
        self._selecting = True
        try:
            select_key(self.managers_view, "manager_id", manager_id)
        finally:
            self._selecting = False

    def _on_table_selection(self, *_args: object) -> None:
        if self._selecting:
            return
        rows = self.managers_view.selectionModel().selectedRows()
        if rows:
            self.select_manager(str(self.managers_model.frame_row(rows[0].row())["manager_id"]))

    def _on_managers_reset(self) -> None:
        """A sort or a new frame loses the view's selection: put it back."""
        if not self._pooled and self._manager_id is not None:
            self._select_row(self._manager_id)

    def _on_pooled_clicked(self, checked: bool) -> None:
        if checked:
            self.show_pooled()
        else:
            self._pooled = False
            self.select_manager(None)

    # --- state ---------------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        for name, splitter in self._splitters().items():
            splitter_state(name).write(settings, splitter.saveState())
        MANAGERS_HEADER.write(settings, self.managers_view.horizontalHeader().saveState())
        CHART_TAB.write(settings, self.chart_tabs.currentIndex())

    def restore_state(self, settings: QSettings) -> None:
        for name, splitter in self._splitters().items():
            state = splitter_state(name).read(settings)
            if state is not None:
                splitter.restoreState(state)
        self.chart_tabs.setCurrentIndex(CHART_TAB.read(settings))
        header = self.managers_view.horizontalHeader()
        state = MANAGERS_HEADER.read(settings)
        if state is not None and header.restoreState(state):
            self._restored_header = True
            section = header.sortIndicatorSection()
            if 0 <= section < self.managers_model.columnCount():
                self.managers_model.sort(section, header.sortIndicatorOrder())

    def sort_managers(self, key: str, order: Qt.SortOrder) -> None:
        """Sort the managers table by frame column ``key`` (as a header click would)."""
        self.managers_view.sortByColumn(self.managers_model.column_of(key), order)
