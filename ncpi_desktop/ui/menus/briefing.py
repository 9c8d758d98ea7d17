"""File › Neighbourhood briefing… and the Briefing page (DOMAIN.md rule 16).

Only a user whose role permits briefings (``frontline``) may write one, for their own
neighbourhoods; the window of a user who may do nothing else (``briefing_only``) shows the
Briefing page alone: every other page's tab and the Record and Manage menus are hidden, and the
window reads no figures. For every other user the Briefing page's tab is hidden.

The briefing is built by ``exchange.briefing.produce_briefing`` (which checks the scope and
writes the disclosure row) and drawn by ``exports.briefing_pdf`` (owner-only, whole or not at
all).
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QTabWidget, QWidget

from ncpi_desktop.domain.security import NotPermitted, Operation, ScopeKind
from ncpi_desktop.exchange.briefing import BriefingError, produce_briefing
from ncpi_desktop.formats import uk_date
from ncpi_desktop.ui.core.context import AppContext, one_line
from ncpi_desktop.ui.core.permissions import briefing_only, gate, show_tips
from ncpi_desktop.ui.exports.briefing_pdf import write_briefing_pdf
from ncpi_desktop.ui.exports.table_export import inform, save_path
from ncpi_desktop.ui.pages.briefing import BriefingPage

PDF = "PDF (*.pdf)"
#: The menus a briefing-only user does not see.
HIDDEN_MENUS = ("&Record", "&Manage")


class BriefingActions(QObject):
    """File › Neighbourhood briefing…, the Briefing page, and what a frontline user sees."""

    def __init__(self, context: AppContext, page: BriefingPage, *, before: QAction) -> None:
        super().__init__(context)
        self._context = context
        self.page = page
        self.last_message: QMessageBox | None = None
        self.action = QAction("Neighbourhood &briefing…", context.dialog_parent)
        self.action.setStatusTip("Write a briefing for patrol officers of one of your "
                                 "neighbourhoods (PDF)")
        self.action.triggered.connect(self.choose_and_write)
        menu = context.menu("File")
        show_tips(menu)
        menu.insertAction(before, self.action)
        menu.insertSeparator(before)
        page.write_button.clicked.connect(self.write_from_page)
        context.user_changed.connect(self._on_user)
        context.database_changed.connect(self._on_user)
        self._on_user()

    def neighbourhoods(self) -> list[str]:
        """The user's own neighbourhoods (their scope's)."""
        scope = self._context.user.scope
        return list(scope.values) if scope.kind is ScopeKind.NEIGHBOURHOOD else []

    def _on_user(self, *_args: object) -> None:
        user = self._context.user
        has_database = self._context.engine is not None
        gate(self.action, user, Operation.BRIEFING, enabled=has_database)
        gate(self.page.write_button, user, Operation.BRIEFING, enabled=has_database)
        self.page.set_neighbourhoods(self.neighbourhoods())
        only = briefing_only(user)
        tabs = _tabs_of(self.page)
        if tabs is None:
            return
        for index in range(tabs.count()):
            page = tabs.widget(index)
            tabs.setTabVisible(index, page is self.page if only else page is not self.page)
        if only:
            tabs.setCurrentWidget(self.page)
        for title in HIDDEN_MENUS:
            self._context.menu(title).menuAction().setVisible(not only)

    def choose_and_write(self) -> None:
        """File › Neighbourhood briefing…: which neighbourhood (of the user's own), then where."""
        names = self.neighbourhoods()
        if not names:
            return
        name, chosen = QInputDialog.getItem(self._context.dialog_parent, "Neighbourhood briefing",
                                            "Neighbourhood:", names, 0, False)
        if chosen:
            self.write(name, self._context.as_at)

    def write_from_page(self) -> None:
        if self.page.neighbourhood:
            self.write(self.page.neighbourhood, self._context.as_at)

    def write(self, neighbourhood: str, on: date) -> bool:
        """Ask where, then produce (checked and audited) and write the briefing as at ``on``."""
        context = self._context
        engine = context.engine
        if engine is None:
            return False
        default = f"briefing-{re.sub(r'[^A-Za-z0-9]+', '-', neighbourhood).strip('-')}-{on}.pdf"
        path = save_path(context.dialog_parent, "Write neighbourhood briefing", "briefing",
                         default, [PDF])
        if path is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            briefing = produce_briefing(engine, context.user, neighbourhood, on=on,
                                        file_name=path.name)
            pages = write_briefing_pdf(briefing, path)
        except (NotPermitted, BriefingError, OSError) as exc:
            QApplication.restoreOverrideCursor()
            context.show_error("Cannot write the briefing", one_line(exc))
            return False
        QApplication.restoreOverrideCursor()
        said = (f"Wrote {path} ({len(briefing.rows)} RSOs, {pages} page(s)). It is "
                f"OFFICIAL-SENSITIVE: destroy it after {uk_date(briefing.destroy_after)}.")
        self.page.result_label.setText(said)
        context.show_status(said, 10_000)
        self.last_message = inform(context.dialog_parent, "Neighbourhood briefing", said)
        return True


def _tabs_of(page: QWidget) -> QTabWidget | None:
    """The window's tabs holding ``page`` (None before it is added)."""
    widget = page.parentWidget()
    while widget is not None and not isinstance(widget, QTabWidget):
        widget = widget.parentWidget()
    return widget
