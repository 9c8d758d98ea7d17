"""Record > Home visit: its date, outcome (completed or no access) and the officers."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QComboBox, QFormLayout, QSpinBox

from ncpi_desktop.domain.enums import VisitOutcome
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.storage.operations import record_visit
from ncpi_desktop.ui.dialogs.record.base import Operation, RecordDialog, date_edit


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
        seen = self.seen_for(rso_id)
        return lambda engine, actor: record_visit(engine, rso_id, visited_on, outcome, officers,
                                                  actor, seen=seen)
