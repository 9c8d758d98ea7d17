"""Combo boxes whose first item means "all": what a filter reads and sets."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

#: The item data of a combo box's "all" choice. Never None: PySide6 6.12's ``currentData()``
#: releases a reference to None it never took, and Python aborts once None's count runs out.
ANY = ""


def chosen(combo: QComboBox) -> str | None:
    """The combo box's current data; None for the "all" choice."""
    return combo.currentData() or None


def choose(combo: QComboBox, value: str | None) -> None:
    """Make ``value`` current (None or an unknown value: the first, "all", choice)."""
    combo.setCurrentIndex(max(combo.findData(value or ANY), 0))


def compact(combo: QComboBox, characters: int) -> QComboBox:
    """Let ``combo`` be as narrow as ``characters`` characters however long its items (so a
    filter row fits a laptop screen); its list still opens wide enough for every item. Call it
    once the items are in."""
    combo.setMinimumContentsLength(characters)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
    return combo
