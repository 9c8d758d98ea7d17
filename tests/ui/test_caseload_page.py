"""The caseload page over a hand-built register (conftest.caseload_register), as a user sees it."""

from __future__ import annotations

import pytest
from builders import AS_AT
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import BACKGROUND, DISPLAY, TOOLTIP, DataFrameTableModel
from ncpi_desktop.ui.pages.caseload import CaseloadPage

DESC = Qt.SortOrder.DescendingOrder
ASC = Qt.SortOrder.AscendingOrder


@pytest.fixture
def page(qtbot, figures: Figures) -> CaseloadPage:
    page = CaseloadPage()
    qtbot.addWidget(page)
    page.set_figures(figures)
    return page


def text(model: DataFrameTableModel, row: int, key: str, role: int = DISPLAY):  # noqa: ANN201
    return model.data(model.index(row, model.column_of(key)), role)


def managers_shown(page: CaseloadPage) -> list[str]:
    model = page.managers_model
    return [text(model, row, "name") for row in range(model.rowCount())]


def rsos_listed(page: CaseloadPage) -> list[str]:
    model = page.rsos_model
    return sorted(text(model, row, "rso_id") for row in range(model.rowCount()))


def row_of(page: CaseloadPage, name: str) -> int:
    row = page.managers_model.row_of("name", name)
    assert row is not None, name
    return row


def test_models_keep_the_contract(qtmodeltester, page: CaseloadPage) -> None:
    qtmodeltester.check(page.managers_model)
    page.select_manager("OM1")
    qtmodeltester.check(page.rsos_model)
    page.show_pooled()
    qtmodeltester.check(page.rsos_model)


def test_summary_strip_shows_the_force(page: CaseloadPage, figures: Figures) -> None:
    force = figures.force.iloc[0]
    assert page.scope_label.text() == "Force"
    assert page.as_at_label.text() == f"as at {AS_AT:%d/%m/%Y}" == "as at 09/10/2017"
    assert page.summary["rsos"].value_text == f"{int(force['rsos']):,}" == "113"
    assert page.summary["community"].value_text == "110"
    assert page.summary["community"].note_text == "2 custody · 0 abroad · 1 missing"
    assert page.summary["per_fte"].value_text == f"{force['per_fte']:.1f}" == "31.4"
    assert page.summary["per_fte"].note_text == "on 3.5 FTE · limit 50"
    assert page.summary["high_risk_share"].value_text == "17.3%"
    assert page.summary["pooled"].value_text == "4"
    assert page.summary["arms_completion"].value_text == "0.0%"


def test_the_right_managers_are_flagged(page: CaseloadPage) -> None:
    model = page.managers_model
    # Graded (issue 14): amber up to 110% of the limit, red above; None where not flagged.
    colours = {QColor(style.AMBER_BACKGROUND).name(): "amber",
               QColor(style.WARNING_BACKGROUND).name(): "red"}

    def colour(name: str, key: str) -> str | None:
        background = text(model, row_of(page, name), key, BACKGROUND)
        return None if background is None else colours[background.name()]

    flagged = {name: (colour(name, "caseload"), colour(name, "high_risk_share"))
               for name in managers_shown(page)}
    assert flagged == {
        "Alice Ashworth": ("amber", None),  # 26 on 0.5 FTE: 52 per FTE, within 110% of 50
        "Bob Birtwistle": (None, None),     # exactly 50 per FTE, exactly 20% high-risk
        "Carol Crossley": (None, "red"),    # 30% high-risk: above 110% of 20%
        "Dan Duckworth": (None, None),
    }
    assert text(model, row_of(page, "Alice Ashworth"), "flag_text") == "Caseload"
    assert text(model, row_of(page, "Carol Crossley"), "flag_text") == "High risk"
    assert text(model, row_of(page, "Bob Birtwistle"), "flag_text") == ""


def test_the_tooltip_says_why(page: CaseloadPage) -> None:
    model = page.managers_model
    alice = row_of(page, "Alice Ashworth")
    why = ("26 community RSOs on 0.5 FTE (52.0 per FTE): above 50 per FTE; workload 100% of "
           "capacity: none high or very high")
    graded = why + " (amber: within 110% of the limit)"
    assert text(model, alice, "per_fte", TOOLTIP) == graded
    assert text(model, alice, "caseload", TOOLTIP) == graded
    assert text(model, alice, "flag_text", TOOLTIP) == why
    carol = row_of(page, "Carol Crossley")
    assert "above 20%" in text(model, carol, "high_risk_share", TOOLTIP)
    assert text(model, row_of(page, "Bob Birtwistle"), "per_fte", TOOLTIP) is None


def test_the_table_shows_the_figures(page: CaseloadPage) -> None:
    model = page.managers_model
    alice = row_of(page, "Alice Ashworth")
    assert [text(model, alice, key) for key in
            ("bcu", "team", "fte", "caseload", "per_fte", "high", "very_high",
             "high_risk_share")] == ["East", "East 1", "0.5", "26", "52.0", "0", "0", "0.0%"]
    assert text(model, row_of(page, "Carol Crossley"), "high_risk_share") == "30.0%"


def test_opens_sorted_by_per_fte_highest_first(page: CaseloadPage) -> None:
    assert managers_shown(page) == ["Alice Ashworth", "Bob Birtwistle", "Carol Crossley",
                                    "Dan Duckworth"]
    header = page.managers_view.horizontalHeader()
    assert header.sortIndicatorSection() == page.managers_model.column_of("per_fte")
    assert header.sortIndicatorOrder() == DESC


def test_clicking_a_header_sorts(qtbot, page: CaseloadPage) -> None:
    page.show()
    qtbot.waitExposed(page)
    header = page.managers_view.horizontalHeader()
    section = page.managers_model.column_of("name")
    click = QPoint(header.sectionViewportPosition(section) + 5, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    first = managers_shown(page)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert sorted([first, managers_shown(page)]) == [
        ["Alice Ashworth", "Bob Birtwistle", "Carol Crossley", "Dan Duckworth"],
        ["Dan Duckworth", "Carol Crossley", "Bob Birtwistle", "Alice Ashworth"]]


def test_sort_by_high_risk_share(page: CaseloadPage) -> None:
    page.sort_managers("high_risk_share", DESC)
    assert managers_shown(page)[:2] == ["Carol Crossley", "Bob Birtwistle"]
    page.sort_managers("team", ASC)
    assert [text(page.managers_model, r, "team") for r in range(4)] == [
        "East 1", "East 1", "East 2", "West 1"]


def test_selecting_a_manager_lists_exactly_their_rsos(qtbot, page: CaseloadPage,
                                                        figures: Figures) -> None:
    page.show()
    qtbot.waitExposed(page)
    view = page.managers_view
    alice = row_of(page, "Alice Ashworth")
    rect = view.visualRect(page.managers_model.index(alice, 0))
    with qtbot.waitSignal(page.manager_changed) as signal:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == ["OM1"]
    rsos = figures.rsos
    assert rsos_listed(page) == sorted(rsos.loc[rsos["manager_id"] == "OM1", "rso_id"])
    assert page.rsos_model.rowCount() == 28
    statuses = {text(page.rsos_model, r, "status") for r in range(28)}
    assert statuses == {"Community", "Custody"}
    assert page.rsos_title.text() == ("Alice Ashworth (East 1, East) holds 28 RSOs: "
                                      "26 in the community, 2 in custody")
    assert text(page.rsos_model, 0, "neighbourhood") in ("Blackburn", "")


def test_selection_survives_a_sort(page: CaseloadPage) -> None:
    page.select_manager("OM3")
    page.sort_managers("name", DESC)
    selected = page.managers_view.selectionModel().selectedRows()
    assert [page.managers_model.frame_row(i.row())["manager_id"] for i in selected] == ["OM3"]
    assert page.rsos_model.rowCount() == 20


def test_pooled_lists_rsos_with_no_named_manager(qtbot, page: CaseloadPage) -> None:
    page.show()
    qtbot.waitExposed(page)
    assert page.pooled_button.text() == "Pooled: 4 with no named manager"
    page.select_manager("OM1")
    with qtbot.waitSignal(page.manager_changed) as signal:
        qtbot.mouseClick(page.pooled_button, Qt.MouseButton.LeftButton)
    assert signal.args == [None]
    assert page.showing_pooled
    assert rsos_listed(page) == ["R00110", "R00111", "R00112", "R00113"]
    whys = {text(page.rsos_model, r, "why_no_named_manager") for r in range(4)}
    assert whys == {"No named offender manager: pooled in team West 1",
                    "No named offender manager: unallocated"}
    assert page.managers_view.selectionModel().selectedRows() == []
    assert page.rsos_title.text() == "Pooled: 4 community RSOs with no named offender manager"


def test_bcu_filter_and_team_follows_bcu(page: CaseloadPage) -> None:
    combo = page.bcu_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All BCUs", "East", "South", "West"]
    page.set_filter("East")
    assert sorted(managers_shown(page)) == ["Alice Ashworth", "Bob Birtwistle", "Carol Crossley"]
    teams = page.team_combo
    assert [teams.itemText(i) for i in range(teams.count())] == ["All teams", "East 1", "East 2"]
    assert page.scope_label.text() == "East BCU"
    assert page.summary["community"].value_text == "96"
    assert page.pooled_button.text() == "Pooled: 0 with no named manager"

    page.set_filter("East", "East 2")
    assert managers_shown(page) == ["Carol Crossley"]
    assert page.scope_label.text() == "Team East 2"
    assert page.summary["community"].value_text == "20"
    assert page.summary["high_risk_share"].value_text == "30.0%"

    page.set_filter("West")
    assert managers_shown(page) == ["Dan Duckworth"]
    assert page.team_combo.currentData() is None
    page.show_pooled()
    assert rsos_listed(page) == ["R00110", "R00111", "R00112"]


def test_filter_drops_a_selection_it_hides(page: CaseloadPage) -> None:
    page.select_manager("OM4")
    page.set_filter("East")
    assert page.selected_manager is None
    assert page.rsos_model.rowCount() == 0


def test_a_new_snapshot_keeps_filter_and_selection(page: CaseloadPage, figures: Figures) -> None:
    page.set_filter("East", "East 1")
    page.select_manager("OM2")
    page.set_figures(figures)
    assert page.current_team == "East 1"
    assert page.selected_manager == "OM2"
    assert page.rsos_model.rowCount() == 50


def test_charts_mark_limits_and_select_a_manager(qtbot, page: CaseloadPage,
                                                 figures: Figures) -> None:
    page.resize(1400, 900)
    page.show()
    qtbot.waitExposed(page)
    page.ensure_charts()
    caseload, high_risk = page.charts
    assert caseload.limit_value() == figures.policy.caseload_limit_per_fte
    assert high_risk.limit_value() == pytest.approx(figures.policy.high_risk_share_limit * 100)
    assert caseload.manager_ids == ["OM1", "OM2", "OM3", "OM4"]
    assert caseload.flagged == [True, False, False, False]
    assert caseload.named_bars == ["Alice Ashworth", "Bob Birtwistle", "Carol Crossley",
                                   "Dan Duckworth"]
    assert high_risk.manager_ids[0] == "OM3"
    assert high_risk.flagged == [True, False, False, False]

    plot = high_risk.plot_widget
    with qtbot.waitSignal(page.manager_changed) as signal:
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton,
                         pos=high_risk.bar_center("OM3"))
    assert signal.args == ["OM3"]
    assert page.rsos_model.rowCount() == 20
    selected = page.managers_view.selectionModel().selectedRows()
    assert [page.managers_model.frame_row(i.row())["manager_id"] for i in selected] == ["OM3"]

    page.set_filter("West")
    assert caseload.manager_ids == ["OM4"]


def test_the_chart_out_of_sight_shows_the_new_figures_when_its_tab_is_chosen(
        qtbot, page: CaseloadPage) -> None:
    page.show()
    qtbot.waitExposed(page)
    page.ensure_charts()
    page.select_manager("OM2")
    page.set_filter("West")  # the per-FTE tab in front
    tabs = page.chart_tabs
    assert tabs.bar_widgets[0].manager_ids == ["OM4"]
    tabs.setCurrentIndex(1)
    high_risk = tabs.bar_widgets[1]
    assert high_risk.manager_ids == ["OM4"]
    page.set_filter(None)
    page.select_manager("OM3")
    tabs.setCurrentIndex(0)
    assert sorted(tabs.bar_widgets[0].manager_ids) == ["OM1", "OM2", "OM3", "OM4"]
    assert sorted(high_risk.manager_ids) == ["OM1", "OM2", "OM3", "OM4"]


def test_charts_are_built_after_the_first_paint(qtbot, page: CaseloadPage) -> None:
    assert page.charts == []
    page.show()
    qtbot.waitUntil(lambda: len(page.charts) == 2)


def test_empty_database_shows_a_friendly_page(qtbot) -> None:
    page = CaseloadPage()
    qtbot.addWidget(page)
    page.set_figures(None)
    assert page.managers_model.rowCount() == 0
    assert page._stack.currentIndex() == 1
