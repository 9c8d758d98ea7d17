"""The Forecast page: the chosen scope's weeks in the chart and the table, flags with why, and
the page in the window."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from builders import AS_AT, FORCE_MANAGER, Register
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.forecast import with_absences
from ncpi_desktop.analysis.scenario import Scenario, Step, scenario_figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.pack import build_pack
from ncpi_desktop.formats import fmt_number, uk_date
from ncpi_desktop.storage import models
from ncpi_desktop.storage.allocations import absences
from ncpi_desktop.storage.bulk import bulk_insert
from ncpi_desktop.ui.core.context import ShownScenario
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.models.table_model import BACKGROUND
from ncpi_desktop.ui.pages.forecast import ForecastPage

POLICY = Policy()
PRODUCED_AT = datetime(2017, 10, 9, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def forecast_engine(tmp_path_factory):
    """East 1: OM1 (0.1 FTE) holds six monthly RSOs last visited 20/09 (due 20/10, week 1) and
    is away all of week 2; West 1: OM4 holds one yearly RSO due 01/11 (week 3)."""
    r = Register()
    r.manager("OM1", bcu="East", team="East 1", fte=0.1, name="Dee Ashton")
    r.manager("OM4", bcu="West", team="West 1", name="Lee Brook")
    for _ in range(6):
        rso = r.rso(manager_id="OM1", risk_level="very_high", sex="female")
        r.visit(rso, date(2017, 9, 20))
    r.rso("W1", manager_id="OM4", bcu="West", risk_level="low", sex="female")
    r.visit("W1", date(2016, 11, 1))
    engine = r.write(tmp_path_factory.mktemp("forecast_page") / "p.sqlite3")
    with engine.begin() as connection:
        bulk_insert(connection, models.ManagerAbsence, [dict(
            manager_id="OM1", starts_on=date(2017, 10, 23), ends_on=date(2017, 10, 30),
            reason="leave", actor="test", recorded_at=datetime(2017, 1, 1, tzinfo=UTC))])
    return engine


@pytest.fixture
def page(qtbot, forecast_engine):
    page = ForecastPage(absences=lambda: absences(forecast_engine))
    qtbot.addWidget(page)
    page.resize(1366, 700)
    page.show()
    page.set_figures(compute_figures(full_snapshot(forecast_engine, AS_AT)))
    page.chart_slot.ensure_chart()
    return page


def cells(page, title: str) -> list[str]:
    model = page.table_model
    row = next(r for r in range(model.rowCount())
               if model.index(r, 0).data() == title)
    return [model.index(row, c).data() for c in range(1, model.columnCount())]


def test_the_table_has_a_column_a_week_with_uk_starts(page):
    model = page.table_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:3] == ["Week starting", "09/10", "16/10"] and headers[-1] == "25/12"
    assert page.title_label.text() == "Force: 12 weeks from 09/10/2017 to 31/12/2017"
    # Six monthly visits on 20/10, 20/11, 20/12 (weeks 1, 6, 10); W1's on 01/11 (week 3).
    assert cells(page, "Home visits due") == ["0", "6", "0", "1", "0", "0", "6", "0", "0", "0",
                                              "6", "0"]


def test_a_team_chosen_shows_its_weeks_hours_and_flags(page):
    page.scope.set_scope(bcu="East", team="East 1")
    hours = POLICY.hours_per_visit * 6
    needed = cells(page, "Hours needed")
    assert needed[1] == fmt_number(hours)
    available = cells(page, "Hours available")
    assert available[1] == fmt_number(round(0.1 * POLICY.weekly_hours_per_fte, 1))
    assert available[2] == fmt_number(0.0)  # away all week
    model = page.table_model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "Hours needed")
    tip = model.index(row, 2).data(Qt.ItemDataRole.ToolTipRole)
    assert "hours needed" in tip and "available" in tip
    assert cells(page, "Home visits due")[3] == "0"  # West's visit not in East 1
    # Six community RSOs: 0.2 FTE needed at 50 per FTE, above the 0.1 the team has.
    assert cells(page, "Offender managers needed (FTE)")[0] == "0.2"
    chart = page.chart_slot.chart
    assert chart.stacked_hours[0][1] == hours and chart.capacity[2] == 0


@pytest.mark.parametrize(("scope", "caption", "any_flag"), [
    ({}, "Force, week by week", False),  # 18 hours of 40.7 in week 1; 0.2 FTE of 1.1
    ({"bcu": "East"}, "East BCU, week by week", True)])
def test_the_page_flags_the_weeks_the_pack_marks(page, forecast_engine, scope, caption,
                                                 any_flag):
    page.scope.set_scope(**scope)
    figures = with_absences(compute_figures(full_snapshot(forecast_engine, AS_AT)),
                            absences(forecast_engine))
    table = next(t for t in build_pack(figures, produced_by="t", produced_at=PRODUCED_AT)
                 .section("forecast").tables if t.caption == caption)
    marked = table.frame.set_index("key")
    shown = page.table_model.frame.set_index("measure")
    weeks = [f"w{k}" for k in range(12)]
    flags = shown[[f"flag_over_{w}" for w in weeks]].to_numpy(bool)
    assert flags.tolist() == marked.loc[shown.index, [f"over_{w}" for w in weeks]].to_numpy(
        bool).tolist()
    # East: week 1's 18 hours on 0.1 FTE, and 0.2 FTE needed on 0.1 every week
    assert flags.any() == any_flag


def test_a_manager_chosen_has_no_managers_needed_row(page):
    page.scope.set_scope(manager="OM4")
    titles = [page.table_model.index(r, 0).data() for r in range(page.table_model.rowCount())]
    assert "Offender managers needed (FTE)" not in titles
    assert cells(page, "Home visits due")[3] == "1"


def test_the_window_has_the_forecast_page(qtbot, settings, forecast_engine):
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.show()
    window.set_database(forecast_engine)
    page = window.features.forecast_page
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table_model.rowCount() > 0)
    assert window.tabs.tabText(window.tabs.indexOf(page)) == "Forecast"
    assert cells(page, "Hours available")[2] == fmt_number(POLICY.weekly_hours_per_fte)


def test_the_rows_keep_the_measures_order(page):
    titles = [page.table_model.index(r, 0).data() for r in range(page.table_model.rowCount())]
    assert titles == ["Home visits due", "ARMS assessments due", "Civil orders ending",
                      "Releases from custody", "Re-notifications due", "Notification reviews due",
                      "Hours needed", "Hours available", "Offender managers needed (FTE)"]


# --- a what-if scenario beside today ----------------------------------------------------------

#: Half an offender manager more in East 1, and an hour more per home visit.
EAST_PLUS = Scenario("East 1 +0.5", (
    Step("add_manager", {"team": "East 1", "bcu": "East", "fte": 0.5}),
    Step("policy_value", {"key": "hours_per_visit", "value": POLICY.hours_per_visit + 1}),
))


def titles(page) -> list[str]:
    return [page.table_model.index(r, 0).data() for r in range(page.table_model.rowCount())]


def show_scenario(page, scenario: Scenario) -> None:
    today = page.figures
    page.set_scenario(ShownScenario(scenario, base=today,
                                    figures=scenario_figures(today.snapshot, scenario, today)))


def test_a_scenario_adds_what_if_and_difference_rows_under_todays(page):
    page.scope.set_scope(bcu="East", team="East 1")
    today_available = cells(page, "Hours available")
    today_needed = cells(page, "Hours needed")
    show_scenario(page, EAST_PLUS)
    shown = titles(page)
    assert shown[:9] == ["Home visits due", "ARMS assessments due", "Civil orders ending",
                         "Releases from custody", "Re-notifications due",
                         "Notification reviews due", "Hours needed", "Hours available",
                         "Offender managers needed (FTE)"]  # today's rows stay
    # The hours change; the visits and the managers needed do not.
    assert shown[9:] == ["What if: Hours needed", "What if: Hours available", "Δ Hours needed",
                         "Δ Offender managers needed (FTE)"]
    assert page.title_label.text().endswith("(the scenario's 4 rows under today's)")
    assert cells(page, "Hours available") == today_available
    added = 0.5 * POLICY.weekly_hours_per_fte
    fte = 0.1 * POLICY.weekly_hours_per_fte
    assert cells(page, "What if: Hours available")[1] == fmt_number(round(fte + added, 1))
    assert cells(page, "What if: Hours available")[2] == fmt_number(added)  # OM1 away
    # Six visits in week 1 at an hour more each.
    assert cells(page, "Hours needed") == today_needed
    assert cells(page, "What if: Hours needed")[1] == fmt_number(6 * (POLICY.hours_per_visit + 1))
    assert cells(page, "Δ Hours needed")[:2] == [fmt_number(0.0), f"+{fmt_number(6.0)}"]
    assert set(cells(page, "Δ Offender managers needed (FTE)")) == {fmt_number(0.0)}
    model = page.table_model
    row = titles(page).index("What if: Hours available")
    assert model.index(row, 1).data(BACKGROUND) is not None  # on the scenario's ground
    assert model.index(0, 1).data(BACKGROUND) is None
    assert "what if: " in page.summary["hours"].note_text
    visits = page.summary["visits"]  # the visits do not change
    assert visits.note_text.endswith(f"what if: {visits.value_text} (+0)")
    chart = page.chart_slot.chart
    assert chart.what_if_capacity[1] == pytest.approx(fte + added)
    assert chart.capacity[1] == pytest.approx(fte)


def test_without_the_scenario_the_page_is_as_before(page):
    before = [cells(page, t) for t in titles(page)]
    show_scenario(page, EAST_PLUS)
    assert "What if: Hours available" in titles(page)
    page.set_scenario(None)
    assert [cells(page, t) for t in titles(page)] == before
    assert not any(t.startswith(("What if", "Δ")) for t in titles(page))
    assert page.chart_slot.chart.what_if_capacity is None
    assert "what if" not in page.summary["hours"].note_text


def test_a_scenario_worked_out_from_other_figures_shows_nothing_beside_today(page):
    stale = compute_figures(page.figures.snapshot)
    page.set_scenario(ShownScenario(EAST_PLUS, base=stale,
                                    figures=scenario_figures(stale.snapshot, EAST_PLUS, stale)))
    assert not any(t.startswith(("What if", "Δ")) for t in titles(page))


def test_a_manager_who_leaves_has_nothing_in_the_scenario(page):
    page.scope.set_scope(manager="OM4")
    show_scenario(page, Scenario("OM4 goes", (Step("manager_leaves", {"manager_id": "OM4"}),)))
    assert cells(page, "What if: Home visits due")[3] == "0"
    assert cells(page, "Δ Hours needed")[3] == f"−{fmt_number(POLICY.hours_per_visit)}"


def test_a_manager_added_changes_only_the_hours_available(page):
    page.scope.set_scope(bcu="East")
    show_scenario(page, Scenario("East +1", (
        Step("add_manager", {"team": "East 1", "bcu": "East", "fte": 1.0}),)))
    assert [t for t in titles(page) if t.startswith(("What if", "Δ"))] == [
        "What if: Hours available", "Δ Hours needed", "Δ Offender managers needed (FTE)"]
    today = cells(page, "Hours available")
    what_if = cells(page, "What if: Hours available")
    assert [float(b) - float(a) for a, b in zip(today, what_if, strict=True)] == pytest.approx(
        [POLICY.weekly_hours_per_fte] * 12)
    assert page.summary["managers"].note_text == "has 0.1 FTE · what if: 0.2 FTE, has 1.1"


@pytest.mark.parametrize("scope", [{}, {"bcu": "East", "team": "East 1"}])
def test_the_chart_says_the_weeks_the_table_flags_short_of_hours(page, scope):
    """What a screen reader hears of the chart names the weeks the table flags on its hours
    needed (East 1: the weeks of OM1's six visits on 0.1 FTE), and no others."""
    page.scope.set_scope(**scope)
    shown = page.table_model.frame.set_index("measure")
    result = page.result
    flagged = [uk_date(start) for k, start in enumerate(result.week_starts)
               if shown.loc["hours_needed", f"flag_over_w{k}"]]
    chart = page.chart_slot.chart
    plot = next(w for w in chart.findChildren(QWidget) if w.accessibleName() == chart.title)
    said = plot.accessibleDescription()
    assert said.startswith(f"12 weeks from {uk_date(result.week_starts[0])}")
    if scope:
        assert flagged and f"more hours needed than available in the weeks from " \
            f"{', '.join(flagged)}" in said
    else:
        assert not flagged and "; within the hours available" in said
