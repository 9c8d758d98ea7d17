"""Best relief within a number of moves (issue 13, part 2): ``rebalance --max-moves N``.

**The level a budget reaches** (``Reach``). With integer caseloads, "nobody above ``L`` per FTE"
means manager ``i`` holds at most ``C_i = floor(L x fte_i)``, and any plan needs at least
``must + sum_i max(0, n_i - C_i)`` moves: the group's pooled RSOs and those of managers who must
empty (``must``), and what each manager the level counts (receivers, and a supervisor holding
RSOs: ``level.sheds``) holds above ``C_i``. That many is also enough whenever
``L`` is at or above the lowest reachable level (the capacities then hold everything), so the
lowest level reachable with ``N >= must`` moves is exact and needs no solver: think of each RSO
a receiver holds as a slot worth ``j / fte_i`` (its ``j``-th RSO); the ``N - must`` slots of
highest worth leave, and the level is the worth of the next one (or the lowest reachable level,
if higher). With fewer than ``must`` moves every one names a manager for a pooled (or a
leaver's) RSO, where that raises the highest per FTE least. A budget never levels below the
limit (``Policy.caseload_limit_per_fte``): below it nobody is flagged for their caseload
(``level.level_floor``, the same floor as the level plan's).

**The curve** (``curve``): that level for 0, 10, 20, 50, 100, ... moves up to the moves the
lowest level needs, the highest over the groups (each group has the budget: "each BCU on its
own"); a point where naming pooled RSOs raises the level above a later one is left out.

**The plan** for a group whose usual plan needs more than ``N`` moves (``solve_within``): the
level model (``level._model``) at the capacities of the level the budget reaches, with one more
row, ``moves <= N``; pooled and leavers' RSOs may stay where they are, and in strict order it
minimises those left unplaced, the managers left above the high-risk share, the moves, the
very-high-risk moves and the high-risk moves. RSOs named in an exclusion stay where they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.rebalance.level import (
    _model,
    capacities,
    group_lowest,
    level_floor,
    sheds,
)
from ncpi_desktop.analysis.rebalance.milp import Model, solve_in_order
from ncpi_desktop.analysis.rebalance.model import CLASSES, VERY_HIGH, Group, GroupResult, Solution
from ncpi_desktop.domain.policy import Policy

#: Budgets the curve is drawn at (then x10, x100, ...), below the moves the lowest level needs.
STEPS = (10, 20, 50)


@dataclass
class Reach:
    """What budgets buy in one group (module docstring)."""

    must: int  # pooled and leavers' RSOs to name before any levelling
    slots: np.ndarray  # worth of each RSO a counted manager may shed, highest first
    lowest: float  # lowest level reachable with every pooled and leaver's RSO named
    start: float  # highest per FTE now among the managers the level counts
    clip: float  # a budget never levels below this: ``level.level_floor``
    held: np.ndarray  # RSOs each counted manager holds (receivers and ``level.sheds``)
    fte: np.ndarray  # each counted manager's FTE
    takes: np.ndarray  # whether each counted manager may receive

    def raw_level(self, budget: int) -> float:
        """The lowest highest per FTE reachable with ``budget`` moves (no limit clip)."""
        if budget < self.must:
            return self._fill(budget)
        shed = budget - self.must
        above = float(self.slots[shed]) if shed < len(self.slots) else -math.inf
        return max(self.lowest, above)

    def level(self, budget: int) -> float:
        """What the curve shows: ``raw_level`` never below the limit (or today's highest)."""
        return max(self.raw_level(budget), self.clip)

    @property
    def moves_to_lowest(self) -> int:
        """The moves the lowest level needs (caseloads only)."""
        return self.moves_at(max(self.lowest, self.clip))

    def moves_at(self, level: float) -> int:
        """The moves any plan needs for nobody above ``level`` per FTE (a lower bound)."""
        return self.must + int((self.slots > level + EPSILON).sum())

    def _fill(self, placed: int) -> float:
        """Naming ``placed`` pooled (or leavers') RSOs, nobody shedding: the least level."""
        level = self.start
        if placed <= 0 or not self.takes.any():
            return level
        while True:
            room = np.where(self.takes, np.maximum(
                np.floor(level * self.fte + EPSILON) - self.held, 0), 0).sum()
            if room >= placed:
                return float(level)
            cap = np.maximum(np.floor(level * self.fte + EPSILON), self.held)
            level = float(((cap + 1) / self.fte).min())


def reach(g: Group, policy: Policy) -> Reach:
    """The group's ``Reach``: its slots, what must move, its lowest level and where it starts."""
    fte = g.fte if g.fte is not None else np.ones(g.m)
    n = g.counts.sum(axis=1)
    movable = g.agg.sum(axis=1)
    counted = g.receiver | sheds(g)
    staffed = counted & (fte > EPSILON)
    idle = counted & ~staffed  # no FTE: everything it holds must leave
    must = int(g.pool.sum() + movable[g.forced | idle].sum())
    held, worth = n[staffed], fte[staffed]
    start = float((held / worth).max()) if len(held) else 0.0
    lowest = group_lowest(g)
    stuck = (n - movable)[staffed]  # RSOs named in an exclusion stay where they are
    if len(held):
        lowest = max(lowest, float((stuck / worth).max()))
    slots = [np.arange(s + 1, h + 1) / f for h, s, f in zip(held, stuck, worth, strict=True)
             if h / f > lowest + EPSILON]
    flat = np.sort(np.concatenate(slots))[::-1] if slots else np.zeros(0)
    flat = flat[flat > lowest + EPSILON]
    return Reach(must=must, slots=flat, lowest=float(lowest), start=start,
                 clip=level_floor(g, policy), held=held, fte=worth, takes=g.receiver[staffed])


def budgets_up_to(top: int) -> list[int]:
    """0, 10, 20, 50, 100, 200, 500, ... below ``top``, then ``top``."""
    out, scale = [0], 1
    while True:
        for step in STEPS:
            if step * scale >= top:
                return [*out, top] if top > 0 else out
            out.append(step * scale)
        scale *= 10


def curve(reaches: list[Reach]) -> list[tuple[int, float]]:
    """(moves per group, highest per FTE over the groups) at each budget of ``budgets_up_to``.

    A budget smaller than a group's pooled (and leavers') RSOs only names managers for some of
    them, which can raise the highest per FTE; such a point, lower than one with more moves, is
    left out, so that the curve never rises and ends at the lowest level."""
    usable = [r for r in reaches if math.isfinite(r.lowest)]
    if not usable:
        return []
    top = max(r.moves_to_lowest for r in usable)
    points = [(budget, max(r.level(budget) for r in usable)) for budget in budgets_up_to(top)]
    kept: list[tuple[int, float]] = []
    for budget, level in reversed(points):
        if not kept or level >= kept[-1][1] - EPSILON:
            kept.append((budget, level))
    return kept[::-1]


def moves_of(result: GroupResult) -> int:
    """The moves a group's plan makes: every one arrives at one manager."""
    sol = result.solution
    return 0 if sol is None else int(sol.ins.sum() + len(sol.special_moves))


def surely_over(g: Group, policy: Policy, time_limit: float, budget: int) -> GroupResult | None:
    """For a group whose usual plan surely needs more than ``budget`` moves, what
    ``solve_group`` says of it but its plan (bounds, FTE short, lowest level), without solving
    it, since the plan within the budget replaces it; ``None`` otherwise. Surely: its level
    plan needs at least ``Reach.moves_to_lowest`` moves, and its flag-clearing plan at least
    ``bounds.lower_bound`` (a group surely short of managers has none)."""
    from ncpi_desktop.analysis.rebalance.bounds import lower_bound, surely_infeasible
    from ncpi_desktop.analysis.rebalance.solve import fte_short

    if not g.receiver.any():
        return None
    r = reach(g, policy)
    bound = lower_bound(g, policy)
    short = surely_infeasible(g, policy)
    if not math.isfinite(r.lowest) or budget >= r.moves_to_lowest or (
            not short and budget >= bound):
        return None
    if not short:  # levelled or not, its plan is the budget's
        return GroupResult(None, bound, None, True, "")
    level = max(r.lowest, r.clip)  # what the level plan would reach (``level.solve_level``)
    return GroupResult(None, bound, fte_short(g, policy, time_limit), True, "",
                       level if math.isfinite(level) else None)


def solve_within(g: Group, result: GroupResult, policy: Policy, time_limit: float,
                 budget: int, over: bool = False) -> GroupResult:
    """``result`` when it makes at most ``budget`` moves (unless known ``over`` them: see
    ``surely_over``), else the best plan within them."""
    if not over and moves_of(result) <= budget:
        return result
    r = reach(g, policy)
    if not math.isfinite(r.lowest):
        return GroupResult(None, result.lower_bound, result.fte_short, True,
                           "no receiver: nothing moves", result.level, 0)
    level = r.level(budget)
    every = budget >= r.must  # the budget names every pooled and leaver's RSO
    model = _budget_model(g, level, policy.high_risk_share_limit, budget, every)
    very = int(g.counts[:, VERY_HIGH].sum() + g.pooled[VERY_HIGH])
    maxima = [g.m, g.n_total, very, g.high_total]
    x, status = solve_in_order(model, maxima if every else [r.must, *maxima], time_limit)
    if x is None:
        return GroupResult(None, result.lower_bound, result.fte_short, False,
                           f"within {budget} moves: no solution (status {status})",
                           result.level, 0)
    m = g.m
    outs = x[: 3 * m].reshape(CLASSES, m).T
    ins = x[3 * m: 6 * m].reshape(CLASSES, m).T
    both = np.minimum(outs, ins)
    placed = np.maximum(ins.sum(axis=0) - outs.sum(axis=0), 0)
    solution = Solution(outs - both, ins - both, np.zeros_like(outs), [], [], False, [], 0,
                        pool_quota=placed)
    flagged = int(x[6 * m: 7 * m].sum())
    left = f"; {flagged} above the high-risk share" if flagged else ""
    how = "optimal" if status == 0 else "time limit, best found"
    text = (f"within {budget} moves: nobody above {max(level, 0.0):.1f} per FTE "
            f"(lowest reachable {r.lowest:.1f}) ({how}){left}")
    return GroupResult(solution, result.lower_bound, result.fte_short, status == 0, text,
                       result.level, min(budget, r.moves_at(level)), budget_level=level)


def _budget_model(g: Group, level: float, share: float, budget: int, every: bool) -> Model:
    """The level model at ``level``'s capacities with ``moves <= budget``; unless ``every``
    pooled and leaver's RSO is named within it, they are free to stay and "left unplaced" comes
    first among the objectives (one more tier: the solver then works tier by tier)."""
    from scipy.sparse import csr_array, vstack

    m = g.m
    cap = capacities(g, level)
    base = _model(g, cap, share, None)
    lb, ub = base.lb.copy(), base.ub.copy()
    agg = g.agg.T.astype(float)
    ub[: 3 * m] = agg.ravel()  # RSOs named in an exclusion stay
    lb[: 3 * m] = np.where(g.forced[None, :], agg, 0.0).ravel() if every else 0.0
    row_lb, row_ub = base.row_lb.copy(), base.row_ub.copy()
    row_lb[:CLASSES] = g.pool.astype(float) if every else 0.0  # else pooled RSOs may stay
    row_ub[:CLASSES] = g.pool.astype(float)
    arrivals = np.zeros(7 * m)
    arrivals[3 * m: 6 * m] = 1.0
    matrix = vstack([base.matrix, csr_array(arrivals[None, :])]).tocsr()
    unplaced = np.zeros(7 * m)  # const - arrivals + departures of those who stay
    unplaced[3 * m: 6 * m] = -1.0
    unplaced[: 3 * m] = np.tile(np.where(g.forced, 0.0, 1.0), CLASSES)
    return Model(tiers=base.tiers if every else [unplaced, *base.tiers], matrix=matrix,
                 row_lb=np.append(row_lb, -np.inf), row_ub=np.append(row_ub, float(budget)),
                 lb=lb, ub=ub, y_pairs=[], placeable=True, m=m, new_post=False)
