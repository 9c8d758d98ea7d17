"""Reviewing a rebalancing proposal (``analysis.rebalance.propose``): the moves, with tick boxes,
what the ticked moves do to every manager in scope, whether every flag can be cleared (or how
much FTE is missing), and one button that applies the ticked moves as ONE undoable step.

Three uses: balancing a BCU or team, within at most N moves if asked (the "At most N moves"
box, beside the curve of what each move buys: ``proposal_curve``); a manager leaving (only their
RSOs move, spread over their team so that the highest caseload per FTE afterwards is as low as
it can be, as ``rebalance --leaving`` does; any left unticked go to their team's pool, and they
become inactive: ``manager_leaving``); a manager absent until a date (the same, to cover, and
handed back on return: ``manager_absent``).

What the proposal covers (``Scope``, ``Going``), its moves as a table with tick boxes and the
verdict in words are in ``models.proposal``; this module lays them out and applies the moves.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import date

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.rebalance import Proposal, level_summary, propose, spread_scope
from ncpi_desktop.domain.enums import Status
from ncpi_desktop.domain.ids import ManagerId, RsoId
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.allocations import REASON_MANAGER_ABSENT, REASON_MANAGER_LEFT
from ncpi_desktop.storage.operations import (
    Change,
    apply_moves,
    manager_absent,
    manager_leaving,
)
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.dialogs.proposal_curve import BudgetBar, within_verdict
from ncpi_desktop.ui.dialogs.reassign import Operation, ReasonPicker
from ncpi_desktop.ui.models.proposal import (
    CHECK,
    MOVE_COLUMNS,
    Going,
    Mode,
    Scope,
    TickedMovesModel,
    managers_in,
    moves_frame,
    scopes,
    verdict,
)
from ncpi_desktop.ui.models.reassign_preview import (
    preview_columns,
    preview_moves,
    with_limit_text,
)
from ncpi_desktop.ui.models.seen import caseload_seen, seen_versions
from ncpi_desktop.ui.models.table_model import DataFrameTableModel
from ncpi_desktop.ui.widgets.consultations import watch_tables
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

#: Imported from here by the menus and the tests; defined in ``models.proposal``.
__all__ = ["CHECK", "Going", "Mode", "ProposalView", "Scope", "scopes"]

#: What the audit's consultation rows call the moves listed, by mode.
LIST_NAMES = {Mode.BALANCE: "Rebalancing proposal", Mode.LEAVING: "Manager leaving",
              Mode.ABSENT: "Manager absent"}
#: Pixels a tick box takes in front of the RSO id.
CHECK_WIDTH = 26
VERDICT_STYLE = f"""
QFrame#verdict {{ border-radius: 6px; padding: 4px; }}
QFrame#verdict[ok="true"] {{ background: {style.GOOD_BACKGROUND};
                             color: {style.GOOD_FOREGROUND}; }}
QFrame#verdict[ok="false"] {{ background: {style.WARNING_BACKGROUND};
                              color: {style.WARNING_FOREGROUND}; }}
QFrame#verdict[ok="true"] QLabel {{ color: {style.GOOD_FOREGROUND}; }}
QFrame#verdict[ok="false"] QLabel {{ color: {style.WARNING_FOREGROUND}; }}
QLabel#verdictText {{ font-size: 11pt; }}
"""


class ProposalView(QDialog):
    """A proposal for ``scope`` (balancing) or for ``going`` (a leaver, or an absence when
    ``going.until`` is set). ``apply`` runs an operation the way ``AppContext.apply`` does and
    returns its change, or None when it was refused."""

    def __init__(self, figures: Figures, *, on: date,
                 apply: Callable[[Operation], Change | None],
                 scope: Scope | None = None, going: Going | None = None,
                 absent_now: Iterable[str] = (),
                 allocated_on: pd.Series | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(style.PAGE_STYLE + VERDICT_STYLE)
        self.setMinimumSize(1100, 720)
        self._figures = figures
        self._on = on
        self._apply = apply
        self._going = going
        self._absent_now = list(absent_now)
        self._allocated_on = allocated_on
        self.mode = Mode.BALANCE if going is None else (
            Mode.ABSENT if going.until is not None else Mode.LEAVING)
        self.proposal: Proposal | None = None
        self._moves = pd.DataFrame()
        managers = figures.managers.set_index("manager_id")
        self._going_row = managers.loc[going.manager_id] if going is not None else None

        header = self._build_header(scope, going)
        self._build_verdict()
        self.budget_bar = BudgetBar(self)
        self.budget_bar.setVisible(self.mode == Mode.BALANCE)
        splitter = self._build_lists()
        reason_row = self._build_reason_row()

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.verdict)
        layout.addWidget(self.budget_bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.note)
        layout.addLayout(reason_row)

        self.moves_model.ticks_changed.connect(self._on_ticks)
        self.reason_picker.combo.currentIndexChanged.connect(self._update_apply)
        self.reason_picker.other.textChanged.connect(self._update_apply)
        self.scope_combo.currentIndexChanged.connect(self._on_scope)
        self.budget_bar.budget_chosen.connect(self._on_scope)
        self.run()
        watch_tables(self, LIST_NAMES[self.mode])  # the audit's consultation of the RSOs named

    # --- building ---------------------------------------------------------------------------

    def _build_header(self, scope: Scope | None, going: Going | None) -> QHBoxLayout:
        """The title and the scope: for a manager going, their team (as ``rebalance
        --leaving``; their BCU if nobody else in the team can take them) or their BCU."""
        self.title = QLabel("")
        self.title.setObjectName("scopeTitle")
        self.scope_combo = QComboBox(self)
        self._scopes = scopes(self._figures)
        if going is not None:
            scope = Scope(*spread_scope(self._figures.snapshot.managers, going.manager_id,
                                        self._absent_now))
            self._scopes = [s for s in self._scopes
                            if s in (scope, Scope(scope.bcu)) and s.bcu is not None]
        for item in self._scopes:
            indent = "    " if item.team is not None else ""
            self.scope_combo.addItem(indent + item.label)
        self.scope_combo.setCurrentIndex(self._scopes.index(scope) if scope in self._scopes
                                         else 0)
        self.scope_combo.setEnabled(len(self._scopes) > 1)
        self.scope_combo.setToolTip("Moves stay within the BCU, or within the team")
        self.scope_combo.setAccessibleName("Scope")
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        scope_label = QLabel("Scope")
        scope_label.setBuddy(self.scope_combo)
        header.addWidget(scope_label)
        header.addWidget(self.scope_combo)
        return header

    def _build_verdict(self) -> None:
        """The box saying whether the ticked moves bring everyone within the limits."""
        self.verdict = QFrame(self)
        self.verdict.setObjectName("verdict")
        self.verdict_text = QLabel("")
        self.verdict_text.setObjectName("verdictText")
        self.verdict_text.setWordWrap(True)
        self.verdict_text.setTextFormat(Qt.TextFormat.RichText)
        verdict_layout = QVBoxLayout(self.verdict)
        verdict_layout.addWidget(self.verdict_text)

    def _build_lists(self) -> QSplitter:
        """The moves, with tick boxes, over the managers before and after them."""
        self.moves_model = TickedMovesModel(MOVE_COLUMNS, parent=self)
        self.moves_view = data_table(self.moves_model, self)
        self.moves_view.setAccessibleName("Moves")
        self.moves_view.setAccessibleDescription("Each proposed move; Space ticks or unticks")
        self.moves_view.sortByColumn(self.moves_model.column_of("from_name"),
                                     Qt.SortOrder.AscendingOrder)
        self.moves_title = QLabel("Moves")
        self.moves_title.setObjectName("sectionTitle")
        self.tick_all = QPushButton("Tick all")
        self.tick_none = QPushButton("Untick all")
        self.tick_all.clicked.connect(lambda: self.set_ticked(self._moves["rso_id"]))
        self.tick_none.clicked.connect(lambda: self.set_ticked([]))
        moves_bar = QHBoxLayout()
        moves_bar.addWidget(self.moves_title, 1)
        moves_bar.addWidget(self.tick_all)
        moves_bar.addWidget(self.tick_none)
        moves_panel = QWidget()
        moves_layout = QVBoxLayout(moves_panel)
        moves_layout.setContentsMargins(0, 0, 0, 0)
        moves_layout.addLayout(moves_bar)
        moves_layout.addWidget(self.moves_view, 1)

        self.managers_title = QLabel("Offender managers: before and after the ticked moves")
        self.managers_title.setObjectName("sectionTitle")
        self.managers_model = DataFrameTableModel(preview_columns(self._figures.policy),
                                                  parent=self)
        self.managers_view = data_table(self.managers_model, self)
        self.managers_view.setAccessibleName("Offender managers before and after")
        self.managers_view.sortByColumn(self.managers_model.column_of("moving"),
                                        Qt.SortOrder.AscendingOrder)
        managers_panel = QWidget()
        managers_layout = QVBoxLayout(managers_panel)
        managers_layout.setContentsMargins(0, 0, 0, 0)
        managers_layout.addWidget(self.managers_title)
        managers_layout.addWidget(self.managers_view, 1)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(moves_panel)
        splitter.addWidget(managers_panel)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([380, 300])
        return splitter

    def _build_reason_row(self) -> QHBoxLayout:
        """The reason recorded with the moves, and Apply or Cancel."""
        preset = {Mode.BALANCE: "caseload adjustment", Mode.LEAVING: REASON_MANAGER_LEFT,
                  Mode.ABSENT: REASON_MANAGER_ABSENT}[self.mode]
        self.reason_picker = ReasonPicker(self, preset=preset)
        self.reason_picker.setEnabled(self.mode != Mode.ABSENT)
        self.note = QLabel("")
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.buttons = QDialogButtonBox(self)
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._on_apply)
        self.buttons.rejected.connect(self.reject)
        reason_row = QHBoxLayout()
        reason_label = QLabel("Reason recorded")
        reason_label.setBuddy(self.reason_picker.combo)
        reason_row.addWidget(reason_label)
        reason_row.addWidget(self.reason_picker, 1)
        reason_row.addWidget(self.buttons)
        return reason_row

    # --- the proposal ---------------------------------------------------------------------

    @property
    def scope(self) -> Scope:
        return self._scopes[max(self.scope_combo.currentIndex(), 0)]

    def _on_scope(self, *_args: object) -> None:
        self.run()

    def run(self) -> None:
        """Propose for the current scope (or the manager going) and show it, every move ticked
        (in a leaving or absence, only the moves of that manager's RSOs)."""
        figures, scope = self._figures, self.scope
        leaving: list[str] = []
        absent = [m for m in self._absent_now if m in set(figures.managers["manager_id"])]
        if self._going is not None:
            (absent if self.mode == Mode.ABSENT else leaving).append(self._going.manager_id)
        going = [] if self._going is None else [self._going.manager_id]
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:  # a leaver's or absence's RSOs alone move, spread (as rebalance --leaving)
            self.proposal = propose(figures, bcu=scope.bcu, team=scope.team, leaving=leaving,
                                    absent=list(dict.fromkeys(absent)),
                                    allocated_on=self._allocated_on, spread=going or False,
                                    max_moves=None if going else self.budget_bar.budget)
        finally:
            QApplication.restoreOverrideCursor()
        self.budget_bar.show_curve(self.proposal.curve, len(self.proposal.groups) > 1)
        self._moves = moves_frame(self._figures, self.proposal)
        self.moves_model.set_frame(self._moves)
        fit_columns(self.moves_view)
        header = self.moves_view.horizontalHeader()
        header.resizeSection(0, header.sectionSize(0) + CHECK_WIDTH)  # room for the tick box
        if self._going is None:
            self.set_ticked(self._moves["rso_id"])
        else:
            mine = self._moves["from_manager_id"] == self._going.manager_id
            self.set_ticked(self._moves.loc[mine.to_numpy(bool), "rso_id"])
        self.title.setText(self._title_text())
        self._show_verdict()

    def _title_text(self) -> str:
        if self._going is None:
            return f"Rebalancing proposal: {self.scope.label}"
        row = self._going_row
        who = f"{row['name']} ({row['team']}, {row['bcu']})"
        if self.mode == Mode.LEAVING:
            return f"Manager leaving: {who}"
        return f"Manager absent until {uk_date(self._going.until)}: {who}"

    def _show_verdict(self) -> None:
        proposal = self.proposal
        assert proposal is not None
        lines = verdict(proposal) if not proposal.groups["limited"].any() else \
            within_verdict(proposal)
        if (level := level_summary(proposal)) is not None:
            lines.insert(1, level)
        self.verdict.setProperty("ok", bool(proposal.feasible))
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)
        self.verdict_text.style().unpolish(self.verdict_text)  # its colour follows the frame's
        self.verdict_text.style().polish(self.verdict_text)
        self.verdict_text.setText("<br>".join(html.escape(line) for line in lines))

    @property
    def verdict_lines(self) -> str:
        return self.verdict_text.text()

    # --- ticks ----------------------------------------------------------------------------

    def set_ticked(self, rso_ids: Iterable[str]) -> None:
        self.moves_model.set_ticked(list(rso_ids))

    @property
    def ticked_moves(self) -> list[tuple[RsoId, ManagerId]]:
        ticked = set(self.moves_model.ticked)
        rows = self._moves[self._moves["rso_id"].isin(ticked)]
        return [(RsoId(r), ManagerId(t)) for r, t in zip(rows["rso_id"], rows["to_manager_id"],
                                                         strict=True)]

    def _on_ticks(self) -> None:
        moves = self.ticked_moves
        frame = pd.DataFrame(moves, columns=["rso_id", "to_manager_id"], dtype=object)
        in_scope = managers_in(self._figures, self.scope)
        self.preview = preview_moves(self._figures, frame, also=in_scope)
        self.managers_model.set_frame(with_limit_text(self.preview))
        fit_columns(self.managers_view)
        self.moves_title.setText(f"Moves: {len(moves)} of {len(self._moves)} ticked")
        self.note.setText(self._note_text(len(moves)))
        self._update_apply()

    def _note_text(self, ticked: int) -> str:
        effective = f"Takes effect on {uk_date(self._on)} (the as-at date). "
        if self._going is None:
            return effective + "Applied as one step: Edit › Undo takes every move back."
        row = self._going_row
        held = self._figures.rsos
        held = held[held["manager_id"] == self._going.manager_id]
        elsewhere = int((held["status"] != Status.COMMUNITY).sum())
        mine = int((self._moves["from_manager_id"] == self._going.manager_id).sum())
        theirs = set(held["rso_id"])
        ticked_mine = sum(1 for r, _ in self.ticked_moves if r in theirs)
        rest = len(held) - ticked_mine
        away = f" ({elsewhere} in custody, abroad or missing)" if elsewhere else ""
        text = (f"{row['name']} holds {len(held)} RSO(s){away}; the proposal moves {mine}. "
                + (f"The {rest} not ticked go to the {row['team']} pool" if rest else
                   "Every one of them is ticked"))
        if self.mode == Mode.LEAVING:
            return effective + text + f", and {row['name']} is then no longer active."
        return (effective + text + f". On {uk_date(self._going.until)} the application lists "
                "them to hand back (Manage › Hand back).")

    def _update_apply(self, *_args: object) -> None:
        count = len(self.moves_model.ticked)
        if self.mode == Mode.BALANCE:
            self.apply_button.setText(f"Apply {count} move(s)")
            ok = count > 0
        elif self.mode == Mode.LEAVING:
            self.apply_button.setText(f"Record leaving ({count} move(s))")
            ok = True
        else:
            self.apply_button.setText(f"Record absence ({count} move(s) to cover)")
            ok = True
        self.apply_button.setEnabled(ok and bool(self.reason_picker.reason))

    # --- applying -------------------------------------------------------------------------

    def operation(self) -> Operation:
        """The ticked moves as one operation, for ``AppContext.apply``; refused
        (``StaleWrite``) if an RSO shown, or the going manager's caseload, changed since."""
        moves, reason, on, going = self.ticked_moves, self.reason_picker.reason, self._on, \
            self._going
        rsos = self._figures.rsos
        if self.mode == Mode.BALANCE:
            seen = seen_versions(rsos, [r for r, _ in moves])
            return lambda engine, actor: apply_moves(engine, moves, reason, actor, on,
                                                     seen=seen)
        assert going is not None
        manager_id = ManagerId(going.manager_id)
        # The figures show holders at the as-at date: the caseload held now only when it is today.
        caseload = caseload_seen(rsos, manager_id) if on == date.today() else None
        seen = seen_versions(rsos, [*(r for r, _ in moves), *(caseload_seen(rsos, manager_id)
                                                                or [])])
        if self.mode == Mode.LEAVING:
            return lambda engine, actor: manager_leaving(engine, manager_id, moves, reason,
                                                         actor, on=on, caseload=caseload,
                                                         seen=seen)
        until = going.until
        assert until is not None
        return lambda engine, actor: manager_absent(engine, manager_id, until, moves, actor,
                                                    on=on, note=going.note, caseload=caseload,
                                                    seen=seen)

    def _on_apply(self) -> None:
        if self._apply(self.operation()) is not None:
            self.accept()
