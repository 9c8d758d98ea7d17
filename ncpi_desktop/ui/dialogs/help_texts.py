"""What F1 says of each page: what every figure on it means and the rule behind it.

One ``PageHelp`` per page (``HELP``, keyed by the page's settings group), written from the
``Policy`` in force: every number in the help is the policy's (``Policy.rules_text`` says the
same rules in one sentence each for Help › About and the pack). Pure text, no Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ncpi_desktop.domain.policy import Policy


@dataclass(frozen=True)
class PageHelp:
    """A page's help: a line on what the page is for, each figure (its card's caption and what
    it means), the rules behind them, and how to use the page."""

    title: str
    intro: str
    figures: tuple[tuple[str, str], ...]
    rules: tuple[str, ...]
    using: tuple[str, ...] = ()


def _grades(p: Policy) -> str:
    return (f"Amber: above the limit and at most {p.severe_above_share_of_limit:.0%} of it; "
            "red: further above.")


def _visit_intervals(p: Policy) -> str:
    return (f"Home visits under active management: very high risk every "
            f"{p.visit_interval_very_high_months} month(s), high every "
            f"{p.visit_interval_high_months}, medium every {p.visit_interval_medium_months}, low "
            f"every {p.visit_interval_low_months} (calendar months from the last completed "
            "visit); an interval set in the RSO's risk management plan overrides the default. "
            "Reactive management prescribes none.")


def _arms_rule(p: Policy) -> str:
    return (f"ARMS applies to adult males (aged {p.arms_adult_age_years} or over) in the "
            "community. An assessment is current when the latest was completed within "
            f"{p.arms_max_age_months} months; it is due when there is none or the latest is "
            "older. Completion = eligible RSOs with a current ARMS ÷ eligible RSOs.")


def _reactive_rule(p: Policy) -> str:
    return ("Reactive management is possible only when every criterion holds: risk low; the "
            "latest ARMS low and current (for those ARMS applies to); no offence, concern or "
            f"adverse intelligence for {p.reactive_concern_free_years} years; no civil order in "
            "force; in the community. The offender manager must also record that they are "
            "satisfied (a decision with a reason, a date and who made it).")


def caseload_help(p: Policy) -> PageHelp:
    limit = p.caseload_limit_per_fte
    return PageHelp(
        "Caseload",
        "Every offender manager's community caseload against the limits, for the force, a BCU "
        "or a team, and the RSOs behind any manager or the pool.",
        (
            ("RSOs", "Every registered RSO in the scope, whatever their status."),
            ("In the community", "RSOs managed in the community: the only ones counted in a "
             "caseload. Those in custody, abroad or missing are counted apart."),
            ("Per FTE", "Community RSOs ÷ the total FTE of the active offender managers. A "
             f"manager above {limit:g} per FTE is flagged. {_grades(p)}"),
            ("High-risk share", "High plus very-high risk RSOs as a share of the community "
             f"caseload; a manager above {p.high_risk_share_limit:.0%} is flagged. "
             f"{_grades(p)}"),
            ("Pooled", "Community RSOs with no named offender manager (unallocated, or held "
             "in a team's pool): each is flagged, and counted in its team's figures."),
            ("ARMS completion", _arms_rule(p)),
        ),
        (
            f"Caseload limit: {limit:g} community RSOs per FTE (caseload ÷ FTE above it is "
            "flagged). Team and BCU ratios are total community RSOs ÷ total FTE.",
            f"High-risk share limit: {p.high_risk_share_limit:.0%} of the community caseload.",
            f"Severity: red above {p.severe_above_share_of_limit:.0%} of a limit, amber between "
            "the limit and that.",
        ),
        (
            "Select a manager in the table (or click a bar) to list their RSOs; Pooled lists "
            "the RSOs with no named manager.",
            "With many managers the chart shows how caseloads are spread (a histogram with the "
            "limit line) and lists those above the limit; choose a team or BCU to see its bars.",
        ),
    )


def visits_help(p: Policy) -> PageHelp:
    return PageHelp(
        "Visits",
        "Home visits overdue and due soon, who holds them, and how overdue they are.",
        (
            ("Overdue", "Community RSOs under active management whose next home visit is past "
             "due: the as-at date is after the due date."),
            ("Most overdue", "Days from the most overdue visit's due date to the as-at date."),
            ("Due soon", "Not overdue, and due within the number of days in Due within (the "
             f"policy's {p.due_soon_days} days unless changed on this page)."),
            ("Warrant of entry", f"RSOs whose last {p.warrant_after_failed_visits} visits in a "
             "row found no access: consider a warrant of entry (Sexual Offences Act 2003 "
             "s.96B)."),
            ("Lone visits", f"RSOs whose latest completed visit was made by fewer than "
             f"{p.officers_per_visit} officers."),
        ),
        (
            _visit_intervals(p),
            "Next visit due = the last completed home visit + the interval; if never visited, "
            f"the date the RSO entered the community + {p.first_visit_allowance_days} days.",
            "A visit that found no access does not count as completed.",
            f"Clocks tab: a trigger event (Record › Event…) starts a clock for a reassessment "
            f"home visit within {p.trigger_visit_days} days and, where a child may be at risk, "
            f"one for a referral to children's social care within {p.trigger_referral_days} "
            "day(s) (configurable defaults: no national figure was found). The first completed "
            "home visit on or after the event's date stops the first (a visit before the event "
            "does not); the first referral on or after it, the second. The list shows the open "
            "clocks of the RSOs in the scope, most overdue first.",
        ),
        ("Double-click or Enter on an RSO for their details; Record › Home visit "
         "(Ctrl+Shift+V) records a visit, Record › Event (Ctrl+Shift+E) and Referral "
         "(Ctrl+Shift+F) the clocks' starts and stops.",),
    )


def arms_help(p: Policy) -> PageHelp:
    return PageHelp(
        "ARMS",
        "Who is due an ARMS assessment, and completion by team and by manager against the "
        "force.",
        (
            ("ARMS completion", "Eligible community RSOs in the scope with a current ARMS, as "
             "a share of those eligible."),
            ("Force", "The force's completion, to compare the scope with."),
            ("ARMS due", "Eligible RSOs never assessed, or whose latest ARMS is older than "
             f"{p.arms_max_age_months} months."),
            ("Not eligible", "Community RSOs ARMS does not apply to (not male, or under "
             f"{p.arms_adult_age_years}): left out of the rate."),
        ),
        (
            _arms_rule(p),
            "Completion by team lists each team with at least one eligible RSO; RSOs "
            "allocated to no team count in their BCU's and the force's figures only. The "
            "performance pack lists the same teams.",
        ),
        ("Record › ARMS assessment (Ctrl+Shift+A) records one for the selected RSO.",),
    )


def reactive_help(p: Policy) -> PageHelp:
    return PageHelp(
        "Reactive",
        "RSOs who could be managed reactively, those who are, and those to review back to "
        "active management.",
        (
            ("Managed reactively", "RSOs under reactive management; they stay in the caseload "
             "count."),
            ("Eligible", "Active community RSOs meeting every criterion for reactive "
             "management."),
            ("Reviews due", "Reactive RSOs who no longer meet the criteria (a new concern, a "
             "new order, risk raised): review back to active."),
            ("Not eligible", "Active community RSOs who do not meet every criterion; the list "
             "says which."),
        ),
        (_reactive_rule(p), _visit_intervals(p)),
        ("Record › Management decision (Ctrl+Shift+M) records the manager's decision with a "
         "reason.",),
    )


def orders_help(p: Policy) -> PageHelp:
    return PageHelp(
        "Orders",
        "Civil orders (SHPO, SRO, SOPO and the older orders) in one list.",
        (
            ("In force", "Orders in force at the as-at date: from their start date to their "
             "end date, or with no end date."),
            ("RSOs under an order", "RSOs with at least one order in force: none of them can "
             "be managed reactively."),
            ("Ending soon", f"Orders in force ending within {p.order_review_window_days} days, "
             "listed for review."),
            ("Until further order", "Orders in force with no end date."),
        ),
        (f"Orders ending within {p.order_review_window_days} days are listed for review.",
         "An RSO under an order in force cannot be managed reactively."),
        ("Record › Civil order (Ctrl+Shift+O) records a new order.",
         "The Notification tab lists, within the page's scope: “Re-notification overdue or "
         f"due soon” (community RSOs, at least every {p.renotification_interval_months} months,"
         f" s.85; due soon within {p.due_soon_days} days); “Reviews of indefinite notification "
         "due” (ss.91A-91F) and “Notifications ending”, within "
         f"{p.notification_review_window_days} days; “Releases expected” (RSOs in custody "
         f"expected out within {p.notification_review_window_days} days). Hover a marked date "
         "for why.",
         "With the reviews due listed, Record decision… (Record › Notification review "
         "decision, Ctrl+Shift+N) records the decision to continue or discharge the selected "
         "RSO's indefinite notification."),
    )


def register_help(p: Policy) -> PageHelp:
    return PageHelp(
        "Register",
        "Every RSO of the register you may see, with search and filters.",
        (
            ("RSOs listed", "RSOs within the search and the filters, every status."),
            ("Flagged", "Listed RSOs with at least one flag (hover a flagged cell for why)."),
            ("Data quality", "Listed RSOs whose record needs correcting: no risk level, or "
             "details kept only on paper."),
        ),
        (
            "A community RSO with no named offender manager is flagged and counted as pooled.",
            f"Caseload limit {p.caseload_limit_per_fte:g} per FTE; high-risk share limit "
            f"{p.high_risk_share_limit:.0%}.",
        ),
        ("Ctrl+F searches by id, name, neighbourhood or manager.",),
    )


def quality_help(p: Policy) -> PageHelp:
    return PageHelp(
        "Quality",
        "Supervisors' case reviews (dip samples): how much of the caseload has been reviewed, "
        "the grades, the actions overdue, and this month's proposed sample.",
        (
            ("Review coverage", f"Community RSOs whose case was reviewed in the last "
             f"{p.qa_coverage_months} months ÷ community RSOs."),
            ("Grades", "Reviewed RSOs by the grade of their latest review in the window: each "
             "RSO is counted once."),
            ("Inadequate", "Reviewed RSOs whose latest review was graded inadequate."),
            ("Actions overdue", "Review actions not done by the as-at date whose due date is "
             "before it."),
        ),
        (f"A review counts for {p.qa_coverage_months} months: a review made on the same day "
         f"{p.qa_coverage_months} months before the as-at date still counts.",
         f"The dip sample proposes {p.qa_sample_per_manager} case(s) per offender manager, "
         f"from those not reviewed in the window, {p.qa_sample_weight_high_risk:g} times as "
         f"likely for high or very high risk and {p.qa_sample_weight_never_reviewed:g} times "
         "for a case never reviewed; it stays the same all month."),
        ("Record › Case review (Ctrl+Shift+Q) records a review of the selected RSO.",
         "Mark action done records the selected overdue action as done (Ctrl+Z undoes it)."),
    )


def forecast_help(p: Policy) -> PageHelp:
    return PageHelp(
        "Forecast",
        "What each of the coming 12 weeks asks of the scope chosen: the work falling due and "
        "the hours it needs against the hours available. Each week starts on the day shown.",
        (
            ("Home visits due", "Visits falling due in the 12 weeks: each RSO under active "
             "management in the week of its next due date (an overdue one in the first week), "
             "then by its interval; an RSO released in the weeks needs its first visit "
             f"{p.first_visit_allowance_days} days after release."),
            ("ARMS due", "ARMS assessments falling due: adult males in the community in the "
             f"week their latest ARMS is {p.arms_max_age_months} months old (expired or never "
             "done: the first week)."),
            ("Hours needed", f"{p.hours_per_visit:g} hours a visit and {p.hours_per_arms:g} an "
             f"ARMS assessment, against {p.weekly_hours_per_fte:g} hours a week per FTE less "
             "the days each manager is recorded absent."),
            ("Managers needed", "The most FTE any week needs to keep the group within "
             f"{p.caseload_limit_per_fte:g} community RSOs per FTE, releases counted as they "
             "come, against the FTE the group has."),
        ),
        ("Hours per visit, per ARMS and per FTE a week are configurable defaults: no national "
         "figure was found.",
         "Civil orders count in the week they end; re-notifications and reviews of indefinite "
         "notification in the week they fall due (the first week if already due)."),
        ("Choose a BCU, team or manager; hover a week of the chart, or a flagged cell, for "
         "its figures.",),
    )


def briefing_help(p: Policy) -> PageHelp:
    return PageHelp(
        "Briefing",
        "A briefing for patrol officers of one of your neighbourhoods: the RSOs living there, "
        "with only what an officer may be told.",
        (),
        ("It holds the RSO id, name, risk level, civil orders in force (type and end date) and "
         "whom to tell (their offender manager and team), and nothing else.",
         f"It is OFFICIAL-SENSITIVE and to be destroyed {p.briefing_destroy_after_days} days "
         "after its date; writing one is recorded in the audit log."),
        ("Choose the neighbourhood, then Write briefing… (or File › Neighbourhood briefing…).",),
    )


#: Each page's help, by its settings group (``Page.state_group``).
HELP: dict[str, Callable[[Policy], PageHelp]] = {
    "caseload": caseload_help,
    "visits": visits_help,
    "arms": arms_help,
    "reactive": reactive_help,
    "orders": orders_help,
    "register": register_help,
    "quality": quality_help,
    "forecast": forecast_help,
    "briefing": briefing_help,
}

#: The keys every page answers to, listed in each page's help.
KEYS = (
    ("F1", "This help"),
    ("Ctrl+Tab, Ctrl+Page Down", "Next page"),
    ("Ctrl+Shift+Tab, Ctrl+Page Up", "Previous page"),
    ("Tab, Shift+Tab", "Next and previous control (out of a table too); arrows move in a "
     "table"),
    ("Enter, double-click", "An RSO's details, from any list of RSOs"),
    ("Ctrl+D", "The as-at date"),
)
