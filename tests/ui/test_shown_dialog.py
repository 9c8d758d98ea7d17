"""Manage's and the administrator's dialogs are shown one way (``menus.shown_dialog``): held as
the feature's ``dialog`` while open, window-modal unless asked otherwise, deleted on close and
then forgotten, a newer dialog kept when an older one goes."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtWidgets import QDialog

from ncpi_desktop.ui.menus.shown_dialog import show_dialog


class Feature:
    def __init__(self) -> None:
        self.dialog: QDialog | None = None


def deleted() -> None:
    QCoreApplication.sendPostedEvents(None, int(QEvent.Type.DeferredDelete))
    QCoreApplication.processEvents()


def test_a_dialog_is_held_while_open_and_forgotten_once_closed(qtbot):
    feature = Feature()
    first = show_dialog(feature, QDialog())
    assert feature.dialog is first and first.isVisible()
    assert first.windowModality() == Qt.WindowModality.WindowModal
    second = show_dialog(feature, QDialog(), modality=Qt.WindowModality.NonModal)
    assert second.windowModality() == Qt.WindowModality.NonModal
    first.close()
    deleted()
    assert feature.dialog is second  # the older one going leaves the newer held
    second.close()
    deleted()
    assert feature.dialog is None
