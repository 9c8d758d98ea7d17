"""The proposal: ``propose`` runs the steps over every group, ``Proposal`` holds the result, and
``proposal_to_json`` is the ``rebalance --json`` document."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.caseload import rso_caseload
from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.flags import python_value
from ncpi_desktop.analysis.rebalance.budget import curve, reach, solve_within, surely_over
from ncpi_desktop.analysis.rebalance.leaving import spread_group
from ncpi_desktop.analysis.rebalance.level import group_lowest
from ncpi_desktop.analysis.rebalance.model import (
    GroupResult,
    Register,
    Scope,
    exclusion_pairs,
    prepare,
)
from ncpi_desktop.analysis.rebalance.outcome import (
    after_frame,
    groups_frame,
    left_behind,
    order_moves,
)
from ncpi_desktop.analysis.rebalance.placement import assemble
from ncpi_desktop.analysis.rebalance.solve import fte_short, solve_group
from ncpi_desktop.analysis.rebalance.why import group_levels, why_sentences
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.snapshot import Snapshot


@dataclass(frozen=True)
class Proposal:
    """Moves that clear every flag (or as many as can be cleared), with the figures around them.

    ``moves``: one row per RSO, in the order to apply them (pooled first, then leavers and
    absences, exclusions, balancing), with ``from_*``/``to_*`` caseload, per FTE and high-risk share
    of both managers just before and just after that move (``_before``/``_after``), and ``why``:
    what the move does ("from OM009, 94.0 per FTE, to OM011, 70.0: levels East").
    ``after``: one row per manager in scope, before and after the whole proposal, with the flags
    after it. ``groups``: one row per BCU or team (moves, lower bound, feasible, FTE short, how it
    was solved; ``level_mode`` when its flags could not all clear and it was levelled, the
    ``highest_per_fte_before``/``_after``, the ``lowest_reachable`` and ``moves_lower_bound``,
    the bound on the moves of what was proposed).
    ``unplaced``: RSOs that must move but that no manager in scope may hold.
    ``for_new_post``: where flags cannot all clear, the RSOs the plan gives a new post of
    ``fte_short`` FTE; they stay with their manager (rso_id, manager_id, risk_level, group) until
    it is filled.
    ``left_behind``: custody, abroad or missing RSOs of leaving or absent managers, which the
    proposal does not move (they do not count in a caseload).
    ``max_moves``: the budget of moves per group asked for (``None``: no limit); a group whose
    plan needed more has ``limited`` set and its plan stops at the level the budget reaches
    (``clearable`` when, without the limit, its flags would all clear).
    ``curve``: moves (per group) against the highest caseload per FTE they can reach over the
    groups (``budget.curve``), from no move to the moves the lowest reachable level needs.
    """

    scope: Scope
    moves: pd.DataFrame
    after: pd.DataFrame
    groups: pd.DataFrame
    unplaced: pd.DataFrame
    for_new_post: pd.DataFrame
    left_behind: pd.DataFrame
    policy: Policy = field(repr=False)
    max_moves: int | None = None
    curve: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"moves": pd.Series(dtype=int), "highest_per_fte": pd.Series(dtype=float)}))

    @property
    def lower_bound(self) -> int:
        return int(self.groups["lower_bound"].sum()) if len(self.groups) else 0

    @property
    def levelled(self) -> bool:
        """Whether a group's flags could not all clear and it was levelled instead."""
        return bool(self.groups["level_mode"].any()) if len(self.groups) else False

    @property
    def feasible(self) -> bool:
        return bool(self.groups["feasible"].all()) if len(self.groups) else True

    @property
    def fte_short(self) -> dict[str, float | None]:
        """Per infeasible group: missing FTE, or ``None`` when no number of staff can fix it
        (not a group whose flags would all clear but for ``max_moves``: ``clearable``)."""
        short = self.groups[~self.groups["feasible"] & ~self.groups["clearable"]]
        return {str(label): (None if pd.isna(value) else float(value))
                for label, value in zip(short["group"], short["fte_short"], strict=True)}


def propose(source: Figures | Snapshot, *, scope: Scope = "bcu", bcu: str | None = None,
            team: str | None = None,
            exclusions: Iterable[tuple[str, str]] | pd.DataFrame = (),
            leaving: Iterable[str] = (), absent: Iterable[str] = (),
            allocated_on: pd.Series | Mapping[str, Any] | None = None,
            policy: Policy | None = None, time_limit: float = 10.0,
            spread: bool | Collection[str] = False,
            max_moves: int | None = None) -> Proposal:
    """Propose moves that clear every caseload flag of each BCU (or team) with the fewest moves.

    ``bcu``/``team`` restrict the proposal to one BCU or team; naming a team implies
    ``scope="team"``. ``exclusions`` are (manager_id, rso_id) pairs: that manager may not hold that
    RSO. ``leaving``/``absent`` managers end with no community RSOs. ``allocated_on`` (rso_id ->
    date the current allocation began) lets continuity move the newest allocations first.
    ``time_limit`` is per solve, in seconds; a group that hits it keeps the best moves found.
    ``spread``: only the leaving and absent managers' RSOs move (only those named, given ids),
    levelled over the group, pooled RSOs staying pooled (``leaving.spread_group``, issue 13).
    ``max_moves``: at most that many moves in each group, for the lowest highest per FTE they
    can reach (``budget.solve_within``); not with ``spread``.
    Raises ``ValueError`` for a BCU or team with no active manager and no pooled RSO, or for
    ``max_moves`` below 0 or with ``spread``.
    """
    if max_moves is not None and (max_moves < 0 or spread):
        raise ValueError("max_moves must be 0 or more, and does not go with spread")
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
    pairs = exclusion_pairs(exclusions)
    since = pd.Series(allocated_on) if isinstance(allocated_on, Mapping) else allocated_on
    register = prepare(rsos, managers, policy, scope, bcu, team, pairs, going, since)
    if not register.keys and (bcu is not None or team is not None):
        named = f"team {team!r}" if team is not None else f"BCU {bcu!r}"
        raise ValueError(f"No active manager or pooled RSO in {named}")
    register.recent_since = (snapshot.as_at_ts
                             - pd.DateOffset(months=policy.rebalance_keep_recent_months))
    if spread:
        register.spread = going if spread is True else set(spread)
    results = _solve_groups(register, policy, time_limit, max_moves)
    by_position, unplaced, for_new_post = assemble(register, results)

    moves, moved_rows = order_moves(by_position, register, pairs, leaving_set, absent_set)
    after = after_frame(register, moves, moved_rows, managers, policy, going)
    group_rows = [{"group": g.key, "lower_bound": r.lower_bound, "fte_short": r.fte_short,
                   "optimal": r.optimal, "status": r.status}
                  for g, r in zip(register.groups, results, strict=True)]
    groups = groups_frame(group_rows, moves, after, register, pairs)
    moves["why"] = why_sentences(moves, after, register, policy)
    groups = _with_levels(groups, after, register, results)
    groups["limited"] = [r.budget_level is not None for r in results]
    groups["clearable"] = groups["limited"] & np.array([r.level is None for r in results])
    for row in np.flatnonzero(~groups["feasible"].to_numpy(bool) & ~groups["clearable"]
                              & groups["fte_short"].isna().to_numpy(bool)):
        # The plan failed the flag check (rounding at a limit): still say what is short.
        groups.at[row, "fte_short"] = fte_short(register.groups[row], policy, time_limit)
    points = [] if spread else curve([reach(g, policy) for g in register.groups])
    return Proposal(scope=scope, moves=moves, after=after, groups=groups, unplaced=unplaced,
                    for_new_post=for_new_post,
                    left_behind=left_behind(rsos, register.staff, going), policy=policy,
                    max_moves=max_moves, curve=pd.DataFrame(
                        {"moves": pd.Series([n for n, _ in points], dtype=int),
                         "highest_per_fte": pd.Series([v for _, v in points], dtype=float)}))


def _solve_groups(register: Register, policy: Policy, time_limit: float,
                  max_moves: int | None) -> list[GroupResult]:
    """Each group's plan: the flag-clearing or level plan, or the spread plan of the managers
    in ``register.spread``; then held to ``max_moves`` if given. Records the levelled groups
    and those the budget held in ``register``."""
    if register.spread is not None:
        solve = partial(spread_group, spread=register.spread)
    else:
        solve = solve_group
    if max_moves is None:
        results = [solve(g, policy, time_limit) for g in register.groups]
    else:  # a group surely over the budget is not solved without it first
        results = []
        for g in register.groups:
            over = surely_over(g, policy, time_limit, max_moves)
            usual = over if over is not None else solve(g, policy, time_limit)
            results.append(solve_within(g, usual, policy, time_limit, max_moves,
                                        over is not None))
        register.limited_codes = {g.code for g, r in zip(register.groups, results, strict=True)
                                  if r.budget_level is not None}
    register.level_codes = {g.code for g, r in zip(register.groups, results, strict=True)
                            if r.level is not None or r.budget_level is not None}
    return results


def _with_levels(groups: pd.DataFrame, after: pd.DataFrame, register: Register,
                 results: list[GroupResult]) -> pd.DataFrame:
    """Per group: level mode or not, the lowest reachable level, the highest per FTE before and
    after, and the lower bound on the moves of what was proposed."""
    lowest = [r.level if r.level is not None  # a spread plan's floor: where colleagues stand
              else group_lowest(g) if g.fte is not None else np.nan
              for g, r in zip(register.groups, results, strict=True)]
    out = group_levels(groups, after, lowest)
    out["level_mode"] = [r.level is not None for r in results]
    out["moves_lower_bound"] = [r.moves_bound if r.moves_bound is not None else r.lower_bound
                                for r in results]
    return out


def level_summary(proposal: Proposal) -> str | None:
    """One sentence on the highest caseload per FTE: now, after the proposal, and the lowest
    reachable (with what a budget of moves reached, if one was set); ``None`` when no group is
    levelled, spread or held to a budget."""
    g = proposal.groups
    if not len(g) or not (g["level_mode"].any() or g["limited"].any()):
        return None
    before, after = g["highest_per_fte_before"].max(), g["highest_per_fte_after"].max()
    lowest = g["lowest_reachable"].max()
    each = " in each group" if len(g) > 1 else ""
    if g["limited"].any():
        curve = proposal.curve
        needs = int(curve["moves"].iat[-1]) if len(curve) else 0
        best = float(curve["highest_per_fte"].iat[-1]) if len(curve) else lowest
        return (f"Within {proposal.max_moves} move(s){each}: nobody above {after:.1f} per FTE "
                f"(now {before:.1f}). With no limit: {best:.1f} per FTE, with at least "
                f"{needs} move(s){each}.")
    return (f"Highest caseload {before:.1f} per FTE now, {after:.1f} after these moves "
            f"(the lowest reachable is {lowest:.1f}).")


def _number(value: Any) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def _level_keys(proposal: Proposal) -> dict[str, Any]:
    """The level keys (issue 13): overall and per group."""
    g = proposal.groups
    groups = [{"group": python_value(row.group), "level_mode": bool(row.level_mode),
               "limited_by_max_moves": bool(row.limited), "moves": int(row.moves),
               "highest_per_fte_before": _number(row.highest_per_fte_before),
               "highest_per_fte_after": _number(row.highest_per_fte_after),
               "lowest_reachable": _number(row.lowest_reachable),
               "moves_lower_bound": int(row.moves_lower_bound)}
              for row in g.itertuples(index=False)]
    points = [{"moves": int(n), "highest_per_fte": _number(v)}
              for n, v in zip(proposal.curve["moves"], proposal.curve["highest_per_fte"],
                              strict=True)]
    return {"highest_per_fte_before": _number(g["highest_per_fte_before"].max()),
            "highest_per_fte_after": _number(g["highest_per_fte_after"].max()),
            "lowest_reachable": _number(g["lowest_reachable"].max()),
            "moves_lower_bound": int(g["moves_lower_bound"].sum()), "groups": groups,
            "max_moves": proposal.max_moves, "curve": points}


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
    short = {k: (None if v is None else round(v, 4)) for k, v in proposal.fte_short.items()}
    document = {"moves": moves, "lower_bound": proposal.lower_bound,
                "feasible": proposal.feasible, "fte_short": short, "after": after}
    for move, why in zip(moves, proposal.moves["why"], strict=True):  # issue 13's keys
        move["why"] = python_value(why)
    document.update(_level_keys(proposal))
    return document
