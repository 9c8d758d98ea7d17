"""The pack's words for its figures: the shared formats (``ncpi_desktop.formats``) with a dash for
a figure that does not apply, a policy limit as a percentage, the policy line and risk labels."""

from __future__ import annotations

from typing import Any

from ncpi_desktop.domain.enums import RiskLevel
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import NOT_APPLICABLE, Kind, format_value, is_blank


def figure_text(kind: Kind, value: Any) -> str:
    """A figure as the pack prints it: ``format_value``, with a dash where it does not apply."""
    return format_value(kind, value, blank=NOT_APPLICABLE)


def limit_percent(share: float) -> str:
    """A policy limit as a percentage with the digits it was set with: 0.25 -> '25%'."""
    return f"{share * 100:g}%"


def policy_line(policy: Policy) -> str:
    """The policy values in one line, printed on every page of the PDF."""
    p = policy
    return (f"Policy: caseload limit {p.caseload_limit_per_fte:g} per FTE · high-risk share "
            f"limit {limit_percent(p.high_risk_share_limit)} · visits every "
            f"{p.visit_interval_very_high_months}/{p.visit_interval_high_months}/"
            f"{p.visit_interval_medium_months}/{p.visit_interval_low_months} months (very high/"
            f"high/medium/low) · first visit {p.first_visit_allowance_days} days · due soon "
            f"{p.due_soon_days} days · ARMS every {p.arms_max_age_months} months · reactive after "
            f"{p.reactive_concern_free_years} years concern-free · orders ending within "
            f"{p.order_review_window_days} days")


def risk_label(value: Any) -> str:
    if is_blank(value):
        return "not recorded"
    return RiskLevel(value).label
