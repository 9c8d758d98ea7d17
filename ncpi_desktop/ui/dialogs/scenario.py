"""Scenario › New and Edit: a what-if scenario's name and its steps, one kind of change at a
time, each with its own inputs (teams and managers chosen from the figures on show, FTE in
spin boxes, a cohort's risk mix), checked as it is added (``analysis.scenario``'s checks, whose
message names the field), and undoable within the dialog (Ctrl+Z).

The steps are listed through the one table model over a frame (``models.scenario``). Nothing
here touches the database: the scenario is kept, shown or saved by the Scenario menu.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.scenario import Scenario, ScenarioError, Step
from ncpi_desktop.analysis.scenario_steps import KIND_TITLES, KINDS, check_step
from ncpi_desktop.domain.enums import RISK_ORDER
from ncpi_desktop.domain.policy import POLICY_FIELDS
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.scenario import STEP_COLUMNS, manager_names, steps_frame
from ncpi_desktop.ui.models.table_model import DataFrameTableModel
from ncpi_desktop.ui.widgets.accessible import named
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

#: A form's values for its step (raises ``ValueError`` with a message for the user).
Values = Callable[[], dict[str, Any]]


def _fte_box(value: float = 1.0) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(0.1, 1.0)
    box.setSingleStep(0.1)
    box.setDecimals(2)
    box.setValue(value)
    box.setSuffix(" FTE")
    return box


class ScenarioEditor(QDialog):
    """A scenario's name and steps; ``scenario`` once accepted."""

    def __init__(self, figures: Figures, scenario: Scenario | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit what-if scenario" if scenario else "New what-if scenario")
        self.setStyleSheet(style.PAGE_STYLE)
        self.setMinimumWidth(760)
        self._figures = figures
        self._names = manager_names(figures)
        self._steps: list[Step] = list(scenario.steps) if scenario else []
        self._history: list[list[Step]] = []
        self.scenario: Scenario | None = scenario

        self.name_edit = named(QLineEdit(scenario.name if scenario else ""), "Scenario name")
        self.name_edit.setPlaceholderText("e.g. West gets two more offender managers")
        self.model = DataFrameTableModel(STEP_COLUMNS, parent=self)
        self.view = data_table(self.model, name="The scenario's changes",
                               description="Each change, in the order it is applied")
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # in the order applied
        self.remove_button = QPushButton("&Remove change")
        self.remove_button.clicked.connect(self.remove_selected)
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setToolTip("Take back the last change to the list (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo)
        self.message = QLabel("")
        self.message.setObjectName("muted")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow("&Name:", self.name_edit)
        layout.addLayout(form)
        layout.addWidget(self.view, 1)
        row = QHBoxLayout()
        row.addWidget(self.remove_button)
        row.addWidget(self.undo_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self._build_adding())
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._show_steps()

    # --- adding a change -------------------------------------------------------------------

    def _build_adding(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 6, 0, 0)
        self.kind_combo = named(QComboBox(), "Kind of change")
        for kind in KINDS:
            self.kind_combo.addItem(KIND_TITLES.get(kind, kind), kind)
        self.forms = QStackedWidget()
        self._values: dict[str, Values] = {}
        for kind in KINDS:
            form, values = getattr(self, f"_form_{kind}")()
            self.forms.addWidget(form)
            self._values[kind] = values
        self.kind_combo.currentIndexChanged.connect(self.forms.setCurrentIndex)
        self.add_button = QPushButton("&Add change")
        self.add_button.clicked.connect(self.add_current)
        top = QHBoxLayout()
        top.addWidget(QLabel("Add a &change:"))
        top.itemAt(0).widget().setBuddy(self.kind_combo)
        top.addWidget(self.kind_combo, 1)
        top.addWidget(self.add_button)
        layout.addLayout(top)
        layout.addWidget(self.forms)
        return box

    def _team_combo(self) -> QComboBox:
        combo = named(QComboBox(), "Team")
        teams = self._figures.teams.sort_values(["bcu", "team"])
        for team, bcu in zip(teams["team"].astype(str), teams["bcu"].astype(str), strict=True):
            combo.addItem(f"{team} ({bcu})", (team, bcu))
        return combo

    def _manager_combo(self) -> QComboBox:
        combo = named(QComboBox(), "Offender manager")
        managers = self._figures.managers.sort_values(["bcu", "team", "name"])
        for row in managers[["manager_id", "name", "team", "fte"]].itertuples(index=False):
            combo.addItem(f"{row.name} ({row.manager_id}) — {row.team}, {row.fte:g} FTE",
                          str(row.manager_id))
        return combo

    @staticmethod
    def _form(*rows: tuple[str, QWidget]) -> QWidget:
        widget = QWidget()
        form = QFormLayout(widget)
        form.setContentsMargins(0, 0, 0, 0)
        for label, field in rows:
            form.addRow(label, field)
        return widget

    def _form_add_manager(self) -> tuple[QWidget, Values]:
        team, fte = self._team_combo(), _fte_box()
        name = named(QLineEdit(), "New manager's name")
        name.setPlaceholderText("optional, e.g. New officer 1")
        self.add_team_combo, self.add_fte_box, self.add_name_edit = team, fte, name

        def values() -> dict[str, Any]:
            if team.currentIndex() < 0:
                raise ValueError("Choose the team the new manager joins.")
            chosen_team, bcu = team.currentData()
            found = {"team": chosen_team, "bcu": bcu, "fte": fte.value()}
            return found | ({"name": name.text().strip()} if name.text().strip() else {})
        return self._form(("Team:", team), ("FTE:", fte), ("Name:", name)), values

    def _form_change_fte(self) -> tuple[QWidget, Values]:
        manager, fte = self._manager_combo(), _fte_box()
        self.fte_manager_combo, self.fte_box = manager, fte
        return self._form(("Manager:", manager), ("New FTE:", fte)), lambda: {
            "manager_id": self._chosen(manager), "fte": fte.value()}

    def _form_manager_leaves(self) -> tuple[QWidget, Values]:
        manager = self._manager_combo()
        self.leaver_combo = manager
        return self._form(("Manager:", manager)), lambda: {"manager_id": self._chosen(manager)}

    def _form_reactive_all_eligible(self) -> tuple[QWidget, Values]:
        scope = named(QComboBox(), "Where")
        scope.addItem("The whole force", ("", ""))
        for bcu in sorted(self._figures.bcus["bcu"].astype(str)):
            scope.addItem(f"BCU {bcu}", ("", bcu))
        teams = self._figures.teams.sort_values(["bcu", "team"])
        for team, bcu in zip(teams["team"].astype(str), teams["bcu"].astype(str), strict=True):
            scope.addItem(f"Team {team} ({bcu})", (team, bcu))
        self.reactive_scope_combo = scope

        def values() -> dict[str, Any]:
            team, bcu = scope.currentData()
            return {k: v for k, v in (("team", team), ("bcu", bcu)) if v}
        return self._form(("Where:", scope)), values

    def _form_release_cohort(self) -> tuple[QWidget, Values]:
        count, team = QSpinBox(), self._team_combo()
        count.setRange(1, 10_000)
        count.setValue(10)
        named(count, "How many releases")
        mix = QHBoxLayout()
        self.risk_boxes: dict[str, QSpinBox] = {}
        for level in RISK_ORDER:
            box = named(QSpinBox(), f"Releases of {level.replace('_', ' ')} risk")
            box.setRange(0, 10_000)
            box.setPrefix(f"{level.replace('_', ' ').capitalize()}: ")
            self.risk_boxes[level] = box
            mix.addWidget(box)
        self.risk_boxes[RISK_ORDER[0]].setValue(10)
        mix_widget = QWidget()
        mix_widget.setLayout(mix)
        mix.setContentsMargins(0, 0, 0, 0)
        self.cohort_count_box, self.cohort_team_combo = count, team

        def values() -> dict[str, Any]:
            risk = {level: box.value() for level, box in self.risk_boxes.items() if box.value()}
            if sum(risk.values()) != count.value():
                raise ValueError(f"The risk mix adds up to {sum(risk.values()):,}, not the "
                                 f"{count.value():,} releases: make them agree.")
            if team.currentIndex() < 0:
                raise ValueError("Choose the team the releases go to.")
            chosen_team, bcu = team.currentData()
            return {"n": count.value(), "team": chosen_team, "bcu": bcu, "risk": risk}
        return self._form(("Releases:", count), ("Into team:", team),
                          ("Risk mix:", mix_widget)), values

    def _form_policy_value(self) -> tuple[QWidget, Values]:
        key, value = named(QComboBox(), "Policy value"), named(QDoubleSpinBox(), "New value")
        for described in POLICY_FIELDS:
            key.addItem(f"{described.label} ({described.unit})", described.name)
        value.setRange(0, 100_000)
        value.setDecimals(2)
        policy = self._figures.policy
        key.currentIndexChanged.connect(
            lambda _i: value.setValue(float(getattr(policy, key.currentData(), 0))))
        value.setValue(float(getattr(policy, key.currentData(), 0)))
        self.policy_key_combo, self.policy_value_box = key, value
        return self._form(("Value:", key), ("Becomes:", value)), lambda: {
            "key": key.currentData(), "value": value.value()}

    @staticmethod
    def _chosen(combo: QComboBox) -> str:
        if combo.currentIndex() < 0:
            raise ValueError("Choose a manager.")
        return str(combo.currentData())

    def choose_kind(self, kind: str) -> None:
        """Show the inputs of ``kind`` (a key of ``analysis.scenario_steps.KINDS``)."""
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))

    def add_current(self) -> bool:
        """Add the change the inputs describe, once checked; say why not otherwise."""
        kind = self.kind_combo.currentData()
        try:
            values = self._values[kind]()
            kept = check_step(len(self._steps) + 1, kind, values)
        except (ValueError, ScenarioError) as exc:
            self._say(str(exc), problem=True)
            return False
        self._history.append(list(self._steps))
        self._steps.append(Step(kind, kept))
        self._show_steps()
        self._say(f"Added: {KIND_TITLES.get(kind, kind)}.")
        return True

    # --- the list ---------------------------------------------------------------------------

    @property
    def steps(self) -> list[Step]:
        return list(self._steps)

    def remove_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            self._say("Select the change to remove first.", problem=True)
            return
        number = int(self.model.frame_row(rows[0].row())["number"])
        self._history.append(list(self._steps))
        removed = self._steps.pop(number - 1)
        self._show_steps()
        self._say(f"Removed change {number}: {KIND_TITLES.get(removed.kind, removed.kind)}.")

    def undo(self) -> None:
        """Take back the last addition or removal."""
        if not self._history:
            self._say("Nothing to undo.", problem=True)
            return
        self._steps = self._history.pop()
        self._show_steps()
        self._say("Undone.")

    def _show_steps(self) -> None:
        self.model.set_frame(steps_frame(self._steps, self._names))
        if self._steps:
            fit_columns(self.view)
        self.undo_button.setEnabled(bool(self._history))
        self.remove_button.setEnabled(bool(self._steps))

    def _say(self, text: str, *, problem: bool = False) -> None:
        colour = style.on_ground(style.WARNING_FOREGROUND) if problem else ""
        self.message.setStyleSheet(f"color: {colour};" if colour else "")
        self.message.setText(text)

    @property
    def message_text(self) -> str:
        return self.message.text()

    def accept(self) -> None:
        """Keep the scenario if it reads: a name and at least one change."""
        if not self._steps:
            self._say("Add at least one change first.", problem=True)
            return
        try:
            self.scenario = Scenario(self.name_edit.text(), tuple(self._steps))
        except ScenarioError as exc:
            message = str(exc)
            if "'name'" in message:
                message = "Give the scenario a name."
                self.name_edit.setFocus()
            self._say(message, problem=True)
            return
        super().accept()
