"""Quality assurance figures (rule 15): coverage over exactly 12 months, a grade counted once per
RSO, overdue actions, and the dip sample (deterministic for a month, weighted)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from builders import AS_AT, Register, as_user

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.quality import actions_status, coverage_table, dip_sample
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.operations.reviews import ActionSpec, add_action, record_review

BOSS = as_user("boss")


def review(engine, rso_id: str, on: date, grade: str = "good", actions=()) -> str:
    change = record_review(engine, rso_id, on, grade, "findings", BOSS, actions=actions,
                           today=date(2030, 1, 1))
    return change.after["review"]["review_id"]


def report(engine, as_at: date = AS_AT) -> dict:
    return build_report(compute_figures(full_snapshot(engine, as_at)))


@pytest.fixture
def engine(tmp_path):
    """East 1: A holds R1-R3 (R3 in custody); East 2: B holds R4."""
    r = Register()
    r.manager("A", team="East 1")
    r.manager("B", team="East 2")
    for rso_id in ("R1", "R2"):
        r.rso(rso_id, manager_id="A", team="East 1")
    r.rso("R3", manager_id="A", team="East 1", status="custody")
    r.rso("R4", manager_id="B", team="East 2")
    return r.write(tmp_path / "q.sqlite3")


def test_coverage_counts_a_review_for_exactly_twelve_months(engine):
    review(engine, "R1", date(2016, 10, 9))  # AS_AT less 12 months
    on_the_day = report(engine)["force"]
    assert (on_the_day["qa_reviewed"], on_the_day["community"]) == (1, 3)
    assert on_the_day["qa_coverage"] == pytest.approx(1 / 3)
    day_after = report(engine, AS_AT + timedelta(days=1))["force"]
    assert day_after["qa_reviewed"] == 0 and day_after["qa_coverage"] == 0.0
    # A review made after the as-at date does not count yet.
    review(engine, "R2", AS_AT + timedelta(days=1))
    assert report(engine)["force"]["qa_reviewed"] == 1


def test_a_grade_is_counted_once_the_latest_in_the_window(engine):
    review(engine, "R1", date(2017, 1, 5), "inadequate")
    review(engine, "R1", date(2017, 6, 5), "requires_improvement")
    review(engine, "R1", date(2017, 9, 5), "good")
    review(engine, "R2", date(2015, 1, 1), "inadequate")  # outside the window
    review(engine, "R3", date(2017, 9, 5), "inadequate")  # in custody: not a community RSO
    force = report(engine)["force"]
    assert (force["qa_reviewed"], force["qa_good"], force["qa_requires_improvement"],
            force["qa_inadequate"]) == (1, 1, 0, 0)
    # As at July the latest in the window was the June review.
    july = report(engine, date(2017, 7, 1))["force"]
    assert (july["qa_good"], july["qa_requires_improvement"]) == (0, 1)


def test_coverage_by_team_and_bcu_agrees_with_the_force(engine):
    review(engine, "R1", date(2017, 9, 1))
    review(engine, "R4", date(2017, 9, 1), "inadequate")
    out = report(engine)
    teams = {t["name"]: (t["qa_reviewed"], t["community"], t["qa_coverage"], t["qa_inadequate"])
             for t in out["teams"]}
    assert teams == {"East 1": (1, 2, 0.5, 0), "East 2": (1, 1, 1.0, 1)}
    assert [(b["name"], b["qa_reviewed"], b["qa_coverage"]) for b in out["bcus"]] == [
        ("East", 2, pytest.approx(2 / 3))]
    table = coverage_table(compute_figures(full_snapshot(engine, AS_AT)).teams, ["bcu", "team"])
    assert table["team"].tolist() == ["East 1", "East 2"]


def test_overdue_actions_are_those_open_past_their_due_date(engine):
    review_id = review(engine, "R1", date(2017, 9, 1), "requires_improvement", actions=[
        ActionSpec("Due yesterday", "DC A", AS_AT - timedelta(days=1)),
        ActionSpec("Due today", "DC A", AS_AT),
        ActionSpec("Done late", "DC A", date(2017, 9, 10))])
    figures = compute_figures(full_snapshot(engine, AS_AT))
    actions = actions_status(figures.rsos, figures.snapshot)
    late = actions.loc[actions["text"] == "Done late", "action_id"].iloc[0]
    from ncpi_desktop.storage.operations.reviews import complete_action

    complete_action(engine, late, AS_AT + timedelta(days=2), BOSS, today=date(2030, 1, 1))
    add_action(engine, review_id, ActionSpec("Later", "DC A", date(2017, 12, 1)), BOSS)
    figures = compute_figures(full_snapshot(engine, AS_AT))
    actions = actions_status(figures.rsos, figures.snapshot)
    overdue = actions[actions["overdue"]]
    # Done after the as-at date: still open (and overdue) as at it; most overdue first.
    assert overdue["text"].tolist() == ["Done late", "Due yesterday"]
    assert overdue["days_overdue"].tolist() == [29, 1]
    assert set(overdue["team"]) == {"East 1"} and set(overdue["manager_id"]) == {"A"}
    after = compute_figures(full_snapshot(engine, AS_AT + timedelta(days=2)))
    done = actions_status(after.rsos, after.snapshot)
    assert "Done late" not in done.loc[done["overdue"], "text"].tolist()


@pytest.fixture
def caseloads(tmp_path):
    """Two managers with 40 community RSOs each: half high risk, half reviewed in 2016, ten of
    each pairing."""
    r = Register()
    for manager in ("A", "B"):
        r.manager(manager)
        for number in range(40):
            r.rso(f"{manager}{number:02d}", manager_id=manager,
                  risk_level="high" if number % 4 < 2 else "low")
    engine = r.write(tmp_path / "s.sqlite3")
    for manager in ("A", "B"):
        for number in range(0, 40, 2):
            review(engine, f"{manager}{number:02d}", date(2016, 1, 4))
    return compute_figures(full_snapshot(engine, AS_AT))


def test_the_dip_sample_is_deterministic_for_a_month(caseloads):
    policy = Policy()
    first = dip_sample(caseloads.rsos, policy, date(2017, 10, 1))
    assert first.equals(dip_sample(caseloads.rsos, policy, date(2017, 10, 31)))
    assert first.groupby("manager_id").size().to_dict() == {
        "A": policy.qa_sample_per_manager, "B": policy.qa_sample_per_manager}
    months = {tuple(dip_sample(caseloads.rsos, policy, date(2017, m, 1))["rso_id"])
              for m in range(1, 13)}
    assert len(months) > 6  # another month, another sample


def test_the_dip_sample_is_weighted_to_high_risk_and_never_reviewed(caseloads):
    """Over many months, a high-risk never-reviewed case (weight 9) is picked far more often
    than a low-risk reviewed one (weight 1): 20 of 80 cases are each."""
    policy = Policy()
    picked = {"high, never": 0, "low, reviewed": 0}
    rsos = caseloads.rsos.set_index("rso_id")
    for month in range(120):
        sample = dip_sample(caseloads.rsos, policy, date(2010 + month // 12, month % 12 + 1, 1))
        for rso_id in sample["rso_id"]:
            high = rsos.at[rso_id, "risk_level"] == "high"
            never = pd.isna(rsos.at[rso_id, "qa_last_reviewed_on"])
            if high and never:
                picked["high, never"] += 1
            elif not high and not never:
                picked["low, reviewed"] += 1
    assert picked["high, never"] > 3 * picked["low, reviewed"]
    unweighted = Policy(qa_sample_weight_high_risk=1.0, qa_sample_weight_never_reviewed=1.0)
    even = dip_sample(caseloads.rsos, unweighted, date(2017, 10, 1))
    assert len(even) == 2 * policy.qa_sample_per_manager
