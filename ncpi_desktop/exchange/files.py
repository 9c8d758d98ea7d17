"""Writing an output file so that nothing partial, and nothing with names, is left behind.

Every export, pack and template is written through ``replacing``: into a new file in the target's
folder, readable by its owner only (0600), which replaces the target only once complete. A failed
or cancelled write removes it, and an earlier file of the same name stays as it was.

- On Linux the new file has no name while it is written (``O_TMPFILE``): a command killed with
  ``kill -9`` leaves nothing behind. It is given a name, then the target's, only when complete.
- Elsewhere (or on a file system without ``O_TMPFILE``) it is a hidden ``.NAME-XXXXXXXX.EXT``
  beside the target, removed on any failure; only a killed command (nothing of it runs) can leave
  it, still readable by its owner only.

Workbooks (``new_sheet``, ``save_workbook``): openpyxl's write-only sheets stream their rows to
named temporary files in the system's temporary folder, left behind (with every name the sheet
holds) when the command is killed. Sheets made by ``new_sheet`` stream to an anonymous temporary
file instead (``tempfile.TemporaryFile``: no name at all on Linux, removed by the system
whatever happens), which ``save_workbook`` copies into the workbook.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import Any

#: Owner only: read and write.
PRIVATE = 0o600


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A new file to write, which replaces ``path`` when the block completes (see the module's
    docstring). Raises ``OSError`` when the target's folder cannot be written."""
    path = Path(path)
    anonymous = _anonymous_file(path.parent)
    if anonymous is not None:
        try:
            yield Path(f"/proc/self/fd/{anonymous}")
            _name_anonymous(anonymous, path)
        finally:
            os.close(anonymous)
        return
    descriptor, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix,
                                        dir=path.parent)  # mkstemp: 0600
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _anonymous_file(folder: Path) -> int | None:
    """A file without a name in ``folder`` (Linux's ``O_TMPFILE``), or None where there is none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not sys.platform.startswith("linux") or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, PRIVATE)
    except OSError:  # no anonymous files here (or no folder): a named file says which
        return None


def _name_anonymous(descriptor: int, path: Path) -> None:
    """Give the complete anonymous file a hidden name beside ``path``, then ``path``'s."""
    hidden = path.with_name(f".{path.stem}-{secrets.token_hex(4)}{path.suffix}")
    proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        # linkat(..., AT_SYMLINK_FOLLOW) through /proc: open(2)'s way to name an O_TMPFILE file.
        os.link(f"self/fd/{descriptor}", hidden, src_dir_fd=proc, follow_symlinks=True)
    except OSError:
        with open(f"/proc/self/fd/{descriptor}", "rb") as source, \
                _private_file(hidden) as target:
            shutil.copyfileobj(source, target)
    finally:
        os.close(proc)
    try:
        os.replace(hidden, path)
    except BaseException:
        hidden.unlink(missing_ok=True)
        raise


@contextmanager
def _private_file(path: Path) -> Iterator[Any]:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    with os.fdopen(descriptor, "wb") as out:
        yield out


def write_bytes(path: Path, data: bytes) -> None:
    """``data`` as the file ``path``, through ``replacing``."""
    with replacing(path) as partial, open(partial, "wb") as out:
        out.write(data)


# --- workbooks --------------------------------------------------------------------------------

def new_sheet(workbook: Any, title: str) -> Any:
    """A sheet of the write-only ``workbook`` whose rows stream to an anonymous temporary file
    (openpyxl's own would leave a named one behind if the command were killed)."""
    sheet = _classes()[0](parent=workbook, title=title)
    workbook._add_sheet(sheet)
    return sheet


def discard_workbook(workbook: Any) -> None:
    """Close a workbook that will not be saved: its sheets, and their temporary files."""
    for sheet in workbook.worksheets:
        if not sheet.closed:
            sheet.close()
        out = getattr(sheet._writer, "out", None)
        if hasattr(out, "close"):
            out.close()


def save_workbook(workbook: Any, path: Path) -> None:
    """Save a write-only ``workbook`` whose sheets came from ``new_sheet`` to ``path`` (as
    openpyxl's ``save_workbook`` does), through ``replacing``. Raises ``OSError`` when it cannot
    be written."""
    import zipfile
    from datetime import UTC, datetime

    if not workbook.worksheets:
        new_sheet(workbook, "Sheet")
    try:
        with replacing(path) as partial:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                workbook.properties.modified = datetime.now(UTC).replace(tzinfo=None)
                _classes()[1](workbook, archive).write_data()
    finally:
        with suppress(Exception):
            discard_workbook(workbook)


@cache
def _classes() -> tuple[type, type]:
    """openpyxl's write-only sheet and workbook writer, with the sheet's rows in an anonymous
    temporary file (defined on first use: openpyxl is imported only when a workbook is made)."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class AnonymousSheet(WriteOnlyWorksheet):
        def _get_writer(self) -> None:
            if self._writer is None:
                self._writer = WorksheetWriter(self, out=tempfile.TemporaryFile())
                self._writer.write_top()

    class Writer(ExcelWriter):
        def write_worksheet(self, ws: Any) -> None:
            """openpyxl 3.1's, for a write-only sheet whose rows are in an open file."""
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            if not ws.closed:
                ws.close()
            writer = ws._writer
            ws._rels = writer._rels
            writer.out.seek(0)
            with self._archive.open(ws.path[1:], "w", force_zip64=True) as member:
                shutil.copyfileobj(writer.out, member, 1 << 20)
            writer.out.close()
            self.manifest.append(ws)

    return AnonymousSheet, Writer
