"""What each extra move buys (issue 13): the proposal view's "At most N moves" box, the curve
of moves against the highest caseload per FTE they can reach (``Proposal.curve``), and the
verdict's words when a budget held the proposal back (``within_verdict``).

The curve is a compact two-row table (moves; highest per FTE), one column per point, so it reads
at 1366x768 and takes the theme's palette colours; clicking a column asks for that many moves.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ncpi_desktop.analysis.rebalance import Proposal


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
        self.curve = QTableWidget(len(ROWS), 0, self)
        self.curve.setAccessibleName("Moves against the highest caseload per FTE")
        self.curve.setVerticalHeaderLabels(list(ROWS))
        self.curve.horizontalHeader().hide()
        self.curve.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.curve.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.curve.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.curve.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # At most 16 points (1, 2, 5 x 10^k up to 100,000): they fit beside the box.
        self.curve.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.curve.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.curve.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.curve.setToolTip("Click a column to propose within that many moves")
        self.curve.cellClicked.connect(self._on_cell)
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
        self.curve.setColumnCount(len(points))
        for column, (moves, level) in enumerate(zip(points["moves"], points["highest_per_fte"],
                                                    strict=True)):
            count = f"{int(moves):,}" if moves else "now"
            for row, text in enumerate((count, f"{float(level):.1f}")):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.curve.setItem(row, column, item)
        self.curve.resizeColumnsToContents()
        self.curve.resizeRowsToContents()
        frame = 2 * self.curve.frameWidth()
        width = (self.curve.verticalHeader().width() + frame
                 + sum(self.curve.columnWidth(c) for c in range(self.curve.columnCount())))
        self.curve.setMaximumWidth(width)
        self.curve.setFixedHeight(sum(self.curve.rowHeight(r) for r in range(len(ROWS)))
                                  + frame)
        self._mark(self.budget)

    def _mark(self, budget: int | None) -> None:
        """Select the column of the budget asked for, if the curve has it."""
        self.curve.clearSelection()
        for column in range(self.curve.columnCount()):
            item = self.curve.item(0, column)
            if budget is not None and item is not None and item.text() == f"{budget:,}":
                self.curve.selectColumn(column)

    def points(self) -> list[tuple[int, float]]:
        """What the curve shows, as numbers (for tests and the accessible text)."""
        out = []
        for column in range(self.curve.columnCount()):
            moves, level = self.curve.item(0, column), self.curve.item(1, column)
            if moves is not None and level is not None:
                out.append((_count(moves.text()), float(level.text())))
        return out

    def _on_cell(self, _row: int, column: int) -> None:
        item = self.curve.item(0, column)
        if item is not None and _count(item.text()):  # "now" (no move) is not a budget
            self.spin.setValue(_count(item.text()))

    def _on_spin(self, _value: int) -> None:
        self.budget_chosen.emit(self.budget)


def _count(text: str) -> int:
    return 0 if text == "now" else int(text.replace(",", ""))
