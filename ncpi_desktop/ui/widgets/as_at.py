"""The as-at control: the date every page, chart and report shows the register at."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from PySide6.QtCore import QDate, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDateEdit, QLabel, QToolBar, QWidget

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.formats import QT_DATE_FORMAT, uk_date
from ncpi_desktop.ui.widgets.accessible import label_for

#: The dates a record is made on (registration, a visit or an attempt, an ARMS assessment, a
#: concern, a management decision, entering the community): the latest of them is the day the
#: register's records end. Due, expiry and end dates lie ahead and are not records.
RECORD_DATES = ("registered_on", "community_since", "entered_on", "last_visit_on",
                "last_attempt_on", "arms_latest_on", "last_concern_on", "management_decided_on")
#: How long after the last record the as-at date may be before the bar says the records end.
RECORDS_END_GAP = timedelta(days=7)


def records_end(figures: Figures | None) -> date | None:
    """The date of the latest record in ``figures`` (None: no figures, or no dated record)."""
    if figures is None:
        return None
    rsos = figures.rsos
    latest = [rsos[name].max() for name in RECORD_DATES if name in rsos]
    known = [pd.Timestamp(day) for day in latest if pd.notna(day)]
    return max(known).date() if known else None


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
        self.edit = QDateEdit(self)
        self.addWidget(label_for(" As at ", self.edit, "Every page, chart and report shows the "
                                 "register as it stood on this date (Ctrl+D)"))
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
        self.records_end_label = QLabel("")
        self.records_end_label.setObjectName("muted")
        self.records_end_label.setToolTip("The latest visit, ARMS assessment, registration or "
                                          "decision on the register: figures after it (Today "
                                          "included) count nothing done since")
        self._records_end_action = self.addWidget(self.records_end_label)
        self._records_end_action.setVisible(False)
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

    def show_records_end(self, last: date | None, as_at: date) -> None:
        """Say "Records end <date>" next to Today when the register's last record (``last``)
        is well before the as-at date (a demo, an old copy); say nothing otherwise."""
        shown = last is not None and as_at - last > RECORDS_END_GAP
        self.records_end_label.setText(f"  Records end {uk_date(last)}" if shown else "")
        self._records_end_action.setVisible(shown)

    @property
    def records_end_text(self) -> str:
        """What the bar says about where the records end (empty: nothing)."""
        return self.records_end_label.text().strip() if self._records_end_action.isVisible() \
            else ""

    def _on_picked(self, value: QDate) -> None:
        # Typing a date changes it digit by digit: only a pick from the calendar applies at once.
        if self.edit.calendarWidget().isVisible():
            self.as_at_chosen.emit(value.toPython())

    def _on_edited(self) -> None:
        self.as_at_chosen.emit(self.edit.date().toPython())
