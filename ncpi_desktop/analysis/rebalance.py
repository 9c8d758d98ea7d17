"""Rebalancing proposals (issue 4): the fewest moves that clear every flag of a BCU or team.

A pure function over a snapshot: no database, no Qt. The supervisor reviews the proposal and applies
the moves they accept through ``storage.operations.reassign``.

How it works, per group (a BCU, or a team with ``scope="team"``):

* Only community RSOs count (rule 1). Custody, abroad and missing RSOs stay where they are.
* Moves of RSOs of the same risk class from one manager are interchangeable as far as the limits
  go, so the work is in counts per manager and class (non-high, high, very high): how many leave
  and arrive. RSOs named in an exclusion are the exception; each gets its own variables.
* A greedy pass first: each manager sheds only what it must (see ``out_i`` below), managers left
  above the share are fed lower-risk RSOs that have to move anyway, and high-risk RSOs go where
  there is high-risk room. Its answer is kept only when it provably meets the bounds (moves =
  lower bound, high-risk moves = high-risk bound, no very-high RSO moved that did not have to),
  which makes it optimal.
* Otherwise a real solver (``scipy.optimize.milp``, HiGHS) on an all-integer model of about six
  variables per manager, whatever the number of RSOs. Objective, in strict order (integer
  weights, or one solve per tier when the weights would outgrow float precision): fewest
  very-high-risk moves (they stay unless nothing else works), fewest moves, fewest high-risk
  moves.
* Continuity then decides which RSOs move (most recently allocated first, then lowest id) and
  where (a manager of the RSO's own team first).
* When no set of moves clears every flag, the plan adds a new post and makes it as small as it
  can be (its caseload over the limit per FTE is ``fte_short``; its high-risk share is held to
  the same limit), the staff taking pooled and leavers' RSOs first. The moves among the staff
  are proposed; the RSOs the plan gives the new post stay where they are (``for_new_post``);
  pooled and leavers' RSOs nobody has room for are ``unplaced``. When the group's own high-risk
  share is above the limit no number of staff can fix it: ``fte_short`` is ``None`` and the
  proposal keeps the total excess (RSOs above capacity, high-risk RSOs above the share) as small
  as it can.
* Feasibility is never taken from the solver: the moves are applied to the RSO frame and the real
  ``manager_figures`` decides whether every flag is clear (one implementation of the flag rule).

The lower bound (``lower_bound``), per group, with ``P`` pooled RSOs and for each manager ``i``
holding ``n`` community RSOs of which ``h`` high or very high, capacity ``C = floor(limit x fte)``,
high-risk room ``Hmax = floor(share_limit x C)``, and ``f`` RSOs it may not keep (exclusions):

* ``out_i``: RSOs that must leave ``i``. A leaving or absent manager: ``n``. Otherwise
  ``max(f, n - C, h - Hmax, 0)``: arrivals only add, so the final caseload ``n' <= C`` needs at
  least ``n - C`` departures, and the final ``h' <= share x n' <= share x C`` needs at least
  ``h - Hmax`` high-risk departures.
* ``t_i``: moves that must touch ``i`` (leave or arrive): ``out_i``, and at least
  ``ceil((h - share x n) / max(share, 1 - share))`` because one move changes the share excess
  ``h - share x n`` by at most ``1 - share`` (a high-risk RSO leaves) or ``share`` (a lower-risk
  RSO arrives).
* Every move leaves exactly one place (a manager, or the pool for pooled RSOs), so
  ``moves >= P + sum(out_i)``; every move touches at most two managers, and a pooled placement
  only one, so ``2 x moves - P >= sum(t_i)``. Hence
  ``lower_bound = max(P + sum(out_i), ceil((P + sum(t_i)) / 2))``, summed over groups.

Where the solver runs, the bound is raised to the optimum of the fewest-moves model's linear
relaxation (HiGHS), rounded up: every plan that clears the flags is a point of that relaxation.

It bounds the moves needed to clear every flag. Where that needs a new post, the plan's moves to
the post count too, so a group's proposed moves (among the staff) can be fewer than its bound.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.caseload import (
    COUNT_COLUMNS,
    EPSILON,
    manager_figures,
    rso_caseload,
)
from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.flags import python_value
from ncpi_desktop.domain.enums import Role
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.snapshot import Snapshot

if TYPE_CHECKING:  # scipy is imported when a proposal is solved: not at the application's start
    from scipy.sparse import csr_array

Scope = Literal["bcu", "team"]

#: Reasons recorded with each move (the reassign dialog's vocabulary where it has one).
REASON_POOLED = "allocation of pooled RSO"
REASON_LEFT = "manager left"
REASON_ABSENT = "manager absent"
REASON_EXCLUDED = "exclusion: manager may not hold this RSO"
REASON_BALANCE = "caseload adjustment"

#: Risk classes of the model: interchangeable within a class, as far as the limits go.
NON_HIGH, HIGH, VERY_HIGH = 0, 1, 2
CLASSES = 3

#: Combined objective weights above this are solved tier by tier instead (float precision).
_MAX_WEIGHT = 1e12

_MOVE_COLUMNS = ["rso_id", "from_manager_id", "to_manager_id", "risk_level", "reason", "group"]


@dataclass(frozen=True)
class Proposal:
    """Moves that clear every flag (or as many as can be cleared), with the figures around them.

    ``moves``: one row per RSO, in the order to apply them (pooled first, then leavers and
    absences, exclusions, balancing), with ``from_*``/``to_*`` caseload, per FTE and high-risk share
    of both managers just before and just after that move (``_before``/``_after``).
    ``after``: one row per manager in scope, before and after the whole proposal, with the flags
    after it. ``groups``: one row per BCU or team (moves, lower bound, feasible, FTE short, how it
    was solved). ``unplaced``: RSOs that must move but that no manager in scope may hold.
    ``for_new_post``: where flags cannot all clear, the RSOs the plan gives a new post of
    ``fte_short`` FTE; they stay with their manager (rso_id, manager_id, risk_level, group) until
    it is filled.
    ``left_behind``: custody, abroad or missing RSOs of leaving or absent managers, which the
    proposal does not move (they do not count in a caseload).
    """

    scope: Scope
    moves: pd.DataFrame
    after: pd.DataFrame
    groups: pd.DataFrame
    unplaced: pd.DataFrame
    for_new_post: pd.DataFrame
    left_behind: pd.DataFrame
    policy: Policy = field(repr=False)

    @property
    def lower_bound(self) -> int:
        return int(self.groups["lower_bound"].sum()) if len(self.groups) else 0

    @property
    def feasible(self) -> bool:
        return bool(self.groups["feasible"].all()) if len(self.groups) else True

    @property
    def fte_short(self) -> dict[str, float | None]:
        """Per infeasible group: missing FTE, or ``None`` when no number of staff can fix it."""
        short = self.groups[~self.groups["feasible"]]
        return {str(label): (None if pd.isna(value) else float(value))
                for label, value in zip(short["group"], short["fte_short"], strict=True)}


# --- inputs ----------------------------------------------------------------------------------

@dataclass
class _Group:
    """One BCU or team: views into the register-wide arrays the model is built from."""

    key: str
    code: int
    start: int  # position of the group's first manager in the register-wide arrays
    managers: np.ndarray  # manager ids, sorted
    cap: np.ndarray  # integer capacity: floor(limit x fte)
    hmax: np.ndarray  # integer high-risk room at capacity
    receiver: np.ndarray  # may receive RSOs: active offender manager, not leaving or absent
    forced: np.ndarray  # leaving or absent: must end with no community RSOs
    counts: np.ndarray  # (m, 3) community RSOs held, by class
    agg: np.ndarray  # (m, 3) of which not named in an exclusion
    pool: np.ndarray  # (3,) pooled RSOs not named in an exclusion
    pooled: np.ndarray  # (3,) all pooled RSOs of the group
    sp_ids: list[str] = field(default_factory=list)  # RSOs named in an exclusion
    sp_holder: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1: pooled
    sp_cls: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    sp_allowed: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))
    sp_forced: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    sp_excluded: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    @property
    def m(self) -> int:
        return len(self.managers)

    @property
    def n_total(self) -> int:
        return int(self.counts.sum() + self.pooled.sum())

    @property
    def high_total(self) -> int:
        return int(self.counts[:, HIGH:].sum() + self.pooled[HIGH:].sum())


@dataclass
class _Solution:
    """Counts per manager and class leaving (outs), arriving (ins) and earmarked for a new post,
    plus the named moves of RSOs under an exclusion."""

    outs: np.ndarray  # (m, 3)
    ins: np.ndarray  # (m, 3)
    earmarks: np.ndarray  # (m, 3)
    special_moves: list[tuple[str, int, int]]  # (rso_id, from local index or -1, to local index)
    special_for_new_post: list[tuple[str, int]]  # (rso_id, local holder or -1)
    pool_placed: bool
    unplaced_specials: list[str]
    for_new_post: int  # RSOs the plan gives a new post (0: every flag clears with the staff)
    post_from_pool: np.ndarray = field(  # (3,) pooled or leavers' RSOs only a new post could take
        default_factory=lambda: np.zeros(CLASSES, dtype=np.int64))


@dataclass
class _Result:
    solution: _Solution | None
    lower_bound: int
    fte_short: float | None
    optimal: bool
    status: str


def _exclusion_pairs(exclusions: Iterable[tuple[str, str]] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(exclusions, pd.DataFrame):
        frame = exclusions[["manager_id", "rso_id"]]
    else:
        frame = pd.DataFrame(list(exclusions), columns=["manager_id", "rso_id"])
    return frame.astype(object).drop_duplicates().reset_index(drop=True)


def _since(rso_ids: pd.Series, rsos: pd.DataFrame, rows: np.ndarray,
           allocated_on: pd.Series | None) -> np.ndarray:
    """When each RSO's current allocation began, if known (NaT otherwise)."""
    if allocated_on is not None:
        return pd.to_datetime(rso_ids.map(allocated_on)).to_numpy()
    if "allocated_on" in rsos.columns:
        return pd.to_datetime(rsos["allocated_on"].iloc[rows]).to_numpy()
    return np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[s]")


def _group_keys(frame: pd.DataFrame, scope: Scope) -> pd.Series:
    return frame["bcu" if scope == "bcu" else "team"]


@dataclass
class _Register:
    """The in-scope managers and community RSOs, register-wide, with their groups."""

    source: pd.DataFrame  # the ``rso_caseload`` frame
    staff: pd.DataFrame  # active managers in scope, sorted by group then id; row = position
    rsos: pd.DataFrame  # community RSOs in scope: row (in source), holder, code, cls, ...
    staff_team: np.ndarray  # team code per manager position, as ``rsos["team"]``
    counts: np.ndarray  # (managers, 3) community RSOs held, by class
    keys: list[str]
    groups: list[_Group]
    going: set[str]  # leaving or absent managers
    allocated_on: pd.Series | None


def _prepare(rsos: pd.DataFrame, managers: pd.DataFrame, policy: Policy, scope: Scope,
             bcu: str | None, team: str | None, exclusions: pd.DataFrame, going: set[str],
             allocated_on: pd.Series | None) -> _Register:
    """Split the register into groups with whole-frame operations (no loop over RSOs)."""
    active = managers[managers["active"].to_numpy(bool)].copy()
    active["group"] = _group_keys(active, scope)
    if bcu is not None:
        active = active[active["bcu"] == bcu]
    if team is not None:
        active = active[active["team"] == team]
    active = active[active["group"].notna()]

    community = rsos["is_community"].to_numpy(bool)
    named = rsos["named"].to_numpy(bool)
    pooled_rows = np.flatnonzero(community & ~named)
    pooled = rsos.iloc[pooled_rows]
    pool_group = _group_keys(pooled, scope)
    if bcu is not None:
        pool_group = pool_group.where(pooled["bcu"] == bcu)
    if team is not None:
        pool_group = pool_group.where(pooled["team"] == team)
    pool_group = pool_group.to_numpy(object)
    in_scope = pd.notna(pool_group)
    pooled_rows, pool_group = pooled_rows[in_scope], pool_group[in_scope]
    pooled_team = pooled["team"].to_numpy(object)[in_scope]

    keys = sorted(set(active["group"]) | set(pool_group))
    code_of = {key: code for code, key in enumerate(keys)}
    active["code"] = active["group"].map(code_of)
    staff = active.sort_values(["code", "manager_id"]).reset_index(drop=True)
    n_staff, n_groups = len(staff), len(keys)
    ids = staff["manager_id"].to_numpy(object)
    position = pd.Series(np.arange(n_staff), index=ids)
    holder_all = rsos["manager_id"].map(position).to_numpy(float)
    held_rows = np.flatnonzero(community & named & ~np.isnan(holder_all))
    rows = np.concatenate([held_rows, pooled_rows])
    holder = np.concatenate([holder_all[held_rows].astype(np.int64),
                             np.full(len(pooled_rows), -1, dtype=np.int64)])
    staff_code = staff["code"].to_numpy(np.int64)
    team_codes, _ = pd.factorize(np.concatenate([staff["team"].to_numpy(object), pooled_team]))
    staff_team, pooled_team_code = team_codes[:n_staff], team_codes[n_staff:]  # -1: no team
    held = holder >= 0
    cls = (rsos["is_high"].to_numpy(bool)[rows] * HIGH
           + rsos["is_very_high"].to_numpy(bool)[rows] * VERY_HIGH).astype(np.int64)
    excluded_from: dict[str, set[str]] = {}
    for manager_id, rso_id in zip(exclusions["manager_id"], exclusions["rso_id"], strict=True):
        excluded_from.setdefault(rso_id, set()).add(manager_id)
    special = np.zeros(len(rows), dtype=bool)
    if excluded_from:
        special = rsos["rso_id"].iloc[rows].isin(excluded_from.keys()).to_numpy(bool)
    frame = pd.DataFrame({
        "row": rows,
        "holder": holder,
        "code": np.concatenate([staff_code[holder[held]],
                                np.array([code_of[k] for k in pool_group], dtype=np.int64)]),
        "cls": cls,
        "special": special,
        "team": np.concatenate([staff_team[holder[held]], pooled_team_code]).astype(np.int64),
    })

    plain = ~special
    counts = np.zeros((n_staff, CLASSES), dtype=np.int64)
    np.add.at(counts, (holder[held], cls[held]), 1)
    agg = np.zeros((n_staff, CLASSES), dtype=np.int64)
    np.add.at(agg, (holder[held & plain], cls[held & plain]), 1)
    codes = frame["code"].to_numpy()
    pooled_counts = np.zeros((n_groups, CLASSES), dtype=np.int64)
    np.add.at(pooled_counts, (codes[~held], cls[~held]), 1)
    pool = np.zeros((n_groups, CLASSES), dtype=np.int64)
    np.add.at(pool, (codes[~held & plain], cls[~held & plain]), 1)

    limit, share = policy.caseload_limit_per_fte, policy.high_risk_share_limit
    cap = np.floor(limit * staff["fte"].to_numpy(float) + EPSILON).clip(min=0).astype(np.int64)
    hmax = np.floor(share * cap + EPSILON).astype(np.int64)
    forced = staff["manager_id"].isin(going).to_numpy(bool)
    receiver = (staff["role"].to_numpy(object) == Role.OFFENDER_MANAGER) & ~forced
    starts = np.searchsorted(staff_code, np.arange(n_groups + 1))

    groups = []
    for code, key in enumerate(keys):
        a, b = starts[code], starts[code + 1]
        groups.append(_Group(key=str(key), code=code, start=int(a), managers=ids[a:b],
                             cap=cap[a:b], hmax=hmax[a:b], receiver=receiver[a:b],
                             forced=forced[a:b], counts=counts[a:b], agg=agg[a:b],
                             pool=pool[code], pooled=pooled_counts[code]))
    specials = frame[special].assign(rso_id=rsos["rso_id"].iloc[rows[special]].to_numpy(object))
    for code, sp in specials.groupby("code"):
        g = groups[int(code)]
        local = np.where(sp["holder"].to_numpy() >= 0, sp["holder"].to_numpy() - g.start, -1)
        allowed = np.repeat(g.receiver[None, :], len(sp), axis=0)
        excluded = np.zeros(len(sp), dtype=bool)
        for r, (rso_id, h) in enumerate(zip(sp["rso_id"], local, strict=True)):
            for manager_id in excluded_from[rso_id]:
                j = position.get(manager_id, -1) - g.start
                if 0 <= j < g.m:
                    allowed[r, j] = False
                    excluded[r] |= j == h
            if h >= 0:
                allowed[r, h] = False
        sp_forced = (local < 0) | excluded
        sp_forced[local >= 0] |= g.forced[local[local >= 0]]
        g.sp_ids, g.sp_holder, g.sp_cls = sp["rso_id"].tolist(), local, sp["cls"].to_numpy()
        g.sp_allowed, g.sp_forced, g.sp_excluded = allowed, sp_forced, excluded
    return _Register(source=rsos, staff=staff, rsos=frame, staff_team=staff_team, counts=counts,
                     keys=[str(k) for k in keys], groups=groups, going=going,
                     allocated_on=allocated_on)


# --- the lower bounds ------------------------------------------------------------------------

def _lower_bound(g: _Group, policy: Policy) -> int:
    """The bound of the module docstring, for one group."""
    share = policy.high_risk_share_limit
    n = g.counts.sum(axis=1)
    h = g.counts[:, HIGH:].sum(axis=1)
    must_leave = np.zeros(g.m, dtype=np.int64)
    np.add.at(must_leave, g.sp_holder[g.sp_excluded], 1)
    out = np.maximum.reduce([must_leave, n - g.cap, h - g.hmax, np.zeros_like(n)])
    excess = h - share * n
    touch = np.maximum(out, np.ceil(excess / max(share, 1.0 - share) - EPSILON).astype(np.int64))
    out = np.where(g.forced, n, out)
    touch = np.where(g.forced, n, touch)
    pooled = int(g.pooled.sum())
    return int(max(pooled + out.sum(), math.ceil((pooled + touch.sum()) / 2)))


def _high_lower_bound(g: _Group) -> int:
    """High-risk moves any flag-clearing plan needs: pooled, leavers', and above ``Hmax``."""
    h = g.counts[:, HIGH:].sum(axis=1)
    return int(g.pooled[HIGH:].sum() + np.where(g.forced, h, np.maximum(h - g.hmax, 0)).sum())


def _new_post_lower_bound(g: _Group, policy: Policy) -> int:
    """RSOs a new post must hold at least: what the staff cannot (caseload, high-risk room)."""
    n = g.counts.sum(axis=1)
    h = g.counts[:, HIGH:].sum(axis=1)
    stuck = ~g.forced & ~g.receiver
    room = np.where(g.receiver, g.cap, np.where(stuck, np.minimum(g.cap, n), 0)).sum()
    high_room = np.where(g.receiver, g.hmax, np.where(stuck, np.minimum(g.hmax, h), 0)).sum()
    high_over = g.high_total - int(high_room)
    share = policy.high_risk_share_limit
    by_share = 0
    if high_over > 0:  # the new post holds them at the share limit at most
        by_share = math.ceil(high_over / share - EPSILON) if share > 0 else g.n_total + 1
    return int(max(0, g.n_total - int(room), by_share))


# --- the greedy pass -------------------------------------------------------------------------

def _fill(capacity: np.ndarray, amount: int, order: np.ndarray) -> np.ndarray:
    """Pour ``amount`` into ``capacity`` in ``order``; the caller checks that it fits."""
    cap_sorted = capacity[order]
    before = np.cumsum(cap_sorted) - cap_sorted
    taken = np.clip(amount - before, 0, cap_sorted)
    out = np.zeros_like(capacity)
    out[order] = taken
    return out


def _place_high(room: np.ndarray, n1: np.ndarray, h1: np.ndarray, highs: int, lows: int,
                share: float) -> tuple[np.ndarray, np.ndarray]:
    """Highs where the share allows, then lower-risk RSOs to make more high-risk room.

    Returns (highs placed, lows used to make room) per manager.
    """
    headroom = np.floor((share * n1 - h1) / (1.0 - share) + EPSILON).astype(np.int64)
    headroom = np.minimum(headroom.clip(min=0), room)
    order = np.lexsort((np.arange(len(room)), -headroom))
    b = _fill(headroom, highs, order)
    a = np.zeros_like(b)
    left, spare = highs - int(b.sum()), lows
    for j in np.lexsort((np.arange(len(room)), -(room - b))):
        if left <= 0 or spare <= 0:
            break
        # x more highs and the fewest lows y keeping h1 + b + x <= share (n1 + y + b + x).
        for x in range(min(left, int(room[j] - b[j])), 0, -1):
            y = max(0, math.ceil((h1[j] + b[j] + x - share * (n1[j] + b[j] + x)) / share
                                 - EPSILON))
            if y <= spare and b[j] + x + y <= room[j]:
                b[j] += x
                a[j] += y
                left -= x
                spare -= y
                break
    return b, a


def _greedy(g: _Group, policy: Policy, bound: int, new_post: bool) -> _Solution | None:
    """Each manager sheds only what it must (``out_i`` of the lower bound: high-risk RSOs above
    its high-risk room, then RSOs above capacity); managers still above the share are fed
    lower-risk RSOs that have to move anyway; high-risk RSOs go where there is high-risk room,
    helped by lower-risk arrivals. With ``new_post``, what does not fit is earmarked for a new
    post (only RSOs that their managers shed: pooled RSOs and leavers' RSOs are placed first).

    The result is kept only when it provably meets the bounds (new post = its bound, moves =
    lower bound, high-risk moves = high-risk bound, no very-high RSO moved that did not have to):
    then it is as good as the solver's answer, at a fraction of the cost. Otherwise the solver
    decides.
    """
    share = policy.high_risk_share_limit
    if g.sp_ids or not 0.0 < share < 1.0 or g.m == 0 or not g.receiver.any():
        return None
    counts = g.counts
    n = counts.sum(axis=1)
    h = counts[:, HIGH:].sum(axis=1)
    keep = ~g.forced
    kh = np.maximum(h - g.hmax, 0)
    kn = np.minimum(np.maximum(n - g.cap - kh, 0), counts[:, NON_HIGH])
    k_high = np.minimum(kh, counts[:, HIGH])
    outs = np.where(keep[:, None], np.stack([kn, k_high, kh - k_high], axis=1), counts)
    if outs[keep, VERY_HIGH].sum() > 0:
        return None
    n1 = n - outs.sum(axis=1)
    h1 = h - outs[:, HIGH:].sum(axis=1)
    if (keep & (n1 > g.cap)).any():
        return None
    # Lower-risk RSOs a manager needs to bring its share to the limit (h1 <= Hmax: room is there).
    need = np.where(keep, np.ceil(h1 / share - n1 - EPSILON).astype(np.int64), 0).clip(min=0)
    supply = outs.sum(axis=0) + g.pool
    if need.sum() > supply[NON_HIGH] or ((need > 0) & ~g.receiver).any():
        return None
    # Highs go to managers who shed nothing and need nothing; lower-risk RSOs to any manager
    # with room who sheds none of them (no RSO leaves a manager another of its class joins).
    room = np.where(g.receiver, g.cap - n1 - need, 0).clip(min=0)
    take = g.receiver & (outs.sum(axis=1) == 0) & (need == 0)
    highs, lows = int(supply[HIGH:].sum()), int(supply[NON_HIGH] - need.sum())
    b, a_high = _place_high(np.where(take, room, 0), n1, h1, highs, lows, share)
    rest = np.where(outs[:, NON_HIGH] == 0, room - b - a_high, 0)
    a_rest = _fill(rest, min(lows - int(a_high.sum()), int(rest.sum())),
                   np.lexsort((np.arange(g.m), -rest)))
    left_high = highs - int(b.sum())
    left_low = lows - int(a_high.sum() + a_rest.sum())
    if (left_high or left_low) and not new_post:
        return None
    # Very high first where highs land (they are few), the rest high.
    b_very_high = _fill(b, int(supply[VERY_HIGH]), np.lexsort((np.arange(g.m), -b)))
    left_very_high = int(supply[VERY_HIGH] - b_very_high.sum())
    overflow = np.array([left_low, left_high - left_very_high, left_very_high])
    shed = np.where(keep[:, None], outs, 0)
    if (overflow > shed.sum(axis=0)).any() or left_high > share * (left_low + left_high) + EPSILON:
        return None
    earmarks = np.stack([_fill(shed[:, c], int(overflow[c]), np.arange(g.m))
                         for c in range(CLASSES)], axis=1)
    ins = np.stack([need + a_high + a_rest, b - b_very_high, b_very_high], axis=1)
    n2, h2 = n1 + ins.sum(axis=1), h1 + b
    clear = (n2 <= g.cap) & (h2 <= share * n2 + EPSILON)
    moves = int(outs.sum() + g.pool.sum())
    high_moves = int(outs[:, HIGH:].sum() + g.pool[HIGH:].sum())
    for_new_post = int(overflow.sum())
    if (clear[keep].all() and moves == bound and high_moves == _high_lower_bound(g)
            and for_new_post == (_new_post_lower_bound(g, policy) if new_post else 0)):
        return _Solution(outs - earmarks, ins, earmarks, [], [], True, [], for_new_post)
    return None


# --- the model -------------------------------------------------------------------------------

#: Root heuristics cost most of a solve on these small models and find nothing the LP does not.
_HIGHS_OPTIONS = {
    "mip_heuristic_effort": 0.0, "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False, "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_zi_round": False, "mip_heuristic_run_shifting": False,
}


def _milp(c: np.ndarray, integrality: np.ndarray, bounds: tuple[np.ndarray, np.ndarray],
          constraints: list[tuple[Any, Any, Any]], time_limit: float) -> Any:
    """``milp`` over ``lb <= x <= ub`` (``bounds``) and ``lb <= A x <= ub`` (``constraints``)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    options: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": 0.0}
    with warnings.catch_warnings(), solver_chatter_to_stderr():
        warnings.filterwarnings("ignore", message="Unrecognized options", category=RuntimeWarning)
        try:
            return milp(c, integrality=integrality, bounds=Bounds(*bounds),
                        constraints=[LinearConstraint(*row) for row in constraints],
                        options={**options, **_HIGHS_OPTIONS})
        except AttributeError:  # a HiGHS without these options: run with its defaults
            return milp(c, integrality=integrality, bounds=Bounds(*bounds),
                        constraints=[LinearConstraint(*row) for row in constraints],
                        options=options)


@dataclass
class _Model:
    tiers: list[np.ndarray]  # objectives in strict order of importance
    matrix: csr_array
    row_lb: np.ndarray
    row_ub: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    y_pairs: list[tuple[int, int]]  # (special index, destination; m = the new post)
    placeable: bool  # pooled RSOs and leavers' RSOs have somewhere to go
    m: int
    new_post: bool

    def solve(self, c: np.ndarray, time_limit: float,
              extra: Iterable[tuple[np.ndarray, float]] = ()) -> tuple[np.ndarray | None, int]:
        """Minimise ``c``; ``extra`` adds ``c_i . x <= bound_i`` rows. Returns (x, status)."""
        constraints = [(self.matrix, self.row_lb, self.row_ub)]
        constraints += [(ci[None, :], -np.inf, bound) for ci, bound in extra]
        result = _milp(c, np.ones(len(self.lb)), (self.lb, self.ub), constraints,
                       time_limit)
        if result.x is None:
            return None, int(result.status)
        return np.round(np.asarray(result.x)).astype(np.int64), int(result.status)

    def relaxed(self, c: np.ndarray, time_limit: float) -> float | None:
        """The optimum of ``c`` over the linear relaxation (no integrality), if it solves."""
        constraints = [(self.matrix, self.row_lb, self.row_ub)]
        result = _milp(c, np.zeros(len(self.lb)), (self.lb, self.ub), constraints,
                       time_limit)
        return None if result.x is None or result.status != 0 else float(result.fun)


def _build(g: _Group, policy: Policy, mode: Literal["hard", "soft", "new_post"]) -> _Model:
    """All-integer model of one group.

    Variables: per manager and class, departures into the group (``out``), arrivals (``in``) and,
    with ``new_post``, a manager's own RSOs earmarked for a new post (``e``) and arrivals at the
    new post from the group (``q``: pooled and leavers' RSOs nobody else has room for); then one
    binary per special RSO and allowed destination; in ``soft`` mode a capacity and a share slack
    per manager. Rows: per class, arrivals = departures + pooled; per special RSO, at most
    (exactly, if it must move) one destination; per manager who stays, capacity and high-risk
    share (``h' - share x n' <= 0``); the new post's share.
    """
    share = policy.high_risk_share_limit
    m = g.m
    new_post = mode == "new_post"
    keep = ~g.forced
    placeable = bool(g.receiver.any()) or new_post
    n_total = float(g.n_total)
    o_in, o_e = 3 * m, 6 * m
    o_q = o_e + (3 * m if new_post else 0)
    o_y = o_q + (CLASSES if new_post else 0)

    agg = g.agg.T.astype(float)  # (3, m): class-major, as the variables
    out_ub = np.where(keep[None, :] | placeable, agg, 0.0)
    out_lb = np.where(keep[None, :], 0.0, out_ub)
    in_ub = np.repeat(np.where(g.receiver, n_total, 0.0)[None, :], CLASSES, axis=0)
    pool = g.pool if placeable else np.zeros(CLASSES, dtype=np.int64)
    lb = [out_lb.ravel(), np.zeros(3 * m)]
    ub = [out_ub.ravel(), in_ub.ravel()]
    if new_post:
        lb += [np.zeros(3 * m), np.zeros(CLASSES)]
        ub += [np.where(keep[None, :], agg, 0.0).ravel(), np.full(CLASSES, n_total)]

    y_pairs: list[tuple[int, int]] = []
    for s in range(len(g.sp_ids)):
        dests = [int(j) for j in np.flatnonzero(g.sp_allowed[s])]
        if new_post:
            dests.append(m)
        y_pairs.extend((s, j) for j in dests)
    y_special = sorted({s for s, _ in y_pairs})
    ny = len(y_pairs)
    o_slack = o_y + ny
    lb.append(np.zeros(ny))
    ub.append(np.ones(ny))
    if mode == "soft":
        lb.append(np.zeros(2 * m))
        ub.append(np.where(np.concatenate([keep, keep]), n_total, 0.0))
    n_vars = o_slack + (2 * m if mode == "soft" else 0)

    rows_i: list[np.ndarray] = []
    cols_i: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lb: list[float] = []
    row_ub: list[float] = []

    def add(r: Any, c: Any, v: Any) -> None:
        rows_i.append(np.asarray(r, dtype=np.int64).ravel())
        cols_i.append(np.asarray(c, dtype=np.int64).ravel())
        vals.append(np.broadcast_to(np.asarray(v, dtype=float), np.shape(c)).ravel())

    managers = np.arange(m)
    for c in range(CLASSES):  # balance: arrivals - departures = pooled
        r = len(row_lb)
        add(np.full(2 * m, r), np.concatenate([o_in + c * m + managers, c * m + managers]),
            np.concatenate([np.ones(m), -np.ones(m)]))
        if new_post:
            add([r], [o_q + c], 1.0)
        row_lb.append(float(pool[c]))
        row_ub.append(float(pool[c]))
    y_index = np.arange(ny)
    y_s = np.array([s for s, _ in y_pairs], dtype=np.int64)
    y_j = np.array([j for _, j in y_pairs], dtype=np.int64)
    y_cls = g.sp_cls[y_s] if ny else np.zeros(0, dtype=np.int64)
    y_holder = g.sp_holder[y_s] if ny else np.zeros(0, dtype=np.int64)
    for s in y_special:  # each special RSO: at most (or exactly) one destination
        mine = y_index[y_s == s]
        add(np.full(len(mine), len(row_lb)), o_y + mine, 1.0)
        row_lb.append(1.0 if g.sp_forced[s] else 0.0)
        row_ub.append(1.0)

    # Per manager who stays: capacity row, then share row (h' - share x n' <= 0).
    keepers = np.flatnonzero(keep)
    cap_row = np.full(m + 1, -1, dtype=np.int64)  # index m (the new post) and -1: no row
    cap_row[keepers] = len(row_lb) + 2 * np.arange(len(keepers))
    weight = np.array([-share, 1.0 - share, 1.0 - share])
    blocks = [(0, -1.0), (o_in, 1.0)] + ([(o_e, -1.0)] if new_post else [])
    for c in range(CLASSES):
        for base, sign in blocks:
            add(cap_row[keepers], base + c * m + keepers, sign)
            add(cap_row[keepers] + 1, base + c * m + keepers, sign * weight[c])
    to_kept = cap_row[y_j] >= 0
    add(cap_row[y_j[to_kept]], o_y + y_index[to_kept], 1.0)
    add(cap_row[y_j[to_kept]] + 1, o_y + y_index[to_kept], weight[y_cls[to_kept]])
    from_kept = cap_row[y_holder] >= 0
    add(cap_row[y_holder[from_kept]], o_y + y_index[from_kept], -1.0)
    add(cap_row[y_holder[from_kept]] + 1, o_y + y_index[from_kept], -weight[y_cls[from_kept]])
    n_now = g.counts.sum(axis=1)
    h_now = g.counts[:, HIGH:].sum(axis=1)
    for i in keepers:
        row_lb += [-np.inf, -np.inf]
        row_ub += [float(g.cap[i] - n_now[i]), float(share * n_now[i] - h_now[i]) + EPSILON]
    if mode == "soft":
        add(np.concatenate([cap_row[keepers], cap_row[keepers] + 1]),
            o_slack + np.concatenate([keepers, m + keepers]), -1.0)
    to_post = y_j == m
    if new_post:  # the new post's share (its caseload is what is asked for)
        r = len(row_lb)
        add(np.full(3 * m, r), o_e + np.arange(3 * m), np.repeat(weight, m))
        add(np.full(CLASSES, r), o_q + np.arange(CLASSES), weight)
        add(np.full(to_post.sum(), r), o_y + y_index[to_post], weight[y_cls[to_post]])
        row_lb.append(-np.inf)
        row_ub.append(EPSILON)

    from scipy.sparse import csr_array

    matrix = csr_array((np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(cols_i))),
                       shape=(len(row_lb), n_vars))
    by_class = np.repeat(np.arange(CLASSES), m)
    moves = np.zeros(n_vars)
    high = np.zeros(n_vars)
    very_high = np.zeros(n_vars)
    for base in (0, o_e) if new_post else (0,):
        moves[base: base + 3 * m] = 1.0
        high[base: base + 3 * m] = by_class >= HIGH
        very_high[base: base + 3 * m] = by_class == VERY_HIGH
    moves[o_y: o_slack] = 1.0
    high[o_y: o_slack] = y_cls >= HIGH
    very_high[o_y: o_slack] = y_cls == VERY_HIGH
    tiers = [very_high, moves, high]
    if mode == "soft":
        violation = np.zeros(n_vars)
        violation[o_slack:] = 1.0
        tiers.insert(0, violation)
    elif new_post:  # the new post as small as can be; staff take pooled and leavers' first
        for_post = np.zeros(n_vars)
        for_post[o_e: o_y] = 1.0
        for_post[o_y + y_index[to_post]] = 1.0
        must_go = np.zeros(n_vars)
        must_go[o_q: o_y] = 1.0
        must_go[o_y + y_index[to_post & g.sp_forced[y_s] if ny else to_post]] = 1.0
        tiers[:0] = [for_post, must_go]
    return _Model(tiers=tiers, matrix=matrix, row_lb=np.array(row_lb), row_ub=np.array(row_ub),
                  lb=np.concatenate(lb), ub=np.concatenate(ub), y_pairs=y_pairs,
                  placeable=placeable, m=m, new_post=new_post)


def _lexicographic(model: _Model, g: _Group, time_limit: float) -> tuple[np.ndarray | None, int]:
    """Minimise the tiers in order (see ``_build``), ending with very-high moves, moves and
    high-risk moves.

    An optimum never moves an RSO twice, so each tier is at most the group's RSOs (twice that for
    the excess; high-risk moves at most its high-risk RSOs). Integer weights built on those
    maxima order the tiers exactly in one solve; when they would outgrow float precision, the
    tiers are solved one after another instead.
    """
    n_total, high_total = g.n_total, g.high_total
    very_high_total = int(g.counts[:, VERY_HIGH].sum() + g.pooled[VERY_HIGH])
    maxima = [2 * n_total] * (len(model.tiers) - 3) + [very_high_total, n_total, high_total]
    weights = [1.0]
    for later in range(len(model.tiers) - 1, 0, -1):  # each weight beats all later tiers
        weights.insert(0, sum(w * mx for w, mx in zip(weights, maxima[later:], strict=True)) + 1)
    if weights[0] * (maxima[0] + 1) < _MAX_WEIGHT:
        return model.solve(sum(w * c for w, c in zip(weights, model.tiers, strict=True)),
                           time_limit)
    x, status = None, 2
    fixed: list[tuple[np.ndarray, float]] = []
    for c in model.tiers:
        x, status = model.solve(c, time_limit, fixed)
        if x is None:
            return None, status
        fixed.append((c, float(c @ x) + 0.5))
    return x, status


def _solution(g: _Group, model: _Model, x: np.ndarray) -> _Solution:
    m = g.m
    outs = x[: 3 * m].reshape(CLASSES, m).T
    ins = x[3 * m: 6 * m].reshape(CLASSES, m).T
    earmarks = np.zeros_like(outs)
    from_pool = np.zeros(CLASSES, dtype=np.int64)
    o_y = 6 * m
    if model.new_post:
        earmarks = x[6 * m: 9 * m].reshape(CLASSES, m).T
        from_pool = x[9 * m: 9 * m + CLASSES]
        o_y = 9 * m + CLASSES
    both = np.minimum(outs, ins)  # one leaving and another of its class arriving: no move
    chosen = [(s, j) for v, (s, j) in enumerate(model.y_pairs) if x[o_y + v] == 1]
    special_moves = [(g.sp_ids[s], int(g.sp_holder[s]), j) for s, j in chosen if j < m]
    special_post = [(g.sp_ids[s], int(g.sp_holder[s])) for s, j in chosen
                    if j == m and not g.sp_forced[s]]
    placed = {rso_id for rso_id, _, _ in special_moves}
    unplaced = [rso_id for s, rso_id in enumerate(g.sp_ids)
                if g.sp_forced[s] and rso_id not in placed]
    for_post = int(model.tiers[0] @ x) if model.new_post else 0
    return _Solution(outs - both, ins - both, earmarks, special_moves, special_post,
                     model.placeable, unplaced, for_post, from_pool)


# --- solving one group -----------------------------------------------------------------------

def _surely_infeasible(g: _Group, policy: Policy) -> bool:
    """Cheap necessary conditions, to skip a solve that cannot succeed."""
    n = g.counts.sum(axis=1)
    must_move = g.pooled.sum() + n[g.forced].sum()
    return bool(_new_post_lower_bound(g, policy) > 0
                or g.high_total > policy.high_risk_share_limit * g.n_total + EPSILON
                or (not g.receiver.any() and must_move > 0))


def _solve_group(g: _Group, policy: Policy, time_limit: float) -> _Result:
    """Greedy when it provably meets the bounds; else the solver: without a new post, with one
    (the least caseload it must hold gives the FTE short), or, when even a new post cannot clear
    the high-risk share, with the least excess.
    """
    bound = _lower_bound(g, policy)
    if bound == 0:
        return _Result(None, 0, None, True, "nothing to do")
    limit = policy.caseload_limit_per_fte
    if not _surely_infeasible(g, policy):
        solution = _greedy(g, policy, bound, new_post=False)
        if solution is not None:
            return _Result(solution, bound, None, True, "greedy pass meets the bounds")
        model = _build(g, policy, "hard")
        x, status = _lexicographic(model, g, time_limit)
        if x is not None:
            relaxed = model.relaxed(model.tiers[1], time_limit)  # fewest moves, fractional
            if relaxed is not None:
                bound = max(bound, math.ceil(relaxed - 1e-6) + int(g.pool.sum()))
            return _Result(_solution(g, model, x), bound, None, status == 0, _status(status))
    if g.high_total <= policy.high_risk_share_limit * g.n_total + EPSILON:
        solution = _greedy(g, policy, bound, new_post=True)
        if solution is not None:
            return _Result(solution, bound, solution.for_new_post / limit, True,
                           "greedy pass meets the bounds, with a new post")
        model = _build(g, policy, "new_post")
        x, status = _lexicographic(model, g, time_limit)
        if x is not None:
            solution = _solution(g, model, x)
            return _Result(solution, bound, solution.for_new_post / limit, status == 0,
                           _status(status) + ", with a new post")
    model = _build(g, policy, "soft")
    x, status = _lexicographic(model, g, time_limit)
    if x is None:
        return _Result(None, bound, None, False, _status(status))
    return _Result(_solution(g, model, x), bound, None, status == 0,
                   _status(status) + ", least excess (no FTE clears the high-risk share)")


def _status(status: int) -> str:
    return {0: "solver: optimal", 1: "solver: time limit, best found"}.get(
        status, f"solver: no solution (status {status})")


# --- from counts to named RSOs ---------------------------------------------------------------

def _assemble(register: _Register, results: list[_Result]
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Which RSOs move and where, register-wide: (moves by position, unplaced, for a new post).

    Which: the most recently allocated of each manager and class first (continuity), then the
    lowest id; the next ones in that order are earmarked for a new post. Where: arrivals of the
    same class, a manager of the RSO's own team first.
    """
    staff, rsos = register.staff, register.rsos
    n_staff = len(staff)
    ids = staff["manager_id"].to_numpy(object)
    outs = np.zeros((n_staff, CLASSES), dtype=np.int64)
    ins = np.zeros((n_staff, CLASSES), dtype=np.int64)
    earmarks = np.zeros((n_staff, CLASSES), dtype=np.int64)
    pool_placed = np.zeros(len(register.groups), dtype=bool)
    post_pool = np.zeros((len(register.groups), CLASSES), dtype=np.int64)
    special: list[tuple[str, int, int, int]] = []
    unplaced: list[tuple[str, str]] = []
    for_post: list[tuple[str, str | None, str]] = []
    for g, result in zip(register.groups, results, strict=True):
        if result.solution is None:
            continue
        sol = result.solution
        outs[g.start: g.start + g.m] = sol.outs
        ins[g.start: g.start + g.m] = sol.ins
        earmarks[g.start: g.start + g.m] = sol.earmarks
        pool_placed[g.code] = sol.pool_placed
        post_pool[g.code] = sol.post_from_pool
        special += [(rso_id, f + g.start if f >= 0 else -1, t + g.start, g.code)
                    for rso_id, f, t in sol.special_moves]
        unplaced += [(rso_id, g.key) for rso_id in sol.unplaced_specials]
        for_post += [(rso_id, g.managers[h] if h >= 0 else None, g.key)
                     for rso_id, h in sol.special_for_new_post]

    # Only the RSOs of managers who lose some, of leavers, and pooled ones are looked at.
    holder, cls = rsos["holder"].to_numpy(), rsos["cls"].to_numpy()
    held = holder >= 0
    at = (holder.clip(min=0), cls)
    forced = staff["manager_id"].isin(register.going).to_numpy(bool)
    if n_staff:
        candidate = ~held | forced[at[0]] | (outs[at] + earmarks[at] > 0)
    else:
        candidate = ~held
    candidate &= ~rsos["special"].to_numpy(bool)
    plain = rsos[candidate]
    rows = plain["row"].to_numpy()
    rso_ids = register.source["rso_id"].iloc[rows]
    since = _since(rso_ids, register.source, rows, register.allocated_on)
    stamp = since.astype("datetime64[s]")
    newest_first = np.where(np.isnat(stamp), np.iinfo(np.int64).max,
                            -stamp.astype(np.int64))
    id_text = rso_ids.to_numpy(dtype=str)
    order = np.lexsort((id_text, newest_first, plain["cls"].to_numpy(),
                        plain["holder"].to_numpy()))
    plain = plain.iloc[order].assign(rso_id=rso_ids.to_numpy(object)[order],
                                     rank=np.arange(len(order)))
    holder, cls = plain["holder"].to_numpy(), plain["cls"].to_numpy()
    held = holder >= 0
    at = (holder.clip(min=0), cls)
    position = _run_position(holder * CLASSES + cls)
    quota = np.where(held, outs[at] if n_staff else 0, 0)
    marked = np.where(held, quota + (earmarks[at] if n_staff else 0), 0)
    chosen = np.where(held, position < quota, pool_placed[plain["code"].to_numpy()])
    post = held & (position >= quota) & (position < marked)
    names = np.array(register.keys, dtype=object)
    must_go = ~held | (forced[at[0]] if n_staff else False)
    stuck = plain[~chosen & ~post & must_go]
    unplaced += list(zip(stuck["rso_id"], names[stuck["code"].to_numpy()], strict=True))
    marked_rows = plain[post]
    for_post += list(zip(marked_rows["rso_id"], ids[marked_rows["holder"].to_numpy()],
                         names[marked_rows["code"].to_numpy()], strict=True))

    to, sink_cls = np.nonzero(ins)
    reps = ins[to, sink_cls]
    to, sink_cls = np.repeat(to, reps), np.repeat(sink_cls, reps)
    sinks = pd.DataFrame({"to": to, "cls": sink_cls, "code": staff["code"].to_numpy()[to],
                          "team": register.staff_team[to]})
    sources = plain[chosen]
    if post_pool.any():  # what only a new post could take: leavers' RSOs first, then pooled
        code, cls = sources["code"].to_numpy(), sources["cls"].to_numpy()
        pooled = sources["holder"].to_numpy() < 0
        eligible = pooled | forced[sources["holder"].to_numpy().clip(min=0)]
        order = np.lexsort((sources["rank"].to_numpy(), pooled, cls, code, ~eligible))
        key = (code * CLASSES + cls)[order]
        position = np.empty(len(order), dtype=np.int64)
        position[order] = _run_position(np.where(eligible[order], key, -1 - key))
        kept_back = eligible & (position < post_pool[code, cls])
        back = sources[kept_back]
        unplaced += list(zip(back["rso_id"], names[back["code"].to_numpy()], strict=True))
        sources = sources[~kept_back]
    moves = _match(sources, sinks)
    if special:
        extra = pd.DataFrame(special, columns=["rso_id", "from", "to", "code"])
        specials = rsos[rsos["special"].to_numpy(bool)]
        sp_ids = register.source["rso_id"].iloc[specials["row"].to_numpy()].to_numpy(object)
        by_id = specials.set_index(pd.Index(sp_ids, dtype=object))
        extra["cls"] = extra["rso_id"].map(by_id["cls"]).to_numpy(np.int64)
        extra["row"] = extra["rso_id"].map(by_id["row"]).to_numpy(np.int64)
        moves = pd.concat([moves, extra], ignore_index=True)
    unplaced_frame = pd.DataFrame(unplaced, columns=["rso_id", "group"], dtype=object)
    post_frame = pd.DataFrame(for_post, columns=["rso_id", "manager_id", "group"], dtype=object)
    source = register.source
    risk = source.loc[source["rso_id"].isin(post_frame["rso_id"]).to_numpy(bool),
                      ["rso_id", "risk_level"]].set_index("rso_id")["risk_level"]
    post_frame.insert(2, "risk_level", post_frame["rso_id"].map(risk).astype(object))
    return moves, unplaced_frame, post_frame


def _run_position(keys: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal consecutive keys (0, 1, 2, ...)."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    first = np.r_[True, keys[1:] != keys[:-1]]
    starts = np.flatnonzero(first)
    return np.arange(len(keys)) - starts[np.cumsum(first) - 1]


def _pair(source_group: np.ndarray, sink_group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices pairing the k-th source with the k-th sink of each group (arrays in order)."""
    source_order = np.argsort(source_group, kind="stable")
    sink_order = np.argsort(sink_group, kind="stable")
    width = max(len(source_group), len(sink_group)) + 1
    source_key = source_group[source_order] * width + _run_position(source_group[source_order])
    sink_key = sink_group[sink_order] * width + _run_position(sink_group[sink_order])
    _, i, j = np.intersect1d(source_key, sink_key, assume_unique=True, return_indices=True)
    return source_order[i], sink_order[j]


def _match(sources: pd.DataFrame, sinks: pd.DataFrame) -> pd.DataFrame:
    """Pair leavers with arrivals of their class and group, within the same team first.

    ``sources`` are in continuity order (``rank``), ``sinks`` in manager order.
    """
    sources = sources.sort_values("rank")
    sinks = sinks.sort_values(["to"], kind="stable")
    teams = int(max(np.max(sources["team"].to_numpy(), initial=0),
                    np.max(sinks["team"].to_numpy(), initial=0))) + 1
    code_cls = sources["code"].to_numpy(np.int64) * CLASSES + sources["cls"].to_numpy(np.int64)
    sink_code_cls = sinks["code"].to_numpy(np.int64) * CLASSES + sinks["cls"].to_numpy(np.int64)
    source_team = np.where(sources["team"].to_numpy() >= 0, sources["team"].to_numpy(), teams)
    sink_team = np.where(sinks["team"].to_numpy() >= 0, sinks["team"].to_numpy(), teams)
    i, j = _pair(code_cls * (teams + 1) + source_team, sink_code_cls * (teams + 1) + sink_team)
    rest_i = np.setdiff1d(np.arange(len(sources)), i)
    rest_j = np.setdiff1d(np.arange(len(sinks)), j)
    i2, j2 = _pair(code_cls[rest_i], sink_code_cls[rest_j])
    source_index = np.concatenate([i, rest_i[i2]])
    sink_index = np.concatenate([j, rest_j[j2]])
    if len(source_index) != len(sources):  # the model balances arrivals and departures
        raise AssertionError("leavers and arrivals do not pair up")
    paired = sources.iloc[source_index]
    return pd.DataFrame({"rso_id": paired["rso_id"].to_numpy(object),
                         "from": paired["holder"].to_numpy(np.int64),
                         "to": sinks["to"].to_numpy(np.int64)[sink_index],
                         "code": paired["code"].to_numpy(np.int64),
                         "cls": paired["cls"].to_numpy(np.int64),
                         "row": paired["row"].to_numpy(np.int64)})


# --- the public functions --------------------------------------------------------------------

@contextmanager
def solver_chatter_to_stderr() -> Iterator[None]:
    """Inside this block, anything printed (the solver too) goes to standard error.

    HiGHS now and then ``printf``s a diagnostic line ("...transformNewIntegerFeasibleSolution
    tmpSolver.run();") straight to the process's standard output; a command printing a JSON
    document there (``rebalance --json``) wraps ``propose`` in this so the document stays valid.
    """
    stdout_fd, stderr_fd = 1, 2  # C's stdout and stderr, whatever sys.stdout is
    try:
        os.fstat(stdout_fd)
        os.fstat(stderr_fd)
    except OSError:  # no standard streams (a windowed application)
        yield
        return
    sys.stdout.flush()
    saved = os.dup(stdout_fd)
    try:
        os.dup2(stderr_fd, stdout_fd)
        yield
    finally:
        sys.stdout.flush()
        _flush_c_stdio()
        os.dup2(saved, stdout_fd)
        os.close(saved)


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers, so solver output buffered inside the block leaves by stderr."""
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, TypeError, AttributeError):  # no C library by that route (Windows)
        pass


def apply_moves(rsos: pd.DataFrame, moves: pd.DataFrame, managers: pd.DataFrame) -> pd.DataFrame:
    """The ``rso_caseload`` frame as it would be after ``moves`` (rso_id, to_manager_id).

    What the preview and the tests feed to ``manager_figures``, so the after-figures use the one
    implementation of the flag rule.
    """
    out = rsos.copy()
    if not len(moves):
        return out
    target = moves.set_index("rso_id")["to_manager_id"]
    moved = out["rso_id"].isin(target.index).to_numpy()
    to = out.loc[moved, "rso_id"].map(target)
    staff = managers.set_index("manager_id")
    out.loc[moved, "manager_id"] = to.to_numpy()
    out.loc[moved, "named"] = True
    out.loc[moved, "is_pooled"] = False
    for column in ("team", "bcu"):
        if column in out.columns:
            out.loc[moved, column] = to.map(staff[column]).to_numpy()
    if "flag_no_named_manager" in out.columns:
        out.loc[moved, "flag_no_named_manager"] = False
        out.loc[moved, "why_no_named_manager"] = ""
    return out


def propose(source: Figures | Snapshot, *, scope: Scope = "bcu", bcu: str | None = None,
            team: str | None = None,
            exclusions: Iterable[tuple[str, str]] | pd.DataFrame = (),
            leaving: Iterable[str] = (), absent: Iterable[str] = (),
            allocated_on: pd.Series | Mapping[str, Any] | None = None,
            policy: Policy | None = None, time_limit: float = 10.0) -> Proposal:
    """Propose moves that clear every caseload flag of each BCU (or team) with the fewest moves.

    ``bcu``/``team`` restrict the proposal to one BCU or team; naming a team implies
    ``scope="team"``. ``exclusions`` are (manager_id, rso_id) pairs: that manager may not hold that
    RSO. ``leaving``/``absent`` managers end with no community RSOs. ``allocated_on`` (rso_id ->
    date the current allocation began) lets continuity move the newest allocations first.
    ``time_limit`` is per solve, in seconds; a group that hits it keeps the best moves found.
    Raises ``ValueError`` for a BCU or team with no active manager and no pooled RSO.
    """
    snapshot = source.snapshot if isinstance(source, Figures) else source
    rsos = source.rsos if isinstance(source, Figures) else rso_caseload(snapshot)
    policy = policy or snapshot.policy
    managers = snapshot.managers
    if team is not None:
        scope = "team"
    if scope not in ("bcu", "team"):
        raise ValueError(f"scope must be 'bcu' or 'team', not {scope!r}")
    leaving_set, absent_set = set(leaving), set(absent)
    going = leaving_set | absent_set
    pairs = _exclusion_pairs(exclusions)
    since = pd.Series(allocated_on) if isinstance(allocated_on, Mapping) else allocated_on
    register = _prepare(rsos, managers, policy, scope, bcu, team, pairs, going, since)
    if not register.keys and (bcu is not None or team is not None):
        named = f"team {team!r}" if team is not None else f"BCU {bcu!r}"
        raise ValueError(f"No active manager or pooled RSO in {named}")
    results = [_solve_group(g, policy, time_limit) for g in register.groups]
    by_position, unplaced, for_new_post = _assemble(register, results)

    moves, moved_rows = _order_moves(by_position, register, pairs, leaving_set, absent_set)
    staff = register.staff
    after = _after(register, moves, moved_rows, managers, policy, going)
    group_rows = [{"group": g.key, "lower_bound": r.lower_bound, "fte_short": r.fte_short,
                   "optimal": r.optimal, "status": r.status}
                  for g, r in zip(register.groups, results, strict=True)]
    groups = _groups_frame(group_rows, moves, after, register, pairs)
    for row in np.flatnonzero(~groups["feasible"].to_numpy(bool)
                              & groups["fte_short"].isna().to_numpy(bool)):
        # The plan failed the flag check (rounding at a limit): still say what is short.
        groups.at[row, "fte_short"] = _fte_short(register.groups[row], policy, time_limit)
    return Proposal(scope=scope, moves=moves, after=after, groups=groups, unplaced=unplaced,
                    for_new_post=for_new_post, left_behind=_left_behind(rsos, staff, going),
                    policy=policy)


def _fte_short(g: _Group, policy: Policy, time_limit: float) -> float | None:
    """FTE of the smallest new post that would let every flag clear, or None if none would."""
    if g.high_total > policy.high_risk_share_limit * g.n_total + EPSILON:
        return None
    model = _build(g, policy, "new_post")
    x, _ = model.solve(model.tiers[0], time_limit)
    return None if x is None else float(model.tiers[0] @ x) / policy.caseload_limit_per_fte


def _order_moves(by_position: pd.DataFrame, register: _Register, pairs: pd.DataFrame,
                 leaving: set[str], absent: set[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Reasons, the order to apply them (pooled, leavers, absences, exclusions, balancing), and
    both managers' figures just before and after each move in that order."""
    ids = register.staff["manager_id"].to_numpy(object)
    from_pos = by_position["from"].to_numpy(np.int64)
    to_pos = by_position["to"].to_numpy(np.int64)
    moves = pd.DataFrame({
        "rso_id": by_position["rso_id"].to_numpy(object),
        "from_manager_id": np.where(from_pos >= 0, ids[from_pos.clip(min=0)]
                                    if len(ids) else None, None),
        "to_manager_id": ids[to_pos],
        "risk_level": register.source["risk_level"].iloc[by_position["row"].to_numpy()]
        .to_numpy(object),
        "group": np.array(register.keys, dtype=object)[by_position["code"].to_numpy(np.int64)],
        "_from": from_pos, "_to": to_pos, "_cls": by_position["cls"].to_numpy(np.int64),
        "_row": by_position["row"].to_numpy(np.int64),
    })
    source = moves["from_manager_id"]
    is_excluded = np.zeros(len(moves), dtype=bool)
    if len(pairs):
        excluded = set(zip(pairs["manager_id"], pairs["rso_id"], strict=True))
        is_excluded = np.array([(f, r) in excluded
                                for f, r in zip(source, moves["rso_id"], strict=True)], bool)
    conditions = [source.isna().to_numpy(), source.isin(leaving).to_numpy(),
                  source.isin(absent).to_numpy(), is_excluded]
    reasons = [REASON_POOLED, REASON_LEFT, REASON_ABSENT, REASON_EXCLUDED]
    moves["reason"] = np.select(conditions, reasons, default=REASON_BALANCE).astype(object)
    moves["_order"] = np.select(conditions, [0, 1, 2, 3], default=4)
    moves["_from_key"] = source.fillna("")
    moves = moves.sort_values(["_order", "group", "_from_key", "rso_id"], kind="stable")
    moves = moves.reset_index(drop=True)
    figures = _sequence_figures(moves["_from"].to_numpy(), moves["_to"].to_numpy(),
                                moves["_cls"].to_numpy(), register)
    return pd.concat([moves[_MOVE_COLUMNS], figures], axis=1), moves["_row"].to_numpy()


def _sequence_figures(from_pos: np.ndarray, to_pos: np.ndarray, cls: np.ndarray,
                      register: _Register) -> pd.DataFrame:
    """Caseload, per FTE and high-risk share of both managers around each move, in order."""
    n_moves = len(from_pos)
    base_n = register.counts.sum(axis=1)
    base_h = register.counts[:, HIGH:].sum(axis=1)
    fte = register.staff["fte"].to_numpy(float)
    high = (cls >= HIGH).astype(np.int64)
    k = np.arange(n_moves)
    valid = from_pos >= 0
    pos = np.concatenate([from_pos[valid], to_pos])
    step = np.concatenate([k[valid], k])
    side = np.concatenate([np.zeros(valid.sum(), dtype=bool), np.ones(n_moves, dtype=bool)])
    dn = np.where(side, 1, -1)
    dh = dn * np.concatenate([high[valid], high])
    order = np.lexsort((step, pos))
    pos, step, side, dn, dh = pos[order], step[order], side[order], dn[order], dh[order]
    first = np.r_[True, pos[1:] != pos[:-1]] if len(pos) else np.zeros(0, dtype=bool)
    run = np.cumsum(first) - 1
    cum_n, cum_h = np.cumsum(dn), np.cumsum(dh)
    n_after = base_n[pos] + cum_n - (cum_n - dn)[first][run]
    h_after = base_h[pos] + cum_h - (cum_h - dh)[first][run]
    n_before, h_before = n_after - dn, h_after - dh
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            "caseload_before": n_before, "caseload_after": n_after,
            "per_fte_before": n_before / fte[pos], "per_fte_after": n_after / fte[pos],
            "high_risk_share_before": np.where(n_before > 0, h_before / n_before, np.nan),
            "high_risk_share_after": np.where(n_after > 0, h_after / n_after, np.nan),
        }
    out = {}
    for name, arriving in (("from", False), ("to", True)):
        mask = side == arriving
        for key, column in values.items():
            full = np.full(n_moves, np.nan)
            full[step[mask]] = column[mask]
            out[f"{name}_{key}"] = full
    return pd.DataFrame(out)


def _after(register: _Register, moves: pd.DataFrame, moved_rows: np.ndarray,
           managers: pd.DataFrame, policy: Policy, going: set[str]) -> pd.DataFrame:
    """Per manager in scope: caseload, per FTE and high-risk share before and after, and the
    flags after, from ``manager_figures`` on their RSOs with the moves applied."""
    staff, source = register.staff, register.source
    columns = ["rso_id", "manager_id", "named", *COUNT_COLUMNS.values()]
    in_scope = managers[managers["manager_id"].isin(staff["manager_id"])]
    rows = source["manager_id"].isin(staff["manager_id"]).to_numpy(bool).copy()
    rows[moved_rows] = True
    moved = apply_moves(source.loc[rows, columns], moves, managers)
    after = manager_figures(moved, in_scope, policy.caseload_limit_per_fte,
                            policy.high_risk_share_limit).set_index("manager_id")
    keep = ["name", "bcu", "team", "role", "fte", "caseload", "per_fte", "high", "very_high",
            "high_risk_share", "flag_caseload_over_limit", "why_caseload_over_limit",
            "flag_high_risk_share_over_limit", "why_high_risk_share_over_limit"]
    frame = after[keep].copy()
    # Before: the same definitions (community RSOs; high plus very high over caseload).
    position = pd.Series(np.arange(len(staff)), index=staff["manager_id"].to_numpy())
    at = position.reindex(frame.index).to_numpy()
    caseload = register.counts.sum(axis=1)[at]
    high = register.counts[:, HIGH:].sum(axis=1)[at]
    with np.errstate(divide="ignore", invalid="ignore"):
        before = {"caseload": caseload, "per_fte": caseload / frame["fte"].to_numpy(float),
                  "high_risk_share": np.where(caseload > 0, high / caseload, np.nan)}
    for column, values in before.items():
        frame.insert(frame.columns.get_loc(column), f"{column}_before", values)
    frame["leaving_or_absent"] = frame.index.isin(going)
    frame["group"] = frame.index.map(staff.set_index("manager_id")["group"]).to_numpy(object)
    return frame.reset_index()


def _groups_frame(rows: list[dict[str, Any]], moves: pd.DataFrame, after: pd.DataFrame,
                  register: _Register, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per group: moves, bound, and whether every flag is clear after the moves (checked)."""
    columns = ["group", "lower_bound", "fte_short", "optimal", "status"]
    frame = pd.DataFrame(rows, columns=columns)
    if not len(frame):
        return frame.assign(moves=pd.Series(dtype=int), feasible=pd.Series(dtype=bool))
    frame["moves"] = frame["group"].map(moves.groupby("group").size()).fillna(0).astype(int)
    flagged = (after["flag_caseload_over_limit"] | after["flag_high_risk_share_over_limit"]
               | (after["leaving_or_absent"] & (after["caseload"] > 0)))
    bad = after.loc[flagged, "group"].value_counts()
    # Pooled RSOs left unplaced, and RSOs held (after the moves) by a manager excluded for them.
    source = register.source
    pooled = register.rsos[register.rsos["holder"] < 0]
    pooled_ids = source["rso_id"].iloc[pooled["row"].to_numpy()].to_numpy(object)
    left = ~pd.Series(pooled_ids).isin(moves["rso_id"]).to_numpy()
    names = np.array(register.keys, dtype=object)
    bad = bad.add(pd.Series(names[pooled["code"].to_numpy()[left]]).value_counts(),
                  fill_value=0)
    if len(pairs):
        named = source[source["named"].to_numpy(bool) & source["is_community"].to_numpy(bool)]
        holder = named.set_index("rso_id")["manager_id"]
        holder = holder[holder.index.isin(pairs["rso_id"])]
        holder.update(moves.set_index("rso_id")["to_manager_id"])
        moved_in = moves.set_index("rso_id")["to_manager_id"]
        holder = pd.concat([holder, moved_in[~moved_in.index.isin(holder.index)]])
        held = pairs[pairs["rso_id"].map(holder).to_numpy() == pairs["manager_id"].to_numpy()]
        group_of = register.staff.set_index("manager_id")["group"]
        bad = bad.add(held["manager_id"].map(group_of).value_counts(), fill_value=0)
    frame["feasible"] = frame["group"].map(bad).fillna(0).to_numpy() == 0
    frame.loc[frame["feasible"], "fte_short"] = np.nan
    frame["fte_short"] = frame["fte_short"].astype(float)
    return frame[["group", "moves", "lower_bound", "feasible", "fte_short", "optimal", "status"]]


def _left_behind(rsos: pd.DataFrame, staff: pd.DataFrame, going: set[str]) -> pd.DataFrame:
    held = rsos[rsos["named"].to_numpy(bool) & ~rsos["is_community"].to_numpy(bool)
                & rsos["manager_id"].isin(going & set(staff["manager_id"])).to_numpy()]
    return held[["rso_id", "manager_id", "status"]].reset_index(drop=True)


def proposal_to_json(proposal: Proposal) -> dict[str, Any]:
    """The ``rebalance --json`` document: moves, lower bound, feasible, FTE short, figures after."""
    moves = [{"rso_id": python_value(r), "from": python_value(f), "to": python_value(t),
              "reason": python_value(w)}
             for r, f, t, w in zip(proposal.moves["rso_id"], proposal.moves["from_manager_id"],
                                   proposal.moves["to_manager_id"], proposal.moves["reason"],
                                   strict=True)]
    after = [{"manager_id": python_value(i), "caseload": int(n), "per_fte": python_value(p),
              "high_risk_share": python_value(s)}
             for i, n, p, s in zip(proposal.after["manager_id"], proposal.after["caseload"],
                                   proposal.after["per_fte"], proposal.after["high_risk_share"],
                                   strict=True)]
    fte_short = {k: (None if v is None else round(v, 4)) for k, v in proposal.fte_short.items()}
    return {"moves": moves, "lower_bound": proposal.lower_bound,
            "feasible": proposal.feasible, "fte_short": fte_short, "after": after}
