"""A titled list of RSOs: the caseload page's list of a manager's or the pool's RSOs."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ncpi_desktop.ui.models.frames import rso_rows
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.labels import section_title
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns


class RsoList(QWidget):
    """A section title over a table of RSOs (``columns``, sorted by ``sort``, highest first).

    The columns are fitted to the first rows shown with a set of columns, so the widths follow
    what the list shows (a manager's RSOs, the pool) but not every click.
    """

    def __init__(self, columns: Sequence[Column], sort: str, placeholder: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._fitted: Sequence[Column] | None = None
        self.model = DataFrameTableModel(self._columns, parent=self)
        self.view = data_table(self.model, self, name="RSOs listed",
                               description="The chosen manager's or the pool's RSOs")
        self.view.sortByColumn(self.model.column_of(sort), Qt.SortOrder.DescendingOrder)
        self.title = section_title(placeholder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)

    def show_rsos(self, rsos: pd.DataFrame, columns: Sequence[Column], title: str) -> None:
        """List ``rsos`` (a slice of ``Figures.rsos``) through ``columns`` under ``title``."""
        self.model.set_frame(rso_rows(rsos, columns, manager_label=False), columns)
        if len(rsos) and self._fitted is not columns:
            fit_columns(self.view)
            self._fitted = columns
        self.title.setText(title)

    def clear(self, title: str) -> None:
        """List nothing, under ``title``: back to the first columns."""
        self.model.set_frame(pd.DataFrame(columns=[c.key for c in self._columns]),
                             self._columns)
        self.title.setText(title)
