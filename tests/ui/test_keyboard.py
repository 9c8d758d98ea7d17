"""The keyboard alone: Tab leaves a table, Ctrl+Tab and Ctrl+PgDn move between pages from
anywhere, F1 opens the page's help with the numbers of the policy in force."""

from __future__ import annotations

from builders import as_user
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableView, QWidget
from sqlalchemy.engine import Engine

from ncpi_desktop.storage.operations.policy import set_policy_values
from ncpi_desktop.ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def shown(qtbot, window: MainWindow) -> MainWindow:
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    return window


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def inside(widget: QWidget | None, container: QWidget) -> bool:
    return widget is not None and (widget is container or container.isAncestorOf(widget))


def test_tab_and_shift_tab_leave_the_managers_table(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    table = window.caseload_page.managers_view
    table.setFocus()
    qtbot.waitUntil(lambda: table.hasFocus())
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    after = focused()
    assert after is not None and not inside(after, table)
    assert window.caseload_page.selected_manager is not None  # Tab did not move the selection
    table.setFocus()
    qtbot.waitUntil(lambda: table.hasFocus())
    qtbot.keyClick(table, Qt.Key.Key_Backtab, SHIFT)
    assert not inside(focused(), table)


def test_no_table_keeps_tab_to_itself(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    tables = [t for page in window.pages for t in page.findChildren(QTableView)]
    assert len(tables) > 10
    assert [t.accessibleName() for t in tables if t.tabKeyNavigation()] == []


def test_ctrl_tab_and_ctrl_page_keys_move_between_pages(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    tabs = window.tabs
    count = tabs.count()
    assert count >= 6
    table = window.caseload_page.managers_view
    table.setFocus()
    qtbot.waitUntil(lambda: table.hasFocus())
    qtbot.keyClick(table, Qt.Key.Key_Tab, CTRL)
    assert tabs.currentIndex() == 1
    qtbot.keyClick(focused() or window, Qt.Key.Key_PageDown, CTRL)
    assert tabs.currentIndex() == 2
    qtbot.keyClick(focused() or window, Qt.Key.Key_PageUp, CTRL)
    assert tabs.currentIndex() == 1
    # From a table inside a page's own tabs (Visits' side tabs), it is still the page that moves.
    visits = window.features.visits_page
    assert tabs.currentWidget() is visits
    visits.side_tabs.setCurrentIndex(0)
    visits.teams_view.setFocus()
    qtbot.waitUntil(lambda: visits.teams_view.hasFocus())
    qtbot.keyClick(visits.teams_view, Qt.Key.Key_Backtab, CTRL | SHIFT)
    assert tabs.currentIndex() == 0
    assert visits.side_tabs.currentIndex() == 0
    qtbot.keyClick(focused() or window, Qt.Key.Key_Backtab, CTRL | SHIFT)
    assert tabs.currentIndex() == count - 1  # round from the first to the last


def test_f1_shows_the_page_help_with_the_policy_in_force(qtbot, window: MainWindow,
                                                         engine: Engine) -> None:
    set_policy_values(engine, {"caseload_limit_per_fte": 43.0, "high_risk_share_limit": 0.35,
                               "arms_max_age_months": 9}, as_user("test"))
    window.reload()
    shown(qtbot, window)
    assert window.policy.caseload_limit_per_fte == 43.0
    table = window.caseload_page.managers_view
    table.setFocus()
    qtbot.waitUntil(lambda: table.hasFocus())
    qtbot.keyClick(table, Qt.Key.Key_F1)
    dialog = window.page_keys.dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.text
    assert dialog.windowTitle() == "Help: Caseload"
    assert "above 43 per FTE is flagged" in text
    assert "above 35% is flagged" in text
    assert "within 9 months" in text
    # Every figure on the page is explained.
    for card in window.caseload_page.summary.values():
        assert f"{card.caption}:" in text, card.caption

    window.activateWindow()
    table = window.features.arms_page.due_view
    window.tabs.setCurrentWidget(window.features.arms_page)
    table.setFocus()
    qtbot.waitUntil(lambda: table.hasFocus())
    qtbot.keyClick(table, Qt.Key.Key_F1)
    text = dialog.text
    assert dialog.windowTitle() == "Help: ARMS"
    assert "older than 9 months" in text
    for card in window.features.arms_page.summary.values():
        assert f"{card.caption}:" in text, card.caption
    assert "Eligible: Adult males in the community" in text  # a column's header tip


def test_every_page_has_help_for_every_figure(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    keys = window.page_keys
    for index, page in enumerate(window.pages):
        window.tabs.setCurrentIndex(index)
        keys.help.trigger()
        assert keys.dialog is not None
        assert keys.dialog.help is not None, page.title
        assert "No help is written" not in keys.dialog.text
        for card in getattr(page, "summary", {}).values():
            assert f"{card.caption}:" in keys.dialog.text, (page.title, card.caption)


def test_tab_reaches_every_control_of_the_page_and_back(qtbot, window: MainWindow) -> None:
    shown(qtbot, window)
    window.tabs.setCurrentWidget(window.features.visits_page)
    page = window.features.visits_page
    qtbot.wait(20)
    start = page.scope.bcu_combo
    start.setFocus()
    qtbot.waitUntil(lambda: start.hasFocus())
    reached: list[QWidget] = []
    for _ in range(60):
        widget = focused()
        assert widget is not None
        reached.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    wanted = [page.scope.bcu_combo, page.scope.team_combo, page.list_combo, page.within_spin,
              page.visits_view, page.teams_view]
    assert [w.accessibleName() for w in wanted if w not in reached] == []
    # Shift+Tab goes back the same way: from the list to the spin box before it.
    page.visits_view.setFocus()
    qtbot.waitUntil(lambda: page.visits_view.hasFocus())
    qtbot.keyClick(page.visits_view, Qt.Key.Key_Backtab, SHIFT)
    assert not inside(focused(), page.visits_view)
