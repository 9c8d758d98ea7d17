"""What can be wrong with an extract: an issue naming the file or sheet, the row as a spreadsheet
shows it, the column and the value, or an input that is not an extract at all."""

from __future__ import annotations

import json
from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class ImportIssue:
    """One problem with an extract. ``row`` is the spreadsheet row (header = 1); ``row`` and
    ``column`` are None for problems with a whole file or column. An issue with ``more`` stands
    for that many errors not listed (``ImportLimits.errors``)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: str = ERROR
    more: int = 0

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.value is None:
            return f"{where}: {self.message}"
        return f"{where}: {quote(self.value)} {self.message}"


def count_errors(issues: list[ImportIssue]) -> int:
    """How many errors ``issues`` stand for, counting those not listed."""
    return sum(issue.more or 1 for issue in issues if issue.severity == ERROR)


def quote(value: str) -> str:
    """A value in double quotes, line breaks and control characters escaped: one issue a line."""
    return json.dumps(value, ensure_ascii=False)


def issue_table(issue: ImportIssue) -> str:
    """The table an issue is about, from its file or sheet name (lower case, no ``.csv``)."""
    label = issue.file.strip().lower()
    if label.startswith("sheet "):
        return label[6:].strip()
    return label[:-4].strip() if label.endswith(".csv") else label


class ExtractUnusable(Exception):
    """The input is not an extract at all (missing, unreadable, not a folder/.zip/.xlsx, or
    holding none of the extract's tables). The message is fit to show a user."""


def not_listed(file: str, count: int, listed: int) -> ImportIssue:
    """The one line standing for ``count`` errors beyond the first ``listed``."""
    return ImportIssue(file, None, None, None,
                       f"and {count:,} more error{'s' if count != 1 else ''}, not listed (only "
                       f"the first {listed:,} are)", more=count)
