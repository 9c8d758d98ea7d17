"""Importing an extract: all or nothing, in one transaction, updating by id.

``import_extract`` reads and validates the extract (``exchange.extract``), compares it with the
database over whole tables to classify every row as added, updated or unchanged, and writes it
through ``storage.bulk`` (executemany in chunks, never ORM objects per row; on SQLite multi-row
INSERTs and indexes rebuilt after a big insert). Nothing is deleted: rows the extract does
not mention stay, and so do the application's own records (allocation history, decisions). A change
of holder (manager, or team pool for an RSO with no manager) closes the RSO's open allocation and
opens a new one with the reason "import". One audit row records the import.

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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, bindparam, case, cast, column, select, table, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from ncpi_desktop.exchange.extract import (
    ERROR,
    TABLES,
    WARNING,
    Extract,
    ImportIssue,
    TableSpec,
    ValidTable,
    read_extract,
    validate_extract,
)
from ncpi_desktop.storage import bulk
from ncpi_desktop.storage.operations import audit, now

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

#: The reason recorded on allocation rows an import writes.
IMPORT_REASON = "import"
#: Rows per executemany call: bounds memory and lets a cancel be noticed during a big table.
CHUNK_ROWS = 50_000
#: From this many new rows (and more than the table holds), SQLite's indexes are rebuilt after
#: the insert instead of being updated row by row.
REINDEX_MIN_ROWS = 50_000
#: Rows fetched from the database at a time when a table is read whole.
READ_ROWS = 100_000

_ALLOCATION_COLUMNS = ("rso_id", "manager_id", "team", "starts_on", "ends_on", "reason", "actor",
                       "recorded_at")


@dataclass
class TableCounts:
    """Rows of one table the import adds, updates and leaves as they were."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


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
                   cancel: Cancel | None = None, today: date | None = None) -> ImportResult:
    """Validate ``source`` (a path, or an ``Extract`` already read) and, unless ``check``, write it
    to ``engine``'s database in one transaction.

    Returns the errors (nothing is written when there are any), warnings and per-table counts.
    Raises ``ExtractUnusable`` when ``source`` is not an extract, and ``ValueError`` without an
    ``actor``. ``today`` (default: the real today) dates the allocation changes and bounds the
    dates that may not be in the future.
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
            extract = read_extract(source)
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
        }
        self.stage("Checking every row")
        valid, issues = validate_extract(extract, known_ids=known, today=self.today)
        result.errors = [i for i in issues if i.severity == ERROR]
        result.warnings = [i for i in issues if i.severity == WARNING]
        if result.errors:
            return
        self.stage("Comparing with the database")
        plans = {name: _plan(connection, table_) for name, table_ in valid.items()}
        for name, plan in plans.items():
            result.counts[name] = plan.counts
        holders = _holder_changes(connection, valid["offenders"], plans["offenders"])
        result.holder_changes = int(holders["changed"].sum())
        if self.check:
            return
        for name, plan in plans.items():
            self.stage(f"Writing {name}")
            self.write(plan)
            if name == "offenders":
                self.write_allocations(plan, holders)
        audit(connection, self.actor, "import", {"source": extract.source},
              {"source": extract.source,
               "counts": {n: vars(c) for n, c in result.counts.items()},
               "holder_changes": result.holder_changes,
               "warnings": len(result.warnings)})

    def write(self, plan: _Plan) -> None:
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
                target = _table(spec.db_table, [*spec.key, *columns])
                statement = update(target).where(
                    *[target.c[k] == bindparam(f"key_{k}") for k in spec.key]
                ).values({c: bindparam(c) for c in columns})
                values = {c: _column_values(changed, spec, c) for c in columns}
                values.update({f"key_{k}": _column_values(changed, spec, k) for k in spec.key})
                self.executemany(statement, values, spec.name)

    def rows_note(self, what: str) -> bulk.RowsProgress:
        """Progress (and a cancel check) between chunks of rows."""
        return lambda done, total: self.note(f"Writing {what}: {done:,} of {total:,} rows")

    def write_allocations(self, plan: _Plan, holders: pd.DataFrame) -> None:
        """First allocations for new RSOs; for a changed holder, close the open allocation and
        open a new one from today (a backfilled row first when the RSO had no history)."""
        today = self.today.isoformat()
        target = _table("allocation", _ALLOCATION_COLUMNS)

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

    def executemany(self, statement: Any, values: dict[str, list[Any]], what: str) -> None:
        """Run ``statement`` once per row of ``values`` through the driver's executemany, in
        chunks (``storage.bulk.execute_many``)."""
        bulk.execute_many(self.connection, statement, values, chunk=CHUNK_ROWS,
                          progress=self.rows_note(what))


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


def _table(name: str, columns: Iterable[str]) -> Any:
    """A lightweight table whose columns carry no type: values reach the driver as they are
    (ISO text for dates, as SQLite stores them and PostgreSQL casts them)."""
    return table(name, *[column(c) for c in columns])


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


# --- comparing with the database ----------------------------------------------------------------

@dataclass
class _Plan:
    """One table's rows and what happens to each: added, updated, or left unchanged."""

    spec: TableSpec
    frame: pd.DataFrame
    added: np.ndarray
    updated: np.ndarray
    existing: pd.DataFrame

    @property
    def counts(self) -> TableCounts:
        added = int(self.added.sum())
        updated = int(self.updated.sum())
        return TableCounts(added, updated, len(self.frame) - added - updated)


def read_table(connection: Connection, spec: TableSpec) -> pd.DataFrame:
    """A register table with the extract's columns, as ``ValidTable`` holds them (dates as ISO
    text, yes/no as booleans, blanks as None): what an import compares with and what an export
    writes. Rows come from the driver's cursor as plain tuples (building a frame from a million
    SQLAlchemy rows costs several times more), ``READ_ROWS`` at a time, each batch made a 2-D
    array in C (transposing with ``zip(*rows)`` cost more than the fetch), so a million tuples
    never sit in memory at once."""
    kinds = {c.name: c.kind for c in spec.columns}
    kinds.update({c.flag_column: "yesno" for c in spec.columns if c.flag_column})
    source = _table(spec.db_table, spec.db_columns)
    selected = [cast(source.c[c], String).label(c) if kinds[c] in ("date", "date_or_indefinite")
                else source.c[c] for c in spec.db_columns]
    sql = str(select(*selected).compile(dialect=connection.dialect))
    width = len(spec.db_columns)
    blocks = [np.empty((0, width), dtype=object)]
    result = connection.exec_driver_sql(sql)
    try:
        cursor = result.cursor
        while rows := cursor.fetchmany(READ_ROWS):  # type: ignore[union-attr]
            block = np.empty((len(rows), width), dtype=object)
            block[:] = rows
            blocks.append(block)
            del rows
    finally:
        result.close()
    data = np.concatenate(blocks)
    del blocks
    frame: dict[str, Any] = {}
    for position, name in enumerate(spec.db_columns):
        values = data[:, position].copy()
        if kinds[name] == "yesno":
            frame[name] = values.astype(bool)
        elif kinds[name] == "decimal":
            numbers = pd.to_numeric(pd.Series(values, dtype=object)).to_numpy(float)
            out = numbers.astype(object)
            out[np.isnan(numbers)] = None
            frame[name] = pd.Series(out, dtype=object)
        else:
            frame[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(frame, columns=spec.db_columns)


def _plan(connection: Connection, valid: ValidTable) -> _Plan:
    spec = valid.spec
    frame = valid.frame
    key = list(spec.key)
    existing = read_table(connection, spec)
    if existing.empty:
        added = np.ones(len(frame), dtype=bool)
        return _Plan(spec, frame, added, ~added, existing)
    position = _positions(existing, frame, key)
    found = position >= 0
    same = found.copy()
    take = np.where(found, position, 0)
    for name in (c for c in frame.columns if c not in key):
        same &= _equal(frame[name].to_numpy(), existing[name].to_numpy()[take])
    return _Plan(spec, frame, ~found, found & ~same, existing)


def _positions(existing: pd.DataFrame, frame: pd.DataFrame, key: list[str]) -> np.ndarray:
    """For each row of ``frame``, the position of the row of ``existing`` with its key, or -1
    (keys are unique in the database, so one hash lookup per row)."""
    if len(key) == 1:
        return pd.Index(existing[key[0]]).get_indexer(frame[key[0]])
    return pd.MultiIndex.from_frame(existing[key]).get_indexer(
        pd.MultiIndex.from_frame(frame[key]))


def _equal(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Element by element, as Python compares values: None equals None (a blank left blank),
    1 equals 1.0. Neither side holds NaN: blanks are None in both."""
    if new.dtype != old.dtype:
        new, old = new.astype(object), old.astype(object)
    return np.asarray(new == old, dtype=bool)


def _holder_changes(connection: Connection, offenders: ValidTable, plan: _Plan) -> pd.DataFrame:
    """Per RSO of the extract (index rso_id): the holder before and after, whether it changed,
    whether it had any allocation history, and the dates a first or backfilled allocation needs.

    The holder is the named manager, or for an RSO without one the team whose pool holds it.
    """
    frame = offenders.frame.set_index("rso_id")
    existing = plan.existing.set_index("rso_id").reindex(frame.index)
    added = pd.Series(plan.added, index=frame.index)

    def given(name: str) -> pd.Series:
        """The value after the import: the file's when it gives the column, else the database's."""
        if name in offenders.present:
            return frame[name].astype(object)
        return existing[name].astype(object) if name in existing else pd.Series(
            None, index=frame.index, dtype=object)

    new_manager = given("manager_id")
    new_team = given("team")
    old_manager = existing["manager_id"].astype(object)
    old_team = existing["team"].astype(object)
    new_pool = new_team.where(new_manager.isna(), None)
    old_pool = old_team.where(old_manager.isna(), None)

    def differ(a: pd.Series, b: pd.Series) -> np.ndarray:
        return ~((a == b).fillna(False).to_numpy(bool) | (a.isna() & b.isna()).to_numpy())

    changed = ~added.to_numpy() & (differ(new_manager, old_manager) | differ(new_pool, old_pool))
    since = given("community_since")
    since = since.where(since.notna(), given("registered_on"))
    old_since = existing["community_since"].where(existing["community_since"].notna(),
                                                  existing["registered_on"])
    with_history: set[str] = set()
    if changed.any():
        with_history = set(connection.execute(
            select(column("rso_id")).select_from(table("allocation")).distinct()).scalars())
    return pd.DataFrame({
        "added": added.to_numpy(),
        "changed": changed,
        "has_history": frame.index.isin(list(with_history)),
        "new_manager_id": new_manager.to_numpy(object),
        "new_pool": new_pool.to_numpy(object),
        "new_held": (new_manager.notna() | new_pool.notna()).to_numpy(),
        "new_since": since.to_numpy(object),
        "old_manager_id": old_manager.to_numpy(object),
        "old_pool": old_pool.to_numpy(object),
        "old_held": (old_manager.notna() | old_pool.notna()).to_numpy(),
        "old_since": old_since.to_numpy(object),
    }, index=frame.index)
