"""A damaged zip or workbook as ``ExtractUnusable``, whatever the library reading it raised.

A flipped byte in a .zip or an .xlsx makes zlib, zipfile or the XML parser raise; an odd
workbook (an empty chartsheet) makes openpyxl raise ``AttributeError`` or ``KeyError`` from its
own code. ``read_extract_file`` reads an extract and turns an error raised inside those libraries
into one line saying what is wrong and what to do; an error raised in this package's own code is
left alone (it is a bug, reported as one).
"""

from __future__ import annotations

import traceback
import xml.etree.ElementTree as ElementTree
import zipfile
import zlib
from pathlib import Path

from ncpi_desktop.exchange.extract import Extract, read_extract
from ncpi_desktop.exchange.issues import damaged
from ncpi_desktop.exchange.limits import ImportLimits

#: The libraries that read a zip and a workbook, by the folder or file of their code.
READING_LIBRARIES = ("openpyxl", "zipfile", "zlib", "xml", "defusedxml", "et_xmlfile")


def read_extract_file(source: str | Path, limits: ImportLimits | None = None) -> Extract:
    """``read_extract`` (within ``limits``), with a damaged zip or workbook raised as
    ``ExtractUnusable``."""
    try:
        return read_extract(source, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError,
            ElementTree.ParseError) as exc:
        raise damaged(Path(source).name, exc) from exc
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        if not raised_in(exc, READING_LIBRARIES):
            raise
        raise damaged(Path(source).name, exc) from exc


def raised_in(error: BaseException, libraries: tuple[str, ...]) -> bool:
    """The innermost frame of ``error``'s traceback is in one of ``libraries`` (by the folder or
    file its code is in)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return False
    parts = Path(frames[-1].filename).parts
    return any(name in parts or f"{name}.py" in parts for name in libraries)
