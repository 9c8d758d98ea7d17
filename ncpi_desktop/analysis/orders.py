"""Civil orders (rule 12): the central register, orders in force, and orders ending soon.

An order is in force from its start date until its end date, the end date being the first day it
no longer applies (``starts_on <= as_at < ends_on``); no end date means until further order.
``storage.history.load_orders`` reads only orders started by the as-at date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.flags import set_flag
from ncpi_desktop.analysis.visits import fmt_dates
from ncpi_desktop.storage.snapshot import Snapshot

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
    holders = holders.set_index("rso_id")[
        ["family_name", "given_names", "status", "manager_id", "manager_name", "bcu", "team"]]
    register = orders.join(holders, on="rso_id")
    ends = register["ends_on"]
    register["in_force"] = (register["starts_on"] <= as_at) & (ends.isna() | (as_at < ends))
    days = (ends - as_at).dt.days
    register["days_to_end"] = days.astype("Int64")
    register["ending_soon"] = (register["in_force"] & (days <= policy.order_review_window_days)
                               ).fillna(False).astype(bool)
    register = register.sort_values(["in_force", "ends_on", "order_id"],
                                    ascending=[False, True, True], na_position="last")
    return register[REGISTER_COLUMNS].reset_index(drop=True)


def orders_in_force(register: pd.DataFrame) -> pd.DataFrame:
    """Per RSO with an order in force (index rso_id): how many, and their types ('SHPO, SRO')."""
    in_force = register[register["in_force"]]
    pairs = in_force[["rso_id", "type"]].drop_duplicates().sort_values(["rso_id", "type"])
    rank = pairs.groupby("rso_id").cumcount().to_numpy()
    counts = in_force.groupby("rso_id").size()
    types = pd.Series("", index=counts.index, dtype=object)
    for k in range(int(rank.max()) + 1 if len(rank) else 0):
        nth = pairs[rank == k].set_index("rso_id")["type"].reindex(types.index)
        glue = np.where(nth.notna() & (types != ""), ", ", "")
        types = types + glue + nth.fillna("").astype(object)
    out = pd.DataFrame({"orders_in_force": counts, "order_types_in_force": types})
    out.index.name = "rso_id"
    return out


def order_status(snapshot: Snapshot, register: pd.DataFrame, index: pd.Index,
                 in_force: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per RSO (``index`` of rso_ids): orders in force, the next end among them, and the
    ``order_ending`` flag for an order in force ending within the review window.
    ``in_force`` is ``orders_in_force(register)`` if already computed."""
    policy = snapshot.policy
    out = (orders_in_force(register) if in_force is None else in_force).reindex(index)
    out["orders_in_force"] = out["orders_in_force"].fillna(0).astype("int64")
    out["order_types_in_force"] = out["order_types_in_force"].fillna("").astype(object)
    ending = register[register["ending_soon"]].sort_values(["rso_id", "ends_on", "order_id"])
    first = ending.drop_duplicates("rso_id").set_index("rso_id").reindex(index)
    out["order_ends_on"] = first["ends_on"]
    mask = first["order_id"].notna()
    why = pd.Series("", index=index, dtype=object)
    if mask.any():
        rows = first[mask]
        days = rows["days_to_end"].astype("int64")
        why[mask] = (rows["type"] + " ends " + fmt_dates(rows["ends_on"]) + " (in "
                     + days.astype(str) + np.where(days == 1, " day", " days")
                     + "): orders ending within " + str(policy.order_review_window_days)
                     + " days are reviewed")
    set_flag(out, "order_ending", mask, why)
    return out
