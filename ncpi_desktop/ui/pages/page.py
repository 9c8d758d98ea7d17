"""What the main window needs of a page, so later issues add pages without touching the window.

A page is given the window's one ``Figures`` (or None for an empty database) every time the
snapshot is reloaded, and saves and restores its own view state (splitters, column widths) in its
own group of the settings (``settings_group``), with the keys of ``core.settings``.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ncpi_desktop.analysis.figures import Figures


class Page(QWidget):
    """Base of the main window's pages; override ``set_figures`` and, if needed, the state pair."""

    #: The tab's text.
    title = ""
    #: The QSettings group the page's state is kept under.
    settings_group = ""

    @property
    def state_group(self) -> str:
        """The settings group the page's view state is kept in."""
        return self.settings_group or type(self).__name__

    def set_figures(self, figures: Figures | None) -> None:
        """Show ``figures``; None means the database holds nothing yet."""
        raise NotImplementedError

    def save_state(self, settings: QSettings) -> None:
        """Write view state (splitters, headers) into ``settings``, already in the page's group."""

    def restore_state(self, settings: QSettings) -> None:
        """Read what ``save_state`` wrote; missing keys leave the defaults."""


def message_page(parent: QWidget, title: str, text: str = "") -> QWidget:
    """What a page shows instead of its content: a title, and a muted line under it (selectable,
    so a command in it can be copied)."""
    page = QWidget(parent)
    layout = QVBoxLayout(page)
    layout.addStretch(1)
    heading = QLabel(title)
    heading.setObjectName("emptyTitle")
    heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
    layout.addWidget(heading)
    if text:
        note = QLabel(text)
        note.setObjectName("muted")
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(note)
    layout.addStretch(2)
    return page
