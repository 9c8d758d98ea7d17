"""What the main window needs of a page, so later issues add pages without touching the window.

A page is given the window's one ``Figures`` (or None for an empty database) every time the
snapshot is reloaded, and saves and restores its own view state (splitters, column widths).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from ncpi_desktop.analysis.figures import Figures


class Page(QWidget):
    """Base of the main window's pages; override ``set_figures`` and, if needed, the state pair."""

    #: The tab's text.
    title = ""
    #: The QSettings group the page's state is kept under.
    settings_group = ""

    def set_figures(self, figures: Figures | None) -> None:
        """Show ``figures``; None means the database holds nothing yet."""
        raise NotImplementedError

    def save_state(self, settings: QSettings) -> None:
        """Write view state (splitters, headers) into ``settings``, already in the page's group."""

    def restore_state(self, settings: QSettings) -> None:
        """Read what ``save_state`` wrote; missing keys leave the defaults."""
