"""Comparing an extract with the register: each table read whole (``read_table``, which the
export also writes from), every row of the extract classified as added, updated or unchanged by its
key, and the RSOs whose holder (manager, or team pool) an import changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import String, cast, column, select, table
from sqlalchemy.engine import Connection

from ncpi_desktop.exchange.import_format import TableSpec
from ncpi_desktop.exchange.validate import ValidTable
from ncpi_desktop.storage.database import named

#: Rows fetched from the database at a time when a table is read whole.
READ_ROWS = 100_000


@dataclass
class TableCounts:
    """Rows of one table the import adds, updates and leaves as they were."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.added + self.updated + self.unchanged


def untyped_table(name: str, columns: Iterable[str]) -> Any:
    """A lightweight table whose columns carry no type: values reach the driver as they are
    (ISO text for dates, as SQLite stores them and PostgreSQL casts them)."""
    return table(name, *[column(c) for c in columns])


@dataclass
class Plan:
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
    # On a server, names and free text through its views: only those the user may see.
    source = untyped_table(named(connection, spec.db_table), spec.db_columns)
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


def plan_table(connection: Connection, valid: ValidTable) -> Plan:
    spec = valid.spec
    frame = valid.frame
    key = list(spec.key)
    existing = read_table(connection, spec)
    if existing.empty:
        added = np.ones(len(frame), dtype=bool)
        return Plan(spec, frame, added, ~added, existing)
    position = _positions(existing, frame, key)
    found = position >= 0
    same = found.copy()
    take = np.where(found, position, 0)
    for name in (c for c in frame.columns if c not in key):
        same &= _equal(frame[name].to_numpy(), existing[name].to_numpy()[take])
    return Plan(spec, frame, ~found, found & ~same, existing)


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


def holder_changes(connection: Connection, offenders: ValidTable, plan: Plan) -> pd.DataFrame:
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
