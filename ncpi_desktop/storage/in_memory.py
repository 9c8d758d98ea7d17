"""A named operation's change applied to the register in memory, instead of reading it again.

Every named operation returns a ``Change`` whose ``after`` says what the rows it wrote now hold
(``storage.operations``: the images of a move, the row a record added or removed, the policy
values set). ``apply_change`` makes the same change to a ``Register``'s frames, and
``snapshot_after`` to a ``Snapshot`` read from it, so that a window shows its own change at once
rather than after reading 2.5 million values again. Pure functions over frames: nothing here
reads or writes the database (what a recorded visit changes is read by the caller:
``history.load_visits_of``).

The frames given are never changed in place: a frame that changes is a new one (a background
store may still be writing the old register, and pages still hold the old figures).

A change of a kind not known here gives None: the caller reads the register again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.storage.change import Change
from ncpi_desktop.storage.history import HISTORY_LOADERS
from ncpi_desktop.storage.snapshot import (
    ROW_KEY,
    Register,
    Snapshot,
    WholeTable,
    arms_at,
    holders_at,
)

#: The register's column holding each RSO's version (the lost-update check: ``operations.guard``).
VERSION = "version"
#: The frames a change can touch: the register's own, its whole tables, the visits (read at the
#: as-at date) and the policy.
FRAMES = ("managers", "rsos", "allocations", "arms", "orders", "decisions", "visits", "policy")

#: The record operations (``storage.operations.records``) by their audited name, with the frame
#: their row lands in.
RECORD_FRAMES = {"record visit": "visits", "record ARMS": "arms", "record order": "orders",
                 "record decision": "decisions"}
#: The frame of each table an image (``operations.images``) holds; absences are read on demand.
IMAGE_FRAMES = {"rso": "rsos", "manager": "managers", "allocation": "allocations"}


@dataclass(frozen=True)
class Applied:
    """A register with a change applied: which RSOs' and managers' rows the change touched,
    and which frames (of ``FRAMES``) changed."""

    register: Register
    rso_ids: frozenset[str]
    manager_ids: frozenset[str]
    frames: frozenset[str]


def same_rows(before: Snapshot | Register, after: Snapshot | Register) -> None:
    """``after`` lists the same RSOs in the same rows as ``before`` (its frames changed some
    values): it takes over ``before``'s hashed ids rather than hash 100,000 of them again."""
    for name in ("_by_id", "_by_row_key", "by_id"):
        if name in before.__dict__:
            after.__dict__.setdefault(name, before.__dict__[name])


def base_operation(change: Change) -> str:
    """The operation a change is, or undoes or redoes ("undo reassign" -> "reassign")."""
    name = change.operation
    for prefix in ("undo ", "redo "):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def apply_change(register: Register, change: Change) -> Applied | None:
    """``register`` with ``change`` made to its frames; None for a change this cannot apply
    (the caller reads the register again). The RSOs' versions after the change
    (``Change.versions``, the lost-update check's) are carried too, so that the next change the
    window makes to them is checked against what it now shows."""
    applied = _applied(register, change)
    if applied is None or not change.versions:
        return applied
    return _versions_applied(applied, change.versions)


def _versions_applied(applied: Applied, versions: Mapping[str, int]) -> Applied | None:
    register = applied.register
    if VERSION not in register.rsos.columns:
        return applied
    rows = register.rso_rows(list(versions))
    if (rows < 0).any():
        return None
    rsos = set_rows(register.rsos, rows, {VERSION: [int(v) for v in versions.values()]})
    return Applied(_replace(register, rsos=rsos),
                   applied.rso_ids | frozenset(str(key) for key in versions),
                   applied.manager_ids, applied.frames | {"rsos"})


def _applied(register: Register, change: Change) -> Applied | None:
    after, before = change.after, change.before
    if not isinstance(after, dict) or not isinstance(before, dict):
        return None
    name = base_operation(change)
    if name == "set policy":
        return _policy_applied(register, after)
    if name in RECORD_FRAMES and "record" in after:
        return _record_applied(register, RECORD_FRAMES[name], before, after)
    if any(table in after for table in IMAGE_FRAMES):
        return _image_applied(register, after)
    return None


# --- moves: the images' rows -----------------------------------------------------------------

def _image_applied(register: Register, after: Mapping[str, Any]) -> Applied | None:
    rsos, managers, allocations = register.rsos, register.managers, register.allocations
    holders = after.get("rso") or {}
    if holders:
        rows = register.rso_rows(list(holders))
        if (rows < 0).any():
            return None
        rsos = set_rows(rsos, rows, {
            "current_manager_id": [row["manager_id"] for row in holders.values()],
            "home_team": [row["team"] for row in holders.values()]})
    actives = after.get("manager") or {}
    if actives:
        rows = _rows_of(managers, "manager_id", actives)
        if rows is None:
            return None
        managers = set_rows(managers, rows,
                                {"active": [bool(row["active"]) for row in actives.values()]})
    allocation_rows = after.get("allocation") or {}
    if allocation_rows:
        allocations = _replaced(allocations, "allocation_id", {
            key: None if row is None else _allocation(row, register)
            for key, row in allocation_rows.items()})
    rso_ids = {str(key) for key in holders}
    rso_ids |= {str(row["rso_id"]) for row in allocation_rows.values() if row is not None}
    frames = {frame for table, frame in IMAGE_FRAMES.items() if after.get(table)}
    return Applied(_replace(register, rsos=rsos, managers=managers, allocations=allocations),
                   frozenset(rso_ids), frozenset(str(key) for key in actives), frozenset(frames))


def _replace(register: Register, **frames: Any) -> Register:
    """``register`` with new ``frames`` (the same RSOs in the same rows)."""
    new = dataclasses.replace(register, **frames)
    same_rows(register, new)
    return new


def _allocation(row: Mapping[str, Any], register: Register) -> dict[str, Any]:
    return {"allocation_id": row["id"], "rso_id": row["rso_id"],
            ROW_KEY: _of_rso(register, row["rso_id"], ROW_KEY),
            "held_manager_id": row["manager_id"], "held_team": row["team"],
            "starts_on": row["starts_on"], "ends_on": row["ends_on"]}


# --- records: one row added or removed -----------------------------------------------------

def _record_applied(register: Register, frame: str, before: Mapping[str, Any],
                    after: Mapping[str, Any]) -> Applied | None:
    added, removed = after.get("record"), before.get("record")
    row = added if added is not None else removed
    if not isinstance(row, Mapping) or "rso_id" not in row:
        return None
    rso_id = str(row["rso_id"])
    rsos, arms, tables = register.rsos, register.arms, dict(register.tables)
    rows = register.rso_rows([rso_id])
    if rows[0] < 0:
        return None
    if frame == "arms":
        arms = _arms_changed(arms, register, row, add=added is not None)
    elif frame in ("orders", "decisions"):
        table = tables.get(frame)
        if table is not None:  # a whole table not read yet is read whole when first needed
            tables[frame] = _record_changed(table, frame, register, row, add=added is not None)
    frames = {frame}
    if "management" in after:
        rsos = set_rows(rsos, rows, {"management": [after["management"]]})
        frames.add("rsos")
    return Applied(_replace(register, rsos=rsos, arms=arms, tables=tables),
                   frozenset({rso_id}), frozenset(), frozenset(frames))


def _arms_changed(arms: pd.DataFrame, register: Register, row: Mapping[str, Any], *,
                  add: bool) -> pd.DataFrame:
    """One assessment added, or taken away (an RSO has one a day: matched by RSO and date)."""
    if not add:
        same = ((arms["rso_id"].to_numpy(object) == row["rso_id"])
                & (arms["completed_on"].to_numpy("datetime64[s]") == _day(row["completed_on"])))
        return arms[~same].reset_index(drop=True)
    new = {"rso_id": row["rso_id"], ROW_KEY: _of_rso(register, row["rso_id"], ROW_KEY),
           "completed_on": row["completed_on"], "outcome": row["outcome"],
           "registered_on": _of_rso(register, row["rso_id"], "registered_on")}
    return _appended(arms, [new])


def _record_changed(table: pd.DataFrame, frame: str, register: Register,
                    row: Mapping[str, Any], *, add: bool) -> pd.DataFrame:
    """A civil order or a management decision added, or taken away (by its id)."""
    rso_id = row["rso_id"]
    if frame == "orders":
        key, new = "order_id", {
            "order_id": row["order_id"], "rso_id": rso_id,
            ROW_KEY: _of_rso(register, rso_id, ROW_KEY), "type": row["type"],
            "starts_on": row["starts_on"], "ends_on": row["ends_on"],
            "registered_on": _of_rso(register, rso_id, "registered_on")}
    else:
        key, new = "decision_id", {
            "decision_id": row["id"], "rso_id": rso_id,
            ROW_KEY: _of_rso(register, rso_id, ROW_KEY),
            "mode": row["mode"], "decided_on": row["decided_on"], "reason": row["reason"],
            "decided_by": row["decided_by"]}
    return _replaced(table, key, {new[key]: new if add else None})


# --- the policy ------------------------------------------------------------------------------

def _policy_applied(register: Register, values: Mapping[str, Any]) -> Applied:
    """Values set (None: the stored value removed, the default applies again)."""
    defaults = type(register.policy)().to_dict()
    policy = register.policy.with_values(
        {key: defaults[key] if value is None else value for key, value in values.items()
         if key in defaults})
    return Applied(_replace(register, policy=policy), frozenset(), frozenset(),
                   frozenset({"policy"}))


# --- the snapshot at the as-at date --------------------------------------------------------

def snapshot_after(snapshot: Snapshot, applied: Applied, *,
                   visits: pd.DataFrame | None = None) -> Snapshot | None:
    """``snapshot`` (read from the register before the change, at its as-at date) as read from
    ``applied.register``: the holders of the RSOs touched, the ARMS, orders and decisions at the
    date, the policy. ``visits``: the visit facts of the RSOs touched at the date
    (``history.load_visits_of``), when ``applied`` changed the visits. None when the snapshot
    cannot be brought up to date here (an RSO touched that the snapshot lists differently)."""
    register, as_at, frames = applied.register, snapshot.as_at, applied.frames
    rsos, extra = snapshot.rsos, dict(snapshot.extra)
    if frames & {"rsos", "allocations"}:
        rsos = _holders_changed(snapshot, register, applied.rso_ids)
        if rsos is None:
            return None
    arms = arms_at(register.arms, as_at) if "arms" in frames else snapshot.arms
    for name in ("orders", "decisions"):
        loader = HISTORY_LOADERS.get(name)
        if (name in frames and name in extra and isinstance(loader, WholeTable)
                and name in register.tables):
            extra[name] = loader.at(register.tables[name], as_at)
    if "visits" in frames:
        if visits is None or "visits" not in extra:
            return None
        extra["visits"] = _facts_replaced(extra["visits"], visits, applied.rso_ids)
    new = dataclasses.replace(snapshot, policy=register.policy, managers=register.managers,
                              rsos=rsos, arms=arms, extra=extra)
    same_rows(snapshot, new)
    return new


def _holders_changed(snapshot: Snapshot, register: Register,
                     rso_ids: Iterable[str]) -> pd.DataFrame | None:
    """The snapshot's RSOs with the rows of ``rso_ids`` (those registered by the date) taken
    again from the register, each with its holder at the date."""
    ids = sorted(rso_ids)
    rows = snapshot.rso_rows(np.array(ids, dtype=object))
    held = register.rso_rows(ids)
    if (held < 0).any():
        return None
    registered = register.rsos.iloc[np.sort(held)]
    registered = registered[registered["registered_on"].to_numpy("datetime64[s]")
                            <= np.datetime64(snapshot.as_at, "s")].reset_index(drop=True)
    if (rows < 0).sum() != len(ids) - len(registered):
        return None  # an RSO entered or left the register at this date: read it again
    allocations = register.allocations
    key = ROW_KEY if ROW_KEY in allocations.columns and ROW_KEY in registered.columns else "rso_id"
    mine = allocations[allocations[key].isin(registered[key].to_numpy()).to_numpy(bool)]
    fresh = holders_at(registered, mine, snapshot.as_at)
    at = snapshot.rso_rows(fresh["rso_id"].to_numpy(object))  # objects: an object Series
    # would have the snapshot's 100,000 ids (text) cast to objects and hashed again
    columns = [c for c in snapshot.rsos.columns if c in fresh.columns]
    return set_rows(snapshot.rsos, at, {c: fresh[c].array for c in columns})


def _facts_replaced(facts: pd.DataFrame, fresh: pd.DataFrame,
                    rso_ids: Iterable[str]) -> pd.DataFrame:
    """The visit facts with those of ``rso_ids`` replaced by ``fresh`` (an RSO without a visit
    by the date has no row)."""
    ids = set(rso_ids)
    kept = facts[~facts["rso_id"].isin(ids)]
    fresh = fresh[[c for c in facts.columns if c in fresh.columns]]
    if fresh.empty:
        return kept.reset_index(drop=True)
    return pd.concat([kept, fresh.astype(facts.dtypes.to_dict())], ignore_index=True)


# --- frames ---------------------------------------------------------------------------------

def positions(column: pd.Series, values: Iterable[Any]) -> np.ndarray:
    """The row holding each of ``values`` in ``column`` (of unique values; -1: none), found
    by one pass over the column: hashing a whole column of 100,000 ids costs several times
    more, and a change touches a few."""
    wanted = pd.Index(list(values), dtype=object)
    if column.dtype.kind in "iu" and wanted.inferred_type == "integer":
        wanted = wanted.astype(column.dtype)  # numbers matched as numbers, not as objects
    hits = np.flatnonzero(column.isin(wanted).to_numpy(bool))
    if not len(hits):
        return np.full(len(wanted), -1, dtype=np.intp)
    found = pd.Index(column.to_numpy()[hits]).get_indexer(wanted)
    return np.where(found >= 0, hits[found], -1)


def _rows_of(frame: pd.DataFrame, key: str, values: Iterable[Any]) -> np.ndarray | None:
    """The row of ``frame`` holding each of ``values`` in column ``key``; None if one is not
    there."""
    rows = positions(frame[key], values)
    return None if (rows < 0).any() else rows


def _of_rso(register: Register, rso_id: str, column: str) -> Any:
    """One RSO's ``column`` in the register (None: no such RSO, or no such column)."""
    if column not in register.rsos.columns:
        return None
    row = register.rso_rows([rso_id])[0]
    return None if row < 0 else register.rsos[column].iloc[row]


def _day(value: Any) -> np.datetime64:
    """A date (or its ISO text, or blank) as datetime64[s], as the frames hold dates."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return np.datetime64("NaT", "s")
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return np.datetime64(value, "s")


def _cast(values: Sequence[Any], dtype: Any) -> Any:
    """``values`` as an array of ``dtype`` (a frame column's)."""
    if isinstance(values, pd.api.extensions.ExtensionArray | np.ndarray):
        return values.astype(dtype)
    if isinstance(dtype, np.dtype):
        if dtype.kind == "M":
            return np.array([_day(v) for v in values], dtype=dtype)
        return np.array(list(values), dtype=dtype)
    return pd.array(list(values), dtype=dtype)


def set_rows(frame: pd.DataFrame, rows: np.ndarray,
             columns: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """``frame`` with ``columns`` set on ``rows`` (each column keeping its dtype): a new frame
    sharing every other column, and every column the values leave as they were, with
    ``frame``."""
    if not len(rows) or not columns:
        return frame
    dtypes = frame.dtypes
    casts = {name: _cast(values, dtypes[name]) for name, values in columns.items()}
    changed: dict[str, pd.Series] = {}
    for name in _changed_columns(frame, rows, casts):
        dtype = dtypes[name]
        array = (frame[name].to_numpy(dtype=dtype, copy=True) if isinstance(dtype, np.dtype)
                 else frame[name].array.copy())
        array[rows] = casts[name]
        # As a Series of the column's own dtype: pandas would take objects for text.
        changed[name] = pd.Series(array, index=frame.index, dtype=dtype, copy=False)
    if not changed:
        return frame
    out = frame.copy(deep=False)
    for name, column in changed.items():
        out[name] = column
    return out


def _changed_columns(frame: pd.DataFrame, rows: np.ndarray,
                     casts: Mapping[str, Any]) -> list[str]:
    """The columns of ``casts`` whose values differ from ``frame``'s on ``rows`` (blanks
    alike), compared all at once: a column at a time costs a tenth of a millisecond each, and
    the per-RSO figures have a hundred."""
    names = list(casts)
    if len(names) * 2 > len(frame.columns):
        present = frame.iloc[rows]
    else:
        present = frame[names].iloc[rows]
    left = present[names].to_numpy(dtype=object)
    right = np.empty_like(left)
    for number, name in enumerate(names):
        right[:, number] = np.asarray(casts[name], dtype=object)
    blank_left, blank_right = pd.isna(left), pd.isna(right)
    same = blank_left == blank_right
    both = ~blank_left & ~blank_right
    same[both] = left[both] == right[both]
    return [name for name, kept in zip(names, same.all(axis=0), strict=True) if not kept]


def _appended(frame: pd.DataFrame, rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """``frame`` with ``rows`` added at its end, each column keeping its dtype (column by
    column: ``pd.concat`` of two frames costs several times more)."""
    if not rows:
        return frame
    columns: dict[str, Any] = {}
    for name, dtype in frame.dtypes.items():
        added = _cast([row.get(name) for row in rows], dtype)
        if isinstance(dtype, np.dtype):
            columns[name] = np.concatenate([frame[name].to_numpy(dtype=dtype), added])
        else:
            present = frame[name].array
            columns[name] = type(present)._concat_same_type([present, added])
    return pd.DataFrame({name: pd.Series(values, dtype=frame.dtypes[name], copy=False)
                         for name, values in columns.items()}, columns=frame.columns)


def _replaced(frame: pd.DataFrame, key: str,
              rows: Mapping[Any, Mapping[str, Any] | None]) -> pd.DataFrame:
    """``frame`` with the rows whose ``key`` is one of ``rows``' made what ``rows`` says:
    updated in place, removed (None) or added at the end. A frame in ``key`` order stays so
    (as the database gives an undone row back its place)."""
    present = {k: r for k, r in rows.items() if r is not None}
    at = positions(frame[key], present)
    ordered = frame[key].is_monotonic_increasing
    out = frame
    updated = {k: r for (k, r), row in zip(present.items(), at, strict=True) if row >= 0}
    if updated:
        where = at[at >= 0]
        out = set_rows(out, where, {name: [r.get(name) for r in updated.values()]
                                        for name in frame.columns if name != key})
    gone = [k for k, r in rows.items() if r is None]
    if gone:
        out = out[~out[key].isin(gone)].reset_index(drop=True)
    added = [r for (_k, r), row in zip(present.items(), at, strict=True) if row < 0]
    out = _appended(out, added)
    if added and ordered and not out[key].is_monotonic_increasing:
        out = out.sort_values(key, kind="stable", ignore_index=True)
    return out
