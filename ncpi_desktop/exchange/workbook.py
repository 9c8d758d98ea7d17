"""Reading an .xlsx workbook as an extract: a sheet per table, within ``ImportLimits``.

The workbook's parts are checked against the byte limits before openpyxl opens it (``zipfile``
never gives more than a part declares), openpyxl reads it read-only (the sheets are streamed), and
each sheet's rows are counted and its columns bounded as they are read.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ncpi_desktop.exchange.import_format import TABLES
from ncpi_desktop.exchange.intake import check_archive
from ncpi_desktop.exchange.issues import WARNING, ImportIssue, damaged
from ncpi_desktop.exchange.limits import LimitExceeded
from ncpi_desktop.exchange.raw import Extract, records_table


def cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV would hold: dates ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook(path: Path, extract: Extract) -> None:
    """The sheets of the workbook at ``path`` into ``extract``: a sheet per table, others a
    warning. Raises ``ExtractUnusable`` when it is not a readable workbook, ``LimitExceeded`` when
    a part or a sheet is over a limit."""
    import openpyxl

    extract.kind = "workbook"
    limits = extract.limits
    # The file is opened here and closed here whatever happens: openpyxl leaves its own handle
    # open when a damaged workbook makes load_workbook fail part of the way through.
    with open(path, "rb") as handle:
        try:
            with zipfile.ZipFile(handle) as archive:
                check_archive(archive.infolist(), path.name, limits, "part ")
            handle.seek(0)
            workbook = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except LimitExceeded:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a damaged or hostile file raises
            raise damaged(path.name, exc) from exc
        try:
            for sheet_name in workbook.sheetnames:
                _read_sheet(workbook, sheet_name, extract, path.name)
        finally:
            workbook.close()


def _read_sheet(workbook: Any, sheet_name: str, extract: Extract, source: str) -> None:
    extract.found.append(f"sheet {sheet_name}")
    name = sheet_name.strip().lower()
    label = f"sheet {sheet_name}"
    try:
        sheet = workbook[sheet_name]
    except Exception as exc:  # noqa: BLE001 - a sheet openpyxl cannot open
        raise damaged(source, exc, f"sheet {sheet_name}") from exc
    if name not in TABLES or not hasattr(sheet, "iter_rows"):
        extract.issues.append(ImportIssue(
            label, None, None, None,
            "is not a table of the extract (expected sheets named "
            + ", ".join(TABLES) + "); ignored", WARNING))
        return
    if name in extract.tables:
        extract.issues.append(ImportIssue(label, None, None, None,
                                          f"is a second sheet for {name}; give only one"))
        return
    try:
        records = _sheet_records(sheet, label, extract)
    except LimitExceeded:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a damaged or hostile sheet raises
        raise damaged(source, exc, f"sheet {sheet_name}") from exc
    table, issues = records_table(name, label, records, extract.limits)
    extract.issues.extend(issues)
    if table is not None:
        extract.tables[name] = table


def _sheet_records(sheet: Any, label: str, extract: Extract) -> list[list[str]]:
    """A sheet's rows as text, counted as they are read: at most ``rows`` rows after the header
    and ``columns`` columns (a cell beyond them is refused, not read into a wider row)."""
    limits = extract.limits
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()
    records: list[list[str]] = []
    for row in sheet.iter_rows(values_only=True, max_col=limits.columns + 1):
        if len(row) > limits.columns and any(v is not None for v in row[limits.columns:]):
            raise LimitExceeded(f"{label} row {len(records) + 1:,}",
                                f"more than {limits.columns:,} columns", limits, "columns")
        if len(records) > limits.rows:
            raise LimitExceeded(label, f"more than {limits.rows:,} rows", limits, "rows")
        records.append([cell_text(v) for v in row[:limits.columns]])
    return records
