"""Dialogs recording a home visit, an ARMS assessment, a civil order and a management decision.

Each dialog only collects what the user says; the write is the named operation in
``storage.operations`` run through ``MainWindow.apply``, so it is validated, one transaction,
audited, undoable (Ctrl+Z) and every page is refreshed. A refused operation (a reactive decision
for an RSO who does not meet the criteria, say) leaves the dialog open with the reason in it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.domain.enums import ArmsOutcome, ManagementMode, OrderType, VisitOutcome
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.storage.operations import (
    Change,
    OperationError,
    record_arms,
    record_order,
    record_visit,
)
from ncpi_desktop.ui import style
from ncpi_desktop.ui.orders_page import ORDER_NAMES

if TYPE_CHECKING:
    from ncpi_desktop.ui.main_window import MainWindow

Operation = Callable[[Engine, str], Change]

DIALOG_STYLE = f"""
QLabel#errorBox {{
    background: {style.WARNING_BACKGROUND};
    color: {style.WARNING_FOREGROUND};
    border: 1px solid {style.WARNING_FOREGROUND};
    border-radius: 4px;
    padding: 8px;
}}
QLabel#muted {{ color: {style.MUTED}; }}
QLabel#hint {{ color: {style.MUTED}; }}
QLabel#rsoTitle {{ font-weight: 600; }}
"""


def qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def date_edit(value: date, maximum: date | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    if maximum is not None:
        edit.setMaximumDate(qdate(maximum))
    edit.setDate(qdate(value))
    return edit


def error_html(message: str) -> str:
    """A refusal as the user reads it: a reason list ("a; b") becomes bullet points."""
    head, _, tail = message.partition(": ")
    if tail and "; " in tail:
        items = "".join(f"<li>{html.escape(item)}</li>" for item in tail.split("; "))
        return f"<b>{html.escape(head)}:</b><ul style='margin:2px 0 0 -20px'>{items}</ul>"
    return html.escape(message)


class RecordDialog(QDialog):
    """The RSO the record is for, the subclass's fields, a message area, Record and Cancel."""

    title = ""
    #: The verb on the button that records.
    button_text = "Record"

    def __init__(self, window: MainWindow, rso_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.window_ = window
        self.change: Change | None = None
        self.setWindowTitle(self.title)
        self.setStyleSheet(DIALOG_STYLE)
        self.setMinimumWidth(560)

        self.rso_edit = QLineEdit(rso_id or "")
        self.rso_edit.setPlaceholderText("RSO id, e.g. R0097")
        if rso_id:
            # The RSO was chosen before the dialog opened: shown, not edited.
            self.rso_edit.setReadOnly(True)
            self.rso_edit.setFrame(False)
            font = self.rso_edit.font()
            font.setBold(True)
            self.rso_edit.setFont(font)
            self.rso_edit.setStyleSheet("background: transparent;")
        self.rso_label = QLabel("")
        self.rso_label.setObjectName("muted")
        self.rso_label.setWordWrap(True)
        self.rso_edit.textChanged.connect(self._on_rso_changed)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow("RSO", self.rso_edit)
        self.form.addRow("", self.rso_label)
        self._build_fields(self.form)

        self.hint_label = QLabel("")
        self.hint_label.setObjectName("hint")
        self.hint_label.setWordWrap(True)
        self.error_label = QLabel("")
        self.error_label.setObjectName("errorBox")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.RichText)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.record_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.record_button.setText(self.button_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._on_rso_changed(self.rso_edit.text())
        self._update_hint()
        if not rso_id:
            self.rso_edit.setFocus()

    # --- what subclasses provide --------------------------------------------------------------

    def _build_fields(self, form: QFormLayout) -> None:
        raise NotImplementedError

    def operation(self, rso_id: RsoId) -> Operation:
        """The named operation recording what the dialog says."""
        raise NotImplementedError

    def hint(self) -> str:
        """What the user should know about the values as they stand (policy, as-at date)."""
        return ""

    # --- shared -----------------------------------------------------------------------------

    @property
    def policy(self):  # noqa: ANN201 - the window's Policy
        return self.window_.policy

    @property
    def rso_id(self) -> str:
        return self.rso_edit.text().strip()

    def rso_row(self) -> pd.Series | None:
        """The RSO's row of the window's figures (None: unknown at the as-at date)."""
        figures = self.window_.figures
        if figures is None or not self.rso_id:
            return None
        rsos = figures.rsos
        hits = (rsos["rso_id"].to_numpy(object) == self.rso_id).nonzero()[0]
        return rsos.iloc[int(hits[0])] if len(hits) else None

    def _on_rso_changed(self, _text: str) -> None:
        row = self.rso_row()
        if row is None:
            self.rso_label.setText("" if not self.rso_id else
                                   f"Not on the register as at {self.window_.as_at:%d/%m/%Y}")
        else:
            holder = row["manager_name"] if pd.notna(row["manager_name"]) else \
                "no named manager"
            team = f", {row['team']}" if pd.notna(row["team"]) else ""
            risk = str(row["risk_level"]).replace("_", " ") if pd.notna(row["risk_level"]) \
                else "no risk level"
            self.rso_label.setText(
                f"{row['family_name']}, {row['given_names']} · {risk} risk · {row['status']} · "
                f"{row['management']} management · {holder}{team}")
        self._update_hint()

    def _update_hint(self, *_args: object) -> None:
        text = self.hint()
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))

    def after_as_at(self, value: date, what: str) -> str:
        """A note when ``value`` is after the date the window shows."""
        as_at = self.window_.as_at
        if value <= as_at:
            return ""
        return (f"The window shows the register as at {as_at:%d/%m/%Y}: {what} on "
                f"{value:%d/%m/%Y} will show once the as-at date is on or after it.")

    def show_error(self, message: str) -> None:
        self.error_label.setText(error_html(message))
        self.error_label.show()

    @property
    def error_text(self) -> str:
        """The message shown in the dialog (plain text), empty when none is."""
        if self.error_label.isHidden():
            return ""
        return QTextDocumentFragment.fromHtml(self.error_label.text()).toPlainText()

    def accept(self) -> None:
        """Record through the window; on refusal keep the dialog open and say why."""
        self.error_label.hide()
        if not self.rso_id:
            self.show_error("Say which RSO this is for (their RSO id).")
            return
        try:
            operation = self.operation(RsoId(self.rso_id))
        except ValueError as exc:
            self.show_error(str(exc))
            return
        refused: list[Exception] = []

        def run(engine: Engine, actor: str) -> Change:
            try:
                return operation(engine, actor)
            except (OperationError, SQLAlchemyError) as exc:
                refused.append(exc)
                raise

        change = self.window_.apply(run)
        if change is None:
            reason = str(refused[0]).strip() if refused else "Nothing was recorded."
            self.show_error(reason.splitlines()[0] if reason else "Nothing was recorded.")
            return
        self.change = change
        self.window_.statusBar().showMessage(f"Recorded: {change.summary} (Ctrl+Z undoes it)",
                                             8000)
        super().accept()


class RecordVisitDialog(RecordDialog):
    """A home visit: date, outcome (completed or no access) and the officers who made it."""

    title = "Record a home visit"

    def _build_fields(self, form: QFormLayout) -> None:
        today = date.today()
        self.date_edit = date_edit(today, maximum=today)
        self.outcome_combo = QComboBox()
        self.outcome_combo.addItem("Completed", VisitOutcome.COMPLETED.value)
        self.outcome_combo.addItem("No access", VisitOutcome.NO_ACCESS.value)
        self.officers_spin = QSpinBox()
        self.officers_spin.setRange(1, 9)
        self.officers_spin.setValue(self.policy.officers_per_visit)
        form.addRow("Visit date", self.date_edit)
        form.addRow("Outcome", self.outcome_combo)
        form.addRow("Officers", self.officers_spin)
        self.date_edit.dateChanged.connect(self._update_hint)
        self.outcome_combo.currentIndexChanged.connect(self._update_hint)
        self.officers_spin.valueChanged.connect(self._update_hint)

    def hint(self) -> str:
        if not hasattr(self, "officers_spin"):
            return ""
        policy = self.policy
        notes = []
        if self.outcome_combo.currentData() == VisitOutcome.NO_ACCESS:
            notes.append(f"A no-access visit does not count as a completed visit; "
                         f"{policy.warrant_after_failed_visits} in a row flag the RSO for a "
                         "warrant of entry (SOA 2003 s.96B).")
        elif self.officers_spin.value() < policy.officers_per_visit:
            notes.append(f"Home visits need {policy.officers_per_visit} officers: a visit by "
                         f"{self.officers_spin.value()} will be flagged as a lone visit.")
        notes.append(self.after_as_at(self.date_edit.date().toPython(), "a visit"))
        return " ".join(n for n in notes if n)

    def operation(self, rso_id: RsoId) -> Operation:
        visited_on = self.date_edit.date().toPython()
        outcome = self.outcome_combo.currentData()
        officers = self.officers_spin.value()
        return lambda engine, actor: record_visit(engine, rso_id, visited_on, outcome, officers,
                                                  actor)


class RecordArmsDialog(RecordDialog):
    """An ARMS assessment: the date it was completed and its outcome."""

    title = "Record an ARMS assessment"

    def _build_fields(self, form: QFormLayout) -> None:
        today = date.today()
        self.date_edit = date_edit(today, maximum=today)
        self.outcome_combo = QComboBox()
        for outcome in ArmsOutcome:
            self.outcome_combo.addItem(outcome.value.capitalize(), outcome.value)
        form.addRow("Completed on", self.date_edit)
        form.addRow("Outcome", self.outcome_combo)
        self.date_edit.dateChanged.connect(self._update_hint)

    def hint(self) -> str:
        if not hasattr(self, "date_edit"):
            return ""
        notes = []
        row = self.rso_row()
        if row is not None and not bool(row["arms_eligible"]):
            notes.append("ARMS applies to adult males in the community: this RSO is not "
                         "counted in the completion rate.")
        notes.append(f"An assessment is current for {self.policy.arms_max_age_months} months.")
        notes.append(self.after_as_at(self.date_edit.date().toPython(), "an assessment"))
        return " ".join(n for n in notes if n)

    def operation(self, rso_id: RsoId) -> Operation:
        completed_on = self.date_edit.date().toPython()
        outcome = self.outcome_combo.currentData()
        return lambda engine, actor: record_arms(engine, rso_id, completed_on, outcome, actor)


class RecordOrderDialog(RecordDialog):
    """A civil order: its type, start, and end (none: until further order)."""

    title = "Record a civil order"

    def _build_fields(self, form: QFormLayout) -> None:
        today = date.today()
        self.type_combo = QComboBox()
        for order_type, name in ORDER_NAMES.items():
            self.type_combo.addItem(f"{order_type.value} — {name}", order_type.value)
        self.start_edit = date_edit(today, maximum=today)
        self.until_further = QCheckBox("Until further order (no end date)")
        self.end_edit = date_edit(today + timedelta(days=1))
        self.end_edit.setEnabled(False)
        self.until_further.setChecked(True)
        form.addRow("Order", self.type_combo)
        form.addRow("Starts on", self.start_edit)
        form.addRow("", self.until_further)
        form.addRow("Ends on", self.end_edit)
        self.until_further.toggled.connect(self._on_until_further)
        self.start_edit.dateChanged.connect(self._update_hint)
        self.end_edit.dateChanged.connect(self._update_hint)

    def _on_until_further(self, checked: bool) -> None:
        self.end_edit.setEnabled(not checked)
        self._update_hint()

    def hint(self) -> str:
        if not hasattr(self, "end_edit"):
            return ""
        notes = ["An RSO under an order in force cannot be managed reactively."]
        row = self.rso_row()
        if row is not None and row["management"] == ManagementMode.REACTIVE:
            notes.append("This RSO is managed reactively: the order will flag them for review "
                         "back to active management.")
        notes.append(self.after_as_at(self.start_edit.date().toPython(), "an order starting"))
        return " ".join(n for n in notes if n)

    def operation(self, rso_id: RsoId) -> Operation:
        order_type = OrderType(self.type_combo.currentData())
        starts_on = self.start_edit.date().toPython()
        ends_on = None if self.until_further.isChecked() else self.end_edit.date().toPython()
        return lambda engine, actor: record_order(engine, rso_id, order_type, starts_on,
                                                  ends_on, actor)


class RecordDecisionDialog(RecordDialog):
    """A decision to manage the RSO actively or reactively: reason, date and who decided.

    Reactive is refused by the operation when the RSO does not meet every criterion at the
    decision's date; the dialog shows the criteria as they stand at the window's date first."""

    title = "Record a management decision"

    def _build_fields(self, form: QFormLayout) -> None:
        today = date.today()
        self.active_radio = QRadioButton("Active")
        self.reactive_radio = QRadioButton("Reactive")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.active_radio)
        self.mode_group.addButton(self.reactive_radio)
        modes = QHBoxLayout()
        modes.addWidget(self.active_radio)
        modes.addWidget(self.reactive_radio)
        modes.addStretch(1)
        row = self.rso_row()
        current = row["management"] if row is not None else ManagementMode.ACTIVE
        # Offer the change: an active RSO's decision is usually to go reactive, and back.
        (self.reactive_radio if current == ManagementMode.ACTIVE
         else self.active_radio).setChecked(True)
        self.date_edit = date_edit(today, maximum=today)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText("Why: what the offender manager is satisfied of "
                                            "(required)")
        self.reason_edit.setFixedHeight(80)
        self.by_edit = QLineEdit(self.window_.actor)
        self.by_edit.setToolTip("Who made the decision (the change is recorded as yours)")
        form.addRow("Manage", modes)
        form.addRow("Decided on", self.date_edit)
        form.addRow("Reason", self.reason_edit)
        form.addRow("Decided by", self.by_edit)
        self.mode_group.buttonToggled.connect(self._update_hint)
        self.date_edit.dateChanged.connect(self._update_hint)

    @property
    def mode(self) -> ManagementMode:
        return ManagementMode.REACTIVE if self.reactive_radio.isChecked() else \
            ManagementMode.ACTIVE

    def hint(self) -> str:
        if not hasattr(self, "by_edit"):
            return ""
        notes = []
        row = self.rso_row()
        as_at = self.window_.as_at
        if self.mode == ManagementMode.REACTIVE and row is not None:
            if bool(row["reactive_meets"]):
                notes.append(f"As at {as_at:%d/%m/%Y} this RSO meets every criterion for "
                             "reactive management.")
            else:
                notes.append(f"As at {as_at:%d/%m/%Y} this RSO does not meet: "
                             f"{row['reactive_unmet']}. Reactive will be refused unless the "
                             "criteria are met on the decision date.")
        notes.append(self.after_as_at(self.date_edit.date().toPython(), "a decision"))
        return " ".join(n for n in notes if n)

    def operation(self, rso_id: RsoId) -> Operation:
        mode = self.mode
        decided_on = self.date_edit.date().toPython()
        reason = self.reason_edit.toPlainText().strip()
        if not reason:
            raise ValueError("Give the reason for the decision: it is recorded with it.")
        decided_by = self.by_edit.text().strip() or None
        return lambda engine, actor: record_decision(engine, rso_id, mode, decided_on, reason,
                                                     actor, decided_by=decided_by)


#: The dialog recording each kind of record (the Record menu's actions).
DIALOGS: dict[str, type[RecordDialog]] = {
    "visit": RecordVisitDialog,
    "arms": RecordArmsDialog,
    "order": RecordOrderDialog,
    "decision": RecordDecisionDialog,
}
