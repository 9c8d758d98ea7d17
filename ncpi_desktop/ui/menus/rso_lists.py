"""RSO lists and the managers they can be dropped on: selection, the context menus, dragging.

Every table listing RSOs (a column ``rso_id``) takes several rows, offers Reassign and the
allocation history on right-click, and drags its selected RSOs; the managers table and the
caseload charts' bars take a drop. What is then done (the dialogs) is the ``Rebalancing``
controller's: ``RsoLists`` only says what the user pointed at, through ``RsoActions``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import QByteArray, QEvent, QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QDrag, QDropEvent, QGuiApplication, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMenu, QTableView, QWidget

from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.dialogs.proposal import Scope
from ncpi_desktop.ui.models.import_issues import table_text
from ncpi_desktop.ui.models.table_model import DataFrameTableModel
from ncpi_desktop.ui.pages.caseload import CaseloadPage
from ncpi_desktop.ui.widgets.tables import add_export_entry

#: The drag payload: RSO ids, one per line.
RSO_MIME = "application/x-ncpi-rso-ids"


def rso_mime(rso_ids: list[str]) -> QMimeData:
    mime = QMimeData()
    mime.setData(RSO_MIME, QByteArray("\n".join(rso_ids).encode()))
    mime.setText(", ".join(rso_ids))
    return mime


def mime_rsos(mime: QMimeData) -> list[str]:
    if not mime.hasFormat(RSO_MIME):
        return []
    return [i for i in bytes(mime.data(RSO_MIME).data()).decode().split("\n") if i]


def selected_rsos(view: QTableView) -> list[str]:
    """The RSO ids of the rows selected in ``view`` (a table over ``DataFrameTableModel``)."""
    model = view.model()
    if not isinstance(model, DataFrameTableModel) or "rso_id" not in model.frame:
        return []
    rows = sorted(index.row() for index in view.selectionModel().selectedRows())
    return [str(v) for v in model.frame["rso_id"].to_numpy()[rows]]


def copy_rsos(view: QTableView) -> int:
    """Copy the selected rows of an RSO list as shown (tab separated, with the headers) and
    record the copy in the audit log as a disclosure of those RSOs; returns the rows copied."""
    model = view.model()
    rows = sorted({index.row() for index in view.selectionModel().selectedRows()})
    if not isinstance(model, DataFrameTableModel) or not rows:
        return 0
    QGuiApplication.clipboard().setText(table_text(model, rows))
    context = AppContext.of(view)
    if context is not None:
        named = any(column.key == "rso_name" for column in model.columns)
        context.audit("disclosure", "copy rows", selected_rsos(view),
                      {"rows": len(rows), "names": named, "list": view.accessibleName()})
    return len(rows)


def lists_rsos(view: QTableView) -> bool:
    """``view`` is a table over a ``DataFrameTableModel`` with an ``rso_id`` column."""
    model = view.model()
    return isinstance(model, DataFrameTableModel) and any(
        column.key == "rso_id" for column in model.columns)


class RsoActions(Protocol):
    """What an RSO list's menus and drops ask for (``Rebalancing`` does it)."""

    def reassign(self, rso_ids: list[str], to_manager: str | None = None) -> object: ...

    def history(self, *, rso_id: str | None = None,
                manager_id: str | None = None) -> object: ...

    def propose(self, scope: Scope | None = None) -> object: ...

    def going(self, *, absence: bool, manager_id: str | None = None) -> object: ...


class RsoLists(QObject):
    """The RSO lists and drop targets of one window (the caseload page's and every other
    page's tables listing RSOs; the managers table and the charts' bars as targets)."""

    def __init__(self, actions: RsoActions, caseload_page: CaseloadPage, window: QWidget,
                 pages: list[QWidget], reassign_keys: QKeySequence) -> None:
        super().__init__(window)
        self._actions = actions
        self._window = window
        self._reassign_keys = reassign_keys
        self.page = caseload_page
        self._rso_views: list[QTableView] = []
        self._last_view: QTableView | None = None
        self._press: tuple[QTableView, QPoint] | None = None
        self._chart_views: set[int] = set()
        #: Watched viewports (identity, never asked of a view being destroyed): what each is.
        self._viewports: list[tuple[QWidget, str, object]] = []
        self.rso_list(caseload_page.rsos_view)
        # Every other page's table that lists RSOs (Visits, ARMS, Reactive, Orders...) too.
        for page in pages:
            for view in page.findChildren(QTableView):
                if view is not caseload_page.rsos_view and lists_rsos(view):
                    self.rso_list(view)
        self._hook_managers(caseload_page.managers_view)
        QApplication.instance().focusChanged.connect(self._on_focus)

    def rso_list(self, view: QTableView) -> None:
        """Make ``view`` (a table with an ``rso_id`` column) an RSO list: several rows can be
        selected, Ctrl+R reassigns them, they can be dragged onto a manager."""
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda pos, v=view: self._rso_menu(v, pos))
        copy = QShortcut(QKeySequence.StandardKey.Copy, view)  # the rows, audited
        copy.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        copy.activated.connect(lambda v=view: copy_rsos(v))
        self._watch(view.viewport(), "rsos", view)
        self._rso_views.append(view)
        if self._last_view is None:
            self._last_view = view

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The RSO list used last: a hooked one, or any table of this window listing RSOs
        (so Ctrl+R works on every page's RSO list without the page knowing)."""
        try:
            if new is None or new.window() is not self._window:
                return
            for view in self._rso_views:
                if new is view or view.isAncestorOf(new):
                    self._last_view = view
                    return
            if isinstance(new, QTableView) and lists_rsos(new):
                self._last_view = new
        except RuntimeError:  # the window is closing: its views are already gone
            return

    def current_rsos(self) -> list[str]:
        """The RSOs selected in the RSO list used last."""
        return selected_rsos(self._last_view) if self._last_view is not None else []

    def last_view_has_focus(self) -> bool:
        """The RSO list used last has the keyboard focus (its selection is what is meant)."""
        return self._last_view is not None and self._last_view.hasFocus()

    def _rso_menu(self, view: QTableView, pos: QPoint) -> None:
        self._last_view = view
        ids = selected_rsos(view)
        menu = QMenu(view)
        reassign = menu.addAction(f"Reassign {len(ids)} selected RSO(s)…")
        reassign.setShortcut(self._reassign_keys)
        reassign.setEnabled(bool(ids))
        reassign.triggered.connect(lambda: self._actions.reassign(ids))
        index = view.indexAt(pos)
        if index.isValid():
            rso_id = str(view.model().frame["rso_id"].iat[index.row()])
            menu.addAction(f"Allocation history of {rso_id}…").triggered.connect(
                lambda: self._actions.history(rso_id=rso_id))
        copy = menu.addAction(f"Copy {len(ids)} selected RSO(s)")
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setEnabled(bool(ids))
        copy.triggered.connect(lambda: copy_rsos(view))
        menu.addSeparator()
        add_export_entry(menu, view)  # this menu replaces the tables' own "Export table…"
        menu.popup(view.viewport().mapToGlobal(pos))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        entry = next((e for e in self._viewports if e[0] is watched), None)
        if entry is None:
            return super().eventFilter(watched, event)
        if entry[1] == "rsos" and isinstance(event, QMouseEvent):
            return self._rso_mouse(entry[2], event)  # type: ignore[arg-type]
        if entry[1] != "rsos" and isinstance(event, QDropEvent) and kind in (
                QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return self._drop_event(watched, event)
        return super().eventFilter(watched, event)

    def _watch(self, viewport: QWidget, kind: str, target: object) -> None:
        entry = (viewport, kind, target)
        self._viewports.append(entry)
        viewport.installEventFilter(self)
        viewport.destroyed.connect(lambda *_: self._viewports.remove(entry)
                                   if entry in self._viewports else None)

    def _rso_mouse(self, view: QTableView, event: QMouseEvent) -> bool:
        """A press on a selected row then a move starts a drag of the selected RSOs (a press on
        an unselected row selects as usual)."""
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            index = view.indexAt(event.position().toPoint())
            selected = index.isValid() and view.selectionModel().isRowSelected(index.row())
            self._press = (view, event.position().toPoint()) if selected else None
        elif kind == QEvent.Type.MouseMove and self._press is not None \
                and self._press[0] is view and event.buttons() & Qt.MouseButton.LeftButton:
            start = self._press[1]
            if (event.position().toPoint() - start).manhattanLength() \
                    >= QApplication.startDragDistance():
                self._press = None
                self.start_drag(view)
                return True
        elif kind == QEvent.Type.MouseButtonRelease:
            self._press = None
        return False

    def start_drag(self, view: QTableView) -> None:
        ids = selected_rsos(view)
        if not ids:
            return
        self.hook_charts()
        drag = QDrag(view)
        drag.setMimeData(rso_mime(ids))
        drag.exec(Qt.DropAction.MoveAction)

    # --- drop targets: manager rows and chart bars -------------------------------------------

    def _hook_managers(self, view: QTableView) -> None:
        view.setAcceptDrops(True)
        view.viewport().setAcceptDrops(True)
        self._watch(view.viewport(), "managers", view)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda pos: self._manager_menu(view, pos))

    def hook_charts(self) -> None:
        """Make the caseload charts' bars drop targets (charts are built when first shown)."""
        for chart in self.page.chart_tabs.bar_widgets:
            plot = chart.plot_widget
            if id(plot) in self._chart_views:
                continue
            self._chart_views.add(id(plot))
            plot.setAcceptDrops(True)
            plot.viewport().setAcceptDrops(True)
            self._watch(plot.viewport(), "chart", chart)

    def manager_at(self, watched: QObject, pos: QPoint) -> str | None:
        """The manager under ``pos`` in the managers table's or a chart's viewport."""
        entry = next((e for e in self._viewports if e[0] is watched), None)
        if entry is None:
            return None
        if entry[1] == "managers":
            view = entry[2]
            index = view.indexAt(pos)  # type: ignore[attr-defined]
            if not index.isValid():
                return None
            return str(view.model().frame["manager_id"].iat[index.row()])  # type: ignore
        return _bar_at(entry[2], pos) if entry[1] == "chart" else None

    def _drop_event(self, watched: QObject, event: QDropEvent) -> bool:
        ids = mime_rsos(event.mimeData())
        manager_id = self.manager_at(watched, event.position().toPoint()) if ids else None
        if event.type() == QEvent.Type.DragEnter:
            if ids:
                event.acceptProposedAction()
            else:
                event.ignore()
            return bool(ids)
        if manager_id is None:
            event.ignore()
            return bool(ids)
        event.acceptProposedAction()
        if event.type() == QEvent.Type.Drop:
            self._actions.reassign(ids, to_manager=manager_id)
        return True

    def _manager_menu(self, view: QTableView, pos: QPoint) -> None:
        index = view.indexAt(pos)
        if not index.isValid():
            return
        row = self.page.managers_model.frame.iloc[index.row()]
        manager_id, name = str(row["manager_id"]), str(row["name"])
        menu = QMenu(view)
        ids = self.current_rsos()
        if ids:
            menu.addAction(f"Reassign {len(ids)} selected RSO(s) to {name}…").triggered.connect(
                lambda: self._actions.reassign(ids, to_manager=manager_id))
        menu.addAction(f"Allocation history of {name}…").triggered.connect(
            lambda: self._actions.history(manager_id=manager_id))
        menu.addSeparator()
        menu.addAction(f"Propose rebalancing for team {row['team']}…").triggered.connect(
            lambda: self._actions.propose(Scope(str(row["bcu"]), str(row["team"]))))
        menu.addAction(f"Propose rebalancing for {row['bcu']} BCU…").triggered.connect(
            lambda: self._actions.propose(Scope(str(row["bcu"]))))
        menu.addSeparator()
        menu.addAction(f"{name} is leaving…").triggered.connect(
            lambda: self._actions.going(absence=False, manager_id=manager_id))
        menu.addAction(f"{name} is absent until…").triggered.connect(
            lambda: self._actions.going(absence=True, manager_id=manager_id))
        menu.popup(view.viewport().mapToGlobal(pos))


def _bar_at(chart: object, pos: QPoint) -> str | None:
    """The chart bar nearest ``pos`` vertically, if ``pos`` is within a bar's row."""
    ids = chart.manager_ids  # type: ignore[attr-defined]
    if not ids:
        return None
    centres = np.array([chart.bar_center(i).y() for i in ids], dtype=float)  # type: ignore
    nearest = int(np.argmin(np.abs(centres - pos.y())))
    spacing = float(np.median(np.diff(centres))) if len(ids) > 1 else 40.0
    return ids[nearest] if abs(centres[nearest] - pos.y()) <= abs(spacing) / 2 else None
