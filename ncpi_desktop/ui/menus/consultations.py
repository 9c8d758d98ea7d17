"""Consultation rows for the lists of RSOs with names a user is shown (SECURITY.md, "The audit
log"): a manager's RSOs, the pool, a Register search, the review lists of Visits, ARMS, Reactive
and Orders.

``ListConsultations`` watches every table of the window's pages that lists RSOs by name (a
``rso_name`` column among its columns). When a list on screen shows other RSOs than it last
recorded, one consultation row names the RSOs it shows with a name (a row whose name is blank, as
for a user who may not see it, is not a consultation of a name). Re-painting, sorting or showing
the same list again writes nothing: one row per list per change of what it shows. A list must
stay on screen for ``SETTLE_MS`` to count, so typing a search writes one row for the result the
user stops at, not one per key.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QTableView, QWidget

from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.models.table_model import DataFrameTableModel

#: How long a list must be on screen, unchanged, to be recorded as shown (milliseconds).
SETTLE_MS = 300
#: The property marking a view as watched.
WATCHED = "ncpi_consultation_watched"


def named_rsos(view: QTableView) -> frozenset[str]:
    """The RSO ids ``view`` lists with a name shown: none unless its model shows a
    ``rso_name`` column."""
    model = view.model()
    if not isinstance(model, DataFrameTableModel):
        return frozenset()
    frame = model.frame
    if "rso_id" not in frame or "rso_name" not in frame or not any(
            column.key == "rso_name" for column in model.columns):
        return frozenset()
    names = frame["rso_name"].astype(object).fillna("").astype(str).str.strip(", ")
    ids = frame["rso_id"].to_numpy(object)[names.to_numpy(object) != ""]
    return frozenset(str(i) for i in np.unique(ids.astype(str)))


class ListConsultations(QObject):
    """Writes a consultation row for each list of named RSOs shown, once per change."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self._context = context
        self._views: list[QTableView] = []
        #: What each list last recorded (by the view's identity).
        self._recorded: dict[int, frozenset[str]] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.record_shown)
        context.page_changed.connect(self._on_page_changed)
        context.database_changed.connect(lambda _location: self._recorded.clear())
        self.watch_pages()

    @property
    def views(self) -> list[QTableView]:
        """The tables watched."""
        return list(self._views)

    def watch_pages(self) -> None:
        """Watch every table of every page (tables a page builds later: at its next showing)."""
        for page in self._context.pages():
            for view in page.findChildren(QTableView):
                self.watch(view)

    def watch(self, view: QTableView) -> None:
        model = view.model()
        if view.property(WATCHED) or not isinstance(model, DataFrameTableModel):
            return
        view.setProperty(WATCHED, True)
        self._views.append(view)
        model.modelReset.connect(self._timer.start)
        view.destroyed.connect(lambda *_: self._forget(view))

    def _forget(self, view: QTableView) -> None:
        self._views = [v for v in self._views if v is not view]
        self._recorded.pop(id(view), None)

    def _on_page_changed(self, _index: int) -> None:
        self.watch_pages()
        self._timer.start()

    def record_shown(self) -> None:
        """Record each list on screen whose named RSOs differ from what it last recorded."""
        self._timer.stop()
        for view in list(self._views):
            try:
                if not view.isVisible():
                    continue
            except RuntimeError:  # deleted with its page
                continue
            shown = named_rsos(view)
            if self._recorded.get(id(view)) == shown:
                continue
            self._recorded[id(view)] = shown
            if shown:
                self._context.audit("consultation", "list shown", sorted(shown),
                                    {"list": _list_name(view), "rows": len(shown)})


def _list_name(view: QTableView) -> str:
    """Which list: the page's title, and the table's own name when it has one."""
    page: QWidget | None = view
    while page is not None and not getattr(page, "title", ""):
        page = page.parentWidget()
    title = str(getattr(page, "title", "")) if page is not None else ""
    name = view.accessibleName()
    return ": ".join(part for part in (title, name) if part) or "RSO list"
