"""The File menu's exchange items: import an extract, save the templates, export a table, the
whole register, or the performance pack.

``ExchangeActions(context, before=quit_action)`` puts them in the File menu, before Quit.
Everything slow runs as a job of ``core.workers`` with a progress dialog, and every file is
written whole or not at all (``exports.table_export.write_atomically``).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ncpi_desktop.analysis.forecast import with_absences
from ncpi_desktop.domain.security import Operation
from ncpi_desktop.exchange.export import export_extract
from ncpi_desktop.exchange.pack import build_pack, pin_audit_head
from ncpi_desktop.exchange.templates import write_templates
from ncpi_desktop.formats import plural, uk_date
from ncpi_desktop.storage import audit
from ncpi_desktop.storage.allocations import absences
from ncpi_desktop.ui.core.context import AppContext, ShownScenario
from ncpi_desktop.ui.core.permissions import gate, show_tips, why_not
from ncpi_desktop.ui.core.settings import last_folder, remember_folder
from ncpi_desktop.ui.core.workers import Cancel, Job, Progress, run_job
from ncpi_desktop.ui.dialogs.import_extract import ImportFlow
from ncpi_desktop.ui.dialogs.pack_options import PackDialog
from ncpi_desktop.ui.exports.table_export import (
    EXPECTED,
    export_view,
    focused_table,
    inform,
    save_path,
    write_atomically,
)
from ncpi_desktop.ui.menus.scenario import PACK_CANCELLED, pack_scenario, record_pack_use

EXTRACT_ZIP = "Zip of CSV files (*.zip)"
EXTRACT_XLSX = "Excel workbook, a sheet per table (*.xlsx)"
EXTRACT_FOLDER = "Folder of CSV files (*)"


class ExchangeActions(QObject):
    """The File menu's import and export items of one window, and what they run."""

    def __init__(self, context: AppContext, *, before: QAction | None = None) -> None:
        """``before``: the File menu's item these go before (Quit; default: at the end)."""
        super().__init__(context)
        self._context = context
        self.import_flow = ImportFlow(context)
        self.job: Job | None = None
        self.pack_dialog: PackDialog | None = None
        self.last_message: QMessageBox | None = None

        def action(text: str, tip: str, slot: Any, shortcut: str | None = None) -> QAction:
            item = QAction(text, context.dialog_parent)
            item.setStatusTip(tip)
            if shortcut:
                item.setShortcut(QKeySequence(shortcut))
            item.triggered.connect(slot)
            return item

        self.import_action = action(
            "&Import extract…", "Check and import an extract: a .zip, an .xlsx workbook, or "
            "any CSV file of an extract folder", self.import_flow.choose_file, "Ctrl+I")
        self.import_folder_action = action(
            "Import extract &folder…", "Check and import a folder of extract CSV files",
            self.import_flow.choose_folder, "Ctrl+Shift+I")
        self.template_action = action(
            "Save extract &template…", "Save empty extract files with their headers and an "
            "example row", self.save_templates)
        self.export_table_action = action(
            "&Export table…", "Save the table you are looking at, as shown, to .xlsx or .csv",
            self.export_table, "Ctrl+E")
        self.export_extract_action = action(
            "Export e&xtract…", "Save the whole register in the import format",
            self.export_extract)
        self.pack_action = action(
            "Export &performance pack…", "The monthly performance pack as PDF or XLSX",
            self.export_pack, "Ctrl+P")

        menu = context.menu("File")
        show_tips(menu)
        for item in (self.import_action, self.import_folder_action, self.template_action):
            menu.insertAction(before, item)
        menu.insertSeparator(before)
        for item in (self.export_table_action, self.export_extract_action, self.pack_action):
            menu.insertAction(before, item)
        menu.insertSeparator(before)
        context.figures_changed.connect(self._update_enabled)
        context.user_changed.connect(self._update_enabled)
        self._update_enabled()

    def _update_enabled(self, *_args: object) -> None:
        """Each item needs what it works on and a user permitted to (the rule on hover)."""
        user = self._context.user
        has_database = self._context.engine is not None
        for item, operation in ((self.import_action, Operation.IMPORT),
                                (self.import_folder_action, Operation.IMPORT),
                                (self.export_extract_action, Operation.EXPORT_EXTRACT)):
            gate(item, user, operation, enabled=has_database)
        gate(self.export_table_action, user, Operation.EXPORT_TABLE)
        gate(self.pack_action, user, Operation.PACK, enabled=self._context.figures is not None)

    def _inform(self, title: str, text: str) -> None:
        self.last_message = inform(self._context.dialog_parent, title, text)

    # --- templates --------------------------------------------------------------------------

    def save_templates(self) -> None:
        context = self._context
        window = context.dialog_parent
        folder = QFileDialog.getExistingDirectory(window, "Save extract templates in",
                                                  last_folder("template"))
        if not folder:
            return
        target = Path(folder)
        from ncpi_desktop.exchange.extract import TABLES

        existing = [s.filename for s in TABLES.values() if (target / s.filename).exists()]
        if existing:
            answer = QMessageBox.question(
                window, "Save extract templates",
                f"{target} already holds {', '.join(existing)}. Replace "
                f"{'it' if len(existing) == 1 else 'them'} with empty templates?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            written = write_templates(target)
        except OSError as exc:
            context.show_error("Templates not saved", f"{exc.strerror or exc}: {target}")
            return
        remember_folder("template", target)
        names = ", ".join(p.name for p in written)
        context.show_status(f"Saved {len(written)} extract templates in {target}")
        self._inform("Extract templates saved",
                     f"Saved {len(written)} templates in {target}:\n{names}\n\nEach has the "
                     "header row and one example row: replace the example with your rows. "
                     "Only managers.csv and offenders.csv are required. Import the folder with "
                     "File › Import extract folder.")

    # --- a table ------------------------------------------------------------------------------

    def _refused(self, operation: Operation) -> bool:
        reason = why_not(self._context.user, operation)
        if reason is not None:
            self._context.show_error("Not permitted", reason)
        return reason is not None

    def export_table(self) -> None:
        if self._refused(Operation.EXPORT_TABLE):
            return
        view = focused_table(self._context.dialog_parent)
        if view is None:
            self._context.show_error("No table to export",
                                     "Click in a table first, then export it.")
            return
        self.job = export_view(view)

    # --- the register -----------------------------------------------------------------------

    def export_extract(self) -> None:
        context = self._context
        engine = context.engine
        if self._refused(Operation.EXPORT_EXTRACT):
            return
        if engine is None:
            context.show_error("No database", "Open a database first (File › Open database).")
            return
        default = f"Extract {context.as_at:%Y-%m-%d}"
        path = save_path(context.dialog_parent, "Export extract", "extract", default + ".zip",
                         [EXTRACT_ZIP, EXTRACT_XLSX, EXTRACT_FOLDER])
        if path is None:
            return
        folder = path.suffix.lower() not in (".zip", ".xlsx")
        if folder and path.exists() and not path.is_dir():
            context.show_error("Not exported", f"{path} is a file: choose a folder name, or a "
                                               ".zip or .xlsx file")
            return

        actor = context.actor

        def work(progress: Progress, cancel: Cancel) -> dict[str, int]:
            audit.record(engine, actor, "disclosure", "export extract",
                         audit.register_rso_ids(engine), {"file": path.name})
            if folder:
                return export_extract(engine, path, progress=progress)
            return write_atomically(path, lambda target: export_extract(
                engine, target, progress=progress))

        def done(rows: dict[str, int]) -> None:
            counts = ", ".join(f"{name} {count:,}" for name, count in rows.items())
            what = "folder" if folder else "file"
            context.show_status(f"Exported the register to {path}")
            self._inform("Extract exported",
                         f"The whole register is in the {what} {path}\n\nRows: {counts}.\n\n"
                         "It is in the import format: File › Import extract reads it back. "
                         "The allocation history, decisions and policy values are not part of "
                         "an extract.")

        self.job = run_job(context.dialog_parent, "Export extract", work, on_success=done,
                           expected=EXPECTED, label="Exporting the register…",
                           cancellable=not folder, cancel_at_progress=True)

    # --- the performance pack -----------------------------------------------------------------

    def export_pack(self) -> None:
        context = self._context
        if self._refused(Operation.PACK):
            return
        if context.figures is None:
            context.show_error("Nothing to report", "Open a database holding a register first.")
            return
        scenario = pack_scenario(context)  # a what-if scenario shown: its pack, or today's
        if scenario is PACK_CANCELLED:
            return
        start = last_folder("pack")
        mark = f" SCENARIO {scenario.name}" if isinstance(scenario, ShownScenario) else ""
        name = f"Performance pack {context.as_at:%Y-%m-%d}{mark}.pdf"
        path = Path(start) / name if start else Path.home() / name
        self.pack_dialog = PackDialog(context.as_at, path, context.dialog_parent)
        self.pack_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        gate(self.pack_dialog.names_box, context.user, Operation.PACK_WITH_NAMES)
        dialog = self.pack_dialog
        dialog.accepted.connect(lambda: self.write_pack(
            dialog.path, names=dialog.names,
            scenario=scenario if isinstance(scenario, ShownScenario) else None))
        dialog.open()

    def write_pack(self, path: Path, *, names: bool,
                   scenario: ShownScenario | None = None) -> Job | None:
        """Build the pack from the window's figures and write it to ``path`` (.pdf or .xlsx);
        with ``scenario``, from its figures, marked SCENARIO on every page, its use audited."""
        context = self._context
        figures = context.figures if scenario is None else scenario.figures
        engine = context.engine
        if figures is None or engine is None or self._refused(
                Operation.PACK_WITH_NAMES if names else Operation.PACK):
            return None
        remember_folder("pack", path.parent)
        actor, user = context.actor, context.user
        produced_at = datetime.now().replace(second=0, microsecond=0)
        pdf = path.suffix.lower() == ".pdf"

        def work(progress: Progress, cancel: Cancel) -> int | None:
            progress(0, 0, "Gathering the figures")
            pack = build_pack(with_absences(figures, absences(engine)), produced_by=actor,
                              produced_at=produced_at, names=names)
            if scenario is not None:  # marked on every page and sheet, its use audited
                pack = dataclasses.replace(pack, scenario=scenario.name)
                record_pack_use(engine, scenario, user, path)
            pack = pin_audit_head(engine, pack, actor, path)  # its disclosure row, then the head
            if pdf:
                from ncpi_desktop.ui.exports.pack_pdf import write_pack_pdf

                return write_atomically(path, lambda target: write_pack_pdf(pack, target,
                                                                            progress))
            progress(0, 0, "Writing the workbook")
            from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx  # openpyxl: when used

            write_atomically(path, lambda target: write_pack_xlsx(pack, target))
            return None

        def done(pages: int | None) -> None:
            size = f" ({plural(pages, 'page')})" if pages else ""
            who = ("It includes RSO names: keep and send it as personal data." if names else
                   "RSOs appear by id only.")
            context.show_status(f"Performance pack written to {path}")
            what = f"what-if scenario “{scenario.name}”'s " if scenario else ""
            self._inform("Performance pack written",
                         f"The {what}performance pack as at "
                         f"{uk_date(figures.snapshot.as_at)} is in\n{path}{size}.\n\n{who}")

        self.job = run_job(context.dialog_parent, "Export performance pack", work,
                           on_success=done, on_cancel=lambda: context.show_status(
                               "Performance pack cancelled: nothing was written."),
                           expected=EXPECTED, label="Building the performance pack…",
                           cancel_at_progress=True)
        return self.job
