"""What leaves the application (SECURITY.md): its protective marking, and cells that cannot start
a formula.

- ``MARKING``: every file written says OFFICIAL-SENSITIVE on its first page, sheet or line. A CSV
  file's first line is the marking alone (``MARKING_LINE``); a workbook's sheets start with a row
  holding it, print it in their header and footer, and the workbook's properties carry it
  (``mark_workbook``, ``mark_sheet``). The import skips a first row holding only a marking
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

#: The protective marking of everything the application writes.
MARKING = "OFFICIAL-SENSITIVE"
#: The first line of every CSV file written (the marking alone, then the header).
MARKING_LINE = MARKING
#: Markings a first row of an extract may hold alone, to be skipped by the import.
MARKINGS = frozenset({"OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL SENSITIVE"})
#: What a spreadsheet reads as the start of a formula (or, for tab and CR, hides one behind).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Starts given an apostrophe: those, and a line feed (a workbook's XML reads a carriage return
#: back as one, so "\r..." written to a workbook still loses its apostrophe on import).
QUOTED_STARTS = (*FORMULA_STARTS, "\n")
#: Written before a text cell that starts with one of ``FORMULA_STARTS``.
QUOTE = "'"
#: Text written with one more apostrophe: a formula character after any apostrophes (so that
#: taking one off on import gives back exactly what was written, apostrophes and all).
_WRITTEN_QUOTED = re.compile(r"'*[=+\-@\t\r\n]")
_FIRST = frozenset(QUOTED_STARTS) | {QUOTE}
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


def safe_column(values: pd.Series) -> pd.Series:
    """``safe_text`` over a whole column at once: only its text cells can change."""
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return values  # numbers, dates, booleans: never text
    try:
        risky = values.str.startswith((*QUOTED_STARTS, QUOTE), na=False)
    except AttributeError:  # an object column holding no text at all
        return values
    risky = risky.fillna(False).to_numpy(dtype=bool, copy=True)
    if not risky.any():
        return values
    quoted = np.flatnonzero(risky)
    for i in quoted[values.iloc[quoted].str.startswith(QUOTE).to_numpy(bool)]:
        risky[i] = _WRITTEN_QUOTED.match(values.iloc[i]) is not None  # '=x, not 'Brien
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
    if f"\x1f{QUOTE}" not in "\x1f" + "\x1f".join(map(str, uniques)):
        return uniques  # (one join, at C speed: most extracts hold no apostrophe at all)
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


def mark_sheet(sheet: Any) -> None:
    """A sheet's printed header and footer say the marking (on every printed page); its first
    row is the caller's (``marking_cell``)."""
    sheet.oddHeader.center.text = MARKING
    sheet.oddFooter.center.text = MARKING
