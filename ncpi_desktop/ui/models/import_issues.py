"""An extract's check as tables: each issue (file, spreadsheet row, column, value, what was wrong
and what was expected) and each table's rows new, changed and unchanged, with their columns, and
a table's rows as text to paste. No widgets: the import dialogs (``dialogs.import_errors``,
``dialogs.import_summary``) show these frames.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from ncpi_desktop.exchange.extract import TABLES, WARNING, ImportIssue, quote
from ncpi_desktop.exchange.importer import ImportResult
from ncpi_desktop.exchange.outgoing import safe_text
from ncpi_desktop.formats import Kind, format_value
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel

#: What the user calls each table of the extract.
TABLE_LABELS = {
    "managers": "Offender managers",
    "offenders": "RSOs",
    "visits": "Home visits",
    "arms": "ARMS assessments",
    "orders": "Civil orders",
}
ISSUE_COLUMNS = [
    Column("number", "#", Kind.INT, header_tip="Errors first, in the order of the extract"),
    Column("severity", "Type", Kind.LABEL, order=("error", WARNING)),
    Column("file", "File or sheet"),
    Column("row", "Row", Kind.INT, header_tip="The row as a spreadsheet shows it: the header "
                                              "is row 1 (row 2 after a marking row), the "
                                              "first record the row after it"),
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


def table_text(model: DataFrameTableModel, rows: Sequence[int] | None = None) -> str:
    """Rows of a table as the user sees them, tab separated with a header line (for pasting into
    a spreadsheet or an e-mail). A text cell that could start a formula is written with a leading
    apostrophe (``exchange.outgoing.safe_text``); numbers stay numbers."""
    columns = model.columns
    lines = ["\t".join(c.header for c in columns)]
    frame = model.frame
    positions = range(len(frame)) if rows is None else rows
    arrays = [frame[c.key].to_numpy() if c.key in frame else None for c in columns]
    for row in positions:
        cells = [_pasted(c, format_value(c.kind, a[row])) if a is not None else ""
                 for c, a in zip(columns, arrays, strict=True)]
        lines.append("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in cells))
    return "\n".join(lines) + "\n"


def _pasted(column: Column, text: str) -> str:
    """A cell as pasted: numbers as shown, text never the start of a formula."""
    return text if column.kind is Kind.INT else safe_text(text)
