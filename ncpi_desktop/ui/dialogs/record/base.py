"""What every Record dialog shares: the RSO the record is for (with who they are as at the
window's date), the fields a subclass adds, a hint, the refusal in words, Record and Cancel.

Each dialog only collects what the user says; the write is the named operation in
``storage.operations`` run through ``AppContext.apply``, so it is validated, one transaction,
audited, undoable (Ctrl+Z) and every page is refreshed. A refused operation (a reactive decision
for an RSO who does not meet the criteria, say) leaves the dialog open with the reason in it.
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.domain.ids import RsoId
from ncpi_desktop.formats import QT_DATE_FORMAT, uk_date
from ncpi_desktop.storage.operations import Change
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import Operation
from ncpi_desktop.ui.models.seen import seen_versions
from ncpi_desktop.ui.widgets.as_at import qdate

if TYPE_CHECKING:
    from ncpi_desktop.ui.core.context import AppContext


DIALOG_STYLE = f"""
QLabel#errorBox {{
    background: {style.WARNING_BACKGROUND};
    color: {style.WARNING_FOREGROUND};
    border: 1px solid {style.WARNING_FOREGROUND};
    border-radius: 4px;
    padding: 8px;
}}
QLabel#rsoTitle {{ font-weight: 600; }}
"""


def date_edit(value: date, maximum: date | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setDisplayFormat(QT_DATE_FORMAT)
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

    def __init__(self, context: AppContext, rso_id: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent or context.dialog_parent)
        self.context = context
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
        """The named operation recording what the dialog says (passing ``seen_for(rso_id)``)."""
        raise NotImplementedError

    def seen_for(self, rso_id: str) -> dict[str, int] | None:
        """The RSO's version as the window's figures show it: the record is refused
        (``StaleWrite``) if someone changed the RSO since (None: nothing shown, not checked)."""
        figures = self.context.figures
        return seen_versions(figures.rsos if figures is not None else None, [rso_id])

    def hint(self) -> str:
        """What the user should know about the values as they stand (policy, as-at date)."""
        return ""

    # --- shared -----------------------------------------------------------------------------

    @property
    def policy(self):  # noqa: ANN201 - the window's Policy
        return self.context.policy

    @property
    def rso_id(self) -> str:
        return self.rso_edit.text().strip()

    def rso_row(self) -> pd.Series | None:
        """The RSO's row of the window's figures (None: unknown at the as-at date)."""
        figures = self.context.figures
        if figures is None or not self.rso_id:
            return None
        rsos = figures.rsos
        hits = (rsos["rso_id"].to_numpy(object) == self.rso_id).nonzero()[0]
        return rsos.iloc[int(hits[0])] if len(hits) else None

    def _on_rso_changed(self, _text: str) -> None:
        row = self.rso_row()
        if row is None:
            self.rso_label.setText("" if not self.rso_id else
                                   f"Not on the register as at {uk_date(self.context.as_at)}")
        else:
            holder = row["manager_name"] if pd.notna(row["manager_name"]) else \
                "no named manager"
            team = f", {row['team']}" if pd.notna(row["team"]) else ""
            risk = str(row["risk_level"]).replace("_", " ") if pd.notna(row["risk_level"]) \
                else "no risk level"
            name = f"{row['family_name']}, {row['given_names']} · " if pd.notna(
                row["family_name"]) else ""  # none for an RSO the user may see by id only
            self.rso_label.setText(
                f"{name}{risk} risk · {row['status']} · "
                f"{row['management']} management · {holder}{team}")
        self._update_hint()

    def _update_hint(self, *_args: object) -> None:
        text = self.hint()
        self.hint_label.setText(text)
        self.hint_label.setVisible(bool(text))

    def after_as_at(self, value: date, what: str) -> str:
        """A note when ``value`` is after the date the window shows."""
        as_at = self.context.as_at
        if value <= as_at:
            return ""
        return (f"The window shows the register as at {uk_date(as_at)}: {what} on "
                f"{uk_date(value)} will show once the as-at date is on or after it.")

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
        change = self.context.apply(operation,
                                    on_refused=lambda _title, message: self.show_error(message))
        if change is None:
            return
        self.change = change
        self.context.show_status(f"Recorded: {change.summary} (Ctrl+Z undoes it)", 8000)
        super().accept()
