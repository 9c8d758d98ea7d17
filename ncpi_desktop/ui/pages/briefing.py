"""The Briefing page: a frontline officer's one page (DOMAIN.md rule 16, SECURITY.md's
``frontline`` role). It shows no figures and no names: it says what a briefing holds, lets the
officer choose one of their neighbourhoods, and writes the briefing as a PDF
(``menus.briefing`` does the writing)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.pages.page import Page
from ncpi_desktop.ui.widgets.labels import muted, section_title

EXPLAINED = (
    "A neighbourhood briefing lists the registered sex offenders living in the community in one "
    "of your neighbourhoods, with only what a patrol officer may be told: their RSO id, name, "
    "risk level, the civil orders in force with their type and end date, and whom to tell of a "
    "sighting or concern (their offender manager and team). Nothing else: no date of birth, no "
    "offence, no address beyond the neighbourhood.")
HANDLING = (
    "The briefing is OFFICIAL-SENSITIVE, dated, and marked with the day after which it is to be "
    "destroyed. Writing one is recorded in the audit log, naming every RSO in it.")


class BriefingPage(Page):
    """Choose a neighbourhood; Write briefing… (wired by ``menus.briefing``)."""

    title = "Briefing"
    settings_group = "briefing"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._figures: Figures | None = None
        self.setStyleSheet(style.PAGE_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(10)
        layout.addWidget(section_title("Neighbourhood briefing"))
        text = QLabel(EXPLAINED)
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.neighbourhood_combo = QComboBox()
        self.neighbourhood_combo.setAccessibleName("Neighbourhood")
        self.neighbourhood_combo.setMinimumWidth(260)
        form.addRow("&Neighbourhood", self.neighbourhood_combo)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        layout.addLayout(form)
        layout.addWidget(muted("The briefing is as at the date in the bar above (As at)."))
        self.write_button = QPushButton("&Write briefing…")
        self.write_button.setDefault(True)
        layout.addWidget(self.write_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.result_label = muted("")
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setAccessibleName("The briefing last written")
        layout.addWidget(self.result_label)
        layout.addWidget(muted(HANDLING))
        layout.addStretch(1)

    def set_neighbourhoods(self, names: list[str]) -> None:
        self.neighbourhood_combo.clear()
        self.neighbourhood_combo.addItems(names)

    @property
    def neighbourhood(self) -> str:
        return self.neighbourhood_combo.currentText()

    @property
    def figures(self) -> Figures | None:
        """The window's figures, as every page holds them (the briefing shows none of them)."""
        return self._figures

    def set_figures(self, figures: Figures | None) -> None:
        """Kept, never shown: the briefing reads the database itself, at the window's date."""
        self._figures = figures
