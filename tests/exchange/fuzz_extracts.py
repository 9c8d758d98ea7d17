"""Mutated extracts for the import fuzz test (test_import_fuzz.py): a plan of mutations, drawn by
Hypothesis, turned into a folder of CSV files, a .zip of one or an .xlsx workbook.

A plan is ``(form, tables, files, package)``:

- ``form``: ``folder``, ``zip``, ``zip in a folder`` (the CSVs in one folder inside the .zip)
  or ``xlsx``;
- ``tables``: edits of the valid extract's rows (columns dropped, duplicated or swapped, cells
  replaced by odd or huge text or by typed values, rows deleted or repeated, ids duplicated,
  tables dropped, junk rows, odd sheets in a workbook);
- ``files``: edits of the files' bytes (for a .zip the members, for a workbook the XML parts):
  truncated, emptied, a byte flipped, bytes that are not UTF-8 inserted, re-encoded, renamed,
  padded with up to 200,000 blank lines, quotes or NULs, replaced by hostile XML (entities, an
  external entity, a document type), odd files added beside them;
- ``package``: edits of the .zip or .xlsx file itself (a byte flipped, truncated, junk added).

Plans are plain tuples, so a failing one can be kept as an ``@example``.
"""

from __future__ import annotations

import csv
import io
import operator
import warnings
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from extract_files import valid_rows
from hypothesis import strategies as st

from ncpi_desktop.exchange.import_format import TABLES

NAMES = list(TABLES)
Grid = list[list[Any]]

FORMS = ("folder", "zip", "zip in a folder", "xlsx")
INTERESTING = [
    "", " ", "indefinite", "31/02/2017", "29/02/2016", "1/1/2017", "0", "0.5", "-1", "25",
    "yes", "maybe", "R1", "R2", "R99", "r1", "OM1", "om1", "OM9", "custody", "very high", "low",
    "SHPO", "nan", "inf", "1e400", "9999-12-31", "0000-01-01", "0001-01-01", "1899-12-31",
    "2999-01-01", "\x00", "R\x001", '"', '"unclosed', "a,b", "line\nbreak", "\r", "=1+1",
    "=HYPERLINK(\"x\")", "\ufeff", "é", "\u202e", "\ud800", "<x/>", "&amp;",
]
CONTROL = st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\x85\u2028\u2029\ufffe\u200b")
HUGE = st.builds(operator.mul, st.sampled_from(["x", "é", "\x00", ",", '"', "\n", "R1", "😀"]),
                 st.integers(min_value=201, max_value=200_000))
TEXT = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=16),
                 st.text(CONTROL, min_size=1, max_size=6), HUGE)
TYPED = st.sampled_from([0, 1, -1, 1.5, 1e308, True, False, date(1900, 1, 1),
                         date(2017, 1, 1), datetime(2017, 1, 1, 12, 30), time(12, 0)])
CELL = TEXT | TYPED
TABLE = st.sampled_from(NAMES)
AT = st.integers(min_value=0, max_value=10**6)  # a row, column or byte, modulo the size
TITLE = st.sampled_from(["offenders", "Offenders ", "OFFENDERS", "visits", "Sheet1", "x" * 31,
                         "History", "orders"])

TABLE_EDITS = st.one_of(
    st.tuples(st.just("drop column"), TABLE, AT),
    st.tuples(st.just("duplicate column"), TABLE, AT),
    st.tuples(st.just("swap columns"), TABLE, AT, AT),
    st.tuples(st.just("edit"), TABLE, AT, AT, CELL),
    st.tuples(st.just("edit header"), TABLE, AT, TEXT),
    st.tuples(st.just("delete row"), TABLE, AT),
    st.tuples(st.just("duplicate row"), TABLE, AT),
    st.tuples(st.just("duplicate id"), TABLE, AT, AT),
    st.tuples(st.just("repeat row"), TABLE, AT, st.integers(min_value=2, max_value=3000)),
    st.tuples(st.just("drop table"), TABLE),
    st.tuples(st.just("junk row"), TABLE, st.lists(CELL, max_size=25)),
    # workbooks only (ignored for CSV files):
    st.tuples(st.just("chartsheet"), TITLE),
    st.tuples(st.just("empty sheet"), TITLE),
    st.tuples(st.just("rename sheet"), TABLE, TITLE),
)

_LAUGHS = "".join(f'<!ENTITY l{i + 1} "{f"&l{i};" * 10}">' for i in range(6))
#: Parts a hostile workbook may hold: entities expanding to 3 MB (small, in case no parser
#: stops them), an external entity, a document type declaration.
XML = {
    "entities": f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "lol">{_LAUGHS}]><w>&l6;</w>',
    "external": '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                "<w>&e;</w>",
    "doctype": '<?xml version="1.0"?><!DOCTYPE w SYSTEM "http://localhost:1/w.dtd"><w/>',
}
_SHEET = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          '<dimension ref="A1:A2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>rso_id'
          '</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>{}</t></is></c></row>'
          '</sheetData></worksheet>')
XML["sheet entities"] = XML["entities"].split("<w>")[0] + _SHEET.format("&l6;")
XML["sheet external"] = XML["external"].split("<w>")[0] + _SHEET.format("&e;")
JUNK = st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\x00",
                        b"\r", b'"', "é".encode("latin-1"), b"\xef\xbb\xbf", b"PK\x03\x04"])
FILE_NAMES = st.sampled_from([
    "offenders.csv", "Offenders.CSV", " visits.csv", "managers.csv.bak", "arms.txt",
    ".orders.csv", "__MACOSX/._offenders.csv", "sub/offenders.csv", "a/b/visits.csv",
    "../managers.csv", "/arms.csv", "dir/", "extract/orders.csv", "readme.csv",
])
FILE_EDITS = st.one_of(
    st.tuples(st.just("truncate"), AT, AT),
    st.tuples(st.just("empty"), AT),
    st.tuples(st.just("flip"), AT, AT, st.integers(min_value=1, max_value=255)),
    st.tuples(st.just("insert"), AT, AT, JUNK),
    st.tuples(st.just("encode"), AT, st.sampled_from(["utf-16", "latin-1", "cp1252",
                                                      "utf-8-sig", "utf-32"])),
    st.tuples(st.just("rename"), AT, FILE_NAMES),
    st.tuples(st.just("add"), FILE_NAMES, AT),
    st.tuples(st.just("add junk"), FILE_NAMES, st.binary(max_size=64)),
    st.tuples(st.just("xml"), AT, st.sampled_from(sorted(XML))),
    st.tuples(st.just("pad"), AT, st.sampled_from([b"\n", b",,,,\r\n", b'"', b"\x00"]),
              st.integers(min_value=1, max_value=200_000)),
)
PACKAGE_EDITS = st.one_of(
    st.tuples(st.just("flip"), AT, st.integers(min_value=1, max_value=255)),
    st.tuples(st.just("truncate"), AT),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("compress"), st.sampled_from(["stored", "bzip2", "lzma"])),
)
PLANS = st.tuples(
    st.sampled_from(FORMS),
    st.lists(TABLE_EDITS, max_size=6),
    st.lists(FILE_EDITS, max_size=3),
    st.lists(PACKAGE_EDITS, max_size=2),
)


def grids() -> dict[str, Grid]:
    """The valid extract as a header and rows per table."""
    return {name: [list(rows[0])] + [list(row.values()) for row in rows]
            for name, rows in valid_rows().items()}


def edit_tables(tables: dict[str, Grid], edits: list[tuple]) -> list[tuple]:
    """Apply the table edits in place; return the workbook-only ones for ``write_workbook``."""
    sheets = []
    for kind, *args in edits:
        if kind in ("chartsheet", "empty sheet", "rename sheet"):
            sheets.append((kind, *args))
        elif args[0] in tables:
            _edit_grid(tables, kind, args[0], *args[1:])
    return sheets


def _edit_grid(tables: dict[str, Grid], kind: str, name: str, *args: Any) -> None:
    grid = tables[name]
    body = len(grid) - 1
    width = len(grid[0])
    if kind == "drop table":
        del tables[name]
    elif kind == "junk row":
        grid.append(list(args[0]))
    elif kind == "edit header" and width:
        grid[0][args[0] % width] = args[1]
    elif kind in ("drop column", "duplicate column", "swap columns") and width:
        i, j = args[0] % width, args[-1] % width
        for row in grid:
            row += [""] * (width - len(row))
            if kind == "drop column":
                del row[i]
            elif kind == "duplicate column":
                row.insert(i, row[i])
            else:
                row[i], row[j] = row[j], row[i]
    elif body and kind in ("edit", "delete row", "duplicate row", "duplicate id", "repeat row"):
        row = 1 + args[0] % body
        if kind == "edit" and grid[row]:
            grid[row][args[1] % len(grid[row])] = args[2]
        elif kind == "delete row":
            del grid[row]
        elif kind == "duplicate row":
            grid.append(list(grid[row]))
        elif kind == "duplicate id" and grid[row]:
            other = grid[1 + args[1] % body]
            if other:
                other[0] = grid[row][0]
        elif kind == "repeat row":
            grid.extend(list(grid[row]) for _ in range(args[1]))


def csv_bytes(grid: Grid) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(
        [_text(v) for v in row] for row in grid)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date | time) else str(value)


def workbook_bytes(tables: dict[str, Grid], sheets: list[tuple]) -> bytes:
    """The tables as an .xlsx, with the odd sheets asked for (a chartsheet with no chart, an
    empty sheet, a table's sheet renamed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a title over 31 characters: still a workbook
        return _workbook(tables, sheets)


def _workbook(tables: dict[str, Grid], sheets: list[tuple]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    workbook.remove(workbook.active)
    made = {name: workbook.create_sheet(name) for name in tables}
    for name, grid in tables.items():
        for row in grid:
            made[name].append([_cell(v, ILLEGAL_CHARACTERS_RE) for v in row])
    for kind, *args in sheets:
        try:
            if kind == "chartsheet":
                workbook.create_chartsheet(args[0])
            elif kind == "empty sheet":
                workbook.create_sheet(args[0])
            elif args[0] in made:
                made[args[0]].title = args[1]
        except ValueError:
            continue  # a title openpyxl refuses: no such workbook can be made
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(value: Any, illegal) -> Any:  # noqa: ANN001 - a compiled pattern
    if isinstance(value, str):
        return illegal.sub("", value.encode("utf-8", "replace").decode("utf-8"))
    return value


Files = list[tuple[str, bytes]]  # a name may come twice, as in a .zip


def edit_files(files: Files, edits: list[tuple]) -> Files:
    """Apply the byte-level edits; each names a file by its position (modulo their number)."""
    for kind, *args in edits:
        if kind == "add":
            files.append((args[0], files[args[1] % len(files)][1] if files else b""))
            continue
        if kind == "add junk":
            files.append((args[0], args[1]))
            continue
        if not files:
            continue
        at = args[0] % len(files)
        name, data = files[at]
        files[at] = (args[1], data) if kind == "rename" else (name, _edit_bytes(kind, data, args))
    return files


def _edit_bytes(kind: str, data: bytes, args: list) -> bytes:
    if kind == "truncate":
        return data[:args[1] % (len(data) + 1)]
    if kind == "empty":
        return b""
    if kind == "flip" and data:
        at = args[1] % len(data)
        return data[:at] + bytes([data[at] ^ args[2]]) + data[at + 1:]
    if kind == "insert":
        at = args[1] % (len(data) + 1)
        return data[:at] + args[2] + data[at:]
    if kind == "encode":
        return data.decode("utf-8", "replace").encode(args[1], "replace")
    if kind == "xml":
        return XML[args[1]].encode()
    if kind == "pad":
        return data + args[1] * args[2]
    return data


def edit_package(data: bytes, edits: list[tuple]) -> bytes:
    for kind, *args in edits:
        if kind == "flip" and data:
            at = args[0] % len(data)
            data = data[:at] + bytes([data[at] ^ args[1]]) + data[at + 1:]
        elif kind == "truncate":
            data = data[:args[0] % (len(data) + 1)]
        elif kind == "append":
            data += args[0]
    return data


COMPRESSION = {"stored": zipfile.ZIP_STORED, "bzip2": zipfile.ZIP_BZIP2,
               "lzma": zipfile.ZIP_LZMA}


def zip_bytes(files: Files, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": a .zip may hold two of one name
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for name, data in files:
                archive.writestr(name, data)
    return buffer.getvalue()


def unzip(data: bytes) -> Files:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(member.filename, archive.read(member)) for member in archive.infolist()]


def write_plan(folder: Path, plan: tuple) -> Path:
    """The extract a plan describes, written in ``folder``; returns the path to import."""
    form, table_edits, file_edits, package_edits = plan
    tables = grids()
    sheets = edit_tables(tables, table_edits)
    compression = zipfile.ZIP_DEFLATED
    for kind, *args in package_edits:
        if kind == "compress":
            compression = COMPRESSION[args[0]]
    if form == "xlsx":
        files = edit_files(unzip(workbook_bytes(tables, sheets)), file_edits)
        target = folder / "extract.xlsx"
        target.write_bytes(edit_package(zip_bytes(files, compression), package_edits))
        return target
    top = "extract/" if form == "zip in a folder" else ""
    files = edit_files([(f"{top}{name}.csv", csv_bytes(grid)) for name, grid in tables.items()],
                       file_edits)
    if form == "folder":
        return _write_folder(folder / "extract", files)
    target = folder / "extract.zip"
    target.write_bytes(edit_package(zip_bytes(files, compression), package_edits))
    return target


def _write_folder(folder: Path, files: Files) -> Path:
    """The files in a folder: a name given twice is written once (the last); a path leaving the
    folder stays inside it."""
    folder.mkdir()
    for name, data in files:
        relative = Path(*[p for p in name.split("/") if p not in ("", "..")]) \
            if name.strip("/") else Path("unnamed")
        path = folder / relative
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            continue
        path.write_bytes(data)
    return folder
