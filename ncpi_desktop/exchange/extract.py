"""Reading an extract (IMPORT-FORMAT.md) into text cells, before anything is checked.

An extract is a folder of CSV files, a ``.zip`` of that folder, or one ``.xlsx`` workbook with a
sheet per table (``exchange.workbook``). ``read_extract`` turns any of them into raw text cells
(``exchange.raw``), reading within ``ImportLimits`` (``exchange.limits``): each CSV file is first
read through as a stream and counted (``exchange.intake``), and parsed only when it is within the
limits, so a file over one is refused in seconds and memory stays bounded whatever arrives.
``validate_extract`` (``exchange.validate``) then checks every cell against ``TABLES``
(``exchange.import_format``: the single source of truth for columns, also used by the templates
and the export) and returns the typed tables with the problems found, each naming the file or
sheet, the row as a spreadsheet shows it, the column, the value and what was expected.

Row numbers: the header is row 1 and data record *n* is row *n + 1*, which is what a spreadsheet
shows. A first row holding only a protective marking (``OFFICIAL-SENSITIVE``, as the export
writes: ``exchange.outgoing``) is skipped; the header is then row 2 and record *n* row *n + 2*.
A quoted value holding a line break still makes one record (one spreadsheet row), so the row
number counts records, not physical lines of the file. Blank rows count as rows and are skipped.

This module also gives the names callers of the extract use together (``TABLES``, the issues,
the limits), so ``from ncpi_desktop.exchange.extract import ...`` reaches them; the checks are
``exchange.validate``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from ncpi_desktop.exchange.import_format import INDEFINITE, TABLES, TableSpec
from ncpi_desktop.exchange.intake import (
    ARCHIVE_ERRORS,
    Budget,
    Opener,
    check_archive,
    opened,
    scan_csv,
)
from ncpi_desktop.exchange.issues import (
    ERROR,
    WARNING,
    ExtractUnusable,
    ImportIssue,
    damaged,
    issue_table,
    quote,
)
from ncpi_desktop.exchange.limits import DEFAULT_LIMITS, ImportLimits, LimitExceeded
from ncpi_desktop.exchange.outgoing import is_marking_row
from ncpi_desktop.exchange.raw import Extract, RawTable, check_width, records_table
from ncpi_desktop.exchange.workbook import read_workbook

__all__ = [
    "ERROR", "INDEFINITE", "TABLES", "WARNING", "Extract", "ExtractUnusable", "ImportIssue",
    "ImportLimits", "LimitExceeded", "RawTable", "TableSpec", "parse_csv", "quote",
    "read_extract",
]


def read_extract(source: str | Path, limits: ImportLimits | None = None) -> Extract:
    """Read a folder of CSVs, a .zip of one, or an .xlsx workbook (chosen by what ``source`` is),
    within ``limits`` (default ``ImportLimits()``; ``exchange.limits``).

    Raises ``ExtractUnusable`` when ``source`` is not an extract (nothing in it is named after a
    table of the extract) or cannot be read, and ``LimitExceeded`` (an ``ExtractUnusable``) as
    soon as a file is over a limit; problems inside a readable extract (a file that is not UTF-8,
    an empty file, a misnamed sheet) are returned as issues and reported with the validation
    errors.
    """
    path = Path(source)
    limits = limits or DEFAULT_LIMITS
    if not path.exists():
        raise ExtractUnusable(f"{path} does not exist")
    extract = Extract(source=path.name, limits=limits)
    budget = Budget(path.name, limits)
    if path.is_dir():
        _read_folder(path, extract, budget)
    elif path.suffix.lower() == ".zip":
        _read_zip(path, extract, budget)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        read_workbook(path, extract)
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


def _add_csv(extract: Extract, filename: str, opener: Opener, budget: Budget) -> None:
    """Read one CSV file into the extract (``opener`` opens it as a stream) unless it is not
    ours."""
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
    scan = scan_csv(opener, filename, extract.limits, budget)
    if isinstance(scan, ImportIssue):
        extract.issues.append(scan)
        return
    table, issues = parse_csv(name, filename, opener, extract.limits)
    extract.issues.extend(issues)
    if table is not None:
        extract.tables[name] = table


def _read_folder(path: Path, extract: Extract, budget: Budget) -> None:
    try:
        entries = sorted(p for p in path.iterdir()
                         if p.is_file() and p.suffix.lower() == ".csv")
    except OSError as exc:
        raise ExtractUnusable(f"cannot read the folder {path}: {exc.strerror or exc}") from exc
    for entry in entries:
        _add_csv(extract, entry.name, lambda entry=entry: entry.open("rb"), budget)


def _read_zip(path: Path, extract: Extract, budget: Budget) -> None:
    """CSV files at the top of the archive or in one folder at its top."""
    extract.kind = "zip"
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        # NotImplementedError: a damaged header claiming a zip version Python cannot read.
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
        members = by_folder.get(ours[0] if ours else "", [])
        check_archive([m for m in members if _table_name(m.filename.split("/")[-1])],
                      path.name, extract.limits)
        for member in members:
            def opener(member: zipfile.ZipInfo = member) -> BinaryIO:
                return archive.open(member)
            try:
                _add_csv(extract, member.filename.split("/")[-1], opener, budget)
            except ExtractUnusable as exc:
                if isinstance(exc, LimitExceeded) or not isinstance(exc.__cause__,
                                                                    ARCHIVE_ERRORS):
                    raise
                raise damaged(path.name, exc.__cause__, member.filename) from exc.__cause__


def parse_csv(name: str, label: str, opener: Opener, limits: ImportLimits = DEFAULT_LIMITS
              ) -> tuple[RawTable | None, list[ImportIssue]]:
    """One CSV file as text cells, read from the streams ``opener`` opens (a file ``scan_csv``
    has found within the limits). Rows with more values than the header give issues naming the
    file and row; a header of more than ``limits.columns`` columns is refused before the rows are
    read."""
    with opened(opener, label) as stream:
        records = _forgiving_records(stream, label, limits)
        header = next(records, [])
        marked = is_marking_row(header)  # the marking line the export writes first
        if marked:
            header = next(records, [])
        records.close()
    check_width(label, len(header), limits)
    try:
        # Every cell stays the text it was: object dtype holds plain str values (pandas' own
        # string dtype would do the same more slowly), and nothing is read as NaN or a number.
        with opened(opener, label) as stream:
            frame = pd.read_csv(stream, encoding="utf-8", dtype=object, keep_default_na=False,
                                na_filter=False, header=None, skip_blank_lines=False,
                                index_col=False, skiprows=1 if marked else 0)
    except (pd.errors.ParserError, ValueError, csv.Error):
        with opened(opener, label) as stream:
            return records_table(name, label, _forgiving_records(stream, label, limits), limits,
                                 strict_width=True)
    check_width(label, frame.shape[1], limits)
    frame = frame.fillna("")
    header = [str(v) for v in frame.iloc[0].tolist()]
    cells = frame.iloc[1:].reset_index(drop=True)
    cells.columns = range(cells.shape[1])
    first = 3 if marked else 2
    return RawTable(name, label, header, cells, np.arange(first, len(cells) + first)), []


def _forgiving_records(stream: BinaryIO, label: str, limits: ImportLimits
                       ) -> Iterator[list[str]]:
    """The records of a CSV stream as the slow, forgiving reader sees them (rows with more values
    than the header, a quote left open), one at a time: a record longer than a row within the
    limits can be (its lines joined by quoted line breaks) is refused as it is read."""
    size = 0
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")

    def lines() -> Iterator[str]:
        nonlocal size
        for line in text:
            size += len(line)
            if size > limits.line_bytes:
                raise LimitExceeded(label, f"a row of more than {limits.line_bytes:,} "
                                           f"characters", limits, "field_chars")
            yield line

    try:
        for record in csv.reader(lines(), strict=False):
            size = 0
            yield record
    except csv.Error as exc:  # a value longer than the csv module reads
        raise LimitExceeded(label, f"a value of more than {csv.field_size_limit():,} "
                                   f"characters", limits, "field_chars") from exc
    finally:
        text.detach()  # the stream is its opener's to close
