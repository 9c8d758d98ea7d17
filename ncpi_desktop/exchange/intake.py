"""Reading an extract's files as streams, within ``ImportLimits``.

A CSV file (in a folder or a .zip) is read twice, each time as a stream and never whole: first
``scan_csv`` reads it chunk by chunk, counting bytes (for the file and for the whole extract),
lines and the longest line, and checking that it is UTF-8; a file over a limit is refused there,
having kept nothing but one chunk. Only a file within the limits is then parsed
(``exchange.extract.parse_csv``), from a second stream, so what the parse holds is bounded by the
limits. Rows are counted as lines (a quoted value holding a line break counts twice), so a file of
blank lines is refused after ``rows`` of them, however many follow.

A zip's members are checked against their declared sizes before anything is decompressed, and
read through ``zipfile``, which never gives more than a member declares; the scan counts what
actually arrives, so a member that lies is refused too. A workbook's parts are checked the same
way (``check_archive``) before openpyxl opens it.
"""

from __future__ import annotations

import codecs
import lzma
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ncpi_desktop.exchange.issues import ExtractUnusable, ImportIssue
from ncpi_desktop.exchange.limits import ImportLimits, LimitExceeded

#: Bytes read at a time.
CHUNK = 1 << 20
#: What a damaged or unreadable archive raises while a member is decompressed.
ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError,
                  RuntimeError, OSError, EOFError, NotImplementedError, ValueError)

Opener = Callable[[], BinaryIO]


class Budget:
    """The bytes the whole extract has given so far, against ``total_bytes``."""

    def __init__(self, source: str, limits: ImportLimits) -> None:
        self.source = source
        self.limits = limits
        self.used = 0

    def take(self, count: int, label: str) -> None:
        self.used += count
        if self.used > self.limits.total_bytes:
            raise LimitExceeded(self.source, f"more than {self.limits.total_bytes:,} bytes after "
                                             f"decompression (reached in {label})",
                                self.limits, "total_bytes")


@dataclass
class Scan:
    """What the first reading of a CSV file found: its size and its number of lines."""

    size: int
    lines: int


def chunks(stream: BinaryIO, label: str) -> Iterator[bytes]:
    """``stream`` a chunk at a time; a damaged archive member is unusable input."""
    while True:
        try:
            chunk = stream.read(CHUNK)
        except ARCHIVE_ERRORS as exc:
            raise ExtractUnusable(f"cannot read {label}: {exc}") from exc
        if not chunk:
            return
        yield chunk


def scan_csv(opener: Opener, label: str, limits: ImportLimits, budget: Budget
             ) -> Scan | ImportIssue:
    """Read one CSV file through once, within the limits: its size and lines, or the issue that
    makes it unreadable (not UTF-8, empty). Raises ``LimitExceeded`` as soon as a limit is
    passed."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    size = lines = run = 0
    content = False
    with opened(opener, label) as stream:
        for chunk in chunks(stream, label):
            size += len(chunk)
            if size > limits.file_bytes:
                raise LimitExceeded(label, f"more than {limits.file_bytes:,} bytes",
                                    limits, "file_bytes")
            budget.take(len(chunk), label)
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return _not_utf8(label, lines, exc)
            content = content or bool(text.strip())
            lines, run = _count_lines(chunk, label, lines, run, limits)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return _not_utf8(label, lines, exc)
    if not content:
        return ImportIssue(label, None, None, None,
                           "is empty (expected a header row naming the columns)")
    return Scan(size, lines + (run > 0))


def _count_lines(chunk: bytes, label: str, lines: int, run: int, limits: ImportLimits
                 ) -> tuple[int, int]:
    """Lines ended so far and the length of the line under way, after ``chunk``; refuses a file
    with more lines than a header and ``rows`` rows, or a line no row within the limits needs."""
    ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
    lengths = np.diff(ends, prepend=-1 - run) - 1
    run = len(chunk) - int(ends[-1]) - 1 if len(ends) else run + len(chunk)
    long = np.flatnonzero(lengths > limits.line_bytes)
    if len(long) or run > limits.line_bytes:
        number = lines + 1 + (int(long[0]) if len(long) else len(ends))
        raise LimitExceeded(
            f"{label} line {number:,}",
            f"a line of more than {limits.line_bytes:,} bytes, more than a row of "
            f"{limits.columns:,} columns of {limits.field_chars:,} characters can hold",
            limits, "field_chars")
    lines += len(ends)
    if lines > limits.rows + 1:
        raise LimitExceeded(label, f"more than {limits.rows:,} rows", limits, "rows")
    return lines, run


def _not_utf8(label: str, lines: int, exc: UnicodeDecodeError) -> ImportIssue:
    """The issue of a file that is not UTF-8 (``exc.object``: what the decoder was given of the
    chunk in which it failed, after ``lines`` lines)."""
    data = exc.object
    line = lines + data.count(b"\n", 0, exc.start) + 1
    return ImportIssue(
        label, None, None, None,
        f"is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line} is not UTF-8); "
        f"save it as \"CSV UTF-8\"")


@contextmanager
def opened(opener: Opener, label: str) -> Iterator[BinaryIO]:
    """``opener()``'s stream, a damaged archive member being unusable input."""
    try:
        stream = opener()
    except ARCHIVE_ERRORS as exc:
        raise ExtractUnusable(f"cannot read {label}: {exc}") from exc
    with stream:
        yield stream


def check_archive(members: list[zipfile.ZipInfo], where: str, limits: ImportLimits,
                  what: str = "") -> None:
    """Refuse an archive whose members declare more than the limits allow, before any is
    decompressed (``zipfile`` gives no more than a member declares)."""
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > limits.file_bytes:
            raise LimitExceeded(f"{what}{member.filename} in {where}",
                                f"declares {member.file_size:,} bytes after decompression",
                                limits, "file_bytes")
        if total > limits.total_bytes:
            raise LimitExceeded(where, f"declares more than {limits.total_bytes:,} bytes after "
                                       f"decompression", limits, "total_bytes")
