"""The Quality page, Record › Case review (undoable), and File › Neighbourhood briefing: what a
supervisor and a frontline officer see."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
from builders import AS_AT, FORCE_MANAGER, as_user
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import text

from ncpi_desktop.domain.security import Role, Scope
from ncpi_desktop.formats import Kind, format_value
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.operations import reassign
from ncpi_desktop.storage.operations.reviews import ActionSpec, record_review
from ncpi_desktop.ui.main_window import MainWindow

FRONTLINE = as_user("pc.blackburn", Role.FRONTLINE, scope=Scope.parse("neighbourhood:Blackburn"))


def first_rsos(engine, manager: str, count: int) -> list[str]:
    with engine.connect() as c:
        return list(c.execute(text("SELECT rso_id FROM rso WHERE manager_id = :m AND status = "
                                   "'community' ORDER BY rso_id LIMIT :n"),
                              dict(m=manager, n=count)).scalars())


@pytest.fixture
def reviewed(engine):
    """Two of OM1's RSOs reviewed (one twice), one of OM3's; one action overdue."""
    om1 = first_rsos(engine, "OM1", 2)
    om3 = first_rsos(engine, "OM3", 1)
    for rso_id, on, grade in ((om1[0], date(2017, 2, 1), "inadequate"),
                              (om1[0], date(2017, 8, 1), "good"),
                              (om1[1], date(2017, 9, 1), "requires_improvement"),
                              (om3[0], date(2017, 9, 1), "inadequate")):
        actions = [ActionSpec("Update the plan", "Alice Ashworth", date(2017, 9, 15))] \
            if grade == "requires_improvement" else []
        record_review(engine, rso_id, on, grade, "findings", FORCE_MANAGER, actions=actions,
                      today=AS_AT)
    return engine


def test_the_quality_page_shows_coverage_grades_overdue_actions_and_sample(qtbot, settings,
                                                                            reviewed):
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(reviewed)
    page = window.features.quality_page
    window.tabs.setCurrentWidget(page)
    window.show()
    qtbot.waitExposed(window)
    page.ensure_current()
    teams = page.coverage_model.frame.set_index("team")
    assert teams.loc["East 1", "qa_reviewed"] == 2 and teams.loc["East 2", "qa_inadequate"] == 1
    assert teams.loc["East 1", "qa_good"] == 1  # OM1's first RSO counted once, as good
    community = int(window.figures.force.iloc[0]["community"])
    assert page.summary["coverage"].value_text == format_value(Kind.PERCENT, 3 / community)
    assert page.summary["coverage"].note_text.startswith(f"3 of {community:,}")
    assert page.summary["overdue"].value_text == "1"
    assert page.actions_model.frame["text"].tolist() == ["Update the plan"]
    assert page.actions_model.frame["why_action_overdue"].tolist() == [
        "Due 15/09/2017, not done by the as-at date"]  # the action's date, DD/MM/YYYY
    assert page.sample_title.text().startswith("Dip sample for October 2017: ")
    sample = page.sample_model.frame
    assert sample.groupby("manager_id").size().max() == window.policy.qa_sample_per_manager
    # Mark action done: recorded as done on the as-at date, and undone exactly.
    page.actions_view.selectRow(0)
    change = window.features.quality.mark_done()
    assert change is not None and change.after["done_on"] == AS_AT
    page.ensure_current()
    assert page.summary["overdue"].value_text == "0"
    window.undo_action.trigger()
    page.ensure_current()
    assert page.summary["overdue"].value_text == "1"
    page.scope.set_scope(bcu="West")
    page.ensure_current()
    assert page.summary["overdue"].value_text == "0"


def actions_done_on(engine) -> list[object]:
    with engine.connect() as c:
        return list(c.execute(text("SELECT done_on FROM review_action")).scalars())


def test_marking_an_action_done_after_its_rso_changed_elsewhere_is_refused(
        qtbot, settings, reviewed, monkeypatch):
    """The page passes the RSO's version it shows: a change made to that RSO through another
    connection after the page read it refuses Mark action done, says who changed it, and the
    page reads the figures again (a second try then goes through)."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append((args[1], args[2])))
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(reviewed)
    page = window.features.quality_page
    window.tabs.setCurrentWidget(page)
    page.ensure_current()
    page.actions_view.selectRow(0)
    rso_id = str(page.actions_model.frame["rso_id"].iat[0])
    seen = page.selected_action_seen()
    assert seen is not None and set(seen) == {rso_id}
    assert page.actions_model.frame["manager_id"].iat[0] == "OM1"
    # Meanwhile, through another connection, someone moves that RSO to OM3.
    other = make_engine(reviewed.url.database)
    try:
        reassign(other, [rso_id], "OM3", "their move", as_user("supervisor.east"), on=AS_AT)
    finally:
        other.dispose()
    assert window.features.quality.mark_done() is None
    assert len(shown) == 1 and shown[0][0] == "Changed by someone else"
    assert shown[0][1].startswith(f"{rso_id} is now held by OM3 (moved by supervisor.east")
    assert actions_done_on(reviewed) == [None]  # the action is still not done
    assert window.undo_stack.count() == 0
    page.ensure_current()
    assert page.summary["overdue"].value_text == "1"
    assert page.actions_model.frame["manager_id"].iat[0] == "OM3"  # as it is now
    again = page.selected_action_seen()  # the figures read again show the new version
    assert again is not None and again[rso_id] == seen[rso_id] + 1
    page.actions_view.selectRow(0)
    assert window.features.quality.mark_done() is not None
    assert actions_done_on(reviewed) == [AS_AT.isoformat()]


def test_record_case_review_is_undoable(qtbot, window, engine):
    rso_id = first_rsos(engine, "OM2", 1)[0]
    dialog = window.features.record.record("review", rso_id)
    dialog.date_edit.setDate(AS_AT)
    dialog.grade_combo.setCurrentIndex(dialog.grade_combo.findData("requires_improvement"))
    dialog.findings_edit.setPlainText("Plan out of date")
    dialog.action_edit.setText("Update the plan")
    dialog.owner_edit.setText("Bob Birtwistle")
    assert dialog.add_action()
    dialog.accept()
    assert dialog.error_text == ""

    def count(table: str) -> int:
        with engine.connect() as c:
            return c.execute(text(f"SELECT count(*) FROM {table}")).scalar()

    assert (count("case_review"), count("review_action")) == (1, 1)
    assert window.figures.force.iloc[0]["qa_reviewed"] == 1
    window.undo_action.trigger()
    assert (count("case_review"), count("review_action")) == (0, 0)
    assert window.figures.force.iloc[0]["qa_reviewed"] == 0
    window.redo_action.trigger()
    assert count("case_review") == 1


def test_a_review_out_of_scope_is_refused_in_the_dialog(qtbot, settings, engine):
    supervisor = as_user("sup.west", Role.SUPERVISOR, scope=Scope.parse("bcu:West"))
    window = MainWindow(user=supervisor, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    dialog = window.features.record.record("review", first_rsos(engine, "OM1", 1)[0])
    dialog.findings_edit.setPlainText("x")
    dialog.accept()
    assert "may not record a case review" in dialog.error_text and dialog.isVisible()


def test_a_frontline_window_shows_only_the_briefing(qtbot, settings, engine, tmp_path,
                                                    monkeypatch):
    window = MainWindow(user=FRONTLINE, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    assert window.figures is None  # nothing read, nothing shown
    visible = [window.tabs.tabText(i) for i in range(window.tabs.count())
               if window.tabs.isTabVisible(i)]
    assert visible == ["Briefing"]
    menus = [a.text() for a in window.menuBar().actions() if a.isVisible()]
    assert "&Record" not in menus and "&Manage" not in menus
    briefing = window.features.briefing
    assert briefing.action.isEnabled()
    assert briefing.page.neighbourhood == "Blackburn"
    out = tmp_path / "b.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(out), "PDF (*.pdf)")))
    assert briefing.write("Blackburn", AS_AT)
    words = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                           check=True).stdout
    with engine.connect() as c:
        living = set(c.execute(text("SELECT rso_id FROM rso WHERE neighbourhood = 'Blackburn' "
                                    "AND status = 'community'")).scalars())
        others = set(c.execute(text("SELECT rso_id FROM rso")).scalars()) - living
        disclosed = c.execute(text("SELECT rso_ids FROM audit WHERE operation = "
                                   "'neighbourhood briefing'")).scalar()
    assert len(living) == 26 and all(rso_id in words.split() for rso_id in living)
    assert not any(rso_id in words.split() for rso_id in others)
    assert disclosed is not None and sorted(living) == sorted(eval(disclosed))  # noqa: S307


def test_other_users_do_not_see_the_briefing(qtbot, window):
    tabs = window.tabs
    titles = {tabs.tabText(i): tabs.isTabVisible(i) for i in range(tabs.count())}
    assert titles["Briefing"] is False and titles["Quality"] is True
    assert not window.features.briefing.action.isEnabled()
    assert "not permitted" in window.features.briefing.action.toolTip()
