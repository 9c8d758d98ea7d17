"""What a screen reader says of a control: its accessible name (and a description where the name
is not enough), and labels that name the input beside them (``setBuddy``), so that Alt and the
label's underlined letter reach the input too.

Every page and dialog names its controls through these two functions, so the accessibility test
(tests/ui/test_accessibility.py) has one way to be satisfied.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QLabel, QPushButton, QWidget

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, description: str = "") -> W:
    """Give ``widget`` the accessible ``name`` (what a screen reader announces) and, where the
    name is not enough, a ``description``; returns the widget."""
    widget.setAccessibleName(name)
    if description:
        widget.setAccessibleDescription(description)
    return widget


def label_for(text: str, widget: QWidget, description: str = "") -> QLabel:
    """A label naming ``widget`` (its buddy), and ``widget`` named after it: the label's text
    with its "&" mnemonic removed."""
    label = QLabel(text)
    label.setBuddy(widget)
    named(widget, text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip(),
          description)
    return label


def action_button(parent: QWidget, text: str, name: str, slot: Callable[[], object],
                  tip: str = "") -> QPushButton:
    """A dialog's button that does ``slot`` when clicked, named ``name`` for a screen reader,
    with ``tip`` on hover, and never the dialog's default (Enter in a field does not press it)."""
    button = named(QPushButton(text, parent), name)
    if tip:
        button.setToolTip(tip)
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    return button
