"""From counts to named RSOs: which RSOs move, and where.

Continuity decides which (most recently allocated first, then lowest id) and where (a manager of
the RSO's own team first). In a levelled group, RSOs allocated in the last
``Policy.rebalance_keep_recent_months`` move last, and a receiving manager who already holds RSOs
in the RSO's neighbourhood comes first (``nearby``). The next RSOs in that order are earmarked
for a new post; pooled and leavers' RSOs nobody has room for are unplaced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.rebalance.model import CLASSES, GroupResult, Register
from ncpi_desktop.analysis.rebalance.nearby import match_neighbourhood


@dataclass
class _Gathered:
    """The groups' answers, register-wide (rows: manager positions, or group codes)."""

    outs: np.ndarray  # (managers, 3)
    ins: np.ndarray  # (managers, 3)
    earmarks: np.ndarray  # (managers, 3)
    pool_placed: np.ndarray  # (groups,)
    pool_quota: np.ndarray  # (groups, 3): pooled RSOs to name, per class
    post_pool: np.ndarray  # (groups, 3)
    special: list[tuple[str, int, int, int]]  # (rso_id, from, to, group code)
    unplaced: list[tuple[str, str]]  # (rso_id, group)
    for_post: list[tuple[str, str | None, str]]  # (rso_id, manager_id, group)


def _gather(register: Register, results: list[GroupResult]) -> _Gathered:
    n_staff, n_groups = len(register.staff), len(register.groups)
    out = _Gathered(
        outs=np.zeros((n_staff, CLASSES), dtype=np.int64),
        ins=np.zeros((n_staff, CLASSES), dtype=np.int64),
        earmarks=np.zeros((n_staff, CLASSES), dtype=np.int64),
        pool_placed=np.zeros(n_groups, dtype=bool),
        pool_quota=np.zeros((n_groups, CLASSES), dtype=np.int64),
        post_pool=np.zeros((n_groups, CLASSES), dtype=np.int64), special=[], unplaced=[],
        for_post=[])
    for g, result in zip(register.groups, results, strict=True):
        if result.solution is None:
            continue
        sol = result.solution
        out.outs[g.start: g.start + g.m] = sol.outs
        out.ins[g.start: g.start + g.m] = sol.ins
        out.earmarks[g.start: g.start + g.m] = sol.earmarks
        out.pool_placed[g.code] = sol.pool_placed
        out.pool_quota[g.code] = (sol.pool_quota if sol.pool_quota is not None
                                  else g.pool if sol.pool_placed else 0)
        out.post_pool[g.code] = sol.post_from_pool
        out.special += [(rso_id, f + g.start if f >= 0 else -1, t + g.start, g.code)
                        for rso_id, f, t in sol.special_moves]
        out.unplaced += [(rso_id, g.key) for rso_id in sol.unplaced_specials]
        out.for_post += [(rso_id, g.managers[h] if h >= 0 else None, g.key)
                         for rso_id, h in sol.special_for_new_post]
    return out


def _since(rso_ids: pd.Series, rsos: pd.DataFrame, rows: np.ndarray,
           allocated_on: pd.Series | None) -> np.ndarray:
    """When each RSO's current allocation began, if known (NaT otherwise)."""
    if allocated_on is not None:
        return pd.to_datetime(rso_ids.map(allocated_on)).to_numpy()
    if "allocated_on" in rsos.columns:
        return pd.to_datetime(rsos["allocated_on"].iloc[rows]).to_numpy()
    return np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[s]")


def _in_continuity_order(register: Register, counts: _Gathered,
                         forced: np.ndarray) -> pd.DataFrame:
    """RSOs that may move (pooled, leavers', and of managers who lose some; not those named in
    an exclusion), by holder and class, the most recently allocated first, then the lowest id;
    with their ``rso_id`` and ``rank`` in that order."""
    rsos = register.rsos
    holder, cls = rsos["holder"].to_numpy(), rsos["cls"].to_numpy()
    held = holder >= 0
    at = (holder.clip(min=0), cls)
    if len(register.staff):
        candidate = ~held | forced[at[0]] | (counts.outs[at] + counts.earmarks[at] > 0)
    else:
        candidate = ~held
    if register.spread is not None:  # only the spread managers' RSOs move; pooled ones stay
        candidate &= held
    candidate &= ~rsos["special"].to_numpy(bool)
    plain = rsos[candidate]
    rows = plain["row"].to_numpy()
    rso_ids = register.source["rso_id"].iloc[rows]
    since = _since(rso_ids, register.source, rows, register.allocated_on)
    stamp = since.astype("datetime64[s]")
    newest_first = np.where(np.isnat(stamp), np.iinfo(np.int64).max,
                            -stamp.astype(np.int64))
    id_text = rso_ids.to_numpy(dtype=str)
    # Level mode: RSOs allocated since ``recent_since`` stay where they are among equals.
    recent = np.zeros(len(plain), dtype=bool)
    if register.level_codes and register.recent_since is not None:
        level = np.isin(plain["code"].to_numpy(), list(register.level_codes))
        recent = level & ~np.isnat(stamp) & (stamp >= np.datetime64(register.recent_since, "s"))
    order = np.lexsort((id_text, newest_first, recent, plain["cls"].to_numpy(),
                        plain["holder"].to_numpy()))
    return plain.iloc[order].assign(rso_id=rso_ids.to_numpy(object)[order],
                                    rank=np.arange(len(order)))


def _choose(plain: pd.DataFrame, counts: _Gathered, register: Register,
            forced: np.ndarray) -> np.ndarray:
    """Which of ``plain`` move (each manager's quota per class, in order; pooled RSOs if the
    group's pool is placed). The next ones are earmarked for a new post; RSOs that must move and
    do neither are unplaced (both recorded in ``counts``)."""
    n_staff = len(register.staff)
    holder, cls = plain["holder"].to_numpy(), plain["cls"].to_numpy()
    held = holder >= 0
    at = (holder.clip(min=0), cls)
    position = _run_position(holder * CLASSES + cls)
    quota = np.where(held, counts.outs[at] if n_staff else 0, 0)
    marked = np.where(held, quota + (counts.earmarks[at] if n_staff else 0), 0)
    code = plain["code"].to_numpy()
    pooled_position = np.zeros(len(plain), dtype=np.int64)  # in continuity order, per class
    key = pd.Series((code * CLASSES + cls)[~held])
    pooled_position[~held] = key.groupby(key.to_numpy()).cumcount().to_numpy()
    chosen = np.where(held, position < quota, pooled_position < counts.pool_quota[code, cls])
    post = held & (position >= quota) & (position < marked)
    names = np.array(register.keys, dtype=object)
    must_go = ~held | (forced[at[0]] if n_staff else False)
    if register.limited_codes:  # a budget of moves: what it leaves stays, not "unplaced"
        must_go &= ~np.isin(code, list(register.limited_codes))
    stuck = plain[~chosen & ~post & must_go]
    counts.unplaced += list(zip(stuck["rso_id"], names[stuck["code"].to_numpy()], strict=True))
    marked_rows = plain[post]
    ids = register.staff["manager_id"].to_numpy(object)
    counts.for_post += list(zip(marked_rows["rso_id"], ids[marked_rows["holder"].to_numpy()],
                                names[marked_rows["code"].to_numpy()], strict=True))
    return chosen


def _keep_back(sources: pd.DataFrame, counts: _Gathered, forced: np.ndarray,
               names: np.ndarray) -> pd.DataFrame:
    """What only a new post could take stays unplaced: leavers' RSOs first, then pooled."""
    code, cls = sources["code"].to_numpy(), sources["cls"].to_numpy()
    pooled = sources["holder"].to_numpy() < 0
    eligible = pooled | forced[sources["holder"].to_numpy().clip(min=0)]
    order = np.lexsort((sources["rank"].to_numpy(), pooled, cls, code, ~eligible))
    key = (code * CLASSES + cls)[order]
    position = np.empty(len(order), dtype=np.int64)
    position[order] = _run_position(np.where(eligible[order], key, -1 - key))
    kept_back = eligible & (position < counts.post_pool[code, cls])
    back = sources[kept_back]
    counts.unplaced += list(zip(back["rso_id"], names[back["code"].to_numpy()], strict=True))
    return sources[~kept_back]


def _sinks(register: Register, ins: np.ndarray) -> pd.DataFrame:
    """One row per arrival: its manager position, class, group code and team code."""
    to, sink_cls = np.nonzero(ins)
    reps = ins[to, sink_cls]
    to, sink_cls = np.repeat(to, reps), np.repeat(sink_cls, reps)
    return pd.DataFrame({"to": to, "cls": sink_cls,
                         "code": register.staff["code"].to_numpy()[to],
                         "team": register.staff_team[to]})


def _special_moves(register: Register, special: list[tuple[str, int, int, int]]
                   ) -> pd.DataFrame:
    """The solver's named moves of RSOs under an exclusion, with their class and row."""
    rsos = register.rsos
    extra = pd.DataFrame(special, columns=["rso_id", "from", "to", "code"])
    specials = rsos[rsos["special"].to_numpy(bool)]
    sp_ids = register.source["rso_id"].iloc[specials["row"].to_numpy()].to_numpy(object)
    by_id = specials.set_index(pd.Index(sp_ids, dtype=object))
    extra["cls"] = extra["rso_id"].map(by_id["cls"]).to_numpy(np.int64)
    extra["row"] = extra["rso_id"].map(by_id["row"]).to_numpy(np.int64)
    return extra


def _post_frame(register: Register, for_post: list[tuple[str, str | None, str]]
                ) -> pd.DataFrame:
    post_frame = pd.DataFrame(for_post, columns=["rso_id", "manager_id", "group"], dtype=object)
    source = register.source
    risk = source.loc[source["rso_id"].isin(post_frame["rso_id"]).to_numpy(bool),
                      ["rso_id", "risk_level"]].set_index("rso_id")["risk_level"]
    post_frame.insert(2, "risk_level", post_frame["rso_id"].map(risk).astype(object))
    return post_frame


def assemble(register: Register, results: list[GroupResult]
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Which RSOs move and where, register-wide: (moves by position, unplaced, for a new post).

    Which: the most recently allocated of each manager and class first (continuity), then the
    lowest id; the next ones in that order are earmarked for a new post. Where: arrivals of the
    same class, a manager of the RSO's own team first.
    """
    counts = _gather(register, results)
    going = register.going if register.spread is None else register.spread
    forced = register.staff["manager_id"].isin(going).to_numpy(bool)
    plain = _in_continuity_order(register, counts, forced)
    sources = plain[_choose(plain, counts, register, forced)]
    if counts.post_pool.any():
        sources = _keep_back(sources, counts, forced, np.array(register.keys, dtype=object))
    sinks = _sinks(register, counts.ins)
    near = pd.DataFrame()
    if register.level_codes:
        near, sources, sinks = match_neighbourhood(sources, sinks, register)
    moves = _match(sources, sinks)
    if len(near):
        moves = pd.concat([near, moves], ignore_index=True)
    if counts.special:
        moves = pd.concat([moves, _special_moves(register, counts.special)], ignore_index=True)
    unplaced = pd.DataFrame(counts.unplaced, columns=["rso_id", "group"], dtype=object)
    return moves, unplaced, _post_frame(register, counts.for_post)


def _run_position(keys: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal consecutive keys (0, 1, 2, ...)."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    first = np.r_[True, keys[1:] != keys[:-1]]
    starts = np.flatnonzero(first)
    return np.arange(len(keys)) - starts[np.cumsum(first) - 1]


def _pair(source_group: np.ndarray, sink_group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices pairing the k-th source with the k-th sink of each group (arrays in order)."""
    source_order = np.argsort(source_group, kind="stable")
    sink_order = np.argsort(sink_group, kind="stable")
    width = max(len(source_group), len(sink_group)) + 1
    source_key = source_group[source_order] * width + _run_position(source_group[source_order])
    sink_key = sink_group[sink_order] * width + _run_position(sink_group[sink_order])
    _, i, j = np.intersect1d(source_key, sink_key, assume_unique=True, return_indices=True)
    return source_order[i], sink_order[j]


def _match(sources: pd.DataFrame, sinks: pd.DataFrame) -> pd.DataFrame:
    """Pair leavers with arrivals of their class and group, within the same team first.

    ``sources`` are in continuity order (``rank``), ``sinks`` in manager order.
    """
    sources = sources.sort_values("rank")
    sinks = sinks.sort_values(["to"], kind="stable")
    teams = int(max(np.max(sources["team"].to_numpy(), initial=0),
                    np.max(sinks["team"].to_numpy(), initial=0))) + 1
    code_cls = sources["code"].to_numpy(np.int64) * CLASSES + sources["cls"].to_numpy(np.int64)
    sink_code_cls = sinks["code"].to_numpy(np.int64) * CLASSES + sinks["cls"].to_numpy(np.int64)
    source_team = np.where(sources["team"].to_numpy() >= 0, sources["team"].to_numpy(), teams)
    sink_team = np.where(sinks["team"].to_numpy() >= 0, sinks["team"].to_numpy(), teams)
    i, j = _pair(code_cls * (teams + 1) + source_team, sink_code_cls * (teams + 1) + sink_team)
    rest_i = np.setdiff1d(np.arange(len(sources)), i)
    rest_j = np.setdiff1d(np.arange(len(sinks)), j)
    i2, j2 = _pair(code_cls[rest_i], sink_code_cls[rest_j])
    source_index = np.concatenate([i, rest_i[i2]])
    sink_index = np.concatenate([j, rest_j[j2]])
    if len(source_index) != len(sources):  # the model balances arrivals and departures
        raise AssertionError("leavers and arrivals do not pair up")
    paired = sources.iloc[source_index]
    return pd.DataFrame({"rso_id": paired["rso_id"].to_numpy(object),
                         "from": paired["holder"].to_numpy(np.int64),
                         "to": sinks["to"].to_numpy(np.int64)[sink_index],
                         "code": paired["code"].to_numpy(np.int64),
                         "cls": paired["cls"].to_numpy(np.int64),
                         "row": paired["row"].to_numpy(np.int64)})
