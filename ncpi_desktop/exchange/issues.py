"""What can be wrong with an extract: an issue naming the file or sheet, the row as a spreadsheet
shows it, the column and the value, or an input that is not an extract at all."""

from __future__ import annotations

import json
import lzma
import zipfile
import zlib
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


def damage(error: BaseException) -> str:
    """What is wrong with a .zip or .xlsx whose reading raised ``error``, in the user's words."""
    import xml.etree.ElementTree as ElementTree

    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:  # openpyxl wraps what its parser raised
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any("Forbidden" in type(cause).__name__ for cause in chain):  # defusedxml's refusals
        return "it declares XML entities or a document type, which the import refuses"
    if any(isinstance(cause, ElementTree.ParseError | SyntaxError) for cause in chain):
        return "its XML is damaged"
    if any(isinstance(cause, zipfile.BadZipFile | zlib.error | lzma.LZMAError | EOFError
                      | OSError) for cause in chain):
        return "its compressed data is damaged"
    return "it holds a part the import cannot read (such as an empty chartsheet)"


def damaged(name: str, error: BaseException, where: str = "") -> ExtractUnusable:
    """``name`` (a .zip or .xlsx) cannot be read because reading it raised ``error``: one line
    saying what and what to do. ``where``: the member or sheet the damage is in."""
    what = damage(error)
    if where:
        what = f"{what} (in {where})"
    return ExtractUnusable(f"{name} cannot be read: {what}; save or export it again (as .xlsx, "
                           f"or CSV files in a folder or a .zip) and import that")


def not_listed(file: str, count: int, listed: int) -> ImportIssue:
    """The one line standing for ``count`` errors beyond the first ``listed``."""
    return ImportIssue(file, None, None, None,
                       f"and {count:,} more error{'s' if count != 1 else ''}, not listed (only "
                       f"the first {listed:,} are)", more=count)
