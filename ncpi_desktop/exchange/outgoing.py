"""What leaves the application (SECURITY.md): its protective marking, and cells that cannot start
a formula.

- ``MARKING``: every file written says OFFICIAL-SENSITIVE on its first page, sheet or line. A CSV
  file's first line is the marking alone (``MARKING_LINE``); a workbook's sheets start with a row
  holding it, print it in their header and footer, and the workbook's properties carry it
  (``mark_workbook``, ``new_marked_sheet``). The import skips a first row holding only a marking
  (``is_marking_row``), so an exported extract goes back in as it came out.
- ``safe_text`` / ``safe_column`` / ``safe_frame``: the one rule for cells of CSV and XLSX files
  (OWASP's advice on CSV injection). A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return is written with a leading apostrophe, so no spreadsheet reads it as a
  formula (``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``, ``-2+3``, ``@SUM(1)``); so is text
  beginning with a line feed, which is what a workbook gives back for a carriage return. Only
  text is changed: a number, a date or a blank stays what it is (-2 is a number). The import
  takes exactly one such apostrophe off again (``unquote_text``), so a name written as ``'-Smith``
  is read back as ``-Smith``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.domain.security import MARKING
from ncpi_desktop.exchange.files import new_sheet

#: The first line of every CSV file written (the marking alone, then the header).
MARKING_LINE = MARKING
#: Markings a first row of an extract may hold alone, to be skipped by the import.
MARKINGS = frozenset({"OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL SENSITIVE"})
#: What a spreadsheet reads as the start of a formula (or, for tab and CR, hides one behind).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Starts given an apostrophe: those, and a line feed (a workbook's XML reads a carriage return
#: back as one, so "\r..." written to a workbook still loses its apostrophe on import).
QUOTED_STARTS = (*FORMULA_STARTS, "\n")
#: Written before a text cell that starts with one of ``QUOTED_STARTS``.
QUOTE = "'"
#: Text written with one more apostrophe: a formula character after any apostrophes (so that
#: taking one off on import gives back exactly what was written, apostrophes and all).
_WRITTEN_QUOTED = re.compile(r"'*[=+\-@\t\r\n]")
_FIRST = frozenset(QUOTED_STARTS) | {QUOTE}
#: Joins a column's values so that one scan finds what any of them starts with.
_SEPARATOR = "\x1f"
_AFTER_SEPARATOR = {
    "quoted": re.compile(_SEPARATOR + "[" + re.escape("".join(sorted(_FIRST))) + "]"),
    "apostrophe": re.compile(_SEPARATOR + QUOTE),
}
#: Text the import takes one apostrophe off: at least one, then a formula character.
_READ_QUOTED = re.compile(r"'+[=+\-@\t\r\n]")


def starts_formula(text: str) -> bool:
    """``text`` begins with a character a spreadsheet could take for the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def safe_text(value: Any) -> Any:
    """One cell as written: text that could start a formula gets a leading apostrophe (as does
    text whose apostrophes come before such a character, so the import's ``unquote_text`` gives
    it back exactly); anything else (a number, a date, None) is returned as it is."""
    if isinstance(value, str) and value[:1] in _FIRST and _WRITTEN_QUOTED.match(value):
        return QUOTE + value
    return value


def _starting_any(values: np.ndarray, first: re.Pattern[str]) -> bool:
    """Whether any text of ``values`` may begin with what ``first`` matches after a separator
    (``_AFTER_SEPARATOR``): one join and one scan at C speed (a column of 1,500,000 ids: a fifth
    of a second, where looking at each value takes a second). Never False when one does; True
    when the column holds blanks (None) or numbers among its text, whose values are then looked
    at one by one."""
    try:
        joined = _SEPARATOR + _SEPARATOR.join(values)
    except TypeError:
        return True
    return first.search(joined) is not None


def safe_column(values: pd.Series) -> pd.Series:
    """``safe_text`` over a whole column at once: only its text cells can change (a column of
    numbers, dates or booleans is returned as it is)."""
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return values
    cells = values.to_numpy(dtype=object)
    if not _starting_any(cells, _AFTER_SEPARATOR["quoted"]):
        return values
    risky = np.fromiter((isinstance(v, str) and v[:1] in _FIRST
                         and _WRITTEN_QUOTED.match(v) is not None for v in cells),
                        dtype=bool, count=len(cells))
    if not risky.any():
        return values
    out = values.copy()
    out[risky] = QUOTE + values[risky].astype(str)
    return out


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``safe_column`` over every column of ``frame`` (a new frame; ``frame`` is unchanged)."""
    return pd.DataFrame({i: safe_column(frame.iloc[:, i]) for i in range(frame.shape[1])},
                        index=frame.index).set_axis(frame.columns, axis=1)


def safe_values(values: Sequence[Any]) -> list[Any]:
    """``safe_text`` over a list of cells (a row or a column as Python values)."""
    return [safe_text(v) for v in values]


def unquote_text(uniques: np.ndarray) -> np.ndarray:
    """The import's side of ``safe_text``: one leading apostrophe taken off a text value whose
    apostrophes come before a formula character (``'=x`` is read as ``=x``, ``''=x`` as ``'=x``;
    ``'Brien`` stays as it is), so what ``safe_text`` wrote is read back exactly."""
    if not _starting_any(uniques, _AFTER_SEPARATOR["apostrophe"]):
        return uniques  # most extracts hold no value starting with an apostrophe
    out = uniques
    for i, value in enumerate(uniques):
        if isinstance(value, str) and _READ_QUOTED.match(value):
            if out is uniques:
                out = uniques.copy()
            out[i] = value[1:]
    return out


def is_marking_row(cells: Sequence[Any]) -> bool:
    """A row holding only a protective marking (``OFFICIAL-SENSITIVE``, blank cells after it, as
    a spreadsheet saves it; a leading ``#`` is allowed): the first row of a marked file."""
    text = [str(c).strip() if c is not None else "" for c in cells]
    filled = [t for t in text if t]
    if len(filled) != 1 or text[0] != filled[0]:
        return False
    return filled[0].lstrip("#").strip().upper() in MARKINGS


# --- workbooks --------------------------------------------------------------------------------

def mark_workbook(workbook: Any) -> None:
    """The marking in a workbook's properties (what File > Info and a file manager show)."""
    properties = workbook.properties
    properties.category = MARKING
    properties.keywords = MARKING
    properties.subject = MARKING
    properties.creator = "ncpi-desktop"


def new_marked_sheet(workbook: Any, title: str) -> Any:
    """A new sheet of the write-only ``workbook`` (``files.new_sheet``) whose first row holds
    the marking and whose printed header and footer say it on every page."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = new_sheet(workbook, title)
    sheet.oddHeader.center.text = MARKING
    sheet.oddFooter.center.text = MARKING
    cell = WriteOnlyCell(sheet, value=MARKING)
    cell.font = Font(bold=True, color="8E1B10")
    sheet.append([cell])
    return sheet
