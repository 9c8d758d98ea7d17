"""The performance pack as a workbook: the same tables as the PDF, one named sheet per subject.

Cells hold the report's unrounded values as numbers and dates (a share 0.1548 with a ``0.0%``
format, a date with ``DD/MM/YYYY``), so an analyst's sum or chart uses the figures the report gives
and the cell reads as the PDF prints it. A sheet starts with its title and the as-at line; then
each table: its caption, a header row, its rows, a blank row.

What leaves (``exchange.outgoing``): every sheet prints the marking in its header and footer and
shows it on its second row, and the workbook's properties carry it; a text cell that could start
a formula (a name such as ``=HYPERLINK(...)``) is written with a leading apostrophe, as text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ncpi_desktop.analysis.flags import python_value
from ncpi_desktop.exchange.files import discard_workbook, new_sheet, save_workbook
from ncpi_desktop.exchange.outgoing import mark_workbook, safe_text
from ncpi_desktop.exchange.pack import SHEETS, Pack, Table
from ncpi_desktop.formats import NOT_APPLICABLE, Kind, format_value

Progress = Callable[[int, int, str], None]

#: Number formats by kind; the cell keeps the unrounded value.
NUMBER_FORMATS: dict[Kind, str] = {
    Kind.INT: "#,##0",
    Kind.RATIO: "#,##0.0",
    Kind.FTE: "0.00",
    Kind.PERCENT: "0.0%",
    Kind.POINTS: "+0.0%;-0.0%;0.0%",
    Kind.DATE: "DD/MM/YYYY",
    Kind.DATETIME: "DD/MM/YYYY HH:MM",
}
TITLE_FONT = Font(bold=True, size=14, color="1F3A5F")
CAPTION_FONT = Font(bold=True, size=11)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EDF4")
MUTED_FONT = Font(color="5F6368")
WARNING_FONT = Font(bold=True, color="8E1B10")
WARNING_FILL = PatternFill("solid", fgColor="FBE0DD")
TOTAL_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
MAX_WIDTH = 60
#: Rows sampled when sizing a column (a national list has thousands).
WIDTH_SAMPLE = 200


def cell_value(value: Any, kind: Kind = Kind.TEXT) -> Any:
    """A value as the workbook stores it: Python numbers, dates and text (``safe_text``: never
    the start of a formula); blank for none."""
    value = python_value(value)
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)  # the wall time the pack prints
        return value.date() if kind is Kind.DATE else value
    if kind is Kind.DATE and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, (list, tuple)):
        return safe_text("; ".join(str(v) for v in value))
    return safe_text(value)


class _ExactFloat:
    """A float written as its shortest round-trip text (``repr``).

    openpyxl writes numbers with 16 significant digits, which changes a share such as
    0.20652173913043478 in its last digit; the pack's cells must equal the report's figures.
    """

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def __str__(self) -> str:
        return repr(self.value)


def _cell(sheet: WriteOnlyWorksheet, value: Any, kind: Kind = Kind.TEXT, *,
          font: Font | None = None, fill: PatternFill | None = None,
          alignment: Alignment | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=cell_value(value, kind))
    if cell.data_type == "f":  # (safe text never starts a formula: a last guard)
        cell.data_type = "s"
    if isinstance(cell.value, float) and float(f"{cell.value:.16g}") != cell.value:
        cell._value = _ExactFloat(cell.value)  # the type stays numeric ("n")
    if kind in NUMBER_FORMATS and cell.value is not None and not isinstance(cell.value, str):
        cell.number_format = NUMBER_FORMATS[kind]
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _widths(tables: list[Table], first: int) -> list[float]:
    """Column widths (characters) wide enough for the headers and a sample of the values."""
    widths: list[float] = [12.0] * first
    for table in tables:
        sample = table.frame.head(WIDTH_SAMPLE)
        for i, column in enumerate(table.sheet_columns):
            longest = len(column.label)
            if column.key in sample.columns:
                for row, value in enumerate(sample[column.key]):
                    longest = max(longest, len(format_value(table.kind(column.key, row), value,
                                                              blank=NOT_APPLICABLE)))
            while len(widths) <= i:
                widths.append(8.0)
            widths[i] = max(widths[i], min(MAX_WIDTH, longest + 2))
    return widths


def _write_table(sheet: WriteOnlyWorksheet, table: Table) -> None:
    sheet.append([_cell(sheet, table.caption, font=CAPTION_FONT)])
    columns = table.sheet_columns
    sheet.append([_cell(sheet, c.label, font=HEADER_FONT, fill=HEADER_FILL) for c in columns])
    frame = table.frame
    positions = [frame.columns.get_loc(c.key) if c.key in frame.columns else None
                 for c in columns]
    highlight = {key: frame.columns.get_loc(flag) for key, flag in table.highlight.items()
                 if flag in frame.columns}
    emphasis = frame.columns.get_loc(table.emphasis) if table.emphasis in frame.columns else None
    fixed_kinds = [None if c.key in table.kinds_from else c.kind for c in columns]
    values = frame.to_numpy(object)
    for row in range(len(frame)):
        total = emphasis is not None and bool(values[row, emphasis])
        cells = []
        for column, position, kind in zip(columns, positions, fixed_kinds, strict=True):
            value = None if position is None else values[row, position]
            kind = kind or table.kind(column.key, row)
            warn = column.key in highlight and bool(values[row, highlight[column.key]])
            font = WARNING_FONT if warn else TOTAL_FONT if total else None
            wrap = WRAP if column.key == "why" else None
            if font is None and wrap is None and isinstance(value, str) \
                    and safe_text(value) is value:  # (text that needs no apostrophe)
                cells.append(value)  # plain text needs no cell of its own: a third faster
                continue
            cells.append(_cell(sheet, value, kind, font=font,
                               fill=WARNING_FILL if warn else None, alignment=wrap))
        sheet.append(cells)
    sheet.append([])  # (a table's note is about the PDF's shorter list: not here)


def _summary_block(sheet: WriteOnlyWorksheet, pack: Pack) -> None:
    rows: list[tuple[str, Any, Kind]] = [
        ("As at", pack.as_at, Kind.DATE),
        ("Produced", pack.produced_at, Kind.DATETIME),
        ("Produced by", pack.produced_by, Kind.TEXT),
        ("RSO names", "included" if pack.names else "not included (RSOs by id only)", Kind.TEXT),
        ("Marking", pack.marking, Kind.TEXT),
    ]
    if pack.scenario:
        rows.insert(0, ("Scenario", pack.scenario_mark, Kind.TEXT))
    if pack.audit_line:
        rows.append(("Audit log", pack.audit_line, Kind.TEXT))
    for label, value, kind in rows:
        sheet.append([_cell(sheet, label, font=HEADER_FONT), _cell(sheet, value, kind)])
    sheet.append([])


def write_pack_xlsx(pack: Pack, path: str | Path, progress: Progress | None = None) -> None:
    """Write the pack's tables to ``path`` on the sheets of ``pack.SHEETS`` that have any.

    ``progress(done, total, what)`` is called per sheet; an exception it raises (Cancel) stops
    the work, and no partial file is left (an earlier file of the same name stays as it was).
    Nothing is written outside the target's folder, and a killed command leaves no named
    temporary file with the pack's rows (``exchange.files``).
    """
    report = progress or (lambda _done, _total, _what: None)
    names = [name for name in SHEETS if pack.sheet_tables(name)]
    workbook = Workbook(write_only=True)
    mark_workbook(workbook)
    try:
        for done, name in enumerate(names):
            report(done, len(names) + 1, f"Writing sheet {name}")
            _write_sheet(workbook, pack, name, pack.sheet_tables(name))
        report(len(names), len(names) + 1, "Saving the workbook")
    except BaseException:
        discard_workbook(workbook)
        raise
    save_workbook(workbook, Path(path))
    report(len(names) + 1, len(names) + 1, "Done")


def _write_sheet(workbook: Workbook, pack: Pack, name: str, tables: list[Table]) -> None:
    sheet = new_sheet(workbook, name)
    for i, width in enumerate(_widths(tables, 0 if name != "Summary" else 2), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    title = f"{pack.title}: {name}" + (f" ({pack.scenario_mark})" if pack.scenario else "")
    sheet.oddHeader.left.text = title
    sheet.oddHeader.right.text = f"As at {pack.as_at_text}  {pack.marking}"
    sheet.oddFooter.left.text = pack.produced_text
    sheet.oddFooter.center.text = " · ".join(filter(None, [pack.marking, pack.scenario_mark]))
    sheet.oddFooter.right.text = "Page &P of &N"
    sheet.freeze_panes = "A4"
    sheet.append([_cell(sheet, title, font=TITLE_FONT)])
    sheet.append([_cell(sheet, f"As at {pack.as_at_text} · {pack.produced_text} · "
                               f"{pack.marking}", font=MUTED_FONT)])
    sheet.append([])
    if name == "Summary":
        _summary_block(sheet, pack)
    for table in tables:
        _write_table(sheet, table)
    if name == "Policy":
        sheet.append([_cell(sheet, "Rules in force", font=CAPTION_FONT)])
        for sentence in pack.policy.rules_text():
            sheet.append([_cell(sheet, sentence)])
