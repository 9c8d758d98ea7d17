"""What the solver works on: the register split into groups (a BCU or a team), counted per
manager and risk class, and the answer for one group in counts.

``prepare`` builds it with whole-frame operations (no loop over RSOs); the only per-RSO work is
for RSOs named in an exclusion, which get their own variables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.domain.enums import Role
from ncpi_desktop.domain.policy import Policy

Scope = Literal["bcu", "team"]

#: Risk classes of the model: interchangeable within a class, as far as the limits go.
NON_HIGH, HIGH, VERY_HIGH = 0, 1, 2
CLASSES = 3


@dataclass
class Group:
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
    fte: np.ndarray | None = None  # FTE per manager

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
class Solution:
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
    #: (3,) pooled RSOs named, per class, when not all are (a plan within a budget of moves)
    pool_quota: np.ndarray | None = None


@dataclass
class GroupResult:
    """One group's answer (``None``: nothing to do, or no solution), bound and how it was found.
    ``lower_bound`` bounds the moves that clear every flag (as before issue 13); in level mode
    ``level`` is the lowest highest-per-FTE reachable and ``moves_bound`` bounds its moves."""

    solution: Solution | None
    lower_bound: int
    fte_short: float | None
    optimal: bool
    status: str
    level: float | None = None
    moves_bound: int | None = None  # level mode: lower bound on the level plan's moves
    budget_level: float | None = None  # within --max-moves: the level that budget reaches


@dataclass
class Register:
    """The in-scope managers and community RSOs, register-wide, with their groups."""

    source: pd.DataFrame  # the ``rso_caseload`` frame
    staff: pd.DataFrame  # active managers in scope, sorted by group then id; row = position
    rsos: pd.DataFrame  # community RSOs in scope: row (in source), holder, code, cls, ...
    staff_team: np.ndarray  # team code per manager position, as ``rsos["team"]``
    counts: np.ndarray  # (managers, 3) community RSOs held, by class
    keys: list[str]
    groups: list[Group]
    going: set[str]  # leaving or absent managers
    allocated_on: pd.Series | None
    recent_since: pd.Timestamp | None = None  # allocations since then stay where they are
    level_codes: set[int] = field(default_factory=set)  # groups solved in level mode
    #: groups whose plan stops at a budget of moves: pooled and leavers' RSOs may stay
    limited_codes: set[int] = field(default_factory=set)
    #: with ``propose(spread=...)``: the managers whose RSOs alone move; pooled RSOs stay
    spread: set[str] | None = None


def exclusion_pairs(exclusions: Iterable[tuple[str, str]] | pd.DataFrame) -> pd.DataFrame:
    """(manager_id, rso_id) pairs as a frame without duplicates."""
    if isinstance(exclusions, pd.DataFrame):
        frame = exclusions[["manager_id", "rso_id"]]
    else:
        frame = pd.DataFrame(list(exclusions), columns=["manager_id", "rso_id"])
    return frame.astype(object).drop_duplicates().reset_index(drop=True)


def _group_keys(frame: pd.DataFrame, scope: Scope) -> pd.Series:
    return frame["bcu" if scope == "bcu" else "team"]


def _staff_in_scope(managers: pd.DataFrame, scope: Scope, bcu: str | None,
                    team: str | None) -> pd.DataFrame:
    """Active managers of the BCU or team asked for (all if none), with their group."""
    active = managers[managers["active"].to_numpy(bool)].copy()
    active["group"] = _group_keys(active, scope)
    if bcu is not None:
        active = active[active["bcu"] == bcu]
    if team is not None:
        active = active[active["team"] == team]
    return active[active["group"].notna()]


def _pooled_in_scope(rsos: pd.DataFrame, scope: Scope, bcu: str | None, team: str | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pooled community RSOs in scope: their rows, groups and teams."""
    pooled_rows = np.flatnonzero(rsos["is_community"].to_numpy(bool)
                                 & ~rsos["named"].to_numpy(bool))
    pooled = rsos.iloc[pooled_rows]
    pool_group = _group_keys(pooled, scope)
    if bcu is not None:
        pool_group = pool_group.where(pooled["bcu"] == bcu)
    if team is not None:
        pool_group = pool_group.where(pooled["team"] == team)
    pool_group = pool_group.to_numpy(object)
    in_scope = pd.notna(pool_group)
    pooled_team = pooled["team"].to_numpy(object)[in_scope]
    return pooled_rows[in_scope], pool_group[in_scope], pooled_team


def _excluded_from(exclusions: pd.DataFrame) -> dict[str, set[str]]:
    """rso_id -> the managers who may not hold that RSO."""
    excluded_from: dict[str, set[str]] = {}
    for manager_id, rso_id in zip(exclusions["manager_id"], exclusions["rso_id"], strict=True):
        excluded_from.setdefault(rso_id, set()).add(manager_id)
    return excluded_from


def _community_rsos(rsos: pd.DataFrame, staff: pd.DataFrame, position: pd.Series,
                    pooled: tuple[np.ndarray, np.ndarray, np.ndarray], code_of: dict[str, int],
                    excluded_from: dict[str, set[str]]) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per community RSO in scope (held ones first, then pooled): its row in ``rsos``,
    holder position (-1: pooled), group code, class, whether it is named in an exclusion, team
    code; and the team code of each manager position."""
    pooled_rows, pool_group, pooled_team = pooled
    community = rsos["is_community"].to_numpy(bool)
    holder_all = rsos["manager_id"].map(position).to_numpy(float)
    held_rows = np.flatnonzero(community & rsos["named"].to_numpy(bool) & ~np.isnan(holder_all))
    rows = np.concatenate([held_rows, pooled_rows])
    holder = np.concatenate([holder_all[held_rows].astype(np.int64),
                             np.full(len(pooled_rows), -1, dtype=np.int64)])
    n_staff = len(staff)
    staff_code = staff["code"].to_numpy(np.int64)
    team_codes, _ = pd.factorize(np.concatenate([staff["team"].to_numpy(object), pooled_team]))
    staff_team, pooled_team_code = team_codes[:n_staff], team_codes[n_staff:]  # -1: no team
    held = holder >= 0
    cls = (rsos["is_high"].to_numpy(bool)[rows] * HIGH
           + rsos["is_very_high"].to_numpy(bool)[rows] * VERY_HIGH).astype(np.int64)
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
    return frame, staff_team


def _class_counts(frame: pd.DataFrame, n_staff: int, n_groups: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """RSOs held per manager and class (all; not named in an exclusion), and pooled RSOs per
    group and class (all; not named in an exclusion)."""
    holder, cls = frame["holder"].to_numpy(), frame["cls"].to_numpy()
    codes = frame["code"].to_numpy()
    held, plain = holder >= 0, ~frame["special"].to_numpy(bool)
    counts = np.zeros((n_staff, CLASSES), dtype=np.int64)
    np.add.at(counts, (holder[held], cls[held]), 1)
    agg = np.zeros((n_staff, CLASSES), dtype=np.int64)
    np.add.at(agg, (holder[held & plain], cls[held & plain]), 1)
    pooled_counts = np.zeros((n_groups, CLASSES), dtype=np.int64)
    np.add.at(pooled_counts, (codes[~held], cls[~held]), 1)
    pool = np.zeros((n_groups, CLASSES), dtype=np.int64)
    np.add.at(pool, (codes[~held & plain], cls[~held & plain]), 1)
    return counts, agg, pooled_counts, pool


def _split(keys: list[str], staff: pd.DataFrame, policy: Policy, going: set[str],
           frame: pd.DataFrame) -> tuple[list[Group], np.ndarray]:
    """One ``Group`` per key: capacity, high-risk room, who may receive and who must empty,
    and the counts of its managers and pool. Also returns the register-wide counts."""
    n_staff, n_groups = len(staff), len(keys)
    counts, agg, pooled_counts, pool = _class_counts(frame, n_staff, n_groups)
    limit, share = policy.caseload_limit_per_fte, policy.high_risk_share_limit
    fte = staff["fte"].to_numpy(float)
    cap = np.floor(limit * fte + EPSILON).clip(min=0).astype(np.int64)
    hmax = np.floor(share * cap + EPSILON).astype(np.int64)
    forced = staff["manager_id"].isin(going).to_numpy(bool)
    receiver = (staff["role"].to_numpy(object) == Role.OFFENDER_MANAGER) & ~forced
    starts = np.searchsorted(staff["code"].to_numpy(np.int64), np.arange(n_groups + 1))
    ids = staff["manager_id"].to_numpy(object)
    groups = []
    for code, key in enumerate(keys):
        a, b = starts[code], starts[code + 1]
        groups.append(Group(key=str(key), code=code, start=int(a), managers=ids[a:b],
                            cap=cap[a:b], hmax=hmax[a:b], receiver=receiver[a:b],
                            forced=forced[a:b], counts=counts[a:b], agg=agg[a:b],
                            pool=pool[code], pooled=pooled_counts[code],
                            fte=fte[a:b]))
    return groups, counts


def _add_exclusions(g: Group, sp: pd.DataFrame, excluded_from: dict[str, set[str]],
                    position: pd.Series) -> None:
    """Give ``g`` its RSOs named in an exclusion: where each may go and whether it must move."""
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


def prepare(rsos: pd.DataFrame, managers: pd.DataFrame, policy: Policy, scope: Scope,
            bcu: str | None, team: str | None, exclusions: pd.DataFrame, going: set[str],
            allocated_on: pd.Series | None) -> Register:
    """Split the register into groups with whole-frame operations (no loop over RSOs)."""
    active = _staff_in_scope(managers, scope, bcu, team)
    pooled = _pooled_in_scope(rsos, scope, bcu, team)
    keys = sorted(set(active["group"]) | set(pooled[1]))
    code_of = {key: code for code, key in enumerate(keys)}
    active["code"] = active["group"].map(code_of)
    staff = active.sort_values(["code", "manager_id"]).reset_index(drop=True)
    position = pd.Series(np.arange(len(staff)), index=staff["manager_id"].to_numpy(object))
    excluded_from = _excluded_from(exclusions)
    frame, staff_team = _community_rsos(rsos, staff, position, pooled, code_of, excluded_from)
    groups, counts = _split(keys, staff, policy, going, frame)
    special = frame["special"].to_numpy(bool)
    rows = frame["row"].to_numpy()
    specials = frame[special].assign(rso_id=rsos["rso_id"].iloc[rows[special]].to_numpy(object))
    for code, sp in specials.groupby("code"):
        _add_exclusions(groups[int(code)], sp, excluded_from, position)
    return Register(source=rsos, staff=staff, rsos=frame, staff_team=staff_team, counts=counts,
                    keys=[str(k) for k in keys], groups=groups, going=going,
                    allocated_on=allocated_on)
