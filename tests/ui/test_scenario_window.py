"""The what-if sandbox in the window (issue 18, part 4): the editor, a scenario shown beside
today on every page (banner, what-if and difference columns), and nothing written."""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest
from builders import AS_AT
from conftest import state
from PySide6.QtCore import Qt
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.scenario import Scenario, Step
from ncpi_desktop.storage.snapshot import register_stamp
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.dialogs.scenario import ScenarioEditor
from ncpi_desktop.ui.dialogs.scenario_apply import MADE, NOT_MADE
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.scenario import ScenarioActions, pack_scenario
from ncpi_desktop.ui.models.table_model import BACKGROUND, RAW
from ncpi_desktop.ui.widgets.scenario_banner import GROUPS_TAB

WAIT_MS = 20_000

#: East 1 today: OM1 26 community RSOs on 0.5 FTE, OM2 50 on 1.0 (``caseload_register``).
EAST_1 = Scenario("East 1 grows", (
    Step("add_manager", {"team": "East 1", "bcu": "East", "fte": 1.0, "name": "Nina New"}),
    Step("change_fte", {"manager_id": "OM1", "fte": 1.0}),
))


def actions(window: MainWindow) -> ScenarioActions:
    return window.features.scenario


def show(qtbot, window: MainWindow, scenario: Scenario) -> None:
    menu = actions(window)
    menu.set_scenario(scenario)
    menu.show_action.trigger()
    qtbot.waitUntil(lambda: window.context.scenario is not None
                    and window.context.scenario.figures is not None, timeout=WAIT_MS)


def cell(model, key_column: str, key: object, column: str) -> object:
    row = model.row_of(key_column, key)
    assert row is not None, f"no row {key!r}"
    return model.data(model.index(row, model.column_of(column)), RAW)


def headers(model) -> list[str]:
    return [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]


# --- the editor ------------------------------------------------------------------------------


def test_editor_adds_removes_undoes_and_validates(qtbot, figures) -> None:
    editor = ScenarioEditor(figures)
    qtbot.addWidget(editor)
    editor.choose_kind("add_manager")
    editor.add_team_combo.setCurrentIndex(editor.add_team_combo.findText("West 1 (West)"))
    editor.add_fte_box.setValue(0.8)
    assert editor.add_current()
    editor.choose_kind("release_cohort")
    editor.cohort_count_box.setValue(5)
    for box in editor.risk_boxes.values():
        box.setValue(0)
    editor.risk_boxes["high"].setValue(3)
    assert not editor.add_current()  # 3 of 5: the mix must agree with the count
    assert "adds up to 3, not the 5" in editor.message_text
    editor.risk_boxes["low"].setValue(2)
    assert editor.add_current()
    assert editor.model.rowCount() == 2
    assert editor.model.frame["details"].iat[0] == "0.8 FTE in West 1, West"
    assert "5 releases into" in editor.model.frame["details"].iat[1]

    editor.view.selectRow(0)
    editor.remove_selected()
    assert [s.kind for s in editor.steps] == ["release_cohort"]
    editor.undo()
    assert [s.kind for s in editor.steps] == ["add_manager", "release_cohort"]

    editor.accept()  # no name yet
    assert editor.scenario is None and editor.message_text == "Give the scenario a name."
    editor.name_edit.setText("West plus")
    editor.accept()
    assert editor.result() == editor.DialogCode.Accepted
    assert editor.scenario == Scenario("West plus", tuple(editor.steps))


def test_editor_policy_value_starts_at_the_value_in_force(qtbot, figures) -> None:
    editor = ScenarioEditor(figures)
    qtbot.addWidget(editor)
    editor.choose_kind("policy_value")
    combo = editor.policy_key_combo
    combo.setCurrentIndex(combo.findData("caseload_limit_per_fte"))
    assert editor.policy_value_box.value() == figures.policy.caseload_limit_per_fte
    editor.policy_value_box.setValue(40)
    assert editor.add_current()
    assert dict(editor.steps[0].values) == {"key": "caseload_limit_per_fte", "value": 40.0}


# --- showing beside today --------------------------------------------------------------------


def test_showing_adds_banner_and_difference_columns(qtbot, window: MainWindow) -> None:
    show(qtbot, window, EAST_1)
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        page = window.tabs.widget(index)
        assert page.scenario_banner.isVisibleTo(page), page.title
        assert page.scenario_banner.title.text() == "What if: East 1 grows — not the register"

    page = window.caseload_page
    window.tabs.setCurrentWidget(page)
    model = page.managers_model
    assert {"What if: Per FTE", "Δ Per FTE", "What if: Caseload", "Δ Caseload",
            "What if: FTE"} <= set(headers(model))
    assert cell(model, "manager_id", "OM1", "per_fte") == 52  # today: 26 on 0.5 FTE
    assert cell(model, "manager_id", "OM1", "per_fte_what_if") == 26  # 26 on 1.0 FTE
    assert cell(model, "manager_id", "OM1", "per_fte_delta") == -26
    assert cell(model, "manager_id", "OM2", "per_fte_delta") == 0
    new = model.row_of("name", "Nina New")  # the scenario's manager: a row of their own
    assert new is not None
    assert model.frame_row(new)["team"] == "East 1"
    assert model.frame_row(new)["fte_what_if"] == 1.0
    assert math.isnan(model.frame_row(new)["fte"])  # not in the register
    what_if = model.index(0, model.column_of("per_fte_what_if"))
    assert model.data(what_if, BACKGROUND).name() in (style.SCENARIO_BACKGROUND,
                                                     style.AMBER_BACKGROUND,
                                                     style.WARNING_BACKGROUND)

    groups = page.scenario_groups
    assert groups.shown and page.chart_tabs.tabText(page.chart_tabs.count() - 1) == GROUPS_TAB
    teams = groups.model
    row = teams.row_of("name", "East 1")
    assert teams.frame_row(row)["fte"] == 1.5 and teams.frame_row(row)["fte_what_if"] == 3.0
    assert teams.frame_row(row)["per_fte_what_if"] == pytest.approx(76 / 3.0)
    assert teams.frame_row(row)["community_delta"] == 0


@pytest.mark.parametrize("how", ["menu", "banner"])
def test_stop_showing_takes_it_all_away(qtbot, window: MainWindow, how: str) -> None:
    show(qtbot, window, EAST_1)
    page = window.caseload_page
    if how == "menu":
        actions(window).stop_action.trigger()
    else:
        window.tabs.setCurrentWidget(window.features.orders_page)
        qtbot.mouseClick(window.features.orders_page.scenario_banner.stop_button,
                         Qt.MouseButton.LeftButton)
    assert window.context.scenario is None
    assert not page.scenario_banner.isVisibleTo(page)
    assert "What if: Per FTE" not in headers(page.managers_model)
    assert page.managers_model.row_of("name", "Nina New") is None
    assert not page.scenario_groups.shown
    assert not actions(window).stop_action.isEnabled()


def test_showing_writes_nothing(qtbot, settings, engine: Engine) -> None:
    from builders import FORCE_MANAGER

    with engine.connect() as connection:
        stamp = register_stamp(connection)
    rows = state(engine)
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    show(qtbot, window, Scenario("Everything", (
        *EAST_1.steps, Step("manager_leaves", {"manager_id": "OM3"}),
        Step("reactive_all_eligible", {}),
        Step("release_cohort", {"n": 4, "team": "West 1", "bcu": "West", "risk": {"high": 4}}),
        Step("policy_value", {"key": "caseload_limit_per_fte", "value": 40}))))
    window.close()
    with engine.connect() as connection:
        assert register_stamp(connection) == stamp
    assert state(engine) == rows


def test_new_figures_work_the_scenario_out_again(qtbot, window: MainWindow) -> None:
    show(qtbot, window, EAST_1)
    first = window.context.scenario
    window.reload()
    qtbot.waitUntil(lambda: window.context.scenario is not first
                    and window.context.scenario.ready_for(window.figures), timeout=WAIT_MS)
    assert cell(window.caseload_page.managers_model, "manager_id", "OM1",
                "per_fte_what_if") == 26


# --- applying the real parts -----------------------------------------------------------------


def held_by(engine: Engine, manager_id: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM rso WHERE manager_id = :m"),
                                  {"m": manager_id}).scalar_one()


def test_apply_goes_through_the_operations_and_undoes(qtbot, window: MainWindow,
                                                      engine: Engine) -> None:
    assert held_by(engine, "OM4") == 11
    menu = actions(window)
    menu.set_scenario(Scenario("Dan goes", (
        Step("manager_leaves", {"manager_id": "OM4"}),
        Step("add_manager", {"team": "West 1", "bcu": "West", "fte": 1.0}))))
    assert menu.apply_action.isEnabled()
    flow = menu.apply_real()
    qtbot.waitUntil(lambda: flow.dialog is not None, timeout=WAIT_MS)
    dialog = flow.dialog
    assert dialog.model.frame["happens"].iat[0].startswith(MADE)
    assert dialog.model.frame["happens"].iat[1] == NOT_MADE
    dialog.accept()
    done = flow.applied
    assert done is not None and len(done.applied) == 1 and done.refused == []
    assert done.not_applied[0].startswith("step 2 (add_manager)")
    assert held_by(engine, "OM4") == 0  # the leaver operation, through AppContext.apply
    assert window.undo_stack.count() == 1
    qtbot.waitUntil(lambda: window.caseload_page.managers_model.row_of("manager_id", "OM4")
                    is None or cell(window.caseload_page.managers_model, "manager_id", "OM4",
                                    "caseload") == 0, timeout=WAIT_MS)
    window.undo_stack.undo()
    assert held_by(engine, "OM4") == 11


def test_review_pages_group_tables_beside_the_scenario(qtbot, window: MainWindow) -> None:
    show(qtbot, window, Scenario("OM3 goes", (Step("manager_leaves", {"manager_id": "OM3"}),)))
    page = window.features.reactive_page
    window.tabs.setCurrentWidget(page)
    page.ensure_current()  # the window is not shown: as its showing would
    model = page.managers_model
    assert {"What if: Caseload", "Δ Caseload"} <= set(headers(model))
    carol = model.row_of("manager_label", "Carol Crossley")
    assert carol is not None
    assert model.frame_row(carol)["caseload"] == 20
    assert model.frame_row(carol)["caseload_delta"] == -20  # gone in the scenario
    page = window.features.visits_page
    window.tabs.setCurrentWidget(page)
    page.ensure_current()
    assert "Δ Overdue" in " ".join(headers(page.teams_model))
    actions(window).stop()
    window.features.reactive_page.ensure_current()
    assert "What if: Caseload" not in headers(window.features.reactive_page.managers_model)


# --- the pack for a scenario -----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_scenario_pack_is_marked_on_every_page_and_audited(qtbot, window: MainWindow,
                                                           engine: Engine, tmp_path) -> None:
    assert pack_scenario(window.context) is None  # no scenario shown: today's pack
    show(qtbot, window, EAST_1)
    path = tmp_path / "pack.pdf"
    job = window.features.exchange.write_pack(path, names=False,
                                              scenario=window.context.scenario)
    with qtbot.waitSignal(job.done, timeout=60_000):
        pass
    text_ = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout
    pages = [page for page in text_.split("\f") if page.strip()]
    assert len(pages) > 1
    for page in pages:
        assert "SCENARIO: East 1 grows — not the register" in page
    with engine.connect() as connection:
        uses = connection.execute(text(
            "SELECT operation FROM audit WHERE operation LIKE '%for scenario%'")).all()
    assert [u[0] for u in uses] == ["pack for scenario"]


def test_save_and_open_by_name(qtbot, window: MainWindow, engine: Engine) -> None:
    from builders import FORCE_MANAGER

    from ncpi_desktop.storage.scenarios import load_scenario

    menu = actions(window)
    menu.set_scenario(EAST_1)
    assert menu.save() and menu.saved_version == 1
    assert menu.save() and menu.saved_version == 2  # over the version it saw
    menu.set_scenario(None)
    assert not menu.show_action.isEnabled()
    assert menu.open_stored(load_scenario(engine, EAST_1.name, FORCE_MANAGER)) == EAST_1
    assert menu.saved_version == 2 and menu.show_action.isEnabled()


def test_the_scenario_ground_reads_under_every_theme() -> None:
    """The banner and what-if cells set their own ground and text: the same in every theme."""
    assert style.contrast(style.SCENARIO_FOREGROUND, style.SCENARIO_BACKGROUND) >= 7
    # Unlike a flag's grounds, so a what-if figure is not read as a warning.
    assert style.SCENARIO_BACKGROUND not in (style.WARNING_BACKGROUND, style.AMBER_BACKGROUND)


def test_quality_coverage_beside_the_scenario(qtbot, window: MainWindow) -> None:
    show(qtbot, window, Scenario("Cohort", (Step("release_cohort", {
        "n": 4, "team": "West 1", "bcu": "West", "risk": {"medium": 4}}),)))
    page = window.features.quality_page
    window.tabs.setCurrentWidget(page)
    page.ensure_current()
    model = page.coverage_model
    west = model.row_of("team", "West 1")
    assert model.frame_row(west)["community_delta"] == 4  # four released into the community
    assert "What if: Coverage" in headers(model)


def test_a_scoped_user_sees_the_scenario_of_every_rso_then_cut(qtbot, settings,
                                                                engine: Engine) -> None:
    """A supervisor sees no name or date of birth outside their team; the scenario is still
    worked out from every RSO (a blank date of birth would make ARMS apply to nobody there,
    and reactive management to some it does not), and only then cut."""
    from builders import as_user

    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.analysis.scenario import scenario_figures
    from ncpi_desktop.analysis.visibility import cut_to
    from ncpi_desktop.domain.security import Role, Scope
    from ncpi_desktop.storage.load import load_snapshot

    user = as_user("supervisor.west1", Role.SUPERVISOR, scope=Scope.parse("team:West 1"))
    window = MainWindow(user=user, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    qtbot.waitUntil(lambda: window.figures is not None and window.figures.complete
                    and not window.loading, timeout=WAIT_MS)
    scenario = Scenario("Limit 40", (
        Step("policy_value", {"key": "caseload_limit_per_fte", "value": 40}),))
    show(qtbot, window, scenario)
    shown = window.context.scenario.figures
    snapshot = load_snapshot(engine, AS_AT)
    expected = cut_to(user, scenario_figures(snapshot, scenario))
    today = compute_figures(snapshot)
    eligible = int(today.force["arms_eligible"].iloc[0])
    assert eligible > 0
    for column in ("arms_eligible", "arms_current", "reactive_eligible", "community"):
        assert shown.force[column].iloc[0] == expected.force[column].iloc[0], column
    assert int(shown.force["arms_eligible"].iloc[0]) == eligible  # a policy change only
    outside = shown.rsos[shown.rsos["team"].ne("West 1").to_numpy()]
    assert len(outside) and outside["date_of_birth"].isna().all()
    window.close()
