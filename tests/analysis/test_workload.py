"""Issue 18, part 2: weighted workload beside the count. Points per community RSO by risk level
and management mode (policy), capacity used = points / (FTE x points per FTE), amber from 100%,
red above the policy's 110%; the same sums for managers, teams, BCUs and the force."""

from __future__ import annotations

import pandas as pd
import pytest
from builders import AS_AT, Register

from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.load import load_snapshot

POLICY = Policy()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Figures:
    """One manager holding one RSO of each kind; a pooled RSO in the same team."""
    r = Register()
    r.manager("MIX", fte=0.5)
    r.manager("OTHER", fte=1.0, team="East 2")
    for rso_id, risk in (("VH", "very_high"), ("H", "high"), ("M", "medium"), ("L", "low"),
                         ("NONE", None)):
        r.rso(rso_id, manager_id="MIX", risk_level=risk)
    r.rso("REACT", manager_id="MIX", risk_level="low", management="reactive")
    r.rso("CUSTODY", manager_id="MIX", risk_level="very_high", status="custody")
    r.rso("ABROAD", manager_id="MIX", risk_level="high", status="abroad")
    r.rso("POOLED", team="East 1", risk_level="high")
    r.rso("O1", manager_id="OTHER", risk_level="low")
    engine = r.write(tmp_path_factory.mktemp("workload") / "r.sqlite3")
    return compute_figures(load_snapshot(engine, AS_AT))


def test_points_per_rso_follow_the_policy(mixed: Figures) -> None:
    points = mixed.rsos.set_index("rso_id")["workload_points"].to_dict()
    p = POLICY
    assert points == {"VH": p.workload_points_very_high, "H": p.workload_points_high,
                      "M": p.workload_points_medium, "L": p.workload_points_low,
                      "NONE": p.workload_points_no_risk_level,
                      "REACT": p.workload_points_reactive,
                      # Rule 1: custody and abroad are not in the caseload, nor the workload.
                      "CUSTODY": 0, "ABROAD": 0,
                      "POOLED": p.workload_points_high, "O1": p.workload_points_low}


def test_manager_team_and_force_capacity(mixed: Figures) -> None:
    p = POLICY
    mine = (p.workload_points_very_high + p.workload_points_high + p.workload_points_medium
            + p.workload_points_low + p.workload_points_no_risk_level
            + p.workload_points_reactive)
    manager = mixed.managers.set_index("manager_id").loc["MIX"]
    assert manager["workload_points"] == mine
    assert manager["workload_capacity"] == pytest.approx(mine / (0.5 * p.workload_points_per_fte))
    # The team counts its pooled RSO, over the FTE of its offender managers (rule 4).
    team = mixed.teams.set_index("team").loc["East 1"]
    assert team["workload_points"] == mine + p.workload_points_high
    assert team["workload_capacity"] == pytest.approx(
        (mine + p.workload_points_high) / (0.5 * p.workload_points_per_fte))
    force = mixed.force.iloc[0]
    total = mine + p.workload_points_high + p.workload_points_low
    assert force["workload_points"] == total == mixed.rsos["workload_points"].sum()
    assert force["workload_capacity"] == pytest.approx(total / (1.5 * p.workload_points_per_fte))
    bcu = mixed.bcus.set_index("bcu").loc["East"]
    assert bcu["workload_points"] == total


def test_the_default_points_put_fifty_typical_rsos_at_full_capacity() -> None:
    """The README's derivation: 50 RSOs (the caseload standard) of the national guidance's mix
    (10 high or very high per 50) on 1.0 FTE is 100% of capacity."""
    p = POLICY
    points = (1 * p.workload_points_very_high + 9 * p.workload_points_high
              + 20 * p.workload_points_medium + 20 * p.workload_points_low)
    assert points == p.workload_points_per_fte
    for name in ("workload_points_high", "workload_points_per_fte"):
        field = next(f for f in Policy.describe() if f.name == name)
        assert field.configurable_default
        assert "no national figure was found" in field.source


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> pd.DataFrame:
    """One point per low RSO, 100 points per FTE: a manager's points are their percentage."""
    r = Register(policy={"workload_points_per_fte": 100, "workload_points_low": 1})
    for manager_id, fte, count in (("U99", 1.0, 99), ("A100", 1.0, 100), ("A110", 1.0, 110),
                                   ("R111", 1.0, 111), ("P69", 0.7, 69), ("P70", 0.7, 70),
                                   ("P77", 0.7, 77), ("P78", 0.7, 78)):
        r.manager(manager_id, fte=fte, team=manager_id)
        r.many(count, manager_id=manager_id, risk_level="low")
    engine = r.write(tmp_path_factory.mktemp("graded") / "r.sqlite3")
    figures = compute_figures(load_snapshot(engine, AS_AT))
    return figures


def test_grades_at_100_and_110_percent(graded) -> None:
    grades = graded.managers.set_index("manager_id")["workload_grade"].to_dict()
    assert grades == {"U99": 0, "A100": 1, "A110": 1, "R111": 2,
                      "P69": 0, "P70": 1, "P77": 1, "P78": 2}
    # A team is graded the same way (each manager here is alone in a team).
    teams = graded.teams.set_index("team")["workload_grade"].to_dict()
    assert teams == grades


def test_report_json_has_workload_keys(graded) -> None:
    report = build_report(graded)
    manager = next(m for m in report["managers"] if m["manager_id"] == "R111")
    assert manager["workload_points"] == 111
    assert manager["workload_capacity"] == pytest.approx(1.11)
    assert manager["workload_grade"] == "red"
    for group in (report["force"], *report["bcus"], *report["teams"]):
        assert {"workload_points", "workload_capacity", "workload_grade"} <= set(group)
    team = next(t for t in report["teams"] if t["name"] == "U99")
    assert team["workload_grade"] == "none"


def test_why_says_the_workload_beside_the_count(tmp_path) -> None:
    """The issue's sentence: 58 RSOs on 1.0 FTE, 1 very high and 9 high among them."""
    r = Register()
    r.manager("OM58", fte=1.0)
    r.many(1, manager_id="OM58", risk_level="very_high")
    r.many(9, manager_id="OM58", risk_level="high")
    r.many(34, manager_id="OM58", risk_level="medium")
    r.many(14, manager_id="OM58", risk_level="low")
    r.manager("OM10", fte=1.0)
    r.many(10, manager_id="OM10", risk_level="low")
    managers = compute_figures(load_snapshot(r.write(tmp_path / "r.sqlite3"), AS_AT)
                               ).managers.set_index("manager_id")
    p = POLICY
    points = (p.workload_points_very_high + 9 * p.workload_points_high
              + 34 * p.workload_points_medium + 14 * p.workload_points_low)
    percent = f"{points / p.workload_points_per_fte * 100:.1f}%"
    assert managers.loc["OM58", "why_caseload_over_limit"] == (
        f"58 community RSOs on 1.0 FTE: above 50 per FTE; workload {percent} of capacity: "
        "1 very high, 9 high")
    assert managers.loc["OM58", "workload_grade"] == 2
    # Under the limit: no flag, the workload is still said.
    assert managers.loc["OM10", "why_caseload_over_limit"] == ""
    assert managers.loc["OM10", "workload_why"].startswith("workload ")
    assert managers.loc["OM10", "workload_why"].endswith("of capacity: none high or very high")
