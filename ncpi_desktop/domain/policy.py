"""Every threshold and interval of DOMAIN.md ("Rules"), in one place.

No other module may write these numbers as literals: they read them from a ``Policy``. The values a
user changes are stored in the database (``storage``), because a figure is only meaningful with the
policy it was computed with.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ncpi_desktop.domain.enums import RiskLevel


@dataclass(frozen=True)
class PolicyField:
    """How a policy value is described to the user."""

    name: str
    label: str
    unit: str
    source: str
    configurable_default: bool


@dataclass(frozen=True)
class Policy:
    # Rule 2: community caseload per FTE above this is flagged.
    caseload_limit_per_fte: float = 50.0
    # Rule 3: share of high + very-high RSOs above this is flagged.
    high_risk_share_limit: float = 0.20
    # Rules 2-3: a flagged figure up to this multiple of its limit is graded amber, above it red.
    severe_above_share_of_limit: float = 1.10
    # Rule 6: visit interval by risk level, in calendar months (active management).
    visit_interval_very_high_months: int = 1
    visit_interval_high_months: int = 3
    visit_interval_medium_months: int = 6
    visit_interval_low_months: int = 12
    # Rule 7: first visit after entering the community; due-soon window.
    first_visit_allowance_days: int = 28
    due_soon_days: int = 28
    # Rule 8: consecutive no-access visits before a warrant of entry is considered.
    warrant_after_failed_visits: int = 2
    # Rule 9: officers a home visit needs.
    officers_per_visit: int = 2
    # Rule 10: ARMS older than this is due.
    arms_max_age_months: int = 12
    # ARMS applies to adults: age in years at the as-at date.
    arms_adult_age_years: int = 18
    # Rule 11: years free of offence, concern or adverse intelligence before reactive management.
    reactive_concern_free_years: int = 3
    # Rule 12: orders ending within this many days are listed for review.
    order_review_window_days: int = 90
    # Rebalancing: among equal moves, RSOs allocated within this many months stay where they are.
    rebalance_keep_recent_months: int = 6
    # Rule 14: after a trigger event, a reassessment home visit within this many days, and
    # where a child may be at risk a referral to children's social care within this many.
    trigger_visit_days: int = 7
    trigger_referral_days: int = 1
    # Rule 15: a community RSO's case counts as reviewed for this many months after its review.
    qa_coverage_months: int = 12
    # Rule 15: how many cases the monthly dip sample proposes for each offender manager.
    qa_sample_per_manager: int = 2
    # Rule 15: how much likelier the sample is to pick a high or very-high risk case, and a case
    # never reviewed, than another (weights multiply).
    qa_sample_weight_high_risk: float = 3.0
    qa_sample_weight_never_reviewed: float = 3.0
    # Rule 16: a neighbourhood briefing is to be destroyed this many days after it is produced.
    briefing_destroy_after_days: int = 28
    # Signing in (SECURITY.md): the window locks, its data hidden, after this many idle minutes.
    idle_lock_minutes: float = 15.0
    # Offline copies (SERVER.md): a copy not synced for this many days locks its data.
    offline_lock_days: int = 14
    # Rule 13: re-notification at least yearly (s.85): due this many months after the last.
    renotification_interval_months: int = 12
    # Rule 13: an indefinite notification may be reviewed this many years after the first
    # notification (ss.91A-91F), this many if under 18 then, and again this many years after a
    # decision to continue it.
    notification_review_years: int = 15
    notification_review_years_under_18: int = 8
    notification_review_repeat_years: int = 8
    # Rule 13: reviews falling due and notifications ending within this many days are listed.
    notification_review_window_days: int = 90
    # The forecast (analysis.forecast): officer hours one home visit and one ARMS assessment
    # take, and the hours a week one full-time offender manager has.
    hours_per_visit: float = 3.0
    hours_per_arms: float = 4.0
    weekly_hours_per_fte: float = 37.0
    # Weighted workload (beside rule 2): points a community RSO carries by risk level and
    # management mode, and the points one FTE holds at 100% of capacity. Amber from 100%, red
    # above ``severe_above_share_of_limit`` of it.
    workload_points_very_high: int = 14
    workload_points_high: int = 6
    workload_points_medium: int = 4
    workload_points_low: int = 3
    workload_points_reactive: int = 2
    workload_points_no_risk_level: int = 6
    workload_points_per_fte: int = 208

    def visit_interval_months(self, risk: RiskLevel) -> int:
        return {
            RiskLevel.VERY_HIGH: self.visit_interval_very_high_months,
            RiskLevel.HIGH: self.visit_interval_high_months,
            RiskLevel.MEDIUM: self.visit_interval_medium_months,
            RiskLevel.LOW: self.visit_interval_low_months,
        }[RiskLevel(risk)]

    def visit_intervals(self) -> dict[str, int]:
        """Default interval in months by risk level value, for vectorised mapping."""
        return {level.value: self.visit_interval_months(level) for level in RiskLevel}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_values(self, values: dict[str, Any]) -> Policy:
        """A copy with stored values applied; unknown keys are ignored, types follow the field."""
        known = {f.name: f.type for f in fields(self)}
        updates: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known:
                continue
            default = getattr(self, key)
            updates[key] = type(default)(float(value)) if isinstance(default, int) else float(value)
        return replace(self, **updates)

    @staticmethod
    def value_problem(key: str, value: Any) -> str | None:
        """Why ``value`` cannot be policy value ``key`` (the Rules dialog's and a what-if step's
        check), or None: every value is a number above 0, a whole number where the value
        counts days, months, visits or points, and a share limit at most 1 (100%)."""
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            return "must be a number"
        if value <= 0:
            return "must be a number above 0"
        default = getattr(Policy(), key, None)
        if isinstance(default, int) and not float(value).is_integer():
            return "must be a whole number"
        if key in _AT_MOST_ONE and value > 1:
            return "must be a share of at most 1 (100%)"
        return None

    @staticmethod
    def describe() -> list[PolicyField]:
        return list(POLICY_FIELDS)

    def notification_text(self) -> str:
        """Rule 13 in one sentence, with the values in force (rules_text, the Notification
        tab)."""
        return (f"Re-notification is due {self.renotification_interval_months} months after the "
                f"last notification (s.85); an indefinite notification may be reviewed "
                f"{self.notification_review_years} years after the first "
                f"({self.notification_review_years_under_18} if under 18 then) and "
                f"{self.notification_review_repeat_years} years after a decision to continue it "
                f"(ss.91A-91F); reviews due and notifications ending within "
                f"{self.notification_review_window_days} days are listed (configurable "
                f"default).")

    def rules_text(self) -> list[str]:
        """The rules in force, one sentence each, for Help > About and the performance pack."""
        p = self
        return [
            f"Caseload counts community RSOs only; an offender manager above "
            f"{p.caseload_limit_per_fte:g} community RSOs per FTE is flagged.",
            f"An offender manager whose high plus very-high share of the community caseload is "
            f"above {p.high_risk_share_limit:.0%} is flagged.",
            "A community RSO with no named offender manager (unallocated or in a team pool) is "
            "flagged and counted as pooled.",
            f"Home visits: very high every {p.visit_interval_very_high_months} month(s), "
            f"high every {p.visit_interval_high_months}, medium every "
            f"{p.visit_interval_medium_months}, low every {p.visit_interval_low_months}; "
            "an RSO's own interval overrides the default.",
            f"First visit within {p.first_visit_allowance_days} days of entering the community "
            f"(configurable default); due soon within {p.due_soon_days} days "
            f"(configurable default).",
            f"{p.warrant_after_failed_visits} no-access visits in a row: consider a warrant of "
            f"entry (SOA 2003 s.96B). A visit by fewer than {p.officers_per_visit} officers is "
            f"flagged.",
            f"ARMS due when none is completed or the latest is older than "
            f"{p.arms_max_age_months} months (configurable default); adult males only "
            f"(aged {p.arms_adult_age_years} or over).",
            f"Reactive management needs low risk, a current low ARMS, "
            f"{p.reactive_concern_free_years} years free of concern, no order in force, and the "
            f"RSO in the community.",
            f"Civil orders ending within {p.order_review_window_days} days are listed for review "
            f"(configurable default).",
            f"A trigger event (a concern, a disclosure-scheme enquiry, a new household with access "
            f"to a child, a change of address, a breach, an arrest) needs a reassessment home "
            f"visit within {p.trigger_visit_days} days and, where a child may be at risk, a "
            f"referral to children's social care within {p.trigger_referral_days} day(s) "
            f"(configurable defaults: no national figure was found).",
            f"Quality assurance: a community RSO's case counts as reviewed for "
            f"{p.qa_coverage_months} months after a supervisor's case review (configurable "
            f"default); the dip sample proposes {p.qa_sample_per_manager} case(s) per offender "
            f"manager each month.",
            f"A neighbourhood briefing holds only the minimum a patrol officer may know and is "
            f"to be destroyed {p.briefing_destroy_after_days} days after it is produced "
            f"(configurable default).",
            self.notification_text(),
            f"The forecast counts {p.hours_per_visit:g} hours a home visit and "
            f"{p.hours_per_arms:g} an ARMS assessment, against {p.weekly_hours_per_fte:g} hours "
            f"a week per FTE less recorded absences (configurable defaults: no national figure "
            f"was found).",
            f"Workload (shown beside the caseload limit): a community RSO under active management "
            f"counts {p.workload_points_very_high} points if very high risk, "
            f"{p.workload_points_high} high, {p.workload_points_medium} medium, "
            f"{p.workload_points_low} low ({p.workload_points_no_risk_level} with no risk level), "
            f"{p.workload_points_reactive} under reactive management; capacity is "
            f"{p.workload_points_per_fte} points per FTE, amber from 100% and red above "
            f"{p.severe_above_share_of_limit:.0%} (configurable defaults: no national figure was "
            f"found).",
        ]


#: Shares that cannot exceed the whole (a high-risk share above 100% could never be flagged).
_AT_MOST_ONE = frozenset({"high_risk_share_limit"})

#: Where the workload points of a risk level come from (``visits``: rule 6's visits a year).
_DERIVED = ("configurable default: no national figure was found; derived from rule 6's home "
            "visits a year ({visits}) plus 2 for the yearly ARMS and risk management plan "
            "review")

POLICY_FIELDS: tuple[PolicyField, ...] = (
    PolicyField("caseload_limit_per_fte", "Caseload limit", "RSOs per FTE",
                "Accepted standard cited by HMICFRS (2018)", False),
    PolicyField("high_risk_share_limit", "High-risk share limit", "fraction",
                "National guidance: about 10 high-risk per 50 offenders", False),
    PolicyField("severe_above_share_of_limit", "Red above this share of a limit", "fraction",
                "configurable default (probation workload tools grade at 110%)", True),
    PolicyField("visit_interval_very_high_months", "Visit interval, very high", "months",
                "National cadence before NPCC June 2017", False),
    PolicyField("visit_interval_high_months", "Visit interval, high", "months",
                "National cadence before NPCC June 2017", False),
    PolicyField("visit_interval_medium_months", "Visit interval, medium", "months",
                "National cadence before NPCC June 2017", False),
    PolicyField("visit_interval_low_months", "Visit interval, low", "months",
                "National cadence before NPCC June 2017", False),
    PolicyField("first_visit_allowance_days", "First-visit allowance", "days",
                "No national figure found", True),
    PolicyField("due_soon_days", "Due-soon window", "days", "No national figure found", True),
    PolicyField("warrant_after_failed_visits", "Failed visits before warrant", "visits",
                "Sexual Offences Act 2003 s.96B", False),
    PolicyField("officers_per_visit", "Officers per home visit", "officers",
                "MOSOVO practice: two officers", False),
    PolicyField("arms_max_age_months", "ARMS maximum age", "months",
                "No national interval found", True),
    PolicyField("arms_adult_age_years", "ARMS adult age", "years", "ARMS applies to adults", False),
    PolicyField("reactive_concern_free_years", "Concern-free period for reactive", "years",
                "NPCC, January 2017", False),
    PolicyField("order_review_window_days", "Order review window", "days",
                "No national figure found", True),
    PolicyField("rebalance_keep_recent_months", "Rebalancing keeps recent moves", "months",
                "No national figure found: continuity of a recent allocation", True),
    PolicyField("trigger_visit_days", "Visit after a trigger event", "days",
                "No national figure was found: configurable default", True),
    PolicyField("trigger_referral_days", "Referral after a trigger event (child at risk)",
                "days", "No national figure was found: configurable default", True),
    PolicyField("qa_coverage_months", "Case review coverage window", "months",
                "HMICFRS 2018: quality assurance; no national figure found", True),
    PolicyField("qa_sample_per_manager", "Dip sample per offender manager", "cases",
                "No national figure found", True),
    PolicyField("qa_sample_weight_high_risk", "Dip sample weight, high risk", "times",
                "No national figure found", True),
    PolicyField("qa_sample_weight_never_reviewed", "Dip sample weight, never reviewed",
                "times", "No national figure found", True),
    PolicyField("briefing_destroy_after_days", "Destroy a briefing after", "days",
                "No national figure found", True),
    PolicyField("idle_lock_minutes", "Idle minutes before the window locks", "minutes",
                "No national figure found: the security contract's default", True),
    PolicyField("offline_lock_days", "Days an offline copy works unsynced", "days",
                "No national figure found: the server contract's default", True),
    PolicyField("renotification_interval_months", "Re-notification interval", "months",
                "Sexual Offences Act 2003 s.85: re-notification at least yearly", False),
    PolicyField("notification_review_years", "Review of indefinite notification after",
                "years", "Sexual Offences Act 2003 s.91B (with s.82): 15 years from the first "
                "notification", False),
    PolicyField("notification_review_years_under_18",
                "Review of indefinite notification after (under 18)", "years",
                "Sexual Offences Act 2003 s.91B: 8 years for an offender under 18", False),
    PolicyField("notification_review_repeat_years", "Next review after a decision to continue",
                "years", "Sexual Offences Act 2003 s.91D: no later than 8 years on", False),
    PolicyField("notification_review_window_days", "Notification review window", "days",
                "configurable default: no national figure was found", True),
    PolicyField("hours_per_visit", "Hours a home visit takes (forecast)", "hours",
                "configurable default: no national figure was found", True),
    PolicyField("hours_per_arms", "Hours an ARMS assessment takes (forecast)", "hours",
                "configurable default: no national figure was found", True),
    PolicyField("weekly_hours_per_fte", "Hours a week per full-time offender manager (forecast)",
                "hours", "configurable default: no national figure was found", True),
    PolicyField("workload_points_very_high", "Workload points, very high (active)", "points",
                _DERIVED.format(visits=12), True),
    PolicyField("workload_points_high", "Workload points, high (active)", "points",
                _DERIVED.format(visits=4), True),
    PolicyField("workload_points_medium", "Workload points, medium (active)", "points",
                _DERIVED.format(visits=2), True),
    PolicyField("workload_points_low", "Workload points, low (active)", "points",
                _DERIVED.format(visits=1), True),
    PolicyField("workload_points_reactive", "Workload points, reactive", "points",
                "configurable default: no national figure was found; no visits prescribed "
                "(rule 6), the yearly ARMS and plan review (2) remain", True),
    PolicyField("workload_points_no_risk_level", "Workload points, no risk level recorded",
                "points", "configurable default: no national figure was found; counted as "
                "high until a risk level is recorded (the assessment is itself work)", True),
    PolicyField("workload_points_per_fte", "Workload points per FTE (100% capacity)", "points",
                "configurable default: no national figure was found; the points of 50 RSOs "
                "(the caseload standard) of the national guidance's mix on 1.0 FTE: 1 very high, "
                "9 high, 20 medium, 20 low = 14 + 54 + 80 + 60", True),
)
