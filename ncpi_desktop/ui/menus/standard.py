"""The window's own menu items: File › Open and Quit, Edit › Undo and Redo, View › Reload and
Undo history, Help › About. Features add theirs to the same menus through the context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QUndoView

from ncpi_desktop.ui.core.context import AppContext


@dataclass(frozen=True)
class StandardActions:
    open: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    reload: QAction
    about: QAction
    #: View › Undo history: the undo stack's commands, in a dock (hidden at first).
    undo_dock: QDockWidget


def build_standard_menus(window: QMainWindow, context: AppContext, *,
                         on_open: Callable[[], None], on_reload: Callable[[], None],
                         on_about: Callable[[], None]) -> StandardActions:
    """File, Edit, View and Help with the window's own items, in that order on the menu bar."""
    file_menu = context.menu("&File")
    open_action = QAction("&Open database…", window)
    open_action.setShortcut(QKeySequence.StandardKey.Open)
    open_action.triggered.connect(on_open)
    file_menu.addAction(open_action)
    file_menu.addSeparator()
    quit_action = QAction("&Quit", window)
    quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    quit_action.triggered.connect(window.close)
    file_menu.addAction(quit_action)

    edit_menu = context.menu("&Edit")
    undo_action = context.undo_stack.createUndoAction(window, "&Undo")
    undo_action.setShortcut(QKeySequence.StandardKey.Undo)
    redo_action = context.undo_stack.createRedoAction(window, "&Redo")
    redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
    edit_menu.addAction(undo_action)
    edit_menu.addAction(redo_action)

    view_menu = context.menu("&View")
    reload_action = QAction("&Reload", window)
    reload_action.setShortcut(QKeySequence.StandardKey.Refresh)
    reload_action.setToolTip("Read the database again (changes made elsewhere, such as by "
                             "another user of a shared database)")
    reload_action.triggered.connect(lambda: on_reload())
    view_menu.addAction(reload_action)
    view_menu.addSeparator()
    undo_view = QUndoView(context.undo_stack)
    undo_view.setEmptyLabel("Opened")
    undo_dock = QDockWidget("Undo history", window)
    undo_dock.setObjectName("undo_history")
    undo_dock.setWidget(undo_view)
    undo_dock.hide()
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, undo_dock)
    history_action = undo_dock.toggleViewAction()
    history_action.setText("Undo &history")
    history_action.setShortcut(QKeySequence("Ctrl+H"))
    view_menu.addAction(history_action)

    help_menu = context.menu("&Help")
    about_action = QAction("&About", window)
    about_action.setMenuRole(QAction.MenuRole.AboutRole)
    about_action.triggered.connect(on_about)
    help_menu.addAction(about_action)
    return StandardActions(open=open_action, quit=quit_action, undo=undo_action,
                           redo=redo_action, reload=reload_action, about=about_action,
                           undo_dock=undo_dock)
