"""The kinds of label the pages write besides their tables: a section's title, a muted note
(styled by ``style.PAGE_STYLE`` through their object names), and a one-line label that elides
rather than widen the window."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget


def section_title(text: str) -> QLabel:
    """A section's title; it wraps rather than set the page's width."""
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    label.setWordWrap(True)
    return label


def muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


class ElidedLabel(QLabel):
    """A one-line label that may be narrower than its text: it then ends with "…" and its
    tooltip holds the whole text. ``text()`` is always the whole text."""

    #: The narrowest it asks to be, in average characters.
    MINIMUM_CHARACTERS = 8

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        narrowest = self.fontMetrics().averageCharWidth() * self.MINIMUM_CHARACTERS
        return QSize(min(hint.width(), narrowest), hint.height())

    def shown_text(self) -> str:
        """The text as drawn at the label's present width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        shown = self.shown_text()
        self.setToolTip(self.text() if shown != self.text() else "")
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment()),
                                  self.palette(), self.isEnabled(), shown,
                                  self.foregroundRole())
