"""Record > ARMS assessment: the date it was completed and its outcome."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QComboBox, QFormLayout

from ncpi_desktop.domain.enums import ArmsOutcome
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.storage.operations import record_arms
from ncpi_desktop.ui.dialogs.record.base import Operation, RecordDialog, date_edit


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
        seen = self.seen_for(rso_id)
        return lambda engine, actor: record_arms(engine, rso_id, completed_on, outcome, actor,
                                                 seen=seen)
