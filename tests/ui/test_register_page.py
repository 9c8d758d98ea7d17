"""The Register page as a user sees it: every RSO of the register, found by typing part of a name
(Ctrl+F), filtered, the data-quality flags with what to fix, and Enter opening an RSO's details.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import AS_AT, FORCE_MANAGER, Register
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.models.register import ANY_DATA_QUALITY, WHAT_TO_FIX
from ncpi_desktop.ui.models.table_model import DISPLAY, FLAGGED, TOOLTIP
from ncpi_desktop.ui.pages.register import RegisterPage


def register_register() -> Register:
    """Eight RSOs in two BCUs, every status, with names, neighbourhoods and data-quality flags.

    East 1, OM1 Alice Ashworth:  R1 Smith, John (Blackburn); R2 Smithson, Jane (Darwen, custody);
                                 R3 Jones, Ann (Blackburn, no risk level); R4 Brown, Tom (reactive)
    West 1, OM2 Bob Birtwistle:  R5 Blacksmith, Amy (Preston, paper only); R6 Green, Zoe (missing);
                                 R7 White, Ian (abroad, paper only)
    Pooled in West 1:            R8 Grey, Sam (Preston, no risk level)
    """
    r = Register()
    r.manager("OM1", name="Alice Ashworth", bcu="East", team="East 1")
    r.manager("OM2", name="Bob Birtwistle", bcu="West", team="West 1")
    east = dict(manager_id="OM1", team="East 1", bcu="East")
    west = dict(manager_id="OM2", team="West 1", bcu="West")
    r.rso("R1", family_name="Smith", given_names="John", neighbourhood="Blackburn", **east)
    r.rso("R2", family_name="Smithson", given_names="Jane", neighbourhood="Darwen",
          status="custody", **east)
    r.rso("R3", family_name="Jones", given_names="Ann", neighbourhood="Blackburn",
          risk_level=None, **east)
    r.rso("R4", family_name="Brown", given_names="Tom", risk_level="low", management="reactive",
          **east)
    r.rso("R5", family_name="Blacksmith", given_names="Amy", neighbourhood="Preston",
          paper_records_only=True, risk_level="high", **west)
    r.rso("R6", family_name="Green", given_names="Zoe", status="missing", **west)
    r.rso("R7", family_name="White", given_names="Ian", status="abroad", paper_records_only=True,
          **west)
    r.rso("R8", family_name="Grey", given_names="Sam", neighbourhood="Preston", risk_level=None,
          team="West 1", bcu="West")
    return r


@pytest.fixture(scope="session")
def register_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("register_page") / "register.sqlite3"
    register_register().write(path).dispose()
    return path


@pytest.fixture(scope="session")
def register_figures(register_db: Path) -> Figures:
    engine = make_engine(register_db)
    try:
        return compute_figures(load_snapshot(engine, AS_AT))
    finally:
        engine.dispose()


@pytest.fixture
def page(qtbot, register_figures: Figures) -> RegisterPage:
    page = RegisterPage()
    qtbot.addWidget(page)
    page.resize(1366, 720)
    page.set_figures(register_figures)
    page.show()
    qtbot.waitExposed(page)
    return page


def listed(page: RegisterPage) -> list[str]:
    model = page.register_model
    column = model.column_of("rso_id")
    return sorted(model.data(model.index(row, column), DISPLAY) for row in range(model.rowCount()))


def cell(page: RegisterPage, rso: str, key: str, role: int = DISPLAY):
    model = page.register_model
    row = model.row_of("rso_id", rso)
    assert row is not None, rso
    return model.data(model.index(row, model.column_of(key)), role)


def test_every_rso_of_every_status_is_listed(page: RegisterPage) -> None:
    assert listed(page) == [f"R{n}" for n in range(1, 9)]
    assert page.title_label.text() == "8 RSOs"
    assert page.summary["rsos"].value_text == "8"
    assert page.summary["rsos"].note_text == "of 8 in the register; 5 in the community"
    assert cell(page, "R2", "status") == "Custody"
    assert cell(page, "R1", "rso_name") == "Smith, John"
    assert cell(page, "R8", "manager_label") == "No named manager"
    # Sorted by name until a header is clicked.
    names = page.register_model.frame["rso_name"].tolist()
    assert names == sorted(names, key=str.casefold)


def test_typing_part_of_a_name_lists_exactly_the_matching_rsos(qtbot, page: RegisterPage) -> None:
    qtbot.keyClicks(page.search, "SMIT")
    qtbot.waitUntil(lambda: listed(page) == ["R1", "R2", "R5"])  # Smith, Smithson, Blacksmith
    assert page.title_label.text() == "3 RSOs matching “SMIT”"
    page.search.clear()
    qtbot.keyClicks(page.search, "john smith")  # both words, in any order
    qtbot.waitUntil(lambda: listed(page) == ["R1"])


def test_search_by_id_neighbourhood_and_manager(page: RegisterPage) -> None:
    page.set_choice("r7")
    assert listed(page) == ["R7"]
    page.set_choice("preston")
    assert listed(page) == ["R5", "R8"]
    page.set_choice("birtwistle")
    assert listed(page) == ["R5", "R6", "R7"]
    page.set_choice("om1")
    assert listed(page) == ["R1", "R2", "R3", "R4"]
    page.set_choice("nobody by that name")
    assert listed(page) == []
    assert page.title_label.text() == "0 RSOs matching “nobody by that name”"


def test_filters_by_status_management_flag_and_scope(page: RegisterPage) -> None:
    page.set_choice(status="custody")
    assert listed(page) == ["R2"]
    page.set_choice(management="reactive")
    assert listed(page) == ["R4"]
    page.set_choice(flag="paper_records_only")
    assert listed(page) == ["R5", "R7"]
    page.set_choice(flag="no_named_manager")
    assert listed(page) == ["R8"]
    page.set_choice(flag=ANY_DATA_QUALITY)
    assert listed(page) == ["R3", "R5", "R7", "R8"]
    page.scope.set_scope(bcu="West")
    assert listed(page) == ["R5", "R7", "R8"]
    page.scope.set_scope(bcu="West", risk="high")
    assert listed(page) == ["R5"]
    page.scope.set_scope(manager="OM1")
    page.set_choice("blackburn")  # a search within the filters
    assert listed(page) == ["R1", "R3"]
    page.scope.set_scope()
    page.set_choice("smith", status="custody")
    assert listed(page) == ["R2"]


def test_a_data_quality_flag_shows_what_to_fix(page: RegisterPage) -> None:
    assert cell(page, "R5", "what_to_fix") == WHAT_TO_FIX["paper_records_only"]
    assert cell(page, "R5", "what_to_fix", FLAGGED) is True
    assert cell(page, "R5", "what_to_fix", TOOLTIP) == (
        "Details kept only on paper, not in the system. " + WHAT_TO_FIX["paper_records_only"])
    assert cell(page, "R3", "what_to_fix") == WHAT_TO_FIX["no_risk_level"]
    assert "No risk level" in cell(page, "R3", "flag_text")
    assert cell(page, "R1", "what_to_fix") == ""
    assert cell(page, "R1", "what_to_fix", FLAGGED) is False
    assert page.summary["data_quality"].value_text == "4"
    assert page.summary["data_quality"].note_text == (
        "no risk level 2 · paper records only 2")
    assert [page.flag_combo.itemText(i) for i in range(3)] == [
        "All RSOs", "Any flag", "Any data-quality flag"]


def test_ctrl_f_focuses_the_search(qtbot, page: RegisterPage) -> None:
    page.register_view.setFocus()
    assert page.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    page.find_action.trigger()
    assert QApplication.focusWidget() is page.search
    assert page.search.accessibleName() == "Search the register"


@pytest.fixture
def window(qtbot, settings: QSettings, tmp_path: Path, register_db: Path) -> Iterator[MainWindow]:
    path = tmp_path / "register.sqlite3"
    shutil.copyfile(register_db, path)
    engine: Engine = make_engine(path)
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    yield window
    engine.dispose()


def test_the_window_has_the_page_and_enter_opens_the_detail(qtbot, window: MainWindow) -> None:
    page = window.features.register_page
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles.index("Register") == titles.index("Orders") + 1
    window.tabs.setCurrentWidget(page)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is page.search
    qtbot.keyClicks(page.search, "blacksm")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)  # searches at once, then goes to the list
    assert listed(page) == ["R5"]
    assert QApplication.focusWidget() is page.register_view
    qtbot.keyClick(page.register_view, Qt.Key.Key_Return)
    detail = window.features.record.detail
    assert detail is not None
    qtbot.waitExposed(detail)
    assert detail.rso_id == "R5"
    assert "Paper records only" in detail.flags_text
