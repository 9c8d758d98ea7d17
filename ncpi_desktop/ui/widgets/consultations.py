"""Consultation rows for the lists of RSOs with names a user is shown (SECURITY.md, "The audit
log"), wherever the list is: a page's table (``menus.consultations`` hooks every page) or a
dialog's (the dialog calls ``watch_tables`` once it is built).

One ``Consultations`` per window (``Consultations.of(context)``) watches tables over a
``DataFrameTableModel``. When a table on screen shows other named RSOs than it last recorded,
one consultation row names the RSOs it shows with a name (``named_rsos``: a row whose name is
blank, as for a user who may not see it, is not a consultation of a name). Re-painting, sorting
or showing the same list again writes nothing: one row per table per change of what it shows. A
table must stay on screen for ``SETTLE_MS`` to count, so typing a search writes one row for the
result the user stops at, not one per key. Each dialog opened is a table of its own, so opening
one again is a consultation again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QTableView, QWidget

from ncpi_desktop.domain.security import User
from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.models.table_model import DataFrameTableModel

#: How long a list must be on screen, unchanged, to be recorded as shown (milliseconds).
SETTLE_MS = 300
#: The property marking a view as watched.
WATCHED = "ncpi_consultation_watched"
#: The RSO ids a table shows with a name (for a table that names its RSOs other than in a
#: ``rso_name`` column, as an RSO's allocation history does in its heading).
Named = Callable[[QTableView], frozenset[str]]


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


class Consultations(QObject):
    """Writes a consultation row for each watched list of named RSOs shown, once per change."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.setObjectName("consultations")
        self._context = context
        self._views: list[QTableView] = []
        #: What each list last recorded, how to read it and what it is called (by identity).
        self._recorded: dict[int, frozenset[str]] = {}
        self._named: dict[int, Named] = {}
        self._list_names: dict[int, str] = {}
        self._user = context.user.user_name
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SETTLE_MS)
        self._timer.timeout.connect(self.record_shown)
        context.database_changed.connect(lambda _location: self._recorded.clear())
        context.user_changed.connect(self._on_user)

    @classmethod
    def of(cls, context: AppContext) -> Consultations:
        """The window's one watcher (made on first use)."""
        found = context.findChild(cls, "consultations",
                                  Qt.FindChildOption.FindDirectChildrenOnly)
        return found if isinstance(found, cls) else cls(context)

    @property
    def views(self) -> list[QTableView]:
        """The tables watched."""
        return list(self._views)

    def watch(self, view: QTableView, *, named: Named | None = None,
              list_name: str = "") -> None:
        """Record what ``view`` shows whenever its model is reset or it is shown. ``named``:
        the RSO ids it shows with a name (default ``named_rsos``); ``list_name``: what the
        audit calls it (default: its page's title and its own accessible name)."""
        model = view.model()
        if view.property(WATCHED) or not isinstance(model, DataFrameTableModel):
            return
        view.setProperty(WATCHED, True)
        self._views.append(view)
        key = id(view)
        if named is not None:
            self._named[key] = named
        if list_name:
            self._list_names[key] = list_name
        model.modelReset.connect(self._timer.start)
        view.installEventFilter(self)
        view.destroyed.connect(lambda *_: self._forget(view, key))
        if view.isVisible():
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """A watched table coming on screen (a dialog opening, a page to the front)."""
        if event.type() == QEvent.Type.Show:
            self._timer.start()
        return False

    def settle(self) -> None:
        """Record the lists on screen after ``SETTLE_MS`` (restarting the wait)."""
        self._timer.start()

    def _forget(self, view: QTableView, key: int) -> None:
        self._views = [v for v in self._views if v is not view]
        for held in (self._recorded, self._named, self._list_names):
            held.pop(key, None)

    def _on_user(self, user: User) -> None:
        """Another user signed in: what they are shown is a consultation of theirs."""
        if user.user_name != self._user:
            self._user = user.user_name
            self._recorded.clear()

    def record_shown(self) -> None:
        """Record each list on screen whose named RSOs differ from what it last recorded."""
        self._timer.stop()
        for view in list(self._views):
            try:
                if not view.isVisible():
                    continue
            except RuntimeError:  # deleted with its page or dialog
                continue
            key = id(view)
            shown = self._named.get(key, named_rsos)(view)
            if self._recorded.get(key) == shown:
                continue
            self._recorded[key] = shown
            if shown:
                name = self._list_names.get(key) or _list_name(view)
                self._context.audit("consultation", "list shown", sorted(shown),
                                    {"list": name, "rows": len(shown)})


def watch_tables(widget: QWidget, list_name: str, *,
                 named: Named | None = None) -> Consultations | None:
    """Watch every table of ``widget`` (a dialog, once built) that is in a window with an
    ``AppContext``; the audit calls each "``list_name``: its accessible name". ``named``: for
    tables that name their RSOs other than in a ``rso_name`` column. None outside a window."""
    context = AppContext.of(widget)
    if context is None:
        return None
    watcher = Consultations.of(context)
    for view in widget.findChildren(QTableView):
        own = view.accessibleName()
        label = ": ".join(dict.fromkeys(p for p in (list_name, own) if p)) or "RSO list"
        watcher.watch(view, named=named, list_name=label)
    return watcher


def _list_name(view: QTableView) -> str:
    """Which list: the page's title, and the table's own name when it has one."""
    page: QWidget | None = view
    title = ""
    while page is not None and not title:
        found = getattr(page, "title", "")
        title = found if isinstance(found, str) else ""  # a dialog's title may be a label
        page = page.parentWidget()
    name = view.accessibleName()
    return ": ".join(part for part in (title, name) if part) or "RSO list"
