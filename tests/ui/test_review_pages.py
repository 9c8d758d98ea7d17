"""The review pages (Visits, ARMS, Reactive, Orders) over a hand-built register, as a user sees
them: which RSOs are listed and in what order, the summary figures, the filters, the flags' why.

``review_register`` is also the register of the recording and detail-panel tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from builders import AS_AT, Register
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import BACKGROUND, DISPLAY, TOOLTIP, DataFrameTableModel
from ncpi_desktop.ui.pages.arms import ArmsPage
from ncpi_desktop.ui.pages.orders import ENDING, EVERY, IN_FORCE, OrdersPage
from ncpi_desktop.ui.pages.reactive import ReactivePage
from ncpi_desktop.ui.pages.review import ReviewPage
from ncpi_desktop.ui.pages.visits import LONE, WARRANT, VisitsPage


def review_register() -> Register:
    """One RSO per case the review pages show, as at 09/10/2017.

    East 1 (OM1 Alice Ashworth) and West 1 (OM2 Bob Birtwistle):
    LATE     medium, visited 01/01/2017: due 01/07/2017, 100 days overdue; no ARMS
    WARRANT  medium, visited 10/01/2017 then two no-access visits: 91 days overdue, warrant
    LATE2    high, visited 01/06/2017: due 01/09/2017, 38 days overdue
    SOON     medium, visited 20/04/2017: due 20/10/2017, in 11 days
    LATER    low, visited 01/05/2017 (due 01/05/2018); ARMS of 01/01/2016, expired
    LONE     low, latest visit by one officer
    ELIGIBLE low, ARMS low 01/03/2017: eligible for reactive management
    WOMAN    low, female (no ARMS asked): eligible
    REACT    reactive since 15/02/2017, still meets the criteria
    REVIEW   reactive since 01/05/2016, but medium risk: review due
    ORDERED  low, ARMS low, SHPO ending 01/11/2017 (in 23 days): not eligible
    ENDED    low, SOPO that ended 01/01/2017
    """
    r = Register()
    r.manager("OM1", name="Alice Ashworth", bcu="East", team="East 1")
    r.manager("OM2", name="Bob Birtwistle", bcu="West", team="West 1")
    east = dict(manager_id="OM1", team="East 1", bcu="East")
    west = dict(manager_id="OM2", team="West 1", bcu="West")
    recent = date(2017, 8, 1)

    r.rso("LATE", risk_level="medium", **east)
    r.visit("LATE", date(2017, 1, 1))
    r.allocation("LATE", "OM2", date(2010, 1, 1), date(2015, 3, 1), reason="registered")
    r.allocation("LATE", "OM1", date(2015, 3, 1), reason="moved to Blackburn")
    r.rso("WARRANT", risk_level="medium", **west)
    r.visit("WARRANT", date(2017, 1, 10))
    r.visit("WARRANT", date(2017, 9, 1), outcome="no_access")
    r.visit("WARRANT", date(2017, 9, 20), outcome="no_access")
    r.rso("LATE2", risk_level="high", **west)
    r.visit("LATE2", date(2017, 6, 1))
    r.rso("SOON", risk_level="medium", **east)
    r.visit("SOON", date(2017, 4, 20))
    r.rso("LATER", risk_level="low", **east)
    r.visit("LATER", date(2017, 5, 1))
    r.assessment("LATER", date(2016, 1, 1), "low")
    r.rso("LONE", risk_level="low", **east)
    r.visit("LONE", date(2017, 9, 1), officers=1)
    r.rso("ELIGIBLE", risk_level="low", **east)
    r.visit("ELIGIBLE", recent)
    r.assessment("ELIGIBLE", date(2017, 3, 1), "low")
    r.rso("WOMAN", risk_level="low", sex="female", **east)
    r.visit("WOMAN", recent)
    r.rso("REACT", risk_level="low", management="reactive", **west)
    r.assessment("REACT", date(2017, 2, 1), "low")
    r.decision("REACT", "reactive", date(2017, 2, 15), reason="settled, ARMS low")
    r.rso("REVIEW", risk_level="medium", management="reactive", **west)
    r.assessment("REVIEW", date(2017, 2, 1), "low")
    r.decision("REVIEW", "reactive", date(2016, 5, 1))
    r.rso("ORDERED", risk_level="low", **west)
    r.visit("ORDERED", recent)
    r.assessment("ORDERED", date(2017, 3, 1), "low")
    r.order("ORDERED", date(2016, 1, 1), date(2017, 11, 1), type="SHPO")
    r.rso("ENDED", risk_level="low", **east)
    r.visit("ENDED", recent)
    r.order("ENDED", date(2012, 1, 1), date(2017, 1, 1), type="SOPO")
    return r


@pytest.fixture(scope="session")
def review_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("review") / "review.sqlite3"
    review_register().write(path).dispose()
    return path


@pytest.fixture(scope="session")
def review_figures(review_file: Path) -> Figures:
    engine = make_engine(review_file)
    try:
        return compute_figures(load_snapshot(engine, AS_AT))
    finally:
        engine.dispose()


def shown_page(qtbot, page: ReviewPage, figures: Figures) -> ReviewPage:
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.set_figures(figures)
    page.show()
    qtbot.waitExposed(page)
    return page


@pytest.fixture
def visits(qtbot, review_figures: Figures) -> Iterator[VisitsPage]:
    yield shown_page(qtbot, VisitsPage(), review_figures)


@pytest.fixture
def arms(qtbot, review_figures: Figures) -> Iterator[ArmsPage]:
    yield shown_page(qtbot, ArmsPage(), review_figures)


@pytest.fixture
def reactive(qtbot, review_figures: Figures) -> Iterator[ReactivePage]:
    yield shown_page(qtbot, ReactivePage(), review_figures)


@pytest.fixture
def orders(qtbot, review_figures: Figures) -> Iterator[OrdersPage]:
    yield shown_page(qtbot, OrdersPage(), review_figures)


def column(model: DataFrameTableModel, key: str, role: int = DISPLAY) -> list:
    number = model.column_of(key)
    return [model.data(model.index(row, number), role) for row in range(model.rowCount())]


def cell(model: DataFrameTableModel, rso: str, key: str, role: int = DISPLAY):  # noqa: ANN201
    row = model.row_of("rso_id", rso)
    assert row is not None, rso
    return model.data(model.index(row, model.column_of(key)), role)


WARNING = QColor(style.WARNING_BACKGROUND)


# --- every model -----------------------------------------------------------------------------


def test_models_keep_the_contract(qtmodeltester, visits, arms, reactive, orders) -> None:
    for page in (visits, arms, reactive, orders):
        for view in page.rso_views:
            qtmodeltester.check(view.model())
    qtmodeltester.check(visits.risk_model)


# --- Visits ------------------------------------------------------------------------------------


def test_visits_lists_the_most_overdue_first_then_the_due_soon(visits: VisitsPage) -> None:
    model = visits.visits_model
    assert column(model, "rso_id") == ["LATE", "WARRANT", "LATE2", "SOON"]
    assert column(model, "overdue_days") == ["100", "91", "38", ""]
    assert column(model, "due_in") == ["", "", "", "11"]
    assert column(model, "next_visit_due") == ["01/07/2017", "10/07/2017", "01/09/2017",
                                               "20/10/2017"]
    assert column(model, "last_visit_on")[0] == "01/01/2017"
    assert column(model, "manager_label")[:2] == ["Alice Ashworth", "Bob Birtwistle"]
    assert column(model, "risk_level") == ["Medium", "Medium", "High", "Medium"]
    assert column(model, "interval_text")[2] == "3 months"
    assert visits.summary["overdue"].value_text == "3"
    assert visits.summary["most_overdue"].value_text == "100 days"
    assert visits.summary["most_overdue"].note_text == "LATE · Alice Ashworth"
    assert visits.summary["due_soon"].value_text == "1"
    assert visits.summary["warrant"].value_text == "1"
    assert visits.summary["lone"].value_text == "1"


def test_overdue_cells_are_flagged_with_why(visits: VisitsPage) -> None:
    model = visits.visits_model
    assert cell(model, "LATE", "overdue_days", BACKGROUND) == WARNING
    assert cell(model, "LATE", "overdue_days", TOOLTIP) == (
        "Next visit was due 01/07/2017 (medium risk, every 6 months): 100 days overdue")
    assert cell(model, "SOON", "overdue_days", BACKGROUND) is None
    assert cell(model, "WARRANT", "alerts") == "Warrant?"
    assert "consider a warrant of entry" in cell(model, "WARRANT", "alerts", TOOLTIP)


def test_due_soon_window_defaults_to_the_policy_and_can_look_further(
        visits: VisitsPage, review_figures: Figures) -> None:
    assert visits.due_within == review_figures.policy.due_soon_days
    visits.within_spin.setValue(0)
    assert column(visits.visits_model, "rso_id") == ["LATE", "WARRANT", "LATE2"]
    assert visits.within_spin.text() == "overdue only"
    visits.within_spin.setValue(210)  # LATER is due 01/05/2018, in 204 days
    assert "LATER" in column(visits.visits_model, "rso_id")
    assert visits.summary["due_soon"].note_text == "within 210 days (policy: 28)"


def test_visits_filters_by_bcu_team_manager_and_risk(visits: VisitsPage) -> None:
    visits.scope.set_scope(bcu="West")
    assert column(visits.visits_model, "rso_id") == ["WARRANT", "LATE2"]
    assert visits.scope_label.text() == "West BCU"
    assert visits.scope.team_combo.count() == 2  # All teams, West 1
    visits.scope.set_scope(bcu="West", risk="high")
    assert column(visits.visits_model, "rso_id") == ["LATE2"]
    assert visits.summary["overdue"].value_text == "1"
    visits.scope.set_scope(manager="OM1")
    assert column(visits.visits_model, "rso_id") == ["LATE", "SOON"]
    assert visits.scope_label.text() == "Alice Ashworth"
    visits.scope.set_scope(team="East 1")
    assert column(visits.visits_model, "rso_id") == ["LATE", "SOON"]
    visits.scope.set_scope()
    assert len(column(visits.visits_model, "rso_id")) == 4


def test_warrant_and_lone_visit_lists(visits: VisitsPage) -> None:
    visits.set_list_mode(WARRANT)
    assert column(visits.visits_model, "rso_id") == ["WARRANT"]
    assert not visits.within_spin.isEnabled()
    visits.set_list_mode(LONE)
    assert column(visits.visits_model, "rso_id") == ["LONE"]
    assert cell(visits.visits_model, "LONE", "alerts", TOOLTIP) == (
        "Latest completed visit on 01/09/2017 made by 1 officer: home visits need 2")


def test_overdue_by_risk_level_and_most_overdue_per_team(visits: VisitsPage) -> None:
    risk = visits.risk_model
    assert column(risk, "risk_level") == ["Very high", "High", "Medium", "Low", "All"]
    assert column(risk, "overdue") == ["0", "1", "2", "0", "3"]
    assert column(risk, "max_days_overdue") == ["", "38", "100", "", "100"]
    assert column(risk, "prescribed")[-1] == "10"  # the community RSOs under active management
    teams = visits.teams_model
    assert column(teams, "team") == ["East 1", "West 1"]
    assert column(teams, "overdue") == ["1", "2"]
    assert column(teams, "max_days_overdue") == ["100", "91"]
    assert column(teams, "rso_id") == ["LATE", "WARRANT"]
    managers = visits.managers_model
    assert column(managers, "manager_label") == ["Alice Ashworth", "Bob Birtwistle"]
    assert column(managers, "rso_id") == ["LATE", "WARRANT"]


def test_overdue_chart_stacks_risk_levels_per_team(qtbot, visits: VisitsPage) -> None:
    visits.side_tabs.setCurrentWidget(visits.chart_slot)
    chart = visits.chart_slot.ensure_chart()
    assert chart.teams == ["West 1", "East 1"]
    assert chart.totals == [2, 1]
    assert chart.segment_widths("high") == [1, 0]
    assert chart.segment_widths("medium") == [1, 1]
    assert chart.tip_text("West 1") == ("West 1: 2 overdue (1 high, 1 medium)\n"
                                        "most overdue by 91 days")


# --- ARMS --------------------------------------------------------------------------------------


def test_arms_due_never_assessed_first_then_expired(arms: ArmsPage) -> None:
    model = arms.due_model
    listed = column(model, "rso_id")
    assert listed[-1] == "LATER"
    assert sorted(listed[:-1]) == ["ENDED", "LATE", "LATE2", "LONE", "SOON", "WARRANT"]
    assert cell(model, "LATER", "arms_state") == "Expired"
    assert cell(model, "LATER", "arms_state", TOOLTIP) == (
        "Latest ARMS on 01/01/2016 is older than 12 months (expired 01/01/2017)")
    assert cell(model, "LATE", "arms_state") == "Never assessed"
    assert "WOMAN" not in listed  # ARMS applies to adult males
    # Current: ELIGIBLE, REACT, REVIEW, ORDERED, of 11 eligible (every man).
    assert arms.summary["completion"].value_text == "36.4%"
    assert arms.summary["completion"].note_text == "4 of 11 eligible current"
    assert arms.summary["due"].note_text == "6 never · 1 expired"
    assert arms.summary["not_eligible"].value_text == "1"


def test_arms_completion_by_team_and_manager_against_the_force(arms: ArmsPage) -> None:
    teams = arms.teams_model
    assert column(teams, "team") == ["East 1", "West 1"]  # lowest completion first
    assert column(teams, "arms_completion") == ["16.7%", "60.0%"]  # 1 of 6, 3 of 5
    assert column(teams, "vs_force") == ["-19.7", "23.6"]
    assert arms.summary["force"].value_text == "36.4%"
    assert column(arms.managers_model, "manager_label") == ["Alice Ashworth", "Bob Birtwistle"]
    arms.scope.set_scope(bcu="West")
    assert arms.summary["completion"].value_text == "60.0%"
    assert arms.summary["force"].value_text == "36.4%"  # the force stays the force
    chart = arms.chart_slot.ensure_chart()
    assert chart.teams == ["West 1"]
    assert chart.force_value() == pytest.approx(400 / 11)
    assert chart.below_force == [False]


# --- Reactive ----------------------------------------------------------------------------------


def test_reactive_lists(reactive: ReactivePage) -> None:
    assert sorted(column(reactive.eligible_model, "rso_id")) == ["ELIGIBLE", "WOMAN"]
    assert column(reactive.eligible_model, "visits_a_year") == ["1.0", "1.0"]
    assert column(reactive.reviews_model, "rso_id") == ["REVIEW"]
    assert cell(reactive.reviews_model, "REVIEW", "reactive_unmet") == "risk medium"
    assert cell(reactive.reviews_model, "REVIEW", "reactive_unmet", BACKGROUND) == WARNING
    assert "review back to active" in cell(reactive.reviews_model, "REVIEW", "reactive_unmet",
                                           TOOLTIP)
    assert column(reactive.reactive_model, "rso_id") == ["REACT", "REVIEW"]  # latest first
    assert column(reactive.reactive_model, "management_decided_on") == ["15/02/2017",
                                                                        "01/05/2016"]
    not_eligible = reactive.not_eligible_model
    assert cell(not_eligible, "ORDERED", "reactive_unmet") == "SHPO in force"
    assert cell(not_eligible, "LATE", "reactive_unmet") == "risk medium; no ARMS assessment"
    assert cell(not_eligible, "LATER", "reactive_unmet") == (
        "ARMS of 01/01/2016 older than 12 months")
    assert reactive.list_tabs.tabText(0) == "Eligible candidates (2)"
    assert reactive.summary["eligible"].note_text == "2 home visits a year no longer prescribed"
    assert reactive.summary["reviews"].value_text == "1"
    assert reactive.summary["reactive"].value_text == "2"


def test_reactive_caseload_freed_per_manager(reactive: ReactivePage) -> None:
    managers = reactive.managers_model
    assert column(managers, "manager_label") == ["Alice Ashworth", "Bob Birtwistle"]
    assert column(managers, "candidates") == ["2", "0"]
    assert column(managers, "visits_a_year") == ["2.0", "0.0"]
    assert column(managers, "reactive") == ["0", "2"]
    assert column(managers, "reviews") == ["0", "1"]


# --- Orders ------------------------------------------------------------------------------------


def test_orders_register(orders: OrdersPage) -> None:
    model = orders.orders_model
    assert column(model, "rso_id") == ["ORDERED"]
    assert cell(model, "ORDERED", "days_to_end") == "23"
    assert cell(model, "ORDERED", "days_to_end", BACKGROUND) == WARNING
    assert cell(model, "ORDERED", "days_to_end", TOOLTIP) == (
        "SHPO ends 01/11/2017 (in 23 days): orders ending within 90 days are reviewed")
    assert orders.summary["in_force"].value_text == "1"
    assert orders.summary["in_force"].note_text == "SHPO 1"
    assert orders.summary["ending"].value_text == "1"
    orders.set_showing(EVERY)
    assert column(model, "rso_id") == ["ORDERED", "ENDED"]
    assert column(model, "in_force_text") == ["Yes", "Ended"]
    assert column(model, "ends_on") == ["01/11/2017", "01/01/2017"]
    orders.set_showing(EVERY, "SOPO")
    assert column(model, "rso_id") == ["ENDED"]
    orders.set_showing(ENDING, "SOPO")
    assert column(model, "rso_id") == []
    orders.set_showing(ENDING)
    assert column(model, "rso_id") == ["ORDERED"]
    orders.scope.set_scope(bcu="East")
    assert column(model, "rso_id") == []
    orders.set_showing(IN_FORCE)
    assert orders.title_label.text() == "0 orders in force, ending soonest first"


def test_pages_show_an_empty_state_without_figures(qtbot, review_figures: Figures) -> None:
    page = shown_page(qtbot, VisitsPage(), review_figures)
    page.set_figures(None)
    assert page.visits_model.rowCount() == 0


def test_a_page_out_of_sight_is_refreshed_when_shown(qtbot, review_figures: Figures) -> None:
    page = VisitsPage()
    qtbot.addWidget(page)
    page.set_figures(review_figures)
    assert page.visits_model.rowCount() == 0  # not drawn while hidden
    page.show()
    qtbot.waitExposed(page)
    assert page.visits_model.rowCount() == 4
    assert page.visits_view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
