"""Record > Event (a trigger event: its type, date, and whether a child may be at risk) and
Record > Referral (its date and to whom): DOMAIN.md rule 14's clocks."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit

from ncpi_desktop.domain.enums import CONCERN_EVENTS, EVENT_NAMES, EventType
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.formats import plural
from ncpi_desktop.storage.operations import record_event, record_referral
from ncpi_desktop.ui.dialogs.record.base import Operation, RecordDialog, date_edit

#: Where a referral goes unless the user says otherwise.
CHILDRENS_SOCIAL_CARE = "children's social care"


class RecordEventDialog(RecordDialog):
    """A trigger event: what happened, when, and whether a child may be at risk."""

    title = "Record a trigger event"

    def _build_fields(self, form: QFormLayout) -> None:
        today = date.today()
        self.type_combo = QComboBox()
        for event_type, name in EVENT_NAMES.items():
            self.type_combo.addItem(name, event_type.value)
        self.date_edit = date_edit(today, maximum=today)
        self.child_check = QCheckBox("A child may be at risk (a referral to children's social "
                                     "care is due too)")
        form.addRow("Event", self.type_combo)
        form.addRow("Happened on", self.date_edit)
        form.addRow("", self.child_check)
        self.type_combo.currentIndexChanged.connect(self._update_hint)
        self.date_edit.dateChanged.connect(self._update_hint)
        self.child_check.toggled.connect(self._update_hint)

    def hint(self) -> str:
        if not hasattr(self, "child_check"):
            return ""
        policy = self.policy
        notes = [f"Starts the clock for a reassessment home visit within "
                 f"{plural(policy.trigger_visit_days, 'day')}"]
        if self.child_check.isChecked():
            notes[0] += (f", and for a referral to children's social care within "
                         f"{plural(policy.trigger_referral_days, 'day')}")
        notes[0] += " (configurable defaults: no national figure was found)."
        if EventType(self.type_combo.currentData()) in CONCERN_EVENTS:
            notes.append("It also counts as the RSO's latest concern (reactive management "
                         f"needs {policy.reactive_concern_free_years} years free of one).")
        notes.append(self.after_as_at(self.date_edit.date().toPython(), "an event"))
        return " ".join(n for n in notes if n)

    def operation(self, rso_id: RsoId) -> Operation:
        event_type = self.type_combo.currentData()
        occurred_on = self.date_edit.date().toPython()
        at_risk = self.child_check.isChecked()
        seen = self.seen_for(rso_id)
        return lambda engine, actor: record_event(engine, rso_id, event_type, occurred_on,
                                                  actor, child_at_risk=at_risk, seen=seen)


class RecordReferralDialog(RecordDialog):
    """A referral: when, and to whom (children's social care unless said otherwise)."""

    title = "Record a referral"

    def _build_fields(self, form: QFormLayout) -> None:
        today = date.today()
        self.date_edit = date_edit(today, maximum=today)
        self.to_edit = QLineEdit(CHILDRENS_SOCIAL_CARE)
        form.addRow("Referred on", self.date_edit)
        form.addRow("Referred to", self.to_edit)
        self.date_edit.dateChanged.connect(self._update_hint)

    def hint(self) -> str:
        if not hasattr(self, "date_edit"):
            return ""
        notes = ["Stops the referral clock of each of the RSO's events on or before this date."]
        notes.append(self.after_as_at(self.date_edit.date().toPython(), "a referral"))
        return " ".join(n for n in notes if n)

    def operation(self, rso_id: RsoId) -> Operation:
        referred_on = self.date_edit.date().toPython()
        to = self.to_edit.text()
        seen = self.seen_for(rso_id)
        return lambda engine, actor: record_referral(engine, rso_id, referred_on, actor, to=to,
                                                     seen=seen)
