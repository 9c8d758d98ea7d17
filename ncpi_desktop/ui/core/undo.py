"""Undo for named operations: each command holds the ``Change`` an operation returned."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QDockWidget, QListView
from sqlalchemy.engine import Engine

from ncpi_desktop.domain.security import NotPermitted, User
from ncpi_desktop.storage.change import Change, OperationError, StaleWrite

#: A word of a summary that could be an id (letters, digits, "-" and "_").
_WORD = re.compile(r"[\w-]+")


def named(summary: str, names: Mapping[str, str]) -> str:
    """``summary`` with every manager id in it replaced by the manager's name ("Reassign 6
    RSO(s) to OM4" becomes "... to Dan Duckworth"). Storage writes the summary with ids; the
    undo history is read by people. An all-digit id is replaced only after "to ", so that a
    count ("6 RSO(s)") is never taken for one."""
    if not names:
        return summary

    def name(word: re.Match[str]) -> str:
        found = word.group(0)
        if found not in names:
            return found
        if found.isdigit() and not summary[:word.start()].endswith("to "):
            return found
        return names[found]

    return _WORD.sub(name, summary)


class OperationCommand(QUndoCommand):
    """A change already written to the database; undo and redo apply its exact inverse.

    Undo and redo run as ``user`` and are checked as the change was: one refused (the RSOs
    have left the user's scope, or someone changed them since) changes nothing, is said through
    ``on_refused(title, message)`` and leaves the stack (``setObsolete``).
    ``on_changed`` runs after every undo or redo so the window can refresh its figures.
    ``names``: each manager's name by id, so that the entry names managers (``named``).
    """

    def __init__(self, engine: Engine, change: Change, user: User,
                 on_changed: Callable[[], None], *, names: Mapping[str, str] | None = None,
                 on_refused: Callable[[str, str], None] | None = None) -> None:
        super().__init__(named(change.summary, names or {}))
        self._engine = engine
        self._change = change
        self._user = user
        self._on_changed = on_changed
        self._on_refused = on_refused
        self._applied = True

    @property
    def change(self) -> Change:
        return self._change

    def redo(self) -> None:
        if self._applied:  # pushed after the operation ran: nothing to do the first time
            return
        if self._take_back():
            self._applied = True

    def undo(self) -> None:
        if self._take_back():
            self._applied = False

    def _take_back(self) -> bool:
        """Apply the held change's inverse as the user; False (said, and the command made
        obsolete) when it is refused."""
        try:
            self._change = self._change.undo(self._engine, self._user)
        except (OperationError, NotPermitted) as exc:
            self.setObsolete(True)
            if self._on_refused is not None:
                title = "Not permitted" if isinstance(exc, NotPermitted) else "Not done"
                self._on_refused(title, str(exc).strip().splitlines()[0])
            if isinstance(exc, StaleWrite):  # someone changed it since: show it as it is now
                self._on_changed()
            return False
        self._on_changed()
        return True


def wrap_history(dock: QDockWidget) -> None:
    """The undo history's entries wrap rather than run off a narrow dock (a laptop screen)."""
    dock.setMinimumWidth(220)
    view = dock.widget()
    if isinstance(view, QListView):
        view.setWordWrap(True)
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
