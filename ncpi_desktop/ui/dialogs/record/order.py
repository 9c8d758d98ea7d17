"""Record > Civil order: its type, start, and end (none: until further order)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout

from ncpi_desktop.domain.enums import ORDER_NAMES, ManagementMode, OrderType
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.storage.operations import record_order
from ncpi_desktop.ui.dialogs.record.base import Operation, RecordDialog, date_edit


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
        seen = self.seen_for(rso_id)
        return lambda engine, actor: record_order(engine, rso_id, order_type, starts_on,
                                                  ends_on, actor, seen=seen)
