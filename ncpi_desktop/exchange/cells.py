"""Checking one column of an extract over its distinct values.

Each column is factorised once (``Cells``) and the checks run on its distinct values (a visits
file of 1,500,000 rows holds a few thousand distinct dates), so there is no per-row Python loop
except to describe the rows that are wrong (``Checker``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncpi_desktop.exchange.import_format import INDEFINITE, NO, YES, ColumnSpec
from ncpi_desktop.exchange.issues import ERROR, ImportIssue
from ncpi_desktop.exchange.limits import LIMIT_OPTIONS, ImportLimits
from ncpi_desktop.exchange.outgoing import unquote_text
from ncpi_desktop.formats import DATE_FORMAT

#: Whole numbers are stored as SQL integers; a value above this cannot be an officer count.
WHOLE_LIMIT = 2**31 - 1
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_UK_DATE = r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}"
#: No date of the register is before this one.
EARLIEST_DATE = np.datetime64("1900-01-01", "D")
#: Control characters (C0, DEL, C1); text may hold a tab or a line break, an id none at all.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Characters of a value shown in an error about its length.
_SHOWN = 40


@dataclass
class Cells:
    """One column's cells, factorised: ``uniques`` stripped, ``codes`` per row. ``stripped`` says
    whether stripping changed a value (then two distinct values may have become one). A value
    written with a leading apostrophe so that it cannot start a formula (``'=x``, ``'-Smith``:
    ``exchange.outgoing``) is read without it."""

    codes: np.ndarray
    uniques: np.ndarray
    stripped: bool = False

    @classmethod
    def of(cls, values: pd.Series) -> Cells:
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
        text = [u if isinstance(u, str) else "" for u in uniques]
        stripped = unquote_text(np.array([u.strip() for u in text], dtype=object))
        changed = not all(map(operator.is_, stripped, uniques))
        return cls(np.asarray(codes, dtype=np.intp), stripped, changed)

    def subset(self, keep: np.ndarray) -> Cells:
        return Cells(self.codes[keep], self.uniques, self.stripped)

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


def parse_dates(uniques: np.ndarray) -> np.ndarray:
    """Distinct text values as datetime64[D]; NaT for blanks and anything not a real date."""
    values = pd.Series(uniques, dtype=object)
    parsed = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    for pattern, fmt in ((_ISO_DATE, "%Y-%m-%d"), (_UK_DATE, DATE_FORMAT)):
        match = values.str.fullmatch(pattern).fillna(False).to_numpy(bool)
        if match.any():
            converted = pd.to_datetime(values[match], format=fmt, errors="coerce")
            parsed[match] = converted.to_numpy("datetime64[D]")
    return parsed


def iso_text(parsed: np.ndarray) -> np.ndarray:
    """ISO date text (the database's representation), None where there is no date."""
    text = parsed.astype(str).astype(object)
    text[np.isnat(parsed)] = None
    return text


class Checker:
    """Collects the issues of one table: of each check, the first ``listed`` rows are described
    and the rest counted in one issue with ``more`` (``validate_extract`` keeps the first
    ``listed`` of all and counts the rest in one line). An issue about a column of ``hidden``
    (a name, a date of birth, a neighbourhood: ``TableSpec.personal_columns``) names the file,
    row and column but not the value."""

    def __init__(self, label: str, rows: np.ndarray, listed: int = 1_000,
                 hidden: frozenset[str] = frozenset()) -> None:
        self.label = label
        self.row_numbers = rows
        self.listed = listed
        self.hidden = hidden
        self.issues: list[ImportIssue] = []

    def rows(self, column: str, mask: np.ndarray, values: np.ndarray,
             message: str | Callable[[int], str], severity: str = ERROR) -> None:
        """One issue for each row where ``mask`` holds; ``message`` may depend on the row index."""
        where = np.flatnonzero(mask)
        if len(where) > self.listed:
            unlisted = len(where) - self.listed
            where = where[:self.listed]
            self.issues.append(ImportIssue(self.label, None, column, None, "not listed",
                                           severity, more=unlisted))
        shown = column not in self.hidden
        for i in where:
            text = message(i) if callable(message) else message
            self.issues.append(ImportIssue(self.label, int(self.row_numbers[i]), column,
                                           str(values[i]) if shown else None, text, severity))

    def file(self, column: str | None, message: str, severity: str = ERROR) -> None:
        self.issues.append(ImportIssue(self.label, None, column, None, message, severity))


@dataclass
class _Column:
    """One column being checked: its spec, its cells, and where its issues go."""

    spec: ColumnSpec
    cells: Cells
    check: Checker

    def report(self, bad_u: np.ndarray, message: str | Callable[[int], str]) -> None:
        """An issue for each row holding one of the distinct values ``bad_u`` marks."""
        if bad_u.any():
            self.check.rows(self.spec.name, self.cells.full(bad_u), self.cells.text, message)


def check_column(spec: ColumnSpec, cells: Cells, check: Checker, today: np.datetime64,
                 out: dict[str, np.ndarray], parsed_dates: dict[str, np.ndarray]) -> None:
    """Check one column's values (blank, form, range) and put its typed values in ``out``."""
    column = _Column(spec, cells, check)
    blank_u = cells.uniques == ""
    if spec.required:
        column.report(blank_u, f"is blank (expected {spec.expected}; required)")
    if spec.kind == "text":
        values = cells.uniques.copy()
        values[blank_u] = None
        out[spec.name] = cells.full(values)
    elif spec.kind in ("date", "date_or_indefinite"):
        _check_dates(column, blank_u, today, out, parsed_dates)
    elif spec.kind == "yesno":
        out[spec.name] = _check_yes_no(column, blank_u)
    elif spec.kind == "choice":
        out[spec.name] = _check_choice(column, blank_u)
    else:
        out[spec.name] = _check_number(column, blank_u)


def check_text(spec: ColumnSpec, cells: Cells, check: Checker, limits: ImportLimits) -> None:
    """Any column's values: no more characters than the field limit (the name limit for ids and
    names); in text, no control character (a tab or line break only in text other than an id).
    A date, a number or a choice holding one is not what it should be, and says so."""
    uniques = cells.uniques
    if not len(uniques):
        return
    strict = spec.unique or spec.references is not None
    pattern = _CONTROL if strict else _CONTROL_IN_TEXT
    if spec.kind == "text" and pattern.search(" ".join(uniques)):
        found = [pattern.search(u) for u in uniques]
        bad_u = np.array([f is not None for f in found], dtype=bool)
        codes = cells.full(np.array([ord(f.group()) if f else 0 for f in found], dtype=np.int64))
        allowed = "" if strict else " other than a tab or a line break"
        check.rows(spec.name, cells.full(bad_u), cells.text,
                   lambda i: f"holds the control character U+{codes[i]:04X} (expected text "
                             f"without control characters{allowed})")
    limit = "name_chars" if spec.short else "field_chars"
    most = getattr(limits, limit)
    if max(map(len, uniques)) > most:
        lengths = np.fromiter(map(len, uniques), dtype=np.int64, count=len(uniques))
        shown = np.array([u if len(u) <= most else u[:_SHOWN] + "…" for u in uniques],
                         dtype=object)
        full_lengths = cells.full(lengths)
        option, what = LIMIT_OPTIONS[limit]
        check.rows(spec.name, cells.full(lengths > most), cells.full(shown),
                   lambda i: f"has {full_lengths[i]:,} characters (expected at most {most:,}: "
                             f"the limit of {what}, {option})")


def _check_dates(column: _Column, blank_u: np.ndarray, today: np.datetime64,
                 out: dict[str, np.ndarray], parsed_dates: dict[str, np.ndarray]) -> None:
    spec, cells = column.spec, column.cells
    uniques = cells.uniques
    parsed = parse_dates(uniques)
    indefinite_u = np.array([u.lower() == INDEFINITE for u in uniques], dtype=bool) \
        if spec.kind == "date_or_indefinite" else np.zeros(len(uniques), dtype=bool)
    column.report(np.isnat(parsed) & ~blank_u & ~indefinite_u,
                  f"is not a date (expected {spec.expected})")
    dated = ~np.isnat(parsed)
    early = dated & (parsed < EARLIEST_DATE)
    column.report(early, "is before 1900 (expected a date from 1900-01-01 on)")
    if spec.not_future:
        future = dated & (parsed > today)
        column.report(future, f"is in the future (expected a date on or before today, {today})")
        early |= future
    parsed[early] = np.datetime64("NaT")  # an error already: no rule between columns repeats it
    out[spec.name] = cells.full(iso_text(parsed))
    parsed_dates[spec.name] = cells.full(parsed)
    if spec.flag_column:
        out[spec.flag_column] = cells.full(indefinite_u)


def _check_yes_no(column: _Column, blank_u: np.ndarray) -> np.ndarray:
    spec, cells = column.spec, column.cells
    lowered = np.array([u.lower() for u in cells.uniques], dtype=object)
    yes_u = np.isin(lowered, YES)
    column.report(~yes_u & ~np.isin(lowered, NO) & ~blank_u,
                  f"is not yes or no (expected {spec.expected})")
    return cells.full(np.where(blank_u, bool(spec.default), yes_u).astype(bool))


def choice_key(text: str) -> str:
    """A choice as compared with the vocabulary: case, spaces and hyphens ignored."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _check_choice(column: _Column, blank_u: np.ndarray) -> np.ndarray:
    spec, cells = column.spec, column.cells
    lookup = {choice_key(c): c for c in spec.choices}
    mapped = np.array([lookup.get(choice_key(u)) for u in cells.uniques], dtype=object)
    column.report(np.equal(mapped, None) & ~blank_u,
                  f"is not a known {spec.name.replace('_', ' ')} (expected {spec.expected})")
    mapped[blank_u] = spec.default
    return cells.full(mapped)


def _check_number(column: _Column, blank_u: np.ndarray) -> np.ndarray:
    """A ``decimal`` or ``whole`` column: a number, whole where it must be, within range."""
    spec, cells = column.spec, column.cells
    numbers = pd.to_numeric(pd.Series(cells.uniques, dtype=object),
                            errors="coerce").to_numpy(float)
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
        full_what = cells.full(what.astype(object))
        column.report(bad_u, lambda i: f"{full_what[i]} (expected {spec.expected})")
    if spec.kind == "whole":
        values = np.array([int(n) if ok else None for n, ok in zip(safe, in_range, strict=True)],
                          dtype=object)
    else:
        values = np.where(in_range, numbers, np.nan).astype(object)
        values[~in_range] = None
    values[blank_u] = spec.default
    return cells.full(values)
