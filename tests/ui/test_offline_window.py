"""The window over an offline copy (SERVER.md, "Offline laptops"): the status bar says it is
offline, from where and since when; Sync now sends the changes and lists those the source
refused, to redo or drop; a copy not synced for the policy's days hides its data until synced;
File › Take offline… writes a copy from the register open; a copy keeps no what-if scenario,
so Scenario › Save and Delete are disabled there, saying why."""

from __future__ import annotations

from pathlib import Path

from offline_world import PASSWORD, write_source
from sqlalchemy import text

from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage import offline
from ncpi_desktop.storage.operations import reassign, record_visit
from ncpi_desktop.storage.users import sign_in, sign_out
from ncpi_desktop.ui.app import build_window
from ncpi_desktop.ui.dialogs.offline import LockedCopyPage, RefusedChangesDialog, when


def _window_over(qtbot, settings, target: Path | str, user: str):
    session = sign_in(target, user, PASSWORD)
    window = build_window(None, settings=settings, session=session)
    qtbot.addWidget(window)
    return window, window.features.offline


def _copy(tmp_path: Path) -> tuple[str, Path]:
    source = write_source(str(tmp_path / "source.sqlite3"))
    laptop = offline.take_offline(source, "team:East 1", tmp_path / "laptop.db", "sup.east1",
                                  PASSWORD)
    return source, laptop


def test_the_window_says_it_is_offline_and_lists_refused_changes(qtbot, settings, tmp_path):
    source, laptop = _copy(tmp_path)
    window, actions = _window_over(qtbot, settings, laptop, "sup.east1")
    label = actions.status_label
    assert not label.isHidden()
    taken = offline.info(window.context.engine).taken_at.astimezone().date()
    assert f"Offline: team:East 1 from {source} since {uk_date(taken)}" in label.text()
    assert actions.sync_action.isEnabled() and not actions.take_action.isEnabled()

    engine = window.context.engine
    with engine.connect() as connection:
        rsos = [r for (r,) in connection.execute(
            text("SELECT rso_id FROM rso WHERE manager_id = 'A' ORDER BY rso_id LIMIT 2"))]
    for rso in rsos:
        record_visit(engine, RsoId(rso), window.context.as_at, "completed", 2,
                     window.context.user)
    there = sign_in(source, "manager", PASSWORD)
    reassign(there.engine, [RsoId(r) for r in rsos], ManagerId("A2"), "meanwhile", there.user)
    sign_out(there)

    actions.sync_now(PASSWORD)
    qtbot.waitUntil(lambda: actions.result is not None, timeout=60_000)
    dialog = actions.dialog
    assert isinstance(dialog, RefusedChangesDialog) and dialog.isVisible()
    rows = dialog.rows()
    assert [row[2] for row in rows] == [f"record visit {rso}" for rso in rsos]
    assert f"{rsos[0]} is now held by A2" in rows[0][3]
    refused = offline.changes(window.context.engine, "refused")
    assert [row[1] for row in rows] == [when(entry.at) for entry in refused]  # DD/MM/YYYY HH:MM
    assert dialog.redo_button.isEnabled() and dialog.chosen_id() == int(rows[0][0])
    assert dialog.intro.text().startswith("2 change(s) made offline were refused")

    dialog.table.selectRow(1)
    dialog.drop_button.click()
    assert [row[2] for row in dialog.rows()] == [f"record visit {rsos[0]}"]
    actions.result = None
    actions._ask = lambda *_: PASSWORD  # the password Redo's sync asks for
    dialog.table.selectRow(0)
    dialog.redo_button.click()
    qtbot.waitUntil(lambda: actions.result is not None, timeout=60_000)
    assert dialog.rows() == []
    assert dialog.intro.text() == "Every change made offline has been synced."
    assert not dialog.redo_button.isEnabled() and not dialog.drop_button.isEnabled()
    visits = {r for (r,) in _query(source, "SELECT rso_id FROM visit WHERE visited_on = :d",
                                   d=window.context.as_at)}
    assert visits == {rsos[0]}
    assert sorted(e.status for e in offline.changes(window.context.engine)) == [
        "dropped", "synced"]


def _query(target: str, sql: str, **params) -> list:
    session = sign_in(target, "manager", PASSWORD)
    try:
        with session.engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        sign_out(session)


def test_a_locked_copy_hides_its_data_until_synced(qtbot, settings, tmp_path):
    _source, laptop = _copy(tmp_path)
    window, actions = _window_over(qtbot, settings, laptop, "sup.east1")
    pages = window.centralWidget()
    with window.context.engine.begin() as connection:
        connection.execute(text("UPDATE offline_source SET synced_at = :t"),
                           {"t": "2017-01-01T00:00:00+00:00"})
    actions.update()
    page = window.centralWidget()
    assert isinstance(page, LockedCopyPage) and actions.locked
    assert "last synced on 01/01/2017" in page.label.text()

    actions.sync_now(PASSWORD)
    qtbot.waitUntil(lambda: actions.result is not None, timeout=60_000)
    assert window.centralWidget() is pages and not actions.locked


def test_take_offline_from_the_register_open(qtbot, settings, tmp_path):
    source = write_source(str(tmp_path / "source.sqlite3"))
    window, actions = _window_over(qtbot, settings, source, "sup.east1")
    assert actions.take_action.isEnabled() and not actions.sync_action.isEnabled()
    assert actions.status_label.isHidden()
    out = tmp_path / "taken.db"
    job = actions.take("team:East 1", str(out), PASSWORD)
    qtbot.waitUntil(lambda: out.exists() and not job.is_running, timeout=60_000)
    assert offline.open_copy_changes(out, "sup.east1", PASSWORD) == []
    assert "team:East 1" in actions.message.text() and str(out) in actions.message.text()


def test_scenario_open_save_and_delete_are_disabled_on_a_copy_saying_why(qtbot, settings,
                                                                         tmp_path):
    """A copy keeps no what-if scenario: Open, Save and Delete are greyed, their tip says why;
    on the source the same user has them."""
    from ncpi_desktop.analysis.scenario import Scenario, Step
    from ncpi_desktop.ui.menus.scenario import ON_OFFLINE_COPY

    source, laptop = _copy(tmp_path)
    scenario = Scenario("Limit 40", (
        Step("policy_value", {"key": "caseload_limit_per_fte", "value": 40}),))
    for target, on_copy in ((source, False), (laptop, True)):
        window, _actions = _window_over(qtbot, settings, target, "sup.east1")
        menu = window.features.scenario
        menu.set_scenario(scenario)
        for action in (menu.open_action, menu.save_action, menu.delete_action):
            assert action.isEnabled() is not on_copy, (target, action.text())
            for tip in (action.toolTip(), action.statusTip()):
                assert (tip == ON_OFFLINE_COPY) is on_copy, (target, tip)
        window.close()
