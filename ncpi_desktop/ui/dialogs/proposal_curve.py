"""What each extra move buys (issue 13): the proposal view's "At most N moves" box, the curve
of moves against the highest caseload per FTE they can reach (``Proposal.curve``), and the
verdict's words when a budget held the proposal back (``within_verdict``).

The curve is a compact two-row table (moves; highest per FTE), one column per point, so it reads
at 1366x768 and takes the theme's palette colours; clicking a column asks for that many moves.
It is the one table model over a frame (``curve_frame``): a first column naming the two rows,
then one text column per point.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableView,
    QWidget,
)

from ncpi_desktop.analysis.rebalance import Proposal
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel


def within_verdict(proposal: Proposal) -> list[str]:
    """The verdict's lines when ``max_moves`` held a group back (``verdict`` otherwise): what
    the moves do, what the groups are short of without a limit, RSOs no manager may hold."""
    groups = proposal.groups
    lines = [f"✘ Not every flag clears within the budget: the {len(proposal.moves)} move(s) "
             "below are the best relief it allows."]
    short = [f"{group} is short of {fte:.1f} FTE" if fte is not None else
             f"{group}'s own high-risk share is above the limit"
             for group, fte in proposal.fte_short.items()]
    clearable = groups.loc[groups["clearable"].to_numpy(bool), "group"].astype(str).tolist()
    if clearable:
        short.append(f"{', '.join(clearable)} would clear every flag with more moves")
    if short:
        lines.append("Without a limit: " + "; ".join(short) + ".")
    if len(proposal.unplaced):
        lines.append(f"{len(proposal.unplaced)} RSO(s) must move but no manager in scope "
                     "may hold them.")
    return lines


#: The spin box's largest budget (a whole force's worth of moves).
MOST_MOVES = 100_000
ROWS = ("Moves", "Highest per FTE")
#: The frame column naming each row.
NAME = "row"


def curve_frame(points: pd.DataFrame) -> tuple[pd.DataFrame, list[Column]]:
    """The curve as the table shows it: a row per ``ROWS``, a column per (moves, highest per
    FTE) point ("now" for no move), with the columns to show it through."""
    texts: dict[str, list[str]] = {NAME: list(ROWS)}
    for number, (moves, level) in enumerate(zip(points["moves"], points["highest_per_fte"],
                                                strict=True)):
        texts[f"p{number}"] = [f"{int(moves):,}" if moves else "now", f"{float(level):.1f}"]
    frame = pd.DataFrame(texts, dtype=object)
    return frame, [Column(key, "") for key in frame.columns]


class BudgetBar(QWidget):
    """"At most [N] moves" (0: no limit) beside the curve. ``budget_chosen`` carries the new
    budget (``None``: no limit) once the user settles on one."""

    budget_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = QSpinBox(self)
        self.spin.setRange(0, MOST_MOVES)
        self.spin.setSpecialValueText("no limit")
        self.spin.setKeyboardTracking(False)  # typing 120 asks once, not for 1, 12 and 120
        self.spin.setAccessibleName("At most this many moves")
        self.spin.setToolTip("The best relief within this many moves (in each BCU or team); "
                             "0 for no limit")
        self.spin.valueChanged.connect(self._on_spin)
        self.title = QLabel("What each move buys:")
        self.model = DataFrameTableModel(curve_frame(_NO_POINTS)[1], parent=self)
        self.curve = curve = QTableView(self)
        curve.setModel(self.model)
        curve.setAccessibleName("Moves against the highest caseload per FTE")
        curve.horizontalHeader().hide()
        curve.verticalHeader().hide()  # the first column names the rows
        curve.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        curve.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        curve.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        curve.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # At most 16 points (1, 2, 5 x 10^k up to 100,000): they fit beside the box.
        curve.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        curve.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        curve.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        curve.setToolTip("Click a column to propose within that many moves")
        curve.clicked.connect(self._on_cell)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("At most"))
        layout.addWidget(self.spin)
        layout.addWidget(QLabel("moves"))
        layout.addSpacing(12)
        layout.addWidget(self.title)
        layout.addWidget(self.curve, 1)
        layout.addStretch(0)

    @property
    def budget(self) -> int | None:
        return self.spin.value() or None

    def show_curve(self, points: pd.DataFrame, per_group: bool) -> None:
        """One column per (moves, highest per FTE) point."""
        self.title.setText("What each move buys" + (" (in each group):" if per_group else ":"))
        frame, columns = curve_frame(points)
        self.model.set_frame(frame, columns)
        curve = self.curve
        curve.resizeColumnsToContents()
        curve.resizeRowsToContents()
        edge = 2 * curve.frameWidth()
        curve.setMaximumWidth(edge + sum(curve.columnWidth(c)
                                         for c in range(self.model.columnCount())))
        curve.setFixedHeight(edge + sum(curve.rowHeight(r) for r in range(len(ROWS))))
        self._mark(self.budget)

    def texts(self) -> list[list[str]]:
        """The curve's text, row by row, as the user reads it (row names first)."""
        model = self.model
        return [[model.index(row, column).data() for column in range(model.columnCount())]
                for row in range(model.rowCount())]

    def chosen(self) -> list[str]:
        """The moves of the column shown selected (the budget's point, when the curve has
        it)."""
        columns = sorted(index.column() for index in self.curve.selectionModel().selectedColumns())
        return [str(self.model.index(0, column).data()) for column in columns]

    def _mark(self, budget: int | None) -> None:
        """Select the column of the budget asked for, if the curve has it (quietly: the user
        did not click it)."""
        selection = self.curve.selectionModel()
        selection.clearSelection()
        moves = self.texts()[0][1:] if self.model.rowCount() else []
        if budget is not None and f"{budget:,}" in moves:
            column = 1 + moves.index(f"{budget:,}")
            top, bottom = self.model.index(0, column), self.model.index(len(ROWS) - 1, column)
            selection.select(QItemSelection(top, bottom),
                             QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def points(self) -> list[tuple[int, float]]:
        """What the curve shows, as numbers (for tests and the accessible text)."""
        if not self.model.rowCount():
            return []
        moves, levels = self.texts()
        return [(_count(count), float(level))
                for count, level in zip(moves[1:], levels[1:], strict=True)]

    def _on_cell(self, index: QModelIndex) -> None:
        if index.column() == 0:  # the rows' names
            return
        count = _count(str(self.model.index(0, index.column()).data()))
        if count:  # "now" (no move) is not a budget
            self.spin.setValue(count)

    def _on_spin(self, _value: int) -> None:
        self.budget_chosen.emit(self.budget)


_NO_POINTS = pd.DataFrame({"moves": [], "highest_per_fte": []})


def _count(text: str) -> int:
    return 0 if text == "now" else int(text.replace(",", ""))
