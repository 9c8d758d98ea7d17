"""Widgets one above the other, as the pages' side-by-side panes stack a title, a list and a
note."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget


def column(*widgets: QWidget, grow: QWidget | None = None, spacing: int = 4) -> QWidget:
    """A widget holding ``widgets`` top to bottom with no margin; ``grow`` takes the spare
    height."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(spacing)
    for widget in widgets:
        layout.addWidget(widget, 1 if widget is grow else 0)
    return holder
