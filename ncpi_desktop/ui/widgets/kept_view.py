"""A table keeps its selection and scroll position when its rows are given again.

A page is given new figures after every change, the window's own or one made elsewhere
(``core.watch``), and puts them in its tables' models (``DataFrameTableModel.set_frame``), which
resets each model: Qt then forgets which row was selected and where the list was scrolled to
(the model keeps its sort). ``keep_view_state`` puts them back after every reset: the selected
row, found again by its key (an RSO's id, a manager's id), and the scroll position as it was.
The selection is put back without telling anyone it changed: to the user it has not.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QObject
from PySide6.QtWidgets import QTableView

from ncpi_desktop.ui.models.table_model import DataFrameTableModel

#: The columns a row is known by, the first a frame has.
KEYS = ("rso_id", "manager_id", "order_id", "team", "bcu")


class _Kept(QObject):
    """Saves ``view``'s selection and scroll position before its model resets and puts them
    back after."""

    def __init__(self, view: QTableView, model: DataFrameTableModel) -> None:
        super().__init__(view)
        self._view, self._model = view, model
        self._saved: tuple[str | None, Any, Any, int, int] | None = None
        model.modelAboutToBeReset.connect(self._save)
        model.modelReset.connect(self._restore)

    def _key(self) -> str | None:
        columns = self._model.frame.columns
        return next((key for key in KEYS if key in columns), None)

    def _save(self) -> None:
        view, model = self._view, self._model
        key = self._key()
        selection = view.selectionModel()
        selected = current = None
        if key is not None and selection is not None:
            rows = selection.selectedRows()
            if rows and rows[0].row() < model.rowCount():
                selected = model.frame[key].iat[rows[0].row()]
            index = selection.currentIndex()
            if index.isValid() and index.row() < model.rowCount():
                current = (model.frame[key].iat[index.row()], index.column())
        self._saved = (key, selected, current, view.verticalScrollBar().value(),
                       view.horizontalScrollBar().value())

    def _restore(self) -> None:
        saved, self._saved = self._saved, None
        if saved is None:
            return
        key, selected, current, vertical, horizontal = saved
        view, model = self._view, self._model
        selection = view.selectionModel()
        if key is not None and key == self._key() and selection is not None:
            blocked = selection.blockSignals(True)
            try:
                if current is not None:
                    row = model.row_of(key, current[0])
                    if row is not None:
                        selection.setCurrentIndex(model.index(row, current[1]),
                                                  QItemSelectionModel.SelectionFlag.NoUpdate)
                row = None if selected is None else model.row_of(key, selected)
                if row is not None:
                    selection.select(model.index(row, 0),
                                     QItemSelectionModel.SelectionFlag.ClearAndSelect
                                     | QItemSelectionModel.SelectionFlag.Rows)
            finally:
                selection.blockSignals(blocked)
        view.updateGeometries()  # the scroll bars' ranges for the new rows
        view.verticalScrollBar().setValue(vertical)
        view.horizontalScrollBar().setValue(horizontal)
        view.viewport().update()


def keep_view_state(view: QTableView) -> None:
    """``view`` (over a ``DataFrameTableModel``) keeps its selected row and scroll position
    whenever its model is given new rows."""
    model = view.model()
    if isinstance(model, DataFrameTableModel):
        _Kept(view, model)
