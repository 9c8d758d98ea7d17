"""Issue 18, part 2 in the pack: Workload beside the caseload figures, with the report's numbers,
marked where the workload is at or above capacity."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest
from exchange.pack_register import figures_at, write_register

from ncpi_desktop.exchange.pack import Pack, build_pack
from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx

PRODUCED = datetime(2017, 10, 10, 8, 45)


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Pack:
    figures = figures_at(write_register(tmp_path_factory.mktemp("pack") / "r.sqlite3"))
    return build_pack(figures, produced_by="DSupt Rowe", produced_at=PRODUCED)


def test_group_tables_print_workload_beside_per_fte(pack: Pack) -> None:
    for table in pack.section("summary").tables[:2]:
        printed = list(table.pdf_columns)
        assert printed[printed.index("per_fte") + 1] == "workload_capacity"
        assert table.highlight["workload_capacity"] == "over_workload"
        labels = {c.key: c.label for c in table.columns}
        assert labels["workload_capacity"] == "Workload"
        frame = table.frame
        marked = frame["workload_grade"].isin(["amber", "red"])
        assert (frame["over_workload"] == marked).all()
    force = pack.section("summary").tables[0].frame.iloc[0]
    assert force["workload_capacity"] == pack.report["force"]["workload_capacity"]
    assert force["workload_points"] == pack.report["force"]["workload_points"]


def test_managers_above_a_limit_show_their_workload(pack: Pack) -> None:
    table = pack.section("managers").tables[0]
    assert "workload_capacity" in table.pdf_columns
    by_id = {m["manager_id"]: m for m in pack.report["managers"]}
    assert len(table.frame)
    for row in table.frame.itertuples():
        manager = by_id[row.manager_id]
        assert row.workload_capacity == manager["workload_capacity"]
        assert row.over_workload == (manager["workload_grade"] in ("amber", "red"))
        # The why says the workload beside the count.
        if "caseload_over_limit" in manager["flags"]:
            assert "; workload " in row.why and "of capacity" in row.why


def test_the_workbook_has_the_workload_column(pack: Pack, tmp_path) -> None:
    path = tmp_path / "pack.xlsx"
    write_pack_xlsx(pack, path)
    workbook = openpyxl.load_workbook(path)
    headers = {sheet.title: [c.value for row in sheet.iter_rows(max_row=60) for c in row]
               for sheet in workbook.worksheets}
    assert "Workload" in headers["Managers"] and "Workload points" in headers["Managers"]
    assert any("Workload" in values for name, values in headers.items() if name != "Managers")
