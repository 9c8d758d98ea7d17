"""What a valid extract will add, change and leave, and its warnings, before anything is
written: the user reads it and presses Import, or Cancel. It says that an import cannot be undone.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableView, QVBoxLayout, QWidget

from ncpi_desktop.exchange.extract import TABLES
from ncpi_desktop.exchange.importer import ImportResult
from ncpi_desktop.formats import plural
from ncpi_desktop.ui.dialogs.import_parts import (
    DIALOG_STYLE,
    fit_rows,
    heading_label,
    issue_table,
    note_label,
    ordered_table,
)
from ncpi_desktop.ui.models.import_issues import COUNT_COLUMNS, counts_frame, issues_frame


class ImportSummaryDialog(QDialog):
    """What a valid extract will add, change and leave, and the warnings; Import or Cancel."""

    def __init__(self, result: ImportResult, database: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import extract")
        self.setStyleSheet(DIALOG_STYLE)
        self.result = result
        counts = result.counts.values()
        added = sum(c.added for c in counts)
        updated = sum(c.updated for c in counts)
        self.has_changes = bool(added or updated or result.holder_changes)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        if self.has_changes:
            heading = (f"{result.source} is ready to import: {plural(added, 'new row')}, "
                       f"{plural(updated, 'changed row')}")
        else:
            heading = f"{result.source} holds nothing new: the database already has every row"
        self.heading = heading_label(heading)
        layout.addWidget(self.heading)
        layout.addWidget(note_label(f"Checked against {database}: no errors. Nothing has "
                                    "been changed yet.", object_name="muted"))

        self._add_counts(layout, result)
        self._add_warnings(layout, result)

        self.undo_note = note_label(
            "An import cannot be undone with Edit › Undo. Importing writes every row at once "
            "and clears the undo history (Ctrl+Z will not reach changes made before it).",
            object_name="warningNote")
        layout.addWidget(self.undo_note)
        layout.addStretch(1)

        buttons = QDialogButtonBox(self)
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.import_button.setDefault(True)
        if not self.has_changes:
            self.import_button.setEnabled(False)
            self.cancel_button.setText("Close")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(900, self.sizeHint().height())

    def _add_counts(self, layout: QVBoxLayout, result: ImportResult) -> None:
        """Rows new, changed and unchanged per table, and who changes holder."""
        self.counts_model, self.counts_view = ordered_table(
            COUNT_COLUMNS, counts_frame(result), self, name="Rows new, changed and unchanged")
        self.counts_view.setSortingEnabled(False)
        self.counts_view.horizontalHeader().hideSection(self.counts_model.column_of("number"))
        self.counts_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        fit_rows(self.counts_view, len(TABLES))
        layout.addWidget(self.counts_view)

        changes = result.holder_changes
        self.holders_label = note_label(
            f"{plural(changes, 'RSO')} will change offender manager (or team pool); each change "
            "is recorded in the allocation history with the reason “import”." if changes else
            "No RSO changes offender manager.")
        layout.addWidget(self.holders_label)
        layout.addWidget(note_label(
            "Rows the database holds that the extract does not list are kept. Reassignments, "
            "reasons and decisions made in the application are kept.", object_name="muted"))

    def _add_warnings(self, layout: QVBoxLayout, result: ImportResult) -> None:
        """The warnings, if any: the import goes ahead without those rows or values."""
        self.warnings_view: QTableView | None = None
        if result.warnings:
            layout.addWidget(heading_label(f"{plural(len(result.warnings), 'warning')}: the "
                                           "import will go ahead without these"))
            self.warnings_model, self.warnings_view = issue_table(
                issues_frame(result.warnings), self, "Warnings")
            fit_rows(self.warnings_view, 8)
            layout.addWidget(self.warnings_view)
