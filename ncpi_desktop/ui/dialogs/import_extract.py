"""File > Import extract: check first, show what is wrong or what will change, then import.

The flow is two runs of the one headless ``import_extract``, each on a worker thread with a progress
dialog: a check (``check=True``, nothing written) and, once the user has read the summary and
pressed Import, the import itself. An extract with errors never gets past the first step: the
errors dialog lists every one (file, spreadsheet row, column, value, what was expected), and the
list can be copied or saved, so the person who produced the extract can correct it.

An import is not a named operation with an inverse: it cannot be undone, so the undo stack is
cleared after it (earlier commands would otherwise undo onto rows the import has replaced), and the
summary says so before anything is written.

This module is the flow; the two dialogs are ``import_errors`` and ``import_summary``, and the
frames they show are built in ``models.import_issues``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.domain.security import Operation as SecurityOperation
from ncpi_desktop.exchange.extract import ExtractUnusable, LimitExceeded
from ncpi_desktop.exchange.importer import ImportResult, import_extract
from ncpi_desktop.formats import plural
from ncpi_desktop.storage.database import DatabaseError
from ncpi_desktop.ui.core.permissions import why_not
from ncpi_desktop.ui.core.settings import last_folder, remember_folder
from ncpi_desktop.ui.core.workers import Cancel, Job, Progress, run_job
from ncpi_desktop.ui.dialogs.import_errors import ImportErrorsDialog
from ncpi_desktop.ui.dialogs.import_summary import ImportSummaryDialog
from ncpi_desktop.ui.models.import_issues import TABLE_LABELS, split_message

if TYPE_CHECKING:
    from ncpi_desktop.ui.core.context import AppContext

#: Imported from here by the tests (and ``import_extract``, which a test replaces here).
__all__ = ["EXPECTED", "ImportErrorsDialog", "ImportFlow", "ImportSummaryDialog",
           "import_extract", "split_message"]

EXTRACT_FILTER = ("Extracts: .zip, .xlsx, or any .csv file of an extract folder "
                  "(*.zip *.xlsx *.csv);;All files (*)")
#: Failures that are the input's or the database's, shown as a message rather than as a crash.
EXPECTED = (ExtractUnusable, OSError, SQLAlchemyError, DatabaseError)


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
        refused = why_not(context.user, SecurityOperation.IMPORT)
        if refused is not None:
            context.show_error("Not permitted", refused)
            return None
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
        if isinstance(error, LimitExceeded):
            title = "Extract over a limit"
        else:
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
            self._status(f"{result.source} not imported: {plural(result.error_count, 'error')}; "
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
