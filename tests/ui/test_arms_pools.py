"""One rule for ARMS completion by team: the ARMS page lists the teams the pack lists.

RSOs allocated to no team are not a team (they count in their BCU's and the force's figures);
RSOs pooled in a team with no named manager count in that team; a team nobody in is eligible
has no rate.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from builders import AS_AT, Register

from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.exchange.pack import build_pack
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.ui.models.table_model import DISPLAY
from ncpi_desktop.ui.pages.arms import ArmsPage


def pools_register() -> Register:
    r = Register()
    r.manager("OM1", name="Alice Ashworth", bcu="East", team="East 1")
    r.manager("OM2", name="Bob Birtwistle", bcu="West", team="West 1")
    r.manager("OM3", name="Carol Crossley", bcu="West", team="West 2")
    r.rso("E1A", manager_id="OM1", bcu="East", team="East 1")
    r.assessment("E1A", date(2017, 3, 1), "low")
    r.rso("E1B", manager_id="OM1", bcu="East", team="East 1")
    r.rso("W1A", manager_id="OM2", bcu="West", team="West 1")
    r.rso("W1POOL", bcu="West", team="West 1")  # pooled in West 1: counts in West 1
    r.assessment("W1POOL", date(2017, 5, 1), "medium")
    r.rso("W2WOMAN", manager_id="OM3", bcu="West", team="West 2", sex="female")
    r.rso("SOUTH", bcu="South")  # in no team: would read as "Unallocated" at 100%
    r.assessment("SOUTH", date(2017, 6, 1), "low")
    r.rso("EASTLOOSE", bcu="East")  # in no team: would read as "Unallocated" at 0%
    return r


@pytest.fixture(scope="module")
def pools_figures(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    path: Path = tmp_path_factory.mktemp("pools") / "pools.sqlite3"
    pools_register().write(path).dispose()
    engine = make_engine(path)
    try:
        return compute_figures(load_snapshot(engine, AS_AT))
    finally:
        engine.dispose()


def page_rows(page: ArmsPage) -> list[tuple[str, str, int, int]]:
    model = page.teams_model
    keys = [c.key for c in model.columns]
    rows = []
    for row in range(model.rowCount()):
        frame_row = model.frame_row(row)
        rows.append((str(frame_row["bcu"]), str(frame_row["team"]),
                     int(frame_row["arms_eligible"]), int(frame_row["arms_current"])))
        assert model.data(model.index(row, keys.index("team")), DISPLAY) != "Unallocated"
    return sorted(rows)


def pack_rows(figures: Figures) -> list[tuple[str, str, int, int]]:
    pack = build_pack(figures, produced_by="test", produced_at=datetime(2017, 10, 9, 12))
    table = next(t for t in pack.tables() if t.key == "arms_by_team")
    teams = table.frame[~table.frame["is_total"]]
    return sorted((str(t.bcu), str(t.name), int(t.arms_eligible), int(t.arms_current))
                  for t in teams.itertuples(index=False))


def test_the_arms_page_lists_the_teams_the_pack_lists(qtbot, pools_figures: Figures) -> None:
    page = ArmsPage()
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.set_figures(pools_figures)
    page.show()
    qtbot.waitExposed(page)
    shown = page_rows(page)
    assert shown == pack_rows(pools_figures)
    # East 1: 1 of 2; West 1: its manager's RSO and its pool, 1 of 2; West 2 nobody eligible.
    assert shown == [("East", "East 1", 2, 1), ("West", "West 1", 2, 1)]
    # The RSOs in no team still count in the force's figure (3 current of 6 eligible).
    assert page.summary["completion"].note_text == "3 of 6 eligible current"
    chart = page.chart_slot.ensure_chart()
    assert sorted(chart.teams) == ["East 1", "West 1"]
