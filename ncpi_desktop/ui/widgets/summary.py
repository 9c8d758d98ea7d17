"""The summary strip across the top of the caseload and review pages: the scope's title and its
as-at line, then a card per figure."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.ui.widgets.labels import ElidedLabel


class SummaryCard(QFrame):
    """One figure of the summary strip: a caption, the figure, and a note on what is under it."""

    def __init__(self, caption: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryCard")
        # The strip's spare width goes to the cards, not to the scope's title beside them.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip(tip)
        self._caption_text = caption
        self._caption = ElidedLabel(caption)
        self._caption.setObjectName("summaryCaption")
        self._value = QLabel("–")
        self._value.setObjectName("summaryValue")
        self._note = ElidedLabel("")
        self._note.setObjectName("summaryNote")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(0)
        layout.addWidget(self._caption)
        layout.addWidget(self._value)
        layout.addWidget(self._note)

    def set_figure(self, value: str, note: str) -> None:
        self._value.setText(value or "–")
        self._note.setText(note)

    @property
    def caption(self) -> str:
        """The card's caption: what the figure is (F1's help explains each by it)."""
        return self._caption_text

    @property
    def value_text(self) -> str:
        return self._value.text()

    @property
    def note_text(self) -> str:
        return self._note.text()


def summary_strip(cards: dict[str, SummaryCard]) -> tuple[QHBoxLayout, QLabel, QLabel]:
    """The strip across the top of the caseload and review pages: the scope's title ("Force")
    and its as-at line, then ``cards``. Returns the strip, the title and the as-at label."""
    strip = QHBoxLayout()
    strip.setSpacing(8)
    scope = QVBoxLayout()
    scope.setSpacing(2)
    title = QLabel("Force")
    title.setObjectName("scopeTitle")
    as_at = QLabel("")
    as_at.setObjectName("muted")
    scope.addStretch(1)
    scope.addWidget(title)
    scope.addWidget(as_at)
    scope.addStretch(1)
    strip.addLayout(scope)
    strip.addSpacing(6)
    for card in cards.values():
        # No stretch factor: a card with a longer note gets the room it asks for first, and
        # only a narrow window elides a note.
        strip.addWidget(card)
    return strip, title, as_at
