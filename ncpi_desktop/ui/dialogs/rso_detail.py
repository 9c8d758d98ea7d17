"""One RSO in full: who they are, how they are managed, every flag with its why, the reactive
criteria one by one, and their records (allocation history, visits, ARMS, orders, decisions).

The facts and flags are the RSO's row of the window's ``Figures.rsos`` (the same row every page
shows); the records are read for that RSO alone with ``storage.history.rso_records``. The panel
follows the window: a new as-at date or a recorded visit refreshes it. What the panel says (the
facts, flags and criteria as HTML) is built in ``rso_detail_text``; this module lays it out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocumentFragment
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.actions.records import rso_records_for
from ncpi_desktop.domain.security import Place
from ncpi_desktop.formats import Kind, uk_date
from ncpi_desktop.storage.database import DatabaseError
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.permissions import RECORD_OPERATIONS, gate
from ncpi_desktop.ui.dialogs.rso_detail_text import (
    arms_facts_html,
    flags_html,
    identity_html,
    management_html,
    reactive_html,
    subtitle_text,
    title_text,
    visit_facts_html,
)
from ncpi_desktop.ui.models.clocks import DETAIL_COLUMNS as CLOCK_DETAIL_COLUMNS
from ncpi_desktop.ui.models.clocks import clock_rows
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

if TYPE_CHECKING:
    from ncpi_desktop.domain.policy import Policy
    from ncpi_desktop.ui.core.context import AppContext

Record = Callable[[str, "str | None", "QWidget | None"], QWidget]

DETAIL_STYLE = f"""
QLabel#rsoTitle {{ font-size: 16pt; font-weight: 600; }}
QLabel#rsoSubtitle {{ font-size: 10.5pt; }}
QLabel#sectionTitle {{ font-size: 11pt; font-weight: 600; }}
QFrame#facts QLabel, QLabel#facts {{ color: {style.CARD_TEXT}; }}
QFrame#facts, QLabel#facts {{
    background: {style.CARD_BACKGROUND};
    border: 1px solid {style.CARD_BORDER};
    border-radius: 6px;
    padding: 8px;
}}
"""

#: The flags column is never narrower than this: its words wrap, and it scrolls down.
SIDE_MINIMUM_WIDTH = 300

ALLOCATION_COLUMNS = [
    Column("starts_on", "From", Kind.DATE), Column("ends_on", "Until", Kind.DATE),
    Column("holder", "Held by"), Column("team", "Team"), Column("reason", "Reason", text_tip=True),
    Column("actor", "Recorded by"),
]
VISIT_COLUMNS = [Column("visited_on", "Date", Kind.DATE), Column("outcome", "Outcome", Kind.LABEL),
                 Column("officers", "Officers", Kind.INT)]
ARMS_COLUMNS = [Column("completed_on", "Completed", Kind.DATE),
                Column("outcome", "Outcome", Kind.LABEL)]
ORDER_COLUMNS = [Column("type", "Type"), Column("starts_on", "Start", Kind.DATE),
                 Column("ends_on", "End", Kind.DATE, header_tip="Blank: until further order")]
DECISION_COLUMNS = [Column("decided_on", "Date", Kind.DATE),
                    Column("mode", "Management", Kind.LABEL),
                    Column("decided_by", "Decided by"), Column("reason", "Reason", text_tip=True)]
RECORDS: dict[str, tuple[str, list[Column]]] = {
    "visits": ("Home visits", VISIT_COLUMNS),
    # Read from the window's figures (analysis.clocks), not from the RSO's records.
    "clocks": ("Clocks", CLOCK_DETAIL_COLUMNS),
    "arms": ("ARMS", ARMS_COLUMNS),
    "orders": ("Civil orders", ORDER_COLUMNS),
    "decisions": ("Decisions", DECISION_COLUMNS),
    "allocations": ("Allocation history", ALLOCATION_COLUMNS),
}


class RsoDetail(QDialog):
    """The detail panel: a window beside the main one, showing one RSO at a time."""

    def __init__(self, context: AppContext, record: Record) -> None:
        super().__init__(context.dialog_parent)
        self.context = context
        self._record = record
        self._rso_id: str | None = None
        self.setWindowTitle("RSO details")
        self.setModal(False)
        self.setStyleSheet(DETAIL_STYLE)
        self._fit_screen()

        top = self._build_top()
        self._build_splitter()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        context.figures_changed.connect(self._on_figures_changed)

    def _build_top(self) -> QHBoxLayout:
        """The RSO's name and status, and the Record buttons."""
        self.title_label = QLabel("")
        self.title_label.setObjectName("rsoTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle_label = QLabel("")
        self.subtitle_label.setObjectName("rsoSubtitle")
        self.subtitle_label.setWordWrap(True)
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.title_label)
        heading.addWidget(self.subtitle_label)
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        actions.setSpacing(6)
        for kind, text, tip in (("visit", "Record visit…", "Record a home visit (completed or "
                                 "no access)"),
                                ("arms", "Record ARMS…", "Record an ARMS assessment"),
                                ("order", "Record order…", "Record a civil order"),
                                ("decision", "Record decision…", "Record a decision to manage "
                                 "actively or reactively"),
                                ("event", "Record event…", "Record a trigger event: starts the "
                                 "clocks for a reassessment visit and, where a child may be "
                                 "at risk, a referral"),
                                ("referral", "Record referral…", "Record a referral (to "
                                 "children's social care)")):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, k=kind: self.record(k))
            actions.addWidget(button)
            self.buttons[kind] = button
        top = QHBoxLayout()
        top.addLayout(heading, 1)
        top.addLayout(actions)
        return top

    def _build_facts(self) -> QWidget:
        """Identity, management, visits and ARMS, in a grid."""
        self.identity_label = self._facts_label()
        self.management_label = self._facts_label()
        self.visits_label = self._facts_label()
        self.arms_label = self._facts_label()
        facts = QGridLayout()
        facts.setSpacing(8)
        facts.addWidget(self.identity_label, 0, 0)
        facts.addWidget(self.management_label, 0, 1)
        facts.addWidget(self.visits_label, 1, 0)
        facts.addWidget(self.arms_label, 1, 1)
        facts.setColumnStretch(0, 1)
        facts.setColumnStretch(1, 1)
        facts.setRowStretch(2, 1)
        facts.setContentsMargins(0, 0, 0, 0)
        facts_box = QWidget()
        facts_box.setLayout(facts)
        return facts_box

    def _build_side(self) -> QWidget:
        """The flags raised and the reactive criteria."""
        self.flags_title = QLabel("Flags")
        self.flags_title.setObjectName("sectionTitle")
        self.flags_label = QLabel("")
        self.flags_label.setWordWrap(True)
        self.flags_label.setTextFormat(Qt.TextFormat.RichText)
        self.flags_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.flags_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reactive_title = QLabel("Reactive management")
        self.reactive_title.setObjectName("sectionTitle")
        self.reactive_label = QLabel("")
        self.reactive_label.setWordWrap(True)
        self.reactive_label.setTextFormat(Qt.TextFormat.RichText)
        self.reactive_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(6)
        side_layout.addWidget(self.flags_title)
        side_layout.addWidget(self.flags_label)
        side_layout.addSpacing(6)
        side_layout.addWidget(self.reactive_title)
        side_layout.addWidget(self.reactive_label)
        side_layout.addStretch(1)
        return side

    def _build_records(self) -> QTabWidget:
        """The visits, ARMS, orders, decisions and allocations, a tab each."""
        self.record_tabs = QTabWidget()
        self.record_tabs.setDocumentMode(True)
        self.models: dict[str, DataFrameTableModel] = {}
        self.views: dict[str, Any] = {}
        for name, (_title, columns) in RECORDS.items():
            model = DataFrameTableModel(columns, parent=self)
            view = data_table(model, name=_title)
            view.setSortingEnabled(False)
            view.horizontalHeader().setStretchLastSection(False)
            self.models[name] = model
            self.views[name] = view
            self.record_tabs.addTab(view, _title)
        return self.record_tabs

    def _build_splitter(self) -> None:
        """The facts and, beside them, the flags (each scrolling on its own, so a narrow
        screen clips neither), over the records."""
        self.upper = QSplitter(Qt.Orientation.Horizontal)
        self.upper.addWidget(_scrolling(self._build_facts(), "Facts"))
        side = _scrolling(self._build_side(), "Flags and reactive management")
        side.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # it wraps
        side.setMinimumWidth(SIDE_MINIMUM_WIDTH)
        self.upper.addWidget(side)
        self.upper.setStretchFactor(0, 4)
        self.upper.setStretchFactor(1, 3)
        self.upper.setSizes([700, 380])
        self.upper.setChildrenCollapsible(False)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.upper)
        self.splitter.addWidget(self._build_records())
        self.splitter.setSizes([420, 380])
        self.splitter.setChildrenCollapsible(False)

    def _fit_screen(self) -> None:
        """1120x840 where the screen has room, else what it has (a 1366x768 laptop)."""
        screen = self.context.dialog_parent.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry() if screen is not None else None
        if room is None:
            self._fit_screen()
            return
        self.resize(min(1120, room.width() - 40), min(840, room.height() - 60))

    @staticmethod
    def _facts_label() -> QLabel:
        label = QLabel("")
        label.setObjectName("facts")
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    # --- public -------------------------------------------------------------------------------

    @property
    def rso_id(self) -> str | None:
        return self._rso_id

    def record(self, kind: str) -> QWidget | None:
        """Open the dialog recording a ``kind`` for this RSO."""
        if self._rso_id is None:
            return None
        return self._record(kind, self._rso_id, self)

    def show_rso(self, rso_id: str) -> None:
        """Show ``rso_id`` as at the window's date."""
        opened = rso_id != self._rso_id or not self.isVisible()  # not a refresh of the same
        self._rso_id = rso_id
        self.setWindowTitle(f"RSO {rso_id} — details")
        figures = self.context.figures
        rsos = figures.rsos if figures is not None else pd.DataFrame(columns=["rso_id"])
        hits = (rsos["rso_id"].to_numpy(object) == rso_id).nonzero()[0]
        if not len(hits) or figures is None:
            self._show_missing(rso_id)
            return
        row = rsos.iloc[int(hits[0])]
        self._show_row(row, figures.policy)
        self._show_records(rso_id)
        if opened:
            self.context.audit("consultation", "open RSO detail", [rso_id],
                               {"as_at": self.context.as_at.isoformat()})

    @property
    def flags_text(self) -> str:
        """The flags section as plain text (what the user reads)."""
        return _plain(self.flags_label.text())

    @property
    def reactive_text(self) -> str:
        """The reactive criteria as plain text: each mark (✓ or ✗) on a line before its text."""
        return _plain(self.reactive_label.text())

    # --- filling ----------------------------------------------------------------------------

    def _show_missing(self, rso_id: str) -> None:
        as_at = self.context.as_at
        self.title_label.setText(rso_id)
        self.subtitle_label.setText(f"Not on the register as at {uk_date(as_at)}")
        for label in (self.identity_label, self.management_label, self.visits_label,
                      self.arms_label, self.flags_label, self.reactive_label):
            label.setText("")
        for model in self.models.values():
            model.set_frame(pd.DataFrame(columns=[c.key for c in model.columns]))
        for button in self.buttons.values():
            button.setEnabled(False)

    def _show_row(self, row: pd.Series, policy: Policy) -> None:
        as_at = self.context.as_at
        place = [(str(row["rso_id"]), Place(_text(row.get("home_bcu", row["bcu"])),
                                            _text(row["team"]), _text(row["manager_id"]),
                                            _text(row["neighbourhood"])))]
        for kind, button in self.buttons.items():  # this RSO's records, if the user may
            gate(button, self.context.user, RECORD_OPERATIONS[kind],
                 enabled=self.context.engine is not None, places=place)
        self.title_label.setText(title_text(row))
        self.subtitle_label.setText(subtitle_text(row, as_at))
        self.identity_label.setText(identity_html(row, as_at))
        self.management_label.setText(management_html(row))
        self.visits_label.setText(visit_facts_html(row))
        self.arms_label.setText(arms_facts_html(row, policy))
        flags_title, flags = flags_html(row)
        self.flags_title.setText(flags_title)
        self.flags_label.setText(flags)
        self.reactive_label.setText(reactive_html(row, policy))

    def _show_records(self, rso_id: str) -> None:
        engine = self.context.engine
        frames: dict[str, pd.DataFrame] = {}
        if engine is not None:
            try:
                frames = rso_records_for(self.context.user, self.context.figures, engine,
                                         rso_id, self.context.as_at)
            except (SQLAlchemyError, DatabaseError) as exc:
                self.context.show_error("Cannot read the RSO's records", str(exc).splitlines()[0])
        frames["clocks"] = self._clocks(rso_id)
        for name, (title, columns) in RECORDS.items():
            frame = frames.get(name, pd.DataFrame(columns=[c.key for c in columns]))
            if name == "allocations" and len(frame):
                frame = frame.assign(holder=frame["manager_name"].astype(object).where(
                    frame["manager_name"].notna(),
                    frame["team"].map(lambda t: "team pool" if pd.notna(t) else "unallocated")))
            if len(frame):
                frame = frame.iloc[::-1].reset_index(drop=True)  # newest first
            self.models[name].set_frame(frame)
            index = list(RECORDS).index(name)
            self.record_tabs.setTabText(index, f"{title} ({len(frame)})")
            if len(frame):
                fit_columns(self.views[name])  # a few rows: measured for each RSO

    def _clocks(self, rso_id: str) -> pd.DataFrame:
        """The RSO's trigger-event clocks, open or stopped, oldest event first (the tab shows
        the newest first)."""
        figures = self.context.figures
        if figures is None or "rso_id" not in figures.clocks.columns:
            return clock_rows(pd.DataFrame(), pd.DataFrame(columns=["rso_id", "family_name",
                                                                    "given_names"]))
        mine = figures.clocks[(figures.clocks["rso_id"] == rso_id).to_numpy(bool)]
        mine = mine.sort_values(["occurred_on", "event_id", "clock"], ascending=[True, True, False])
        return clock_rows(mine.reset_index(drop=True), figures.rsos)

    def _on_figures_changed(self, _figures: object) -> None:
        if self._rso_id is not None and self.isVisible():
            self.show_rso(self._rso_id)


def _scrolling(widget: QWidget, name: str) -> QScrollArea:
    area = QScrollArea()
    area.setAccessibleName(name)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _plain(text: str) -> str:
    return QTextDocumentFragment.fromHtml(text).toPlainText().strip()
