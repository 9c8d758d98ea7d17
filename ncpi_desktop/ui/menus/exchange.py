"""The File menu's exchange items: import an extract, save the templates, export a table, the
whole register, or the performance pack.

``install(window)`` adds them to the main window's File menu (before Quit). Everything slow runs
through ``ui.workers`` with a progress dialog; everything written goes to a temporary file beside
the target first and is moved into place when complete, so a failed or cancelled export never
leaves half a file where the user asked for one.

``export_view`` is also what a table's context menu calls (``ui.tables``): it writes exactly what
the view shows, in its order, with its visible columns under the headers the user reads.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.exchange.export import ExportError, export_extract, export_frame
from ncpi_desktop.exchange.pack import MARKING, build_pack
from ncpi_desktop.exchange.templates import write_templates
from ncpi_desktop.ui.core.workers import Cancel, Job, Progress, run_job
from ncpi_desktop.ui.dialogs.import_extract import (
    DIALOG_STYLE,
    ImportFlow,
    last_folder,
    plural,
    remember_folder,
)
from ncpi_desktop.ui.models.table_model import (
    HORIZONTAL,
    Column,
    DataFrameTableModel,
    Kind,
    format_value,
)

if TYPE_CHECKING:
    from ncpi_desktop.ui.main_window import MainWindow

XLSX = "Excel workbook (*.xlsx)"
CSV = "CSV file (*.csv)"
EXTRACT_ZIP = "Zip of CSV files (*.zip)"
EXTRACT_XLSX = "Excel workbook, a sheet per table (*.xlsx)"
EXTRACT_FOLDER = "Folder of CSV files (*)"
PDF = "PDF document (*.pdf)"
#: Failures that are the target's or the database's: shown as a message, never as a crash.
EXPECTED = (ExportError, OSError, SQLAlchemyError)


def uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- a table as shown -----------------------------------------------------------------------

def shown_columns(view: QTableView) -> list[int]:
    """The model columns the view shows, in the order the user sees them (moved, not hidden)."""
    header = view.horizontalHeader()
    logical = [header.logicalIndex(visual) for visual in range(header.count())]
    return [i for i in logical if i >= 0 and not header.isSectionHidden(i)]


def view_frame(view: QTableView) -> tuple[pd.DataFrame, dict[str, str]]:
    """The rows and columns ``view`` shows, and the header of each column, ready for
    ``export_frame``. Values stay typed (numbers, dates) so a spreadsheet can compute with them;
    codes shown as words ("very_high" as "Very high") are written as shown."""
    model = view.model()
    if not isinstance(model, DataFrameTableModel):
        raise ExportError("This table cannot be exported")
    frame = model.frame
    columns: list[Column] = model.columns
    data: dict[str, Any] = {}
    headers: dict[str, str] = {}
    for number, index in enumerate(shown_columns(view)):
        column = columns[index]
        if column.key in frame:
            values = frame[column.key].reset_index(drop=True)
        else:
            values = pd.Series([None] * len(frame), dtype=object)
        if column.kind == Kind.LABEL:
            values = pd.Series([format_value(Kind.LABEL, v) for v in values], dtype=object)
        key = f"c{number}"
        data[key] = values
        headers[key] = str(model.headerData(index, HORIZONTAL) or column.header)
    return pd.DataFrame(data, index=pd.RangeIndex(len(frame))), headers


def _main_window(widget: QWidget | None) -> QMainWindow | None:
    while widget is not None:
        if isinstance(widget, QMainWindow):
            return widget
        widget = widget.parentWidget()
    return None


def _as_at(widget: QWidget | None) -> date:
    window = _main_window(widget)
    value = getattr(window, "as_at", None)
    return value if isinstance(value, date) else date.today()


def _safe_name(text: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in " -_." else " " for ch in text)
    return " ".join(kept.split()) or "Export"


def _page_title(view: QTableView) -> str:
    window = _main_window(view)
    tabs = getattr(window, "tabs", None)
    if tabs is not None:
        page = tabs.currentWidget()
        if page is not None and page.isAncestorOf(view):
            return str(getattr(page, "title", "") or "")
    return ""


def export_view(view: QTableView, *, name: str | None = None) -> Job | None:
    """Ask where, then write what ``view`` shows to CSV or XLSX on a worker thread."""
    parent = view.window()
    name = name or view.accessibleName() or _page_title(view) or "Table"
    default = f"{_safe_name(name)} {_as_at(view):%Y-%m-%d}.xlsx"
    path = save_path(parent, "Export table", "table", default, [XLSX, CSV])
    if path is None:
        return None
    try:
        frame, headers = view_frame(view)
    except ExportError as exc:
        _warn(parent, "Not exported", str(exc))
        return None
    rows = len(frame)

    def work(progress: Progress, cancel: Cancel) -> int:
        progress(0, 0, f"Writing {plural(rows, 'row')} to {path.name}")
        return write_atomically(path, lambda target: export_frame(
            frame, headers, target, sheet=_safe_name(name)[:31]))

    def done(written: int) -> None:
        report(parent, f"Exported {plural(written, 'row')} to {path}")

    return run_job(parent, "Export table", work, on_success=done, expected=EXPECTED,
                   label=f"Writing {path.name}…")


def focused_table(window: QMainWindow) -> QTableView | None:
    """The table that has (or last had) the keyboard focus in ``window``; otherwise the first
    table of the current page."""
    widget = window.focusWidget()
    while widget is not None:
        if isinstance(widget, QTableView) and isinstance(widget.model(), DataFrameTableModel) \
                and widget.isVisibleTo(window):
            return widget
        widget = widget.parentWidget()
    tabs = getattr(window, "tabs", None)
    page = tabs.currentWidget() if tabs is not None else window.centralWidget()
    if page is None:
        return None
    # The first table in tab order: the one a keyboard user reaches first, the page's main one.
    widget = page.nextInFocusChain()
    while widget is not None and widget is not page:
        if isinstance(widget, QTableView) and isinstance(widget.model(), DataFrameTableModel) \
                and page.isAncestorOf(widget) and widget.isVisibleTo(page):
            return widget
        widget = widget.nextInFocusChain()
    return None


# --- files ----------------------------------------------------------------------------------

def _suffix(filter_text: str) -> str:
    """".xlsx" of "Excel workbook (*.xlsx)"; "" for a filter without one (a folder)."""
    pattern = filter_text[filter_text.rfind("(") + 1:].rstrip(")").split()[0] \
        if "(" in filter_text else ""
    return pattern[1:] if pattern.startswith("*.") else ""


def save_path(parent: QWidget | None, title: str, kind: str, default_name: str,
              filters: list[str]) -> Path | None:
    """Ask for a file to write; the suffix of the chosen filter is added when none is given."""
    start = last_folder(kind)
    suggested = str(Path(start) / default_name) if start else default_name
    path, selected = QFileDialog.getSaveFileName(parent, title, suggested, ";;".join(filters),
                                                 filters[0])
    if not path:
        return None
    chosen = Path(path)
    known = {_suffix(f) for f in filters} - {""}
    if chosen.suffix.lower() not in known:
        suffix = _suffix(selected or filters[0])
        if suffix:
            chosen = chosen.with_name(chosen.name + suffix)
    remember_folder(kind, chosen.parent)
    return chosen


def write_atomically(path: Path, write: Any) -> Any:
    """Call ``write(temporary)`` with a hidden file beside ``path`` and move it into place when
    complete; on any failure (or a cancel) nothing is left at ``path`` that was not there."""
    temporary = path.with_name(f".{path.stem}.part{path.suffix}")
    try:
        result = write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return result


def report(parent: QWidget | None, text: str) -> None:
    """Say an export is done: in the main window's status bar, or in a box over a dialog."""
    if isinstance(parent, QMainWindow):
        parent.statusBar().showMessage(text)
    else:
        inform(parent, "Exported", text)


def inform(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    """A confirmation that does not block the caller (window-modal, closed with OK)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok,
                      parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def _warn(parent: QWidget | None, title: str, text: str) -> None:
    show_error = getattr(parent, "show_error", None)
    if callable(show_error):
        show_error(title, text)
    else:
        QMessageBox.warning(parent, title, text)


# --- the performance pack dialog ------------------------------------------------------------

class PackDialog(QDialog):
    """Format, names or not, and where: the choices of File › Export performance pack."""

    def __init__(self, as_at: date, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export performance pack")
        self.setStyleSheet(DIALOG_STYLE)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        title = QLabel(f"Performance pack as at {uk(as_at)}")
        title.setObjectName("sectionTitle")
        layout.addWidget(title)
        intro = QLabel("The figures shown on every page of this window (change the date with "
                       "the As at control first if the meeting needs another). Every page "
                       f"carries the as-at date, the policy values and who produced it, and is "
                       f"marked {MARKING}.")
        intro.setObjectName("muted")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setHorizontalSpacing(12)
        formats = QVBoxLayout()
        self.pdf_button = QRadioButton("PDF: A4 pages for the meeting, with the charts")
        self.xlsx_button = QRadioButton("XLSX: the same figures on named sheets, for analysts")
        self.pdf_button.setChecked(path.suffix.lower() != ".xlsx")
        self.xlsx_button.setChecked(path.suffix.lower() == ".xlsx")
        self._formats = QButtonGroup(self)
        for button in (self.pdf_button, self.xlsx_button):
            self._formats.addButton(button)
            formats.addWidget(button)
        form.addRow("Format", formats)

        self.names_box = QCheckBox("Include RSO names")
        self.names_box.setChecked(False)
        self.names_warning = QLabel(
            "Names are personal data. Without them every RSO appears by id only, which is "
            "enough for the meeting; include names only when it needs them, and store and send "
            "the pack as personal data.")
        self.names_warning.setWordWrap(True)
        self.names_warning.setObjectName("infoNote")
        names = QVBoxLayout()
        names.addWidget(self.names_box)
        names.addWidget(self.names_warning)
        form.addRow("RSOs", names)

        self.path_edit = QLineEdit(str(path))
        self.path_edit.setMinimumWidth(420)
        self.browse_button = QPushButton("Choose…")
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(self.browse_button)
        form.addRow("Save as", where)
        layout.addLayout(form)

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._formats.buttonToggled.connect(self._on_format)
        self.names_box.toggled.connect(self._on_names)
        self.browse_button.clicked.connect(self._on_browse)
        self.path_edit.textChanged.connect(
            lambda text: self.export_button.setEnabled(bool(text.strip())))
        self.resize(640, self.sizeHint().height())

    @property
    def suffix(self) -> str:
        return ".xlsx" if self.xlsx_button.isChecked() else ".pdf"

    @property
    def path(self) -> Path:
        return Path(self.path_edit.text().strip()).expanduser()

    @property
    def names(self) -> bool:
        return self.names_box.isChecked()

    def _on_format(self, *_args: object) -> None:
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(str(Path(text).with_suffix(self.suffix)))

    def _on_names(self, checked: bool) -> None:
        self.names_warning.setObjectName("warningNote" if checked else "infoNote")
        self.names_warning.style().unpolish(self.names_warning)
        self.names_warning.style().polish(self.names_warning)

    def _on_browse(self) -> None:
        filters = [PDF, XLSX] if self.suffix == ".pdf" else [XLSX, PDF]
        path, selected = QFileDialog.getSaveFileName(self, "Save performance pack as",
                                                     str(self.path), ";;".join(filters),
                                                     filters[0])
        if path:
            chosen = Path(path)
            if chosen.suffix.lower() not in (".pdf", ".xlsx"):
                chosen = chosen.with_name(chosen.name + _suffix(selected or filters[0]))
            self.xlsx_button.setChecked(chosen.suffix.lower() == ".xlsx")
            self.pdf_button.setChecked(chosen.suffix.lower() != ".xlsx")
            self.path_edit.setText(str(chosen))

    def _on_accept(self) -> None:
        path = self.path
        if path.suffix.lower() != self.suffix:
            path = path.with_name(path.name + self.suffix)
            self.path_edit.setText(str(path))
        if not path.parent.is_dir():
            QMessageBox.warning(self, "Export performance pack",
                                f"The folder {path.parent} does not exist.")
            return
        if path.exists():
            answer = QMessageBox.question(self, "Export performance pack",
                                          f"{path.name} already exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.accept()


# --- the menu items -------------------------------------------------------------------------

class ExchangeActions(QObject):
    """The File menu's import and export items of one window, and what they run."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.import_flow = ImportFlow(window)
        self.job: Job | None = None
        self.pack_dialog: PackDialog | None = None
        self.last_message: QMessageBox | None = None

        def action(text: str, tip: str, slot: Any, shortcut: str | None = None) -> QAction:
            item = QAction(text, window)
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

        menu = window.menu("File")
        before = window.quit_action
        for item in (self.import_action, self.import_folder_action, self.template_action):
            menu.insertAction(before, item)
        menu.insertSeparator(before)
        for item in (self.export_table_action, self.export_extract_action, self.pack_action):
            menu.insertAction(before, item)
        menu.insertSeparator(before)
        window.figures_changed.connect(self._update_enabled)
        self._update_enabled()

    def _update_enabled(self, *_args: object) -> None:
        has_database = self._window.engine is not None
        for item in (self.import_action, self.import_folder_action, self.export_extract_action):
            item.setEnabled(has_database)
        self.pack_action.setEnabled(self._window.figures is not None)

    def _inform(self, title: str, text: str) -> None:
        self.last_message = inform(self._window, title, text)

    # --- templates --------------------------------------------------------------------------

    def save_templates(self) -> None:
        window = self._window
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
            window.show_error("Templates not saved", f"{exc.strerror or exc}: {target}")
            return
        remember_folder("template", target)
        names = ", ".join(p.name for p in written)
        window.statusBar().showMessage(f"Saved {len(written)} extract templates in {target}")
        self._inform("Extract templates saved",
                     f"Saved {len(written)} templates in {target}:\n{names}\n\nEach has the "
                     "header row and one example row: replace the example with your rows. "
                     "Only managers.csv and offenders.csv are required. Import the folder with "
                     "File › Import extract folder.")

    # --- a table ------------------------------------------------------------------------------

    def export_table(self) -> None:
        view = focused_table(self._window)
        if view is None:
            self._window.show_error("No table to export",
                                    "Click in a table first, then export it.")
            return
        self.job = export_view(view)

    # --- the register -----------------------------------------------------------------------

    def export_extract(self) -> None:
        window = self._window
        engine = window.engine
        if engine is None:
            window.show_error("No database", "Open a database first (File › Open database).")
            return
        default = f"Extract {window.as_at:%Y-%m-%d}"
        path = save_path(window, "Export extract", "extract", default + ".zip",
                         [EXTRACT_ZIP, EXTRACT_XLSX, EXTRACT_FOLDER])
        if path is None:
            return
        folder = path.suffix.lower() not in (".zip", ".xlsx")
        if folder and path.exists() and not path.is_dir():
            window.show_error("Not exported", f"{path} is a file: choose a folder name, or a "
                                              ".zip or .xlsx file")
            return

        def work(progress: Progress, cancel: Cancel) -> dict[str, int]:
            if folder:
                return export_extract(engine, path, progress=progress)
            return write_atomically(path, lambda target: export_extract(
                engine, target, progress=progress))

        def done(rows: dict[str, int]) -> None:
            counts = ", ".join(f"{name} {count:,}" for name, count in rows.items())
            what = "folder" if folder else "file"
            window.statusBar().showMessage(f"Exported the register to {path}")
            self._inform("Extract exported",
                         f"The whole register is in the {what} {path}\n\nRows: {counts}.\n\n"
                         "It is in the import format: File › Import extract reads it back. "
                         "The allocation history, decisions and policy values are not part of "
                         "an extract.")

        self.job = run_job(window, "Export extract", work, on_success=done,
                           expected=EXPECTED, label="Exporting the register…",
                           cancellable=not folder, cancel_at_progress=True)

    # --- the performance pack -----------------------------------------------------------------

    def export_pack(self) -> None:
        window = self._window
        if window.figures is None:
            window.show_error("Nothing to report", "Open a database holding a register first.")
            return
        start = last_folder("pack")
        name = f"Performance pack {window.as_at:%Y-%m-%d}.pdf"
        path = Path(start) / name if start else Path.home() / name
        self.pack_dialog = PackDialog(window.as_at, path, window)
        self.pack_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog = self.pack_dialog
        dialog.accepted.connect(lambda: self.write_pack(dialog.path, names=dialog.names))
        dialog.open()

    def write_pack(self, path: Path, *, names: bool) -> Job | None:
        """Build the pack from the window's figures and write it to ``path`` (.pdf or .xlsx)."""
        window = self._window
        figures = window.figures
        if figures is None:
            return None
        remember_folder("pack", path.parent)
        actor = window.actor
        produced_at = datetime.now().replace(second=0, microsecond=0)
        pdf = path.suffix.lower() == ".pdf"

        def work(progress: Progress, cancel: Cancel) -> int | None:
            progress(0, 0, "Gathering the figures")
            pack = build_pack(figures, produced_by=actor, produced_at=produced_at, names=names)
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
            window.statusBar().showMessage(f"Performance pack written to {path}")
            self._inform("Performance pack written",
                         f"The performance pack as at {uk(figures.snapshot.as_at)} is in\n"
                         f"{path}{size}.\n\n{who}")

        self.job = run_job(window, "Export performance pack", work, on_success=done,
                           on_cancel=lambda: window.statusBar().showMessage(
                               "Performance pack cancelled: nothing was written."),
                           expected=EXPECTED, label="Building the performance pack…",
                           cancel_at_progress=True)
        return self.job


def install(window: MainWindow) -> ExchangeActions:
    """Add the import and export items to ``window``'s File menu (before Quit)."""
    return ExchangeActions(window)
