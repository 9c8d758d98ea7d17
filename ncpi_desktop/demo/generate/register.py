"""The whole register: ``generate`` draws each part in turn from one seeded generator (the order
of the draws is the register: change it and every table changes), then ``Register`` holds the
tables as the database's columns, dates made from the offsets at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

import numpy as np
import pandas as pd

from ncpi_desktop.demo.generate.allocations import allocation_history, management_decisions
from ncpi_desktop.demo.generate.arms import arms_history
from ncpi_desktop.demo.generate.arrays import RISKS, Clock, add_months, codes, recorded_times
from ncpi_desktop.demo.generate.managers import (
    build_managers,
    community_holders,
    elsewhere_holders,
)
from ncpi_desktop.demo.generate.notification import notification_dates, notification_reviews
from ncpi_desktop.demo.generate.orders import civil_orders
from ncpi_desktop.demo.generate.people import choose_reactive, people, timelines
from ncpi_desktop.demo.generate.visits import visit_history
from ncpi_desktop.demo.profiles import Profile
from ncpi_desktop.domain.enums import ManagementMode, Status
from ncpi_desktop.domain.policy import Policy

ACTOR = "demo"
REASON = "demo"


@dataclass(frozen=True)
class Register:
    """The generated tables as frames whose columns are the database columns."""

    as_at: date
    managers: pd.DataFrame
    rsos: pd.DataFrame
    allocations: pd.DataFrame
    visits: pd.DataFrame
    arms: pd.DataFrame
    orders: pd.DataFrame
    decisions: pd.DataFrame
    #: Decisions on reviews of indefinite notification (rule 13).
    notification_reviews: pd.DataFrame = field(default_factory=pd.DataFrame)

    def counts(self) -> dict[str, int]:
        return {"manager": len(self.managers), "rso": len(self.rsos),
                "allocation": len(self.allocations), "visit": len(self.visits),
                "arms": len(self.arms), "civil_order": len(self.orders),
                "management_decision": len(self.decisions),
                "notification_review": len(self.notification_reviews)}


def generate(profile: Profile, *, as_at: date | None = None,
             policy: Policy | None = None) -> Register:
    """The register of ``profile``: the same profile and as-at date give the same register."""
    policy = policy or Policy()
    as_at = as_at or profile.as_at or date.today()
    clock = Clock(as_at)
    rng = np.random.default_rng(profile.seed)

    managers = build_managers(profile, rng, policy)
    holders = pd.concat([community_holders(profile, rng, managers),
                         elsewhere_holders(profile, rng, managers)], ignore_index=True)
    holders = holders.iloc[rng.permutation(len(holders))].reset_index(drop=True)
    frame = timelines(profile, rng, clock, holders, policy)
    people(profile, rng, frame, policy)
    reactive = choose_reactive(profile, rng, frame, policy)
    decisions, decided = management_decisions(rng, clock, frame, reactive, managers,
                                              profile.reactive_from, policy)
    arms = arms_history(profile, rng, clock, frame, reactive, policy)
    orders = civil_orders(rng, clock, frame, reactive, policy)
    visits = visit_history(profile, rng, clock, frame, reactive, decided, policy)
    allocations = allocation_history(profile, rng, clock, frame, managers)
    rso_ids = codes("R", np.arange(1, len(frame) + 1), max(4, len(str(len(frame)))))
    rsos = _rso_table(clock, frame, reactive, rso_ids)
    # Last, from generators of their own: every draw above is as it was without them.
    rsos = rsos.join(notification_dates(profile.seed, clock.day, rsos))
    return Register(
        as_at=clock.as_at,
        managers=managers[["manager_id", "name", "bcu", "team", "fte", "role", "active"]].copy(),
        rsos=rsos,
        notification_reviews=notification_reviews(profile.seed, clock.day, rsos, policy),
        allocations=_allocation_table(clock, allocations, rso_ids),
        visits=_visit_table(clock, visits, rso_ids),
        arms=_arms_table(clock, arms, rso_ids),
        orders=_order_table(clock, orders, rso_ids),
        decisions=_decision_table(clock, decisions, rso_ids))


# --- the tables as the database has them ----------------------------------------------------

def _rso_table(clock: Clock, frame: pd.DataFrame, reactive: np.ndarray,
               rso_ids: np.ndarray) -> pd.DataFrame:
    registered = clock.dates(frame["registered_off"].to_numpy())
    months = frame["notification_months"].to_numpy()
    ends = np.where(months > 0, add_months(registered, months), np.datetime64("NaT"))
    community = frame["status"].to_numpy() == Status.COMMUNITY.value
    rsos = pd.DataFrame({
        "rso_id": rso_ids,
        "family_name": frame["family_name"].to_numpy(),
        "given_names": frame["given_names"].to_numpy(),
        "date_of_birth": clock.dates(frame["born_off"].to_numpy()),
        "sex": frame["sex"].to_numpy(),
        "bcu": frame["bcu"].to_numpy(),
        "team": frame["team"].to_numpy(),
        "neighbourhood": frame["neighbourhood"].to_numpy(),
        "status": frame["status"].to_numpy(),
        "risk_level": RISKS[frame["risk"].to_numpy()],
        "management": np.where(reactive, ManagementMode.REACTIVE.value,
                               ManagementMode.ACTIVE.value),
        "manager_id": frame["manager_id"].to_numpy(),
        "registered_on": registered,
        "community_since": clock.dates(frame["community_off"].to_numpy()),
        "notification_ends": ends.astype("datetime64[D]"),
        "notification_indefinite": months == 0,
        "visit_interval_months": frame["own_months"].to_numpy(),
        "visit_interval_reason": frame["own_reason"].to_numpy(),
        "last_concern_on": clock.dates(frame["concern_off"].to_numpy()),
        "paper_records_only": frame["paper"].to_numpy(),
    })
    # Only the community's own intervals matter; keep them there.
    rsos.loc[~community, ["visit_interval_months", "visit_interval_reason"]] = None
    return rsos


def _visit_table(clock: Clock, visits: pd.DataFrame, rso_ids: np.ndarray) -> pd.DataFrame:
    visit_ids = codes("V", np.arange(1, len(visits) + 1), max(6, len(str(len(visits)))))
    return pd.DataFrame({
        "visit_id": visit_ids, "rso_id": rso_ids[visits["rso"].to_numpy()],
        "visited_on": clock.dates(visits["off"].to_numpy()),
        "outcome": visits["outcome"].to_numpy(), "officers": visits["officers"].to_numpy()})


def _arms_table(clock: Clock, arms: pd.DataFrame, rso_ids: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "rso_id": rso_ids[arms["rso"].to_numpy()],
        "completed_on": clock.dates(arms["off"].to_numpy()),
        "outcome": arms["outcome"].to_numpy()})


def _order_table(clock: Clock, orders: pd.DataFrame, rso_ids: np.ndarray) -> pd.DataFrame:
    order_ids = codes("O", np.arange(1, len(orders) + 1), max(5, len(str(len(orders)))))
    return pd.DataFrame({
        "order_id": order_ids, "rso_id": rso_ids[orders["rso"].to_numpy()],
        "type": orders["type"].to_numpy(),
        "starts_on": clock.dates(orders["start_off"].to_numpy()),
        "ends_on": clock.dates(orders["end_off"].to_numpy())})


def _allocation_table(clock: Clock, allocations: pd.DataFrame,
                      rso_ids: np.ndarray) -> pd.DataFrame:
    starts = clock.dates(allocations["start_off"].to_numpy())
    return pd.DataFrame({
        "rso_id": rso_ids[allocations["rso"].to_numpy()],
        "manager_id": allocations["manager_id"].to_numpy(),
        "team": allocations["team"].to_numpy(),
        "starts_on": starts,
        "ends_on": clock.dates(allocations["end_off"].to_numpy()),
        "reason": REASON, "actor": ACTOR,
        "recorded_at": recorded_times(starts, time(9, 0)),
    })


def _decision_table(clock: Clock, decisions: pd.DataFrame, rso_ids: np.ndarray) -> pd.DataFrame:
    decided = clock.dates(decisions["off"].to_numpy())
    return pd.DataFrame({
        "rso_id": rso_ids[decisions["rso"].to_numpy()], "mode": decisions["mode"].to_numpy(),
        "decided_on": decided, "reason": decisions["reason"].to_numpy(),
        "decided_by": decisions["decided_by"].to_numpy(),
        "recorded_at": recorded_times(decided, time(10, 30))})
