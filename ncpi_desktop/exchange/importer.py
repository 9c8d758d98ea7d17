"""Importing an extract: all or nothing, in one transaction, updating by id.

``import_extract`` reads the extract (``exchange.extract``), validates it (``exchange.validate``),
compares it with the database over whole tables to classify every row as added, updated or
unchanged (``exchange.compare``), and writes it through ``storage.bulk`` (executemany in
chunks, never ORM objects per row; on SQLite multi-row INSERTs and indexes rebuilt after a big
insert). Nothing is deleted: rows the extract does
not mention stay, and so do the application's own records (allocation history, decisions). A change
of holder (manager, or team pool for an RSO with no manager) closes the RSO's open allocation and
opens a new one with the reason "import". One audit row (kind "collection", naming every RSO
the extract names) records the import.

Every RSO whose row the import adds or changes, or whose ARMS assessments or civil orders it adds
or changes, has its ``rso.version`` moved on by one in the import's transaction (one executemany
UPDATE), as a named operation's record would (``storage.operations.guard``): a window that read
the register before the import then has its next write refused (``StaleWrite``) rather than
writing over what it never saw. Visits, events, referrals and reviews leave it, as their
operations do.

On SQLite the import's transaction runs with foreign-key checks off (``bulk.foreign_keys_off``):
validation has already checked every reference (a visit's rso_id, an RSO's manager_id) against
the extract and the database, so the per-row look-ups would only repeat it (national extract:
1.5 s of 15 s CPU). The checks are back on for the connection afterwards.

Updating by id, only the columns the extract gives are compared and written: a column left out of a
file keeps what the database holds, while a blank cell in a given column means blank (or the
column's default, IMPORT-FORMAT.md "Blank takes the default").

It is a plain function so the GUI can run it on a worker thread: ``progress(done, total, what)``
reports each stage and ``cancel()`` is asked between stages and between chunks of rows; a cancelled
import is rolled back and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, case, column, literal_column, select, table, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from ncpi_desktop.exchange.compare import (
    Plan,
    TableCounts,
    holder_changes,
    plan_table,
    untyped_table,
)
from ncpi_desktop.exchange.extract import Extract, read_extract
from ncpi_desktop.exchange.import_format import TABLES, TableSpec
from ncpi_desktop.exchange.issues import ERROR, WARNING, ImportIssue, count_errors
from ncpi_desktop.exchange.limits import ImportLimits
from ncpi_desktop.exchange.validate import validate_extract
from ncpi_desktop.storage import bulk
from ncpi_desktop.storage.audit import append
from ncpi_desktop.storage.operations import now

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

#: The reason recorded on allocation rows an import writes.
IMPORT_REASON = "import"
#: Rows per executemany call: bounds memory and lets a cancel be noticed during a big table.
CHUNK_ROWS = 50_000
#: From this many new rows (and more than the table holds), SQLite's indexes are rebuilt after
#: the insert instead of being updated row by row.
REINDEX_MIN_ROWS = 50_000

#: The tables whose added or changed rows move their RSO's version on (see above).
VERSIONED_TABLES = frozenset({"rso", "arms", "civil_order"})
_ALLOCATION_COLUMNS = ("rso_id", "manager_id", "team", "starts_on", "ends_on", "reason", "actor",
                       "recorded_at")


@dataclass
class ImportResult:
    """What an import found and did. ``written`` is true only when the extract was valid, not a
    check, not cancelled, and committed."""

    source: str
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    counts: dict[str, TableCounts] = field(default_factory=dict)
    holder_changes: int = 0
    check: bool = False
    written: bool = False
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.cancelled

    @property
    def error_count(self) -> int:
        """How many errors there are: those listed, and those the last line counts
        (``ImportLimits.errors``)."""
        return count_errors(self.errors)

    def summary_lines(self) -> list[str]:
        """Per table: added, updated, unchanged; then the manager changes recorded."""
        lines = [f"{name}: {c.added:,} added, {c.updated:,} updated, {c.unchanged:,} unchanged"
                 for name, c in self.counts.items()]
        verb = "to record" if self.check else "recorded"
        lines.append(f"manager changes {verb} in the allocation history: {self.holder_changes:,}")
        return lines


class _Cancelled(Exception):
    pass


def import_extract(engine: Engine, source: str | Path | Extract, *, actor: str,
                   check: bool = False, progress: Progress | None = None,
                   cancel: Cancel | None = None, today: date | None = None,
                   limits: ImportLimits | None = None) -> ImportResult:
    """Validate ``source`` (a path, or an ``Extract`` already read) and, unless ``check``, write it
    to ``engine``'s database in one transaction.

    Returns the errors (nothing is written when there are any), warnings and per-table counts.
    Raises ``ExtractUnusable`` when ``source`` is not an extract, and ``ValueError`` without an
    ``actor``. ``today`` (default: the real today) dates the allocation changes and bounds the
    dates that may not be in the future. ``limits`` (default ``ImportLimits()``) bounds what a
    path is read within (an ``Extract`` was read within its own).
    """
    if not actor or not actor.strip():
        raise ValueError("An import needs the name of who makes it")
    today = today or date.today()
    run = _Run(actor.strip(), check, progress, cancel, today)
    name = source.source if isinstance(source, Extract) else Path(source).name
    result = ImportResult(source=name, check=check)
    try:
        if isinstance(source, Extract):
            extract = source
        else:
            run.stage(f"Reading {name}")
            extract = read_extract(source, limits)
        with engine.connect() as connection, bulk.foreign_keys_off(connection):
            bulk.ensure_transaction(connection)
            run.connection = connection
            run.execute(extract, result)
            if result.ok and not check:
                run.stage("Committing")
                connection.commit()
                result.written = True
            else:
                connection.rollback()
    except _Cancelled:
        result.cancelled = True
        result.written = False
    run.done()
    return result


class _Run:
    """One import: its stages, progress and cancel checks, and the writes."""

    STAGES = 4 + len(TABLES) + 2

    def __init__(self, actor: str, check: bool, progress: Progress | None,
                 cancel: Cancel | None, today: date) -> None:
        self.actor = actor
        self.check = check
        self.progress = progress
        self.cancel = cancel
        self.today = today
        self.step = 0
        self.connection: Connection = None  # type: ignore[assignment]

    def stage(self, what: str) -> None:
        self.checkpoint()
        if self.progress is not None:
            self.progress(min(self.step, self.STAGES), self.STAGES, what)
        self.step += 1

    def note(self, what: str) -> None:
        """Progress text within a stage (rows written so far), without moving the bar."""
        self.checkpoint()
        if self.progress is not None:
            self.progress(min(self.step - 1, self.STAGES), self.STAGES, what)

    def checkpoint(self) -> None:
        if self.cancel is not None and self.cancel():
            raise _Cancelled

    def done(self) -> None:
        if self.progress is not None:
            self.progress(self.STAGES, self.STAGES, "Done")

    # --- the stages -------------------------------------------------------------------------

    def execute(self, extract: Extract, result: ImportResult) -> None:
        connection = self.connection
        self.stage("Reading the ids the database holds")
        known = {
            "managers": connection.execute(select(column("manager_id")).select_from(
                table("manager"))).scalars().all(),
            "offenders": connection.execute(select(column("rso_id")).select_from(
                table("rso"))).scalars().all(),
            "reviews": connection.execute(select(column("review_id")).select_from(
                table("case_review"))).scalars().all(),
        }
        self.stage("Checking every row")
        valid, issues = validate_extract(extract, known_ids=known, today=self.today)
        result.errors = [i for i in issues if i.severity == ERROR]
        result.warnings = [i for i in issues if i.severity == WARNING]
        if result.errors:
            return
        self.stage("Comparing with the database")
        plans = {name: plan_table(connection, table_) for name, table_ in valid.items()}
        for name, plan in plans.items():
            result.counts[name] = plan.counts
        holders = holder_changes(connection, valid["offenders"], plans["offenders"])
        result.holder_changes = int(holders["changed"].sum())
        if self.check:
            return
        for name, plan in plans.items():
            self.stage(f"Writing {name}")
            self.write(plan)
            if name == "offenders":
                self.write_allocations(plan, holders)
        self.bump_versions(_rsos_changed(plans))
        append(connection, self.actor, "collection", "import", _rsos_named(plans),
               {"before": {"source": extract.source},
                "after": {"source": extract.source,
                          "counts": {n: vars(c) for n, c in result.counts.items()},
                          "holder_changes": result.holder_changes,
                          "warnings": len(result.warnings)}})

    def write(self, plan: Plan) -> None:
        spec = plan.spec
        added = int(plan.added.sum())
        if added:
            new = plan.frame if added == len(plan.frame) else plan.frame[plan.added]
            # SQLite: a big insert (and bigger than the table) rebuilds the table's indexes
            # after its rows, within the transaction, so a rollback restores them.
            bulk.insert_frame(self.connection, _model_table(spec.db_table),
                              _with_defaults(new, spec), chunk=CHUNK_ROWS,
                              defer_indexes_from=max(REINDEX_MIN_ROWS, len(plan.existing)),
                              progress=self.rows_note(spec.name))
        changed = plan.frame[plan.updated]
        if len(changed):
            columns = [c for c in spec.db_columns if c in plan.frame and c not in spec.key]
            if columns:
                target = untyped_table(spec.db_table, [*spec.key, *columns])
                statement = update(target).where(
                    *[target.c[k] == bindparam(f"key_{k}") for k in spec.key]
                ).values({c: bindparam(c) for c in columns})
                values = {c: _column_values(changed, spec, c) for c in columns}
                values.update({f"key_{k}": _column_values(changed, spec, k) for k in spec.key})
                self.executemany(statement, values, spec.name)

    def rows_note(self, what: str) -> bulk.RowsProgress:
        """Progress (and a cancel check) between chunks of rows."""
        return lambda done, total: self.note(f"Writing {what}: {done:,} of {total:,} rows")

    def write_allocations(self, plan: Plan, holders: pd.DataFrame) -> None:
        """First allocations for new RSOs; for a changed holder, close the open allocation and
        open a new one from today (a backfilled row first when the RSO had no history)."""
        today = self.today.isoformat()
        target = untyped_table("allocation", _ALLOCATION_COLUMNS)

        changed = holders[holders["changed"]]
        if len(changed):
            close = update(target).where(
                target.c.rso_id == bindparam("key_rso_id"), target.c.ends_on.is_(None),
            ).values(ends_on=case((target.c.starts_on > bindparam("today"), target.c.starts_on),
                                  else_=bindparam("today")))
            self.executemany(close, {"key_rso_id": changed.index.tolist(),
                                     "today": [today] * len(changed)}, "allocations")

        rows: list[pd.DataFrame] = []
        backfill = changed[~changed["has_history"] & changed["old_held"]]
        if len(backfill):
            since = backfill["old_since"].tolist()
            rows.append(_allocation_rows(backfill, "old", since, [max(s, today) for s in since]))
        opened = changed[changed["new_held"]]
        if len(opened):
            rows.append(_allocation_rows(opened, "new", [today] * len(opened),
                                         [None] * len(opened)))
        first = holders[holders["added"] & holders["new_held"]]
        if len(first):
            rows.append(_allocation_rows(first, "new", first["new_since"].tolist(),
                                         [None] * len(first)))
        if not rows:
            return
        frame = pd.concat(rows, ignore_index=True).assign(
            reason=IMPORT_REASON, actor=self.actor, recorded_at=pd.Timestamp(now()))
        bulk.insert_frame(self.connection, _model_table("allocation"), frame, chunk=CHUNK_ROWS,
                          defer_indexes_from=len(frame) + 1,  # the history may be long
                          progress=self.rows_note("allocations"))

    def bump_versions(self, rso_ids: list[str]) -> None:
        """Add one to the version of each of ``rso_ids`` (executemany, in chunks)."""
        if not rso_ids:
            return
        target = untyped_table("rso", ("rso_id", "version"))
        statement = update(target).where(target.c.rso_id == bindparam("key_rso_id")).values(
            version=target.c.version + literal_column("1"))  # no bound 1: executemany
        self.executemany(statement, {"key_rso_id": rso_ids}, "RSO versions")

    def executemany(self, statement: Any, values: dict[str, list[Any]], what: str) -> None:
        """Run ``statement`` once per row of ``values`` through the driver's executemany, in
        chunks (``storage.bulk.execute_many``)."""
        bulk.execute_many(self.connection, statement, values, chunk=CHUNK_ROWS,
                          progress=self.rows_note(what))


def _rsos_changed(plans: dict[str, Plan]) -> list[str]:
    """The RSOs whose row, ARMS assessments or civil orders the import adds or changes."""
    ids: set[str] = set()
    for plan in plans.values():
        if plan.spec.db_table in VERSIONED_TABLES and "rso_id" in plan.frame:
            written = plan.frame["rso_id"][plan.added | plan.updated]
            ids.update(written.dropna().astype(str))
    return sorted(ids)


def _rsos_named(plans: dict[str, Plan]) -> list[str]:
    """Every RSO id the extract names (its offenders and their records): what was collected."""
    ids: set[str] = set()
    for plan in plans.values():
        if "rso_id" in plan.frame:
            ids.update(plan.frame["rso_id"].dropna().astype(str))
    return sorted(ids)


def _allocation_rows(holders: pd.DataFrame, which: str, starts: list[Any], ends: list[Any]
                     ) -> pd.DataFrame:
    """Allocation rows for the old or new holder of each RSO in ``holders``."""
    return pd.DataFrame({
        "rso_id": holders.index.to_numpy(object),
        "manager_id": holders[f"{which}_manager_id"].to_numpy(object),
        "team": holders[f"{which}_pool"].to_numpy(object),
        "starts_on": np.array(starts, dtype=object),
        "ends_on": np.array(ends, dtype=object),
    }, dtype=object)


def _model_table(name: str) -> Any:
    """The register's table (with its column types, which ``bulk.insert_frame`` stores by)."""
    return SQLModel.metadata.tables[name]


def _with_defaults(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The database columns of ``frame``; a column the file left out takes its default."""
    given = [c for c in spec.db_columns if c in frame]
    missing = {c: _default(spec, c) for c in spec.db_columns if c not in frame}
    return frame[given].assign(**missing) if missing else frame[given]


def _column_values(frame: pd.DataFrame, spec: TableSpec, name: str) -> list[Any]:
    """A column as Python values for the driver; a column the file left out takes its default."""
    if name in frame:
        return frame[name].tolist()  # ValidTable holds None for blanks, never NaN
    default = _default(spec, name)
    return [default] * len(frame)


def _default(spec: TableSpec, name: str) -> Any:
    for c in spec.columns:
        if c.name == name:
            return c.default
        if c.flag_column == name:
            return False
    return None
