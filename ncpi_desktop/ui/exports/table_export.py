"""A table as the user sees it, written to CSV or XLSX; and the file habits of every export.

``export_view`` is what File › Export table and a table's context menu call: it writes exactly
what the view shows, in its order, with its visible columns under the headers the user reads, on
a worker thread. Everything is written through ``exchange.files`` (readable by its owner only,
with no name until complete, then moved into place), so a failed or cancelled export never
leaves half a file where the user asked for one; it is marked OFFICIAL-SENSITIVE and no cell can
start a formula (``exchange.outgoing``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QTableView, QWidget
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.exchange.export import ExportError, export_frame
from ncpi_desktop.formats import plural
from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.core.settings import last_folder, remember_folder
from ncpi_desktop.ui.core.workers import Cancel, Job, Progress, run_job
from ncpi_desktop.ui.models.table_model import (
    HORIZONTAL,
    Column,
    DataFrameTableModel,
    Kind,
    format_value,
)

XLSX = "Excel workbook (*.xlsx)"
CSV = "CSV file (*.csv)"
#: Failures that are the target's or the database's: shown as a message, never as a crash.
EXPECTED = (ExportError, OSError, SQLAlchemyError)


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


def _as_at(widget: QWidget | None) -> date:
    context = AppContext.of(widget)
    return context.as_at if context is not None else date.today()


def _safe_name(text: str) -> str:
    kept = "".join(ch if ch.isalnum() or ch in " -_." else " " for ch in text)
    return " ".join(kept.split()) or "Export"


def _page_title(view: QTableView) -> str:
    context = AppContext.of(view)
    page = context.current_page() if context is not None else None
    if context is not None and page is not None and page.isAncestorOf(view):
        return context.current_title()
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
    context = AppContext.of(view)
    if context is not None:  # a disclosure of the RSOs the table lists (none: its other rows)
        model = view.model()
        ids = model.frame["rso_id"] if "rso_id" in model.frame else ()  # type: ignore[attr-defined]
        context.audit("disclosure", "export table", ids,
                      {"file": path.name, "rows": rows, "list": name})

    def work(progress: Progress, cancel: Cancel) -> int:
        progress(0, 0, f"Writing {plural(rows, 'row')} to {path.name}")
        return write_atomically(path, lambda target: export_frame(
            frame, headers, target, sheet=_safe_name(name)[:31]))

    def done(written: int) -> None:
        report(parent, f"Exported {plural(written, 'row')} to {path}")

    return run_job(parent, "Export table", work, on_success=done, expected=EXPECTED,
                   label=f"Writing {path.name}…")


def focused_table(window: QWidget) -> QTableView | None:
    """The table that has (or last had) the keyboard focus in ``window``; otherwise the first
    table of the page in front."""
    widget = window.focusWidget()
    while widget is not None:
        if isinstance(widget, QTableView) and isinstance(widget.model(), DataFrameTableModel) \
                and widget.isVisibleTo(window):
            return widget
        widget = widget.parentWidget()
    context = AppContext.of(window)
    page = context.current_page() if context is not None else None
    if page is None and isinstance(window, QMainWindow):
        page = window.centralWidget()
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

def file_suffix(filter_text: str) -> str:
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
    known = {file_suffix(f) for f in filters} - {""}
    if chosen.suffix.lower() not in known:
        suffix = file_suffix(selected or filters[0])
        if suffix:
            chosen = chosen.with_name(chosen.name + suffix)
    remember_folder(kind, chosen.parent)
    return chosen


def write_atomically(path: Path, write: Any) -> Any:
    """Call ``write(path)`` with a writer that writes through ``exchange.files.replacing``
    (every export, pack and extract writer does): a new owner-only file with no name while it is
    written, put in place when complete; on any failure (or a cancel) nothing is left at
    ``path`` that was not there, and no named temporary file beside it."""
    return write(path)


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
    context = AppContext.of(parent)
    if context is not None:
        context.show_error(title, text)
    else:
        QMessageBox.warning(parent, title, text)

