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
from ncpi_desktop.formats import uk_dates
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


def _holder_rows(snapshot: Snapshot, rsos: pd.DataFrame, orders: pd.DataFrame) -> np.ndarray:
    """The row of ``rsos`` holding the RSO of each order (-1: none); through the snapshot when
    ``rsos`` is in the snapshot's row order (the caseload frame is)."""
    if aligned(rsos["rso_id"], snapshot.rsos["rso_id"]):
        return snapshot.rows_of(orders)
    return pd.Index(rsos["rso_id"]).get_indexer(orders["rso_id"].to_numpy())


def register_with_rows(snapshot: Snapshot, rsos: pd.DataFrame | None = None,
                       ) -> tuple[pd.DataFrame, np.ndarray]:
    """Every order started by the as-at date, one row each, with its RSO's holder then; and for
    each of its orders the row of ``rsos`` (or of the snapshot's register) holding its RSO
    (-1: none).

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
    # In force first, then by end date (blanks last), then by order id: the order is found on
    # numpy keys first (the ids' own order when they come in it, as they do) and the register
    # put together in it.
    ends = orders["ends_on"]
    in_force = ((orders["starts_on"] <= as_at) & (ends.isna() | (as_at < ends))).to_numpy()
    end_days = ends.to_numpy("datetime64[s]")
    end_key = np.where(np.isnat(end_days), np.iinfo(np.int64).max, end_days.view(np.int64))
    ids = orders["order_id"]
    id_key = np.arange(len(ids)) if ids.is_monotonic_increasing else ids.to_numpy(str)
    order = np.lexsort((id_key, end_key, ~in_force))
    register = orders.iloc[order].reset_index(drop=True)
    rows = _holder_rows(snapshot, holders, orders)[order]
    for column in HOLDER_COLUMNS:
        register[column] = take(holders[column], rows, register.index)
    ends = register["ends_on"]
    register["in_force"] = in_force[order]
    days = (ends - as_at).dt.days
    register["days_to_end"] = days.astype("Int64")
    register["ending_soon"] = (register["in_force"] & (days <= policy.order_review_window_days)
                               ).fillna(False).astype(bool)
    return register[REGISTER_COLUMNS], rows


def _types_in_force(groups: np.ndarray, count: int, types: pd.Series,
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Per group (codes 0..count-1 of the orders in force; -1: none): how many orders, and their
    types once each in alphabetical order ('SHPO, SRO')."""
    kind, names = pd.factorize(types, sort=True)
    grouped = groups >= 0
    counts = np.bincount(groups[grouped], minlength=count)
    # Each (group, type) once, by group then type; its rank among its group's types.
    typed = grouped & (kind >= 0)
    width = max(len(names), 1)
    pairs = np.unique(groups[typed].astype(np.int64) * width + kind[typed])
    pair_group, pair_type = np.divmod(pairs, width)
    first = np.r_[True, pair_group[1:] != pair_group[:-1]] if len(pairs) else np.zeros(0, bool)
    starts = np.maximum.accumulate(np.where(first, np.arange(len(pairs)), 0))
    rank = np.arange(len(pairs)) - starts
    names = np.asarray(names, dtype=object)
    text = np.full(count, "", dtype=object)
    for k in range(int(rank.max()) + 1 if len(rank) else 0):
        nth = rank == k
        holders, name = pair_group[nth], names[pair_type[nth]]
        text[holders] = (text[holders] + ", " + name) if k else name
    return counts, text


def orders_in_force_by_row(snapshot: Snapshot, register: pd.DataFrame, rows: np.ndarray,
                           ) -> pd.DataFrame:
    """Per RSO in the snapshot's row order (index: the register's rso_ids): how many orders are
    in force and their types ('SHPO, SRO': each type once, in alphabetical order); blank for an
    RSO with none. From the register's ``rows`` (``register_with_rows``): grouped by row
    number, without reading an rso_id."""
    in_force = register["in_force"].to_numpy(bool)
    count = len(snapshot.rsos)
    counts, text = _types_in_force(np.where(in_force, rows, -1), count, register["type"])
    held = counts > 0
    index = pd.Index(snapshot.rsos["rso_id"], name="rso_id")
    return pd.DataFrame({
        "orders_in_force": pd.Series(np.where(held, counts, np.nan), index=index),
        "order_types_in_force": pd.Series(np.where(held, text, np.nan), index=index,
                                          dtype=object)}, index=index)


def order_status(snapshot: Snapshot, register: pd.DataFrame, index: pd.Index, *,
                 in_force: pd.DataFrame, register_rows: np.ndarray) -> pd.DataFrame:
    """Per RSO (``index``: the snapshot's rso_ids, in its row order): orders in force, the next
    end among them, and the ``order_ending`` flag for an order in force ending within the review
    window. ``register`` and its ``register_rows`` are ``register_with_rows``'s, ``in_force``
    is ``orders_in_force_by_row``'s."""
    policy = snapshot.policy
    if not aligned(index, snapshot.rsos["rso_id"]):
        raise ValueError("order_status is given the snapshot's rso_ids, in its row order")
    rows = (np.arange(len(index)) if aligned(in_force.index, index)
            else row_of_each_rso(snapshot, in_force.index))
    out = pd.DataFrame(index=index)
    out["orders_in_force"] = take(in_force["orders_in_force"], rows, index).fillna(0).astype(
        "int64")
    out["order_types_in_force"] = take(in_force["order_types_in_force"], rows, index).fillna(
        "").astype(object)
    soon = register["ending_soon"].to_numpy(bool)
    # The first to end of each RSO's orders ending soon, grouped by row number.
    ending = register[soon].assign(row=register_rows[soon])
    first = ending.sort_values(["row", "ends_on", "order_id"]).drop_duplicates("row")
    first = first[first["row"].to_numpy() >= 0]
    rows = np.full(len(index), -1, dtype=np.int64)
    rows[first["row"].to_numpy()] = np.arange(len(first))
    out["order_ends_on"] = take(first["ends_on"], rows, index)
    mask = rows >= 0
    why = np.full(len(index), "", dtype=object)
    if mask.any():
        picked = first.iloc[rows[mask]]
        days = picked["days_to_end"].astype("int64")
        why[mask] = (picked["type"] + " ends " + uk_dates(picked["ends_on"]) + " (in "
                     + days.astype(str) + np.where(days == 1, " day", " days")
                     + "): orders ending within " + str(policy.order_review_window_days)
                     + " days are reviewed").to_numpy(object)
    set_flag(out, "order_ending", mask, why)
    return out
