"""The register stored inside its own SQLite database, so that the next start reads it back in a
fraction of the time the tables take.

Reading the register from its tables (``snapshot.read_register`` and the whole tables of the
history) means turning some 2.5 million values into Python objects one by one: about 3 s of CPU
for a national register. Stored as columns of plain numbers and text it reads back in a tenth
of that. What is stored is exactly the frames a read of the tables gives (managers, RSOs,
allocations, ARMS, and every ``WholeTable`` of ``history.HISTORY_LOADERS``); the policy is small
and is read afresh.

A stored copy is never used stale. Migration 0005 puts a trigger on every table the frames come
from, which counts each row written in ``register_version.n``, in the writer's own transaction,
whoever the writer is (an operation, its undo, an import, the sqlite3 command line); the frames
are used only while the count they were stored at is the count now. (The triggers no longer
delete the stale frames as well, since migration 0017: for a national register that cost the
first change after each store about 0.09 s. The next store replaces them.)

A change to the schema (a column renamed, added or dropped, a table rebuilt by a migration)
fires no trigger, but moves SQLite's schema cookie (``PRAGMA schema_version``). The frames are
stored with the ``n`` and the schema cookie they were read at and used only while both are still
those, their format and the code that reads them unchanged, and the triggers all present.
Anything else (a damaged blob, an older format, a database that cannot be written) means reading
the tables, as without the store.

Only SQLite: on PostgreSQL nothing is stored or read (a shared server has no triggers here).

Each frame is one blob (``frame_to_bytes``): a NumPy .npz archive (``numpy.savez``, a zip of
.npy arrays, each with the zip's CRC-32) of a JSON header naming the code that made it, the
schema cookie and the frame's columns, and one or more arrays per column (text as int32 codes
into its distinct values, stored once as UTF-8; nullable integers as values and mask; numpy
columns as they are). Never pickle: ``numpy.load`` is told not to, so reading a blob builds
nothing but numpy arrays of numbers and Python strings.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, OperationalError

from ncpi_desktop.storage import history, snapshot
from ncpi_desktop.storage.snapshot import (
    ROW_KEY,
    Register,
    WholeTable,
    load_policy,
    register_stamp,
    register_version,
    schema_version,
)

#: The layout of a stored frame; bump it when ``frame_to_bytes`` changes. 1: the first
#: release's own layout; 2: NumPy's .npz archive.
FORMAT = 2

#: The tables the stored frames are read from, each with the triggers of migration 0005.
REGISTER_TABLES = ("manager", "rso", "allocation", "arms", "civil_order",
                   "management_decision", "policy_value")
#: Each of those triggers by name, with the table it is on.
TRIGGER_TABLES = {f"register_changed_{table}_{event}": table for table in REGISTER_TABLES
                  for event in ("insert", "update", "delete")}
TRIGGERS = frozenset(TRIGGER_TABLES)

#: The frames of a ``Register`` stored under their own names; its whole tables under
#: ``TABLE_PREFIX`` + the loader's name.
REGISTER_FRAMES = ("managers", "rsos", "allocations", "arms")
TABLE_PREFIX = "tables."

#: How long a store waits for another writer, in milliseconds: the store is optional, so it
#: gives up rather than keep the caller waiting.
STORE_BUSY_TIMEOUT_MS = 250

#: Characters that may part the distinct values of a text column: the first none of them holds.
_SEPARATORS = "\x00\x01\x1e\x1f"
#: numpy kinds stored as they are: bool, signed and unsigned integers, floats, datetime64 and
#: timedelta64 (never object).
_NUMPY_KINDS = frozenset("biufMm")


class _Unreadable(ValueError):
    """A stored blob that is not one ``frame_to_bytes`` wrote with this code."""


# --- frames as bytes ----------------------------------------------------------------------------

def frame_to_bytes(frame: pd.DataFrame, *, schema: int | None = None) -> bytes | None:
    """``frame`` as one blob that ``frame_from_bytes`` turns back into an equal frame (same
    columns, dtypes and values, blanks included), or None if it holds a column this cannot
    store exactly: only pandas "str" text, nullable Int64, numpy numbers, booleans and dates,
    and object columns holding nothing but None are stored. ``schema``: the schema cookie of
    the database it was read from, which ``frame_from_bytes`` must be given to read it."""
    index = frame.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        return None
    names = list(frame.columns)
    if not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
        return None
    columns: list[list[Any]] = []
    arrays: dict[str, np.ndarray] = {}
    for number, name in enumerate(names):
        encoded = _encode_column(frame.iloc[:, number])
        if encoded is None:
            return None
        kind, extra, parts = encoded
        columns.append([name, kind, extra])
        arrays.update({f"{number}.{part}": array for part, array in parts.items()})
    header = json.dumps({"recipe": recipe(), "schema": schema, "rows": len(frame),
                         "columns": columns})
    blob = io.BytesIO()
    np.savez(blob, header=np.frombuffer(header.encode("ascii"), dtype=np.uint8), **arrays)
    return blob.getvalue()


def _encode_column(column: pd.Series) -> tuple[str, Any, dict[str, np.ndarray]] | None:
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        if not (isinstance(dtype.na_value, float) and np.isnan(dtype.na_value)):
            return None
        # Each distinct value once (one string object each when read back, as a "label"
        # column read from the tables has), joined by a character none of them holds, for
        # str.split to part again in C.
        codes, uniques = pd.factorize(column.to_numpy(object), use_na_sentinel=True)
        distinct = list(uniques)  # str, every one: the dtype holds nothing else
        joined = "".join(distinct)
        separator = next((char for char in _SEPARATORS if char not in joined), None)
        if separator is None:
            return None
        text = separator.join(distinct).encode("utf-8", "surrogatepass")
        return "str", [dtype.storage, len(distinct), separator], {
            "codes": codes.astype(np.int32), "text": np.frombuffer(text, dtype=np.uint8)}
    if isinstance(dtype, pd.Int64Dtype):
        return "Int64", None, {"values": column.to_numpy(dtype=np.int64, na_value=0),
                               "mask": column.isna().to_numpy(dtype=bool)}
    if isinstance(dtype, np.dtype) and dtype.kind in _NUMPY_KINDS:
        return "numpy", None, {"values": column.to_numpy()}
    if (isinstance(dtype, np.dtype) and dtype.kind == "O"
            and all(value is None for value in column.to_numpy(object))):
        return "none", None, {}
    return None


def frame_from_bytes(data: bytes, *, schema: int | None = None) -> pd.DataFrame:
    """The frame ``frame_to_bytes`` stored in ``data`` under ``schema``. Raises ``ValueError``
    for a blob it did not write (damaged, cut short, another layout, written by other code or
    under another schema)."""
    arrays, header = _opened(data, schema)
    try:
        with arrays:
            frame = {name: _decode_column(kind, extra, arrays, f"{number}.", header["rows"])
                     for number, (name, kind, extra) in enumerate(header["columns"])}
        return pd.DataFrame(frame, columns=[column[0] for column in header["columns"]])
    except Exception as error:  # a damaged archive (zipfile.BadZipFile: a CRC), a member
        raise _Unreadable(str(error)) from error  # missing, one that does not add up


def _opened(data: bytes, schema: int | None) -> tuple[Any, dict[str, Any]]:
    """The arrays of a stored frame (a ``numpy.lib.npyio.NpzFile``) and its header, once it is
    known to be one this code wrote under ``schema``: only the header is read (the recipe and
    the schema cookie are checked before anything that reads the whole blob)."""
    try:
        arrays = np.load(io.BytesIO(data), allow_pickle=False)
        header = json.loads(arrays["header"].tobytes())
    except Exception as error:  # not an archive, or its header damaged
        raise _Unreadable("not a stored frame") from error
    if not isinstance(header, dict) or header.get("recipe") != recipe():
        raise _Unreadable("written by other code")
    if header.get("schema") != schema:
        raise _Unreadable("written under another schema")
    return arrays, header


def _decode_column(kind: str, extra: Any, arrays: Any, prefix: str, rows: int) -> Any:
    if kind == "str":
        storage, count, separator = extra
        text = arrays[prefix + "text"].tobytes().decode("utf-8", "surrogatepass")
        distinct = pd.array(np.array(text.split(separator) if count else [], dtype=object),
                            dtype=pd.StringDtype(storage=storage, na_value=np.nan))
        if len(distinct) != count:
            raise _Unreadable("text column does not add up")
        return distinct.take(arrays[prefix + "codes"], allow_fill=True)  # -1: a blank
    if kind == "Int64":
        return pd.arrays.IntegerArray(arrays[prefix + "values"], arrays[prefix + "mask"])
    if kind == "numpy":
        return arrays[prefix + "values"]
    if kind == "none":
        return np.full(rows, None, dtype=object)
    raise _Unreadable(f"unknown column kind {kind!r}")


@cache
def recipe() -> str:
    """What the stored frames were made by: the layout, the code reading the register (the
    package version and the source of the modules that read and store it) and the pandas it
    types them with (the versions of pandas and numpy, and the dtype pandas gives text). A
    stored copy made by other code (an upgrade, a change in development, another pandas) is not
    used: it might lack a column the code now reads, or type one differently."""
    from ncpi_desktop import __version__

    digest = hashlib.sha256(f"{FORMAT}:{__version__}".encode())
    digest.update(_pandas_setup().encode())
    for module in (snapshot, history):
        digest.update(_source(module.__file__))
    digest.update(_source(__file__))
    return digest.hexdigest()[:32]


def _pandas_setup() -> str:
    """The versions of pandas and numpy, and how pandas types text: the dtype of a "str" array
    (its storage, python or pyarrow, and its blank) and of text it infers (``str`` under
    pandas' ``future.infer_string``, else object), read without the deprecated option."""
    text = pd.array(["a"], dtype="str").dtype
    inferred = pd.Series(["a"], dtype=object).infer_objects().dtype
    return f"pandas {pd.__version__}; numpy {np.__version__}; {text!r}; {inferred!r}"


def _source(path: str | None) -> bytes:
    try:
        return Path(path).read_bytes() if path else b""
    except OSError:  # a frozen build may ship no source: its version says enough
        return b""


# --- the register in the database ---------------------------------------------------------------

def whole_tables() -> dict[str, WholeTable]:
    """The history's tables read whole with the register (``history.HISTORY_LOADERS``)."""
    return {name: loader for name, loader in history.HISTORY_LOADERS.items()
            if isinstance(loader, WholeTable)}


def _frames(register: Register, tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    frames = {name: getattr(register, name) for name in REGISTER_FRAMES}
    frames.update({TABLE_PREFIX + name: frame for name, frame in tables.items()})
    return frames


def _expected_names() -> set[str]:
    return set(REGISTER_FRAMES) | {TABLE_PREFIX + name for name in whole_tables()}


def missing_triggers(connection: Connection) -> set[str]:
    """The triggers of ``TRIGGERS`` not in place on their tables: a table rebuilt by hand, or
    by a migration that forgot them, leaves the stored copy unguarded."""
    present = {tuple(row) for row in connection.exec_driver_sql(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")}
    return {name for name, table in TRIGGER_TABLES.items() if (name, table) not in present}


def stored_register(connection: Connection) -> Register | None:
    """The register stored in the database (``store_register``), if there is one and it is
    current: stored at the present ``register_version.n`` and schema cookie, in this format, by
    this code, whole, with every trigger in place and the RSOs' row keys unchanged. None
    otherwise (read the tables), and always on PostgreSQL."""
    if connection.dialect.name != "sqlite":
        return None
    try:
        stamp = register_stamp(connection)
        version = register_version(connection)
        if version is None or missing_triggers(connection):
            return None
        # One statement: the frames and the count and schema cookie they are checked against
        # are read together.
        rows = connection.exec_driver_sql(
            "SELECT c.name, c.version, c.format, c.data, v.n, s.schema_version "
            "FROM register_cache c CROSS JOIN register_version v "
            "CROSS JOIN pragma_schema_version s").all()
        names = [row[0] for row in rows]
        if (len(names) != len(set(names)) or set(names) != _expected_names()
                or any(row[1] != version or row[4] != version or row[2] != FORMAT
                       for row in rows)):
            return None
        schema = rows[0][5]
        frames = _decoded({row[0]: row[3] for row in rows}, schema)
        if frames is None or not _row_keys_unchanged(connection, frames["rsos"]):
            return None
        policy = load_policy(connection)
    except OperationalError:  # an older schema (no such table), or the file went away
        return None
    tables = {name[len(TABLE_PREFIX):]: frame for name, frame in frames.items()
              if name.startswith(TABLE_PREFIX)}
    return Register(stamp=stamp, policy=policy, managers=frames["managers"],
                    rsos=frames["rsos"], allocations=frames["allocations"],
                    arms=frames["arms"], tables=tables, version=version,
                    schema_version=schema, source="store")


def _decoded(blobs: Mapping[str, bytes], schema: int) -> dict[str, pd.DataFrame] | None:
    try:
        for blob in blobs.values():  # every header before any blob is read through
            _opened(blob, schema)[0].close()
        return {name: frame_from_bytes(blob, schema=schema) for name, blob in blobs.items()}
    except Exception:  # noqa: BLE001 - any error at all decoding a blob
        # A damaged or foreign blob, whatever it makes pandas or numpy raise (ImportError for
        # text stored as pyarrow strings where pyarrow is absent): read the tables instead.
        return None


def _row_keys_unchanged(connection: Connection, rsos: pd.DataFrame) -> bool:
    """The RSOs' row keys (SQLite rowids, which visits are joined by) are still those stored.

    No row changes without the triggers firing, but VACUUM (or a dump and reload) may renumber
    rowids, and only where a deleted row left a gap: the count and the largest then no longer
    agree with those stored."""
    if ROW_KEY not in rsos.columns:
        return False
    count, largest = connection.exec_driver_sql("SELECT count(*), max(rowid) FROM rso").one()
    keys = rsos[ROW_KEY].to_numpy()
    stored_largest = int(keys.max()) if len(keys) else None
    return count == len(rsos) and largest == stored_largest


def store_register(engine: Engine, register: Register) -> bool:
    """Store ``register`` in its database for the next start; True if it was stored.

    ``register`` must have been read from the tables (``snapshot.read_register``) of this
    database, or been brought up to date in memory with the application's own change
    (``storage.in_memory``) and stamped with the ``register_version.n`` after it, and the
    database must still be as it was then (``register_version.n`` and the schema cookie have
    not moved): the copy is brought up to date rather than dropped. The whole
    tables of the history it does not hold yet are read first (and added to it), so that what
    is stored is complete. Nothing is stored, and False returned, if the register has changed
    since, a frame cannot be stored exactly, the database cannot be written (read-only, locked
    by another writer, full) or is not SQLite.
    """
    schema = register.schema_version
    if engine.dialect.name != "sqlite" or register.version is None or schema is None:
        return False
    try:
        with engine.connect() as connection:
            missing = {name: loader.read(connection) for name, loader in whole_tables().items()
                       if name not in register.tables}
            if register_version(connection) != register.version:
                return False  # changed since it was read (or while reading the tables)
            blobs = _encoded(_frames(register, {**register.tables, **missing}), schema)
            if blobs is None:
                return False
            if not _write(connection, register.version, schema, blobs):
                return False
    except (OperationalError, DataError):  # read-only, locked, full, a blob too big
        return False
    register.tables.update(missing)
    return True


def _encoded(frames: Mapping[str, pd.DataFrame], schema: int) -> dict[str, bytes] | None:
    blobs: dict[str, bytes] = {}
    for name, frame in frames.items():
        blob = frame_to_bytes(frame, schema=schema)
        if blob is None:
            return None
        blobs[name] = blob
    return blobs


def _write(connection: Connection, version: int, schema: int,
           blobs: Mapping[str, bytes]) -> bool:
    """In one transaction holding the write lock: check the register is still at ``version``
    and the schema cookie still ``schema`` (the blobs' headers hold it), replace the stored
    rows (which moves neither: they are rows, not schema)."""
    before = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {STORE_BUSY_TIMEOUT_MS}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            if (register_version(connection) != version
                    or schema_version(connection) != schema):
                connection.rollback()
                return False
            connection.exec_driver_sql("DELETE FROM register_cache")
            connection.exec_driver_sql(
                "INSERT INTO register_cache (name, version, format, data) VALUES (?, ?, ?, ?)",
                _rows(blobs, version))
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(before)}")
    return True


def _rows(blobs: Mapping[str, bytes], version: int) -> Iterable[tuple[str, int, int, bytes]]:
    return [(name, version, FORMAT, blob) for name, blob in blobs.items()]
