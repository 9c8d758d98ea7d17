"""Civil orders (rule 12): the central register, orders in force, and orders ending soon.

An order is in force from its start date until its end date, the end date being the first day it
no longer applies (``starts_on <= as_at < ends_on``); no end date means until further order.
``storage.history.load_orders`` reads only orders started by the as-at date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import aligned, row_of_each_rso, take
from ncpi_desktop.analysis.flags import set_flag
from ncpi_desktop.analysis.visits import fmt_dates
from ncpi_desktop.storage.snapshot import Snapshot

#: The holder columns the register takes from the per-RSO frame.
HOLDER_COLUMNS = ["family_name", "given_names", "status", "manager_id", "manager_name", "bcu",
                  "team"]
REGISTER_COLUMNS = [
    "order_id", "type", "rso_id", "family_name", "given_names", "status", "manager_id",
    "manager_name", "bcu", "team", "starts_on", "ends_on", "in_force", "ending_soon",
    "days_to_end",
]


def _orders(snapshot: Snapshot) -> pd.DataFrame:
    orders = snapshot.extra.get("orders")
    if orders is None:
        raise ValueError("The snapshot has no civil orders: load it with full_snapshot")
    return orders


def _holder_rows(snapshot: Snapshot, rsos: pd.DataFrame, rso_ids: pd.Series) -> np.ndarray:
    """The row of ``rsos`` holding each of ``rso_ids`` (-1: none); through the snapshot's index
    when ``rsos`` is in the snapshot's row order (the caseload frame is)."""
    if aligned(rsos["rso_id"], snapshot.rsos["rso_id"]):
        return snapshot.rso_rows(rso_ids)
    return pd.Index(rsos["rso_id"]).get_indexer(rso_ids.to_numpy())


def order_register(snapshot: Snapshot, rsos: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every order started by the as-at date, one row each, with its RSO's holder then.

    ``rsos`` is the per-RSO frame giving the holder (``analysis.caseload.rso_caseload``: the named
    manager, team and BCU the RSO counts in); without it, the snapshot's recorded holder.
    Columns: ``REGISTER_COLUMNS``; ``days_to_end`` is NA for an order until further order.
    """
    policy = snapshot.policy
    as_at = snapshot.as_at_ts
    orders = _orders(snapshot)
    if rsos is None:
        holders = snapshot.rsos.assign(bcu=snapshot.rsos["home_bcu"])
        holders["manager_name"] = holders["manager_id"].map(
            snapshot.managers.set_index("manager_id")["name"])
    else:
        holders = rsos
    rows = _holder_rows(snapshot, holders, orders["rso_id"])
    register = orders.copy(deep=False)
    for column in HOLDER_COLUMNS:
        register[column] = take(holders[column], rows, register.index)
    ends = register["ends_on"]
    register["in_force"] = (register["starts_on"] <= as_at) & (ends.isna() | (as_at < ends))
    days = (ends - as_at).dt.days
    register["days_to_end"] = days.astype("Int64")
    register["ending_soon"] = (register["in_force"] & (days <= policy.order_review_window_days)
                               ).fillna(False).astype(bool)
    # In force first, then by end date (blanks last), then by order id: a stable sort by the
    # first two keys keeps the order-id order the orders came in, when they came in that order.
    keys = [register["in_force"], register["ends_on"], register["order_id"]]
    if register["order_id"].is_monotonic_increasing:
        keys = keys[:2]
    register = register.sort_values([k.name for k in keys], ascending=[False, True, True][
        :len(keys)], na_position="last", kind="stable")
    return register[REGISTER_COLUMNS].reset_index(drop=True)


def orders_in_force(register: pd.DataFrame) -> pd.DataFrame:
    """Per RSO with an order in force (index rso_id, ascending): how many, and their types
    ('SHPO, SRO': each type once, in alphabetical order)."""
    in_force = register[register["in_force"].to_numpy(bool)]
    rso, rso_ids = pd.factorize(in_force["rso_id"], sort=True)
    kind, types = pd.factorize(in_force["type"], sort=True)
    named = rso >= 0
    counts = np.bincount(rso[named], minlength=len(rso_ids))
    # Each (RSO, type) once, by RSO then type; its rank among its RSO's types.
    typed = named & (kind >= 0)
    pairs = np.unique(rso[typed].astype(np.int64) * max(len(types), 1) + kind[typed])
    pair_rso, pair_type = np.divmod(pairs, max(len(types), 1))
    first = np.r_[True, pair_rso[1:] != pair_rso[:-1]] if len(pairs) else np.zeros(0, bool)
    starts = np.maximum.accumulate(np.where(first, np.arange(len(pairs)), 0))
    rank = np.arange(len(pairs)) - starts
    names = np.asarray(types, dtype=object)
    text = np.full(len(rso_ids), "", dtype=object)
    for k in range(int(rank.max()) + 1 if len(rank) else 0):
        nth = rank == k
        holders, name = pair_rso[nth], names[pair_type[nth]]
        text[holders] = (text[holders] + ", " + name) if k else name
    index = pd.Index(rso_ids, name="rso_id")
    return pd.DataFrame({"orders_in_force": counts.astype(np.int64),
                         "order_types_in_force": pd.Series(text, index=index, dtype=object)},
                        index=index)


def order_status(snapshot: Snapshot, register: pd.DataFrame, index: pd.Index,
                 in_force: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per RSO (``index`` of rso_ids): orders in force, the next end among them, and the
    ``order_ending`` flag for an order in force ending within the review window.
    ``in_force`` is ``orders_in_force(register)`` if already computed."""
    policy = snapshot.policy
    in_force = orders_in_force(register) if in_force is None else in_force

    def rows_of(rso_ids: pd.Series | pd.Index) -> np.ndarray:
        """For each of ``index``, the position in ``rso_ids`` (-1: none)."""
        if aligned(index, snapshot.rsos["rso_id"]):
            return row_of_each_rso(snapshot, rso_ids)
        return pd.Index(rso_ids).get_indexer(index)

    rows = rows_of(in_force.index)
    out = pd.DataFrame(index=index)
    out["orders_in_force"] = take(in_force["orders_in_force"], rows, index).fillna(0).astype(
        "int64")
    out["order_types_in_force"] = take(in_force["order_types_in_force"], rows, index).fillna(
        "").astype(object)
    ending = register[register["ending_soon"]].sort_values(["rso_id", "ends_on", "order_id"])
    first = ending.drop_duplicates("rso_id")
    rows = rows_of(first["rso_id"])
    out["order_ends_on"] = take(first["ends_on"], rows, index)
    mask = rows >= 0
    why = np.full(len(index), "", dtype=object)
    if mask.any():
        picked = first.iloc[rows[mask]]
        days = picked["days_to_end"].astype("int64")
        why[mask] = (picked["type"] + " ends " + fmt_dates(picked["ends_on"]) + " (in "
                     + days.astype(str) + np.where(days == 1, " day", " days")
                     + "): orders ending within " + str(policy.order_review_window_days)
                     + " days are reviewed").to_numpy(object)
    set_flag(out, "order_ending", mask, why)
    return out
