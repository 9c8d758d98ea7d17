"""Reading an extract (IMPORT-FORMAT.md) into text cells, before anything is checked.

An extract is a folder of CSV files, a ``.zip`` of that folder, or one ``.xlsx`` workbook with a
sheet per table. ``read_extract`` turns any of them into raw text cells; ``validate_extract``
(``exchange.validate``) checks every cell against ``TABLES`` (``exchange.import_format``: the
single source of truth for columns, also used by the templates and the export) and returns the
typed tables with *all* the problems found, each naming the file or sheet, the row as a
spreadsheet shows it, the column, the value and what was expected.

Row numbers: the header is row 1 and data record *n* is row *n + 1*, which is what a spreadsheet
shows. A quoted value holding a line break still makes one record (one spreadsheet row), so the
row number counts records, not physical lines of the file. Blank rows count as rows and are
skipped.

This module also gives the names callers of the extract use together (``TABLES``, the issues),
so ``from ncpi_desktop.exchange.extract import ...`` reaches them; the checks are
``exchange.validate``.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.exchange.import_format import INDEFINITE, TABLES, TableSpec
from ncpi_desktop.exchange.issues import (
    ERROR,
    WARNING,
    ExtractUnusable,
    ImportIssue,
    issue_table,
    quote,
)

__all__ = [
    "ERROR", "INDEFINITE", "TABLES", "WARNING", "Extract", "ExtractUnusable", "ImportIssue",
    "RawTable", "TableSpec", "parse_csv", "quote", "read_extract",
]


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
    """An extract as read, before validation: its tables, the files or sheets it holds, and the
    problems met while reading."""

    source: str
    kind: str = "folder"
    tables: dict[str, RawTable] = field(default_factory=dict)
    found: list[str] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)

    @property
    def is_workbook(self) -> bool:
        return self.kind == "workbook"


def read_extract(source: str | Path) -> Extract:
    """Read a folder of CSVs, a .zip of one, or an .xlsx workbook (chosen by what ``source`` is).

    Raises ``ExtractUnusable`` when ``source`` is not an extract (nothing in it is named after a
    table of the extract); problems inside a readable extract (a file that is not UTF-8, an empty
    file, a misnamed sheet) are returned as issues and reported with the validation errors.
    """
    path = Path(source)
    if not path.exists():
        raise ExtractUnusable(f"{path} does not exist")
    if path.is_dir():
        extract = _read_folder(path)
    elif path.suffix.lower() == ".zip":
        extract = _read_zip(path)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        extract = _read_workbook(path)
    else:
        raise ExtractUnusable(
            f"{path.name} is not an extract: give a folder of CSV files, a .zip of one, "
            f"or an .xlsx workbook")
    recognised = set(extract.tables) | {issue_table(i) for i in extract.issues
                                        if i.severity == ERROR}
    if not recognised & set(TABLES):
        if extract.is_workbook:
            expected = "sheets named " + ", ".join(TABLES)
        else:
            expected = ", ".join(spec.filename for spec in TABLES.values())
        found = ", ".join(extract.found) or "nothing"
        raise ExtractUnusable(f"{path.name} is not an extract: expected {expected}; "
                              f"found {found}")
    return extract


def _table_name(filename: str) -> str | None:
    """The table a file belongs to: its name without .csv, case and surrounding spaces ignored."""
    stem = filename.strip()
    if not stem.lower().endswith(".csv"):
        return None
    stem = stem[:-4].strip().lower()
    return stem if stem in TABLES else None


def _add_csv(extract: Extract, filename: str, read: Callable[[], bytes]) -> None:
    """Read one CSV file into the extract (``read`` returns its bytes) unless it is not ours."""
    extract.found.append(filename)
    name = _table_name(filename)
    if name is None:
        extract.issues.append(ImportIssue(
            filename, None, None, None,
            "is not a file of the extract (expected " + ", ".join(
                s.filename for s in TABLES.values()) + "); ignored", WARNING))
        return
    if any(_table_name(f) == name for f in extract.found[:-1]):
        extract.issues.append(ImportIssue(filename, None, None, None,
                                          f"is a second file for {name}; give only one"))
        return
    table, issues = parse_csv(name, filename, read())
    extract.issues.extend(issues)
    if table is not None:
        extract.tables[name] = table


def _read_folder(path: Path) -> Extract:
    extract = Extract(source=path.name, kind="folder")
    try:
        entries = sorted(p for p in path.iterdir()
                         if p.is_file() and p.suffix.lower() == ".csv")
    except OSError as exc:
        raise ExtractUnusable(f"cannot read the folder {path}: {exc.strerror or exc}") from exc

    for entry in entries:
        def read(entry: Path = entry) -> bytes:
            try:
                return entry.read_bytes()
            except OSError as exc:
                raise ExtractUnusable(f"cannot read {entry.name}: {exc.strerror or exc}") from exc
        _add_csv(extract, entry.name, read)
    return extract


def _read_zip(path: Path) -> Extract:
    """CSV files at the top of the archive or in one folder at its top."""
    extract = Extract(source=path.name, kind="zip")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExtractUnusable(f"{path.name} is not a readable .zip file") from exc
    with archive:
        by_folder: dict[str, list[zipfile.ZipInfo]] = {}
        for member in archive.infolist():
            parts = member.filename.split("/")
            if member.is_dir() or len(parts) > 2 or parts[0] == "__MACOSX" \
                    or parts[-1].startswith(".") or not parts[-1].lower().endswith(".csv"):
                continue
            by_folder.setdefault(parts[0] if len(parts) == 2 else "", []).append(member)
        ours = [folder for folder, members in by_folder.items()
                if any(_table_name(m.filename.split("/")[-1]) for m in members)]
        if len(ours) > 1:
            raise ExtractUnusable(
                f"{path.name} holds more than one extract (in "
                + ", ".join(f"{f}/" if f else "the top level" for f in sorted(ours))
                + "); give one folder of CSV files")
        for member in by_folder.get(ours[0] if ours else "", []):
            def read(member: zipfile.ZipInfo = member) -> bytes:
                try:
                    return archive.read(member)
                except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, OSError,
                        EOFError, NotImplementedError) as exc:
                    raise ExtractUnusable(
                        f"cannot read {member.filename} in {path.name}: {exc}") from exc
            _add_csv(extract, member.filename.split("/")[-1], read)
    return extract


def parse_csv(name: str, label: str, data: bytes) -> tuple[RawTable | None, list[ImportIssue]]:
    """One CSV file's bytes as text cells. A file that is not UTF-8, is empty, or has rows with
    more values than the header gives issues naming the file (and row)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [ImportIssue(
            label, None, None, None,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line} is not UTF-8); "
            f"save it as \"CSV UTF-8\"")]
    if not text.strip():
        return None, [ImportIssue(label, None, None, None,
                                  "is empty (expected a header row naming the columns)")]
    try:
        # Every cell stays the text it was: object dtype holds plain str values (pandas' own
        # string dtype would do the same more slowly), and nothing is read as NaN or a number.
        frame = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False,
                            na_filter=False, header=None, skip_blank_lines=False, index_col=False)
    except (pd.errors.ParserError, ValueError, csv.Error):
        return _records_table(name, label, _csv_records(text), strict_width=True)
    frame = frame.fillna("")
    header = [str(v) for v in frame.iloc[0].tolist()]
    cells = frame.iloc[1:].reset_index(drop=True)
    cells.columns = range(cells.shape[1])
    return RawTable(name, label, header, cells, np.arange(2, len(cells) + 2)), []


def _csv_records(text: str) -> list[list[str]]:
    """The slow, forgiving reader, used only when a file has rows the fast one refuses (more
    values than the header, a quote left open): every record is kept so every row is reported."""
    return list(csv.reader(io.StringIO(text.replace("\x00", ""), newline=""), strict=False))


def _records_table(name: str, label: str, records: list[list[str]], *,
                   strict_width: bool = False) -> tuple[RawTable | None, list[ImportIssue]]:
    """Rows of text as a table: the first is the header (row 1). With ``strict_width`` (CSV), a
    row with more values than the header is an error; a sheet's extra cells are a column with
    no name."""
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
    body: list[list[str]] = []
    rows: list[int] = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) > width:
            extra = [v for v in record[width:] if v.strip()]
            if extra:
                issues.append(ImportIssue(
                    label, number, None, None,
                    f"has {len(record)} values but the header names {width} columns "
                    f"(extra: {', '.join(quote(v) for v in extra[:3])})"))
                continue
            record = record[:width]
        body.append(record + [""] * (width - len(record)))
        rows.append(number)
    cells = pd.DataFrame(body, columns=range(width), dtype=object) if body else \
        pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})
    return RawTable(name, label, header, cells, np.array(rows, dtype=np.int64)), issues


def _cell_text(value: Any) -> str:
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


def _read_workbook(path: Path) -> Extract:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    extract = Extract(source=path.name, kind="workbook")
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError,
            TypeError) as exc:
        raise ExtractUnusable(f"{path.name} is not a readable .xlsx workbook") from exc
    try:
        for sheet_name in workbook.sheetnames:
            extract.found.append(f"sheet {sheet_name}")
            name = sheet_name.strip().lower()
            label = f"sheet {sheet_name}"
            sheet = workbook[sheet_name]
            if name not in TABLES or not hasattr(sheet, "iter_rows"):
                extract.issues.append(ImportIssue(
                    label, None, None, None,
                    "is not a table of the extract (expected sheets named "
                    + ", ".join(TABLES) + "); ignored", WARNING))
                continue
            if name in extract.tables:
                extract.issues.append(ImportIssue(label, None, None, None,
                                                  f"is a second sheet for {name}; give only one"))
                continue
            if hasattr(sheet, "reset_dimensions"):
                sheet.reset_dimensions()
            try:
                records = [[_cell_text(v) for v in row]
                           for row in sheet.iter_rows(values_only=True)]
            except (KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
                raise ExtractUnusable(f"cannot read sheet {sheet_name} of {path.name}") from exc
            table, issues = _records_table(name, label, records)
            extract.issues.extend(issues)
            if table is not None:
                extract.tables[name] = table
    finally:
        workbook.close()
    return extract
