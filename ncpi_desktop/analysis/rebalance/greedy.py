"""The greedy pass: a plan in counts, kept only when it provably meets the bounds.

Each manager sheds only what it must (``out_i`` of ``bounds.lower_bound``), managers left above
the share are fed lower-risk RSOs that have to move anyway, and high-risk RSOs go where there is
high-risk room. When its moves equal the lower bound, its high-risk moves the high-risk bound and
it moves no very-high RSO that did not have to, it is optimal, at a fraction of a solve's cost.
"""

from __future__ import annotations

import math

import numpy as np

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.rebalance.bounds import high_lower_bound, new_post_lower_bound
from ncpi_desktop.analysis.rebalance.model import (
    CLASSES,
    HIGH,
    NON_HIGH,
    VERY_HIGH,
    Group,
    Solution,
)
from ncpi_desktop.domain.policy import Policy


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


def _shed(g: Group) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """What each manager must shed (high-risk RSOs above its high-risk room, then RSOs above
    capacity; all of a leaver's), and its caseload and high-risk count after: (outs, n1, h1).
    ``None`` when that would move a very-high RSO or leave a manager above capacity."""
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
    return outs, n1, h1


def _meets_bounds(g: Group, policy: Policy, outs: np.ndarray, n2: np.ndarray, h2: np.ndarray,
                  bound: int, for_new_post: int, new_post: bool) -> bool:
    """Every staying manager clear (caseload ``n2``, high-risk ``h2`` after), and moves,
    high-risk moves and the new post at their bounds."""
    share = policy.high_risk_share_limit
    clear = (n2 <= g.cap) & (h2 <= share * n2 + EPSILON)
    moves = int(outs.sum() + g.pool.sum())
    high_moves = int(outs[:, HIGH:].sum() + g.pool[HIGH:].sum())
    return bool(clear[~g.forced].all() and moves == bound and high_moves == high_lower_bound(g)
                and for_new_post == (new_post_lower_bound(g, policy) if new_post else 0))


def greedy(g: Group, policy: Policy, bound: int, new_post: bool) -> Solution | None:
    """Each manager sheds only what it must; managers still above the share are fed lower-risk
    RSOs that have to move anyway; high-risk RSOs go where there is high-risk room, helped by
    lower-risk arrivals. With ``new_post``, what does not fit is earmarked for a new post (only
    RSOs that their managers shed: pooled RSOs and leavers' RSOs are placed first).

    The result is kept only when it provably meets the bounds (new post = its bound, moves =
    lower bound, high-risk moves = high-risk bound, no very-high RSO moved that did not have to):
    then it is as good as the solver's answer. Otherwise the solver decides.
    """
    share = policy.high_risk_share_limit
    if g.sp_ids or not 0.0 < share < 1.0 or g.m == 0 or not g.receiver.any():
        return None
    shed = _shed(g)
    if shed is None:
        return None
    outs, n1, h1 = shed
    keep = ~g.forced
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
    shed_kept = np.where(keep[:, None], outs, 0)
    if ((overflow > shed_kept.sum(axis=0)).any()
            or left_high > share * (left_low + left_high) + EPSILON):
        return None
    earmarks = np.stack([_fill(shed_kept[:, c], int(overflow[c]), np.arange(g.m))
                         for c in range(CLASSES)], axis=1)
    ins = np.stack([need + a_high + a_rest, b - b_very_high, b_very_high], axis=1)
    for_new_post = int(overflow.sum())
    n2, h2 = n1 + ins.sum(axis=1), h1 + b
    if _meets_bounds(g, policy, outs, n2, h2, bound, for_new_post, new_post):
        return Solution(outs - earmarks, ins, earmarks, [], [], True, [], for_new_post)
    return None
