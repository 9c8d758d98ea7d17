"""The limit charts alone: bars against the policy, colours from the flags, names that fit."""

from __future__ import annotations

import pandas as pd
from PySide6.QtWidgets import QWidget

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.ui.charts.manager_bars import CaseloadChart, HighRiskShareChart


def managers(count: int) -> pd.DataFrame:
    caseload = [30 + (i * 7) % 50 for i in range(count)]
    return pd.DataFrame({
        "manager_id": [f"OM{i:04d}" for i in range(count)],
        "name": [f"Officer {i}" for i in range(count)],
        "team": "East 1",
        "fte": 1.0,
        "caseload": caseload,
        "per_fte": [float(c) for c in caseload],
        "high": [c // 5 for c in caseload],
        "very_high": 0,
        "high_risk_share": [(c // 5) / c for c in caseload],
        "flag_caseload_over_limit": [c > 60 for c in caseload],
        "why_caseload_over_limit": ["" if c <= 60 else f"{c} on 1.0 FTE" for c in caseload],
        "flag_high_risk_share_over_limit": False,
        "why_high_risk_share_over_limit": "",
    })


def test_the_limit_comes_from_the_policy(qtbot) -> None:
    chart = CaseloadChart()
    qtbot.addWidget(chart)
    policy = Policy(caseload_limit_per_fte=60.0, high_risk_share_limit=0.25)
    chart.set_managers(managers(5), policy)
    assert chart.limit_value() == 60.0
    share = HighRiskShareChart()
    qtbot.addWidget(share)
    share.set_managers(managers(5), policy)
    assert share.limit_value() == 25.0


def test_bars_rank_highest_first_and_take_the_flag_colour(qtbot) -> None:
    chart = CaseloadChart()
    qtbot.addWidget(chart)
    frame = managers(6)
    chart.set_managers(frame, Policy())
    ranked = frame.sort_values("per_fte", ascending=False, kind="stable")
    assert chart.manager_ids == ranked["manager_id"].tolist()
    # Coloured by the analysis flag (here raised above 60), not by comparing with the line.
    assert chart.flagged == ranked["flag_caseload_over_limit"].tolist()


def test_names_never_overlap(qtbot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    chart = CaseloadChart(host)
    chart.resize(500, 700)
    host.show()
    qtbot.waitExposed(host)
    chart.set_managers(managers(8), Policy())
    assert len(chart.named_bars) == 8
    chart.set_managers(managers(400), Policy())
    named = chart.named_bars
    assert 5 < len(named) < 400
    line = chart.fontMetrics().height()
    assert chart.plot_widget.height() / len(named) >= line


def test_hovering_a_bar_names_the_manager_and_says_why(qtbot) -> None:
    chart = CaseloadChart()
    qtbot.addWidget(chart)
    chart.set_managers(managers(6), Policy())
    assert chart.tip_text("OM0005") == (
        "Officer 5 (East 1)\n65 community RSOs on 1.0 FTE: 65.0 per FTE\n⚠ 65 on 1.0 FTE")
    assert chart.tip_text("OM0000") == (
        "Officer 0 (East 1)\n30 community RSOs on 1.0 FTE: 30.0 per FTE")
