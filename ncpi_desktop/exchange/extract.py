"""Reading and validating an extract (IMPORT-FORMAT.md): the one column spec, and every error.

An extract is a folder of CSV files, a ``.zip`` of that folder, or one ``.xlsx`` workbook with a
sheet per table. ``read_extract`` turns any of them into raw text cells; ``validate_extract`` checks
every cell against ``TABLES`` (the single source of truth for columns, also used by the templates
and the export) and returns the typed tables with *all* the problems found, each naming the file or
sheet, the row as a spreadsheet shows it, the column, the value and what was expected.

Validation works over whole columns: each column is factorised once and the checks run on its
distinct values (a visits file of 1,500,000 rows holds a few thousand distinct dates), so there is
no per-row Python loop except to describe the rows that are wrong.

Row numbers: the header is row 1 and data record *n* is row *n + 1*, which is what a spreadsheet
shows. A quoted value holding a line break still makes one record (one spreadsheet row), so the
row number counts records, not physical lines of the file. Blank rows count as rows and are
skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import operator
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.domain.enums import (
    ArmsOutcome,
    ManagementMode,
    OrderType,
    RiskLevel,
    Role,
    Sex,
    Status,
    VisitOutcome,
)

ERROR = "error"
WARNING = "warning"

DATE_EXPECTED = "YYYY-MM-DD or DD/MM/YYYY"
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0")
INDEFINITE = "indefinite"
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_UK_DATE = r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"


# --- the column spec ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ColumnSpec:
    """One column of IMPORT-FORMAT.md: its kind, whether it is required, and its checks.

    ``kind`` is one of ``text``, ``date``, ``yesno``, ``choice``, ``decimal``, ``whole`` and
    ``date_or_indefinite``. The typed value lands in the database column of the same name (for
    ``date_or_indefinite`` also in ``flag_column``).
    """

    name: str
    kind: str
    required: bool
    example: str
    choices: tuple[str, ...] = ()
    default: Any = None
    unique: bool = False
    references: str | None = None
    not_future: bool = False
    minimum: float | None = None
    maximum: float | None = None
    minimum_exclusive: bool = False
    flag_column: str | None = None
    note: str = ""

    @property
    def expected(self) -> str:
        """What a value must look like, as the error messages say it."""
        if self.kind == "date":
            return DATE_EXPECTED
        if self.kind == "date_or_indefinite":
            return f"{DATE_EXPECTED}, or {INDEFINITE}"
        if self.kind == "yesno":
            return "yes, no, y, n, true, false, 1 or 0"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "decimal":
            low = "<" if self.minimum_exclusive else "<="
            return f"a decimal number, {self.minimum:g} {low} {self.name} <= {self.maximum:g}"
        if self.kind == "whole":
            if self.maximum is None:
                return f"a whole number of at least {self.minimum:g}"
            return f"a whole number from {self.minimum:g} to {self.maximum:g}"
        return "text"


@dataclass(frozen=True)
class TableSpec:
    """One file (or sheet) of the extract and the database table it fills."""

    name: str
    db_table: str
    key: tuple[str, ...]
    required: bool
    columns: tuple[ColumnSpec, ...]

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def db_columns(self) -> list[str]:
        """Database columns this table writes, in spec order."""
        out: list[str] = []
        for column in self.columns:
            out.append(column.name)
            if column.flag_column:
                out.append(column.flag_column)
        return out


def _values(enum: Iterable[Any]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _text(name: str, example: str, *, required: bool = True, unique: bool = False,
          references: str | None = None, note: str = "") -> ColumnSpec:
    return ColumnSpec(name, "text", required, example, unique=unique, references=references,
                      note=note)


def _date(name: str, example: str, *, required: bool = True, not_future: bool = False,
          note: str = "") -> ColumnSpec:
    return ColumnSpec(name, "date", required, example, not_future=not_future, note=note)


def _choice(name: str, example: str, choices: tuple[str, ...], *, required: bool = True,
            default: str | None = None) -> ColumnSpec:
    return ColumnSpec(name, "choice", required, example, choices=choices, default=default)


TABLES: dict[str, TableSpec] = {
    spec.name: spec for spec in (
        TableSpec("managers", "manager", ("manager_id",), True, (
            _text("manager_id", "OM001", unique=True),
            _text("name", "Alex Example"),
            _text("bcu", "East"),
            _text("team", "East 1"),
            ColumnSpec("fte", "decimal", True, "1", minimum=0.0, maximum=1.0,
                       minimum_exclusive=True),
            _choice("role", "offender_manager", _values(Role), required=False,
                    default=Role.OFFENDER_MANAGER.value),
            ColumnSpec("active", "yesno", False, "yes", default=True),
        )),
        TableSpec("offenders", "rso", ("rso_id",), True, (
            _text("rso_id", "R000001", unique=True),
            _text("family_name", "Example"),
            _text("given_names", "Sam"),
            _date("date_of_birth", "1970-01-31", not_future=True),
            _choice("sex", "male", _values(Sex)),
            _text("bcu", "East"),
            _text("team", "East 1", required=False,
                  note="with no manager_id, the RSO is pooled in this team"),
            _text("neighbourhood", "Burnley Central", required=False),
            _choice("status", "community", _values(Status)),
            _choice("risk_level", "medium", _values(RiskLevel), required=False),
            _choice("management", "active", _values(ManagementMode), required=False,
                    default=ManagementMode.ACTIVE.value),
            _text("manager_id", "OM001", required=False, references="managers"),
            _date("registered_on", "2012-03-14"),
            _date("community_since", "2012-03-14", required=False),
            ColumnSpec("notification_ends", "date_or_indefinite", False, "indefinite",
                       flag_column="notification_indefinite"),
            ColumnSpec("visit_interval_months", "whole", False, "3", minimum=1, maximum=24),
            _text("visit_interval_reason", "Risk management plan, 2017 review", required=False),
            _date("last_concern_on", "2014-06-30", required=False),
            ColumnSpec("paper_records_only", "yesno", False, "no", default=False),
        )),
        TableSpec("visits", "visit", ("visit_id",), False, (
            _text("visit_id", "V0000001", unique=True),
            _text("rso_id", "R000001", references="offenders"),
            _date("visited_on", "2017-06-01", not_future=True),
            _choice("outcome", "completed", _values(VisitOutcome)),
            ColumnSpec("officers", "whole", False, "2", default=2, minimum=1),
        )),
        TableSpec("arms", "arms", ("rso_id", "completed_on"), False, (
            _text("rso_id", "R000001", references="offenders"),
            _date("completed_on", "2017-05-02"),
            _choice("outcome", "low", _values(ArmsOutcome)),
        )),
        TableSpec("orders", "civil_order", ("order_id",), False, (
            _text("order_id", "O00001", unique=True),
            _text("rso_id", "R000001", references="offenders"),
            _choice("type", "SHPO", _values(OrderType)),
            _date("starts_on", "2015-09-01"),
            _date("ends_on", "2020-09-01", required=False),
        )),
    )
}

#: Which key a reference column must match: the table's one-column key.
REFERENCED_KEY = {"managers": "manager_id", "offenders": "rso_id"}


# --- issues ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportIssue:
    """One problem with an extract. ``row`` is the spreadsheet row (header = 1); ``row`` and
    ``column`` are None for problems with a whole file or column."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        if self.value is None:
            return f"{where}: {self.message}"
        return f"{where}: {quote(self.value)} {self.message}"


def quote(value: str) -> str:
    """A value in double quotes, line breaks and control characters escaped: one issue a line."""
    return json.dumps(value, ensure_ascii=False)


class ExtractUnusable(Exception):
    """The input is not an extract at all (missing, unreadable, not a folder/.zip/.xlsx, or
    holding none of the extract's tables). The message is fit to show a user."""


# --- reading ------------------------------------------------------------------------------------

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
    recognised = set(extract.tables) | {_issue_table(i) for i in extract.issues
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


# --- validation ---------------------------------------------------------------------------------

@dataclass
class ValidTable:
    """A table as the database holds it: dates as ISO text, yes/no as booleans, whole numbers as
    int or None, blanks as None; one row per (non-blank) data row of the file, in file order.
    ``present`` names the database columns the file gave (others are left as they are)."""

    spec: TableSpec
    label: str
    frame: pd.DataFrame
    present: frozenset[str]
    rows: np.ndarray


#: Whole numbers are stored as SQL integers; a value above this cannot be an officer count.
WHOLE_LIMIT = 2**31 - 1


@dataclass
class _Column:
    """One column's cells, factorised: ``uniques`` stripped, ``codes`` per row. ``stripped`` says
    whether stripping changed a value (then two distinct values may have become one)."""

    codes: np.ndarray
    uniques: np.ndarray
    stripped: bool = False

    @classmethod
    def of(cls, values: pd.Series) -> _Column:
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
        text = [u if isinstance(u, str) else "" for u in uniques]
        stripped = [u.strip() for u in text]
        changed = not all(map(operator.is_, stripped, uniques))
        return cls(np.asarray(codes, dtype=np.intp), np.array(stripped, dtype=object), changed)

    def subset(self, keep: np.ndarray) -> _Column:
        return _Column(self.codes[keep], self.uniques, self.stripped)

    @property
    def all_distinct(self) -> bool:
        """Every row holds its own value (cheap: no hashing beyond the factorisation)."""
        return not self.stripped and len(self.uniques) == len(self.codes)

    def full(self, per_unique: np.ndarray) -> np.ndarray:
        """Per-distinct-value results spread back over the rows."""
        return per_unique.take(self.codes) if len(self.codes) else per_unique[:0]

    @property
    def blank(self) -> np.ndarray:
        return self.full(self.uniques == "")

    @property
    def text(self) -> np.ndarray:
        return self.full(self.uniques)


def _dates(uniques: np.ndarray) -> np.ndarray:
    """Distinct text values as datetime64[D]; NaT for blanks and anything not a real date."""
    values = pd.Series(uniques, dtype=object)
    parsed = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    for pattern, fmt in ((_ISO_DATE, "%Y-%m-%d"), (_UK_DATE, "%d/%m/%Y")):
        match = values.str.fullmatch(pattern).fillna(False).to_numpy(bool)
        if match.any():
            converted = pd.to_datetime(values[match], format=fmt, errors="coerce")
            parsed[match] = converted.to_numpy("datetime64[D]")
    return parsed


def _iso(parsed: np.ndarray) -> np.ndarray:
    """ISO date text (the database's representation), None where there is no date."""
    text = parsed.astype(str).astype(object)
    text[np.isnat(parsed)] = None
    return text


class _Checker:
    """Collects the issues of one table."""

    def __init__(self, label: str, rows: np.ndarray) -> None:
        self.label = label
        self.row_numbers = rows
        self.issues: list[ImportIssue] = []

    def rows(self, column: str, mask: np.ndarray, values: np.ndarray,
             message: str | Callable[[int], str], severity: str = ERROR) -> None:
        """One issue for each row where ``mask`` holds; ``message`` may depend on the row index."""
        for i in np.flatnonzero(mask):
            text = message(i) if callable(message) else message
            self.issues.append(ImportIssue(self.label, int(self.row_numbers[i]), column,
                                           str(values[i]), text, severity))

    def file(self, column: str | None, message: str, severity: str = ERROR) -> None:
        self.issues.append(ImportIssue(self.label, None, column, None, message, severity))


def _header(raw: RawTable, spec: TableSpec, check: _Checker) -> dict[str, int]:
    """Spec column name -> position in the file; unknown columns are a warning."""
    positions: dict[str, int] = {}
    known = set(spec.column_names)
    for position, title in enumerate(raw.header):
        name = title.strip().lower()
        if not name:
            continue
        if name not in known:
            check.file(title.strip(), "is not a column of " + spec.name + " (expected "
                       + ", ".join(spec.column_names) + "); ignored", WARNING)
            continue
        if name in positions:
            check.file(name, f"appears twice in the header (columns {positions[name] + 1} and "
                             f"{position + 1}); give it once")
            continue
        positions[name] = position
    for column in spec.columns:
        if column.required and column.name not in positions:
            check.file(column.name, f"is missing: the column is required "
                                    f"(expected {column.expected})")
    return positions


def _check_column(spec: ColumnSpec, col: _Column, check: _Checker, today: np.datetime64,
                  out: dict[str, np.ndarray], parsed_dates: dict[str, np.ndarray]) -> None:
    """Check one column's values (blank, form, range) and put its typed values in ``out``."""
    uniques = col.uniques
    blank_u = uniques == ""
    name = spec.name

    def report(bad_u: np.ndarray, message: str | Callable[[int], str]) -> None:
        if bad_u.any():
            check.rows(name, col.full(bad_u), col.text, message)

    if spec.required:
        report(blank_u, f"is blank (expected {spec.expected}; required)")

    if spec.kind == "text":
        values = uniques.copy()
        values[blank_u] = None
        out[name] = col.full(values)
        return

    if spec.kind in ("date", "date_or_indefinite"):
        parsed = _dates(uniques)
        indefinite_u = np.array([u.lower() == INDEFINITE for u in uniques], dtype=bool) \
            if spec.kind == "date_or_indefinite" else np.zeros(len(uniques), dtype=bool)
        report(np.isnat(parsed) & ~blank_u & ~indefinite_u,
               f"is not a date (expected {spec.expected})")
        if spec.not_future:
            report(~np.isnat(parsed) & (parsed > today),
                   f"is in the future (expected a date on or before today, {today})")
        out[name] = col.full(_iso(parsed))
        parsed_dates[name] = col.full(parsed)
        if spec.flag_column:
            out[spec.flag_column] = col.full(indefinite_u)
        return

    if spec.kind == "yesno":
        lowered = np.array([u.lower() for u in uniques], dtype=object)
        yes_u = np.isin(lowered, YES)
        report(~yes_u & ~np.isin(lowered, NO) & ~blank_u,
               f"is not yes or no (expected {spec.expected})")
        out[name] = col.full(np.where(blank_u, bool(spec.default), yes_u).astype(bool))
        return

    if spec.kind == "choice":
        lookup = {_choice_key(c): c for c in spec.choices}
        mapped = np.array([lookup.get(_choice_key(u)) for u in uniques], dtype=object)
        report(np.equal(mapped, None) & ~blank_u,
               f"is not a known {name.replace('_', ' ')} (expected {spec.expected})")
        mapped[blank_u] = spec.default
        out[name] = col.full(mapped)
        return

    numbers = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(float)
    finite = np.isfinite(numbers)
    safe = np.where(finite, numbers, 0.0)
    whole = finite & (np.floor(safe) == safe)
    in_range = finite.copy()
    if spec.minimum is not None:
        in_range &= (safe > spec.minimum) if spec.minimum_exclusive else (safe >= spec.minimum)
    if spec.maximum is not None:
        in_range &= safe <= spec.maximum
    if spec.kind == "whole":
        in_range &= whole & (safe <= WHOLE_LIMIT)
    bad_u = ~in_range & ~blank_u
    if bad_u.any():
        kind = "a whole number" if spec.kind == "whole" else "a number"
        what = np.where(~finite, f"is not {kind}",
                        np.where((spec.kind == "whole") & ~whole, "is not a whole number",
                                 "is out of range"))
        full_what = col.full(what.astype(object))
        report(bad_u, lambda i: f"{full_what[i]} (expected {spec.expected})")
    if spec.kind == "whole":
        values = np.array([int(n) if ok else None for n, ok in zip(safe, in_range, strict=True)],
                          dtype=object)
    else:
        values = np.where(in_range, numbers, np.nan).astype(object)
        values[~in_range] = None
    values[blank_u] = spec.default
    out[name] = col.full(values)


def _choice_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _validate_table(raw: RawTable, spec: TableSpec, today: np.datetime64
                    ) -> tuple[ValidTable, dict[str, np.ndarray], dict[str, _Column],
                               list[ImportIssue]]:
    check = _Checker(raw.label, raw.rows)
    positions = _header(raw, spec, check)
    columns = {position: _Column.of(raw.cells[position])
               for position in range(raw.cells.shape[1])}
    rows = raw.rows
    if len(rows) and columns:
        blank = np.ones(len(rows), dtype=bool)
        for col in columns.values():
            if (col.uniques == "").any():
                blank &= col.blank
            else:
                blank[:] = False
                break
        if blank.any():
            keep = ~blank
            columns = {p: c.subset(keep) for p, c in columns.items()}
            rows = rows[keep]
            check.row_numbers = rows
    for position, col in columns.items():
        if raw.header[position].strip() == "" and (col.uniques != "").any():
            check.file(None, f"column {position + 1} has values but no name in the header; "
                             "ignored", WARNING)
    out: dict[str, np.ndarray] = {}
    parsed: dict[str, np.ndarray] = {}
    for column in spec.columns:
        if column.name not in positions:
            continue
        col = columns[positions[column.name]]
        _check_column(column, col, check, today, out, parsed)
        if column.unique and not col.all_distinct:
            _unique(check, column.name, out[column.name], col.text)
    if len(spec.key) > 1 and all(k in out for k in spec.key):
        _unique_pair(check, spec.key, out, columns[positions[spec.key[-1]]].text)
    frame = pd.DataFrame({k: pd.Series(v, dtype=bool if v.dtype == bool else object)
                          for k, v in out.items()}, index=pd.RangeIndex(len(rows)))
    table = ValidTable(spec, raw.label, frame, frozenset(out), rows)
    by_name = {name: columns[position] for name, position in positions.items()}
    return table, parsed, by_name, check.issues


def _unique(check: _Checker, name: str, values: np.ndarray, text: np.ndarray) -> None:
    series = pd.Series(values, dtype=object)
    repeated = series.duplicated(keep="first").to_numpy() & series.notna().to_numpy()
    if not repeated.any():
        return
    rows = pd.Series(check.row_numbers)
    first = rows.groupby(series.to_numpy()).transform("min").to_numpy()
    check.rows(name, repeated, text, lambda i: f"repeats row {first[i]} (expected a unique "
                                               f"{name})")


def _unique_pair(check: _Checker, key: tuple[str, ...], out: dict[str, np.ndarray],
                 text: np.ndarray) -> None:
    frame = pd.DataFrame({k: pd.Series(out[k], dtype=object) for k in key})
    repeated = frame.duplicated(keep="first").to_numpy() & frame.notna().all(axis=1).to_numpy()
    if not repeated.any():
        return
    rows = pd.Series(check.row_numbers)
    first = rows.groupby([frame[k] for k in key]).transform("min").to_numpy()
    what = " and ".join(key)
    check.rows(key[-1], repeated, text,
               lambda i: f"repeats row {first[i]} (expected one row per {what})")


def validate_extract(extract: Extract, *, known_ids: Mapping[str, Iterable[str]] | None = None,
                     today: date | None = None) -> tuple[dict[str, ValidTable], list[ImportIssue]]:
    """Check every table of ``extract``; return the typed tables and every issue found (errors
    first, in file, row and column order).

    ``known_ids`` holds the ids already in the database (``{"managers": ..., "offenders": ...}``):
    a reference may name a row of the extract or one the database holds. "In the future" means
    after ``today`` (default: the real today).
    """
    today_d = np.datetime64(today or date.today(), "D")
    issues = list(extract.issues)
    valid: dict[str, ValidTable] = {}
    parsed: dict[str, dict[str, np.ndarray]] = {}
    cells: dict[str, dict[str, _Column]] = {}
    broken = {_issue_table(i) for i in issues if i.severity == ERROR}
    for spec in TABLES.values():
        raw = extract.tables.get(spec.name)
        if raw is None:
            if spec.required and spec.name not in broken:
                if extract.is_workbook:
                    found = ", ".join(f.removeprefix("sheet ") for f in extract.found)
                    message = f"has no sheet named {spec.name} (required; sheets found: {found})"
                else:
                    message = f"has no {spec.filename} (required)"
                issues.append(ImportIssue(extract.source, None, None, None, message))
            continue
        table, dates, columns, table_issues = _validate_table(raw, spec, today_d)
        valid[spec.name] = table
        parsed[spec.name] = dates
        cells[spec.name] = columns
        issues.extend(table_issues)
    unreadable = {name for name in broken if name not in extract.tables}
    _cross_checks(valid, parsed, cells, known_ids or {}, unreadable, issues)
    order = {name: i for i, name in enumerate(TABLES)}
    issues.sort(key=lambda i: (i.severity != ERROR, order.get(_issue_table(i), -1),
                               i.row or 0, _column_order(i)))
    return valid, issues


def _issue_table(issue: ImportIssue) -> str:
    label = issue.file.strip().lower()
    if label.startswith("sheet "):
        return label[6:].strip()
    return label[:-4].strip() if label.endswith(".csv") else label


def _column_order(issue: ImportIssue) -> int:
    spec = TABLES.get(_issue_table(issue))
    if spec is None or issue.column not in spec.column_names:
        return -1
    return spec.column_names.index(issue.column)


def _cross_checks(valid: dict[str, ValidTable], parsed: dict[str, dict[str, np.ndarray]],
                  cells: dict[str, dict[str, _Column]],
                  known_ids: Mapping[str, Iterable[str]], unreadable: set[str],
                  issues: list[ImportIssue]) -> None:
    """Rules between columns and between tables: references, a risk level for community RSOs, a
    reason for an RSO's own interval, an order ending after it starts.

    References to a table whose file could not be read, or that lacks its id column, are not
    checked: its own error says what is wrong, and every reference would only repeat it."""
    ids: dict[str, pd.Index] = {}
    for table, key in REFERENCED_KEY.items():
        if table in valid and key not in valid[table].frame:
            continue
        in_file = valid[table].frame[key].dropna() if table in valid else pd.Series(
            [], dtype=object)
        known = pd.Series(list(known_ids.get(table, ())), dtype=object)
        ids[table] = pd.Index(pd.concat([in_file.astype(object), known], ignore_index=True))

    for table in valid.values():
        check = _Checker(table.label, table.rows)
        frame = table.frame
        columns = cells[table.spec.name]
        for column in table.spec.columns:
            if column.references is None or column.name not in columns \
                    or column.references in unreadable or column.references not in ids:
                continue
            col = columns[column.name]
            known = pd.Index(col.uniques).isin(ids[column.references])
            missing = col.full(~known & (col.uniques != ""))
            key = REFERENCED_KEY[column.references]
            if missing.any():
                check.rows(column.name, missing, col.text,
                           f"is not a {key} of {TABLES[column.references].filename} or of the "
                           f"database (expected an existing {key})")
        if table.spec.name == "offenders":
            _offender_checks(table, {n: c.blank for n, c in columns.items()}, check)
        if table.spec.name == "orders" and {"starts_on", "ends_on"} <= set(frame):
            starts = parsed["orders"]["starts_on"]
            ends = parsed["orders"]["ends_on"]
            early = ~np.isnat(starts) & ~np.isnat(ends) & (ends <= starts)
            start_text = frame["starts_on"].to_numpy(object)
            check.rows("ends_on", early, frame["ends_on"].to_numpy(object),
                       lambda i, starts=start_text: f"is not after starts_on {starts[i]} "
                                                    f"(expected a date after starts_on, or blank)")
        issues.extend(check.issues)


def _offender_checks(table: ValidTable, blanks: dict[str, np.ndarray], check: _Checker) -> None:
    frame = table.frame
    nothing = np.full(len(frame), "", dtype=object)
    if "status" in frame:
        community = (frame["status"] == Status.COMMUNITY.value).to_numpy(bool)
        if "risk_level" in blanks:
            check.rows("risk_level", community & blanks["risk_level"], nothing,
                       "is blank (expected " + ", ".join(_values(RiskLevel))
                       + ": required for an RSO in the community)")
        elif community.any():
            check.file("risk_level", "is missing: the column is required when any RSO is in "
                                     "the community")
    if "visit_interval_months" in frame:
        has_interval = ~blanks["visit_interval_months"]
        if "visit_interval_reason" in blanks:
            check.rows("visit_interval_reason", has_interval & blanks["visit_interval_reason"],
                       nothing, "is blank (expected the reason for the RSO's own visit "
                                "interval: required with visit_interval_months)")
        elif has_interval.any():
            check.file("visit_interval_reason", "is missing: a reason is required for every "
                                                "visit_interval_months given")
