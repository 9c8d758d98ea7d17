"""Exports: the whole register as an extract, and any table's frame as CSV or XLSX.

``export_extract`` writes the register in the import format (IMPORT-FORMAT.md, from the same
column spec the import validates with), so exporting and importing into an empty database gives
the same figures. What the import format cannot carry stays behind: the allocation history (the
new database starts each RSO's history at the RSO's current holder), management decisions, absences
and policy values.

``export_frame`` writes exactly the frame a table view shows, in its order, with the columns it
shows. CSV carries dates as YYYY-MM-DD (the import format, so a CSV can go back in); XLSX carries
real dates shown as DD/MM/YYYY.

Every file is written through ``exchange.files`` (owner-only, complete or not at all, no named
temporary file left if the command is killed); a place that cannot be written is ``ExportError``.
Every file is marked and no cell can start a formula (``exchange.outgoing``): a CSV file's first
line is ``OFFICIAL-SENSITIVE``, then the header; a sheet's first row holds the marking, its
second the header, and its printed header and footer and the workbook's properties say it too;
text that could start a formula is written with a leading apostrophe, which the import takes off.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.align import each_value
from ncpi_desktop.exchange.compare import read_table
from ncpi_desktop.exchange.files import discard_workbook, replacing, save_workbook, write_bytes
from ncpi_desktop.exchange.import_format import INDEFINITE, TABLES, TableSpec
from ncpi_desktop.exchange.outgoing import (
    MARKING,
    MARKING_LINE,
    QUOTE,
    mark_workbook,
    new_marked_sheet,
    safe_column,
    safe_frame,
    safe_text,
    starts_formula,
)

Progress = Callable[[int, int, str], None]

#: Rows a worksheet holds, the marking and the header included (Excel's limit).
XLSX_MAX_ROWS = 1_048_576
#: Rows of a sheet before the data: the marking and the header.
XLSX_HEAD_ROWS = 2
XLSX_DATE_FORMAT = "DD/MM/YYYY"
XLSX_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel read UTF-8 names correctly


class ExportError(Exception):
    """The export cannot be written where asked; the message is fit to show a user."""


# --- the whole register ---------------------------------------------------------------------

def register_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    """The register as the import format's tables: every column as the text an extract holds,
    rows in key order. Read in one transaction, so the tables agree with each other."""
    frames: dict[str, pd.DataFrame] = {}
    with engine.connect() as connection:
        for spec in TABLES.values():
            frames[spec.name] = _as_text(read_table(connection, spec), spec)
    return frames


def _as_text(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    frame = frame.sort_values(list(spec.key), kind="stable").reset_index(drop=True)
    out: dict[str, Any] = {}
    for column in spec.columns:
        values = frame[column.name].to_numpy(dtype=object)
        if column.kind == "yesno":
            text = np.where(values.astype(bool), "yes", "no").astype(object)
        elif column.kind in ("decimal", "whole"):
            text = each_value(pd.Series(values, dtype=object), _number_text)
        else:
            text = values.copy()
            text[pd.isna(values)] = ""
        if column.flag_column:
            text[frame[column.flag_column].astype(bool).to_numpy()] = INDEFINITE
        out[column.name] = text
    return pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in out.items()},
                        columns=spec.column_names)


def _number_text(value: Any) -> str:
    """A number as the extract writes it (blank: ""), worked out once per distinct value."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def export_extract(engine: Engine, out: str | Path, *,
                   progress: Progress | None = None) -> dict[str, int]:
    """Write the register to ``out``: a folder of CSV files (created if needed), a ``.zip`` of
    them, or an ``.xlsx`` workbook with a sheet per table. Returns the rows written per table."""
    path = Path(out)
    kind = _extract_kind(path)
    report = progress or (lambda _done, _total, _what: None)
    steps = len(TABLES) + 1
    report(0, steps, "Reading the register")
    frames = {name: _safe_extract(frame, TABLES[name])
              for name, frame in register_frames(engine).items()}
    if kind == "xlsx":
        too_big = [f"{name} ({len(f):,} rows)" for name, f in frames.items()
                   if len(f) + XLSX_HEAD_ROWS > XLSX_MAX_ROWS]
        if too_big:
            raise ExportError(f"Too many rows for a worksheet: {', '.join(too_big)}; export to "
                              f"a folder or a .zip instead")
    _parent_exists(path)
    with _writing(path):
        if kind == "folder":
            path.mkdir(exist_ok=True)
            for done, (name, frame) in enumerate(frames.items(), start=1):
                report(done, steps, f"Writing {TABLES[name].filename}")
                write_bytes(path / TABLES[name].filename, _csv_bytes(frame))
        elif kind == "zip":
            with replacing(path) as partial, \
                    zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.comment = MARKING.encode()
                for done, (name, frame) in enumerate(frames.items(), start=1):
                    report(done, steps, f"Writing {TABLES[name].filename}")
                    archive.writestr(TABLES[name].filename, _csv_bytes(frame))
        else:
            _write_extract_workbook(path, frames, report, steps)
    report(steps, steps, "Done")
    return {name: len(frame) for name, frame in frames.items()}


def _safe_extract(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The extract's text with no cell able to start a formula (numbers are left alone)."""
    kinds = {c.name: c.kind for c in spec.columns}
    return pd.DataFrame({c: frame[c] if kinds[c] in ("decimal", "whole") else
                         safe_column(frame[c]) for c in frame.columns},
                        index=frame.index, columns=frame.columns)


def _extract_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return "zip"
    if suffix == ".xlsx":
        return "xlsx"
    if path.exists() and not path.is_dir():
        raise ExportError(f"{path} is a file: give a folder, a .zip or an .xlsx file")
    if suffix:
        raise ExportError(f"Cannot export an extract to a {suffix} file: give a folder, a .zip "
                          f"or an .xlsx file")
    return "folder"


def _parent_exists(path: Path) -> None:
    if not path.resolve().parent.is_dir():
        raise ExportError(f"The folder {path.resolve().parent} does not exist")


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """An output that cannot be written (a folder not writable, a full disk) as ``ExportError``;
    nothing partial is left (``exchange.files.replacing``)."""
    try:
        yield
    except OSError as exc:
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}; choose another "
                          f"folder, or free some space") from exc


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame of text, already safe (``safe_column``), as a marked CSV file: the marking line,
    the header, the rows (the csv module: quoting as the import reads it, and faster than
    ``DataFrame.to_csv`` on text columns)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([MARKING_LINE])
    writer.writerow([safe_text(str(c)) for c in frame.columns])
    writer.writerows(zip(*(frame[c].tolist() for c in frame.columns), strict=True))
    return buffer.getvalue().encode(CSV_ENCODING)


def _write_extract_workbook(path: Path, frames: dict[str, pd.DataFrame], report: Progress,
                            steps: int) -> None:
    """One sheet per table; dates as real dates, numbers as numbers, everything else as text."""
    workbook, header_font = _new_workbook()
    try:
        for done, (name, frame) in enumerate(frames.items(), start=1):
            report(done, steps, f"Writing sheet {name}")
            sheet = new_marked_sheet(workbook, name)
            spec = TABLES[name]
            converters = [_extract_cell(spec.column(c).kind) for c in frame.columns]
            sheet.append([_header_cell(sheet, c, header_font) for c in frame.columns])
            for row in frame.itertuples(index=False, name=None):
                sheet.append([_typed_cell(sheet, convert(value))
                              for convert, value in zip(converters, row, strict=True)])
    except BaseException:
        discard_workbook(workbook)
        raise
    _save(workbook, path)


def _extract_cell(kind: str) -> Callable[[str], Any]:
    """Text of the extract to the value a workbook cell holds (reading gives the text back)."""
    if kind in ("date", "date_or_indefinite"):
        return lambda v: date.fromisoformat(v) if v and v != INDEFINITE else v
    if kind == "decimal":
        return lambda v: float(v) if v else v
    if kind == "whole":
        return lambda v: int(v) if v else v
    return lambda v: v  # text: already safe (``_safe_extract``)


# --- a table view ---------------------------------------------------------------------------

def export_frame(frame: pd.DataFrame, columns: Sequence[str] | Mapping[str, str] | None,
                 path: str | Path, *, sheet: str = "Export") -> int:
    """Write ``frame`` (rows in its order) to ``path`` (.csv or .xlsx) and return the rows written.

    ``columns`` picks the columns in order, or maps each column to the header the view shows;
    None writes every column under its own name. Dates: YYYY-MM-DD in CSV, real dates shown as
    DD/MM/YYYY in XLSX; yes/no for booleans; blanks for missing values.
    """
    path = Path(path)
    if columns is None:
        names, headers = list(frame.columns), [str(c) for c in frame.columns]
    elif isinstance(columns, Mapping):
        names, headers = list(columns), [str(h) for h in columns.values()]
    else:
        names, headers = list(columns), [str(c) for c in columns]
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise ExportError(f"No column(s) {', '.join(map(str, missing))} in the table")
    data = safe_frame(frame[names])  # no text cell can start a formula; numbers stay numbers
    suffix = path.suffix.lower()
    _parent_exists(path)
    if suffix == ".csv":
        text = pd.DataFrame({i: _csv_column(data.iloc[:, i]) for i in range(len(names))})
        text.columns = headers
        with _writing(path):
            write_bytes(path, _csv_bytes(text))
    elif suffix == ".xlsx":
        if len(data) + XLSX_HEAD_ROWS > XLSX_MAX_ROWS:
            raise ExportError(f"{len(data):,} rows are too many for a worksheet; export to CSV")
        workbook, header_font = _new_workbook()
        worksheet = new_marked_sheet(workbook, sheet[:31] or "Export")
        worksheet.append([_header_cell(worksheet, h, header_font) for h in headers])
        cells = [_xlsx_column(data.iloc[:, i]) for i in range(len(names))]
        for row in zip(*cells, strict=True) if cells else []:
            worksheet.append([_typed_cell(worksheet, v) for v in row])
        _save(workbook, path)
    else:
        raise ExportError(f"Cannot export a table to a {suffix or 'file without a'} file: "
                          f"use .csv or .xlsx")
    return len(data)


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and value != value)


def _csv_column(values: pd.Series) -> pd.Series:
    """A column as CSV text: dates ISO, booleans yes/no, blanks for missing."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        text = values.dt.strftime(_date_pattern(values)).astype(object)
        return text.where(values.notna(), "")
    if values.dtype == bool:
        return pd.Series(np.where(values, "yes", "no"), index=values.index, dtype=object)
    return pd.Series([_plain_text(v) for v in values], index=values.index, dtype=object)


def _date_pattern(values: pd.Series) -> str:
    """Dates alone, unless some value of the column carries a time of day."""
    present = values.dropna()
    if present.empty or (present == present.dt.normalize()).all():
        return "%Y-%m-%d"
    return "%Y-%m-%d %H:%M"


def _plain_text(value: Any) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d" if value == value.replace(
            hour=0, minute=0, second=0, microsecond=0) else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _xlsx_column(values: pd.Series) -> list[Any]:
    """A column as the values XLSX cells hold: dates as dates, numbers as numbers."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        with_time = _date_pattern(values) != "%Y-%m-%d"
        stamps = values.dt.tz_localize(None) if values.dt.tz is not None else values
        return [None if pd.isna(v) else (v.to_pydatetime() if with_time else v.date())
                for v in stamps]
    out: list[Any] = []
    for value in values.tolist():
        if _is_missing(value):
            out.append(None)
        elif isinstance(value, (bool, np.bool_)):
            out.append("yes" if value else "no")
        elif isinstance(value, pd.Timestamp):
            out.append(value.tz_localize(None).to_pydatetime() if value.tzinfo else
                       value.to_pydatetime())
        elif isinstance(value, datetime):
            out.append(value.replace(tzinfo=None))
        elif isinstance(value, np.generic):
            out.append(value.item())
        else:
            out.append(value)
    return out


# --- workbook helpers -----------------------------------------------------------------------

def _new_workbook() -> tuple[Any, Any]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    mark_workbook(workbook)
    return workbook, Font(bold=True)


def _header_cell(sheet: Any, title: str, font: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=safe_text(_clean_text(title)))
    cell.data_type = "s"
    cell.font = font
    return cell


def _clean_text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _typed_cell(sheet: Any, value: Any) -> Any:
    """Dates get the UK date format; text (already ``safe_text``) is kept as text: a cell
    holding text is never a formula."""
    if isinstance(value, datetime | date):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATETIME_FORMAT if isinstance(value, datetime) \
            else XLSX_DATE_FORMAT
        return cell
    if isinstance(value, str):
        cleaned = _clean_text(value)
        if cleaned != value and starts_formula(cleaned):  # a control character hid it
            cleaned = QUOTE + cleaned
        value = cleaned
        if value.startswith("="):  # (safe text never does: a last guard)
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            return cell
        return value
    return value


def _save(workbook: Any, path: Path) -> None:
    with _writing(path):
        save_workbook(workbook, path)
