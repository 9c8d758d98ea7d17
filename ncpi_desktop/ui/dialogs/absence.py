"""A manager leaving or going on absence, and handing RSOs back when an absence ends.

``GoingDialog`` asks who (and, for an absence, until when and why); the proposal view then
proposes where their RSOs go. ``HandBackDialog`` lists, per absence whose return date has come,
the RSOs still on cover, and hands them all back in one step (``storage.operations.hand_back``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.visibility import cut_rows
from ncpi_desktop.domain.enums import RISK_ORDER, STATUS_ORDER
from ncpi_desktop.domain.security import User
from ncpi_desktop.formats import QT_DATE_FORMAT, Kind, uk_date
from ncpi_desktop.storage.allocations import hand_backs_due
from ncpi_desktop.storage.operations import Change, hand_back
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.dialogs.reassign import Operation
from ncpi_desktop.ui.models.reassign_preview import manager_choices
from ncpi_desktop.ui.models.seen import seen_versions
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.consultations import watch_tables
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

#: An absence's default length when the dialog opens: four weeks.
DEFAULT_ABSENCE_DAYS = 28


class GoingDialog(QDialog):
    """Who is leaving (``absence=False``), or who is away and until when (``absence=True``)."""

    def __init__(self, figures: Figures, *, on: date, absence: bool,
                 manager_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.absence = absence
        self._on = on
        self.setWindowTitle("Manager absent" if absence else "Manager leaving")
        self.setStyleSheet(style.PAGE_STYLE)
        self.setMinimumWidth(560)
        choices = manager_choices(figures, bcu=None)
        self.manager = QComboBox(self)
        self.manager.setEditable(True)
        self.manager.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for row in choices.itertuples():
            self.manager.addItem(row.label, row.manager_id)
        completer = QCompleter(self.manager.model(), self.manager)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.manager.setCompleter(completer)
        self.manager.setCurrentIndex(self.manager.findData(manager_id) if manager_id else -1)

        self._build_until(on)

        title = QLabel("Manager absent until a date" if absence else "Manager leaving")
        title.setObjectName("sectionTitle")
        explain = QLabel(
            (f"From {uk_date(on)} (the as-at date) their RSOs go to cover, with the reason "
             "\"manager absent\". On the day they are back the application lists the RSOs to "
             "hand back in one step.") if absence else
            (f"From {uk_date(on)} (the as-at date) every RSO they hold goes to another manager "
             "(or, if you untick a move, to their team's pool), and they are marked as no "
             "longer active."))
        explain.setWordWrap(True)
        explain.setObjectName("muted")
        form = QFormLayout()
        form.addRow("Offender manager", self.manager)
        if absence:
            form.addRow("Back on", self.until)
            form.addRow("Why", self.note)
        buttons = QDialogButtonBox(self)
        self.next_button = QPushButton("Propose where their RSOs go…")
        self.next_button.setDefault(True)
        buttons.addButton(self.next_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.manager.currentIndexChanged.connect(self._update)
        self.manager.editTextChanged.connect(self._update)
        self._update()

    def _build_until(self, on: date) -> None:
        """When an absent manager is back (the day after ``on`` at the earliest), and why.
        Built without a parent: only an absence's form takes them, so a leaver's dialog does
        not draw them over its title."""
        self.until = QDateEdit()
        self.until.setDisplayFormat(QT_DATE_FORMAT)
        self.until.setCalendarPopup(True)
        first = on + timedelta(days=1)
        self.until.setMinimumDate(QDate(first.year, first.month, first.day))
        back = on + timedelta(days=DEFAULT_ABSENCE_DAYS)
        self.until.setDate(QDate(back.year, back.month, back.day))
        self.note = QLineEdit()
        self.note.setPlaceholderText("e.g. sick leave, training course (optional)")

    @property
    def manager_id(self) -> str | None:
        index = self.manager.currentIndex()
        if index < 0 or self.manager.currentText() != self.manager.itemText(index):
            return None
        return self.manager.itemData(index)

    @property
    def back_on(self) -> date:
        return self.until.date().toPython()

    def _update(self, *_args: object) -> None:
        self.next_button.setEnabled(self.manager_id is not None)


HAND_BACK_COLUMNS = [
    Column("rso_id", "RSO"),
    Column("rso_name", "Name"),
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("status", "Status", Kind.LABEL, order=STATUS_ORDER),
    Column("cover", "On cover with"),
]


class HandBackDialog(QDialog):
    """Managers back from absence (return date on or before ``on``) and the RSOs still on cover;
    one button hands the chosen manager's RSOs back as one undoable step."""

    def __init__(self, engine: Engine, figures: Figures, *, on: date,
                 apply: Callable[[Operation], Change | None], user: User,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Hand back RSOs")
        self.setStyleSheet(style.PAGE_STYLE)
        self.setMinimumSize(760, 460)
        self._on = on
        self._apply = apply
        self.due = cut_rows(user, figures, hand_backs_due(engine, on))  # names in scope only
        self._rsos = figures.rsos
        names = figures.snapshot.managers.set_index("manager_id")["name"]
        self.absences = self.due.drop_duplicates("absence_id")[["absence_id", "manager_id"]]

        title = QLabel("Managers back from absence")
        title.setObjectName("sectionTitle")
        self.absence_combo = QComboBox(self)
        for row in self.absences.itertuples():
            count = int((self.due["absence_id"] == row.absence_id).sum())
            self.absence_combo.addItem(
                f"{names.get(row.manager_id, row.manager_id)}: {count} RSO(s) on cover",
                int(row.absence_id))
        self.explain = QLabel("")
        self.explain.setObjectName("muted")
        self.explain.setWordWrap(True)
        self.model = DataFrameTableModel(HAND_BACK_COLUMNS, parent=self)
        self.view = data_table(self.model, self)
        self.absence_combo.setAccessibleName("Manager back from absence")
        self.view.setAccessibleName("RSOs to hand back")
        self.hand_button = QPushButton("Hand back")
        self.hand_button.setDefault(True)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.hand_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self._on_hand_back)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.absence_combo)
        layout.addWidget(self.explain)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self._names = names
        self.absence_combo.currentIndexChanged.connect(self._show)
        self._show()
        watch_tables(self, "Hand back RSOs")  # the audit's consultation of the RSOs named

    @property
    def absence_id(self) -> int | None:
        return self.absence_combo.currentData()

    def _show(self, *_args: object) -> None:
        absence_id = self.absence_id
        rows = self.due[self.due["absence_id"] == absence_id] if absence_id is not None \
            else self.due.iloc[0:0]
        self.model.set_frame(rows)
        fit_columns(self.view)
        if absence_id is None:
            self.explain.setText(f"No absence has ended by {uk_date(self._on)} with RSOs still "
                                 "on cover.")
            self.hand_button.setEnabled(False)
            return
        manager_id = str(rows["manager_id"].iat[0])
        name = self._names.get(manager_id, manager_id)
        self.explain.setText(
            f"These RSOs went to cover when {name} was away and are still there. Handing them "
            f"back moves them to {name} from {uk_date(self._on)} with the reason \"manager "
            "returned\", in one step that Edit › Undo takes back.")
        self.hand_button.setText(f"Hand back {len(rows)} RSO(s) to {name}")
        self.hand_button.setEnabled(True)

    def _on_hand_back(self) -> None:
        absence_id, on = self.absence_id, self._on
        if absence_id is None:
            return
        shown = self.due.loc[self.due["absence_id"] == absence_id, "rso_id"]
        seen = seen_versions(self._rsos, shown)  # refused if one changed since (StaleWrite)
        if self._apply(lambda engine, actor: hand_back(engine, absence_id, actor, on=on,
                                                       seen=seen)) is not None:
            self.accept()


def due_count(engine: Engine, on: date) -> pd.DataFrame:
    """Per manager back from absence by ``on``: how many RSOs are still on cover."""
    due = hand_backs_due(engine, on)
    return due.groupby("manager_id").size().rename("rsos").reset_index()
