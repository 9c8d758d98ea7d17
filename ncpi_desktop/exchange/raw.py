"""An extract as read, before validation: its tables as text cells (``RawTable``) and what was
met while reading (``Extract``), whatever it was read from (``exchange.extract`` for CSV files,
``exchange.workbook`` for a workbook)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ncpi_desktop.exchange.issues import ImportIssue, not_listed, quote
from ncpi_desktop.exchange.limits import DEFAULT_LIMITS, ImportLimits, LimitExceeded


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


def records_table(name: str, label: str, records: list[list[str]], limits: ImportLimits, *,
                   strict_width: bool = False) -> tuple[RawTable | None, list[ImportIssue]]:
    """Rows of text as a table: the first is the header (row 1). With ``strict_width`` (CSV), a
    row with more values than the header is an error; a sheet's extra cells are a column with
    no name. At most ``limits.errors`` rows are described; the rest are counted."""
    while records and not any(v.strip() for v in records[-1]):
        records.pop()
    if not records:
        return None, [ImportIssue(label, None, None, None,
                                  "is empty (expected a header row naming the columns)")]
    header = list(records[0])
    issues: list[ImportIssue] = []
    if strict_width:
        width = len(header)
    else:
        while header and not header[-1].strip():
            header.pop()
        width = max(len(r) for r in records)
        header += [""] * (width - len(header))
    check_width(label, width, limits)
    body: list[list[str]] = []
    rows: list[int] = []
    wide = 0
    for number, record in enumerate(records[1:], start=2):
        if len(record) > width:
            extra = [v for v in record[width:] if v.strip()]
            if extra:
                wide += 1
                if wide <= limits.errors:
                    issues.append(ImportIssue(
                        label, number, None, None,
                        f"has {len(record)} values but the header names {width} columns "
                        f"(extra: {', '.join(quote(v[:60]) for v in extra[:3])})"))
                continue
            record = record[:width]
        body.append(record + [""] * (width - len(record)))
        rows.append(number)
    if wide > limits.errors:
        issues.append(not_listed(label, wide - limits.errors, limits.errors))
    cells = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return RawTable(name, label, header, cells, np.array(rows, dtype=np.int64)), issues
