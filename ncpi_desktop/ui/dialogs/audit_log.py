"""Manage › Audit log (administrators and managers, SECURITY.md "The audit log"): the log's rows
filtered by user, RSO, kind and date, whether its chain is intact, and an export.

Rows come from the ``AuditService`` handed in (``storage.audit.entries``, the same rows as
``ncpi-desktop audit list --json``), shown through the one table model over a frame. Verify asks
``storage.audit.verify``: "Intact: N rows, head <hash>" or "Broken at row N: why". Export writes
what the table shows through the table export (``ui.exports.table_export``: owner-only files,
through ``exchange``'s writers).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.formats import DATE_FORMAT, Kind, plural
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import one_line
from ncpi_desktop.ui.core.session import REFUSALS, AuditService, ChainBroken
from ncpi_desktop.ui.exports.table_export import export_view
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.accessible import action_button
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

AUDIT_COLUMNS = [
    Column("id", "Row", Kind.INT),
    Column("at", "When (UTC)", Kind.DATETIME),
    Column("actor", "User"),
    Column("kind", "Kind", Kind.LABEL),
    Column("action", "Action"),
    Column("rso_text", "RSOs", text_tip=True),
    Column("detail_text", "Detail", text_tip=True),
]
ANY_KIND = "Any kind"


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def entries_frame(entries: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as the table shows them: newest first, RSO ids and details as text."""
    frame = pd.DataFrame(entries, columns=["id", "at", "actor", "kind", "action", "rso_ids",
                                           "detail"])
    at = pd.to_datetime(frame["at"], utc=True, errors="coerce", format="mixed")
    frame["at"] = at.dt.tz_convert(None)
    frame["rso_text"] = [", ".join(map(str, ids)) if isinstance(ids, list | tuple)
                         else _text(ids) for ids in frame["rso_ids"]]
    frame["detail_text"] = [_text(d) for d in frame["detail"]]
    return frame.sort_values("id", ascending=False, kind="stable").reset_index(drop=True)


def parse_day(text: str) -> date | None:
    """A DD/MM/YYYY date typed in a filter (None: blank); ValueError saying what is expected."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, DATE_FORMAT).date()
    except ValueError:
        raise ValueError(f"{text!r} is not a date: type it as DD/MM/YYYY") from None


class AuditLogDialog(QDialog):
    """The audit log through ``service``; Verify and Export unless a refusal says why not."""

    def __init__(self, service: AuditService, *, verify_refusal: str = "",
                 export_refusal: str = "", export: Callable[[QTableView], object] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit log")
        self.setAccessibleName("Audit log")
        self.setStyleSheet(style.PAGE_STYLE)
        self.resize(1200, 660)
        self._service = service
        self._export = export or (lambda view: export_view(view, name="Audit log"))
        self.user_edit = self._edit("User", "any user")
        self.rso_edit = self._edit("RSO", "any RSO, e.g. R1204")
        self.kind_combo = QComboBox(self)
        self.kind_combo.setAccessibleName("Kind")
        self.kind_combo.addItems([ANY_KIND, *service.kinds])
        self.since_edit = self._edit("Since", "DD/MM/YYYY")
        self.show_button = action_button(self, "&Show", "Show the rows", self.refresh)
        self.verify_button = action_button(self, "&Verify", "Verify the chain", self.verify)
        self.export_button = action_button(self, "&Export…", "Export the rows shown", self.export)
        for button, why_not in ((self.verify_button, verify_refusal),
                                (self.export_button, export_refusal)):
            button.setEnabled(not why_not)
            if why_not:
                button.setToolTip(why_not)
        self.model = DataFrameTableModel(AUDIT_COLUMNS, parent=self)
        self.view = data_table(self.model, self)
        self.view.setAccessibleName("Audit log rows")
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.count = QLabel("", self)
        self.count.setAccessibleName("Rows shown")
        self.verdict = QLabel("", self)
        self.verdict.setAccessibleName("Whether the chain is intact")
        self.verdict.setWordWrap(True)
        self.message = QLabel("", self)
        self.message.setAccessibleName("Why the rows could not be shown")
        self.message.setStyleSheet(f"color: {style.WARNING_FOREGROUND}; font-weight: 600;")
        self._layout()
        self.refresh()

    def _edit(self, name: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        edit.setMaximumWidth(180)
        edit.returnPressed.connect(self.refresh)
        return edit

    def _layout(self) -> None:
        filters = QHBoxLayout()
        for label, widget in (("&User", self.user_edit), ("&RSO", self.rso_edit),
                              ("&Kind", self.kind_combo), ("S&ince", self.since_edit)):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget)
        filters.addWidget(self.show_button)
        filters.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.count)
        actions.addStretch(1)
        actions.addWidget(self.verify_button)
        actions.addWidget(self.export_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        layout.addWidget(self.verdict)
        layout.addWidget(buttons)

    def filters(self) -> dict[str, Any]:
        """The filters as ``entries`` takes them (ValueError: a date that is not one)."""
        kind = self.kind_combo.currentText()
        return {"rso": self.rso_edit.text().strip() or None,
                "actor": self.user_edit.text().strip() or None,
                "kind": None if kind == ANY_KIND else kind,
                "since": parse_day(self.since_edit.text())}

    def refresh(self) -> bool:
        """Show the rows the filters select (a bad filter or a refusal is said once)."""
        try:
            rows = self._service.entries(**self.filters())
        except REFUSALS as refused:
            self.message.setText(one_line(refused))
            self.message.show()
            return False
        self.message.clear()
        self.message.hide()
        self.model.set_frame(entries_frame(rows))
        fit_columns(self.view)
        self.count.setText(f"{plural(len(rows), 'row')} shown, newest first")
        return True

    def verify(self) -> bool:
        """Check the whole chain; say whether it is intact, or the first row that breaks it."""
        try:
            verified = self._service.verify()
        except ChainBroken as broken:
            row = getattr(broken, "row_id", "?")
            why = getattr(broken, "why", "") or one_line(broken)
            self._verdict(f"Broken at row {row}: {why}", ok=False)
            return False
        except REFUSALS as refused:
            self._verdict(one_line(refused), ok=False)
            return False
        self._verdict(f"Intact: {plural(verified.rows, 'row')}, head {verified.head}", ok=True)
        return True

    def _verdict(self, text: str, *, ok: bool) -> None:
        colour = style.CARD_TEXT if ok else style.WARNING_FOREGROUND
        self.verdict.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.verdict.setText(text)

    def export(self) -> object:
        """Write the rows shown (a file chosen by the user; owner-only)."""
        return self._export(self.view)
