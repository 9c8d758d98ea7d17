"""File > Import extract: check first, show what is wrong or what will change, then import.

The flow is two runs of the one headless ``import_extract``, each on a worker thread with a progress
dialog: a check (``check=True``, nothing written) and, once the user has read the summary and
pressed Import, the import itself. An extract with errors never gets past the first step: the
errors dialog lists every one (file, spreadsheet row, column, value, what was expected), and the
list can be copied or saved, so the person who produced the extract can correct it.

An import is not a named operation with an inverse: it cannot be undone, so the undo stack is
cleared after it (earlier commands would otherwise undo onto rows the import has replaced), and the
summary says so before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.exchange.extract import TABLES, WARNING, ExtractUnusable, ImportIssue, quote
from ncpi_desktop.exchange.importer import ImportResult, import_extract
from ncpi_desktop.formats import Kind, format_value
from ncpi_desktop.storage.database import DatabaseError
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.settings import last_folder, remember_folder
from ncpi_desktop.ui.core.workers import Cancel, Job, Progress, run_job
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

if TYPE_CHECKING:
    from ncpi_desktop.ui.core.context import AppContext

EXTRACT_FILTER = ("Extracts: .zip, .xlsx, or any .csv file of an extract folder "
                  "(*.zip *.xlsx *.csv);;All files (*)")
#: What the user calls each table of the extract.
TABLE_LABELS = {
    "managers": "Offender managers",
    "offenders": "RSOs",
    "visits": "Home visits",
    "arms": "ARMS assessments",
    "orders": "Civil orders",
}
#: Failures that are the input's or the database's, shown as a message rather than as a crash.
EXPECTED = (ExtractUnusable, OSError, SQLAlchemyError, DatabaseError)

ISSUE_COLUMNS = [
    Column("number", "#", Kind.INT, header_tip="Errors first, in the order of the extract"),
    Column("severity", "Type", Kind.LABEL, order=("error", WARNING)),
    Column("file", "File or sheet"),
    Column("row", "Row", Kind.INT, header_tip="The row as a spreadsheet shows it: the header "
                                              "is row 1, the first record row 2"),
    Column("column", "Column"),
    Column("value", "Value", text_tip=True),
    Column("problem", "Problem", text_tip=True),
    Column("expected", "Expected", text_tip=True),
]
COUNT_COLUMNS = [
    Column("number", "#", Kind.INT),
    Column("label", "Table"),
    Column("file", "File or sheet"),
    Column("rows", "Rows in the extract", Kind.INT),
    Column("added", "New", Kind.INT, header_tip="Rows whose id the database does not hold yet"),
    Column("updated", "Changed", Kind.INT,
           header_tip="Rows whose id the database holds, with some value different"),
    Column("unchanged", "Unchanged", Kind.INT,
           header_tip="Rows exactly as the database already holds them"),
    Column("note", "Note"),
]

_ISO_DATE = re.compile(r"\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b")
_EXPECTED_PART = re.compile(r"^(?P<problem>.*?) \(expected (?P<expected>.*)\)(?P<tail>[^()]*)$",
                            re.DOTALL)


def split_message(message: str) -> tuple[str, str]:
    """(problem, expected) of an issue's message "is not a date (expected YYYY-MM-DD …)"."""
    match = _EXPECTED_PART.match(message)
    if match is None:
        return uk_dates_in_text(message), ""
    return (uk_dates_in_text(match["problem"] + match["tail"]),
            uk_dates_in_text(match["expected"]))


def uk_dates_in_text(text: str) -> str:
    """Dates the messages write as YYYY-MM-DD, written DD/MM/YYYY as everywhere on screen."""
    return _ISO_DATE.sub(r"\3/\2/\1", text)


def shown_value(value: str | None) -> str:
    """A value as a table cell shows it: line breaks and control characters escaped."""
    if value is None:
        return ""
    if any(ord(ch) < 32 or ch == "\x7f" for ch in value):
        return quote(value)
    return value


def issues_frame(issues: Sequence[ImportIssue]) -> pd.DataFrame:
    """One row per issue, errors first, in the extract's order within each."""
    ordered = sorted(issues, key=lambda i: i.severity == WARNING)
    parts = [split_message(i.message) for i in ordered]
    return pd.DataFrame({
        "number": pd.Series(range(1, len(ordered) + 1), dtype="int64"),
        "severity": pd.Series([i.severity for i in ordered], dtype=object),
        "file": pd.Series([i.file for i in ordered], dtype=object),
        "row": pd.array([i.row for i in ordered], dtype="Int64"),
        "column": pd.Series([i.column or "" for i in ordered], dtype=object),
        "value": pd.Series([shown_value(i.value) for i in ordered], dtype=object),
        "problem": pd.Series([p for p, _ in parts], dtype=object),
        "expected": pd.Series([e for _, e in parts], dtype=object),
    })


def counts_frame(result: ImportResult) -> pd.DataFrame:
    """Per table of the extract format: rows in the extract, new, changed, unchanged."""
    rows = []
    workbook = result.source.lower().endswith((".xlsx", ".xlsm"))
    for name, spec in TABLES.items():
        counts = result.counts.get(name)
        row = {"number": len(rows) + 1, "label": TABLE_LABELS.get(name, name),
               "file": name if workbook else spec.filename}
        if counts is None:
            row.update(rows=None, added=None, updated=None, unchanged=None,
                       note="Not in the extract: left as it is")
        else:
            row.update(rows=counts.total, added=counts.added, updated=counts.updated,
                       unchanged=counts.unchanged, note="")
        rows.append(row)
    frame = pd.DataFrame(rows)
    for key in ("rows", "added", "updated", "unchanged"):
        frame[key] = frame[key].astype("Int64")
    return frame


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def table_text(model: DataFrameTableModel, rows: Sequence[int] | None = None) -> str:
    """Rows of a table as the user sees them, tab separated with a header line (for pasting into
    a spreadsheet or an e-mail)."""
    columns = model.columns
    lines = ["\t".join(c.header for c in columns)]
    frame = model.frame
    positions = range(len(frame)) if rows is None else rows
    arrays = [frame[c.key].to_numpy() if c.key in frame else None for c in columns]
    for row in positions:
        cells = [format_value(c.kind, a[row]) if a is not None else ""
                 for c, a in zip(columns, arrays, strict=True)]
        lines.append("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in cells))
    return "\n".join(lines) + "\n"


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _note(text: str, *, object_name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if object_name:
        label.setObjectName(object_name)
    return label


DIALOG_STYLE = style.PAGE_STYLE + f"""
QLabel#warningNote {{
    background: {style.WARNING_BACKGROUND};
    color: {style.WARNING_FOREGROUND};
    border-radius: 4px;
    padding: 6px 8px;
}}
QLabel#infoNote {{
    background: {style.CARD_BACKGROUND};
    border: 1px solid {style.CARD_BORDER};
    border-radius: 4px;
    padding: 6px 8px;
}}
"""


def _ordered_table(columns: list[Column], frame: pd.DataFrame, parent: QWidget
                   ) -> tuple[DataFrameTableModel, QTableView]:
    """A table in the frame's own order (its "number" column), not by its first column."""
    model = DataFrameTableModel(columns, frame, parent)
    view = data_table(model, parent)
    view.sortByColumn(model.column_of("number"), Qt.SortOrder.AscendingOrder)
    fit_columns(view)
    return model, view


def _fit_rows(view: QTableView, most: int) -> None:
    """Make ``view`` as tall as its rows (at most ``most``; it scrolls beyond)."""
    rows = min(view.model().rowCount(), most)
    view.setFixedHeight(view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
                        + rows * view.verticalHeader().defaultSectionSize() + 2)


def _issue_table(frame: pd.DataFrame, parent: QWidget) -> tuple[DataFrameTableModel, QTableView]:
    model, view = _ordered_table(ISSUE_COLUMNS, frame, parent)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    copy = QShortcut(QKeySequence.StandardKey.Copy, view)
    copy.setContext(Qt.ShortcutContext.WidgetShortcut)
    copy.activated.connect(lambda: _copy_selected(view, model))
    return model, view


def _copy_selected(view: QTableView, model: DataFrameTableModel) -> None:
    rows = sorted({index.row() for index in view.selectionModel().selectedRows()})
    QGuiApplication.clipboard().setText(table_text(model, rows or None))


class ImportErrorsDialog(QDialog):
    """Every error (and warning) of an extract that was not imported."""

    def __init__(self, result: ImportResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Extract not imported")
        self.setStyleSheet(DIALOG_STYLE)
        self.result = result
        errors, warnings = len(result.errors), len(result.warnings)
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.heading = _heading(
            f"{result.source} was not imported: {plural(errors, 'error')} to correct")
        layout.addWidget(self.heading)
        layout.addWidget(_note(
            "Nothing in the database has been changed. Correct every row listed below in the "
            "extract (or ask whoever produced it to), then import it again. Rows are numbered "
            "as a spreadsheet shows them: the header is row 1, the first record row 2.",
            object_name="infoNote"))
        if warnings:
            layout.addWidget(_note(
                f"{plural(warnings, 'warning')} at the end of the list would not stop an "
                "import: they say what would be ignored.", object_name="muted"))
        self.model, self.view = _issue_table(issues_frame(result.errors + result.warnings),
                                             self)
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
        self.heading = _heading(heading)
        layout.addWidget(self.heading)
        layout.addWidget(_note(f"Checked against {database}: no errors. Nothing has been "
                               "changed yet.", object_name="muted"))

        self._add_counts(layout, result)
        self._add_warnings(layout, result)

        self.undo_note = _note(
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
        self.counts_model, self.counts_view = _ordered_table(COUNT_COLUMNS,
                                                             counts_frame(result), self)
        self.counts_view.setSortingEnabled(False)
        self.counts_view.horizontalHeader().hideSection(self.counts_model.column_of("number"))
        self.counts_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        _fit_rows(self.counts_view, len(TABLES))
        layout.addWidget(self.counts_view)

        changes = result.holder_changes
        self.holders_label = _note(
            f"{plural(changes, 'RSO')} will change offender manager (or team pool); each change "
            "is recorded in the allocation history with the reason “import”." if changes else
            "No RSO changes offender manager.")
        layout.addWidget(self.holders_label)
        layout.addWidget(_note(
            "Rows the database holds that the extract does not list are kept. Reassignments, "
            "reasons and decisions made in the application are kept.", object_name="muted"))

    def _add_warnings(self, layout: QVBoxLayout, result: ImportResult) -> None:
        """The warnings, if any: the import goes ahead without those rows or values."""
        self.warnings_view: QTableView | None = None
        if result.warnings:
            layout.addWidget(_heading(f"{plural(len(result.warnings), 'warning')}: the import "
                                      "will go ahead without these"))
            self.warnings_model, self.warnings_view = _issue_table(
                issues_frame(result.warnings), self)
            _fit_rows(self.warnings_view, 8)
            layout.addWidget(self.warnings_view)


class ImportFlow(QObject):
    """Choose an extract, check it, show errors or the summary, import, refresh the window."""

    #: The check has finished: its ``ImportResult`` (errors, or the counts it would write).
    checked = Signal(object)
    #: The import has finished: its ``ImportResult`` (``written`` when committed).
    imported = Signal(object)
    #: The run ended without a result (cancelled, or the input could not be read).
    stopped = Signal(str)

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self._context = context
        self.job: Job | None = None
        self.errors_dialog: ImportErrorsDialog | None = None
        self.summary_dialog: ImportSummaryDialog | None = None
        self._path: Path | None = None

    # --- choosing --------------------------------------------------------------------------

    def choose_file(self) -> None:
        """A .zip, an .xlsx, or any CSV of an extract folder (which imports the whole folder)."""
        path, _ = QFileDialog.getOpenFileName(self._context.dialog_parent, "Import extract",
                                              last_folder("import"), EXTRACT_FILTER)
        if path:
            chosen = Path(path)
            self.start(chosen.parent if chosen.suffix.lower() == ".csv" else chosen)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self._context.dialog_parent,
                                                  "Import extract folder", last_folder("import"))
        if folder:
            self.start(Path(folder))

    # --- running -----------------------------------------------------------------------------

    def start(self, path: Path) -> Job | None:
        """Check the extract at ``path``; the errors or the summary follow."""
        context = self._context
        engine = context.engine
        if engine is None:
            context.show_error("No database", "Open a database first (File › Open database).")
            return None
        remember_folder("import", path if path.is_dir() else path.parent)
        self._path = path
        actor = context.actor

        def work(progress: Progress, cancel: Cancel) -> ImportResult:
            return import_extract(engine, path, actor=actor, check=True, progress=progress,
                                  cancel=cancel)

        self.job = run_job(context.dialog_parent, "Checking the extract", work,
                           on_success=self._on_checked, on_failure=self._on_failure,
                           expected=EXPECTED,
                           label=f"Checking {path.name}…")
        return self.job

    def _on_failure(self, error: BaseException) -> None:
        title = "Not an extract" if isinstance(error, ExtractUnusable) else "Cannot import"
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if isinstance(error, OSError) and error.strerror:
            text = f"{error.strerror}: {error.filename}" if error.filename else error.strerror
        self._context.show_error(title, text)
        self.stopped.emit(text)

    def _on_checked(self, result: ImportResult) -> None:
        if result.cancelled:
            self._status("Import cancelled: nothing was changed.")
            self.stopped.emit("cancelled")
            return
        if result.errors:
            self.errors_dialog = ImportErrorsDialog(result, self._context.dialog_parent)
            self.errors_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.errors_dialog.open()
            self._status(f"{result.source} not imported: {plural(len(result.errors), 'error')}; "
                         "nothing was changed.")
        else:
            self.summary_dialog = ImportSummaryDialog(result, self._context.location or
                                                      "the database", self._context.dialog_parent)
            self.summary_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.summary_dialog.accepted.connect(self._on_confirmed)
            self.summary_dialog.open()
        self.checked.emit(result)

    def _on_confirmed(self) -> None:
        context = self._context
        engine, path = context.engine, self._path
        if engine is None or path is None:
            return
        actor = context.actor

        def work(progress: Progress, cancel: Cancel) -> ImportResult:
            return import_extract(engine, path, actor=actor, progress=progress, cancel=cancel)

        self.job = run_job(context.dialog_parent, "Importing the extract", work,
                           on_success=self._on_imported, on_failure=self._on_failure,
                           expected=EXPECTED,
                           label=f"Importing {path.name}…")

    def _on_imported(self, result: ImportResult) -> None:
        context = self._context
        if result.written:
            context.undo_stack.clear()
            context.reload()
            parts = [f"{TABLE_LABELS.get(n, n)} {c.added:,} new, {c.updated:,} changed"
                     for n, c in result.counts.items() if c.added or c.updated]
            parts.append(plural(result.holder_changes, "change of manager",
                                "changes of manager"))
            self._status(f"Imported {result.source}: " + "; ".join(parts)
                         + ". Undo history cleared.")
        elif result.cancelled:
            self._status("Import cancelled: nothing was changed.")
        elif result.errors:  # the extract or the database changed since the check
            self.errors_dialog = ImportErrorsDialog(result, context.dialog_parent)
            self.errors_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.errors_dialog.open()
        self.imported.emit(result)

    def _status(self, text: str) -> None:
        self._context.show_status(text)
