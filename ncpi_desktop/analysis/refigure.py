"""The figures after a change to a few RSOs, without computing every RSO's again.

``compute_figures`` over a national register takes about 0.4 s, most of it per-RSO rules over
100,000 rows; a reassignment changes one or a few RSOs. Every per-RSO figure depends only on
that RSO's own rows, its holder and the policy, so ``refigure`` computes the RSOs a change
touched (with ``rso_figures``, the per-RSO half of ``compute_figures``, over a snapshot of those
RSOs alone), puts their rows
in place of the old, and sums the managers, teams, BCUs and the force again from the whole
per-RSO frame (as ``compute_figures`` does). The figures are the same, value for value, as
``compute_figures`` over the whole snapshot gives (``tests/analysis/test_refigure.py``), in about
a third of the time (``make bench``: edit to figures).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.caseload import manager_figures
from ncpi_desktop.analysis.clocks import with_holders
from ncpi_desktop.analysis.figures import (
    REVIEW_MAXIMA,
    REVIEW_SUMS,
    Figures,
    compute_figures,
    grouped_figures,
    rso_figures,
)
from ncpi_desktop.analysis.orders import HOLDER_COLUMNS, register_with_rows
from ncpi_desktop.storage.change import Change
from ncpi_desktop.storage.in_memory import apply_change, same_rows, set_rows, snapshot_after
from ncpi_desktop.storage.snapshot import ROW_KEY, Register, Snapshot

#: Above this share of the register touched, every RSO is computed again (as quick, and simpler).
WHOLE_ABOVE_SHARE = 0.25  # not a rule: when computing every RSO is as quick
#: The group figures' sums and maxima, as ``compute_figures`` counts them.
SUMS = dict(sums=REVIEW_SUMS, maxima=REVIEW_MAXIMA)


@dataclass(frozen=True)
class Held:
    """What a window's figures were made from, before they are cut to its user: the register
    (``storage.snapshot.Register``), the snapshot read from it at the as-at date, and its
    complete figures."""

    register: Register
    snapshot: Snapshot
    figures: Figures


def held_after(held: Held, change: Change,
               visits_of: Callable[[str], pd.DataFrame]) -> Held | None:
    """``held`` with ``change`` (a named operation's, or its undo's) applied in memory: the
    register, the snapshot and the figures as reading the database again would give them. None
    when the change cannot be applied here (read the database again). ``visits_of(rso_id)``
    reads one RSO's visit facts at the snapshot's date (``history.load_visits_of``), needed only
    for a visit recorded or taken away."""
    applied = apply_change(held.register, change)
    if applied is None:
        return None
    visits = None
    if "visits" in applied.frames:
        if len(applied.rso_ids) != 1:
            return None
        visits = visits_of(next(iter(applied.rso_ids)))
    snapshot = snapshot_after(held.snapshot, applied, visits=visits)
    if snapshot is None:
        return None
    figures = refigure(held.figures, snapshot, applied.rso_ids, applied.manager_ids,
                       orders_changed="orders" in applied.frames,
                       policy_changed="policy" in applied.frames)
    return Held(applied.register, snapshot, figures)


def refigure(figures: Figures, snapshot: Snapshot, rso_ids: Iterable[str],
             manager_ids: Iterable[str] = (), *, orders_changed: bool = False,
             policy_changed: bool = False) -> Figures:
    """``figures`` (complete, of the snapshot before a change) as ``compute_figures(snapshot)``
    gives them for ``snapshot`` (after it), where the change touched the RSOs ``rso_ids``, the
    managers ``manager_ids`` (their RSOs are computed again) and, with ``orders_changed``, the
    civil orders. ``snapshot`` lists the same RSOs in the same order as ``figures``'s."""
    before = figures.snapshot.rsos
    if (policy_changed or not figures.complete or len(before) != len(snapshot.rsos)
            or not np.array_equal(before["rso_id"].to_numpy(object),
                                  snapshot.rsos["rso_id"].to_numpy(object))):
        return compute_figures(snapshot)
    rows = _touched_rows(figures, snapshot, set(rso_ids), set(manager_ids))
    if len(rows) > WHOLE_ABOVE_SHARE * len(snapshot.rsos):
        return compute_figures(snapshot)
    if not len(rows):
        return dataclasses.replace(figures, snapshot=dataclasses.replace(
            snapshot, rsos=before))
    part_snapshot, part_rsos, _register, _clocks = rso_figures(_part(snapshot, rows))
    rsos = _spliced(figures.rsos, rows, part_rsos)
    resolved = dataclasses.replace(snapshot, rsos=_spliced(before, rows, part_snapshot.rsos))
    same_rows(snapshot, resolved)
    if orders_changed:
        orders = register_with_rows(resolved, rsos)[0]
    else:
        orders = _holders_again(figures.orders, resolved, rsos, part_rsos["rso_id"])
    groups = _Groups(figures, rsos, snapshot, rows, set(manager_ids))
    return Figures(snapshot=resolved, rsos=rsos, managers=groups.managers(),
                   teams=groups.of(figures.teams, ["bcu", "team"]),
                   bcus=groups.of(figures.bcus, ["bcu"]),
                   force=grouped_figures(rsos, snapshot.managers, [], snapshot.policy),
                   orders=orders, clocks=_clocks_held(figures.clocks, rsos, rows))


def _clocks_held(clocks: pd.DataFrame, rsos: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The trigger-event clocks with who holds each RSO now (a move changes the holder only:
    a change to the clocks themselves is not applied in memory). Only the clocks of the RSOs
    at ``rows`` of ``rsos`` are taken again (``with_holders``, which also gives their order);
    were their order to change, every clock would be."""
    if "rso_id" not in clocks.columns:
        return clocks
    ids = rsos["rso_id"].to_numpy(object)[rows]
    mine = np.flatnonzero(clocks["rso_id"].isin(ids).to_numpy(bool))
    if not len(mine):
        return clocks
    again = with_holders(clocks.iloc[mine].reset_index(drop=True), rsos.iloc[rows])
    if not np.array_equal(again["event_id"].to_numpy(object),
                          clocks["event_id"].to_numpy(object)[mine]) or not np.array_equal(
            again["clock"].to_numpy(object), clocks["clock"].to_numpy(object)[mine]):
        return with_holders(clocks, rsos)
    return set_rows(clocks, mine, {column: again[column].array for column in clocks.columns})


def _touched_rows(figures: Figures, snapshot: Snapshot, rso_ids: set[str],
                  manager_ids: set[str]) -> np.ndarray:
    """The rows (of the snapshot's RSOs) of ``rso_ids`` and of every RSO held by one of
    ``manager_ids`` before or after, in order."""
    rows = snapshot.rso_rows(np.array(sorted(rso_ids), dtype=object))
    touched = np.zeros(len(snapshot.rsos), dtype=bool)
    touched[rows[rows >= 0]] = True
    if manager_ids:
        wanted = sorted(manager_ids)
        touched |= figures.rsos["recorded_manager_id"].isin(wanted).to_numpy(bool)
        touched |= snapshot.rsos["manager_id"].isin(wanted).to_numpy(bool)
    return np.flatnonzero(touched)


def _part(snapshot: Snapshot, rows: np.ndarray) -> Snapshot:
    """``snapshot`` with the RSOs at ``rows`` alone (every manager, the same policy and date)."""
    rsos = snapshot.rsos.iloc[rows].reset_index(drop=True)

    def theirs(frame: pd.DataFrame) -> pd.DataFrame:
        if ROW_KEY in frame.columns and ROW_KEY in rsos.columns:
            # By the database's row keys (SQLite; integers: quicker than ids).
            mine = frame[ROW_KEY].isin(rsos[ROW_KEY].to_numpy()).to_numpy(bool)
        elif "rso_id" in frame.columns:
            mine = np.isin(rso_rows_of(snapshot, frame), rows)
        else:
            return frame
        return frame[mine].reset_index(drop=True)

    return dataclasses.replace(snapshot, rsos=rsos, arms=theirs(snapshot.arms),
                               extra={name: theirs(frame) for name, frame in
                                      snapshot.extra.items()})


#: Per frame of a snapshot (by the frame's id, checked by a weak reference): the row of its
#: RSOs' ids (the snapshot's hashed ids, by ``id``) of each of its rows. A register read
#: without row keys (PostgreSQL) would otherwise match 100,000 ids as text after every change.
_ROWS_OF: dict[int, tuple[weakref.ref, pd.Index, np.ndarray]] = {}


def rso_rows_of(snapshot: Snapshot, frame: pd.DataFrame) -> np.ndarray:
    """``snapshot.rows_of(frame)`` (matched by rso_id), kept for as long as ``frame`` and the
    snapshot's rows last (``in_memory.same_rows`` carries them to the snapshot after a change):
    taken once, off the GUI thread where the caller can (``ui.core.loader.read_figures``)."""
    ids = snapshot._by_id  # noqa: SLF001 - the hashed ids whose rows these are
    kept = _ROWS_OF.get(id(frame))
    if kept is not None and kept[0]() is frame and kept[1] is ids:
        return kept[2]
    rows = ids.get_indexer(frame["rso_id"].to_numpy(dtype=object))
    for key in [key for key, (ref, _i, _r) in _ROWS_OF.items() if ref() is None]:
        del _ROWS_OF[key]
    _ROWS_OF[id(frame)] = (weakref.ref(frame), ids, rows)
    return rows


def keep_rows_of(snapshot: Snapshot) -> None:
    """Take ``rso_rows_of`` for every frame of ``snapshot`` matched by rso_id (no row keys)."""
    if ROW_KEY in snapshot.rsos.columns:
        return
    for frame in (snapshot.arms, *snapshot.extra.values()):
        if "rso_id" in frame.columns:
            rso_rows_of(snapshot, frame)


def _spliced(whole: pd.DataFrame, rows: np.ndarray, part: pd.DataFrame) -> pd.DataFrame:
    """``whole`` with the rows at ``rows`` taken from ``part`` (the same RSOs, in order)."""
    return set_rows(whole, rows, {column: part[column].array for column in whole.columns})


def _holders_again(orders: pd.DataFrame, snapshot: Snapshot, rsos: pd.DataFrame,
                   rso_ids: pd.Series) -> pd.DataFrame:
    """The order register with the holder of the orders of ``rso_ids`` taken again from
    ``rsos`` (in ``snapshot``'s row order; nothing else of an order depends on its holder)."""
    if orders.empty:
        return orders
    mine = np.flatnonzero(orders["rso_id"].isin(rso_ids.to_numpy(object)).to_numpy(bool))
    if not len(mine):
        return orders
    at = snapshot.rso_rows(orders["rso_id"].to_numpy(object)[mine])
    return set_rows(orders, mine, {column: rsos[column].array.take(at)
                                   for column in HOLDER_COLUMNS})


class _Groups:
    """The manager, team and BCU rows after a change: those of the groups the RSOs touched
    were in (before or after) counted again over their RSOs alone, every other row as it was.
    Counting every group again costs a pass over 100,000 RSOs per grouping; a group's row
    depends on its own RSOs and offender managers only. Where the groups listed would change
    (a group gained or lost), every group is counted again."""

    def __init__(self, figures: Figures, rsos: pd.DataFrame, snapshot: Snapshot,
                 rows: np.ndarray, manager_ids: set[str]) -> None:
        self._figures, self._rsos = figures, rsos
        self._managers, self._policy = snapshot.managers, snapshot.policy
        self._rows, self._manager_ids = rows, sorted(manager_ids)
        self._keys = self._keys_of(["manager_id", "bcu", "team"])
        # The RSOs of the BCUs touched, with the columns counted: every group touched lies in
        # one of them (a named RSO counts in its manager's BCU), so one pass over the whole
        # register finds them all.
        counted = {"bcu", "team", "manager_id", "named", *REVIEW_SUMS.values(),
                   *REVIEW_MAXIMA.values()}
        near = np.flatnonzero(self._in(rsos, {"bcu": self._keys["bcu"]}))
        columns = [number for number, c in enumerate(rsos.columns) if c in counted]
        self._near = rsos.iloc[near, columns].reset_index(drop=True)

    def _keys_of(self, columns: list[str]) -> dict[str, np.ndarray]:
        """Per column: its values in the touched RSOs' rows (before and after) and the
        changed managers' rows. Their combinations are a superset of the groups touched, which
        is as exact: every group is counted alone."""
        managers = self._managers
        frames = [self._figures.rsos[columns].iloc[self._rows],
                  self._rsos[columns].iloc[self._rows],
                  managers.loc[managers["manager_id"].isin(self._manager_ids), columns]]
        keys = pd.concat(frames, ignore_index=True)
        return {column: keys[column].dropna().unique() for column in columns}

    @staticmethod
    def _in(frame: pd.DataFrame, keys: dict[str, np.ndarray]) -> np.ndarray:
        mask = np.ones(len(frame), dtype=bool)
        for column, values in keys.items():
            mask &= frame[column].isin(values).to_numpy(bool)
        return mask

    def managers(self) -> pd.DataFrame:
        return self._regrouped(
            self._figures.managers, ["manager_id"],
            lambda rsos, managers: manager_figures(rsos, managers, self._policy, **SUMS))

    def of(self, old: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        return self._regrouped(old, by,
                               lambda rsos, managers: grouped_figures(rsos, managers, by,
                                                                      self._policy))

    def _regrouped(self, old: pd.DataFrame, by: list[str],
                   count: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
        keys = {column: self._keys[column] for column in by}
        near, managers = self._near, self._managers
        at = self._in(old, keys)
        part = count(near[self._in(near, keys)], managers[self._in(managers, keys)])
        listed = old[at]
        if len(part) != len(listed) or not np.array_equal(
                part[by].to_numpy(object), listed[by].to_numpy(object)):
            return count(self._rsos, managers)  # a group gained or lost: count them all
        return set_rows(old, np.flatnonzero(at), {c: part[c].array for c in old.columns})
