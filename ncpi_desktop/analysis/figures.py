"""All figures of one snapshot, computed once and read by every page, chart and export.

``Figures.rsos`` is one row per RSO with every rule's columns and flags (caseload, visits, ARMS,
reactive management, orders, data quality); ``Figures.orders`` is the central order register.
The group and manager rows are sums and maxima of ``rsos`` through ``analysis.caseload``'s one
implementation, so a team's count and the RSOs listed under it always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ncpi_desktop.analysis.caseload import (
    COUNT_COLUMNS,
    caseload_figures,
    group_figures,
    manager_figures,
    rso_caseload,
)
from ncpi_desktop.analysis.clocks import clock_status, event_clocks, with_holders
from ncpi_desktop.analysis.flags import set_flag, why_texts
from ncpi_desktop.analysis.management import management_at
from ncpi_desktop.analysis.notification import notification_flags
from ncpi_desktop.analysis.orders import (
    order_status,
    orders_in_force_by_row,
    register_with_rows,
)
from ncpi_desktop.analysis.quality import QA_SUMS, add_coverage, review_status
from ncpi_desktop.analysis.reactive import reactive_status
from ncpi_desktop.analysis.visits import visit_status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import uk_dates
from ncpi_desktop.storage.snapshot import Snapshot

#: Group counts (REPORT-JSON.md key -> per-RSO column summed) beyond the caseload's.
REVIEW_SUMS: dict[str, str] = COUNT_COLUMNS | {
    "reactive_eligible": "flag_reactive_eligible",
    "reactive_review": "flag_reactive_review",
    "visits_due": "visit_due_soon",
    "visits_overdue": "visit_overdue",
    "orders_in_force": "orders_in_force",
    "triggers_open": "triggers_open",
    "triggers_overdue": "triggers_overdue",
    # Notification (rule 13).
    "renotifications_overdue": "flag_renotification_overdue",
    "notification_reviews_due": "flag_notification_review_due",
    "notifications_ending": "notification_ending",
} | QA_SUMS
#: Group maxima (key -> per-RSO column); 0 where the group has no RSO.
REVIEW_MAXIMA: dict[str, str] = {"max_days_overdue": "days_overdue"}

#: The columns of ``analysis.arms.arms_status`` the caseload frame already carries.
ARMS_COLUMNS = ["arms_eligible", "arms_latest_on", "arms_latest_outcome", "arms_expires_on",
                "arms_current", "arms_due"]

#: Each RSO flag's name as the user reads it, on the screens and in the pack; in REPORT-JSON.md
#: order (the order the report, the detail panel and the pack list them).
RSO_FLAG_TITLES: dict[str, str] = {
    "no_named_manager": "No named offender manager",
    "visit_overdue": "Home visit overdue",
    "arms_due": "ARMS assessment due",
    "reactive_eligible": "Eligible for reactive management",
    "reactive_review": "Reactive: review back to active",
    "order_ending": "Civil order ending soon",
    "lone_visit": "Lone visit",
    "warrant_consideration": "Warrant of entry to consider",
    "no_risk_level": "No risk level",
    "paper_records_only": "Paper records only",
    "trigger_visit_overdue": "Visit after a trigger event overdue",
    "referral_overdue": "Referral to children's social care overdue",
    "renotification_overdue": "Re-notification overdue",
    "notification_review_due": "Review of indefinite notification due",
}
#: The RSO flags, in REPORT-JSON.md order.
RSO_FLAGS = list(RSO_FLAG_TITLES)

def flag_title(name: str) -> str:
    """``name``'s title (``RSO_FLAG_TITLES``), or the name in words for any other flag."""
    return RSO_FLAG_TITLES.get(name, name.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Figures:
    snapshot: Snapshot
    rsos: pd.DataFrame
    managers: pd.DataFrame
    teams: pd.DataFrame
    bcus: pd.DataFrame
    force: pd.DataFrame  # one row
    orders: pd.DataFrame = field(default_factory=pd.DataFrame)  # the central register
    #: One row per trigger-event clock, with who holds its RSO (``analysis.clocks``), most
    #: overdue first.
    clocks: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: False for the caseload figures alone (``compute_caseload_figures``): rules 1-5, pooled,
    #: reactive count and ARMS completion, without the visit, order and review columns.
    complete: bool = True

    @property
    def policy(self) -> Policy:
        return self.snapshot.policy


def _arms_due_flag(rsos: pd.DataFrame, policy: Policy) -> None:
    due = rsos["arms_due"].to_numpy(bool)
    latest = rsos["arms_latest_on"]
    never = due & latest.isna().to_numpy()
    old = due & ~never
    keys = rsos.loc[old, ["arms_latest_on", "arms_expires_on"]]
    why = why_texts(old, keys, lambda rows: (
        "Latest ARMS on " + uk_dates(rows["arms_latest_on"]) + " is older than "
        + str(policy.arms_max_age_months) + " months (expired "
        + uk_dates(rows["arms_expires_on"]) + ")"))
    why[never] = "No ARMS assessment completed (due for adult males in the community)"
    set_flag(rsos, "arms_due", due, why)


def _data_quality_flags(rsos: pd.DataFrame) -> None:
    missing = rsos["is_community"].to_numpy(bool) & rsos["risk_level"].isna().to_numpy()
    set_flag(rsos, "no_risk_level", missing, "No risk level recorded for an RSO in the"
             " community: no visit interval or risk figures")
    set_flag(rsos, "paper_records_only", rsos["paper_records_only"].to_numpy(),
             "Details kept only on paper, not in the system")


def _rso_review(resolved: Snapshot, clocks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per RSO: caseload, visits, ARMS, reactive, order and trigger-clock columns with every
    flag; and the order register (holders as in the caseload). ``resolved``: as
    ``management_at`` gives; ``clocks``: its ``event_clocks``."""
    snapshot = resolved
    rsos = rso_caseload(snapshot).reset_index(drop=True)
    register, register_rows = register_with_rows(snapshot, rsos)
    in_force = orders_in_force_by_row(snapshot, register, register_rows)
    index = pd.Index(rsos["rso_id"], name="rso_id")
    arms = rsos[ARMS_COLUMNS].set_axis(index)
    parts = [visit_status(snapshot),
             reactive_status(snapshot, arms=arms, in_force=in_force),
             order_status(snapshot, register, index, in_force=in_force,
                          register_rows=register_rows),
             clock_status(snapshot, clocks),
             review_status(snapshot),
             notification_flags(snapshot)]
    # Every part is in the snapshot's row order, as the caseload frame is: joined by position.
    for part in parts:
        if len(part) != len(rsos) or (len(rsos) and part.index[-1] != index[-1]):
            raise AssertionError("per-RSO frames out of step with the snapshot")
    rsos = pd.concat([rsos, *[part.reset_index(drop=True) for part in parts]], axis=1)
    _arms_due_flag(rsos, snapshot.policy)
    _data_quality_flags(rsos)
    return rsos, register


def rso_figures(snapshot: Snapshot) -> tuple[Snapshot, pd.DataFrame, pd.DataFrame,
                                               pd.DataFrame]:
    """The per-RSO figures of ``snapshot`` without the groups': the snapshot with each RSO's
    management mode as at its date (``management_at``), ``Figures.rsos``, the order register
    and the trigger-event clocks (without their holders). What ``compute_figures`` sums, and
    what ``analysis.refigure`` computes again for the RSOs a change touched."""
    snapshot = management_at(snapshot)
    clocks = event_clocks(snapshot)
    rsos, register = _rso_review(snapshot, clocks)
    return snapshot, rsos, register, clocks


def compute_figures(snapshot: Snapshot) -> Figures:
    """Every figure of ``snapshot``, with each RSO's management mode as at its date (settled
    once here, by ``management_at``, for every rule)."""
    snapshot, rsos, register, clocks = rso_figures(snapshot)
    policy = snapshot.policy
    managers = snapshot.managers
    return Figures(
        snapshot=snapshot, rsos=rsos,
        managers=manager_figures(rsos, managers, policy, sums=REVIEW_SUMS,
                                 maxima=REVIEW_MAXIMA),
        teams=grouped_figures(rsos, managers, ["bcu", "team"], policy),
        bcus=grouped_figures(rsos, managers, ["bcu"], policy),
        force=grouped_figures(rsos, managers, [], policy),
        orders=register, clocks=with_holders(clocks, rsos))


def grouped_figures(rsos: pd.DataFrame, managers: pd.DataFrame, by: list[str],
                    policy: Policy) -> pd.DataFrame:
    """The review figures of the groups of ``by`` (``[]``: the force): the sums and maxima of
    their RSOs' columns (the workload graded by ``policy``), and the case-review coverage."""
    return add_coverage(group_figures(rsos, managers, by, sums=REVIEW_SUMS, maxima=REVIEW_MAXIMA,
                                      policy=policy))


def compute_caseload_figures(snapshot: Snapshot) -> Figures:
    """The caseload figures alone (``complete`` False), from a snapshot that needs no visits or
    orders: what the caseload page shows, computed by the same ``analysis.caseload`` as the
    full figures. The application shows these first, while the rest of the history is read."""
    snapshot = management_at(snapshot)
    return Figures(snapshot=snapshot, complete=False, **caseload_figures(snapshot))
