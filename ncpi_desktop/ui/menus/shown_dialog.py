"""How a menu's feature shows the dialog it opens (Manage's and the administrator's): deleted
when closed, window-modal unless asked otherwise, and kept as the feature's ``dialog`` (for tests
and the next step) until Qt deletes it."""

from __future__ import annotations

from typing import Protocol, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog


class HoldsDialog(Protocol):
    """A feature keeping the dialog it showed last."""

    dialog: QDialog | None


Shown = TypeVar("Shown", bound=QDialog)


def show_dialog(owner: HoldsDialog, dialog: Shown, *,
                modality: Qt.WindowModality = Qt.WindowModality.WindowModal) -> Shown:
    """Show ``dialog`` (deleted on close, ``modality``), held as ``owner.dialog`` until it is
    deleted (then ``owner.dialog`` is None again, unless another dialog took its place)."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(modality)
    owner.dialog = dialog
    dialog.destroyed.connect(lambda *_: _forget(owner, dialog))
    dialog.show()
    return dialog


def _forget(owner: HoldsDialog, dialog: QDialog) -> None:
    if owner.dialog is dialog:
        owner.dialog = None
