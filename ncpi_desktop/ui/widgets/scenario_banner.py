"""The banner across the top of every page while a what-if scenario is shown beside today:
"What if: <name> — not the register", on the scenario's own ground (``core.style``), so no
one reads a scenario's figure as the register's. Its button stops showing the scenario."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.formats import plural, uk_date
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import AppContext, ShownScenario
from ncpi_desktop.ui.models.scenario import group_columns, groups_beside
from ncpi_desktop.ui.models.table_model import DataFrameTableModel
from ncpi_desktop.ui.widgets.accessible import named
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

#: The banner's first line, for a scenario called ``name``.
BANNER_TITLE = "What if: {name} — not the register"

BANNER_STYLE = f"""
QFrame#scenarioBanner {{
    background: {style.SCENARIO_BACKGROUND};
    border: 2px solid {style.SCENARIO_BORDER};
    border-radius: 4px;
}}
QFrame#scenarioBanner QLabel {{ color: {style.SCENARIO_FOREGROUND}; background: transparent; }}
QLabel#scenarioTitle {{ font-size: 11pt; font-weight: 700; }}
"""


def banner_title(name: str) -> str:
    return BANNER_TITLE.format(name=name)


def banner_detail(shown: ShownScenario, today_ready: bool) -> str:
    """The banner's second line: what the figures beside today are, or that they are coming."""
    base = shown.base
    if shown.figures is None or not today_ready or base is None:
        return "Working out the scenario's figures from the register on show…"
    steps = len(getattr(shown.scenario, "steps", ()))
    return (f"{plural(steps, 'change')} applied in memory to the register as at "
            f"{uk_date(base.snapshot.as_at)}. The \u201cWhat if\u201d and \u0394 columns are "
            "the scenario's; nothing is written to the database.")


class ScenarioBanner(QFrame):
    """The banner a page shows while a scenario is shown (hidden otherwise)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioBanner")
        self.setStyleSheet(BANNER_STYLE)
        self.title = QLabel("")
        self.title.setObjectName("scenarioTitle")
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.stop_button = QPushButton("Stop showing")
        self.stop_button.setToolTip("Show the register alone again (Scenario › Stop showing)")
        named(self.stop_button, "Stop showing the scenario",
              "Show the register alone again")
        self.stop_button.clicked.connect(self._on_stop)
        texts = QVBoxLayout()
        texts.setSpacing(2)
        texts.addWidget(self.title)
        texts.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addLayout(texts, 1)
        layout.addWidget(self.stop_button)
        self.setAccessibleName("What-if scenario shown")
        self.hide()

    def show_scenario(self, shown: ShownScenario | None, *, today_ready: bool) -> None:
        """Show ``shown``'s banner (None: hide it); ``today_ready``: its figures are worked
        out from the figures the page shows."""
        if shown is None:
            self.hide()
            return
        self.title.setText(banner_title(shown.name))
        self.detail.setText(banner_detail(shown, today_ready))
        self.setAccessibleDescription(self.title.text())
        self.show()

    @property
    def text(self) -> str:
        return self.title.text() if self.isVisibleTo(self.parentWidget()) else ""

    def _on_stop(self) -> None:
        context = AppContext.of(self)
        if context is not None:
            context.set_scenario(None)


#: The caseload page's tab of the force, BCUs and teams beside the scenario.
GROUPS_TAB = "What if: force, BCUs, teams"


class ScenarioGroups:
    """The caseload page's "What if" tab (beside its charts): the force, each BCU and each
    team, today beside the scenario, with the difference. The tab is there only while a
    scenario is shown."""

    def __init__(self, tabs: QTabWidget) -> None:
        self._tabs = tabs
        self.model = DataFrameTableModel([], parent=tabs)
        self.view = data_table(self.model, name="What if: force, BCUs and teams", description=(
            "Each group's caseload, FTE, per FTE and high-risk share today, in the scenario, "
            "and the difference"))
        self._fitted = False

    @property
    def shown(self) -> bool:
        return self._tabs.indexOf(self.view) >= 0

    def show_groups(self, today: Figures | None, shown: ShownScenario | None) -> None:
        """Fill the tab from ``today`` beside ``shown``'s figures (None: remove the tab)."""
        if today is None or shown is None or shown.figures is None:
            index = self._tabs.indexOf(self.view)
            if index >= 0:
                self._tabs.removeTab(index)
            return
        self.model.set_frame(groups_beside(today, shown.figures), group_columns(today))
        if not self.shown:
            self._tabs.addTab(self.view, GROUPS_TAB)
        if not self._fitted and self.model.rowCount():
            fit_columns(self.view)
            self._fitted = True
