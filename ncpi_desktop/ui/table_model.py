"""The one table model of the application: a pandas frame shown through a list of column specs.

Every table (managers, RSOs, and later pages) uses ``DataFrameTableModel`` so that formatting,
flag colours and sorting behave the same everywhere. Cells are read from numpy arrays cached per
column; sorting ranks the sort column's distinct values (text by its case-folded order), sorts
the ranks stably (blanks last), takes the frame's rows in that order and resets the model,
which is two orders of magnitude faster than ``QSortFilterProxyModel`` on 100,000 rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from ncpi_desktop.analysis.flags import flag_column, why_column
from ncpi_desktop.formats import fmt_number
from ncpi_desktop.ui import style

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

HORIZONTAL = Qt.Orientation.Horizontal
ALIGN_NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_TEXT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ENABLED_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

Index = QModelIndex | QPersistentModelIndex


class Kind(StrEnum):
    """How a column's values are written in a cell."""

    TEXT = "text"
    #: A code such as ``very_high``, written as a label: "Very high".
    LABEL = "label"
    INT = "int"
    FLOAT1 = "float1"
    PERCENT = "percent"
    #: A date, written the British way: DD/MM/YYYY.
    DATE = "date"
    FTE = "fte"


NUMERIC_KINDS = frozenset({Kind.INT, Kind.FLOAT1, Kind.PERCENT, Kind.FTE})


@dataclass(frozen=True)
class Column:
    """One column of a table: which frame column, its header, how to write it, what flags it.

    ``flags`` names flags (``flag_<name>``/``why_<name>`` columns of the frame) whose raising marks
    the cell; ``order`` ranks the values of a LABEL column for sorting (risk: low first);
    ``text_tip`` repeats a long text as its tooltip, for when the column is too narrow for it.
    """

    key: str
    header: str
    kind: Kind = Kind.TEXT
    flags: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    header_tip: str = ""
    text_tip: bool = False


def is_blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return False


def _text(value: Any) -> str:
    return str(value)


def _label(value: Any) -> str:
    return str(value).replace("_", " ").capitalize()


def _int(value: Any) -> str:
    return f"{int(value):,}"


def _float1(value: Any) -> str:
    value = float(value)
    return "∞" if math.isinf(value) else f"{value:,.1f}"


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.1f}%"


def _date(value: Any) -> str:
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _fte(value: Any) -> str:
    return fmt_number(float(value))


FORMATTERS: dict[Kind, Callable[[Any], str]] = {
    Kind.TEXT: _text,
    Kind.LABEL: _label,
    Kind.INT: _int,
    Kind.FLOAT1: _float1,
    Kind.PERCENT: _percent,
    Kind.DATE: _date,
    Kind.FTE: _fte,
}


def format_value(kind: Kind, value: Any) -> str:
    """A cell's text: blanks (NaN, NaT, None) are empty, never "nan"."""
    return "" if is_blank(value) else FORMATTERS[kind](value)


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
        self._flagged: dict[int, np.ndarray | None] = {}
        self._bold: QFont | None = None
        self._warning_background = QColor(style.WARNING_BACKGROUND)
        self._warning_foreground = QColor(style.WARNING_FOREGROUND)
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
        self._flagged.clear()

    def _array(self, column: int) -> np.ndarray:
        values = self._values.get(column)
        if values is None:
            values = self._frame[self._columns[column].key].to_numpy()
            self._values[column] = values
        return values

    def _flag_mask(self, column: int) -> np.ndarray | None:
        if column not in self._flagged:
            names = [n for n in self._columns[column].flags
                     if flag_column(n) in self._frame.columns]
            mask = None
            if names:
                mask = np.zeros(len(self._frame), dtype=bool)
                for name in names:
                    mask |= self._frame[flag_column(name)].to_numpy(dtype=bool)
            self._flagged[column] = mask
        return self._flagged[column]

    def _is_flagged(self, row: int, column: int) -> bool:
        mask = self._flag_mask(column)
        return bool(mask is not None and mask[row])

    def _why(self, row: int, column: int) -> str:
        frame = self._frame
        reasons = []
        for name in self._columns[column].flags:
            if flag_column(name) in frame.columns and frame[flag_column(name)].iat[row]:
                reasons.append(str(frame[why_column(name)].iat[row]))
        return "\n".join(reasons)

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
        if not self._is_flagged(row, column):
            if role == TOOLTIP and self._columns[column].text_tip:
                return format_value(self._columns[column].kind, self._array(column)[row]) or None
            return False if role == FLAGGED else None
        if role == FLAGGED:
            return True
        if role == TOOLTIP:
            return self._why(row, column)
        if role == BACKGROUND:
            return self._warning_background
        if role == FOREGROUND:
            return self._warning_foreground
        if self._bold is None:
            self._bold = QFont()
            self._bold.setBold(True)
        return self._bold


_SERVED = frozenset({DISPLAY, TOOLTIP, BACKGROUND, FOREGROUND, FONT, ALIGNMENT, RAW, FLAGGED})


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
