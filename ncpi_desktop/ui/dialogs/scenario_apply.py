"""Scenario › Apply real parts: what applying the scenario will make for real (a manager
leaving, reactive decisions: the usual named operations, with their checks), and what it
cannot (the hypothetical parts), with the reason each operation records; then what was made
and what was refused."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.scenario import Outcome
from ncpi_desktop.analysis.scenario_steps import KIND_TITLES
from ncpi_desktop.formats import Kind, plural
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.accessible import named
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

PLAN_COLUMNS = [
    Column("number", "Step", Kind.INT),
    Column("title", "Change"),
    Column("happens", "When applied"),
    Column("summary", "What it does in the scenario", text_tip=True),
]
#: What applying does with a step of a real kind, and with a hypothetical one.
MADE = "Made for real"
NOT_MADE = "Not applied: hypothetical"


def what_happens(outcome: Outcome) -> str:
    """How a real step is made: how many operations; a hypothetical one is not applied."""
    if not outcome.step.real:
        return NOT_MADE
    if outcome.step.kind == "reactive_all_eligible":
        return f"{MADE}: {plural(len(outcome.to_reactive), 'management decision')}"
    moved = int(outcome.moves["to_manager_id"].notna().sum())
    return f"{MADE}: the leaver operation, {plural(moved, 'RSO')} moved"


def plan_frame(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """One row per step: what applying does with it."""
    return pd.DataFrame({
        "number": [o.number for o in outcomes],
        "title": [KIND_TITLES.get(o.step.kind, o.step.kind) for o in outcomes],
        "happens": [what_happens(o) for o in outcomes],
        "summary": [o.summary for o in outcomes],
    }, columns=[c.key for c in PLAN_COLUMNS])


class ApplyScenarioDialog(QDialog):
    """The plan of applying a scenario, and the reason recorded with each operation."""

    def __init__(self, name: str, outcomes: Sequence[Outcome],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Apply the real parts of \u201c{name}\u201d")
        self.setStyleSheet(style.PAGE_STYLE)
        self.setMinimumWidth(820)
        self.outcomes = list(outcomes)
        real = [o for o in outcomes if o.step.real]
        intro = QLabel(
            f"{plural(len(real), 'change')} of the scenario can be made for real, each as the "
            "usual operation with its checks (an RSO that no longer meets the criteria, or "
            "that someone changed since you read it, is refused). The hypothetical changes "
            "are not applied. Each operation can be undone (Edit › Undo).")
        intro.setWordWrap(True)
        self.model = DataFrameTableModel(PLAN_COLUMNS, plan_frame(outcomes), parent=self)
        self.view = data_table(self.model, name="What applying the scenario does")
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # in the order applied
        fit_columns(self.view)
        self.reason_edit = named(QLineEdit(f"Scenario \u201c{name}\u201d"), "Reason",
                                 "Recorded with each operation")
        self.message = QLabel("")
        self.message.setObjectName("muted")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.addButton("&Apply real parts",
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setEnabled(bool(real))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        form = QFormLayout()
        form.addRow("&Reason:", self.reason_edit)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    @property
    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def accept(self) -> None:
        if not self.reason:
            self.message.setText("Give the reason each operation records.")
            return
        super().accept()
