"""A rebalancing proposal as the proposal dialog shows it: what it covers (``Scope``, ``Going``),
its moves as a table with a tick box on each row, and the verdict in words. No widgets: the
dialog (``dialogs.proposal``) lays these out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QObject, Qt, Signal

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.rebalance import Proposal
from ncpi_desktop.domain.enums import RISK_ORDER
from ncpi_desktop.formats import Kind
from ncpi_desktop.ui.models.frames import rso_names
from ncpi_desktop.ui.models.reassign_preview import pool_names
from ncpi_desktop.ui.models.table_model import DISPLAY, Column, DataFrameTableModel, Index

CHECK = int(Qt.ItemDataRole.CheckStateRole)
EDIT = int(Qt.ItemDataRole.EditRole)


class Mode(StrEnum):
    BALANCE = "balance"
    LEAVING = "leaving"
    ABSENT = "absent"


@dataclass(frozen=True)
class Scope:
    """What a balancing proposal covers: the force (each BCU on its own), a BCU, or a team."""

    bcu: str | None = None
    team: str | None = None

    @property
    def label(self) -> str:
        if self.team is not None:
            return f"Team {self.team} ({self.bcu})"
        return f"{self.bcu} BCU" if self.bcu is not None else "Force: every BCU on its own"


@dataclass(frozen=True)
class Going:
    """A manager leaving, or absent until ``until`` (with a note such as "sick leave")."""

    manager_id: str
    until: date | None = None
    note: str = ""


def scopes(figures: Figures) -> list[Scope]:
    """The force, then each BCU followed by its teams."""
    managers = figures.managers
    out = [Scope()]
    for bcu in sorted(managers["bcu"].dropna().unique()):
        out.append(Scope(str(bcu)))
        teams = managers.loc[managers["bcu"] == bcu, "team"].dropna().unique()
        out += [Scope(str(bcu), str(team)) for team in sorted(teams)]
    return out


def managers_in(figures: Figures, scope: Scope) -> list[str]:
    """The ids of the managers ``scope`` covers."""
    managers = figures.managers
    mask = pd.Series(True, index=managers.index)
    if scope.bcu is not None:
        mask &= managers["bcu"] == scope.bcu
    if scope.team is not None:
        mask &= managers["team"] == scope.team
    return list(managers.loc[mask, "manager_id"])


MOVE_COLUMNS = [
    Column("rso_id", "RSO", header_tip="Tick the moves to apply"),
    Column("rso_name", "Name"),
    Column("risk_level", "Risk", Kind.LABEL, order=RISK_ORDER),
    Column("from_name", "From"),
    Column("to_name", "To"),
    Column("to_team", "To team"),
    Column("reason", "Why it is proposed", text_tip=True),
    Column("why", "What it does", text_tip=True),
]


def moves_frame(figures: Figures, proposal: Proposal) -> pd.DataFrame:
    """The proposal's moves with the RSO's name, who they leave (or the pool) and who takes
    them, in the proposal's ``order``."""
    moves = proposal.moves
    rsos = figures.rsos.set_index("rso_id")
    names = figures.managers.set_index("manager_id")
    frame = moves[["rso_id", "from_manager_id", "to_manager_id", "risk_level", "reason",
                   "group", "why"]].copy()
    frame["rso_name"] = rso_names(rsos.reindex(moves["rso_id"])).to_numpy(object)
    pooled_team = pd.Series(rsos["team"].reindex(moves["rso_id"]).to_numpy(object),
                            index=frame.index, dtype=object)
    frame["from_name"] = frame["from_manager_id"].map(names["name"]).astype(object).where(
        frame["from_manager_id"].notna(), pool_names(pooled_team))
    frame["to_name"] = frame["to_manager_id"].map(names["name"]).astype(object)
    frame["to_team"] = frame["to_manager_id"].map(names["team"]).astype(object)
    frame["order"] = np.arange(len(frame))
    return frame


def verdict(proposal: Proposal) -> list[str]:
    """Whether the moves bring every manager within the limits (✔) or how far they fall short
    (✘: the FTE missing per group), a line each."""
    moves, bound = len(proposal.moves), proposal.lower_bound
    limit = f"{proposal.policy.caseload_limit_per_fte:g} per FTE"
    share = f"{proposal.policy.high_risk_share_limit:.0%} high risk"
    if proposal.feasible:
        fewest = ("the fewest possible" if moves <= bound else
                  f"no set of fewer than {bound} can do it")
        head = (f"✔ {moves} move(s) bring every offender manager within {limit} and "
                f"{share} ({fewest})." if moves else
                f"✔ Every offender manager is already within {limit} and {share}.")
        lines = [head]
    else:
        short = []
        for group, fte in proposal.fte_short.items():
            short.append(f"{group} is short of {fte:.1f} FTE" if fte is not None else
                         f"{group}'s own high-risk share is above the limit: no number of "
                         "staff can bring every manager within it")
        lines = [f"✘ No set of moves clears every flag: {'; '.join(short)}.",
                 f"The {moves} move(s) below bring the managers as close to {limit} and "
                 f"{share} as the staff allow (clearing every flag would take at least "
                 f"{bound} moves and the missing FTE)."]
        if len(proposal.for_new_post):
            lines.append(f"{len(proposal.for_new_post)} RSO(s) are left for that new post: "
                         "they stay where they are until it is filled.")
    if len(proposal.unplaced):
        lines.append(f"{len(proposal.unplaced)} RSO(s) must move but no manager in scope "
                     "may hold them.")
    return lines


class TickedMovesModel(DataFrameTableModel):
    """The proposal's moves with a tick box on each row (kept by RSO id across sorts)."""

    ticks_changed = Signal()

    def __init__(self, columns: list[Column], parent: QObject | None = None) -> None:
        super().__init__(columns, parent=parent)
        self._ticked: set[str] = set()

    def set_ticked(self, rso_ids: Iterable[str]) -> None:
        self._ticked = set(rso_ids) & set(self.frame["rso_id"])
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0),
                                  [CHECK])
        self.ticks_changed.emit()

    @property
    def ticked(self) -> list[str]:
        """The ticked RSO ids, in the proposal's order."""
        frame = self.frame
        return [r for r in frame.sort_values("order")["rso_id"] if r in self._ticked] \
            if "order" in frame else sorted(self._ticked)

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if role == CHECK:
            if not index.isValid() or index.column() != 0:
                return None
            ticked = self.frame["rso_id"].iat[index.row()] in self._ticked
            return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
        return super().data(index, role)

    def setData(self, index: Index, value: Any, role: int = EDIT) -> bool:
        if role != CHECK or not index.isValid() or index.column() != 0:
            return False
        rso_id = str(self.frame["rso_id"].iat[index.row()])
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value)
        (self._ticked.add if checked else self._ticked.discard)(rso_id)
        self.dataChanged.emit(index, index, [CHECK])
        self.ticks_changed.emit()
        return True
