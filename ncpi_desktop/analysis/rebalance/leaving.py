"""A manager leaving or absent (issue 13, part 3): only their RSOs move, levelled.

One group's plan is the level plan (``level.solve_level``) with ``movable`` set to the managers
who must end with no community RSOs (only those named, with ``spread``: other absent managers
keep theirs, and pooled RSOs stay pooled, so that the proposal is exactly what applying the
leaving or absence does): everyone else keeps what they hold, the leaver's RSOs go
where the highest caseload per FTE afterwards is as low as it can be (never below where the
colleagues already stand), and high-risk ones are spread so that as few receivers as can be end
above the high-risk share. A group the level plan cannot take (an RSO named in an exclusion, no
receiver) keeps the flag-clearing way (``solve.solve_group``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.rebalance.level import solve_level
from ncpi_desktop.analysis.rebalance.model import Group, GroupResult
from ncpi_desktop.analysis.rebalance.solve import solve_group
from ncpi_desktop.domain.enums import Role
from ncpi_desktop.domain.policy import Policy


def spread_scope(managers: pd.DataFrame, manager_id: str, away: Iterable[str] = ()
                 ) -> tuple[str, str | None]:
    """(BCU, team) a leaving or absent manager's RSOs spread over: their team, when another
    active offender manager of it (not ``away``) can take them; else their whole BCU."""
    row = managers[managers["manager_id"] == manager_id].iloc[0]
    bcu, team = str(row["bcu"]), row["team"]
    colleagues = managers[(managers["team"] == team) & managers["active"].astype(bool)
                          & (managers["role"] == Role.OFFENDER_MANAGER)
                          & ~managers["manager_id"].isin([manager_id, *away])]
    return (bcu, str(team)) if pd.notna(team) and len(colleagues) else (bcu, None)


def only_theirs(g: Group, spread: Collection[str]) -> Group:
    """``g`` as the spread plan sees it: only the ``spread`` managers must empty; other absent
    managers keep what they hold (and receive nothing); pooled RSOs stay pooled."""
    forced = g.forced & np.isin(g.managers, list(spread))
    none = np.zeros_like(g.pooled)
    return replace(g, forced=forced, pool=none, pooled=none)


def spread_group(g: Group, policy: Policy, time_limit: float,
                 spread: Collection[str] | None = None) -> GroupResult:
    """The group's plan when a leaving or absent manager's RSOs are spread over colleagues
    (only those of ``spread``, when named; pooled RSOs stay where they are)."""
    if spread is not None:
        g = only_theirs(g, spread)
    if not g.forced.any():
        return GroupResult(None, 0, None, True, "nothing to do")
    leveled = solve_level(g, policy, time_limit, movable=g.forced)
    if leveled is None:
        return solve_group(g, policy, time_limit)
    how = "optimal" if leveled.optimal else "time limit, best found"
    left = (f"; {leveled.flagged} above the high-risk share (no room)" if leveled.flagged
            else "")
    status = f"spread: nobody above {leveled.level:.1f} per FTE ({how}){left}"
    return GroupResult(leveled.solution, leveled.bound, None, leveled.optimal, status,
                       leveled.level, leveled.bound)
