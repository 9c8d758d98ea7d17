"""Read the register as it stood at one date into pandas frames, with SQL (never ORM rows).

Every screen, chart and export of a window reads the same ``Snapshot``, so their figures agree.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.database import named, named_rso
from ncpi_desktop.storage.pg_read import PACKED, packed_sql, read_in_parallel, read_whole, unpacked

Progress = Callable[[int, int, str], None]

def to_dates(values: pd.Series) -> pd.Series:
    """ISO date strings (SQLite) or date objects (PostgreSQL) to datetime64; blanks become NaT.

    Each distinct date is parsed once: 100,000 RSOs have a few thousand dates of birth.
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    parsed = pd.to_datetime(pd.Index(uniques, dtype=object), format="ISO8601", errors="raise")
    table = np.append(parsed.to_numpy("datetime64[s]"), np.datetime64("NaT", "s"))
    return pd.Series(table[codes], index=values.index, name=values.name)


@dataclass(frozen=True)
class Snapshot:
    """The register as at ``as_at``: RSOs registered by then, each with the holder at that date."""

    as_at: date
    policy: Policy
    managers: pd.DataFrame
    rsos: pd.DataFrame
    arms: pd.DataFrame
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def as_at_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_at)

    @cached_property
    def _by_id(self) -> pd.Index:
        """The register's rso_ids, hashed once per snapshot for every frame matched to them."""
        return pd.Index(self.rsos["rso_id"])

    @cached_property
    def _by_row_key(self) -> pd.Index:
        """The register's database row keys (``ROW_KEY``), hashed once per snapshot."""
        return pd.Index(self.rsos[ROW_KEY])

    def rso_rows(self, rso_ids: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
        """The row of ``rsos`` holding each of ``rso_ids`` (-1 for an RSO not in the register)."""
        return self._by_id.get_indexer(rso_ids)

    def rows_of(self, frame: pd.DataFrame) -> np.ndarray:
        """The row of ``rsos`` holding the RSO of each row of ``frame`` (-1: none).

        Frames read with the register carry the RSO's database row key (``ROW_KEY``, SQLite):
        integers are matched without touching a string. Others are matched by rso_id.
        """
        if ROW_KEY in frame.columns and ROW_KEY in self.rsos.columns:
            return self._by_row_key.get_indexer(frame[ROW_KEY])
        return self.rso_rows(frame["rso_id"])


def load_policy(connection: Connection) -> Policy:
    rows = connection.execute(text("SELECT key, value FROM policy_value")).all()
    return Policy().with_values({key: value for key, value in rows})


#: Every RSO on record, with what does not depend on the date: the register as at a date is
#: these rows filtered (``rsos_at``), each with its holder then from the allocations.
_RSOS_SQL = """
SELECT r.rso_id{r_key}, r.family_name, r.given_names,
       {day}(r.date_of_birth) AS date_of_birth, r.sex,
       r.bcu AS home_bcu, r.team AS home_team, r.neighbourhood, r.status, r.risk_level,
       r.management, r.manager_id AS current_manager_id,
       {day}(r.registered_on) AS registered_on, {day}(r.community_since) AS community_since,
       {day}(r.notification_ends) AS notification_ends, r.notification_indefinite,
       r.visit_interval_months, r.visit_interval_reason,
       {day}(r.last_concern_on) AS last_concern_on, r.paper_records_only,
       r.version, {day}(r.first_notified_on) AS first_notified_on,
       {day}(r.last_notified_on) AS last_notified_on,
       {day}(r.expected_release_on) AS expected_release_on
FROM {rso} r{order}
"""

#: Every allocation, from which ``holders_at`` finds the one in force at a date.
_ALLOCATIONS_SQL = """
SELECT a.id AS allocation_id, a.rso_id{r_key}, a.manager_id AS held_manager_id,
       a.team AS held_team, {day}(a.starts_on) AS starts_on, {day}(a.ends_on) AS ends_on
FROM allocation a JOIN rso r ON r.rso_id = a.rso_id
"""

#: Every ARMS assessment, with its RSO's registration date (``arms_at`` keeps those made by a
#: date, of RSOs registered by then).
_ARMS_SQL = """
SELECT a.rso_id{r_key}, {day}(a.completed_on) AS completed_on, a.outcome,
       {day}(r.registered_on) AS registered_on
FROM arms a JOIN rso r ON r.rso_id = a.rso_id
"""

_MANAGERS_SQL = ("SELECT manager_id, name, bcu, team, fte, role, active FROM manager"
                 " ORDER BY manager_id")  # the same order on every database

#: The column holding the RSO's row key in the database, beside rso_id in the register and in
#: every frame read with it, where the database has one (SQLite's rowid): frames are joined to
#: the register by integers (``Snapshot.rows_of``); elsewhere (PostgreSQL) by rso_id.
ROW_KEY = "rso_key"


def with_row_key(connection: Connection, sql: str) -> str:
    """``sql`` for the connection's database: ``{r_key}`` (after a selected column) selects the
    row key of ``rso r`` as ``ROW_KEY`` and ``{l_key}`` passes it on from a subquery ``l``,
    where the database has row keys; ``{day}(column)`` gives a date as SQLite's Julian day
    number (a float, which ``read_frame`` turns into a date without parsing text), and as the
    date itself elsewhere (where ``read_frame`` has it sent as a number: ``pg_read``)."""
    if connection.dialect.name == "sqlite":
        return sql.format(r_key=f", r.rowid AS {ROW_KEY}", l_key=f", l.{ROW_KEY}",
                          day="julianday", rso="rso", decisions="management_decision", order="")
    # ``{rso}``: where names are read from (a server's view gives only those in scope).
    # ``{order}``: PostgreSQL hands back rows in no set order (an updated row moves to the end
    # of its table), so the RSOs are read in id order there; SQLite reads them by row key.
    return sql.format(r_key="", l_key="", day="", rso=named_rso(connection),
                      decisions=named(connection, "management_decision"),
                      order=" ORDER BY r.rso_id")


#: How a column read from the database is typed (``read_frame``).
#: ``label``: text with few distinct values (status, risk level, team, manager id...), stored as
#: one string object per distinct value: every comparison and hash of the column then touches a
#: handful of objects instead of 100,000 scattered ones (and the column takes far less memory).
Kind = Literal["text", "label", "date", "bool", "int", "Int64", "float"]

_RSO_KINDS: dict[str, Kind] = {
    "date_of_birth": "date", "registered_on": "date", "community_since": "date",
    "notification_ends": "date", "last_concern_on": "date", "notification_indefinite": "bool",
    "paper_records_only": "bool", "visit_interval_months": "Int64", ROW_KEY: "int",
    "version": "int", "first_notified_on": "date", "last_notified_on": "date",
    "expected_release_on": "date",
} | dict.fromkeys(["rso_id", "family_name", "given_names", "home_bcu", "home_team",
                   "neighbourhood", "visit_interval_reason", "current_manager_id"], "text",
                  ) | dict.fromkeys(["sex", "status", "risk_level", "management"], "label")
_ARMS_KINDS: dict[str, Kind] = {"rso_id": "text", ROW_KEY: "int", "completed_on": "date",
                                 "outcome": "label", "registered_on": "date"}
_ALLOCATION_KINDS: dict[str, Kind] = {"allocation_id": "int", "rso_id": "text", ROW_KEY: "int",
                                      "held_manager_id": "label", "held_team": "label",
                                      "starts_on": "date", "ends_on": "date"}
_MANAGER_KINDS: dict[str, Kind] = {"fte": "float", "active": "bool"}


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects that hold no
    cycles (rows of a large read): its repeated passes over them cost as much as building them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _typed(values: np.ndarray, kind: Kind | None) -> pd.api.extensions.ExtensionArray | np.ndarray:
    if kind == "text":
        return pd.array(values, dtype="str")
    if kind == "label":
        codes, uniques = pd.factorize(values)
        return pd.array(np.append(np.asarray(uniques, dtype=object), None)[codes], dtype="str")
    if kind == "date":
        if pd.api.types.infer_dtype(values, skipna=True) == "floating":
            return _from_julian_days(values)
        return to_dates(pd.Series(values, dtype=object)).to_numpy()
    if kind == "int":
        return values.astype(np.int64)
    if kind == "bool":
        return pd.Series(values, dtype=object).fillna(False).to_numpy(bool)
    if kind == "Int64":
        return pd.array(values, dtype="Int64")
    if kind == "float":
        return pd.Series(values, dtype=object).astype(float).to_numpy()
    return pd.Series(values.copy(), dtype=object).infer_objects().array  # as pandas types rows


#: The Julian day number of 1970-01-01 00:00 (SQLite's ``julianday``).
_UNIX_EPOCH_JULIAN_DAY = 2440587.5
_SECONDS_PER_DAY = 86400


def _from_julian_days(values: np.ndarray) -> np.ndarray:
    """Julian day numbers (NaN: blank) as datetime64[s], to the second."""
    blank = np.equal(values, None)
    days = np.where(blank, np.nan, values).astype(float)
    seconds = np.rint((np.where(blank, _UNIX_EPOCH_JULIAN_DAY, days) - _UNIX_EPOCH_JULIAN_DAY)
                      * _SECONDS_PER_DAY).astype(np.int64).view("datetime64[s]")
    seconds[blank] = np.datetime64("NaT")
    return seconds


def read_frame(connection: Connection, sql: str, kinds: Mapping[str, Kind] | None = None,
               leave_out: Collection[str] = (), **params: object) -> pd.DataFrame:
    """The rows of ``sql`` as a frame built column by column from the driver's cursor.

    SQLAlchemy ``Row`` objects and pandas' row-wise inference each cost more than the read
    itself. ``kinds`` types text, dates, flags, nullable integers and decimals; other columns
    are typed as pandas types rows (text as str, whole numbers without blanks as int64).
    On PostgreSQL the dates, flags and whole numbers travel packed (``pg_read.packed_sql``),
    and the text columns of ``leave_out`` are not read: they are blank in the frame (SQLite
    reads them, its read of text costing little).
    """
    kinds = kinds or {}
    packing = None
    if connection.dialect.name == "postgresql":
        sql, packing = packed_sql(connection, sql, kinds, params, leave_out)
        whole = read_whole(connection, sql, packing, kinds, params)
        if whole is not None:
            data = {name: _typed(column, kinds.get(name)) if name in packing.plain else column
                    for name, column in whole.items()}
            return _with_left_out(data, packing.names)
    with paused_gc():
        result = connection.execute(text(sql), params)
        try:
            names = list(result.keys())
            rows = result.cursor.fetchall()  # type: ignore[union-attr]
        finally:
            result.close()
        # Column-major, so that each column is one contiguous array.
        table = np.empty((len(names), len(rows)), dtype=object)
        if rows:
            table.T[:] = rows
        del rows
        data = {name: _typed(table[number], kinds.get(name))
                for number, name in enumerate(names) if name != PACKED}
        if packing is not None and packing.packed:
            data |= unpacked(table[names.index(PACKED)], packing)
        if packing is not None:
            return _with_left_out(data, packing.names)
    return pd.DataFrame(data, columns=names)


def _with_left_out(data: dict[str, Any], names: Sequence[str]) -> pd.DataFrame:
    """A server's read as a frame of all its columns, ``names`` in order: the columns it was
    not sent (``read_frame``'s ``leave_out``) blank text."""
    length = len(next(iter(data.values())))
    blank = {name: pd.array(np.full(length, None, object), dtype="str")
             for name in names if name not in data}
    return pd.DataFrame(data | blank, columns=list(names))


def rows_in(target: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """The row of ``target`` (a register frame) holding the RSO of each row of ``frame`` (-1:
    none): by the database row key where both carry it, else by rso_id."""
    key = ROW_KEY if ROW_KEY in frame.columns and ROW_KEY in target.columns else "rso_id"
    return pd.Index(target[key]).get_indexer(frame[key])


def _day(as_at: date) -> np.datetime64:
    return np.datetime64(as_at, "s")


def _on_or_before(values: pd.Series, as_at: date) -> np.ndarray:
    """True where the date is on or before ``as_at`` (a blank date never is)."""
    return values.to_numpy("datetime64[s]") <= _day(as_at)


def holders_at(rsos: pd.DataFrame, allocations: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """``rsos`` with each RSO's holder at ``as_at``: ``manager_id`` and ``team`` of the allocation
    in force then (started by then and not ended: ``starts_on <= as_at < ends_on``, no end date
    meaning open; of several, the latest started, then the latest made), else the RSO's current
    holder and home team. One string object per manager id, as a ``label`` column has."""
    day = _day(as_at)
    starts = allocations["starts_on"].to_numpy("datetime64[s]")
    ends = allocations["ends_on"].to_numpy("datetime64[s]")
    live = np.flatnonzero((starts <= day) & (np.isnat(ends) | (ends > day)))
    rows = rows_in(rsos, allocations.iloc[live])
    known = rows >= 0
    live, rows = live[known], rows[known]
    # The latest started (then the latest made) allocation in force of each RSO: the last of
    # its run once sorted by RSO, start and id.
    order = np.lexsort((allocations["allocation_id"].to_numpy()[live], starts[live], rows))
    last = np.append(rows[order][1:] != rows[order][:-1], True) if len(order) else order
    chosen, at_rows = live[order[last]], rows[order[last]]
    held = rsos["current_manager_id"].to_numpy(object).copy()
    held[at_rows] = allocations["held_manager_id"].to_numpy(object)[chosen]
    team = rsos["home_team"].to_numpy(object).copy()
    team[at_rows] = allocations["held_team"].to_numpy(object)[chosen]
    out = rsos.drop(columns=["current_manager_id"])
    out["manager_id"] = _typed(held, "label")
    out["team"] = pd.array(team, dtype="str")
    return out


def rsos_at(rsos: pd.DataFrame, allocations: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """The register as at ``as_at``: the RSOs registered by then, each with its holder then."""
    registered = rsos[_on_or_before(rsos["registered_on"], as_at)].reset_index(drop=True)
    return holders_at(registered, allocations, as_at)


def arms_at(arms: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """The ARMS assessments completed by ``as_at`` of RSOs registered by then."""
    kept = _on_or_before(arms["completed_on"], as_at) & _on_or_before(arms["registered_on"], as_at)
    return arms[kept].drop(columns=["registered_on"]).reset_index(drop=True)


@dataclass(frozen=True)
class WholeTable:
    """A table of the history read whole, once per ``Register``, and selected at each as-at
    date in pandas (``at``): for tables read at several dates in turn."""

    read: Callable[[Connection], pd.DataFrame]
    at: Callable[[pd.DataFrame, date], pd.DataFrame]


#: A frame of ``Snapshot.extra``: read at the date with SQL (``(connection, as_at) -> frame``),
#: or a ``WholeTable``.
Loader = Callable[[Connection, date], pd.DataFrame] | WholeTable


#: Audited writes to no table the register is read from (``storage.scenarios``: a what-if
#: scenario saved or deleted): they do not move the ``database_stamp``, so a window does not
#: read the whole register again after one (on a server, nor the triggers' rows of them).
OUTSIDE_REGISTER = ("save scenario", "delete scenario", "server: insert scenario",
                    "server: update scenario", "server: delete scenario")


def database_stamp(connection: Connection) -> object:
    """What changes whenever the database does: every write the application makes (named
    operations, their undo, imports, policy changes) adds an audit row of kind alteration or
    collection, so the latest such row's id changes with each. Rows that change nothing (a
    consultation, a disclosure, a sign-in) do not move it, nor writes outside the register
    (``OUTSIDE_REGISTER``): read from the end, they are passed over until the last write's row."""
    try:
        return connection.execute(text(
            "SELECT id FROM audit WHERE kind IN ('alteration', 'collection') "
            "AND operation NOT IN :outside ORDER BY id DESC LIMIT 1").bindparams(
                bindparam("outside", OUTSIDE_REGISTER, expanding=True))).scalar()
    except OperationalError:  # SQLite, a schema older than 0007 (no kinds): every row counts
        if connection.dialect.name != "sqlite":
            raise
        return connection.execute(text("SELECT max(id) FROM audit")).scalar()


def register_version(connection: Connection) -> int | None:
    """SQLite: ``register_version.n``, which the triggers of migration 0005 move with every row
    written to the tables the register is read from, whoever writes it (the application, an
    import, the sqlite3 command line). None elsewhere, or in a database without the table."""
    if connection.dialect.name != "sqlite":
        return None
    try:
        return connection.exec_driver_sql("SELECT n FROM register_version").scalar()
    except OperationalError:  # a schema older than 0005, opened without migrating
        return None


def schema_version(connection: Connection) -> int | None:
    """SQLite: the schema cookie (``PRAGMA schema_version``), which every change to the schema
    moves (a table created, altered, dropped or rebuilt; VACUUM), and nothing else does: such a
    change fires no trigger, so ``register_version`` does not see it. None elsewhere."""
    if connection.dialect.name != "sqlite":
        return None
    return connection.exec_driver_sql("PRAGMA main.schema_version").scalar()


def register_stamp(connection: Connection) -> object:
    """What changes whenever the register may have: the ``database_stamp``, and on SQLite the
    ``register_version``, which writes made outside the application move too."""
    if connection.dialect.name != "sqlite":
        return database_stamp(connection)
    return database_stamp(connection), register_version(connection)


#: Where a ``Register`` was read from: its tables, or the copy stored in the database
#: (``storage.register_store``); "memory": one of those brought up to date in memory with the
#: application's own changes (``storage.in_memory``), stored for the next start as one read
#: from the tables is.
RegisterSource = Literal["tables", "store", "memory"]


@dataclass(frozen=True)
class Register:
    """What a snapshot reads that does not depend on the as-at date: the policy, the managers,
    every RSO, allocation and ARMS assessment, and the whole tables of the history read so far
    (``tables``). ``stamp`` is the database's ``register_stamp`` when it was read; ``version``
    its ``register_version`` if the tables did not change while they were read (else None:
    such a register is never stored), and ``schema_version`` the database's ``schema_version``
    then; ``source`` says whence it came."""

    stamp: object
    policy: Policy
    managers: pd.DataFrame
    rsos: pd.DataFrame
    allocations: pd.DataFrame
    arms: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    version: int | None = None
    schema_version: int | None = None
    source: RegisterSource = "tables"
    #: Columns of ``rsos`` not read yet, blank meanwhile (``read_register``'s ``defer``).
    deferred: tuple[str, ...] = ()

    @cached_property
    def by_id(self) -> pd.Index:
        """Every RSO's rso_id, hashed once per register (``rso_rows``)."""
        return pd.Index(self.rsos["rso_id"])

    def rso_rows(self, rso_ids: pd.Series | pd.Index | np.ndarray | list[str]) -> np.ndarray:
        """The row of ``rsos`` holding each of ``rso_ids`` (-1 for an RSO not there)."""
        return self.by_id.get_indexer(rso_ids)


#: Columns of the RSOs no caseload figure counts by (names, free text, the neighbourhood:
#: shown only in the list of a chosen manager's RSOs, and only ever cut, never counted): on a
#: server, a read for the caseload figures alone leaves them blank for the read that follows
#: (``read_register``'s ``defer``), one Python string per value being most of the client's
#: work of reading the register there.
DEFERRED_COLUMNS = ("family_name", "given_names", "neighbourhood", "visit_interval_reason")


def read_register(connection: Connection, progress: Progress | None = None, *,
                  defer: bool = False) -> Register:
    """Read the date-independent frames (``Register``) from their tables on ``connection``.
    ``defer`` (on a server; nothing on SQLite): the ``DEFERRED_COLUMNS`` are left blank, to be
    read by ``with_deferred``."""
    report = progress or (lambda _done, _total, _what: None)
    deferred = DEFERRED_COLUMNS if defer and connection.dialect.name != "sqlite" else ()
    stamp = register_stamp(connection)
    version = register_version(connection)
    schema = schema_version(connection)
    policy = load_policy(connection)
    frames = _read_register_frames(connection, report, deferred)
    if version is not None and (register_version(connection) != version
                                or schema_version(connection) != schema):
        version = None  # a write landed between the reads: the frames may not agree
    return Register(stamp=stamp, policy=policy, version=version, schema_version=schema,
                    deferred=deferred, **frames)


def with_deferred(connection: Connection, register: Register) -> Register:
    """``register`` with its ``deferred`` columns read, through the same relation as the rest
    of the RSOs (a server's row-level security applies to it alike), matched by rso_id."""
    if not register.deferred:
        return register
    columns = "".join(f", r.{column}" for column in register.deferred)
    frame = read_frame(connection, with_row_key(connection, f"SELECT r.rso_id{columns} "
                                                            "FROM {rso} r{order}"),
                       {column: _RSO_KINDS[column] for column in register.deferred})
    rows = register.rso_rows(frame["rso_id"])
    known = rows >= 0  # an RSO added since: the register is read again (its stamp moved)
    rsos = register.rsos.copy(deep=False)
    for column in register.deferred:
        values = np.full(len(rsos), None, object)
        values[rows[known]] = frame[column].to_numpy(object)[known]
        rsos[column] = pd.array(values, dtype="str")
    return dataclasses.replace(register, rsos=rsos, deferred=())


#: The frames of a ``Register`` read from its tables: the SQL (before ``with_row_key``), how
#: its columns are typed, and what the progress says meanwhile.
_REGISTER_READS: dict[str, tuple[str, Mapping[str, Kind], str]] = {
    "rsos": (_RSOS_SQL, _RSO_KINDS, "Reading RSOs"),
    "managers": (_MANAGERS_SQL, _MANAGER_KINDS, "Reading offender managers"),
    "allocations": (_ALLOCATIONS_SQL, _ALLOCATION_KINDS, "Reading allocations"),
    "arms": (_ARMS_SQL, _ARMS_KINDS, "Reading ARMS assessments"),
}


def _read_register_frames(connection: Connection, report: Progress,
                          deferred: tuple[str, ...] = ()) -> dict[str, pd.DataFrame]:
    """The ``_REGISTER_READS``: one after the other on SQLite; elsewhere the RSOs (the largest)
    on a second connection while the others are read on this one (``pg_read``), the
    ``deferred`` columns of the RSOs left blank."""
    def reader(name: str) -> Callable[[Connection], pd.DataFrame]:
        sql, kinds, _ = _REGISTER_READS[name]
        leave_out = deferred if name == "rsos" else ()
        return lambda on: read_frame(on, with_row_key(on, sql), kinds, leave_out)

    if connection.dialect.name != "sqlite":
        report(0, 1, "Reading the register")
        with paused_gc():
            return read_in_parallel(connection, {name: reader(name) for name in _REGISTER_READS})
    frames = {}
    for done, (name, (_, _, what)) in enumerate(_REGISTER_READS.items()):
        report(done, len(_REGISTER_READS), what)
        frames[name] = reader(name)(connection)
    return frames
