"""The one scope filter: BCU, team and, where a page offers them, offender manager and risk
level; the slice of the force a page shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QWidget

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.enums import RiskLevel
from ncpi_desktop.ui.widgets.accessible import label_for
from ncpi_desktop.ui.widgets.combos import ANY, choose, chosen

ALL_BCUS = "All BCUs"
ALL_TEAMS = "All teams"
ALL_MANAGERS = "All managers"
ALL_RISKS = "All risk levels"


class ScopeFilter(QWidget):
    """BCU, team, offender manager and risk level: the slice of the force a page shows.

    Teams follow the chosen BCU, managers the chosen BCU and team. ``mask`` applies the choice
    to any frame with some of the columns ``bcu``, ``team``, ``manager_id`` and ``risk_level``.
    Without ``managers`` or ``risk`` those combo boxes are left out (the caseload page chooses
    managers in its table). ``everything`` is the data of each "all" item (see ``ANY``).
    """

    #: The user chose another BCU, team, manager or risk level.
    scope_changed = Signal()

    def __init__(self, *, managers: bool = True, risk: bool = True,
                 everything: str | None = ANY, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._figures: Figures | None = None
        self._everything = everything
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.bcu_combo = self._combo(layout, "&BCU", 9, "Show one BCU or all")
        self.team_combo = self._combo(layout, "Te&am", 10, "Show one team or all")
        self.manager_combo: QComboBox | None = None
        if managers:
            self.manager_combo = self._combo(layout, "Mana&ger", 15,
                                             "Show one offender manager or all")
            self.manager_combo.currentIndexChanged.connect(self._on_manager_changed)
        self.risk_combo: QComboBox | None = None
        if risk:
            self.risk_combo = self._combo(layout, "R&isk", 10, "Show one risk level or all")
            self.risk_combo.addItem(ALL_RISKS, everything)
            for level in reversed(RiskLevel):
                self.risk_combo.addItem(level.label.capitalize(), level.value)
            self.risk_combo.currentIndexChanged.connect(self._on_risk_changed)
        self.bcu_combo.currentIndexChanged.connect(self._on_bcu_changed)
        self.team_combo.currentIndexChanged.connect(self._on_team_changed)

    @staticmethod
    def _combo(layout: QHBoxLayout, label: str, width: int, description: str) -> QComboBox:
        if layout.count():
            layout.addSpacing(6)
        combo = QComboBox()
        layout.addWidget(label_for(label, combo, description))
        combo.setMinimumContentsLength(width)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        layout.addWidget(combo)
        return combo

    # --- the choice ---------------------------------------------------------------------------

    @property
    def bcu(self) -> str | None:
        return chosen(self.bcu_combo)

    @property
    def team(self) -> str | None:
        return chosen(self.team_combo)

    @property
    def manager(self) -> str | None:
        return chosen(self.manager_combo) if self.manager_combo is not None else None

    @property
    def risk(self) -> str | None:
        return chosen(self.risk_combo) if self.risk_combo is not None else None

    def set_scope(self, bcu: str | None = None, team: str | None = None,
                  manager: str | None = None, risk: str | None = None) -> None:
        """Choose a scope (None: all), as the user would with the combo boxes."""
        choose(self.bcu_combo, bcu)
        choose(self.team_combo, team)
        if self.manager_combo is not None:
            choose(self.manager_combo, manager)
        if self.risk_combo is not None:
            choose(self.risk_combo, risk)

    def describe(self) -> str:
        """The scope in words: "Force", "East BCU", "Team East 1", "Dean Taylor"."""
        if self.manager is not None:
            scope = self.manager_combo.currentText().split(" (")[0]  # type: ignore[union-attr]
        elif self.team is not None:
            scope = f"Team {self.team}"
        elif self.bcu is not None:
            scope = f"{self.bcu} BCU"
        else:
            scope = "Force"
        if self.risk is not None:
            scope += f" · {self.risk_combo.currentText().lower()} risk"  # type: ignore[union-attr]
        return scope

    def mask(self, frame: pd.DataFrame, *, risk: bool = True) -> np.ndarray:
        """Rows of ``frame`` inside the scope (columns it lacks are not filtered on)."""
        keep = np.ones(len(frame), dtype=bool)
        chosen = {"bcu": self.bcu, "team": self.team, "manager_id": self.manager,
                  "risk_level": self.risk if risk else None}
        for column, value in chosen.items():
            if value is not None and column in frame.columns:
                keep &= (frame[column] == value).to_numpy(dtype=bool, na_value=False)
        return keep

    # --- filling ------------------------------------------------------------------------------

    def set_figures(self, figures: Figures) -> None:
        """Offer the BCUs, teams and managers of ``figures``, keeping the choice where it
        still exists. Emits nothing: the page refreshes itself."""
        self._figures = figures
        names = sorted(set(figures.bcus["bcu"].dropna()) | set(figures.managers["bcu"].dropna()))
        self._fill(self.bcu_combo, ALL_BCUS, [(str(n), str(n)) for n in names], self.bcu)
        self._fill_teams()
        self._fill_managers()

    def _fill(self, combo: QComboBox, everything: str, items: list[tuple[str, str]],
              keep: str | None) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, self._everything)
        for text, data in items:
            combo.addItem(text, data)
        choose(combo, keep)
        combo.blockSignals(False)

    def _fill_teams(self) -> None:
        figures = self._figures
        assert figures is not None
        pairs = pd.concat([figures.teams[["bcu", "team"]], figures.managers[["bcu", "team"]]])
        if self.bcu is not None:
            pairs = pairs[pairs["bcu"] == self.bcu]
        names = sorted(set(pairs["team"].dropna()))
        self._fill(self.team_combo, ALL_TEAMS, [(str(n), str(n)) for n in names], self.team)

    def _fill_managers(self) -> None:
        figures = self._figures
        assert figures is not None
        if self.manager_combo is None:
            return
        managers = figures.managers
        managers = managers[scope_without_manager(self, managers)]
        managers = managers.sort_values("name", key=lambda s: s.str.casefold())
        items = [(f"{name} ({team})", str(manager_id)) for name, team, manager_id in zip(
            managers["name"], managers["team"], managers["manager_id"], strict=True)]
        self._fill(self.manager_combo, ALL_MANAGERS, items, self.manager)

    def _on_bcu_changed(self, _index: int) -> None:
        if self._figures is not None:
            self._fill_teams()
            self._fill_managers()
        self.scope_changed.emit()

    def _on_team_changed(self, _index: int) -> None:
        if self._figures is not None:
            self._fill_managers()
        self.scope_changed.emit()

    def _on_manager_changed(self, _index: int) -> None:
        self.scope_changed.emit()

    def _on_risk_changed(self, _index: int) -> None:
        self.scope_changed.emit()


def scope_without_manager(scope: ScopeFilter, managers: pd.DataFrame) -> np.ndarray:
    """Rows of ``managers`` in the scope's BCU and team (whichever manager is chosen)."""
    keep = np.ones(len(managers), dtype=bool)
    if scope.bcu is not None:
        keep &= (managers["bcu"] == scope.bcu).to_numpy(dtype=bool, na_value=False)
    if scope.team is not None:
        keep &= (managers["team"] == scope.team).to_numpy(dtype=bool, na_value=False)
    return keep
