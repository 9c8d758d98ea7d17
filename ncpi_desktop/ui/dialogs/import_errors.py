"""The errors of an extract that was not imported: every one (file, spreadsheet row, column,
value, what was expected), and the warnings after them, in a list the user can copy or save for
whoever produced the extract to correct it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout, QWidget

from ncpi_desktop.exchange.importer import ImportResult
from ncpi_desktop.formats import plural
from ncpi_desktop.ui.dialogs.import_parts import (
    DIALOG_STYLE,
    heading_label,
    issue_table,
    note_label,
)
from ncpi_desktop.ui.models.import_issues import issues_frame, table_text


class ImportErrorsDialog(QDialog):
    """Every error (and warning) of an extract that was not imported."""

    def __init__(self, result: ImportResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Extract not imported")
        self.setStyleSheet(DIALOG_STYLE)
        self.result = result
        errors, warnings = result.error_count, len(result.warnings)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.heading = heading_label(
            f"{result.source} was not imported: {plural(errors, 'error')} to correct")
        layout.addWidget(self.heading)
        layout.addWidget(note_label(
            "Nothing in the database has been changed. Correct every row listed below in the "
            "extract (or ask whoever produced it to), then import it again. Rows are numbered "
            "as a spreadsheet shows them: the header is row 1, the first record row 2.",
            object_name="infoNote"))
        if warnings:
            layout.addWidget(note_label(
                f"{plural(warnings, 'warning')} at the end of the list would not stop an "
                "import: they say what would be ignored.", object_name="muted"))
        self.model, self.view = issue_table(issues_frame(result.errors + result.warnings),
                                            self, "Errors to correct")
        layout.addWidget(self.view, 1)

        buttons = QDialogButtonBox(self)
        self.copy_button = QPushButton("Copy list")
        self.copy_button.setToolTip("Copy every row of the list, to paste into a spreadsheet or "
                                    "an e-mail (Ctrl+C copies the selected rows)")
        self.save_button = QPushButton("Save list…")
        self.save_button.setToolTip("Save the list as it is shown, to an .xlsx or .csv file")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self._on_copy)
        self.save_button.clicked.connect(self._on_save)
        layout.addWidget(buttons)
        self.resize(1180, 600)

    def _on_copy(self) -> None:
        QGuiApplication.clipboard().setText(table_text(self.model))

    def _on_save(self) -> None:
        from ncpi_desktop.ui.exports.table_export import export_view

        export_view(self.view, name=f"Import errors {Path(self.result.source).stem}")
