"""The generic frame model: Qt's model contract, and what a user sees in its cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableView

from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import (
    ALIGNMENT,
    BACKGROUND,
    DISPLAY,
    FLAGGED,
    FOREGROUND,
    RAW,
    TOOLTIP,
    Column,
    DataFrameTableModel,
    Kind,
    format_value,
)

ASC = Qt.SortOrder.AscendingOrder
DESC = Qt.SortOrder.DescendingOrder

COLUMNS = [
    Column("name", "Name", text_tip=True),
    Column("fte", "FTE", Kind.FTE),
    Column("caseload", "Caseload", Kind.INT, ("over",)),
    Column("per_fte", "Per FTE", Kind.RATIO, ("over",)),
    Column("share", "High-risk %", Kind.PERCENT, ("share", "over")),
    Column("risk", "Risk", Kind.LABEL, order=("low", "medium", "high", "very_high")),
    Column("since", "Since", Kind.DATE),
]


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["bob", "Alice", "Carol", "dave"],
        "fte": [1.0, 0.5, 0.75, 1.0],
        "caseload": [50, 26, 30, 1200],
        "per_fte": [50.0, 52.0, 40.0, 1200.0],
        "share": [0.2, np.nan, 0.3, 0.155],
        "risk": ["high", "very_high", "low", None],
        "since": pd.to_datetime(["2017-10-09", None, "2001-02-03", "2016-12-31"]),
        "flag_over": [False, True, False, True],
        "why_over": ["", "26 community RSOs on 0.5 FTE (52.0 per FTE): above 50 per FTE", "",
                     "1200 community RSOs on 1.0 FTE: above 50 per FTE"],
        "flag_share": [False, False, True, False],
        "why_share": ["", "", "6 of 20 high or very high (30%): above 20%", ""],
    })


@pytest.fixture
def model(qtbot) -> DataFrameTableModel:  # qtbot makes the QApplication
    return DataFrameTableModel(COLUMNS, frame())


def cell(model: DataFrameTableModel, row: int, key: str, role: int = DISPLAY):
    return model.data(model.index(row, model.column_of(key)), role)


def column_text(model: DataFrameTableModel, key: str) -> list[str]:
    return [cell(model, row, key) for row in range(model.rowCount())]


def test_model_contract(qtmodeltester, model: DataFrameTableModel) -> None:
    qtmodeltester.check(model)
    model.sort(2, DESC)
    model.set_frame(frame().iloc[:2])
    model.set_frame(frame().iloc[0:0])
    qtmodeltester.check(model)


def test_cells_are_written_for_a_british_reader(model: DataFrameTableModel) -> None:
    assert [model.headerData(c, Qt.Orientation.Horizontal, DISPLAY)
            for c in range(model.columnCount())] == [c.header for c in COLUMNS]
    assert model.rowCount() == 4
    assert cell(model, 0, "name") == "bob"
    assert column_text(model, "fte") == ["1.0", "0.5", "0.75", "1.0"]
    assert column_text(model, "caseload") == ["50", "26", "30", "1,200"]
    assert column_text(model, "per_fte") == ["50.0", "52.0", "40.0", "1,200.0"]
    assert column_text(model, "share") == ["20.0%", "", "30.0%", "15.5%"]
    assert column_text(model, "risk") == ["High", "Very high", "Low", ""]
    assert column_text(model, "since") == ["09/10/2017", "", "03/02/2001", "31/12/2016"]
    assert cell(model, 3, "caseload", RAW) == 1200


def test_numbers_align_right_and_text_left(model: DataFrameTableModel) -> None:
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    assert int(cell(model, 0, "caseload", ALIGNMENT)) == right
    assert int(cell(model, 0, "share", ALIGNMENT)) == right
    assert int(cell(model, 0, "name", ALIGNMENT)) == left


def test_flagged_cells_are_coloured_and_say_why(model: DataFrameTableModel) -> None:
    assert cell(model, 1, "caseload", FLAGGED) is True
    assert cell(model, 1, "caseload", BACKGROUND) == QColor(style.WARNING_BACKGROUND)
    assert cell(model, 1, "caseload", FOREGROUND) == QColor(style.WARNING_FOREGROUND)
    assert cell(model, 1, "per_fte", TOOLTIP) == (
        "26 community RSOs on 0.5 FTE (52.0 per FTE): above 50 per FTE")
    # Not flagged: no colour, no tooltip; a column tied to no flag is never flagged.
    assert cell(model, 0, "caseload", FLAGGED) is False
    assert cell(model, 0, "caseload", BACKGROUND) is None
    assert cell(model, 0, "caseload", TOOLTIP) is None
    assert cell(model, 1, "name", BACKGROUND) is None
    # A long-text column repeats its text as the tooltip.
    assert cell(model, 1, "name", TOOLTIP) == "Alice"
    assert cell(model, 1, "fte", TOOLTIP) is None
    # A column tied to two flags shows whichever is raised.
    assert cell(model, 2, "share", TOOLTIP) == "6 of 20 high or very high (30%): above 20%"
    assert cell(model, 1, "share", TOOLTIP).endswith("above 50 per FTE")


def test_roles_it_does_not_serve_are_empty(model: DataFrameTableModel) -> None:
    for role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.EditRole,
                 Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.SizeHintRole):
        assert cell(model, 1, "caseload", int(role)) is None


def test_sort_numbers_with_blanks_last_in_both_orders(model: DataFrameTableModel) -> None:
    model.sort(model.column_of("share"), ASC)
    assert column_text(model, "share") == ["15.5%", "20.0%", "30.0%", ""]
    model.sort(model.column_of("share"), DESC)
    assert column_text(model, "share") == ["30.0%", "20.0%", "15.5%", ""]
    assert model.sort_key == ("share", False)


def test_sort_is_stable(model: DataFrameTableModel) -> None:
    model.sort(model.column_of("fte"), ASC)
    assert column_text(model, "name") == ["Alice", "Carol", "bob", "dave"]
    model.sort(model.column_of("fte"), DESC)
    assert column_text(model, "name") == ["bob", "dave", "Carol", "Alice"]


def test_sort_text_ignores_case_and_labels_follow_their_order(
        model: DataFrameTableModel) -> None:
    model.sort(model.column_of("name"), ASC)
    assert column_text(model, "name") == ["Alice", "bob", "Carol", "dave"]
    model.sort(model.column_of("risk"), DESC)
    assert column_text(model, "risk") == ["Very high", "High", "Low", ""]


def test_sort_moves_flags_and_rows_together(model: DataFrameTableModel) -> None:
    model.sort(model.column_of("per_fte"), DESC)
    assert column_text(model, "name") == ["dave", "Alice", "bob", "Carol"]
    assert [cell(model, r, "per_fte", FLAGGED) for r in range(4)] == [True, True, False, False]
    assert model.frame_row(1)["name"] == "Alice"
    assert model.row_of("name", "Carol") == 3
    assert model.row_of("name", "nobody") is None


def test_a_new_frame_keeps_the_sort(model: DataFrameTableModel) -> None:
    model.sort(model.column_of("caseload"), ASC)
    model.set_frame(frame().iloc[::-1])
    assert column_text(model, "caseload") == ["26", "30", "50", "1,200"]


def test_header_click_sorts(qtbot, model: DataFrameTableModel) -> None:
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(model.column_of("caseload"), DESC)
    assert column_text(model, "caseload") == ["1,200", "50", "30", "26"]


def test_format_value_blanks() -> None:
    assert format_value(Kind.INT, pd.NA) == ""
    assert format_value(Kind.DATE, pd.NaT) == ""
    assert format_value(Kind.TEXT, None) == ""
    assert format_value(Kind.RATIO, float("inf")) == "∞"


def test_sorting_100k_rows_is_fast(qtbot) -> None:
    import time

    rng = np.random.default_rng(1)
    big = pd.DataFrame({"name": rng.choice(["a", "B", "c"], 100_000),
                        "fte": rng.random(100_000), "caseload": rng.integers(0, 90, 100_000)})
    model = DataFrameTableModel(COLUMNS[:3], big)
    started = time.perf_counter()
    model.sort(0, DESC)
    model.sort(2, ASC)
    assert time.perf_counter() - started < 1.0
    assert model.data(model.index(0, 2), RAW) == big["caseload"].min()
