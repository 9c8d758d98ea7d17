"""Solving one group: the greedy pass when it provably meets the bounds, else the solver.

Objective, in strict order (integer weights, or one solve per tier when the weights would
outgrow float precision): fewest very-high-risk moves (they stay unless nothing else works),
fewest moves, fewest high-risk moves. When no set of moves clears every flag, a new post as
small as can be; when no number of staff can fix the group's high-risk share, the least excess.
Since issue 13 a group whose flags cannot all clear is levelled instead (``level``), leavers'
RSOs included; a group with RSOs named in an exclusion is levelled on the model above in its
``soft`` form, at the level's capacities (``level_with_exclusions``). The new post and the least
excess remain only where no receiver can hold the RSOs.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.rebalance.assembly import build
from ncpi_desktop.analysis.rebalance.bounds import lower_bound, surely_infeasible
from ncpi_desktop.analysis.rebalance.greedy import greedy
from ncpi_desktop.analysis.rebalance.level import (
    Level,
    capacities,
    group_lowest,
    level_bound,
    level_floor,
    solve_level,
)
from ncpi_desktop.analysis.rebalance.milp import Model, solve_in_order
from ncpi_desktop.analysis.rebalance.model import (
    CLASSES,
    VERY_HIGH,
    Group,
    GroupResult,
    Solution,
)
from ncpi_desktop.domain.policy import Policy

#: Combined objective weights above this are solved tier by tier instead (float precision).


def _lexicographic(model: Model, g: Group, time_limit: float) -> tuple[np.ndarray | None, int]:
    """Minimise the tiers in order (see ``assembly``), ending with very-high moves, moves and
    high-risk moves.

    An optimum never moves an RSO twice, so each tier is at most the group's RSOs (twice that for
    the excess; high-risk moves at most its high-risk RSOs). Integer weights built on those
    maxima order the tiers exactly in one solve; when they would outgrow float precision, the
    tiers are solved one after another instead.
    """
    n_total, high_total = g.n_total, g.high_total
    very_high_total = int(g.counts[:, VERY_HIGH].sum() + g.pooled[VERY_HIGH])
    maxima = [2 * n_total] * (len(model.tiers) - 3) + [very_high_total, n_total, high_total]
    return solve_in_order(model, maxima, time_limit)


def _solution(g: Group, model: Model, x: np.ndarray) -> Solution:
    """The solver's answer as counts, and the named moves of RSOs under an exclusion."""
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
    return Solution(outs - both, ins - both, earmarks, special_moves, special_post,
                    model.placeable, unplaced, for_post, from_pool)


def solve_group(g: Group, policy: Policy, time_limit: float) -> GroupResult:
    """Greedy when it provably meets the bounds; else the solver: without a new post, with one
    (the least caseload it must hold gives the FTE short), or, when even a new post cannot clear
    the high-risk share, with the least excess.
    """
    bound = lower_bound(g, policy)
    if bound == 0:
        return GroupResult(None, 0, None, True, "nothing to do")
    limit = policy.caseload_limit_per_fte
    if not surely_infeasible(g, policy):
        solution = greedy(g, policy, bound, new_post=False)
        if solution is not None:
            return GroupResult(solution, bound, None, True, "greedy pass meets the bounds")
        model = build(g, policy, "hard")
        x, status = _lexicographic(model, g, time_limit)
        if x is not None:
            relaxed = model.relaxed(model.tiers[1], time_limit)  # fewest moves, fractional
            if relaxed is not None:
                bound = max(bound, math.ceil(relaxed - 1e-6) + int(g.pool.sum()))
            return GroupResult(_solution(g, model, x), bound, None, status == 0,
                               _status(status))
    leveled = (solve_level(g, policy, time_limit) if not g.sp_ids
               else level_with_exclusions(g, policy, time_limit))
    if leveled is not None:
        return GroupResult(leveled.solution, bound, fte_short(g, policy, time_limit),
                           leveled.optimal, _level_status(leveled), leveled.level,
                           leveled.bound)
    if g.high_total <= policy.high_risk_share_limit * g.n_total + EPSILON:
        solution = greedy(g, policy, bound, new_post=True)
        if solution is not None:
            return GroupResult(solution, bound, solution.for_new_post / limit, True,
                               "greedy pass meets the bounds, with a new post")
        model = build(g, policy, "new_post")
        x, status = _lexicographic(model, g, time_limit)
        if x is not None:
            solution = _solution(g, model, x)
            return GroupResult(solution, bound, solution.for_new_post / limit, status == 0,
                               _status(status) + ", with a new post")
    model = build(g, policy, "soft")
    x, status = _lexicographic(model, g, time_limit)
    if x is None:
        return GroupResult(None, bound, None, False, _status(status))
    return GroupResult(_solution(g, model, x), bound, None, status == 0,
                       _status(status) + ", least excess (no FTE clears the high-risk share)")


def level_with_exclusions(g: Group, policy: Policy, time_limit: float) -> Level | None:
    """The level plan of a group with RSOs named in an exclusion: the ``soft`` model at the
    capacities of the lowest level (``level.capacities``), a capacity above it weighing more than
    any share excess, then the moves as usual. ``None`` when no receiver can hold the RSOs."""
    level = group_lowest(g)
    if not g.receiver.any() or not math.isfinite(level):
        return None
    level = max(level, level_floor(g, policy))
    cap = capacities(g, level)
    share = policy.high_risk_share_limit
    at_level = replace(g, cap=cap, hmax=np.floor(share * cap + EPSILON).astype(np.int64))
    model = build(at_level, policy, "soft")
    m, first = g.m, model.tiers[0]
    slack = np.flatnonzero(first)  # capacity slacks (m), then share slacks (m)
    heavier = first.copy()
    heavier[slack[:m]] = float(g.n_total + 1)
    model.tiers[0] = heavier
    very_high_total = int(g.counts[:, VERY_HIGH].sum() + g.pooled[VERY_HIGH])
    maxima = [2 * g.n_total * (g.n_total + 2), very_high_total, g.n_total, g.high_total]
    x, status = solve_in_order(model, maxima, time_limit)
    if x is None:
        return None
    share_slack = x[slack[m:]]
    flagged = int((share_slack > 0).sum())
    bound = level_bound(g, cap, share, flagged == 0)
    return Level(_solution(g, model, x), level, bound, flagged, status == 0)


def _level_status(leveled: Level) -> str:
    left = (f"; {leveled.flagged} above the high-risk share (no room)" if leveled.flagged
            else "")
    how = "optimal" if leveled.optimal else "time limit, best found"
    return f"level mode: nobody above {leveled.level:.1f} per FTE ({how}){left}"


def _status(status: int) -> str:
    return {0: "solver: optimal", 1: "solver: time limit, best found"}.get(
        status, f"solver: no solution (status {status})")


def fte_short(g: Group, policy: Policy, time_limit: float) -> float | None:
    """FTE of the smallest new post that would let every flag clear, or None if none would."""
    if g.high_total > policy.high_risk_share_limit * g.n_total + EPSILON:
        return None
    model = build(g, policy, "new_post")
    x, _ = model.solve(model.tiers[0], time_limit)
    return None if x is None else float(model.tiers[0] @ x) / policy.caseload_limit_per_fte
