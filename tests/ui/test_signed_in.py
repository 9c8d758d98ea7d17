"""The window as a signed-in user sees it (SECURITY.md): no name outside the user's scope ever
reaches a model, whichever page, list or dialog; an analyst sees no name or date of birth at
all; an offender manager sees their own RSOs' names and everyone's figures. What the user may not
do is disabled, and says why on hover."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from builders import AS_AT, FORCE_MANAGER, as_user
from conftest import caseload_register, rebalancing
from PySide6.QtCore import QAbstractItemModel, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel
from sqlalchemy.engine import Engine

from ncpi_desktop.domain.security import Role, Scope, User
from ncpi_desktop.ui.main_window import MainWindow

OM1 = as_user("om1", Role.OFFENDER_MANAGER, scope=Scope.parse("caseload:OM1"), manager_id="OM1")
EAST_1 = as_user("supervisor.east1", Role.SUPERVISOR, scope=Scope.parse("team:East 1"))
ANALYST = as_user("analyst", Role.ANALYST)
ADMIN = as_user("admin", Role.ADMINISTRATOR)

#: The test register's RSOs: family names are Family0, Family1, ... (``builders.Register``).
RSOS = pd.DataFrame(caseload_register().rsos)
FAMILY = re.compile(r"\bFamily\d+\b")
BORN = "01/01/1970"  # every test RSO's date of birth, as the window would show it


def names_of(rsos: pd.DataFrame) -> set[str]:
    return set(rsos["family_name"])


def open_as(qtbot, settings, engine: Engine, user: User) -> MainWindow:
    window = MainWindow(user=user, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    assert window.figures is not None
    return window


def _source(model: QAbstractItemModel) -> QAbstractItemModel:
    while isinstance(model, QSortFilterProxyModel):
        model = model.sourceModel()
    return model


def _model_text(model: QAbstractItemModel) -> list[str]:
    """Every cell of ``model`` as shown and as a tooltip, and every value of the frame behind it
    (a ``DataFrameTableModel``), whether or not the view shows that column."""
    found: list[str] = []
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(index, role)
                if value is not None:
                    found.append(str(value))
    frame = getattr(_source(model), "frame", None)
    if isinstance(frame, pd.DataFrame):
        for name in frame.columns:
            found.extend(str(v) for v in frame[name].tolist())
    return found


def shown_text(window: MainWindow) -> list[str]:
    """What every model of every page holds (each page brought to the front in turn; on the
    caseload page with each manager, then the pool, selected), and the pages' labels."""
    found: list[str] = []
    caseload = window.caseload_page
    for page in window.context.pages():
        window.tabs.setCurrentWidget(page)
        QApplication.processEvents()
        selections = [None]
        if page is caseload:
            selections = [*caseload.figures.managers["manager_id"], "pool"]
        for selection in selections:
            if selection == "pool":
                caseload.show_pooled()
            elif selection is not None:
                caseload.select_manager(selection)
            for view in page.findChildren(QAbstractItemView):
                found.extend(_model_text(view.model()))
            found.extend(label.text() for label in page.findChildren(QLabel))
    return found


def family_names(texts: list[str]) -> set[str]:
    return {name for text in texts for name in FAMILY.findall(text)}


def test_an_offender_manager_sees_only_their_own_rsos_names_on_every_page(
        qtbot, settings, engine, figures) -> None:
    window = open_as(qtbot, settings, engine, OM1)
    shown = shown_text(window)
    mine = names_of(RSOS[RSOS["manager_id"] == "OM1"])
    assert family_names(shown) == mine  # theirs, all of them, and nobody else's
    # ... and everyone's figures, as a force manager has them.
    for name in ("managers", "teams", "bcus", "force"):
        pd.testing.assert_frame_equal(getattr(window.figures, name), getattr(figures, name))
    counted = [c for c in figures.rsos.columns if c.startswith(("flag_", "is_"))]
    pd.testing.assert_frame_equal(window.figures.rsos[counted], figures.rsos[counted])


def test_a_team_supervisor_sees_the_names_of_their_team_only(qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, EAST_1)
    team = names_of(RSOS[RSOS["team"] == "East 1"])
    assert family_names(shown_text(window)) == team
    outside = RSOS[RSOS["team"] != "East 1"]["rso_id"]
    rsos = window.figures.rsos.set_index("rso_id")
    assert rsos.loc[outside, "neighbourhood"].isna().all()  # nor where they live


@pytest.mark.parametrize("user", [ANALYST, ADMIN], ids=["analyst", "administrator"])
def test_an_analyst_or_administrator_sees_no_name_or_date_of_birth_anywhere(
        qtbot, settings, engine, user: User) -> None:
    window = open_as(qtbot, settings, engine, user)
    shown = shown_text(window)
    assert family_names(shown) == set()
    assert not [text for text in shown if BORN in text or "1970-01-01" in text]
    figures = window.figures
    for frame in (figures.rsos, figures.orders, figures.snapshot.rsos):
        for column in ("family_name", "given_names", "date_of_birth"):
            if column in frame:
                assert frame[column].isna().all(), column
    assert window.figures.rsos["is_high_risk"].sum() > 0  # the figures are all there


def test_the_detail_panel_of_an_rso_outside_scope_shows_it_by_id_alone(
        qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, OM1)
    outside = RSOS[RSOS["manager_id"] == "OM4"].iloc[0]
    detail = window.features.record.show_detail(outside["rso_id"])
    qtbot.waitExposed(detail)
    texts = [label.text() for label in detail.findChildren(QLabel)]
    for view in detail.findChildren(QAbstractItemView):
        texts.extend(_model_text(view.model()))
    assert detail.title_label.text() == outside["rso_id"]
    assert family_names(texts) == set() and not [t for t in texts if BORN in t]
    own = RSOS[RSOS["manager_id"] == "OM1"].iloc[0]
    window.features.record.show_detail(own["rso_id"])
    assert detail.title_label.text() == f"{own['rso_id']} — {own['family_name']}, Given"


def test_the_allocation_history_cuts_names_as_the_pages_do(qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, OM1)
    dialog = rebalancing(window).history(manager_id="OM4")
    assert dialog is not None
    assert family_names(_model_text(dialog.view.model())) == set()


def test_what_a_user_may_not_do_is_disabled_and_says_why(qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, OM1)
    record, manage = window.features.record, rebalancing(window)
    exchange = window.features.exchange
    assert record.actions["visit"].isEnabled()  # their own RSOs' visits, ARMS and orders
    decision = record.actions["decision"]
    assert not decision.isEnabled()
    assert decision.toolTip() == ("om1 may not record a management decision for: not "
                                  "permitted to offender_manager")
    assert decision.statusTip() == decision.toolTip()
    for action in (manage.reassign_action, manage.propose_action, manage.leaving_action,
                   manage.absent_action, exchange.export_extract_action, exchange.import_action):
        assert not action.isEnabled(), action.text()
        assert action.toolTip().startswith("om1 may not "), action.text()
    assert window.context.menu("&Record").toolTipsVisible()


def test_signing_in_as_another_user_offers_what_they_may(qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, OM1)
    manage = rebalancing(window)
    assert not manage.reassign_action.isEnabled()
    window.set_user(FORCE_MANAGER)
    assert manage.reassign_action.isEnabled()
    assert manage.reassign_action.toolTip() == manage.reassign_action.statusTip()
    assert "may not" not in manage.reassign_action.toolTip()
    assert family_names(shown_text(window)) == names_of(RSOS)


def test_an_operation_refused_below_the_screen_is_said_and_changes_nothing(
        qtbot, settings, engine) -> None:
    """Even if a screen offered it, the operation itself refuses an RSO outside the scope."""
    from ncpi_desktop.storage.operations import record_visit

    window = open_as(qtbot, settings, engine, OM1)
    said: list[tuple[str, str]] = []
    outside = RSOS[RSOS["manager_id"] == "OM4"]["rso_id"].iat[0]
    result = window.context.apply(
        lambda e, user: record_visit(e, outside, AS_AT, "completed", 2, user),
        on_refused=lambda title, text: said.append((title, text)))
    assert result is None and window.undo_stack.count() == 0
    assert said == [("Not permitted", f"om1 may not record a visit for {outside}: it is in "
                                      "team West 1 (West) (scope: caseload of OM1)")]


def test_before_anyone_signs_in_the_window_shows_no_name_and_offers_no_change(
        qtbot, settings, engine) -> None:
    window = MainWindow(settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    assert window.user.user_name == "nobody"
    assert family_names(shown_text(window)) == set()
    assert not rebalancing(window).reassign_action.isEnabled()
    assert not window.features.record.actions["visit"].isEnabled()


def test_an_undo_no_longer_permitted_is_refused_naming_the_rule(qtbot, settings, engine) -> None:
    """Undo checks as the change did: once the RSO has left the user's caseload, their visit
    stays recorded, the refusal is said, and the step leaves the undo history."""
    from sqlalchemy import text

    from ncpi_desktop.storage.operations import reassign, record_visit

    window = open_as(qtbot, settings, engine, OM1)
    rso = RSOS[RSOS["manager_id"] == "OM1"]["rso_id"].iat[0]
    assert window.apply(lambda e, user: record_visit(e, rso, AS_AT, "completed", 2, user))
    reassign(engine, [rso], "OM2", "continuity", FORCE_MANAGER, on=AS_AT)
    said: list[tuple[str, str]] = []
    window.show_error = lambda title, message: said.append((title, message))
    window.undo_stack.undo()
    assert said == [("Not permitted", f"om1 may not record a visit for {rso}: it is in team "
                                      "East 1 (East) (scope: caseload of OM1)")]
    assert window.undo_stack.count() == 0
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM visit WHERE rso_id = :r"),
                         {"r": rso}).scalar() == 1


def test_the_detail_panel_offers_records_only_for_rsos_the_user_may_record_for(
        qtbot, settings, engine) -> None:
    window = open_as(qtbot, settings, engine, OM1)
    own = RSOS[RSOS["manager_id"] == "OM1"]["rso_id"].iat[0]
    other = RSOS[RSOS["manager_id"] == "OM2"]["rso_id"].iat[0]
    detail = window.features.record.show_detail(own)
    assert detail.buttons["visit"].isEnabled() and not detail.buttons["decision"].isEnabled()
    window.features.record.show_detail(other)
    visit = detail.buttons["visit"]
    assert not visit.isEnabled()
    assert visit.toolTip() == (f"om1 may not record a visit for {other}: it is in team East 1 "
                               "(East) (scope: caseload of OM1)")
    window.features.record.show_detail(own)
    assert visit.isEnabled() and "may not" not in visit.toolTip()
