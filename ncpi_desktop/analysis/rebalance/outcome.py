"""What a proposal shows: the moves with their reasons, in the order to apply them, with both
managers' figures around each; every manager before and after; each group checked.

Feasibility is never taken from the solver: the moves are applied to the RSO frame and the real
``manager_figures`` decides whether every flag is clear (one implementation of the flag rule).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.caseload import COUNT_COLUMNS, manager_figures
from ncpi_desktop.analysis.rebalance.model import HIGH, Register
from ncpi_desktop.domain.policy import Policy

#: Reasons recorded with each move (the reassign dialog's vocabulary where it has one).
REASON_POOLED = "allocation of pooled RSO"
REASON_LEFT = "manager left"
REASON_ABSENT = "manager absent"
REASON_EXCLUDED = "exclusion: manager may not hold this RSO"
REASON_BALANCE = "caseload adjustment"

_MOVE_COLUMNS = ["rso_id", "from_manager_id", "to_manager_id", "risk_level", "reason", "group"]


def apply_moves(rsos: pd.DataFrame, moves: pd.DataFrame, managers: pd.DataFrame) -> pd.DataFrame:
    """The ``rso_caseload`` frame as it would be after ``moves`` (rso_id, to_manager_id).

    What the preview and the tests feed to ``manager_figures``, so the after-figures use the one
    implementation of the flag rule.
    """
    out = rsos.copy()
    if not len(moves):
        return out
    target = moves.set_index("rso_id")["to_manager_id"]
    moved = out["rso_id"].isin(target.index).to_numpy()
    to = out.loc[moved, "rso_id"].map(target)
    staff = managers.set_index("manager_id")
    out.loc[moved, "manager_id"] = to.to_numpy()
    out.loc[moved, "named"] = True
    out.loc[moved, "is_pooled"] = False
    for column in ("team", "bcu"):
        if column in out.columns:
            out.loc[moved, column] = to.map(staff[column]).to_numpy()
    if "flag_no_named_manager" in out.columns:
        out.loc[moved, "flag_no_named_manager"] = False
        out.loc[moved, "why_no_named_manager"] = ""
    return out


def order_moves(by_position: pd.DataFrame, register: Register, pairs: pd.DataFrame,
                leaving: set[str], absent: set[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Reasons, the order to apply them (pooled, leavers, absences, exclusions, balancing), and
    both managers' figures just before and after each move in that order."""
    ids = register.staff["manager_id"].to_numpy(object)
    from_pos = by_position["from"].to_numpy(np.int64)
    to_pos = by_position["to"].to_numpy(np.int64)
    moves = pd.DataFrame({
        "rso_id": by_position["rso_id"].to_numpy(object),
        "from_manager_id": np.where(from_pos >= 0, ids[from_pos.clip(min=0)]
                                    if len(ids) else None, None),
        "to_manager_id": ids[to_pos],
        "risk_level": register.source["risk_level"].iloc[by_position["row"].to_numpy()]
        .to_numpy(object),
        "group": np.array(register.keys, dtype=object)[by_position["code"].to_numpy(np.int64)],
        "_from": from_pos, "_to": to_pos, "_cls": by_position["cls"].to_numpy(np.int64),
        "_row": by_position["row"].to_numpy(np.int64),
    })
    source = moves["from_manager_id"]
    is_excluded = np.zeros(len(moves), dtype=bool)
    if len(pairs):
        excluded = set(zip(pairs["manager_id"], pairs["rso_id"], strict=True))
        is_excluded = np.array([(f, r) in excluded
                                for f, r in zip(source, moves["rso_id"], strict=True)], bool)
    conditions = [source.isna().to_numpy(), source.isin(leaving).to_numpy(),
                  source.isin(absent).to_numpy(), is_excluded]
    reasons = [REASON_POOLED, REASON_LEFT, REASON_ABSENT, REASON_EXCLUDED]
    moves["reason"] = np.select(conditions, reasons, default=REASON_BALANCE).astype(object)
    moves["_order"] = np.select(conditions, [0, 1, 2, 3], default=4)
    moves["_from_key"] = source.fillna("")
    moves = moves.sort_values(["_order", "group", "_from_key", "rso_id"], kind="stable")
    moves = moves.reset_index(drop=True)
    figures = _sequence_figures(moves["_from"].to_numpy(), moves["_to"].to_numpy(),
                                moves["_cls"].to_numpy(), register)
    return pd.concat([moves[_MOVE_COLUMNS], figures], axis=1), moves["_row"].to_numpy()


def _sequence_figures(from_pos: np.ndarray, to_pos: np.ndarray, cls: np.ndarray,
                      register: Register) -> pd.DataFrame:
    """Caseload, per FTE and high-risk share of both managers around each move, in order."""
    n_moves = len(from_pos)
    base_n = register.counts.sum(axis=1)
    base_h = register.counts[:, HIGH:].sum(axis=1)
    fte = register.staff["fte"].to_numpy(float)
    high = (cls >= HIGH).astype(np.int64)
    k = np.arange(n_moves)
    valid = from_pos >= 0
    pos = np.concatenate([from_pos[valid], to_pos])
    step = np.concatenate([k[valid], k])
    side = np.concatenate([np.zeros(valid.sum(), dtype=bool), np.ones(n_moves, dtype=bool)])
    dn = np.where(side, 1, -1)
    dh = dn * np.concatenate([high[valid], high])
    order = np.lexsort((step, pos))
    pos, step, side, dn, dh = pos[order], step[order], side[order], dn[order], dh[order]
    first = np.r_[True, pos[1:] != pos[:-1]] if len(pos) else np.zeros(0, dtype=bool)
    run = np.cumsum(first) - 1
    cum_n, cum_h = np.cumsum(dn), np.cumsum(dh)
    n_after = base_n[pos] + cum_n - (cum_n - dn)[first][run]
    h_after = base_h[pos] + cum_h - (cum_h - dh)[first][run]
    n_before, h_before = n_after - dn, h_after - dh
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            "caseload_before": n_before, "caseload_after": n_after,
            "per_fte_before": n_before / fte[pos], "per_fte_after": n_after / fte[pos],
            "high_risk_share_before": np.where(n_before > 0, h_before / n_before, np.nan),
            "high_risk_share_after": np.where(n_after > 0, h_after / n_after, np.nan),
        }
    out = {}
    for name, arriving in (("from", False), ("to", True)):
        mask = side == arriving
        for key, column in values.items():
            full = np.full(n_moves, np.nan)
            full[step[mask]] = column[mask]
            out[f"{name}_{key}"] = full
    return pd.DataFrame(out)


def after_frame(register: Register, moves: pd.DataFrame, moved_rows: np.ndarray,
                managers: pd.DataFrame, policy: Policy, going: set[str]) -> pd.DataFrame:
    """Per manager in scope: caseload, per FTE and high-risk share before and after, and the
    flags after, from ``manager_figures`` on their RSOs with the moves applied."""
    staff, source = register.staff, register.source
    columns = ["rso_id", "manager_id", "named", *COUNT_COLUMNS.values()]
    in_scope = managers[managers["manager_id"].isin(staff["manager_id"])]
    rows = source["manager_id"].isin(staff["manager_id"]).to_numpy(bool).copy()
    rows[moved_rows] = True
    moved = apply_moves(source.loc[rows, columns], moves, managers)
    after = manager_figures(moved, in_scope, policy).set_index("manager_id")
    keep = ["name", "bcu", "team", "role", "fte", "caseload", "per_fte", "high", "very_high",
            "high_risk_share", "flag_caseload_over_limit", "why_caseload_over_limit",
            "flag_high_risk_share_over_limit", "why_high_risk_share_over_limit"]
    frame = after[keep].copy()
    # Before: the same definitions (community RSOs; high plus very high over caseload).
    position = pd.Series(np.arange(len(staff)), index=staff["manager_id"].to_numpy())
    at = position.reindex(frame.index).to_numpy()
    caseload = register.counts.sum(axis=1)[at]
    high = register.counts[:, HIGH:].sum(axis=1)[at]
    with np.errstate(divide="ignore", invalid="ignore"):
        before = {"caseload": caseload, "per_fte": caseload / frame["fte"].to_numpy(float),
                  "high_risk_share": np.where(caseload > 0, high / caseload, np.nan)}
    for column, values in before.items():
        frame.insert(frame.columns.get_loc(column), f"{column}_before", values)
    frame["leaving_or_absent"] = frame.index.isin(going)
    frame["group"] = frame.index.map(staff.set_index("manager_id")["group"]).to_numpy(object)
    return frame.reset_index()


def _still_flagged(moves: pd.DataFrame, after: pd.DataFrame, register: Register,
                   pairs: pd.DataFrame) -> pd.Series:
    """Per group, what still breaks a rule after the moves: flagged managers, pooled RSOs left
    unplaced, and RSOs held by a manager excluded for them."""
    flagged = (after["flag_caseload_over_limit"] | after["flag_high_risk_share_over_limit"]
               | (after["leaving_or_absent"] & (after["caseload"] > 0)))
    bad = after.loc[flagged, "group"].value_counts()
    source = register.source
    pooled = register.rsos[register.rsos["holder"] < 0]
    pooled_ids = source["rso_id"].iloc[pooled["row"].to_numpy()].to_numpy(object)
    left = ~pd.Series(pooled_ids).isin(moves["rso_id"]).to_numpy()
    names = np.array(register.keys, dtype=object)
    bad = bad.add(pd.Series(names[pooled["code"].to_numpy()[left]]).value_counts(),
                  fill_value=0)
    if len(pairs):
        named = source[source["named"].to_numpy(bool) & source["is_community"].to_numpy(bool)]
        holder = named.set_index("rso_id")["manager_id"]
        holder = holder[holder.index.isin(pairs["rso_id"])]
        holder.update(moves.set_index("rso_id")["to_manager_id"])
        moved_in = moves.set_index("rso_id")["to_manager_id"]
        holder = pd.concat([holder, moved_in[~moved_in.index.isin(holder.index)]])
        held = pairs[pairs["rso_id"].map(holder).to_numpy() == pairs["manager_id"].to_numpy()]
        group_of = register.staff.set_index("manager_id")["group"]
        bad = bad.add(held["manager_id"].map(group_of).value_counts(), fill_value=0)
    return bad


def groups_frame(rows: list[dict[str, Any]], moves: pd.DataFrame, after: pd.DataFrame,
                 register: Register, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per group: moves, bound, and whether every flag is clear after the moves (checked)."""
    columns = ["group", "lower_bound", "fte_short", "optimal", "status"]
    frame = pd.DataFrame(rows, columns=columns)
    if not len(frame):
        return frame.assign(moves=pd.Series(dtype=int), feasible=pd.Series(dtype=bool))
    frame["moves"] = frame["group"].map(moves.groupby("group").size()).fillna(0).astype(int)
    bad = _still_flagged(moves, after, register, pairs)
    frame["feasible"] = frame["group"].map(bad).fillna(0).to_numpy() == 0
    frame.loc[frame["feasible"], "fte_short"] = np.nan
    frame["fte_short"] = frame["fte_short"].astype(float)
    return frame[["group", "moves", "lower_bound", "feasible", "fte_short", "optimal", "status"]]


def left_behind(rsos: pd.DataFrame, staff: pd.DataFrame, going: set[str]) -> pd.DataFrame:
    """Custody, abroad or missing RSOs of leaving or absent managers (not moved)."""
    held = rsos[rsos["named"].to_numpy(bool) & ~rsos["is_community"].to_numpy(bool)
                & rsos["manager_id"].isin(going & set(staff["manager_id"])).to_numpy()]
    return held[["rso_id", "manager_id", "status"]].reset_index(drop=True)
