"""Each move's "why" sentence (issue 13), and each group's levels before and after.

"from OM009, 94.0 per FTE, to OM011, 70.0: levels East; same neighbourhood": both managers'
caseloads per FTE before the proposal, what the move does for its group, and whether the
receiving manager already held RSOs in the RSO's neighbourhood.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.rebalance.model import Register
from ncpi_desktop.analysis.rebalance.nearby import held_neighbourhoods
from ncpi_desktop.analysis.rebalance.outcome import REASON_POOLED
from ncpi_desktop.domain.policy import Policy


def why_sentences(moves: pd.DataFrame, after: pd.DataFrame, register: Register,
                  policy: Policy) -> np.ndarray:
    """One sentence per move (``moves`` as ``order_moves`` returns them)."""
    if not len(moves):
        return np.zeros(0, dtype=object)
    per_fte = after.set_index("manager_id")["per_fte_before"]
    share = after.set_index("manager_id")["high_risk_share_before"]
    source, to = moves["from_manager_id"], moves["to_manager_id"]
    from_fte = source.map(per_fte).to_numpy(float)
    to_fte = to.map(per_fte).to_numpy(float)
    levelled = {register.keys[c] for c in register.level_codes}
    high = moves["risk_level"].isin(["high", "very high", "very_high"]).to_numpy(bool)
    over_share = (source.map(share).to_numpy(float) > policy.high_risk_share_limit) & high
    near = _same_neighbourhood(moves, register)
    out = []
    for k, (f, t, group, reason) in enumerate(zip(source, to, moves["group"], moves["reason"],
                                                  strict=True)):
        start = "pooled" if reason == REASON_POOLED or pd.isna(f) else (
            f"from {f}, {_fmt(from_fte[k])} per FTE")
        if group in levelled:
            does = f"levels {group}"
        elif reason == REASON_POOLED:
            does = f"names a manager in {group}"
        else:
            does = f"clears {group}'s flags"
        extra = "; eases the high-risk share" if over_share[k] else ""
        extra += "; same neighbourhood" if near[k] else ""
        out.append(f"{start}, to {t}, {_fmt(to_fte[k])}: {does}{extra}")
    return np.array(out, dtype=object)


def _fmt(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.1f}"


def _same_neighbourhood(moves: pd.DataFrame, register: Register) -> np.ndarray:
    """Whether the receiving manager held RSOs in the moving RSO's neighbourhood before."""
    held = held_neighbourhoods(register)
    if not held:
        return np.zeros(len(moves), dtype=bool)
    position = dict(zip(register.staff["manager_id"], range(len(register.staff)), strict=True))
    place = moves["rso_id"].map(register.source.drop_duplicates("rso_id")
                                .set_index("rso_id")["neighbourhood"])
    return np.array([(position.get(t, -1), p) in held
                     for t, p in zip(moves["to_manager_id"], place, strict=True)], dtype=bool)


def group_levels(groups: pd.DataFrame, after: pd.DataFrame, lowest: list[float]
                 ) -> pd.DataFrame:
    """``groups`` with the highest per FTE before and after, and the lowest reachable."""
    staying = after[~after["leaving_or_absent"].to_numpy(bool)]
    before = after.groupby("group")["per_fte_before"].max()
    after_max = staying.groupby("group")["per_fte"].max()
    out = groups.copy()
    out["highest_per_fte_before"] = out["group"].map(before).astype(float)
    out["highest_per_fte_after"] = out["group"].map(after_max).astype(float)
    out["lowest_reachable"] = np.asarray(lowest, dtype=float)
    return out
