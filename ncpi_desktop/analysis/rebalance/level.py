"""Level mode (issue 13): when a group's flags cannot all be cleared, level its caseloads.

Every RSO in scope is named to a manager (pooled and leavers' RSOs included), the highest
caseload per FTE among the group's receiving offender managers comes down to the lowest level
reachable, as many high-risk share flags clear as the group has room for (a high-risk RSO
swapped for a lower-risk one where needed), and the moves are as few as can be for that.

**The lowest level** ``L*`` (``group_lowest``): with integer caseloads, "nobody above ``L`` per
FTE" means manager ``i`` holds at most ``floor(L x fte_i)``, so ``L`` is reachable exactly when
those capacities hold every RSO of the group. A manager who may not receive but holds RSOs that
may move (a supervisor holding RSOs: ``sheds``) counts like anyone, at most
``min(n_i, floor(L x fte_i))``: the flags (``manager_figures``) and the highest per FTE shown
count the supervisor's caseload, so the level does too. Water-filling (``lowest_level``) finds
the least such ``L`` among the values ``k / fte_i``. Levelling a whole group never goes below
the caseload limit (nor below today's highest, if that is lower): below it nobody is flagged
for their caseload, and tighter capacities only leave less room for high-risk RSOs
(``level_floor``).

**The plan** is one small all-integer model per group (about seven variables per manager, solved
by HiGHS through ``milp``): per manager and class, departures and arrivals, and one binary per
manager that lets its high-risk share stay above the limit. Every receiver ends at most
``floor(L* x fte)``; in strict order it minimises the managers left above the share, the moves,
the very-high-risk moves, then the high-risk moves.

**The lower bound** on moves (``level_bound``), sound for any plan reaching ``L*``: every move
leaves exactly one place (a manager or the pool), so moves ``>=`` pooled RSOs ``+`` every
leaver's RSOs ``+ sum_i max(0, n_i - C_i)`` over receivers (``C_i = floor(L* x fte_i)``: arrivals
only add, so at least ``n_i - C_i`` must leave). When every share flag clears, a receiver also
ends with at most ``floor(share x C_i)`` high-risk RSOs, so at least ``h_i - floor(share x C_i)``
leave: the term becomes ``max(0, n_i - C_i, h_i - floor(share x C_i))`` (the caseload and the
high-risk departures overlap, hence the max per manager, not the sum). It is then raised to the
linear relaxation's optimum of the same model with no share flag allowed, rounded up.

``movable`` (a mask of managers whose RSOs may move, e.g. a leaver's only: ``leaving``) sets the
others' departures to zero, and their RSOs count in the level as held. "Best within N moves"
(``budget``) is this model at the capacities of the level N moves reach, with ``moves <= N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.rebalance.milp import Model, solve_in_order
from ncpi_desktop.analysis.rebalance.model import CLASSES, HIGH, VERY_HIGH, Group, Solution
from ncpi_desktop.domain.policy import Policy


@dataclass
class Level:
    """One group's level plan: the solution in counts, the level reached and its bound."""

    solution: Solution
    level: float  # lowest reachable highest per FTE among receivers
    bound: int  # lower bound on the moves (module docstring)
    flagged: int  # managers the plan leaves above the high-risk share
    optimal: bool


def lowest_level(n: int, fte: np.ndarray, most: np.ndarray | None = None) -> float:
    """The least ``L`` with ``sum min(most_i, floor(L x fte_i)) >= n`` (``most``: what each
    manager may hold at most whatever the level, none by default; ``inf`` when they cannot
    hold ``n``)."""
    fte = np.asarray(fte, dtype=float)
    most = np.full(len(fte), np.inf) if most is None else np.asarray(most, dtype=float)
    staffed = fte > EPSILON
    fte, most = fte[staffed], most[staffed]
    if n <= 0:
        return 0.0
    if not len(fte) or most.sum() < n:
        return math.inf
    level = n / float(fte.sum())
    while True:
        cap = np.minimum(np.floor(level * fte + EPSILON), most)
        if cap.sum() >= n:
            return float(level)
        grows = cap < most
        level = float(((cap[grows] + 1) / fte[grows]).min())


def sheds(g: Group, movable: np.ndarray | None = None) -> np.ndarray:
    """Managers who stay, may not receive, and whose RSOs may move (a supervisor holding RSOs):
    they hold at most what they hold now, and at most the level like everyone."""
    may_move = np.ones(g.m, dtype=bool) if movable is None else movable
    return ~g.receiver & ~g.forced & may_move


def group_lowest(g: Group, movable: np.ndarray | None = None) -> float:
    """``L*`` of the module docstring: the lowest highest per FTE the group can reach (with
    ``movable``: its managers alone shed; the others keep what they hold)."""
    n = g.counts.sum(axis=1)
    fte = _fte(g)
    shed = sheds(g, movable)
    kept = ~g.receiver & ~g.forced & ~shed
    holders = g.receiver | shed
    level = lowest_level(int(g.n_total - n[kept].sum()), fte[holders],
                         np.where(g.receiver, np.inf, n)[holders])
    if movable is not None:  # a receiver whose RSOs stay keeps at least its own caseload
        stay = g.receiver & ~movable & ~g.forced & (fte > EPSILON)
        if stay.any():
            level = max(level, float((n[stay] / fte[stay]).max()))
    return level


def highest_now(g: Group) -> float:
    """The highest per FTE now among the managers the level counts (receivers and ``sheds``)."""
    n = g.counts.sum(axis=1)
    fte = _fte(g)
    holders = (g.receiver | sheds(g)) & (fte > EPSILON)
    return float((n[holders] / fte[holders]).max()) if holders.any() else 0.0


def level_floor(g: Group, policy: Policy) -> float:
    """Levelling a whole group never goes below this: the caseload limit, or today's highest
    per FTE if that is lower (module docstring)."""
    return min(policy.caseload_limit_per_fte, highest_now(g))


def capacities(g: Group, level: float, movable: np.ndarray | None = None) -> np.ndarray:
    """Each manager's most RSOs at ``level`` per FTE: receivers ``floor(level x fte)``,
    ``sheds`` managers that or what they hold if less, leavers none, others what they hold."""
    n = g.counts.sum(axis=1)
    fte = _fte(g)
    cap = (np.floor(level * fte + EPSILON).clip(min=0).astype(np.int64)
           if math.isfinite(level) else n)
    return np.where(g.receiver, cap, np.where(g.forced, 0, np.where(
        sheds(g, movable), np.minimum(cap, n), n)))


def _fte(g: Group) -> np.ndarray:
    return g.fte if g.fte is not None else np.ones(g.m)


def level_bound(g: Group, cap: np.ndarray, share: float, all_clear: bool) -> int:
    """The analytic bound of the module docstring."""
    n = g.counts.sum(axis=1)
    h = g.counts[:, HIGH:].sum(axis=1)
    excess = np.maximum(n - cap, 0)
    if all_clear:
        hroom = np.floor(share * cap + EPSILON).astype(np.int64)
        excess = np.maximum(excess, h - hroom)
    per = np.where(g.forced, n, np.where(g.receiver | sheds(g), excess, 0))
    return int(g.pooled.sum() + per.sum())


def _model(g: Group, cap: np.ndarray, share: float, movable: np.ndarray | None) -> Model:
    """Variables: out (3m, class-major), in (3m), z (m). Rows: per class balance, per receiver
    capacity, per staying manager the share (relaxed by ``z``)."""
    from scipy.sparse import csr_array

    m = g.m
    counts = g.counts.T.astype(float)  # (3, m)
    n, h = g.counts.sum(axis=1), g.counts[:, HIGH:].sum(axis=1)
    big = float(g.n_total + 1)
    out_ub = counts if movable is None else np.where(movable[None, :] | g.forced, counts, 0.0)
    out_lb = np.where(g.forced[None, :], counts, 0.0)
    in_ub = np.repeat(np.where(g.receiver, float(g.n_total), 0.0)[None, :], CLASSES, axis=0)
    z_ub = np.where(g.forced, 0.0, 1.0)
    lb = np.concatenate([out_lb.ravel(), np.zeros(3 * m), np.zeros(m)])
    ub = np.concatenate([out_ub.ravel(), in_ub.ravel(), z_ub])
    idx = np.arange(m)
    rows, cols, vals, row_lb, row_ub = [], [], [], [], []
    r = 0
    for c in range(CLASSES):  # arrivals - departures = pooled, per class
        rows += [r] * 2 * m
        cols += list(3 * m + c * m + idx) + list(c * m + idx)
        vals += [1.0] * m + [-1.0] * m
        row_lb.append(float(g.pooled[c]))
        row_ub.append(float(g.pooled[c]))
        r += 1
    for i in np.flatnonzero(g.receiver | (~g.forced & (cap < n))):  # n + in - out <= cap
        rows += [r] * 2 * CLASSES
        cols += [3 * m + c * m + i for c in range(CLASSES)] + [c * m + i for c in range(CLASSES)]
        vals += [1.0] * CLASSES + [-1.0] * CLASSES
        row_lb.append(-np.inf)
        row_ub.append(float(cap[i] - n[i]))
        r += 1
    weight = np.array([-share, 1.0 - share, 1.0 - share])
    for i in np.flatnonzero(~g.forced):  # (h' - share n') - big z <= 0
        rows += [r] * (2 * CLASSES + 1)
        cols += [3 * m + c * m + i for c in range(CLASSES)] + [c * m + i for c in range(CLASSES)]
        cols.append(6 * m + i)
        vals += list(weight) + list(-weight) + [-big]
        row_lb.append(-np.inf)
        row_ub.append(float(share * n[i] - h[i]) + EPSILON)
        r += 1
    matrix = csr_array((vals, (rows, cols)), shape=(r, 7 * m))
    zeros = np.zeros(m)
    moves = np.concatenate([np.ones(3 * m), np.zeros(4 * m)])
    very_high = np.concatenate([zeros, zeros, np.ones(m), np.zeros(4 * m)])
    high = np.concatenate([zeros, np.ones(2 * m), np.zeros(4 * m)])
    flagged = np.concatenate([np.zeros(6 * m), np.ones(m)])
    return Model(tiers=[flagged, moves, very_high, high], matrix=matrix,
                 row_lb=np.array(row_lb), row_ub=np.array(row_ub), lb=lb, ub=ub, y_pairs=[],
                 placeable=True, m=m, new_post=False)


def _solve(model: Model, g: Group, time_limit: float) -> tuple[np.ndarray | None, int]:
    """The tiers in strict order: one solve with integer weights, or tier by tier."""
    very = int(g.counts[:, VERY_HIGH].sum() + g.pooled[VERY_HIGH])
    return solve_in_order(model, [g.m, g.n_total, very, g.high_total], time_limit)


def solve_level(g: Group, policy: Policy, time_limit: float,
                movable: np.ndarray | None = None) -> Level | None:
    """The level plan of one group (module docstring), or ``None`` when no receiver can hold
    the RSOs or the solver finds nothing. Groups with RSOs named in an exclusion are left to
    the flag-clearing model (``None``)."""
    if g.sp_ids or not g.receiver.any():
        return None
    share = policy.high_risk_share_limit
    level = group_lowest(g, movable)
    if not math.isfinite(level):
        return None
    if movable is None:  # a spread goes as low as it can; a whole group not below the limit
        level = max(level, level_floor(g, policy))
    cap = capacities(g, level, movable)
    model = _model(g, cap, share, movable)
    x, status = _solve(model, g, time_limit)
    if x is None:
        return None
    m = g.m
    outs = x[: 3 * m].reshape(CLASSES, m).T
    ins = x[3 * m: 6 * m].reshape(CLASSES, m).T
    both = np.minimum(outs, ins)
    flagged = int(x[6 * m:].sum())
    bound = level_bound(g, cap, share, flagged == 0)
    if flagged == 0:
        relax = Model(**{**model.__dict__, "ub": np.where(
            np.arange(7 * m) >= 6 * m, 0.0, model.ub)})
        relaxed = relax.relaxed(model.tiers[1], time_limit)
        if relaxed is not None:
            bound = max(bound, math.ceil(relaxed - 1e-6) + int(g.pooled.sum()))
    solution = Solution(outs - both, ins - both, np.zeros_like(outs), [], [], True, [], 0)
    return Level(solution, level, bound, flagged, status == 0)
