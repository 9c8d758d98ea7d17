"""The manager's review: the Visits, ARMS, Reactive and Orders pages, the Record menu, and the
RSO detail panel behind every RSO list.

``install(window)`` is the one hook in the main window. This module also holds what the review
pages share (``ReviewPage``: lazy refresh, the scope filter, RSO lists that open the detail
panel), so each page module only says what it shows. The page modules import this one:
``install`` imports them when it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import QByteArray, QModelIndex, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.database import DatabaseError
from ncpi_desktop.storage.snapshot import Snapshot
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.pages.page import Page, message_page
from ncpi_desktop.ui.widgets.labels import muted
from ncpi_desktop.ui.widgets.scope_filter import ScopeFilter
from ncpi_desktop.ui.widgets.summary import SummaryCard, summary_strip
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns, rso_of

if TYPE_CHECKING:
    from ncpi_desktop.ui.dialogs.rso_detail import RsoDetail
    from ncpi_desktop.ui.main_window import MainWindow

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

    def _scaffold(self, cards: dict[str, SummaryCard]) -> tuple[QWidget, QVBoxLayout, QHBoxLayout]:
        """The page's content widget and its layout, holding the summary strip (``cards``) and
        a row of filters that starts with the scope's; the page adds its own filters to the
        row, then its lists to the layout."""
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.setSpacing(8)
        layout.addLayout(self._header(cards))
        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.scope)
        layout.addLayout(filters)
        return content, layout, filters

    def _header(self, cards: dict[str, SummaryCard]) -> QHBoxLayout:
        """The scope title and the summary cards, as on the caseload page."""
        strip, self.scope_label, self.as_at_label = summary_strip(cards)
        self.as_at_label.setWordWrap(True)
        self.summary = cards
        return strip

    def rso_table(self, columns: Sequence[Column], sort: str,
                  descending: bool = False) -> tuple[DataFrameTableModel, QTableView]:
        """A table listing RSOs, sorted by frame column ``sort`` until the user clicks a header
        (the sort is stable: rows equal in ``sort`` keep the order of the frame given).
        Double-click or Enter on a row opens the RSO's detail panel."""
        model = DataFrameTableModel(columns, parent=self)
        view = data_table(model)
        view.sortByColumn(model.column_of(sort), Qt.SortOrder.DescendingOrder if descending
                          else Qt.SortOrder.AscendingOrder)
        self._rso_views.append(view)
        return model, view

    def show_rows(self, view: QTableView, frame: pd.DataFrame,
                  columns: Sequence[Column] | None = None) -> None:
        """Give ``view``'s model ``frame``; columns are fitted the first time rows appear."""
        model = view.model()
        assert isinstance(model, DataFrameTableModel)
        model.set_frame(frame, columns)
        if len(frame) and id(view) not in self._fitted:
            fit_columns(view)
            self._fitted.add(id(view))

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
            settings.setValue(f"splitter_{name}", splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        for name, splitter in self._splitters().items():
            state = settings.value(f"splitter_{name}")
            if isinstance(state, QByteArray):
                splitter.restoreState(state)

    def _splitters(self) -> dict[str, QSplitter]:
        return {}


# --- the trend, computed off the GUI thread ---------------------------------------------


def trend_of(engine: Engine, snapshot: Snapshot) -> pd.DataFrame:
    """``analysis.trend.monthly_trend`` of ``snapshot``, over the history it needs, read from
    the first month end to the as-at date."""
    from ncpi_desktop.analysis.trend import month_ends, monthly_trend
    from ncpi_desktop.storage.history import load_trend_history

    first = month_ends(snapshot.as_at)[0]
    return monthly_trend(snapshot, load_trend_history(engine, first, snapshot.as_at))


class TrendSource(QObject):
    """The 12-month trend of the window's figures, computed once per snapshot on a thread.

    ``trend_of`` reads the history and runs the rules at twelve month ends:
    a second on Lancashire, several nationally, so it is computed only when a trend chart is
    shown and never on the GUI thread. ``trend_changed`` carries the frame (None: not available,
    with ``error`` saying why).
    """

    trend_changed = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._figures: Figures | None = None
        self._trend: pd.DataFrame | None = None
        self._running: Figures | None = None
        self.error = ""
        self._done.connect(self._on_done)
        window.figures_changed.connect(self._on_figures_changed)

    _done = Signal(object, object, str)

    @property
    def trend(self) -> pd.DataFrame | None:
        """The trend of the current figures, if computed."""
        return self._trend if self._figures is self._window.figures else None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def request(self) -> None:
        """Compute the trend of the window's figures unless it is known or under way."""
        figures = self._window.figures
        engine = self._window.engine
        if figures is None or engine is None:
            self._trend, self._figures = None, figures
            self.error = "No database open"
            self.trend_changed.emit(None)
            return
        if self._figures is figures and self._trend is not None:
            self.trend_changed.emit(self._trend)
            return
        if self._running is not None:
            return  # the result of the run under way asks again if it is stale
        self._running = figures
        snapshot = figures.snapshot

        def work() -> None:
            try:
                trend, error = trend_of(engine, snapshot), ""
            except (SQLAlchemyError, DatabaseError) as exc:
                trend, error = None, (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            except Exception as exc:  # noqa: BLE001 - a thread has nobody else to tell
                trend, error = None, f"{type(exc).__name__}: {exc}"
            try:
                self._done.emit(figures, trend, error)
            except RuntimeError:
                pass  # the window closed while the trend was computed

        threading.Thread(target=work, name="trend", daemon=True).start()

    def _on_done(self, figures: Figures, trend: pd.DataFrame | None, error: str) -> None:
        self._running = None
        if figures is not self._window.figures:
            self.request()  # the as-at date or the data changed meanwhile
            return
        self._figures, self._trend, self.error = figures, trend, error
        self.trend_changed.emit(trend)

    def _on_figures_changed(self, _figures: object) -> None:
        self._trend = None


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


# --- the detail panel and the Record menu ------------------------------------------------


class Review(QObject):
    """What ``install`` adds to a window: pages, the detail panel, the Record menu."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        from ncpi_desktop.ui.pages.arms import ArmsPage
        from ncpi_desktop.ui.pages.orders import OrdersPage
        from ncpi_desktop.ui.pages.reactive import ReactivePage
        from ncpi_desktop.ui.pages.visits import VisitsPage

        self.window = window
        self.trend = TrendSource(window)
        self.visits_page = VisitsPage(trend=self.trend)
        self.arms_page = ArmsPage(trend=self.trend)
        self.reactive_page = ReactivePage()
        self.orders_page = OrdersPage()
        self._detail: RsoDetail | None = None
        for page in self.pages:
            window.add_page(page)
        self._build_menu()
        self.hook_rso_lists()
        window.tabs.currentChanged.connect(self._on_tab_changed)

    @property
    def pages(self) -> list[ReviewPage]:
        return [self.visits_page, self.arms_page, self.reactive_page, self.orders_page]

    # --- RSO lists open the detail panel ----------------------------------------------------

    def hook_rso_lists(self) -> None:
        """Make every table of every page that lists RSOs open the detail panel on activation
        (double-click or Enter). Tables that list something else are left alone."""
        for page in self.window.pages:
            for view in page.findChildren(QTableView):
                if not view.property(HOOKED):
                    view.setProperty(HOOKED, True)
                    view.activated.connect(
                        lambda index, v=view: self._on_rso_activated(v, index))

    def _on_tab_changed(self, _index: int) -> None:
        self.hook_rso_lists()  # pages added after ours, tables built after the first paint

    def _on_rso_activated(self, view: QTableView, index: QModelIndex) -> None:
        rso = rso_of(view, index)
        if rso is not None:
            self.show_detail(rso)

    @property
    def detail(self) -> RsoDetail | None:
        """The detail panel, once one was opened."""
        return self._detail

    def show_detail(self, rso_id: str) -> RsoDetail:
        """Open (or bring forward) the detail panel on ``rso_id``."""
        from ncpi_desktop.ui.dialogs.rso_detail import RsoDetail

        if self._detail is None:
            self._detail = RsoDetail(self.window, self.record)
        self._detail.show_rso(rso_id)
        self._detail.show()
        if QGuiApplication.platformName() != "offscreen":  # no windows there to bring forward
            self._detail.raise_()
            self._detail.activateWindow()
        return self._detail

    # --- the Record menu -------------------------------------------------------------------

    def _build_menu(self) -> None:
        menu = self.window.menu("&Record")
        self.actions: dict[str, QAction] = {}
        for kind, text, keys, tip in (
            ("visit", "Home &visit…", "Ctrl+Shift+V", "Record a home visit to the selected RSO"),
            ("arms", "&ARMS assessment…", "Ctrl+Shift+A",
             "Record an ARMS assessment of the selected RSO"),
            ("order", "Civil &order…", "Ctrl+Shift+O", "Record a civil order on the selected RSO"),
            ("decision", "Management &decision…", "Ctrl+Shift+M",
             "Record a decision to manage the selected RSO actively or reactively"),
        ):
            action = QAction(text, self.window)
            action.setShortcut(QKeySequence(keys))
            action.setStatusTip(tip)
            action.triggered.connect(lambda _checked=False, k=kind: self.record(k))
            menu.addAction(action)
            self.actions[kind] = action
        menu.addSeparator()
        details = QAction("RSO &details…", self.window)
        details.setShortcut(QKeySequence("Alt+Return"))  # "properties"; Enter on a list too
        details.setStatusTip("Open the selected RSO's details (or double-click any RSO)")
        details.triggered.connect(self._on_details)
        menu.addAction(details)
        self.actions["details"] = details

    def selected_rso(self) -> str | None:
        """The RSO selected on the current page, whichever page it is."""
        page = self.window.tabs.currentWidget()
        if isinstance(page, ReviewPage):
            return page.selected_rso()
        if page is None:
            return None
        views = page.findChildren(QTableView)
        focused = [v for v in views if v.hasFocus()]
        for view in focused + [v for v in views if v.isVisible()]:
            rso = rso_of(view)
            if rso is not None:
                return rso
        return None

    def _on_details(self) -> None:
        rso = self.selected_rso()
        if rso is None:
            self.window.statusBar().showMessage(
                "Select an RSO in a list first (or double-click one)", 5000)
            return
        self.show_detail(rso)

    def record(self, kind: str, rso_id: str | None = None,
               parent: QWidget | None = None) -> QWidget:
        """Open the dialog recording a ``kind`` ("visit", "arms", "order", "decision") for
        ``rso_id`` (default: the RSO selected on the current page; none: the user types one)."""
        from ncpi_desktop.ui.dialogs.record import DIALOGS

        rso = rso_id if rso_id is not None else self.selected_rso()
        dialog = DIALOGS[kind](self.window, rso, parent or self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


def install(window: MainWindow) -> None:
    """Add the review pages (after Caseload), the Record menu and the RSO detail panel."""
    window.review = Review(window)  # type: ignore[attr-defined]


def review_of(window: MainWindow) -> Review:
    """The review ``install`` added to ``window``."""
    review = getattr(window, "review", None)
    if not isinstance(review, Review):
        raise LookupError("The review is not installed in this window")
    return review
