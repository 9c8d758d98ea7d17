"""Rebalancing in the main window: the Manage menu, Ctrl+R on any RSO list, drag and drop of
RSOs onto a manager (table row or chart bar), context menus, and the hand-back reminder.

``Rebalancing(context, caseload_page)`` wires it all from the caseload page's public attributes
and every other page's tables that list RSOs; ``rso_list(view)`` makes another table one too.

Every move takes effect on the window's as-at date (see ``reassign_dialog``): what the user
previews and then sees is the register as at that date.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from PySide6.QtCore import QByteArray, QEvent, QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QDrag, QDropEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QMenu,
    QPushButton,
    QTableView,
    QWidget,
)

from ncpi_desktop.storage.allocations import (
    absences,
    absent_on,
    hand_backs_due,
    proposal_context,
)
from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.dialogs.absence import GoingDialog, HandBackDialog
from ncpi_desktop.ui.dialogs.allocation_history import HistoryDialog
from ncpi_desktop.ui.dialogs.proposal import Going, ProposalView, Scope
from ncpi_desktop.ui.dialogs.reassign import ReassignDialog
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


class Rebalancing(QObject):
    """The window's rebalancing controller (one per window)."""

    def __init__(self, context: AppContext, caseload_page: CaseloadPage) -> None:
        super().__init__(context)
        self.setObjectName("rebalancing")
        self.context = context
        self.page = caseload_page
        self._rso_views: list[QTableView] = []
        self._last_view: QTableView | None = None
        self._press: tuple[QTableView, QPoint] | None = None
        self._chart_views: set[int] = set()
        #: Watched viewports (identity, never asked of a view being destroyed): what each is.
        self._viewports: list[tuple[QWidget, str, object]] = []
        #: The dialog last opened (kept alive while open; tests read it).
        self.dialog: QDialog | None = None
        self._build_actions()
        self.rso_list(self.page.rsos_view)
        # Every other page's table that lists RSOs (Visits, ARMS, Reactive, Orders...) too.
        for page in context.pages():
            for view in page.findChildren(QTableView):
                model = view.model()
                if view is not self.page.rsos_view and isinstance(model, DataFrameTableModel) \
                        and any(column.key == "rso_id" for column in model.columns):
                    self.rso_list(view)
        self._hook_managers(self.page.managers_view)
        self.hand_back_button = QPushButton("")
        self.hand_back_button.setFlat(True)
        self.hand_back_button.setStyleSheet("color: #8e1b10; font-weight: 600;")
        self.hand_back_button.clicked.connect(self.hand_back)
        self.hand_back_button.hide()
        context.add_status_widget(self.hand_back_button)
        context.figures_changed.connect(self._on_figures)
        QApplication.instance().focusChanged.connect(self._on_focus)
        self._on_figures(context.figures)

    # --- actions ------------------------------------------------------------------------------

    def _build_actions(self) -> None:
        parent = self.context.dialog_parent
        menu = self.context.menu("&Manage")

        def action(text: str, slot: object, shortcut: str | None = None,
                   tip: str = "") -> QAction:
            item = QAction(text, parent)
            if shortcut:
                item.setShortcut(QKeySequence(shortcut))
            item.setStatusTip(tip)
            item.setToolTip(tip)
            item.triggered.connect(slot)
            menu.addAction(item)
            return item

        self.reassign_action = action(
            "&Reassign selected RSOs…", self.reassign_selected, "Ctrl+R",
            "Move the RSOs selected in a list to another offender manager, with a preview")
        self.propose_action = action(
            "&Propose rebalancing…", lambda: self.propose(), "Ctrl+Shift+R",
            "The fewest moves that bring every manager within the limits")
        menu.addSeparator()
        self.leaving_action = action("Manager &leaving…", lambda: self.going(absence=False),
                                     tip="Move every RSO of a manager who leaves")
        self.absent_action = action("Manager &absent until…", lambda: self.going(absence=True),
                                    tip="Move a manager's RSOs to cover until they are back")
        self.hand_back_action = action("&Hand back RSOs…", self.hand_back,
                                       tip="Give RSOs on cover back to managers who are back")
        menu.addSeparator()
        self.history_action = action("Allocation &history…", self.history,
                                     tip="Who held an RSO, or whom a manager held, and why")

    # --- RSO lists: selection, Ctrl+R, context menu, dragging ------------------------------

    def rso_list(self, view: QTableView) -> None:
        """Make ``view`` (a table with an ``rso_id`` column) an RSO list: several rows can be
        selected, Ctrl+R reassigns them, they can be dragged onto a manager."""
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(lambda pos, v=view: self._rso_menu(v, pos))
        self._watch(view.viewport(), "rsos", view)
        self._rso_views.append(view)
        if self._last_view is None:
            self._last_view = view

    def _on_focus(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The RSO list used last: a hooked one, or any table of this window listing RSOs
        (so Ctrl+R works on every page's RSO list without the page knowing)."""
        try:
            if new is None or new.window() is not self.context.dialog_parent:
                return
            for view in self._rso_views:
                if new is view or view.isAncestorOf(new):
                    self._last_view = view
                    return
            if isinstance(new, QTableView) and isinstance(new.model(), DataFrameTableModel) \
                    and any(column.key == "rso_id" for column in new.model().columns):
                self._last_view = new
        except RuntimeError:  # the window is closing: its views are already gone
            return

    def current_rsos(self) -> list[str]:
        """The RSOs selected in the RSO list used last."""
        return selected_rsos(self._last_view) if self._last_view is not None else []

    def _rso_menu(self, view: QTableView, pos: QPoint) -> None:
        self._last_view = view
        ids = selected_rsos(view)
        menu = QMenu(view)
        reassign = menu.addAction(f"Reassign {len(ids)} selected RSO(s)…")
        reassign.setShortcut(self.reassign_action.shortcut())
        reassign.setEnabled(bool(ids))
        reassign.triggered.connect(lambda: self.reassign(ids))
        index = view.indexAt(pos)
        if index.isValid():
            rso_id = str(view.model().frame["rso_id"].iat[index.row()])
            menu.addAction(f"Allocation history of {rso_id}…").triggered.connect(
                lambda: self.history(rso_id=rso_id))
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
        self._hook_charts()
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

    def _hook_charts(self) -> None:
        for chart in self.page.charts:
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
            self.reassign(ids, to_manager=manager_id)
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
                lambda: self.reassign(ids, to_manager=manager_id))
        menu.addAction(f"Allocation history of {name}…").triggered.connect(
            lambda: self.history(manager_id=manager_id))
        menu.addSeparator()
        menu.addAction(f"Propose rebalancing for team {row['team']}…").triggered.connect(
            lambda: self.propose(Scope(str(row["bcu"]), str(row["team"]))))
        menu.addAction(f"Propose rebalancing for {row['bcu']} BCU…").triggered.connect(
            lambda: self.propose(Scope(str(row["bcu"]))))
        menu.addSeparator()
        menu.addAction(f"{name} is leaving…").triggered.connect(
            lambda: self.going(absence=False, manager_id=manager_id))
        menu.addAction(f"{name} is absent until…").triggered.connect(
            lambda: self.going(absence=True, manager_id=manager_id))
        menu.popup(view.viewport().mapToGlobal(pos))

    # --- the dialogs ------------------------------------------------------------------------

    @property
    def on(self) -> date:
        """The effective date of every move made here: the window's as-at date."""
        return self.context.as_at

    def _absent_now(self) -> dict[str, date]:
        engine = self.context.engine
        if engine is None:
            return {}
        frame = absent_on(absences(engine), self.on)
        return {str(m): pd.Timestamp(d).date()
                for m, d in zip(frame["manager_id"], frame["ends_on"], strict=True)}

    def _show(self, dialog: QDialog) -> QDialog:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog = dialog
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        dialog.show()
        return dialog

    def _forget(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _ready(self) -> bool:
        if self.context.figures is None or self.context.engine is None:
            self.context.show_error("Nothing to rebalance", "Open a database with offender "
                                   "managers and RSOs first (File › Open database).")
            return False
        return True

    def reassign_selected(self) -> None:
        """Ctrl+R: reassign the RSOs selected in the RSO list used last."""
        ids = self.current_rsos()
        if not ids:
            self.context.show_error("No RSOs selected", "Select one or more RSOs in a list "
                                   "(a manager's RSOs, or Pooled), then press Ctrl+R.")
            return
        self.reassign(ids)

    def reassign(self, rso_ids: list[str], to_manager: str | None = None) -> ReassignDialog | None:
        if not self._ready():
            return None
        figures = self.context.figures
        assert figures is not None
        dialog = ReassignDialog(figures, rso_ids, on=self.on, to_manager=to_manager,
                                absent=self._absent_now(), parent=self.context.dialog_parent)
        dialog.accepted.connect(lambda: self.context.apply(dialog.operation()))
        self._show(dialog)
        return dialog

    def propose(self, scope: Scope | None = None, going: Going | None = None
                ) -> ProposalView | None:
        if not self._ready():
            return None
        figures, engine = self.context.figures, self.context.engine
        assert figures is not None and engine is not None
        if scope is None and going is None:
            scope = Scope(self.page.current_bcu, self.page.current_team)
            if scope.bcu is None and scope.team is None:
                selected = figures.managers[figures.managers["manager_id"]
                                            == self.page.selected_manager]
                bcus = sorted(figures.managers["bcu"].dropna().unique())
                scope = Scope(str(selected["bcu"].iat[0]) if len(selected) else
                              (str(bcus[0]) if bcus else None))
        absent, starts = proposal_context(engine, self.on)
        if going is not None:
            absent = [m for m in absent if m != going.manager_id]
        view = ProposalView(figures, on=self.on, apply=self.context.apply, scope=scope,
                            going=going, absent_now=absent, allocated_on=starts,
                            parent=self.context.dialog_parent)
        self._show(view)
        return view

    def going(self, *, absence: bool, manager_id: str | None = None) -> GoingDialog | None:
        """Manager leaving or absent: who (and until when), then the proposal for their RSOs."""
        if not self._ready():
            return None
        figures = self.context.figures
        assert figures is not None
        dialog = GoingDialog(figures, on=self.on, absence=absence,
                             manager_id=manager_id or self.page.selected_manager,
                             parent=self.context.dialog_parent)

        def next_step() -> None:
            chosen = dialog.manager_id
            if chosen is None:
                return
            self.propose(going=Going(chosen, dialog.back_on if absence else None,
                                     dialog.note.text().strip()))

        dialog.accepted.connect(next_step)
        self._show(dialog)
        return dialog

    def hand_back(self) -> HandBackDialog | None:
        if not self._ready():
            return None
        engine, figures = self.context.engine, self.context.figures
        assert engine is not None and figures is not None
        dialog = HandBackDialog(engine, figures, on=self.on, apply=self.context.apply,
                                parent=self.context.dialog_parent)
        self._show(dialog)
        return dialog

    def history(self, *, rso_id: str | None = None,
                manager_id: str | None = None) -> HistoryDialog | None:
        """The allocation history of an RSO or a manager (default: the RSO selected in the list
        used last, else the manager selected on the caseload page)."""
        engine, figures = self.context.engine, self.context.figures
        if engine is None or figures is None:
            return None
        if rso_id is None and manager_id is None:
            ids = self.current_rsos()
            if len(ids) == 1 or (ids and self._last_view is not None
                                 and self._last_view.hasFocus()):
                rso_id = ids[0]
            else:
                manager_id = self.page.selected_manager
        if rso_id is None and manager_id is None:
            self.context.show_error("Allocation history", "Select an RSO or an offender "
                                   "manager first.")
            return None
        title = ""
        if manager_id is not None:
            row = figures.snapshot.managers[figures.snapshot.managers["manager_id"]
                                            == manager_id]
            title = f"{row['name'].iat[0]} ({manager_id})" if len(row) else manager_id
        dialog = HistoryDialog(engine, rso_id=rso_id, manager_id=manager_id, title=title,
                               parent=self.context.dialog_parent)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        dialog.show()
        return dialog

    # --- the hand-back reminder ---------------------------------------------------------------

    def _on_figures(self, _figures: object) -> None:
        self._hook_charts()
        engine = self.context.engine
        due = hand_backs_due(engine, self.on) if engine is not None else pd.DataFrame()
        self.hand_back_action.setEnabled(len(due) > 0)
        if len(due):
            managers = due["manager_id"].nunique()
            self.hand_back_button.setText(
                f"{managers} manager(s) back from absence: hand back {len(due)} RSO(s)…")
            self.hand_back_button.show()
        else:
            self.hand_back_button.hide()


def _bar_at(chart: object, pos: QPoint) -> str | None:
    """The chart bar nearest ``pos`` vertically, if ``pos`` is within a bar's row."""
    ids = chart.manager_ids  # type: ignore[attr-defined]
    if not ids:
        return None
    centres = np.array([chart.bar_center(i).y() for i in ids], dtype=float)  # type: ignore
    nearest = int(np.argmin(np.abs(centres - pos.y())))
    spacing = float(np.median(np.diff(centres))) if len(ids) > 1 else 40.0
    return ids[nearest] if abs(centres[nearest] - pos.y()) <= abs(spacing) / 2 else None
