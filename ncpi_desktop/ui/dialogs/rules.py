"""Manage › Rules: every policy value (domain ``Policy``), its value in force, its default and
where the number comes from (``PolicyField``), changed by administrators only.

A change is a named operation (``storage.operations.policy.set_policy_values``) run through the
``apply`` handed in (the window's ``AppContext.apply``): one transaction, audited as an
alteration, undoable with Ctrl+Z, and every page is computed again with the new value. A refusal
is said once, in the dialog's message line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import pandas as pd
from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.domain.policy import Policy, PolicyField
from ncpi_desktop.formats import Kind
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.accessible import action_button
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

#: Store ``{key: value}`` as the signed-in user; True when done (a refusal is said through the
#: ``on_refused(title, message)`` it is given).
ApplyValues = Callable[[dict[str, float], Callable[[str, str], None]], bool]

RULE_COLUMNS = [
    Column("number", "No.", Kind.INT),
    Column("label", "Rule"),
    Column("value_text", "In force"),
    Column("default_text", "Default"),
    Column("source", "Where the number comes from", text_tip=True),
]
PERCENT = "fraction"


def value_text(value: float, unit: str) -> str:
    """A policy value as a person reads it: 20%, 50 RSOs per FTE, 28 days."""
    if unit == PERCENT:
        return f"{value * 100:g}%"
    return f"{value:g} {unit}"


def rules_frame(policy: Policy) -> pd.DataFrame:
    """One row per policy value: its label, value in force, default and source."""
    default = Policy()
    rows = []
    for number, described in enumerate(Policy.describe(), start=1):
        value = getattr(policy, described.name)
        source = described.source
        if described.configurable_default and "configurable default" not in source.lower():
            source = f"configurable default ({source})"
        rows.append({"number": number, "key": described.name, "label": described.label,
                     "value": float(value),
                     "value_text": value_text(value, described.unit),
                     "default_text": value_text(getattr(default, described.name),
                                                described.unit),
                     "changed": value != getattr(default, described.name),
                     "source": source})
    return pd.DataFrame(rows)


class RulesDialog(QDialog):
    """The rules in force; an administrator changes one at a time."""

    def __init__(self, policy: Callable[[], Policy], apply: ApplyValues, *,
                 may_edit: bool, why_not: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rules")
        self.setAccessibleName("Rules")
        self.setStyleSheet(style.PAGE_STYLE)
        self.resize(1040, 600)
        self._policy, self._apply = policy, apply
        self._integers = {f.name for f in fields(Policy) if isinstance(f.default, int)}
        self.model = DataFrameTableModel(RULE_COLUMNS, parent=self)
        self.view = data_table(self.model, self)
        self.view.setAccessibleName("Rules")
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # as the policy lists them
        self.view.selectionModel().selectionChanged.connect(self._on_selected)
        note = QLabel("Every figure is computed with the values in force; a change applies to "
                      "every page, report and pack from now on, is recorded in the audit log "
                      "and can be undone (Edit › Undo).", self)
        note.setWordWrap(True)
        note.setObjectName("muted")
        self.rule_label = QLabel("Select a rule to change it.", self)
        self.value_spin = QDoubleSpinBox(self)
        self.value_spin.setAccessibleName("New value")
        self.value_spin.setRange(0, 1_000_000)
        self.change_button = action_button(self, "&Change", "Change the rule", self.change)
        self.default_button = action_button(self, "Back to &default", "Back to the default",
                                           self.restore_default)
        self.message = QLabel("", self)
        self.message.setAccessibleName("Outcome of the last change")
        self.message.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.rule_label, 1)
        row.addWidget(self.value_spin)
        row.addWidget(self.change_button)
        row.addWidget(self.default_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.may_edit = may_edit
        for widget in (self.value_spin, self.change_button, self.default_button):
            widget.setEnabled(may_edit)
            if not may_edit:
                widget.setToolTip(why_not)
        self.refresh()

    def refresh(self) -> None:
        """Show the values in force (after a change, once the window has read them)."""
        chosen = self.chosen()
        self.model.set_frame(rules_frame(self._policy()))
        fit_columns(self.view)
        if chosen is not None:
            row = self.model.row_of("key", chosen.name)
            if row is not None:
                self.view.selectRow(row)

    def chosen(self) -> PolicyField | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        key = str(self.model.frame_row(rows[0].row())["key"])
        return next(f for f in Policy.describe() if f.name == key)

    def _on_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        described = self.chosen()
        if described is None:
            return
        value = float(getattr(self._policy(), described.name))
        whole = described.name in self._integers
        percent = described.unit == PERCENT
        self.value_spin.setDecimals(0 if whole else 1 if percent else 2)
        self.value_spin.setSuffix("%" if percent else f" {described.unit}")
        self.value_spin.setValue(value * 100 if percent else value)
        self.rule_label.setText(f"{described.label}:")

    def say(self, text: str, *, refused: bool = False) -> None:
        colour = style.WARNING_FOREGROUND if refused else style.CARD_TEXT
        self.message.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.message.setText(text)

    def _store(self, described: PolicyField, value: float) -> bool:
        refusals: list[str] = []
        done = self._apply({described.name: value},
                           lambda _title, message: refusals.append(message))
        if not done:
            self.say(refusals[0] if refusals else "Not changed.", refused=True)
            return False
        self.say(f"{described.label} is now {value_text(value, described.unit)}.")
        return True

    def change(self) -> bool:
        """Store the value typed for the selected rule."""
        described = self.chosen()
        if described is None or not self.may_edit:
            self.say("Select a rule in the list first.", refused=True)
            return False
        typed = self.value_spin.value()
        value = typed / 100 if described.unit == PERCENT else typed
        if described.name in self._integers:
            value = float(round(value))
        problem = Policy.value_problem(described.name, value)
        if problem is not None:
            self.say(f"{described.label} {problem}.", refused=True)
            return False
        return self._store(described, value)

    def restore_default(self) -> bool:
        """Give the selected rule its default value again."""
        described = self.chosen()
        if described is None or not self.may_edit:
            self.say("Select a rule in the list first.", refused=True)
            return False
        return self._store(described, float(getattr(Policy(), described.name)))
