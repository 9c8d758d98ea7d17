"""The as-at control: the date every page, chart and report shows the register at."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDateEdit, QLabel, QToolBar, QWidget

from ncpi_desktop.formats import QT_DATE_FORMAT


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class AsAtBar(QToolBar):
    """"As at [date] Today": ``as_at_chosen`` when the user picks a date from the calendar,
    leaves the date field, or presses Today. ``focus_action`` (Ctrl+D) puts the keyboard in the
    date field; the window adds it to itself so that it works wherever the focus is."""

    as_at_chosen = Signal(object)

    def __init__(self, as_at: date, parent: QWidget | None = None) -> None:
        super().__init__("As at", parent)
        self.setObjectName("as_at_toolbar")
        self.setMovable(False)
        self.addWidget(QLabel(" As at "))
        self.edit = QDateEdit(self)
        self.edit.setDisplayFormat(QT_DATE_FORMAT)
        self.edit.setCalendarPopup(True)
        self.edit.setToolTip("Every page, chart and report shows the register as it stood "
                             "on this date (Ctrl+D)")
        self.edit.setDate(qdate(as_at))
        self.edit.editingFinished.connect(self._on_edited)
        self.edit.dateChanged.connect(self._on_picked)
        self.addWidget(self.edit)
        today = QAction("Today", self)
        today.setToolTip("Show the register as it stands today")
        today.triggered.connect(lambda: self.as_at_chosen.emit(date.today()))
        self.addAction(today)
        self.focus_action = QAction("As-at date", parent)
        self.focus_action.setShortcut(QKeySequence("Ctrl+D"))
        self.focus_action.triggered.connect(self.edit.setFocus)

    def show_date(self, as_at: date) -> None:
        """Show ``as_at`` without emitting anything (the window went back to it)."""
        shown = qdate(as_at)
        if self.edit.date() != shown:
            self.edit.blockSignals(True)
            self.edit.setDate(shown)
            self.edit.blockSignals(False)

    def _on_picked(self, value: QDate) -> None:
        # Typing a date changes it digit by digit: only a pick from the calendar applies at once.
        if self.edit.calendarWidget().isVisible():
            self.as_at_chosen.emit(value.toPython())

    def _on_edited(self) -> None:
        self.as_at_chosen.emit(self.edit.date().toPython())
