"""The limit charts alone: bars against the policy, colours from the flags, names that fit."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
from PySide6.QtWidgets import QWidget

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.ui.charts.bars import BAR_PIXELS
from ncpi_desktop.ui.charts.distribution import MANY_MANAGERS, ManagerChartPanel
from ncpi_desktop.ui.charts.manager_bars import CaseloadChart, HighRiskShareChart
from ncpi_desktop.ui.charts.review_charts import ArmsCompletionChart, TrendChart


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


# --- charts that scale ------------------------------------------------------------------------


def national(count: int) -> pd.DataFrame:
    """``count`` managers in 4 BCUs of 25 teams each."""
    frame = managers(count)
    frame["bcu"] = [f"BCU {i % 4}" for i in range(count)]
    frame["team"] = [f"Team {i % 100:02d}" for i in range(count)]
    frame["severity_caseload_over_limit"] = [2 if c > 66 else 1 if c > 60 else 0
                                             for c in frame["caseload"]]
    return frame


def shown(qtbot, widget: QWidget, width: int = 500, height: int = 700) -> QWidget:
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_two_thousand_managers_are_a_distribution_and_a_list(qtbot) -> None:
    panel = shown(qtbot, ManagerChartPanel(CaseloadChart))
    policy = Policy(caseload_limit_per_fte=60.0)
    frame = national(2000)
    panel.set_managers(frame, policy)
    assert panel.showing_distribution
    assert panel.bars.manager_ids == []  # not 2,000 bars
    histogram = panel.histogram
    assert sum(histogram.counts) == 2000
    assert len(histogram.counts) < 40
    assert histogram.limit_value() == 60.0
    assert 60.0 in histogram.edges  # the limit is a bin edge: no bin straddles it
    flagged = frame[frame["flag_caseload_over_limit"]]
    assert len(panel.flagged_ids) == len(flagged) > 0
    assert set(panel.flagged_ids) == set(flagged["manager_id"])
    assert frame.set_index("manager_id").loc[panel.flagged_ids, "per_fte"].is_monotonic_decreasing
    # A team of 20 is a bar each.
    panel.choose("team", "Team 07")
    assert not panel.showing_distribution
    team = frame[frame["team"] == "Team 07"]
    assert sorted(panel.bars.manager_ids) == sorted(team["manager_id"])
    panel.choose("bcu", "BCU 1")  # 500 managers: their distribution
    assert panel.showing_distribution and sum(panel.histogram.counts) == 500
    # Choosing a listed manager selects them, as clicking a bar does.
    with qtbot.waitSignal(panel.manager_changed) as signal:
        panel.flagged_list.itemClicked.emit(panel.flagged_list.item(0))
    assert signal.args == [panel.flagged_ids[0]]


def test_the_list_above_the_limit_follows_new_figures(qtbot) -> None:
    panel = shown(qtbot, ManagerChartPanel(CaseloadChart))
    policy = Policy(caseload_limit_per_fte=60.0)
    frame = national(2000)
    panel.set_managers(frame, policy)
    below = frame.index[~frame["flag_caseload_over_limit"]][0]
    panel.select_manager(panel.flagged_ids[0])
    kept = panel.flagged_list.item(0)
    panel.set_managers(frame.copy(), policy)  # the same figures: the same list, still chosen
    assert panel.flagged_list.item(0) is kept and kept.isSelected()
    changed = frame.copy()
    changed.loc[below, ["per_fte", "flag_caseload_over_limit"]] = [999.0, True]
    changed.loc[below, "why_caseload_over_limit"] = "999 on 1.0 FTE"
    panel.set_managers(changed, policy)
    moved = str(changed.loc[below, "manager_id"])
    assert panel.flagged_ids[0] == moved  # the highest first
    assert panel.flagged_list.item(0).text().endswith("999.0 per FTE")
    assert "999 on 1.0 FTE" in panel.flagged_list.item(0).toolTip()
    assert len(panel.flagged_ids) == int(changed["flag_caseload_over_limit"].sum())


def test_a_few_managers_are_bars_without_a_selector(qtbot) -> None:
    panel = shown(qtbot, ManagerChartPanel(CaseloadChart))
    panel.set_managers(national(MANY_MANAGERS), Policy())
    assert not panel.showing_distribution
    assert len(panel.bars.manager_ids) == MANY_MANAGERS
    assert not panel.selector.isVisible()


def test_a_four_manager_team_gets_bars_of_the_fixed_thickness(qtbot) -> None:
    chart = shown(qtbot, CaseloadChart())
    chart.set_managers(managers(4), Policy())
    qtbot.wait(10)
    assert [round(chart.bar_pixels(row)) for row in range(4)] == [round(BAR_PIXELS)] * 4
    chart.set_managers(managers(12), Policy())
    assert round(chart.bar_pixels(0)) == round(BAR_PIXELS)
    chart.resize(500, 300)  # more rows than fit: they share the height, thinner
    qtbot.wait(10)
    chart.set_managers(managers(40), Policy())
    assert chart.bar_pixels(0) < BAR_PIXELS


def trend(months: int) -> pd.DataFrame:
    ends = pd.date_range("2016-10-31", periods=months, freq="ME")
    return pd.DataFrame({"month_end": ends, "arms_completion": 0.5, "arms_current": 5,
                         "arms_eligible": 10, "visits_overdue": 3, "visits_prescribed": 20})


def test_the_trend_months_never_overlap(qtbot) -> None:
    chart = TrendChart()
    shown(qtbot, chart, 1366, 400)
    chart.set_trend(trend(12))
    qtbot.wait(10)
    assert len(chart.shown_ticks) == 12  # every month at full width
    for width in (1366, 520, 300, 180):
        chart.resize(width, 400)
        qtbot.wait(10)
        spans = chart.tick_pixels()
        assert spans and chart.shown_ticks[-1][1] == "Sep 17"  # the latest month is named
        assert all(left[1] < right[0] for left, right in pairwise(spans)), width
    assert len(chart.shown_ticks) < 12


def test_empty_charts_say_so_rather_than_raise(qtbot) -> None:
    chart = shown(qtbot, CaseloadChart())
    chart.set_managers(managers(0), Policy())
    chart.grab()  # painting an empty chart raised UnboundLocalError in pyqtgraph
    assert chart.empty_label.isVisible()
    assert chart.empty_label.text() == "No managers in this scope"
    chart.set_managers(managers(3), Policy())
    assert not chart.empty_label.isVisible() and len(chart.manager_ids) == 3
    arms = shown(qtbot, ArmsCompletionChart())
    arms.set_teams(pd.DataFrame(columns=["label", "arms_eligible", "arms_current",
                                         "arms_completion"]), 0.5)
    arms.grab()
    assert arms.empty_label.isVisible()
    panel = shown(qtbot, ManagerChartPanel(HighRiskShareChart))
    panel.set_managers(managers(0), Policy())
    panel.grab()
    assert panel.bars.empty_label.isVisible()
