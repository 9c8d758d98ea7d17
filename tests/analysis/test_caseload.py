"""Rules 1-5 on a small hand-built register, checked through what the user sees."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import AS_AT, Register

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.storage.load import load_snapshot


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    r = Register()
    # East 1: A at exactly 50 per FTE (not flagged), B 26 on 0.5 FTE (flagged, 52 per FTE).
    r.manager("A", fte=1.0, team="East 1")
    r.manager("B", fte=0.5, team="East 1")
    # East 2: C at exactly 20% high-risk (not flagged), D at 21% (flagged).
    r.manager("C", fte=1.0, team="East 2")
    r.manager("D", fte=1.0, team="East 2")
    # A supervisor (FTE not counted) and a leaver who still has RSOs on record.
    r.manager("S", fte=1.0, team="East 1", role="supervisor")
    r.manager("L", fte=1.0, team="East 2", active=False)
    r.many(40, manager_id="A", risk_level="low")
    r.many(10, manager_id="A", risk_level="medium")
    r.many(3, manager_id="A", status="custody", risk_level="high")
    r.many(2, manager_id="A", status="missing", risk_level="high")
    r.many(26, manager_id="B", risk_level="medium")
    r.many(8, manager_id="C", risk_level="high")
    r.many(2, manager_id="C", risk_level="very_high")
    r.many(40, manager_id="C", risk_level="low")
    r.many(21, manager_id="D", risk_level="high")
    r.many(79, manager_id="D", risk_level="low")
    # Pooled in East 1, unallocated in the BCU, and RSOs held by the leaver.
    r.many(4, team="East 1", risk_level="low")
    r.many(2, risk_level="low")
    r.many(3, manager_id="L", team="East 2", risk_level="low")
    # West: an abroad RSO only, and a manager with nobody.
    r.manager("W", bcu="West", team="West 1", fte=0.8)
    r.rso(status="abroad", bcu="West", team="West 1", risk_level=None)
    engine = r.write(tmp_path_factory.mktemp("caseload") / "r.sqlite3")
    return compute_figures(load_snapshot(engine, AS_AT))


def manager(figures, manager_id: str) -> pd.Series:
    frame = figures.managers.set_index("manager_id")
    return frame.loc[manager_id]


def test_exactly_fifty_per_fte_is_not_flagged(figures):
    a = manager(figures, "A")
    assert a["caseload"] == 50
    assert a["per_fte"] == 50.0
    assert not a["flag_caseload_over_limit"]
    assert a["why_caseload_over_limit"] == ""


def test_part_time_manager_above_limit_is_flagged_with_why(figures):
    b = manager(figures, "B")
    assert b["per_fte"] == 52.0
    assert b["flag_caseload_over_limit"]
    assert b["why_caseload_over_limit"] == (
        "26 community RSOs on 0.5 FTE (52.0 per FTE): above 50 per FTE; "
        "workload 100% of capacity: none high or very high")


def test_exactly_twenty_percent_high_risk_is_not_flagged(figures):
    c = manager(figures, "C")
    assert c["high"] == 8 and c["very_high"] == 2
    assert c["high_risk_share"] == pytest.approx(0.2)
    assert not c["flag_high_risk_share_over_limit"]


def test_high_risk_share_above_limit_is_flagged_with_why(figures):
    d = manager(figures, "D")
    assert d["flag_high_risk_share_over_limit"]
    assert d["why_high_risk_share_over_limit"] == (
        "21 of 100 community RSOs high or very high risk (21%): above 20%")
    assert d["flag_caseload_over_limit"]
    assert d["why_caseload_over_limit"].startswith(
        "100 community RSOs on 1.0 FTE: above 50 per FTE; workload ")


def test_custody_and_missing_are_not_counted_in_the_caseload(figures):
    a = manager(figures, "A")
    assert a["caseload"] == 50
    assert a["custody"] == 3 and a["missing"] == 2
    assert a["high"] == 0  # the high-risk RSOs in custody or missing do not count


def test_leaver_and_supervisor_hold_nothing_and_do_not_count(figures):
    listed = set(figures.managers["manager_id"])
    assert "L" not in listed and "S" not in listed  # a supervisor holding no RSOs
    w = manager(figures, "W")
    assert w["caseload"] == 0
    assert pd.isna(w["high_risk_share"])  # nothing under it: not a made-up 0
    team = figures.teams.set_index("team").loc["East 1"]
    assert team["offender_managers"] == 2 and team["fte"] == 1.5


def test_pooled_unallocated_and_leavers_rsos_have_no_named_manager(figures):
    rsos = figures.rsos
    pooled = rsos[rsos["is_pooled"]]
    assert len(pooled) == 4 + 2 + 3
    assert pooled["flag_no_named_manager"].all()
    whys = set(pooled["why_no_named_manager"])
    assert "No named offender manager: pooled in team East 1" in whys
    assert "No named offender manager: unallocated" in whys
    assert "No named offender manager: L is not an active manager" in whys
    teams = figures.teams.set_index("team")
    assert teams.loc["East 1", "pooled"] == 4
    assert teams.loc["East 2", "pooled"] == 3
    bcus = figures.bcus.set_index("bcu")
    assert bcus.loc["East", "pooled"] == 9


def test_team_bcu_and_force_ratios_are_community_over_om_fte(figures):
    teams = figures.teams.set_index("team")
    # East 1: A 50 + B 26 + 4 pooled = 80 community on 1.5 FTE.
    assert teams.loc["East 1", "community"] == 80
    assert teams.loc["East 1", "per_fte"] == pytest.approx(80 / 1.5)
    bcus = figures.bcus.set_index("bcu")
    east_community = 50 + 26 + 50 + 100 + 4 + 2 + 3
    assert bcus.loc["East", "community"] == east_community
    assert bcus.loc["East", "fte"] == pytest.approx(3.5)
    assert bcus.loc["East", "per_fte"] == pytest.approx(east_community / 3.5)
    assert bcus.loc["West", "community"] == 0
    assert bcus.loc["West", "abroad"] == 1
    assert pd.isna(bcus.loc["West", "high_risk_share"])
    force = figures.force.iloc[0]
    assert force["rsos"] == east_community + 5 + 1
    assert force["community"] == east_community
    assert force["fte"] == pytest.approx(4.3)
    assert force["offender_managers"] == 5


def test_group_sums_agree_with_force(figures):
    force = figures.force.iloc[0]
    for column in ("rsos", "community", "high", "very_high", "pooled", "arms_eligible"):
        assert figures.bcus[column].sum() == force[column]


def test_figures_follow_stored_policy(tmp_path):
    r = Register()
    r.manager("A")
    r.many(45, manager_id="A")
    r.policy["caseload_limit_per_fte"] = 40
    engine = r.write(tmp_path / "p.sqlite3")
    figures = compute_figures(load_snapshot(engine, AS_AT))
    row = figures.managers.iloc[0]
    assert row["flag_caseload_over_limit"]
    assert row["why_caseload_over_limit"].startswith(
        "45 community RSOs on 1.0 FTE: above 40 per FTE; workload ")


@pytest.mark.parametrize("managers_only", [False, True])
def test_an_empty_register_gives_zeros_and_nulls_not_errors(tmp_path, managers_only):
    r = Register()
    if managers_only:
        r.manager("A", fte=0.5)
    engine = r.write(tmp_path / "empty.sqlite3")
    figures = compute_figures(load_snapshot(engine, AS_AT))
    force = figures.force.iloc[0]
    assert force["rsos"] == 0 and force["community"] == 0
    assert pd.isna(force["per_fte"]) if not managers_only else force["per_fte"] == 0
    assert pd.isna(force["high_risk_share"]) and pd.isna(force["arms_completion"])
    assert len(figures.managers) == (1 if managers_only else 0)
    assert not figures.managers.get("flag_caseload_over_limit", pd.Series([])).any()
