"""Undo for named operations: each command holds the ``Change`` an operation returned."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand
from sqlalchemy.engine import Engine

from ncpi_desktop.storage.change import Change


class OperationCommand(QUndoCommand):
    """A change already written to the database; undo and redo apply its exact inverse.

    ``on_changed`` runs after every undo or redo so the window can refresh its figures.
    """

    def __init__(self, engine: Engine, change: Change, actor: str,
                 on_changed: Callable[[], None]) -> None:
        super().__init__(change.summary)
        self._engine = engine
        self._change = change
        self._actor = actor
        self._on_changed = on_changed
        self._applied = True

    @property
    def change(self) -> Change:
        return self._change

    def redo(self) -> None:
        if self._applied:  # pushed after the operation ran: nothing to do the first time
            return
        self._change = self._change.undo(self._engine, self._actor)
        self._applied = True
        self._on_changed()

    def undo(self) -> None:
        self._change = self._change.undo(self._engine, self._actor)
        self._applied = False
        self._on_changed()
