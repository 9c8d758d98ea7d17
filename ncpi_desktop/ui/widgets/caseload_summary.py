"""The caseload page's summary cards: the force's, a BCU's or a team's figures at a glance."""

from __future__ import annotations

import pandas as pd

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import Kind, format_value
from ncpi_desktop.ui.widgets.summary import SummaryCard


def caseload_cards() -> dict[str, SummaryCard]:
    """The cards, keyed by the figure each shows."""
    return {
        "rsos": SummaryCard("RSOs", "Every registered RSO, whatever their status"),
        "community": SummaryCard("In the community", "RSOs managed in the community: "
                                 "the only ones counted in a caseload"),
        "per_fte": SummaryCard("Per FTE", "Community RSOs ÷ total FTE of the active "
                               "offender managers"),
        "high_risk_share": SummaryCard("High-risk share", "High plus very-high risk, as a "
                                       "share of community RSOs"),
        "pooled": SummaryCard("Pooled", "Community RSOs with no named offender manager"),
        "arms_completion": SummaryCard("ARMS completion", "Eligible community RSOs with a "
                                       "current ARMS assessment"),
    }


def show_scope_figures(cards: dict[str, SummaryCard], row: pd.Series | None,
                       policy: Policy) -> None:
    """Write a scope's figures (a row of ``Figures.force``, ``bcus`` or ``teams``; None: a dash
    on every card) on ``cards``."""
    if row is None:
        for card in cards.values():
            card.set_figure("–", "")
        return

    def n(key: str) -> str:
        return format_value(Kind.INT, row[key])

    cards["rsos"].set_figure(n("rsos"), "on the register, any status")
    cards["community"].set_figure(
        n("community"),
        f"{n('custody')} custody · {n('abroad')} abroad · {n('missing')} missing")
    cards["per_fte"].set_figure(
        format_value(Kind.RATIO, row["per_fte"]),
        f"on {format_value(Kind.FTE, row['fte'])} FTE · limit "
        f"{policy.caseload_limit_per_fte:g}")
    cards["high_risk_share"].set_figure(
        format_value(Kind.PERCENT, row["high_risk_share"]),
        f"{n('high')} high · {n('very_high')} very high · limit "
        f"{policy.high_risk_share_limit:.0%}")
    cards["pooled"].set_figure(n("pooled"), "community RSOs, no named manager")
    cards["arms_completion"].set_figure(
        format_value(Kind.PERCENT, row["arms_completion"]),
        f"{n('arms_current')} of {n('arms_eligible')} eligible current")
