"""The keys that move between pages and open a page's help, wherever the focus is.

View › Next page (Ctrl+Tab, Ctrl+Page Down) and Previous page (Ctrl+Shift+Tab, Ctrl+Page Up)
move between the window's tabs even from inside a table or a page's own tabs; Help › Help for
this page (F1) opens the help of the page in front, written from the policy in force.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QTabWidget

from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.dialogs.page_help import HelpDialog

NEXT_KEYS = ("Ctrl+Tab", "Ctrl+PgDown")
PREVIOUS_KEYS = ("Ctrl+Shift+Tab", "Ctrl+Shift+Backtab", "Ctrl+PgUp")


@dataclass
class PageKeys:
    """The actions, and the help window once F1 has opened it."""

    next_page: QAction
    previous_page: QAction
    help: QAction
    dialog: HelpDialog | None = None


def _action(window: QMainWindow, text: str, keys: tuple[str, ...] | list[QKeySequence],
            tip: str) -> QAction:
    action = QAction(text, window)
    action.setShortcuts([QKeySequence(k) for k in keys])
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setStatusTip(tip)
    window.addAction(action)  # works with the menu bar hidden, and from any widget
    return action


def build_page_keys(window: QMainWindow, context: AppContext, tabs: QTabWidget) -> PageKeys:
    """Add the page keys to ``window`` and to its View and Help menus."""
    keys = PageKeys(
        next_page=_action(window, "&Next page", NEXT_KEYS, "Show the next page"),
        previous_page=_action(window, "Pre&vious page", PREVIOUS_KEYS,
                              "Show the previous page"),
        help=_action(window, "Help for this &page",
                     [QKeySequence(QKeySequence.StandardKey.HelpContents)],
                     "What each figure on this page means and the rule behind it (F1)"))
    if not keys.help.shortcuts():  # a platform without a standard help key
        keys.help.setShortcut(QKeySequence("F1"))

    def step(by: int) -> None:
        count = tabs.count()
        if count:
            tabs.setCurrentIndex((tabs.currentIndex() + by) % count)
            tabs.currentWidget().setFocus(Qt.FocusReason.TabFocusReason)

    def show_help() -> None:
        page = tabs.currentWidget()
        if page is None:
            return
        if keys.dialog is None:
            keys.dialog = HelpDialog(window)
        group = getattr(page, "state_group", "")
        keys.dialog.show_help(page, group, tabs.tabText(tabs.currentIndex()), context.policy)

    keys.next_page.triggered.connect(lambda: step(1))
    keys.previous_page.triggered.connect(lambda: step(-1))
    keys.help.triggered.connect(show_help)
    view_menu = context.menu("&View")
    view_menu.addSeparator()
    view_menu.addAction(keys.next_page)
    view_menu.addAction(keys.previous_page)
    help_menu = context.menu("&Help")
    help_menu.insertAction(help_menu.actions()[0] if help_menu.actions() else None, keys.help)
    return keys
