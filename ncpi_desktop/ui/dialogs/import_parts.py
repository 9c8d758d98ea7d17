"""What the two import dialogs are made of: their style, headings and notes, and tables of the
check's frames kept in the extract's order (an issue table copies its selected rows with Ctrl+C).
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableView, QWidget

from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.import_issues import ISSUE_COLUMNS, table_text
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns


def heading_label(text: str) -> QLabel:
    """A section's title, in plain text."""
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def note_label(text: str, *, object_name: str = "") -> QLabel:
    """A wrapped plain-text note, styled by ``object_name`` (infoNote, warningNote, muted)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if object_name:
        label.setObjectName(object_name)
    return label


DIALOG_STYLE = style.PAGE_STYLE + f"""
QLabel#warningNote {{
    background: {style.WARNING_BACKGROUND};
    color: {style.WARNING_FOREGROUND};
    border-radius: 4px;
    padding: 6px 8px;
}}
QLabel#infoNote {{
    background: {style.CARD_BACKGROUND};
    color: {style.CARD_TEXT};
    border: 1px solid {style.CARD_BORDER};
    border-radius: 4px;
    padding: 6px 8px;
}}
"""


def ordered_table(columns: list[Column], frame: pd.DataFrame, parent: QWidget, *,
                  name: str) -> tuple[DataFrameTableModel, QTableView]:
    """A table in the frame's own order (its "number" column), not by its first column,
    ``name``d for a screen reader."""
    model = DataFrameTableModel(columns, frame, parent)
    view = data_table(model, parent, name=name)
    view.sortByColumn(model.column_of("number"), Qt.SortOrder.AscendingOrder)
    fit_columns(view)
    return model, view


def fit_rows(view: QTableView, most: int) -> None:
    """Make ``view`` as tall as its rows (at most ``most``; it scrolls beyond)."""
    rows = min(view.model().rowCount(), most)
    view.setFixedHeight(view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
                        + rows * view.verticalHeader().defaultSectionSize() + 2)


def issue_table(frame: pd.DataFrame, parent: QWidget, name: str = "Problems found"
                ) -> tuple[DataFrameTableModel, QTableView]:
    """The issues in the extract's order; Ctrl+C copies the selected rows as text."""
    model, view = ordered_table(ISSUE_COLUMNS, frame, parent, name=name)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    copy = QShortcut(QKeySequence.StandardKey.Copy, view)
    copy.setContext(Qt.ShortcutContext.WidgetShortcut)
    copy.activated.connect(lambda: _copy_selected(view, model))
    return model, view


def _copy_selected(view: QTableView, model: DataFrameTableModel) -> None:
    rows = sorted({index.row() for index in view.selectionModel().selectedRows()})
    QGuiApplication.clipboard().setText(table_text(model, rows or None))
