"""Lower bounds on what any flag-clearing plan of one group needs.

``lower_bound`` (moves), per group, with ``P`` pooled RSOs and for each manager ``i`` holding ``n``
community RSOs of which ``h`` high or very high, capacity ``C = floor(limit x fte)``, high-risk
room ``Hmax = floor(share_limit x C)``, and ``f`` RSOs it may not keep (exclusions):

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

import math

import numpy as np

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.rebalance.model import HIGH, Group
from ncpi_desktop.domain.policy import Policy


def lower_bound(g: Group, policy: Policy) -> int:
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


def high_lower_bound(g: Group) -> int:
    """High-risk moves any flag-clearing plan needs: pooled, leavers', and above ``Hmax``."""
    h = g.counts[:, HIGH:].sum(axis=1)
    return int(g.pooled[HIGH:].sum() + np.where(g.forced, h, np.maximum(h - g.hmax, 0)).sum())


def new_post_lower_bound(g: Group, policy: Policy) -> int:
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


def surely_infeasible(g: Group, policy: Policy) -> bool:
    """Cheap necessary conditions, to skip a solve that cannot succeed."""
    n = g.counts.sum(axis=1)
    must_move = g.pooled.sum() + n[g.forced].sum()
    return bool(new_post_lower_bound(g, policy) > 0
                or g.high_total > policy.high_risk_share_limit * g.n_total + EPSILON
                or (not g.receiver.any() and must_move > 0))
