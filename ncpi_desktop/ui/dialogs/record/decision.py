"""Record > Management decision: active or reactive, with the reason, the date and who decided."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
)

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.domain.enums import ManagementMode
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.formats import uk_date
from ncpi_desktop.ui.dialogs.record.base import Operation, RecordDialog, date_edit


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
        self.by_edit = QLineEdit(self.context.actor)
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
        as_at = self.context.as_at
        if self.mode == ManagementMode.REACTIVE and row is not None:
            if bool(row["reactive_meets"]):
                notes.append(f"As at {uk_date(as_at)} this RSO meets every criterion for "
                             "reactive management.")
            else:
                notes.append(f"As at {uk_date(as_at)} this RSO does not meet: "
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
        seen = self.seen_for(rso_id)
        return lambda engine, actor: record_decision(engine, rso_id, mode, decided_on, reason,
                                                     actor, decided_by=decided_by, seen=seen)
