"""Validating an extract read by ``exchange.extract``: every cell against ``TABLES``
(``exchange.import_format``), then the rules between columns and tables; every problem found.

Validation works over whole columns (``exchange.cells``): each column is factorised once and the
checks run on its distinct values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ncpi_desktop.domain.enums import RiskLevel, Status
from ncpi_desktop.exchange.cells import Cells, Checker, check_column, check_text
from ncpi_desktop.exchange.import_format import REFERENCED_KEY, TABLES, TableSpec, values_of
from ncpi_desktop.exchange.issues import ERROR, WARNING, ImportIssue, issue_table, not_listed
from ncpi_desktop.exchange.limits import ImportLimits

if TYPE_CHECKING:
    from ncpi_desktop.exchange.extract import Extract, RawTable


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


def _header(raw: RawTable, spec: TableSpec, check: Checker) -> dict[str, int]:
    """Spec column name -> position in the file; unknown columns are a warning. A first row
    naming none of the columns is most likely a row of data (the header left out): it is said
    once, without quoting its values, which may be a name or a date of birth."""
    positions: dict[str, int] = {}
    known = set(spec.column_names)
    titles = [title.strip().lower() for title in raw.header]
    headless = any(titles) and not known & set(titles)
    if headless:
        check.file(None, "has no header row: its first row names none of the columns of "
                   + spec.name + " (expected a header row naming them: "
                   + ", ".join(spec.column_names) + "); its values are not shown", WARNING)
    for position, title in enumerate(raw.header):
        name = title.strip().lower()
        if not name or headless:
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


def _validate_table(raw: RawTable, spec: TableSpec, today: np.datetime64, limits: ImportLimits
                    ) -> tuple[ValidTable, dict[str, np.ndarray], dict[str, Cells],
                               list[ImportIssue]]:
    check = Checker(raw.label, raw.rows, limits.errors, spec.personal_columns)
    positions = _header(raw, spec, check)
    columns = {position: Cells.of(raw.cells[position])
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
        check_text(column, col, check, limits)
        check_column(column, col, check, today, out, parsed)
        if column.unique and not col.all_distinct:
            _unique(check, column.name, out[column.name], col.text)
        if column.unique:
            _unique_ignoring_case(check, column.name, col)
    if len(spec.key) > 1 and all(k in out for k in spec.key):
        _unique_pair(check, spec.key, out, columns[positions[spec.key[-1]]].text)
    frame = pd.DataFrame({k: pd.Series(v, dtype=bool if v.dtype == bool else object)
                          for k, v in out.items()}, index=pd.RangeIndex(len(rows)))
    table = ValidTable(spec, raw.label, frame, frozenset(out), rows)
    by_name = {name: columns[position] for name, position in positions.items()}
    return table, parsed, by_name, check.issues


def _unique(check: Checker, name: str, values: np.ndarray, text: np.ndarray) -> None:
    series = pd.Series(values, dtype=object)
    repeated = series.duplicated(keep="first").to_numpy() & series.notna().to_numpy()
    if not repeated.any():
        return
    rows = pd.Series(check.row_numbers)
    first = rows.groupby(series.to_numpy()).transform("min").to_numpy()
    check.rows(name, repeated, text, lambda i: f"repeats row {first[i]} (expected a unique "
                                               f"{name})")


def _unique_ignoring_case(check: Checker, name: str, cells: Cells) -> None:
    """Ids that differ only in case (r0001 beside R0001) would be two rows of the database that
    people read as one: each after the first is an error."""
    folded = _casefolded(cells.uniques)
    if folded is None or pd.Index(folded).is_unique:
        return
    exact = pd.Series(cells.text, dtype=object)
    key = pd.Series(cells.full(folded), dtype=object)
    first_row = pd.Series(check.row_numbers).groupby(key.to_numpy()).transform("min")
    first_value = exact.groupby(key.to_numpy()).transform("first").to_numpy(object)
    differs = (exact.to_numpy(object) != first_value) & (exact.to_numpy(object) != "")
    rows = first_row.to_numpy()
    check.rows(name, differs, cells.text,
               lambda i: f"differs only in case from {first_value[i]} in row {rows[i]} "
                         f"(expected a unique {name}, case ignored)")


def _casefolded(values: np.ndarray) -> np.ndarray | None:
    """``values`` case-folded, in one call over all of them when a separator allows; None when
    folding cannot make two of them equal (ASCII in one case: ids such as V0000001)."""
    joined = "\x1f".join(values)
    if joined.isascii() and (joined == joined.upper() or joined == joined.lower()):
        return None
    if joined.count("\x1f") == len(values) - 1:
        return np.array(joined.casefold().split("\x1f"), dtype=object)
    return np.array([u.casefold() for u in values], dtype=object)


def _unique_pair(check: Checker, key: tuple[str, ...], out: dict[str, np.ndarray],
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
    limits = extract.limits
    issues = list(extract.issues)
    valid: dict[str, ValidTable] = {}
    parsed: dict[str, dict[str, np.ndarray]] = {}
    cells: dict[str, dict[str, Cells]] = {}
    broken = {issue_table(i) for i in issues if i.severity == ERROR}
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
        table, dates, columns, table_issues = _validate_table(raw, spec, today_d, limits)
        valid[spec.name] = table
        parsed[spec.name] = dates
        cells[spec.name] = columns
        issues.extend(table_issues)
    unreadable = {name for name in broken if name not in extract.tables}
    _cross_checks(valid, parsed, cells, known_ids or {}, unreadable, issues, limits.errors)
    return valid, _listed(extract.source, issues, limits.errors)


def _listed(source: str, issues: list[ImportIssue], listed: int) -> list[ImportIssue]:
    """Errors first, in file, row and column order: the first ``listed`` errors and warnings,
    then one line counting the errors not listed."""
    order = {name: i for i, name in enumerate(TABLES)}
    unlisted = sum(i.more for i in issues if i.severity == ERROR)
    issues = [i for i in issues if not i.more]
    issues.sort(key=lambda i: (i.severity != ERROR, order.get(issue_table(i), -1),
                               i.row or 0, _column_order(i)))
    errors = [i for i in issues if i.severity == ERROR]
    warnings = [i for i in issues if i.severity != ERROR][:listed]
    unlisted += max(0, len(errors) - listed)
    errors = errors[:listed]
    if unlisted:
        errors.append(not_listed(source, unlisted, listed))
    return errors + warnings


def _column_order(issue: ImportIssue) -> int:
    spec = TABLES.get(issue_table(issue))
    if spec is None or issue.column not in spec.column_names:
        return -1
    return spec.column_names.index(issue.column)


def _cross_checks(valid: dict[str, ValidTable], parsed: dict[str, dict[str, np.ndarray]],
                  cells: dict[str, dict[str, Cells]],
                  known_ids: Mapping[str, Iterable[str]], unreadable: set[str],
                  issues: list[ImportIssue], listed: int) -> None:
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
        check = Checker(table.label, table.rows, listed, table.spec.personal_columns)
        frame = table.frame
        columns = cells[table.spec.name]
        key = REFERENCED_KEY.get(table.spec.name)
        if key in columns and known_ids.get(table.spec.name):
            _case_of_known(check, key, columns[key], known_ids[table.spec.name])
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
            _registered_after_birth(table, parsed["offenders"], check)
            _notification_checks(table, parsed["offenders"], check)
        if table.spec.name == "orders" and {"starts_on", "ends_on"} <= set(frame):
            starts = parsed["orders"]["starts_on"]
            ends = parsed["orders"]["ends_on"]
            early = ~np.isnat(starts) & ~np.isnat(ends) & (ends <= starts)
            start_text = frame["starts_on"].to_numpy(object)
            check.rows("ends_on", early, frame["ends_on"].to_numpy(object),
                       lambda i, starts=start_text: f"is not after starts_on {starts[i]} "
                                                    f"(expected a date after starts_on, or blank)")
        issues.extend(check.issues)


def _case_of_known(check: Checker, key: str, cells: Cells, known: Iterable[str]) -> None:
    """An id the database holds in another case (r0001 for R0001) would make a second row."""
    known_index = pd.Index(list(known), dtype=object)
    exact = known_index.isin(cells.uniques)
    folded = pd.Series(known_index[~exact], dtype=object)
    if not len(folded):
        return
    by_folded = dict(zip(folded.str.casefold(), folded, strict=True))
    other = np.array([by_folded.get(u.casefold()) for u in cells.uniques], dtype=object)
    bad_u = np.not_equal(other, None) & ~pd.Index(cells.uniques).isin(known_index)
    if bad_u.any():
        other_full = cells.full(other)
        check.rows(key, cells.full(bad_u), cells.text,
                   lambda i: f"differs only in case from {other_full[i]} in the database "
                             f"(expected a unique {key}, case ignored)")


def _registered_after_birth(table: ValidTable, parsed: dict[str, np.ndarray],
                            check: Checker) -> None:
    if not {"registered_on", "date_of_birth"} <= set(parsed):
        return
    born, registered = parsed["date_of_birth"], parsed["registered_on"]
    early = ~np.isnat(born) & ~np.isnat(registered) & (registered < born)
    # The date of birth is not quoted: no message shows one (SECURITY.md).
    check.rows("registered_on", early, table.frame["registered_on"].to_numpy(object),
               "is before the RSO's date_of_birth (expected a date on or after the date of "
               "birth)")


def _notification_checks(table: ValidTable, parsed: dict[str, np.ndarray],
                         check: Checker) -> None:
    """The notification dates (rule 13): the latest notification not before the first; an
    expected release only for an RSO in custody."""
    frame = table.frame
    if {"first_notified_on", "last_notified_on"} <= set(parsed):
        first, last = parsed["first_notified_on"], parsed["last_notified_on"]
        early = ~np.isnat(first) & ~np.isnat(last) & (last < first)
        first_text = frame["first_notified_on"].to_numpy(object)
        check.rows("last_notified_on", early, frame["last_notified_on"].to_numpy(object),
                   lambda i: f"is before first_notified_on {first_text[i]} (expected a date on "
                             f"or after the first notification)")
    if "expected_release_on" in parsed and "status" in frame:
        status = frame["status"].to_numpy(object)
        given = ~np.isnat(parsed["expected_release_on"]) & pd.notna(status)
        wrong = given & (status != Status.CUSTODY.value)
        check.rows("expected_release_on", wrong, frame["expected_release_on"].to_numpy(object),
                   lambda i: f"is given for an RSO whose status is {status[i]} (expected blank "
                             f"unless the status is custody)")


def _offender_checks(table: ValidTable, blanks: dict[str, np.ndarray], check: Checker) -> None:
    frame = table.frame
    nothing = np.full(len(frame), "", dtype=object)
    if "status" in frame:
        community = (frame["status"] == Status.COMMUNITY.value).to_numpy(bool)
        if "risk_level" in blanks:
            check.rows("risk_level", community & blanks["risk_level"], nothing,
                       "is blank (expected " + ", ".join(values_of(RiskLevel))
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
