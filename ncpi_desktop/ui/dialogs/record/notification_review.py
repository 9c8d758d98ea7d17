"""Record > Notification review decision: the decision on a review of an RSO's indefinite
notification (DOMAIN.md rule 13; SOA 2003 ss.91A-91F), continue (the next review falls due the
policy's years on) or discharge (the notification ends on the decision's date), its date and the
reason, which is required.

The write is ``storage.operations.notification.record_notification_review`` (the command line's
``record notification-review``), through ``AppContext.apply``: checked for the user's role and
scope, audited and undoable; refused when the notification is not indefinite or was discharged.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QRadioButton,
    QWidget,
)

from ncpi_desktop.analysis.dates import add_years
from ncpi_desktop.domain.enums import NotificationReviewOutcome
from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.operations.notification import record_notification_review
from ncpi_desktop.ui.dialogs.record.base import Operation, RecordDialog, date_edit


def default_day(as_at: date, today: date) -> date:
    """The decision's date to start from: the window's as-at date (so the figures shown take the
    decision in), unless that is in the future, then today."""
    return as_at if as_at <= today else today


class RecordNotificationReviewDialog(RecordDialog):
    """A decision on a review of indefinite notification: continue or discharge, when, why."""

    title = "Record a notification review decision"

    def _build_fields(self, form: QFormLayout) -> None:
        today = date.today()
        self.continue_radio = QRadioButton("&Continue")
        self.continue_radio.setToolTip("The notification stays indefinite; the next review "
                                       "falls due years on (policy)")
        self.discharge_radio = QRadioButton("D&ischarge")
        self.discharge_radio.setToolTip("The notification ends on the decision's date")
        self.outcome_group = QButtonGroup(self)
        self.outcome_group.addButton(self.continue_radio)
        self.outcome_group.addButton(self.discharge_radio)
        outcomes = QWidget()
        outcomes.setAccessibleName("Outcome")
        row = QHBoxLayout(outcomes)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.continue_radio)
        row.addWidget(self.discharge_radio)
        row.addStretch(1)
        # Neither is ticked: a discharge ends the notification, so the user says which.
        self.date_edit = date_edit(default_day(self.context.as_at, today), maximum=today)
        self.date_edit.setAccessibleName("Decided on")
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText("Why: what the review found (required)")
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(80)
        form.addRow("Outcome", outcomes)
        form.addRow("Decided on", self.date_edit)
        form.addRow("Reason", self.reason_edit)
        self.outcome_group.buttonToggled.connect(self._update_hint)
        self.date_edit.dateChanged.connect(self._update_hint)

    @property
    def outcome(self) -> NotificationReviewOutcome | None:
        """The outcome ticked (None: neither yet)."""
        if self.continue_radio.isChecked():
            return NotificationReviewOutcome.CONTINUE
        if self.discharge_radio.isChecked():
            return NotificationReviewOutcome.DISCHARGE
        return None

    def set_outcome(self, outcome: NotificationReviewOutcome | str) -> None:
        radio = (self.continue_radio if NotificationReviewOutcome(outcome)
                 == NotificationReviewOutcome.CONTINUE else self.discharge_radio)
        radio.setChecked(True)

    def _standing(self) -> str:
        """The RSO's notification as the window's figures show it."""
        row = self.rso_row()
        if row is None:
            return ""
        if "notification_indefinite" in row.index and not bool(row["notification_indefinite"]):
            return ("This RSO's notification is not indefinite: only an indefinite "
                    "notification is reviewed, so a decision will be refused.")
        why = row.get("notification_review_why")
        if isinstance(why, str) and why:
            return why + "."
        due = row.get("notification_review_due_on")
        if due is not None and pd.notna(due):
            return f"Next review of indefinite notification due {uk_date(due)}."
        return ""

    def hint(self) -> str:
        if not hasattr(self, "reason_edit"):
            return ""
        decided = self.date_edit.date().toPython()
        notes = [self._standing()]
        years = self.policy.notification_review_repeat_years
        if self.outcome == NotificationReviewOutcome.CONTINUE:
            again = add_years(pd.Series([pd.Timestamp(decided)]), years).iat[0]
            notes.append(f"Continue: the next review falls due {years} years on, "
                         f"{uk_date(again)} (ss.91A-91F).")
        elif self.outcome == NotificationReviewOutcome.DISCHARGE:
            notes.append(f"Discharge: the notification ends on {uk_date(decided)}; the RSO "
                         "leaves the notification lists.")
        notes.append(self.after_as_at(decided, "a decision"))
        return " ".join(n for n in notes if n)

    def operation(self, rso_id: RsoId) -> Operation:
        outcome = self.outcome
        if outcome is None:
            raise ValueError("Choose the outcome: continue the notification or discharge it.")
        reason = self.reason_edit.toPlainText().strip()
        if not reason:
            raise ValueError("Give the reason for the decision: it is recorded with it.")
        decided_on = self.date_edit.date().toPython()
        seen = self.seen_for(rso_id)
        return lambda engine, user: record_notification_review(
            engine, rso_id, outcome.value, decided_on, reason, user, seen=seen)
