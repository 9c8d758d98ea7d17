"""The supervisor's caseload page: the force at a glance, every manager against the limits, and
the RSOs behind any manager or pool.

Everything on the page reads one ``Figures`` (the window's snapshot), so the table, the charts,
the summary strip and ``report --json`` agree. Filters slice the figures with pandas; the charts
are built after the table's first paint, because pyqtgraph takes a third of a second to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QItemSelectionModel,
    QObject,
    QSettings,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.flags import flag_column
from ncpi_desktop.domain.enums import ManagementMode, RiskLevel, Role, Status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel, Kind, format_value
from ncpi_desktop.ui.pages.page import Page, message_page
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

if TYPE_CHECKING:
    from ncpi_desktop.ui.charts.manager_bars import ManagerBarChart

#: The manager flags shown on this page, with the word the Flags column uses for each.
MANAGER_FLAGS: dict[str, str] = {
    "caseload_over_limit": "Caseload",
    "high_risk_share_over_limit": "High risk",
}
CASELOAD = ("caseload_over_limit",)
HIGH_RISK = ("high_risk_share_over_limit",)
ALL_BCUS = "All BCUs"
ALL_TEAMS = "All teams"


def manager_columns(policy: Policy) -> list[Column]:
    """The managers table; header tips say what each figure counts, with the policy in force."""
    limit = f"{policy.caseload_limit_per_fte:g}"
    share = f"{policy.high_risk_share_limit:.0%}"
    return [
        Column("name", "Offender manager"),
        Column("bcu", "BCU"),
        Column("team", "Team"),
        Column("fte", "FTE", Kind.FTE, header_tip="Full-time equivalent"),
        Column("caseload", "Caseload", Kind.INT, CASELOAD,
               header_tip="Community RSOs held (custody, abroad and missing are not counted)"),
        Column("per_fte", "Per FTE", Kind.RATIO, CASELOAD,
               header_tip=f"Caseload ÷ FTE; flagged above {limit}"),
        Column("high", "High", Kind.INT, header_tip="High-risk community RSOs"),
        Column("very_high", "Very high", Kind.INT, header_tip="Very-high-risk community RSOs"),
        Column("high_risk_share", "High-risk %", Kind.PERCENT, HIGH_RISK,
               header_tip=f"High plus very high as a share of the caseload; flagged above {share}"),
        Column("flag_text", "Above limit", Kind.TEXT, tuple(MANAGER_FLAGS),
               header_tip="Which limits this manager is above (hover for why)"),
    ]


RISK_ORDER = tuple(level.value for level in RiskLevel)
STATUS_ORDER = tuple(status.value for status in Status)
MANAGEMENT_ORDER = tuple(mode.value for mode in ManagementMode)

RSO_COLUMNS = [
    Column("rso_id", "RSO"),
    Column("rso_name", "Name"),
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("status", "Status", Kind.LABEL, order=STATUS_ORDER),
    Column("management", "Management", Kind.LABEL, order=MANAGEMENT_ORDER),
    Column("neighbourhood", "Neighbourhood"),
]
POOLED_COLUMNS = [
    Column("rso_id", "RSO"),
    Column("rso_name", "Name"),
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("team", "Team"),
    Column("management", "Management", Kind.LABEL, order=MANAGEMENT_ORDER),
    Column("neighbourhood", "Neighbourhood"),
    Column("why_no_named_manager", "Why pooled", text_tip=True),
]


def flag_text(managers: pd.DataFrame) -> pd.Series:
    """Per manager, the limits they are above, as words ("Caseload · High risk")."""
    text = pd.Series("", index=managers.index, dtype=object)
    for name, label in MANAGER_FLAGS.items():
        if flag_column(name) not in managers:
            continue
        raised = managers[flag_column(name)].to_numpy(dtype=bool)
        text = text.where(~raised, text.where(text == "", text + " · ") + label)
    return text


def with_rso_names(rsos: pd.DataFrame, columns: list[Column]) -> pd.DataFrame:
    """The ``columns`` of a slice of ``Figures.rsos``, with a display name ("Family, Given").

    Only the shown columns are copied: the RSO frame is wide."""
    keys = [c.key for c in columns if c.key in rsos.columns]
    shown = rsos[keys].copy()
    shown["rso_name"] = (rsos["family_name"].astype(object).fillna("") + ", "
                         + rsos["given_names"].astype(object).fillna(""))
    return shown


class SummaryCard(QFrame):
    """One figure of the summary strip: a caption, the figure, and a note on what is under it."""

    def __init__(self, caption: str, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summaryCard")
        self.setToolTip(tip)
        self._caption = QLabel(caption)
        self._caption.setObjectName("summaryCaption")
        self._value = QLabel("–")
        self._value.setObjectName("summaryValue")
        self._note = QLabel("")
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
        strip.addWidget(card, 1)
    return strip, title, as_at


class CaseloadPage(Page):
    """The caseload page. ``set_figures`` shows a snapshot; the rest follows the user's clicks."""

    title = "Caseload"
    settings_group = "caseload"

    #: The manager whose RSOs are listed: an id, or None (none, or the pool).
    manager_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(style.PAGE_STYLE)
        self._figures: Figures | None = None
        self._managers = pd.DataFrame()
        self._manager_id: str | None = None
        self._pooled = False
        self._selecting = False
        self._columns_fitted = False
        self._restored_header = False
        self._charts: list[ManagerBarChart] = []
        self._pool: pd.DataFrame | None = None
        self._rso_columns_fitted: list[Column] | None = None
        self._positions: dict[str, np.ndarray] | None = None

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self._build_content())
        self._stack.addWidget(self._build_empty())
        self._stack.addWidget(self._build_loading())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.sort_managers("per_fte", Qt.SortOrder.DescendingOrder)

    # --- building ---------------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.setSpacing(8)

        self.summary: dict[str, SummaryCard] = {
            "rsos": SummaryCard("RSOs", "Every registered RSO, whatever their status"),
            "community": SummaryCard("In the community", "RSOs managed in the community: "
                                     "the only ones counted in a caseload"),
            "per_fte": SummaryCard("Per FTE", "Community RSOs ÷ total FTE of the active "
                                   "offender managers"),
            "high_risk_share": SummaryCard("High-risk share", "High plus very-high risk, as a "
                                           "share of community RSOs"),
            "pooled": SummaryCard("Pooled", "Community RSOs with no named offender manager"),
            "arms_completion": SummaryCard("ARMS completion", "Eligible community RSOs with a "
                                           "current ARMS assessment"),
        }
        strip, self.scope_label, self.as_at_label = summary_strip(self.summary)
        layout.addLayout(strip)

        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(QLabel("BCU"))
        self.bcu_combo = QComboBox()
        self.bcu_combo.setMinimumContentsLength(10)
        filters.addWidget(self.bcu_combo)
        filters.addSpacing(8)
        filters.addWidget(QLabel("Team"))
        self.team_combo = QComboBox()
        self.team_combo.setMinimumContentsLength(12)
        filters.addWidget(self.team_combo)
        filters.addSpacing(16)
        self.count_label = QLabel("")
        self.count_label.setObjectName("muted")
        filters.addWidget(self.count_label, 1)
        self.pooled_button = QPushButton("Pooled")
        self.pooled_button.setCheckable(True)
        self.pooled_button.setToolTip("List the community RSOs with no named offender manager")
        filters.addWidget(self.pooled_button)
        layout.addLayout(filters)
        self.bcu_combo.currentIndexChanged.connect(self._on_bcu_changed)
        self.team_combo.currentIndexChanged.connect(self._on_team_changed)
        self.pooled_button.clicked.connect(self._on_pooled_clicked)

        self._manager_columns = manager_columns(Policy())
        self.managers_model = DataFrameTableModel(self._manager_columns, parent=self)
        self.managers_view = data_table(self.managers_model, content)
        self.managers_view.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.managers_view.viewport().installEventFilter(self)
        self.managers_model.modelReset.connect(self._on_managers_reset)

        self.rsos_model = DataFrameTableModel(RSO_COLUMNS, parent=self)
        self.rsos_view = data_table(self.rsos_model, content)
        self.rsos_view.sortByColumn(self.rsos_model.column_of("risk_level"),
                                    Qt.SortOrder.DescendingOrder)
        self.rsos_title = QLabel("Select a manager, a bar or Pooled to list RSOs")
        self.rsos_title.setObjectName("sectionTitle")
        rso_panel = QWidget()
        rso_layout = QVBoxLayout(rso_panel)
        rso_layout.setContentsMargins(0, 4, 0, 0)
        rso_layout.setSpacing(4)
        rso_layout.addWidget(self.rsos_title)
        rso_layout.addWidget(self.rsos_view, 1)

        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.addWidget(self.managers_view)
        self.left_splitter.addWidget(rso_panel)
        self.left_splitter.setStretchFactor(0, 3)
        self.left_splitter.setStretchFactor(1, 2)

        self.chart_tabs = QTabWidget()
        self.chart_tabs.setDocumentMode(True)
        self._chart_slots = []
        for title in ("Caseload per FTE", "High-risk share"):
            slot = QWidget()
            slot_layout = QVBoxLayout(slot)
            slot_layout.setContentsMargins(0, 6, 0, 0)
            slot_layout.addWidget(QLabel("Loading chart…"), 0, Qt.AlignmentFlag.AlignCenter)
            self._chart_slots.append(slot)
            self.chart_tabs.addTab(slot, title)

        self.outer_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.outer_splitter.addWidget(self.left_splitter)
        self.outer_splitter.addWidget(self.chart_tabs)
        self.outer_splitter.setStretchFactor(0, 3)
        self.outer_splitter.setStretchFactor(1, 2)
        self.outer_splitter.setSizes([640, 360])
        self.left_splitter.setSizes([600, 400])
        for splitter in self._splitters().values():
            splitter.setChildrenCollapsible(False)
        layout.addWidget(self.outer_splitter, 1)
        return content

    def _build_empty(self) -> QWidget:
        return message_page(
            self, "No offender managers or RSOs to show yet",
            "The database is empty, or none is open. Open one with File › Open database… "
            "(Ctrl+O), or build the Lancashire 2017 demo from a terminal:\n"
            "ncpi-desktop demo --profile lancashire-2017 --db lancashire.sqlite3")

    def _build_loading(self) -> QWidget:
        return message_page(self, "Reading the register…")

    def show_loading(self) -> None:
        """Say the figures are being read, where there are none on show yet."""
        if self._figures is None:
            self._stack.setCurrentIndex(2)

    @property
    def showing_loading(self) -> bool:
        return self._stack.currentIndex() == 2

    def _splitters(self) -> dict[str, QSplitter]:
        return {"outer": self.outer_splitter, "left": self.left_splitter}

    # --- the charts, after the first paint ----------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and watched is self.managers_view.viewport():
            self.managers_view.viewport().removeEventFilter(self)
            QTimer.singleShot(0, self.ensure_charts)
        return super().eventFilter(watched, event)

    @property
    def charts(self) -> list[ManagerBarChart]:
        """The per-FTE and high-risk-share charts (empty until ``ensure_charts``)."""
        return list(self._charts)

    def ensure_charts(self) -> None:
        """Build the charts if they are not built yet (imports pyqtgraph)."""
        if self._charts:
            return
        from ncpi_desktop.ui.charts.manager_bars import CaseloadChart, HighRiskShareChart

        for slot, chart_type in zip(self._chart_slots, (CaseloadChart, HighRiskShareChart),
                                    strict=True):
            layout = slot.layout()
            while layout.count():
                layout.takeAt(0).widget().deleteLater()
            chart = chart_type(slot)
            chart.manager_changed.connect(self.select_manager)
            layout.addWidget(chart)
            self._charts.append(chart)
        self._update_charts()

    # --- figures and filters --------------------------------------------------------------------

    @property
    def figures(self) -> Figures | None:
        return self._figures

    def set_figures(self, figures: Figures | None) -> None:
        """Show a new snapshot's figures, keeping the filters and selection where they still
        apply."""
        self._figures = figures
        self._pool = None
        self._positions = None
        if figures is None:
            self._stack.setCurrentIndex(1)
            self.managers_model.set_frame(pd.DataFrame(columns=["manager_id"]))
            self.rsos_model.set_frame(pd.DataFrame())
            return
        self._stack.setCurrentIndex(0)
        self._manager_columns = manager_columns(figures.policy)
        bcu, team = self.current_bcu, self.current_team
        self._fill_bcus(bcu)
        self._fill_teams(team)
        self._apply_filter()

    @property
    def current_bcu(self) -> str | None:
        return self.bcu_combo.currentData()

    @property
    def current_team(self) -> str | None:
        return self.team_combo.currentData()

    def set_filter(self, bcu: str | None, team: str | None = None) -> None:
        """Show one BCU (and one team of it); None shows all."""
        self.bcu_combo.setCurrentIndex(max(self.bcu_combo.findData(bcu), 0))
        self.team_combo.setCurrentIndex(max(self.team_combo.findData(team), 0))

    def _fill_bcus(self, keep: str | None) -> None:
        figures = self._figures
        assert figures is not None
        names = sorted(set(figures.bcus["bcu"].dropna()) | set(figures.managers["bcu"].dropna()))
        self.bcu_combo.blockSignals(True)
        self.bcu_combo.clear()
        self.bcu_combo.addItem(ALL_BCUS, None)
        for name in names:
            self.bcu_combo.addItem(str(name), str(name))
        self.bcu_combo.setCurrentIndex(max(self.bcu_combo.findData(keep), 0))
        self.bcu_combo.blockSignals(False)

    def _fill_teams(self, keep: str | None) -> None:
        """The teams of the chosen BCU (all teams when no BCU is chosen)."""
        figures = self._figures
        assert figures is not None
        bcu = self.current_bcu
        pairs = pd.concat([figures.teams[["bcu", "team"]], figures.managers[["bcu", "team"]]])
        if bcu is not None:
            pairs = pairs[pairs["bcu"] == bcu]
        names = sorted(set(pairs["team"].dropna()))
        self.team_combo.blockSignals(True)
        self.team_combo.clear()
        self.team_combo.addItem(ALL_TEAMS, None)
        for name in names:
            self.team_combo.addItem(str(name), str(name))
        self.team_combo.setCurrentIndex(max(self.team_combo.findData(keep), 0))
        self.team_combo.blockSignals(False)

    def _on_bcu_changed(self, _index: int) -> None:
        if self._figures is None:
            return
        self._fill_teams(self.current_team)
        self._apply_filter()

    def _on_team_changed(self, _index: int) -> None:
        if self._figures is not None:
            self._apply_filter()

    def _in_filter(self, frame: pd.DataFrame) -> pd.Series:
        mask = pd.Series(True, index=frame.index)
        if self.current_bcu is not None:
            mask &= frame["bcu"] == self.current_bcu
        if self.current_team is not None:
            mask &= frame["team"] == self.current_team
        return mask

    def _apply_filter(self) -> None:
        figures = self._figures
        assert figures is not None
        managers = figures.managers[self._in_filter(figures.managers)].copy()
        managers["flag_text"] = flag_text(managers)
        self._managers = managers
        self.managers_model.set_frame(managers, self._manager_columns)
        if not self._columns_fitted and not self._restored_header and len(managers):
            fit_columns(self.managers_view)
            self._columns_fitted = True
        self._update_summary()
        self._update_counts()
        self._update_charts()
        if self._pooled:
            self.show_pooled()
        elif self._manager_id is not None and self._manager_id in set(managers["manager_id"]):
            self.select_manager(self._manager_id)
        else:
            self.select_manager(None)

    def _scope_row(self) -> tuple[str, pd.Series | None]:
        """The figures the summary strip shows: force, BCU or team, as in ``report --json``."""
        figures = self._figures
        assert figures is not None
        bcu, team = self.current_bcu, self.current_team
        if team is not None:
            rows = figures.teams[figures.teams["team"] == team]
            if bcu is not None:
                rows = rows[rows["bcu"] == bcu]
            return f"Team {team}", rows.iloc[0] if len(rows) == 1 else None
        if bcu is not None:
            rows = figures.bcus[figures.bcus["bcu"] == bcu]
            return f"{bcu} BCU", rows.iloc[0] if len(rows) else None
        return "Force", figures.force.iloc[0]

    def _update_summary(self) -> None:
        figures = self._figures
        assert figures is not None
        policy = figures.policy
        scope, row = self._scope_row()
        self.scope_label.setText(scope)
        self.as_at_label.setText(f"as at {figures.snapshot.as_at:%d/%m/%Y}")
        if row is None:
            for card in self.summary.values():
                card.set_figure("–", "")
            return

        def n(key: str) -> str:
            return format_value(Kind.INT, row[key])

        self.summary["rsos"].set_figure(n("rsos"), "on the register, any status")
        self.summary["community"].set_figure(
            n("community"),
            f"{n('custody')} custody · {n('abroad')} abroad · {n('missing')} missing")
        self.summary["per_fte"].set_figure(
            format_value(Kind.RATIO, row["per_fte"]),
            f"on {format_value(Kind.FTE, row['fte'])} FTE · limit "
            f"{policy.caseload_limit_per_fte:g}")
        self.summary["high_risk_share"].set_figure(
            format_value(Kind.PERCENT, row["high_risk_share"]),
            f"{n('high')} high · {n('very_high')} very high · limit "
            f"{policy.high_risk_share_limit:.0%}")
        self.summary["pooled"].set_figure(n("pooled"), "community RSOs, no named manager")
        self.summary["arms_completion"].set_figure(
            format_value(Kind.PERCENT, row["arms_completion"]),
            f"{n('arms_current')} of {n('arms_eligible')} eligible current")

    def _pooled_rsos(self) -> pd.DataFrame:
        """The pooled RSOs within the filter (the pool is taken once per snapshot)."""
        if self._pool is None:
            figures = self._figures
            assert figures is not None
            rsos = figures.rsos
            self._pool = rsos[rsos["is_pooled"].to_numpy(dtype=bool)]
        return self._pool[self._in_filter(self._pool)]

    def _held_by(self, manager_id: str) -> pd.DataFrame:
        """The RSOs a manager holds: positions grouped once per snapshot, so that a click on a
        manager does not scan 100,000 rows."""
        figures = self._figures
        assert figures is not None
        if self._positions is None:
            self._positions = figures.rsos.groupby("manager_id", sort=False).indices
        positions = self._positions.get(manager_id)
        return figures.rsos.iloc[positions if positions is not None else []]

    def _update_counts(self) -> None:
        managers = self._managers
        over = [int(managers[flag_column(name)].sum()) if flag_column(name) in managers else 0
                for name in MANAGER_FLAGS]
        oms = int((managers["role"] == Role.OFFENDER_MANAGER).sum()) if "role" in managers else 0
        self.count_label.setText(
            f"{oms:,} offender managers · {over[0]:,} above the caseload limit · "
            f"{over[1]:,} above the high-risk share")
        pooled = len(self._pooled_rsos())
        self.pooled_button.setText(f"Pooled: {pooled:,} with no named manager")
        self.pooled_button.setEnabled(pooled > 0 or self._pooled)

    def _update_charts(self) -> None:
        if self._figures is None:
            return
        for chart in self._charts:
            chart.set_managers(self._managers, self._figures.policy)
            chart.select_manager(self._manager_id)

    # --- selection -------------------------------------------------------------------------

    @property
    def selected_manager(self) -> str | None:
        return self._manager_id

    @property
    def showing_pooled(self) -> bool:
        return self._pooled

    def select_manager(self, manager_id: str | None) -> None:
        """List ``manager_id``'s RSOs (None clears the list) and mark them in table and charts."""
        figures = self._figures
        changed = manager_id != self._manager_id or self._pooled
        self._manager_id = manager_id
        self._pooled = False
        self.pooled_button.setChecked(False)
        self._select_row(manager_id)
        for chart in self._charts:
            chart.select_manager(manager_id)
        if figures is None or manager_id is None:
            self.rsos_model.set_frame(pd.DataFrame(columns=[c.key for c in RSO_COLUMNS]),
                                      RSO_COLUMNS)
            self.rsos_title.setText("Select a manager, a bar or Pooled to list RSOs")
        else:
            rsos = self._held_by(manager_id)
            self._list_rsos(with_rso_names(rsos, RSO_COLUMNS), RSO_COLUMNS)
            self.rsos_title.setText(self._holding_text(manager_id, rsos))
        if changed:
            self.manager_changed.emit(manager_id)

    def show_pooled(self) -> None:
        """List the community RSOs with no named manager (within the filter), with why."""
        figures = self._figures
        if figures is None:
            return
        was_manager = self._manager_id
        self._manager_id = None
        self._pooled = True
        self.pooled_button.setChecked(True)
        self._select_row(None)
        for chart in self._charts:
            chart.select_manager(None)
        pooled = self._pooled_rsos()
        self._list_rsos(with_rso_names(pooled, POOLED_COLUMNS), POOLED_COLUMNS)
        self.rsos_title.setText(
            f"Pooled: {len(pooled):,} community RSOs with no named offender manager")
        if was_manager is not None:
            self.manager_changed.emit(None)

    def _list_rsos(self, rsos: pd.DataFrame, columns: list[Column]) -> None:
        """Show ``rsos``; columns are fitted to the first list shown with these columns."""
        self.rsos_model.set_frame(rsos, columns)
        if len(rsos) and self._rso_columns_fitted is not columns:
            fit_columns(self.rsos_view)
            self._rso_columns_fitted = columns

    def _holding_text(self, manager_id: str, rsos: pd.DataFrame) -> str:
        managers = self._figures.managers if self._figures is not None else pd.DataFrame()
        row = managers[managers["manager_id"] == manager_id]
        who = f"{row['name'].iat[0]} ({row['team'].iat[0]}, {row['bcu'].iat[0]})" \
            if len(row) else manager_id
        counts = rsos["status"].value_counts()
        parts = [f"{int(counts[s.value]):,} {_status_words(s)}" for s in Status
                 if counts.get(s.value, 0)]
        return f"{who} holds {len(rsos):,} RSOs" + (": " + ", ".join(parts) if parts else "")

    def _select_row(self, manager_id: str | None) -> None:
        """Make the table's selection show ``manager_id`` without re-entering the handlers."""
        view = self.managers_view
        self._selecting = True
        try:
            row = None if manager_id is None else self.managers_model.row_of("manager_id",
                                                                             manager_id)
            if row is None:
                view.clearSelection()
            else:
                index = self.managers_model.index(row, 0)
                view.selectionModel().select(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)
                view.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.NoUpdate)
                view.scrollTo(index)
        finally:
            self._selecting = False

    def _on_table_selection(self, *_args: object) -> None:
        if self._selecting:
            return
        rows = self.managers_view.selectionModel().selectedRows()
        if rows:
            self.select_manager(str(self.managers_model.frame_row(rows[0].row())["manager_id"]))

    def _on_managers_reset(self) -> None:
        """A sort or a new frame loses the view's selection: put it back."""
        if not self._pooled and self._manager_id is not None:
            self._select_row(self._manager_id)

    def _on_pooled_clicked(self, checked: bool) -> None:
        if checked:
            self.show_pooled()
        else:
            self._pooled = False
            self.select_manager(None)

    # --- state ---------------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        for name, splitter in self._splitters().items():
            settings.setValue(f"splitter_{name}", splitter.saveState())
        settings.setValue("managers_header", self.managers_view.horizontalHeader().saveState())
        settings.setValue("chart_tab", self.chart_tabs.currentIndex())

    def restore_state(self, settings: QSettings) -> None:
        for name, splitter in self._splitters().items():
            state = settings.value(f"splitter_{name}")
            if isinstance(state, QByteArray):
                splitter.restoreState(state)
        self.chart_tabs.setCurrentIndex(int(settings.value("chart_tab", 0) or 0))
        header = self.managers_view.horizontalHeader()
        state = settings.value("managers_header")
        if isinstance(state, QByteArray) and header.restoreState(state):
            self._restored_header = True
            section = header.sortIndicatorSection()
            if 0 <= section < self.managers_model.columnCount():
                self.managers_model.sort(section, header.sortIndicatorOrder())

    def sort_managers(self, key: str, order: Qt.SortOrder) -> None:
        """Sort the managers table by frame column ``key`` (as a header click would)."""
        self.managers_view.sortByColumn(self.managers_model.column_of(key), order)


def _status_words(status: Status) -> str:
    return {Status.COMMUNITY: "in the community", Status.CUSTODY: "in custody",
            Status.ABROAD: "abroad", Status.MISSING: "missing"}[status]

