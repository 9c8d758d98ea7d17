"""Issue 18, part 2 on screen: the caseload page's Workload column (capacity used, amber from
100%, red above 110%, hover for why) and the scope's Workload card, with the figures' numbers."""

from __future__ import annotations

import pytest
from builders import AS_AT, Register
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import BACKGROUND, DISPLAY, GRADE, TOOLTIP
from ncpi_desktop.ui.pages.caseload import CaseloadPage


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> Figures:
    """One point per low RSO and 100 points per FTE: the points are the percentage."""
    r = Register(policy={"workload_points_per_fte": 100, "workload_points_low": 1})
    for manager_id, count, team in (("Under", 40, "East 1"), ("Full", 100, "East 1"),
                                    ("Over", 111, "East 2")):
        r.manager(manager_id, name=manager_id, team=team)
        r.many(count, manager_id=manager_id, risk_level="low")
    r.many(2, manager_id="Over", risk_level="high")
    # 20 RSOs with no risk level (6 points each): well within 50 per FTE, red on workload.
    r.manager("Unassessed", name="Unassessed", team="East 3")
    r.many(20, manager_id="Unassessed", risk_level=None)
    engine = r.write(tmp_path_factory.mktemp("workload_page") / "r.sqlite3")
    return compute_figures(load_snapshot(engine, AS_AT))


@pytest.fixture
def page(qtbot, figures: Figures) -> CaseloadPage:
    page = CaseloadPage()
    qtbot.addWidget(page)
    page.set_figures(figures)
    return page


def cell(page: CaseloadPage, name: str, key: str, role: int = DISPLAY):  # noqa: ANN201
    model = page.managers_model
    row = model.row_of("name", name)
    assert row is not None, name
    return model.data(model.index(row, model.column_of(key)), role)


def test_the_workload_column_shows_capacity_used(page: CaseloadPage, figures: Figures) -> None:
    model = page.managers_model
    header = model.headerData(model.column_of("workload_capacity"), Qt.Orientation.Horizontal)
    assert header == "Workload"
    expected = figures.managers.set_index("name")["workload_capacity"]
    for name in ("Under", "Full", "Over"):
        assert cell(page, name, "workload_capacity") == f"{expected[name] * 100:.1f}%"
    assert cell(page, "Under", "workload_capacity") == "40.0%"


def test_the_workload_cell_is_graded_amber_from_100_and_red_above_110(
        page: CaseloadPage) -> None:
    assert [cell(page, n, "workload_capacity", GRADE) for n in ("Under", "Full", "Over")] == [
        0, 1, 2]
    assert cell(page, "Under", "workload_capacity", BACKGROUND) is None
    assert cell(page, "Full", "workload_capacity", BACKGROUND).name() == QColor(
        style.AMBER_BACKGROUND).name()
    assert cell(page, "Over", "workload_capacity", BACKGROUND).name() == QColor(
        style.WARNING_BACKGROUND).name()
    tip = cell(page, "Over", "workload_capacity", TOOLTIP)
    assert tip.startswith("Workload ") and "of capacity: 2 high" in tip
    assert tip.endswith("(red: more than 110% of capacity)")
    # The 50-per-FTE rule stays the flag: a red workload within it raises no caseload flag.
    assert cell(page, "Unassessed", "workload_capacity", GRADE) == 2
    assert cell(page, "Unassessed", "caseload", GRADE) == 0
    assert cell(page, "Unassessed", "flag_text") == ""


def test_the_scope_line_says_the_team_workload(page: CaseloadPage, figures: Figures) -> None:
    teams = figures.teams.set_index("team")
    force = figures.force.iloc[0]
    # The force: 383 points on 4.0 FTE, under capacity (no grade said).
    assert force["workload_grade"] == 0
    assert page.count_label.text().endswith(
        f" · workload {force['workload_capacity'] * 100:.1f}% of capacity")
    page.set_filter("East", "East 2")
    assert page.count_label.text().endswith(
        f" · workload {teams.loc['East 2', 'workload_capacity'] * 100:.1f}% of capacity, red")
    page.set_filter("East", "East 1")
    # 140 points on 2.0 FTE at 100 per FTE: within capacity, no grade said.
    assert page.count_label.text().endswith(" · workload 70.0% of capacity")
