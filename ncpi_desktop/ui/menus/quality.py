"""What the Quality page does: Mark action done (the selected overdue review action, done on the
window's as-at date), as the named operation ``complete_action``: checked for the user's scope,
audited, and undone with Ctrl+Z. It passes the version of the action's RSO the page shows
(``seen``), so a change made to that RSO elsewhere meanwhile refuses it (``StaleWrite``: who and
when) and the figures are read again."""

from __future__ import annotations

from PySide6.QtCore import QObject

from ncpi_desktop.domain.security import Operation
from ncpi_desktop.storage.change import Change
from ncpi_desktop.storage.operations.reviews import complete_action
from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.core.permissions import gate
from ncpi_desktop.ui.pages.quality import QualityPage


class QualityActions(QObject):
    """The Quality page's Mark action done."""

    def __init__(self, context: AppContext, page: QualityPage) -> None:
        super().__init__(context)
        self._context = context
        self.page = page
        page.done_button.clicked.connect(self.mark_done)
        context.user_changed.connect(self._gate)
        context.database_changed.connect(self._gate)
        self._gate()

    def _gate(self, *_args: object) -> None:
        gate(self.page.done_button, self._context.user, Operation.RECORD_REVIEW,
             enabled=self._context.engine is not None)

    def mark_done(self) -> Change | None:
        action_id = self.page.selected_action()
        if action_id is None:
            self._context.show_status("Select an overdue action first", 5000)
            return None
        on = self._context.as_at
        seen = self.page.selected_action_seen()  # refused if the RSO changed since (StaleWrite)
        change = self._context.apply(
            lambda engine, user: complete_action(engine, action_id, on, user, seen=seen))
        if change is not None:
            self._context.show_status(f"Recorded: {change.summary} (Ctrl+Z undoes it)", 8000)
        return change
