"""What the main window needs of a page, so later issues add pages without touching the window.

A page is given the window's one ``Figures`` (or None for an empty database) every time the
snapshot is reloaded, and saves and restores its own view state (splitters, column widths) in its
own group of the settings (``settings_group``), with the keys of ``core.settings``.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QBoxLayout, QLabel, QVBoxLayout, QWidget

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.ui.core.context import ShownScenario
from ncpi_desktop.ui.widgets.scenario_banner import ScenarioBanner


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

    # --- a what-if scenario beside today ----------------------------------------------------

    @property
    def scenario(self) -> ShownScenario | None:
        """The what-if scenario shown beside today's figures, if any."""
        return getattr(self, "_scenario", None)

    def set_scenario(self, shown: ShownScenario | None) -> None:
        """Show ``shown`` beside today (None: today alone): the banner across the top; a page
        with group tables adds the difference columns (``scenario_ready``)."""
        self._scenario = shown
        self.show_banner()

    def scenario_ready(self) -> ShownScenario | None:
        """The scenario shown, if its figures are worked out from the figures this page shows
        (only then is a difference beside them right)."""
        shown = self.scenario
        figures = getattr(self, "figures", None)
        return shown if shown is not None and shown.ready_for(figures) else None

    @property
    def scenario_banner(self) -> ScenarioBanner:
        """The banner at the top of the page (made the first time a scenario is shown)."""
        banner = getattr(self, "_banner", None)
        if banner is None:
            banner = self._banner = ScenarioBanner(self)
            layout = self.layout()
            if isinstance(layout, QBoxLayout):
                layout.insertWidget(0, banner)
        return banner

    def show_banner(self) -> None:
        """The banner as the scenario shown now is (hidden when none is)."""
        shown = self.scenario
        if shown is None and getattr(self, "_banner", None) is None:
            return
        self.scenario_banner.show_scenario(shown, today_ready=self.scenario_ready() is not None)

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
