"""Record > Case review: a supervisor's quality review of the RSO's case (DOMAIN.md rule 15),
its grade and findings, and the actions it sets (each with an owner and a due date)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.domain.enums import ReviewGrade
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.operations.reviews import ActionSpec, record_review
from ncpi_desktop.ui.dialogs.record.base import Operation, RecordDialog, date_edit

#: How far ahead a new action is due by default (days): a suggestion the user changes.
DEFAULT_DUE_DAYS = 28  # not a rule: the date field's starting value


class RecordReviewDialog(RecordDialog):
    """A case review: date, grade, findings, and its actions."""

    title = "Record a case review"

    def _build_fields(self, form: QFormLayout) -> None:
        today = date.today()
        self.date_edit = date_edit(today, maximum=today)
        self.grade_combo = QComboBox()
        for grade in ReviewGrade:
            self.grade_combo.addItem(grade.label, grade.value)
        self.findings_edit = QPlainTextEdit()
        self.findings_edit.setPlaceholderText("What the review found")
        self.findings_edit.setTabChangesFocus(True)
        self.findings_edit.setFixedHeight(72)
        form.addRow("Reviewed on", self.date_edit)
        form.addRow("&Grade", self.grade_combo)
        form.addRow("&Findings", self.findings_edit)
        form.addRow("Actions", self._actions_box(today))
        self.date_edit.dateChanged.connect(self._update_hint)

    def _actions_box(self, today: date) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.action_edit = QLineEdit()
        self.action_edit.setPlaceholderText("Action")
        self.owner_edit = QLineEdit()
        self.owner_edit.setPlaceholderText("Owner")
        self.due_edit = date_edit(today + timedelta(days=DEFAULT_DUE_DAYS))
        self.add_button = QPushButton("&Add action")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_action)
        row.addWidget(self.action_edit, 3)
        row.addWidget(self.owner_edit, 2)
        row.addWidget(self.due_edit, 1)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        self.actions_list = QListWidget()
        self.actions_list.setAccessibleName("The review's actions")
        self.actions_list.setFixedHeight(70)
        layout.addWidget(self.actions_list)
        self.remove_button = QPushButton("&Remove action")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self._remove_action)
        layout.addWidget(self.remove_button)
        self._actions: list[ActionSpec] = []
        return box

    def add_action(self) -> bool:
        """Add the action typed (text and owner needed) to the review's list."""
        text, owner = self.action_edit.text().strip(), self.owner_edit.text().strip()
        if not text or not owner:
            self.show_error("An action needs what is to be done and who owns it.")
            return False
        self.error_label.hide()
        spec = ActionSpec(text, owner, self.due_edit.date().toPython())
        self._actions.append(spec)
        self.actions_list.addItem(QListWidgetItem(
            f"{spec.text} — {spec.owner}, due {uk_date(spec.due_on)}"))
        self.action_edit.clear()
        return True

    def _remove_action(self) -> None:
        row = self.actions_list.currentRow()
        if row >= 0:
            self.actions_list.takeItem(row)
            del self._actions[row]

    @property
    def actions(self) -> list[ActionSpec]:
        return list(self._actions)

    def hint(self) -> str:
        if not hasattr(self, "date_edit"):
            return ""
        notes = [f"A review counts towards coverage for {self.policy.qa_coverage_months} months."]
        notes.append(self.after_as_at(self.date_edit.date().toPython(), "a review"))
        return " ".join(n for n in notes if n)

    def operation(self, rso_id: RsoId) -> Operation:
        if self.action_edit.text().strip():  # typed but not added: the user meant it
            if not self.add_action():
                raise ValueError("An action needs what is to be done and who owns it.")
        reviewed_on = self.date_edit.date().toPython()
        grade = self.grade_combo.currentData()
        findings = self.findings_edit.toPlainText()
        actions = self.actions
        seen = self.seen_for(rso_id)
        return lambda engine, user: record_review(engine, rso_id, reviewed_on, grade, findings,
                                                  user, actions=actions, seen=seen)
