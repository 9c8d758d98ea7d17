"""Building one group's all-integer model: its variables, rows and objectives in strict order.

Variables, in blocks, per manager and class: departures into the group (``out``), arrivals
(``in``) and, with a new post, a manager's own RSOs earmarked for a new post (``e``) and arrivals
at the new post from the group (``q``: pooled and leavers' RSOs nobody else has room for); then
one binary per RSO named in an exclusion and allowed destination (``y``); in ``soft`` mode a
capacity and a share slack per manager. Rows: per class, arrivals = departures + pooled; per
special RSO, at most (exactly, if it must move) one destination; per manager who stays, capacity
and high-risk share (``h' - share x n' <= 0``); the new post's share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.rebalance.milp import Model
from ncpi_desktop.analysis.rebalance.model import CLASSES, HIGH, VERY_HIGH, Group
from ncpi_desktop.domain.policy import Policy

Mode = Literal["hard", "soft", "new_post"]


@dataclass
class _Layout:
    """Where each block of variables starts, and the ``y`` variables' RSO and destination."""

    m: int
    new_post: bool
    soft: bool
    o_in: int
    o_e: int
    o_q: int
    o_y: int
    o_slack: int
    n_vars: int
    y_pairs: list[tuple[int, int]]  # (special index, destination; m = the new post)
    y_s: np.ndarray  # special index of each y
    y_j: np.ndarray  # destination of each y
    y_cls: np.ndarray  # class of its RSO
    y_holder: np.ndarray  # its RSO's holder (-1: pooled)

    @property
    def ny(self) -> int:
        return len(self.y_pairs)

    @property
    def y_index(self) -> np.ndarray:
        return np.arange(self.ny)


def _layout(g: Group, mode: Mode) -> _Layout:
    m = g.m
    new_post = mode == "new_post"
    o_in, o_e = 3 * m, 6 * m
    o_q = o_e + (3 * m if new_post else 0)
    o_y = o_q + (CLASSES if new_post else 0)
    y_pairs: list[tuple[int, int]] = []
    for s in range(len(g.sp_ids)):
        dests = [int(j) for j in np.flatnonzero(g.sp_allowed[s])]
        if new_post:
            dests.append(m)
        y_pairs.extend((s, j) for j in dests)
    ny = len(y_pairs)
    y_s = np.array([s for s, _ in y_pairs], dtype=np.int64)
    return _Layout(
        m=m, new_post=new_post, soft=mode == "soft", o_in=o_in, o_e=o_e, o_q=o_q, o_y=o_y,
        o_slack=o_y + ny, n_vars=o_y + ny + (2 * m if mode == "soft" else 0), y_pairs=y_pairs,
        y_s=y_s, y_j=np.array([j for _, j in y_pairs], dtype=np.int64),
        y_cls=g.sp_cls[y_s] if ny else np.zeros(0, dtype=np.int64),
        y_holder=g.sp_holder[y_s] if ny else np.zeros(0, dtype=np.int64))


def _variable_bounds(g: Group, at: _Layout, placeable: bool) -> tuple[np.ndarray, np.ndarray]:
    """(lb, ub) of every variable: a leaver's RSOs must all leave (if they can go anywhere)."""
    m, keep, n_total = at.m, ~g.forced, float(g.n_total)
    agg = g.agg.T.astype(float)  # (3, m): class-major, as the variables
    out_ub = np.where(keep[None, :] | placeable, agg, 0.0)
    out_lb = np.where(keep[None, :], 0.0, out_ub)
    in_ub = np.repeat(np.where(g.receiver, n_total, 0.0)[None, :], CLASSES, axis=0)
    lb = [out_lb.ravel(), np.zeros(3 * m)]
    ub = [out_ub.ravel(), in_ub.ravel()]
    if at.new_post:
        lb += [np.zeros(3 * m), np.zeros(CLASSES)]
        ub += [np.where(keep[None, :], agg, 0.0).ravel(), np.full(CLASSES, n_total)]
    lb.append(np.zeros(at.ny))
    ub.append(np.ones(at.ny))
    if at.soft:
        lb.append(np.zeros(2 * m))
        ub.append(np.where(np.concatenate([keep, keep]), n_total, 0.0))
    return np.concatenate(lb), np.concatenate(ub)


class _Rows:
    """Constraint rows as (row, column, value) triplets, with each row's bounds."""

    def __init__(self) -> None:
        self.rows_i: list[np.ndarray] = []
        self.cols_i: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lb: list[float] = []
        self.ub: list[float] = []

    @property
    def count(self) -> int:
        return len(self.lb)

    def add(self, r: Any, c: Any, v: Any) -> None:
        self.rows_i.append(np.asarray(r, dtype=np.int64).ravel())
        self.cols_i.append(np.asarray(c, dtype=np.int64).ravel())
        self.vals.append(np.broadcast_to(np.asarray(v, dtype=float), np.shape(c)).ravel())

    def bound(self, lb: float, ub: float) -> None:
        self.lb.append(lb)
        self.ub.append(ub)

    def matrix(self, n_vars: int) -> Any:
        from scipy.sparse import csr_array

        return csr_array((np.concatenate(self.vals),
                          (np.concatenate(self.rows_i), np.concatenate(self.cols_i))),
                         shape=(self.count, n_vars))


def _share_weights(share: float) -> np.ndarray:
    """Per class, what one RSO adds to ``h - share x n``."""
    return np.array([-share, 1.0 - share, 1.0 - share])


def _balance_rows(rows: _Rows, at: _Layout, pool: np.ndarray) -> None:
    """Per class: arrivals - departures = pooled."""
    m = at.m
    managers = np.arange(m)
    for c in range(CLASSES):
        r = rows.count
        rows.add(np.full(2 * m, r), np.concatenate([at.o_in + c * m + managers, c * m + managers]),
                 np.concatenate([np.ones(m), -np.ones(m)]))
        if at.new_post:
            rows.add([r], [at.o_q + c], 1.0)
        rows.bound(float(pool[c]), float(pool[c]))


def _special_rows(rows: _Rows, g: Group, at: _Layout) -> None:
    """Each RSO named in an exclusion: at most (exactly, if it must move) one destination."""
    for s in sorted({s for s, _ in at.y_pairs}):
        mine = at.y_index[at.y_s == s]
        rows.add(np.full(len(mine), rows.count), at.o_y + mine, 1.0)
        rows.bound(1.0 if g.sp_forced[s] else 0.0, 1.0)


def _limit_rows(rows: _Rows, g: Group, at: _Layout, share: float) -> None:
    """Per manager who stays: capacity row, then share row (h' - share x n' <= 0)."""
    m = at.m
    keepers = np.flatnonzero(~g.forced)
    cap_row = np.full(m + 1, -1, dtype=np.int64)  # index m (the new post) and -1: no row
    cap_row[keepers] = rows.count + 2 * np.arange(len(keepers))
    weight = _share_weights(share)
    blocks = [(0, -1.0), (at.o_in, 1.0)] + ([(at.o_e, -1.0)] if at.new_post else [])
    for c in range(CLASSES):
        for base, sign in blocks:
            rows.add(cap_row[keepers], base + c * m + keepers, sign)
            rows.add(cap_row[keepers] + 1, base + c * m + keepers, sign * weight[c])
    y_index, y_cls = at.y_index, at.y_cls
    to_kept = cap_row[at.y_j] >= 0
    rows.add(cap_row[at.y_j[to_kept]], at.o_y + y_index[to_kept], 1.0)
    rows.add(cap_row[at.y_j[to_kept]] + 1, at.o_y + y_index[to_kept], weight[y_cls[to_kept]])
    from_kept = cap_row[at.y_holder] >= 0
    rows.add(cap_row[at.y_holder[from_kept]], at.o_y + y_index[from_kept], -1.0)
    rows.add(cap_row[at.y_holder[from_kept]] + 1, at.o_y + y_index[from_kept],
             -weight[y_cls[from_kept]])
    n_now = g.counts.sum(axis=1)
    h_now = g.counts[:, HIGH:].sum(axis=1)
    for i in keepers:
        rows.bound(-np.inf, float(g.cap[i] - n_now[i]))
        rows.bound(-np.inf, float(share * n_now[i] - h_now[i]) + EPSILON)
    if at.soft:
        rows.add(np.concatenate([cap_row[keepers], cap_row[keepers] + 1]),
                 at.o_slack + np.concatenate([keepers, m + keepers]), -1.0)


def _new_post_row(rows: _Rows, at: _Layout, share: float) -> None:
    """The new post's share (its caseload is what is asked for)."""
    m, weight = at.m, _share_weights(share)
    to_post = at.y_j == m
    r = rows.count
    rows.add(np.full(3 * m, r), at.o_e + np.arange(3 * m), np.repeat(weight, m))
    rows.add(np.full(CLASSES, r), at.o_q + np.arange(CLASSES), weight)
    rows.add(np.full(to_post.sum(), r), at.o_y + at.y_index[to_post], weight[at.y_cls[to_post]])
    rows.bound(-np.inf, EPSILON)


def _tiers(g: Group, at: _Layout) -> list[np.ndarray]:
    """Objectives in strict order: (excess, in soft mode; the new post's size and what only it
    takes, with a new post), very-high-risk moves, moves, high-risk moves."""
    m, n_vars = at.m, at.n_vars
    by_class = np.repeat(np.arange(CLASSES), m)
    moves = np.zeros(n_vars)
    high = np.zeros(n_vars)
    very_high = np.zeros(n_vars)
    for base in (0, at.o_e) if at.new_post else (0,):
        moves[base: base + 3 * m] = 1.0
        high[base: base + 3 * m] = by_class >= HIGH
        very_high[base: base + 3 * m] = by_class == VERY_HIGH
    moves[at.o_y: at.o_slack] = 1.0
    high[at.o_y: at.o_slack] = at.y_cls >= HIGH
    very_high[at.o_y: at.o_slack] = at.y_cls == VERY_HIGH
    tiers = [very_high, moves, high]
    if at.soft:
        violation = np.zeros(n_vars)
        violation[at.o_slack:] = 1.0
        tiers.insert(0, violation)
    elif at.new_post:  # the new post as small as can be; staff take pooled and leavers' first
        to_post = at.y_j == m
        for_post = np.zeros(n_vars)
        for_post[at.o_e: at.o_y] = 1.0
        for_post[at.o_y + at.y_index[to_post]] = 1.0
        must_go = np.zeros(n_vars)
        must_go[at.o_q: at.o_y] = 1.0
        must_go[at.o_y + at.y_index[to_post & g.sp_forced[at.y_s] if at.ny else to_post]] = 1.0
        tiers[:0] = [for_post, must_go]
    return tiers


def build(g: Group, policy: Policy, mode: Mode) -> Model:
    """All-integer model of one group (see the module docstring): ``hard`` clears every flag
    with the staff, ``new_post`` with a new post as small as can be, ``soft`` keeps the excess
    as small as it can when nothing clears the flags."""
    share = policy.high_risk_share_limit
    at = _layout(g, mode)
    placeable = bool(g.receiver.any()) or at.new_post
    pool = g.pool if placeable else np.zeros(CLASSES, dtype=np.int64)
    lb, ub = _variable_bounds(g, at, placeable)
    rows = _Rows()
    _balance_rows(rows, at, pool)
    _special_rows(rows, g, at)
    _limit_rows(rows, g, at, share)
    if at.new_post:
        _new_post_row(rows, at, share)
    return Model(tiers=_tiers(g, at), matrix=rows.matrix(at.n_vars), row_lb=np.array(rows.lb),
                 row_ub=np.array(rows.ub), lb=lb, ub=ub, y_pairs=at.y_pairs,
                 placeable=placeable, m=g.m, new_post=at.new_post)
