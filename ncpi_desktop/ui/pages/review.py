"""What the manager's review pages (Visits, ARMS, Reactive, Orders) share.

``ReviewPage``: lazy refresh, the BCU/team/manager/risk filter, RSO lists that open the detail
panel; and the chart slots that build a chart when first shown (``TrendSlot`` draws the 12-month
trend of ``models.trend.TrendSource``). Each page module only says what it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.formats import uk_date
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import ShownScenario
from ncpi_desktop.ui.core.settings import splitter_state
from ncpi_desktop.ui.models.scenario import beside, difference_columns
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.models.trend import TrendSource
from ncpi_desktop.ui.pages.page import Page, message_page
from ncpi_desktop.ui.widgets.flow import FlowRow
from ncpi_desktop.ui.widgets.labels import muted
from ncpi_desktop.ui.widgets.scope_filter import ScopeFilter
from ncpi_desktop.ui.widgets.summary import SummaryCard, summary_strip
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns, rso_of

#: Property set on a table view once its ``activated`` signal opens the detail panel.
HOOKED = "ncpi_rso_detail_hooked"


class ReviewPage(Page):
    """A review page: the window's one ``Figures`` sliced by a ``ScopeFilter``.

    A page is refreshed when it is shown: a reload (a new as-at date, a recorded visit) only
    stores the figures of the pages out of sight, so changing the date does not redraw five
    pages over 100,000 RSOs. Subclasses build ``_build_content`` and fill it in ``_refresh``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(style.PAGE_STYLE)
        self._figures: Figures | None = None
        self._stale = False
        self._rso_views: list[QTableView] = []
        self._fitted: set[int] = set()
        #: Group tables set beside a what-if scenario: view id -> (keys, compared columns),
        #: and the scenario's rows for each, found by refreshing once from its figures.
        self._compared: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._what_if: dict[int, pd.DataFrame] | None = None
        self._last_what_if: dict[int, pd.DataFrame] = {}
        self._compared_columns: dict[int, list[Column]] = {}
        self._refresh = self._beside_scenario(self._refresh)  # type: ignore[method-assign]
        self.scope = ScopeFilter(risk=self.filters_risk)
        self.scope.scope_changed.connect(self._on_scope_changed)
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self._build_content())
        self._stack.addWidget(self._build_empty())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self._stack.setCurrentIndex(1)

    #: Whether the scope filter offers risk levels.
    filters_risk = True
    #: The ``Figures.rsos`` columns the page reads besides the flags (None: every column).
    rso_columns: tuple[str, ...] | None = None
    #: Columns every RSO list shows or filters on.
    BASE_COLUMNS = ("rso_id", "family_name", "given_names", "manager_id", "manager_name", "team",
                    "bcu", "risk_level", "status", "management")

    # --- what subclasses provide ------------------------------------------------------------

    def _build_content(self) -> QWidget:
        raise NotImplementedError

    def _refresh(self) -> None:
        """Show ``self._figures`` (never None here) within the scope."""
        raise NotImplementedError

    def _clear(self) -> None:
        """Empty every table (the database holds nothing)."""
        for view in self._rso_views:
            model = view.model()
            if isinstance(model, DataFrameTableModel):
                model.set_frame(pd.DataFrame(columns=[c.key for c in model.columns]))

    # --- shared building blocks ------------------------------------------------------------

    def _build_empty(self) -> QWidget:
        return message_page(self, "Nothing to review yet",
                            "The database is empty, or none is open (File › Open database…).")

    def _scaffold(self, cards: dict[str, SummaryCard]) -> tuple[QWidget, QVBoxLayout, FlowRow]:
        """The page's content widget and its layout, holding the summary strip (``cards``) and
        a row of filters that starts with the scope's (wrapping on a narrow screen); the page
        adds its own filters to the row, then its lists to the layout."""
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.setSpacing(8)
        layout.addLayout(self._header(cards))
        filters = FlowRow(spacing=6)
        filters.addWidget(self.scope)
        layout.addLayout(filters)
        return content, layout, filters

    def _header(self, cards: dict[str, SummaryCard]) -> QHBoxLayout:
        """The scope title and the summary cards, as on the caseload page."""
        strip, self.scope_label, self.as_at_label = summary_strip(cards)
        self.as_at_label.setWordWrap(True)
        self.summary = cards
        return strip

    def rso_table(self, columns: Sequence[Column], sort: str, descending: bool = False, *,
                  name: str, description: str = "") -> tuple[DataFrameTableModel, QTableView]:
        """A table listing RSOs (``name``d for a screen reader), sorted by frame column ``sort``
        until the user clicks a header (the sort is stable: rows equal in ``sort`` keep the
        order of the frame given). Double-click or Enter on a row opens the RSO's detail
        panel."""
        model = DataFrameTableModel(columns, parent=self)
        view = data_table(model, name=name, description=description)
        view.sortByColumn(model.column_of(sort), Qt.SortOrder.DescendingOrder if descending
                          else Qt.SortOrder.AscendingOrder)
        self._rso_views.append(view)
        return model, view

    def show_rows(self, view: QTableView, frame: pd.DataFrame,
                  columns: Sequence[Column] | None = None) -> None:
        """Give ``view``'s model ``frame``; columns are fitted the first time rows appear.
        A group table compared with a what-if scenario (``compare_rows``) gets the scenario's
        figure and the difference beside each compared column."""
        if self._what_if is not None:  # the scenario's pass: keep its rows, show nothing
            if id(view) in self._compared:
                self._what_if[id(view)] = frame
            return
        model = view.model()
        assert isinstance(model, DataFrameTableModel)
        if id(view) in self._compared:  # its own columns, with the scenario's when shown
            columns = list(columns or self._compared_columns[id(view)])
            if self.scenario_ready() is not None:
                frame, columns = self._beside(view, frame, columns)
            if len(columns) != model.columnCount():  # its what-if columns came or went
                self._fitted.discard(id(view))
        model.set_frame(frame, columns)
        if len(frame) and id(view) not in self._fitted:
            fit_columns(view)
            self._fitted.add(id(view))

    # --- a what-if scenario beside today -------------------------------------------------------

    def compare_rows(self, view: QTableView, keys: Sequence[str], columns: Sequence[str]) -> None:
        """While a scenario is shown, ``view`` (a group table) shows each of ``columns`` in
        the scenario and the difference, its rows matched on ``keys``."""
        self._compared[id(view)] = (tuple(keys), tuple(columns))
        model = view.model()
        assert isinstance(model, DataFrameTableModel)
        self._compared_columns[id(view)] = model.columns

    def _beside(self, view: QTableView, frame: pd.DataFrame,
                columns: Sequence[Column]) -> tuple[pd.DataFrame, list[Column]]:
        keys, compared = self._compared[id(view)]
        what_if = self._last_what_if.get(id(view))
        if what_if is None:
            return frame, list(columns)
        return beside(frame, what_if, keys, compared), difference_columns(columns, compared)

    def _beside_scenario(self, refresh: Callable[[], None]) -> Callable[[], None]:
        """``refresh`` run first from the scenario's figures, keeping only its group tables'
        rows, then from today's, which shows them beside today's (one way for every page)."""
        def run() -> None:
            shown = self.scenario_ready()
            self._last_what_if = {}
            if shown is not None and shown.figures is not None and self._compared:
                today, self._figures, self._what_if = self._figures, shown.figures, {}
                try:
                    refresh()
                    self._last_what_if = self._what_if
                finally:
                    self._figures, self._what_if = today, None
            refresh()
        return run

    def set_scenario(self, shown: ShownScenario | None) -> None:
        super().set_scenario(shown)
        if self._figures is not None:
            if self.isVisible():
                self._show_figures()
            else:
                self._stale = True

    def _update_scope_label(self) -> None:
        figures = self._figures
        assert figures is not None
        self.scope_label.setText(self.scope.describe())
        self.as_at_label.setText(f"as at {uk_date(figures.snapshot.as_at)}")

    def scoped_rsos(self) -> pd.DataFrame:
        """``Figures.rsos`` within the scope (all statuses), with the page's ``rso_columns``
        only: the frame has about a hundred columns, and slicing 100,000 rows of all of them
        at every refresh is most of a refresh's time."""
        figures = self._figures
        assert figures is not None
        rsos = figures.rsos
        keep = self.scope.mask(rsos)
        if self.rso_columns is not None:
            names = {*self.rso_columns, *(c for c in rsos.columns
                                          if c.startswith(("flag_", "why_")))}
            rsos = rsos[[c for c in rsos.columns if c in names]]
        return rsos if keep.all() else rsos[keep]

    # --- the window's figures -------------------------------------------------------------

    @property
    def figures(self) -> Figures | None:
        return self._figures

    @property
    def rso_views(self) -> list[QTableView]:
        """The tables listing RSOs (each opens the detail panel on double-click or Enter)."""
        return list(self._rso_views)

    def set_figures(self, figures: Figures | None) -> None:
        self._figures = figures
        if figures is None:
            self._stale = False
            self._stack.setCurrentIndex(1)
            self._clear()
            return
        self._stack.setCurrentIndex(0)
        if self.isVisible():
            self._show_figures()
        else:
            self._stale = True

    def ensure_current(self) -> None:
        """Bring the page up to date now if figures arrived while it was out of sight."""
        if self._stale and self._figures is not None:
            self._show_figures()

    def _show_figures(self) -> None:
        self._stale = False
        assert self._figures is not None
        self.scope.set_figures(self._figures)
        self._refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_current()

    def _on_scope_changed(self) -> None:
        if self._figures is not None and not self._stale:
            self._refresh()

    def selected_rso(self) -> str | None:
        """The RSO selected in the page's focused RSO list (else in the first with a selection)."""
        focused = [v for v in self._rso_views if v.hasFocus()]
        for view in focused + self._rso_views:
            if view.isVisible() or view in focused:
                rso = rso_of(view)
                if rso is not None:
                    return rso
        return None

    def save_state(self, settings: QSettings) -> None:
        for name, splitter in self._splitters().items():
            splitter_state(name).write(settings, splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        for name, splitter in self._splitters().items():
            state = splitter_state(name).read(settings)
            if state is not None:
                splitter.restoreState(state)

    def _splitters(self) -> dict[str, QSplitter]:
        return {}


# --- charts ---------------------------------------------------------------------------------


class ChartSlot(QWidget):
    """Where a chart goes: the chart is built the first time the slot is shown, because
    pyqtgraph takes a third of a second to import and the window must paint before that."""

    #: The chart was built: the page should draw into it.
    chart_changed = Signal(object)

    def __init__(self, make: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._make = make
        self.chart: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        self._loading = muted("Loading chart…")
        layout.addWidget(self._loading, 0, Qt.AlignmentFlag.AlignCenter)

    def ensure_chart(self) -> QWidget:
        """Build the chart now if it is not built yet."""
        if self.chart is None:
            layout = self.layout()
            self._loading.deleteLater()
            layout.removeWidget(self._loading)
            self.chart = self._make()
            layout.addWidget(self.chart)
            self.chart_changed.emit(self.chart)
        return self.chart

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.chart is None:
            QTimer.singleShot(0, self._on_first_show)

    def _on_first_show(self) -> None:
        if self.isVisible():
            self.ensure_chart()


def review_charts():  # noqa: ANN201 - the module, imported when a chart is first shown
    from ncpi_desktop.ui.charts import review_charts as module

    return module


class TrendSlot(ChartSlot):
    """The 12-month trend chart, fed by the window's ``TrendSource`` while it is in sight."""

    def __init__(self, source: TrendSource | None, parent: QWidget | None = None) -> None:
        super().__init__(lambda: review_charts().TrendChart(), parent)
        self._source = source
        if source is not None:
            source.trend_changed.connect(self._on_trend_changed)
        self.chart_changed.connect(lambda _chart: self.refresh())

    def refresh(self) -> None:
        """Draw the trend of the current figures, asking for it if it is not computed yet."""
        chart = self.chart
        if chart is None or not self.isVisible():
            return
        if self._source is None:
            chart.set_message("The trend needs the application window (it reads the history).")
            return
        trend = self._source.trend
        if trend is not None:
            chart.set_trend(trend)
            return
        chart.set_message("Computing the trend from the recorded history…")
        self._source.request()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _on_trend_changed(self, trend: pd.DataFrame | None) -> None:
        if self.chart is None or self._source is None:
            return
        if trend is None:
            self.chart.set_message(f"No trend to show: {self._source.error}")
        else:
            self.chart.set_trend(trend)
