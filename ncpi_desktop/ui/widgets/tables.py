"""Table views over ``DataFrameTableModel``: one look and one way of sizing columns for every page.

Columns are sized from a sample of rows measured in Python, not ``resizeColumnsToContents``,
which asks the model for every role of every sampled cell and took 0.7 s on 2,000 managers.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
from PySide6.QtCore import SIGNAL, QItemSelectionModel, QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from ncpi_desktop.formats import format_value
from ncpi_desktop.ui.models.table_model import DataFrameTableModel
from ncpi_desktop.ui.widgets.accessible import named
from ncpi_desktop.ui.widgets.kept_view import keep_view_state

#: Rows measured when fitting columns: spread over the table, so long values anywhere count.
SAMPLE_ROWS = 120
#: Room for the cell margins and, in the header, the sort arrow.
CELL_PADDING = 18
HEADER_PADDING = 28
MIN_WIDTH = 44
MAX_WIDTH = 420
#: Names (an RSO's, a manager's) are fitted to at most this: a long name is elided ("…") rather
#: than push the columns after it out of sight on a laptop screen.
NAME_MAX_WIDTH = 170
NAME_KEYS = frozenset({"rso_name", "manager_label", "manager_name", "name"})


def data_table(model: DataFrameTableModel, parent: QWidget | None = None, *,
               name: str = "", description: str = "") -> QTableView:
    """A read-only, row-selecting, header-sortable table with uniform row heights, named
    ``name`` for a screen reader. Tab and Shift+Tab leave the table for the next control (the
    arrow keys move within it)."""
    view = QTableView(parent)
    view.setModel(model)
    view.setTabKeyNavigation(False)
    if name:
        named(view, name, description)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setShowGrid(False)
    view.setSortingEnabled(True)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(partial(_on_context_menu, view))
    keep_view_state(view)  # its selected row and scroll position, when given new rows
    return view


def rso_of(view: QTableView, index: QModelIndex | None = None) -> str | None:
    """The RSO id behind ``index`` (default: the view's current row), if the view lists RSOs."""
    model = view.model()
    if not isinstance(model, DataFrameTableModel) or "rso_id" not in model.frame.columns:
        return None
    if index is None:
        rows = view.selectionModel().selectedRows() if view.selectionModel() else []
        index = rows[0] if rows else view.currentIndex()
    if not index.isValid() or index.row() >= model.rowCount():
        return None
    value = model.frame_row(index.row())["rso_id"]
    return None if pd.isna(value) else str(value)


def select_key(view: QTableView, key: str, value: object) -> None:
    """Select and show the first row whose frame column ``key`` holds ``value`` (None, or a value
    no row holds, clears the selection)."""
    model = view.model()
    assert isinstance(model, DataFrameTableModel)
    row = None if value is None else model.row_of(key, value)
    if row is None:
        view.clearSelection()
        return
    index = model.index(row, 0)
    view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                 | QItemSelectionModel.SelectionFlag.Rows)
    view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
    view.scrollTo(index)


def add_export_entry(menu: QMenu, view: QTableView) -> QAction:
    """Add "Export table…" (``view`` as shown, to .xlsx or .csv) to a table's menu."""
    from ncpi_desktop.ui.exports.table_export import export_view  # looked up here: replaceable

    action = menu.addAction("Export table…")
    action.triggered.connect(lambda: export_view(view))
    return action


def table_menu(view: QTableView) -> QMenu:
    """The right-click menu every table has unless a page gives it its own."""
    menu = QMenu(view)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    add_export_entry(menu, view)
    return menu


def _on_context_menu(view: QTableView, position: QPoint) -> None:
    # A page that connects its own menu to the view shows that one (with ``add_export_entry``),
    # rather than two menus at once.
    if view.receivers(SIGNAL("customContextMenuRequested(QPoint)")) > 1:
        return
    table_menu(view).popup(view.viewport().mapToGlobal(position))


def fit_columns(view: QTableView) -> None:
    """Size every column but the last (which stretches) to its header and a sample of cells."""
    model = view.model()
    if not isinstance(model, DataFrameTableModel):
        view.resizeColumnsToContents()
        return
    frame = model.frame
    rows = len(frame)
    sample = np.unique(np.linspace(0, rows - 1, min(rows, SAMPLE_ROWS)).astype(int)) \
        if rows else np.zeros(0, dtype=int)
    plain = view.fontMetrics()
    bold_font = QFont(view.font())
    bold_font.setBold(True)
    bold = QFontMetrics(bold_font)
    header = view.horizontalHeader()
    header_metrics = header.fontMetrics()
    for number, column in enumerate(model.columns[:-1]):
        metrics = bold if column.flags else plain
        values = frame[column.key].to_numpy()[sample] if column.key in frame else []
        texts = [format_value(column.kind, value) for value in values]
        widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
        width = max(widest + CELL_PADDING,
                    header_metrics.horizontalAdvance(column.header) + HEADER_PADDING)
        most = NAME_MAX_WIDTH if column.key in NAME_KEYS else MAX_WIDTH
        header.resizeSection(number, int(min(max(width, MIN_WIDTH), most)))


def move_to_end(view: QTableView, keys: Sequence[str]) -> None:
    """Show the columns ``keys`` last, in that order (the model keeps its order): columns that
    matter less are reached by scrolling, those that matter stay in sight on a laptop."""
    model = view.model()
    assert isinstance(model, DataFrameTableModel)
    header = view.horizontalHeader()
    for key in keys:
        header.moveSection(header.visualIndex(model.column_of(key)), model.columnCount() - 1)
