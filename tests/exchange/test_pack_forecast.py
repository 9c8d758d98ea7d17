"""The pack's forecast section: the force, each BCU and each team week by week, the same
figures as ``forecast --json``, marked where hours or FTE fall short, in the PDF and workbook."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
from builders import AS_AT, Register
from openpyxl import load_workbook

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.forecast import forecast, with_absences
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.pack import SHEETS, build_pack
from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx
from ncpi_desktop.formats import format_value

PRODUCED = datetime(2017, 10, 9, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    """East 1: A (0.1 FTE) holds six monthly RSOs visited 20/09 (due 20/10: week 1); West 1: B
    holds one due 01/11 (week 3). A is away all of week 2."""
    r = Register()
    r.manager("A", team="East 1", fte=0.1)
    r.manager("B", bcu="West", team="West 1")
    for _ in range(6):
        rso = r.rso(manager_id="A", risk_level="very_high", sex="female")
        r.visit(rso, date(2017, 9, 20))
    r.rso("W", manager_id="B", bcu="West", risk_level="low", sex="female")
    r.visit("W", date(2016, 11, 1))
    engine = r.write(tmp_path_factory.mktemp("pack_forecast") / "p.sqlite3")
    return compute_figures(full_snapshot(engine, AS_AT))



def _away(figures):
    """The figures with A recorded away from 23/10 up to 30/10 (all of week 2)."""
    return with_absences(figures, pd.DataFrame({
        "manager_id": ["A"], "starts_on": [pd.Timestamp(2017, 10, 23)],
        "ends_on": [pd.Timestamp(2017, 10, 30)], "returned_on": [pd.NaT]}))


def test_the_section_has_the_force_each_bcu_and_the_teams(figures):
    pack = build_pack(_away(figures), produced_by="t", produced_at=PRODUCED)
    section = pack.section("forecast")
    assert section is not None and "Forecast" in SHEETS
    captions = [t.caption for t in section.tables]
    assert captions[:3] == ["Force, week by week", "East BCU, week by week",
                            "West BCU, week by week"]
    force = section.tables[0]
    assert [c.label for c in force.columns][:3] == ["Measure", "09/10", "16/10"]
    visits = force.frame.set_index("key").loc["visits_due"]
    expected = forecast(_away(figures)).to_json()["force"]["visits_due"]
    assert [visits[f"w{k}"] for k in range(12)] == expected
    assert expected[1] == 6 and expected[3] == 1
    assert format_value(force.kind("w1", 0), visits["w1"]) == "6"


def test_hours_short_and_absences_are_marked(figures):
    pack = build_pack(_away(figures), produced_by="t", produced_at=PRODUCED)
    section = pack.section("forecast")
    east = section.tables[1].frame.set_index("key")
    weekly = Policy().weekly_hours_per_fte
    assert east.loc["hours_available", "w2"] == 0  # A away all week
    assert east.loc["hours_available", "w1"] == pytest.approx(0.1 * weekly)
    assert bool(east.loc["hours_needed", "over_w1"])  # 6 visits on 0.1 FTE
    assert not bool(east.loc["hours_needed", "over_w0"])
    assert section.tables[1].highlight["w1"] == "over_w1"
    teams = section.tables[-1]
    assert set(teams.printed_frame["key"]) == {"hours_needed", "hours_available",
                                               "managers_needed"}
    assert len(teams.frame) == 2 * 9  # every measure of both teams in the workbook


def test_the_workbook_has_a_forecast_sheet(figures, tmp_path):
    pack = build_pack(figures, produced_by="t", produced_at=PRODUCED)
    out = tmp_path / "pack.xlsx"
    write_pack_xlsx(pack, out)
    sheet = load_workbook(out, read_only=True)["Forecast"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Force, week by week" in cells and "Home visits due" in cells
