"""File › Recent: the databases opened last (``core.settings.RECENT_DATABASES``), the latest
first, each opened again through the window's own File › Open (signing in to it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.core.settings import recent_databases, remember_database


def _missing(location: str) -> bool:
    return "://" not in location and not Path(location).exists()


class RecentMenu(QMenu):
    """File › Recent, filled afresh each time it opens; remembers each database the window
    opens (``AppContext.database_changed``)."""

    def __init__(self, context: AppContext, settings: QSettings,
                 open_target: Callable[[str], object], after: QAction | None = None) -> None:
        file_menu = context.menu("&File")
        super().__init__("&Recent", file_menu)
        self.setObjectName("recent_databases")
        self._settings, self._open = settings, open_target
        actions = file_menu.actions()
        following = (actions[actions.index(after) + 1]
                     if after in actions and actions.index(after) + 1 < len(actions) else None)
        if following is not None:
            file_menu.insertMenu(following, self)
        else:
            file_menu.addMenu(self)
        self.aboutToShow.connect(self.refresh)
        context.database_changed.connect(self.remember)
        self.refresh()

    def remember(self, location: str) -> None:
        """Put ``location`` first. A URL with a password is not kept (only one without it
        could be shown), so a server whose password is needed is given again with --db."""
        if location and "***" not in location:
            remember_database(location, self._settings)
        self.refresh()

    def refresh(self) -> None:
        self.clear()
        known = recent_databases(self._settings)
        for number, location in enumerate(known, start=1):
            action = self.addAction(f"&{number} {location}")
            action.setData(location)
            if _missing(location):
                action.setEnabled(False)
                action.setToolTip("Not found: moved or deleted")
            action.triggered.connect(lambda _checked=False, where=location: self._open(where))
        if not known:
            self.addAction("No databases opened yet").setEnabled(False)
        self.setToolTipsVisible(True)

    @property
    def locations(self) -> list[str]:
        """What the menu offers, in order."""
        return [a.data() for a in self.actions() if a.data()]
