"""Allocation history of one RSO or one offender manager: who held whom, from when, to when, why,
and who made the move (``storage.allocations.allocation_history``: one query)."""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.visibility import cut_rows
from ncpi_desktop.domain.enums import RISK_ORDER
from ncpi_desktop.domain.security import User
from ncpi_desktop.formats import DATETIME_FORMAT, Kind
from ncpi_desktop.storage.allocations import allocation_history
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.consultations import watch_tables
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

RSO_HISTORY_COLUMNS = [
    Column("holder", "Held by"),
    Column("team", "Team"),
    Column("starts_on", "From", Kind.DATE),
    Column("ends_on", "To", Kind.DATE, header_tip="Blank: still held"),
    Column("held_now", "Now"),
    Column("reason", "Why", text_tip=True),
    Column("actor", "Moved by"),
    Column("recorded_at_text", "Recorded (UTC)"),
]
MANAGER_HISTORY_COLUMNS = [
    Column("rso_id", "RSO"),
    Column("rso_name", "Name"),
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("starts_on", "From", Kind.DATE),
    Column("ends_on", "To", Kind.DATE, header_tip="Blank: still held"),
    Column("held_now", "Now"),
    Column("reason", "Why", text_tip=True),
    Column("actor", "Moved by"),
    Column("recorded_at_text", "Recorded (UTC)"),
]


def _recorded(history: pd.DataFrame) -> pd.Series:
    local = history["recorded_at"].dt.tz_convert(None)
    return local.dt.strftime(DATETIME_FORMAT).fillna("")


class HistoryDialog(QDialog):
    """The allocation history of ``rso_id`` or of ``manager_id`` (exactly one), newest first."""

    def __init__(self, engine: Engine, *, user: User, figures: Figures | None,
                 rso_id: str | None = None, manager_id: str | None = None, title: str = "",
                 parent: QWidget | None = None) -> None:
        """The history is cut to ``user`` by the RSOs' rows of ``figures``
        (``analysis.visibility.cut_rows``): names only of RSOs in the user's name scope."""
        super().__init__(parent)
        self.setStyleSheet(style.PAGE_STYLE)
        self.setMinimumSize(820, 420)
        history = cut_rows(user, figures,
                           allocation_history(engine, rso_id=rso_id, manager_id=manager_id))
        history["recorded_at_text"] = _recorded(history)
        history["held_now"] = history["ends_on"].isna().map({True: "still held", False: ""})
        columns = RSO_HISTORY_COLUMNS if rso_id is not None else MANAGER_HISTORY_COLUMNS
        name = ""
        if rso_id is not None:
            name = history["rso_name"].iat[0] if len(history) else ""
            name = name if isinstance(name, str) else ""
            heading = f"{rso_id} {name}".strip() if not title else title
            what = f"{len(history)} allocation(s)"
        else:
            heading = title or str(manager_id)
            current = int(history["ends_on"].isna().sum())
            what = (f"{len(history)} allocation(s) of {history['rso_id'].nunique()} RSO(s); "
                    f"{current} held now")
        self.setWindowTitle(f"Allocation history: {heading}")
        self.heading = QLabel(f"Allocation history: {heading}")
        self.heading.setObjectName("sectionTitle")
        self.count = QLabel(what + ". Newest first; dates are when each allocation took effect.")
        self.count.setObjectName("muted")
        self.model = DataFrameTableModel(columns, history, parent=self)
        self.view = data_table(self.model, self, name="Allocation history")
        self.view.sortByColumn(self.model.column_of("starts_on"), Qt.SortOrder.DescendingOrder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.count)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        fit_columns(self.view)
        # The audit's consultation: the RSOs listed with a name (one RSO's, in the heading).
        named = frozenset({rso_id}) if rso_id is not None and name and not title else frozenset()
        watch_tables(self, "Allocation history",
                     named=None if rso_id is None else lambda _view: named)
