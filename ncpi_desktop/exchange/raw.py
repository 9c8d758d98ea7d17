"""An extract as read, before validation: its tables as text cells (``RawTable``) and what was
met while reading (``Extract``), whatever it was read from (``exchange.extract`` for CSV files,
``exchange.workbook`` for a workbook)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ncpi_desktop.exchange.issues import ImportIssue, not_listed
from ncpi_desktop.exchange.limits import DEFAULT_LIMITS, ImportLimits, LimitExceeded
from ncpi_desktop.exchange.outgoing import is_marking_row


@dataclass
class RawTable:
    """One file or sheet as text cells: the header and the data rows, nothing coerced.

    ``rows`` holds each data row's spreadsheet row number (header = 1).
    """

    name: str
    label: str
    header: list[str]
    cells: pd.DataFrame
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.cells)


@dataclass
class Extract:
    """An extract as read, before validation: its tables, the files or sheets it holds, the
    problems met while reading, and the limits it was read within."""

    source: str
    kind: str = "folder"
    tables: dict[str, RawTable] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)
    limits: ImportLimits = DEFAULT_LIMITS

    @property
    def is_workbook(self) -> bool:
        return self.kind == "workbook"


def check_width(label: str, width: int, limits: ImportLimits) -> None:
    if width > limits.columns:
        raise LimitExceeded(label, f"{width:,} columns", limits, "columns")


def records_table(name: str, label: str, records: Iterable[list[str]], limits: ImportLimits,
                  *, strict_width: bool = False) -> tuple[RawTable | None, list[ImportIssue]]:
    """Rows of text as a table: the first is the header (row 1; row 2 after a first row holding
    only a protective marking, which is skipped). With ``strict_width`` (CSV), a
    row with more values than the header is an error, and ``records`` is read as a stream (each
    such row is described and dropped as it comes); a sheet's extra cells are a column with no
    name. At most ``limits.errors`` rows are described; the rest are counted."""
    first = 2
    if strict_width:
        stream = iter(records)
        header = next(stream, None)
        if header is not None and is_marking_row(header):
            header, first = next(stream, None), 3
        width = len(header) if header is not None else 0
    else:
        rows_read = list(records)
        while rows_read and _blank(rows_read[-1]):
            rows_read.pop()
        if rows_read and is_marking_row(rows_read[0]):
            rows_read, first = rows_read[1:], 3
        header = rows_read[0] if rows_read else None
        width = max((len(r) for r in rows_read), default=0)
        stream = iter(rows_read[1:])
    if header is None:
        return None, [_empty(label)]
    header = list(header)
    if not strict_width:
        while header and not header[-1].strip():
            header.pop()
        header += [""] * (width - len(header))
    check_width(label, width, limits)
    body, rows, issues = _body(label, stream, width, limits, first)
    while body and _blank(body[-1]):
        body.pop()
        rows.pop()
    if not body and _blank(header):
        return None, [_empty(label)]
    cells = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return RawTable(name, label, header, cells, np.array(rows, dtype=np.int64)), issues


def _body(label: str, records: Iterator[list[str]], width: int, limits: ImportLimits,
          first: int = 2) -> tuple[list[list[str]], list[int], list[ImportIssue]]:
    """The data rows, each ``width`` values, and their row numbers (from ``first``); a row with
    values beyond ``width`` is an issue instead, naming the columns they are in but not the
    values (which may be a name or a date of birth)."""
    body: list[list[str]] = []
    rows: list[int] = []
    issues: list[ImportIssue] = []
    wide = 0
    for number, record in enumerate(records, start=first):
        if len(record) > width:
            extra = [v for v in record[width:] if v.strip()]
            if extra:
                wide += 1
                if wide <= limits.errors:
                    beyond = [str(width + i + 1) for i, v in enumerate(record[width:])
                              if v.strip()]
                    issues.append(ImportIssue(
                        label, number, None, None,
                        f"has {len(record)} values but the header names {width} columns "
                        f"(values in column{'s' if len(beyond) > 1 else ''} "
                        f"{', '.join(beyond[:3])}{', …' if len(beyond) > 3 else ''})"))
                continue
            record = record[:width]
        body.append(record + [""] * (width - len(record)))
        rows.append(number)
    if wide > limits.errors:
        issues.append(not_listed(label, wide - limits.errors, limits.errors))
    return body, rows, issues


def _blank(record: list[str]) -> bool:
    return not any(v.strip() for v in record)


def _empty(label: str) -> ImportIssue:
    return ImportIssue(label, None, None, None,
                       "is empty (expected a header row naming the columns)")
