"""The one table model of the application: a pandas frame shown through a list of column specs.

Every table (managers, RSOs, and later pages) uses ``DataFrameTableModel`` so that formatting,
flag colours and sorting behave the same everywhere; a cell's text is ``formats.format_value`` of
its column's ``Kind``, as in the pack and the exports. Cells are read from numpy arrays cached per
column; sorting ranks the sort column's distinct values (text by its case-folded order), sorts
the ranks stably (blanks last), takes the frame's rows in that order and resets the model,
which is two orders of magnitude faster than ``QSortFilterProxyModel`` on 100,000 rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from ncpi_desktop.analysis.flags import flag_column, severity_column, why_column
from ncpi_desktop.formats import NUMERIC_KINDS, Kind, format_value
from ncpi_desktop.ui.core import style

# PySide6 passes the role to data() as a plain int: compare with ints, not enum members.
DISPLAY = int(Qt.ItemDataRole.DisplayRole)
TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
FONT = int(Qt.ItemDataRole.FontRole)
ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
#: The cell's underlying value (numpy scalar), for code and tests rather than for painting.
RAW = int(Qt.ItemDataRole.UserRole)
#: Whether the cell is flagged (bool).
FLAGGED = RAW + 1
#: How far above its limit a flagged cell is: 0 not flagged, 1 amber, 2 red (int).
GRADE = RAW + 2

HORIZONTAL = Qt.Orientation.Horizontal
ALIGN_NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_TEXT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ENABLED_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One column of a table: which frame column, its header, how to write it, what flags it.

    ``flags`` names flags (``flag_<name>``/``why_<name>`` columns of the frame) whose raising marks
    the cell; ``order`` ranks the values of a LABEL column for sorting (risk: low first);
    ``text_tip`` repeats a long text as its tooltip, for when the column is too narrow for it;
    ``grade_tips`` (amber, red) are added to a flagged cell's tooltip by its grade. A flag with a
    ``severity_<name>`` column is graded by it (1 amber, 2 red); one without is red.
    ``hypothetical``: a what-if figure (a scenario's, not the register's), drawn on the
    scenario's ground where it is not flagged.
    """

    key: str
    header: str
    kind: Kind = Kind.TEXT
    flags: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    header_tip: str = ""
    text_tip: bool = False
    grade_tips: tuple[str, ...] = ()
    hypothetical: bool = False


class DataFrameTableModel(QAbstractTableModel):
    """A read-only table over a pandas frame, shown through ``columns``.

    The model keeps its sort when given a new frame (a filter or a refresh keeps the user's
    order). ``frame_row`` gives the frame row behind a table row.
    """

    def __init__(self, columns: Sequence[Column], frame: pd.DataFrame | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns: list[Column] = list(columns)
        self._frame = pd.DataFrame(columns=[c.key for c in self._columns])
        self._sort: tuple[str, bool] | None = None
        self._values: dict[int, np.ndarray] = {}
        self._grades: dict[int, np.ndarray | None] = {}
        self._bold: QFont | None = None
        self._warning_background = QColor(style.WARNING_BACKGROUND)
        self._warning_foreground = QColor(style.WARNING_FOREGROUND)
        self._amber_background = QColor(style.AMBER_BACKGROUND)
        self._amber_foreground = QColor(style.AMBER_FOREGROUND)
        self._scenario_colours = (QColor(style.SCENARIO_BACKGROUND),
                                  QColor(style.SCENARIO_FOREGROUND))
        if frame is not None:
            self.set_frame(frame)

    # --- the frame ------------------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        """The frame in display order (sorted); do not modify it in place."""
        return self._frame

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    def set_frame(self, frame: pd.DataFrame, columns: Sequence[Column] | None = None) -> None:
        """Show ``frame`` (and optionally new columns), keeping the current sort."""
        self.beginResetModel()
        if columns is not None:
            self._columns = list(columns)
            keys = {c.key for c in self._columns}
            if self._sort is not None and self._sort[0] not in keys:
                self._sort = None
        self._frame = self._sorted(frame)
        self._clear_cache()
        self.endResetModel()

    def frame_row(self, row: int) -> pd.Series:
        """The frame row shown at table row ``row``."""
        return self._frame.iloc[row]

    def row_of(self, key: str, value: Any) -> int | None:
        """The first table row whose ``key`` column equals ``value``, if any."""
        if key not in self._frame.columns:
            return None
        hits = np.flatnonzero(self._frame[key].to_numpy() == value)
        return int(hits[0]) if len(hits) else None

    def column_of(self, key: str) -> int:
        """The table column showing frame column ``key``."""
        for number, column in enumerate(self._columns):
            if column.key == key:
                return number
        raise KeyError(key)

    @property
    def sort_key(self) -> tuple[str, bool] | None:
        """(frame column, ascending) of the current sort, or None when unsorted."""
        return self._sort

    def _clear_cache(self) -> None:
        self._values.clear()
        self._grades.clear()

    def _array(self, column: int) -> np.ndarray:
        values = self._values.get(column)
        if values is None:
            values = self._frame[self._columns[column].key].to_numpy()
            self._values[column] = values
        return values

    def _grade_array(self, column: int) -> np.ndarray | None:
        """Per row, the highest grade of the column's raised flags (0: none raised)."""
        if column not in self._grades:
            frame = self._frame
            names = [n for n in self._columns[column].flags if flag_column(n) in frame.columns]
            grades = None
            if names:
                grades = np.zeros(len(frame), dtype=np.int8)
                for name in names:
                    raised = frame[flag_column(name)].to_numpy(dtype=bool)
                    graded = np.where(raised, _severity(frame, name), 0).astype(np.int8)
                    np.maximum(grades, graded, out=grades)
            self._grades[column] = grades
        return self._grades[column]

    def _grade(self, row: int, column: int) -> int:
        grades = self._grade_array(column)
        return 0 if grades is None else int(grades[row])

    def _why(self, row: int, column: int) -> str:
        frame = self._frame
        reasons = []
        for name in self._columns[column].flags:
            if flag_column(name) in frame.columns and frame[flag_column(name)].iat[row]:
                reasons.append(str(frame[why_column(name)].iat[row]))
        return "\n".join(reasons)

    def _tip(self, row: int, column: int, grade: int) -> str:
        """Why the cell is flagged, with its grade's words when the column has them."""
        why = self._why(row, column)
        tips = self._columns[column].grade_tips
        return f"{why} ({tips[grade - 1]})" if len(tips) >= grade else why

    # --- sorting ------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Reorder the frame by ``column`` (stable, blanks last) and reset the model."""
        if not 0 <= column < len(self._columns):
            return
        ascending = order == Qt.SortOrder.AscendingOrder
        self._sort = (self._columns[column].key, ascending)
        self.beginResetModel()
        self._frame = self._sorted(self._frame)
        self._clear_cache()
        self.endResetModel()

    def _sorted(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` by the sort column: a stable sort of that one column's keys (numbers),
        then the rows taken in that order; what ``frame.sort_values`` with the key gives."""
        if self._sort is None or frame.empty:
            return frame
        key, ascending = self._sort
        column = next(c for c in self._columns if c.key == key)
        values = frame[key].reset_index(drop=True)
        make_key = _sort_key(column)
        keys = values if make_key is None else make_key(values)
        order = keys.sort_values(ascending=ascending, kind="stable", na_position="last").index
        return frame.take(order.to_numpy())

    # --- QAbstractTableModel ----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return ENABLED_SELECTABLE

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = DISPLAY) -> Any:
        if orientation != HORIZONTAL or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == DISPLAY:
            return column.header
        if role == ALIGNMENT:
            return ALIGN_NUMBER if column.kind in NUMERIC_KINDS else ALIGN_TEXT
        if role == TOOLTIP:
            return column.header_tip or None
        return None

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if role not in _SERVED or not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == DISPLAY:
            return format_value(self._columns[column].kind, self._array(column)[row])
        if role == ALIGNMENT:
            return ALIGN_NUMBER if self._columns[column].kind in NUMERIC_KINDS else ALIGN_TEXT
        if role == RAW:
            return self._array(column)[row]
        grade = self._grade(row, column)
        if role == GRADE:
            return grade
        if not grade:
            if role in (BACKGROUND, FOREGROUND) and self._columns[column].hypothetical:
                return self._scenario_colours[role == FOREGROUND]
            if role == TOOLTIP and self._columns[column].text_tip:
                return format_value(self._columns[column].kind, self._array(column)[row]) or None
            return False if role == FLAGGED else None
        if role == FLAGGED:
            return True
        if role == TOOLTIP:
            return self._tip(row, column, grade)
        if role == BACKGROUND:
            return self._amber_background if grade == 1 else self._warning_background
        if role == FOREGROUND:
            return self._amber_foreground if grade == 1 else self._warning_foreground
        if self._bold is None:
            self._bold = QFont()
            self._bold.setBold(True)
        return self._bold


_SERVED = frozenset({DISPLAY, TOOLTIP, BACKGROUND, FOREGROUND, FONT, ALIGNMENT, RAW, FLAGGED,
                     GRADE})


def _severity(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Flag ``name``'s grade where raised: its ``severity_<name>`` column (1 amber, 2 red), red
    where the frame has none or it is blank (a frame joined from elsewhere)."""
    if severity_column(name) not in frame.columns:
        return np.full(len(frame), 2, dtype=np.int8)
    values = frame[severity_column(name)].to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(values), 2, np.clip(values, 1, 2)).astype(np.int8)


def _sort_key(column: Column) -> Callable[[pd.Series], pd.Series] | None:
    """Text sorts without regard to case; a LABEL with an ``order`` sorts by rank."""
    if column.order:
        ranks = {value: rank for rank, value in enumerate(column.order)}
        return lambda values: _per_value(values, lambda uniques: uniques.map(ranks))
    if column.kind in (Kind.TEXT, Kind.LABEL):
        return lambda values: _per_value(values, _folded_ranks)
    return None


def _per_value(values: pd.Series, rank: Callable[[pd.Index], Any]) -> pd.Series:
    """``rank`` of each distinct value, given to every row holding it (NaN for a blank): the sort
    then orders numbers, where comparing 100,000 strings one pair at a time takes a second."""
    codes, uniques = pd.factorize(values)
    table = np.append(np.asarray(rank(pd.Index(uniques)), dtype=float), np.nan)
    return pd.Series(table[codes], index=values.index)


def _folded_ranks(uniques: pd.Index) -> np.ndarray:
    """The rank of each text among the case-folded texts (equal when they fold alike)."""
    folded = uniques.astype("str").str.casefold().to_numpy(object).astype(str)
    return np.unique(folded, return_inverse=True)[1].reshape(-1)
