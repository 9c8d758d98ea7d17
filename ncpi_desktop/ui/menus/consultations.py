"""Consultation rows for the lists of RSOs with names the window's pages show (SECURITY.md, "The
audit log"): a manager's RSOs, the pool, a Register search, the review lists of Visits, ARMS,
Reactive and Orders.

``ListConsultations`` hands every table of every page to the window's one watcher
(``widgets.consultations.Consultations``), which the dialogs listing named RSOs use too (reassign,
the proposal view for balancing, a leaver or an absence, hand back, allocation history): one row
per list per change of what it shows, naming the RSOs it shows with a name.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QTableView

from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.widgets.consultations import SETTLE_MS, Consultations, named_rsos

__all__ = ["SETTLE_MS", "ListConsultations", "named_rsos"]


class ListConsultations(QObject):
    """Watches the pages' tables (those a page builds later: at its next showing)."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self._context = context
        self.watcher = Consultations.of(context)
        context.page_changed.connect(self._on_page_changed)
        self.watch_pages()

    @property
    def views(self) -> list[QTableView]:
        """The tables watched (the pages' and any open dialog's)."""
        return self.watcher.views

    def watch_pages(self) -> None:
        """Watch every table of every page."""
        for page in self._context.pages():
            for view in page.findChildren(QTableView):
                self.watcher.watch(view)

    def _on_page_changed(self, _index: int) -> None:
        self.watch_pages()
        self.watcher.settle()

    def record_shown(self) -> None:
        """Record each list on screen whose named RSOs differ from what it last recorded."""
        self.watcher.record_shown()
