"""What-if scenarios (issue 18, part 4): each kind of step on a hand-built register, the
original snapshot untouched, the JSON form and its errors, and ``compare``."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from builders import AS_AT, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.scenario import (
    Scenario,
    ScenarioError,
    Step,
    compare,
    plan,
    scenario_figures,
    scenario_snapshot,
)

CURRENT_LOW = date(2017, 3, 1)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    r = Register()
    r.manager("A", team="East 1")
    r.manager("B", team="East 1")
    r.manager("C", team="East 1", fte=0.5)
    r.manager("S", team="West 1", bcu="West")  # alone in West 1
    for i in range(6):
        r.rso(f"LOWA{i}", manager_id="A", risk_level="low")
        r.assessment(f"LOWA{i}", CURRENT_LOW, "low")  # reactive-eligible
    r.many(40, manager_id="A", risk_level="medium")
    r.many(10, manager_id="B", risk_level="medium")
    r.many(5, manager_id="C", risk_level="high")
    r.many(3, manager_id="S", risk_level="medium", bcu="West")
    r.rso("LOWS", manager_id="S", risk_level="low", bcu="West")
    r.assessment("LOWS", CURRENT_LOW, "low")
    r.rso("CUSTA", manager_id="A", status="custody")
    engine = r.write(tmp_path_factory.mktemp("scenario") / "s.sqlite3")
    yield full_snapshot(engine, AS_AT)
    engine.dispose()


@pytest.fixture(scope="module")
def today(snapshot):
    return compute_figures(snapshot)


def one(kind: str, **values) -> Scenario:
    return Scenario("test", (Step(kind, values),))


def row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    assert mask.sum() == 1, where
    return frame[mask].iloc[0]


def test_the_original_snapshot_is_untouched(snapshot):
    before = (snapshot.rsos.copy(), snapshot.managers.copy(), snapshot.policy)
    scenario = Scenario("all", (
        Step("add_manager", {"team": "East 1", "bcu": "East", "fte": 1.0}),
        Step("change_fte", {"manager_id": "B", "fte": 0.5}),
        Step("manager_leaves", {"manager_id": "C"}),
        Step("reactive_all_eligible", {}),
        Step("release_cohort", {"n": 4, "team": "East 1", "bcu": "East",
                                "risk": {"high": 1, "medium": 3}}),
        Step("policy_value", {"key": "caseload_limit_per_fte", "value": 40}),
    ))
    after = scenario_snapshot(snapshot, scenario)
    pd.testing.assert_frame_equal(snapshot.rsos, before[0])
    pd.testing.assert_frame_equal(snapshot.managers, before[1])
    assert snapshot.policy == before[2]
    assert len(after.rsos) == len(snapshot.rsos) + 4
    assert after.policy.caseload_limit_per_fte == 40


def test_adding_a_manager_lowers_the_team_per_fte(snapshot, today):
    figures = scenario_figures(snapshot, one("add_manager", team="East 1", bcu="East",
                                             fte=1.0, name="New Officer"))
    new = row(figures.managers, name="New Officer")
    assert new["manager_id"] == "SCENARIO-OM-1" and new["caseload"] == 0
    was, now = row(today.teams, team="East 1"), row(figures.teams, team="East 1")
    assert now["fte"] == was["fte"] + 1
    assert now["per_fte"] == pytest.approx(was["community"] / (was["fte"] + 1))


def test_changing_an_fte_changes_the_managers_per_fte(snapshot, today):
    figures = scenario_figures(snapshot, one("change_fte", manager_id="A", fte=0.5))
    a = row(figures.managers, manager_id="A")
    assert a["fte"] == 0.5
    assert a["per_fte"] == pytest.approx(row(today.managers, manager_id="A")["caseload"] / 0.5)


def test_a_leavers_rsos_move_as_the_leaver_proposal_says(snapshot):
    after, [outcome] = plan(snapshot, one("manager_leaves", manager_id="A"))
    figures = compute_figures(after)
    assert "A" not in set(figures.managers["manager_id"])  # no longer active
    moves = outcome.moves
    community = moves[moves["to_manager_id"].notna()]
    assert len(community) == 46  # every community RSO of A, to B or C
    assert set(community["to_manager_id"]) <= {"B", "C"}
    assert list(moves.loc[moves["to_manager_id"].isna(), "rso_id"]) == ["CUSTA"]  # pooled
    b, c = row(figures.managers, manager_id="B"), row(figures.managers, manager_id="C")
    assert b["caseload"] + c["caseload"] == 10 + 5 + 46
    assert "leaver rebalancing" in outcome.summary


def test_a_leaver_alone_in_the_bcu_leaves_their_rsos_pooled(snapshot):
    after, [outcome] = plan(snapshot, one("manager_leaves", manager_id="S"))
    figures = compute_figures(after)
    west = row(figures.teams, team="West 1")
    assert west["pooled"] == 4 and west["community"] == 4
    assert outcome.moves["to_manager_id"].isna().all()
    assert "4 to the pool of team West 1" in outcome.summary


def test_every_eligible_rso_moves_to_reactive(snapshot, today):
    assert today.force["reactive_eligible"].iat[0] == 7
    after, [outcome] = plan(snapshot, one("reactive_all_eligible"))
    figures = compute_figures(after)
    assert figures.force["reactive"].iat[0] == today.force["reactive"].iat[0] + 7
    assert figures.force["reactive_eligible"].iat[0] == 0
    assert figures.force["reactive_review"].iat[0] == 0
    assert sorted(outcome.to_reactive) == sorted([f"LOWA{i}" for i in range(6)] + ["LOWS"])


def test_reactive_within_one_bcu_only(snapshot):
    _, [outcome] = plan(snapshot, one("reactive_all_eligible", bcu="West"))
    assert outcome.to_reactive == ("LOWS",)


def test_a_cohort_enters_the_team_pooled_with_its_risk_mix(snapshot, today):
    after, [outcome] = plan(snapshot, one("release_cohort", n=10, team="East 1", bcu="East",
                                          risk={"high": 0.3, "medium": 0.7}))
    new = after.rsos[after.rsos["rso_id"].str.startswith("SCENARIO-")]
    assert list(new["rso_id"]) == [f"SCENARIO-{i}" for i in range(1, 11)]
    assert new["risk_level"].value_counts().to_dict() == {"medium": 7, "high": 3}
    figures = compute_figures(after)
    was, now = row(today.teams, team="East 1"), row(figures.teams, team="East 1")
    assert now["community"] == was["community"] + 10
    assert now["pooled"] == was["pooled"] + 10
    assert now["high"] == was["high"] + 3
    assert "SCENARIO-1 to SCENARIO-10" in outcome.summary


def test_a_cohort_released_later_is_in_custody_and_one_held_counts_for_its_manager(snapshot):
    later = scenario_snapshot(snapshot, one("release_cohort", n=2, team="East 1", bcu="East",
                                            risk={"low": 2}, on="2017-12-01"))
    assert set(later.rsos.loc[later.rsos["rso_id"].str.startswith("SCENARIO-"),
                              "status"]) == {"custody"}
    held = scenario_figures(snapshot, one("release_cohort", n=3, team="East 1", bcu="East",
                                          risk={"very_high": 3}, manager_id="B"))
    b = row(held.managers, manager_id="B")
    assert b["caseload"] == 13 and b["very_high"] == 3


def test_a_policy_value_changes_the_flags(snapshot, today):
    assert not row(today.managers, manager_id="B")["flag_caseload_over_limit"]
    figures = scenario_figures(snapshot, one("policy_value", key="caseload_limit_per_fte",
                                             value=5))
    assert row(figures.managers, manager_id="B")["flag_caseload_over_limit"]
    assert figures.policy.caseload_limit_per_fte == 5


def test_steps_see_the_ones_before_them(snapshot):
    scenario = Scenario("two", (
        Step("add_manager", {"team": "West 1", "bcu": "West", "fte": 1.0}),
        Step("manager_leaves", {"manager_id": "S"})))
    figures = scenario_figures(snapshot, scenario)
    assert row(figures.managers, manager_id="SCENARIO-OM-1")["caseload"] == 4


def test_json_round_trip():
    scenario = Scenario("West +2", (
        Step("add_manager", {"team": "West 1", "bcu": "West", "fte": 1}),
        Step("release_cohort", {"n": 3, "team": "West 1", "bcu": "West",
                                "risk": {"low": 1, "high": 2}, "on": "2017-11-01"})))
    again = Scenario.from_json(scenario.to_json())
    assert again == scenario
    assert again.steps[0].values["fte"] == 1.0


@pytest.mark.parametrize(("text", "message"), [
    ('{"name": "x", "steps": [{"kind": "add_manager", "team": "T", "bcu": "B", "fte": "two"}]}',
     "step 1 (add_manager): 'fte' must be a number above 0 and at most 1, not 'two'"),
    ('{"name": "x", "steps": [{"kind": "reactive_all_eligible"}, {"kind": "fly"}]}',
     "step 2: 'kind' must be one of"),
    ('{"name": "x", "steps": [{"kind": "change_fte", "fte": 1}]}',
     "step 1 (change_fte): 'manager_id' is required"),
    ('{"name": "x", "steps": [{"kind": "policy_value", "key": "nope", "value": 1}]}',
     "step 1 (policy_value): 'key' must name a policy value"),
    ('{"name": "x", "steps": [{"kind": "release_cohort", "n": 5, "team": "T", "bcu": "B",'
     ' "risk": {"low": 0.5, "high": 0.2}}]}',
     "step 1 (release_cohort): 'risk' must be counts adding up to n (5) or shares"),
    ('{"name": "x", "steps": [{"kind": "manager_leaves", "manager_id": "A", "when": 1}]}',
     "step 1 (manager_leaves): unknown field(s) when"),
    ('{"name": "", "steps": []}', "'name' must be a non-blank text"),
    ("{not json", "not valid JSON"),
])
def test_bad_json_says_which_step_and_field(text, message):
    with pytest.raises(ScenarioError, match=None) as caught:
        Scenario.from_json(text)
    assert message in str(caught.value)


def test_a_step_the_register_cannot_take_names_it(snapshot):
    with pytest.raises(ScenarioError, match=r"step 1 \(change_fte\): 'manager_id' 'ZZ' is not"):
        scenario_snapshot(snapshot, one("change_fte", manager_id="ZZ", fte=1))
    with pytest.raises(ScenarioError, match=r"team 'East 1' is in BCU 'East', not 'West'"):
        scenario_snapshot(snapshot, one("add_manager", team="East 1", bcu="West", fte=1))
    with pytest.raises(ScenarioError, match=r"step 1 \(release_cohort\): 'manager_id' 'S' is in "
                                            r"team 'West 1', not the cohort's team 'East 1'"):
        plan(snapshot, one("release_cohort", n=2, team="East 1", bcu="East",
                           risk={"low": 2}, manager_id="S"))


def test_compare_gives_today_scenario_and_difference(snapshot, today):
    figures = scenario_figures(snapshot, one("add_manager", team="East 1", bcu="East", fte=1))
    managers = compare(today.managers, figures.managers, ["manager_id"], ["caseload", "fte"])
    assert list(managers.columns) == ["manager_id", "caseload_today", "caseload_scenario",
                                      "caseload_difference", "fte_today", "fte_scenario",
                                      "fte_difference"]
    new = row(managers, manager_id="SCENARIO-OM-1")
    assert pd.isna(new["fte_today"]) and new["fte_difference"] == 1
    assert managers["manager_id"].iloc[-1] == "SCENARIO-OM-1"  # new rows after today's
    teams = compare(today.teams, figures.teams, ["bcu", "team"], ["per_fte"])
    east = row(teams, team="East 1")
    assert east["per_fte_difference"] == pytest.approx(
        east["per_fte_scenario"] - east["per_fte_today"]) and east["per_fte_difference"] < 0
    force = compare(today.force, figures.force, [], ["fte"])
    assert len(force) == 1 and force["fte_difference"].iat[0] == 1


@pytest.mark.parametrize("steps", [
    [Step("add_manager", {"team": "East 1", "bcu": "East", "fte": 1.0})],
    [Step("change_fte", {"manager_id": "C", "fte": 1.0})],
    [Step("manager_leaves", {"manager_id": "A"})],
    [Step("reactive_all_eligible", {})],
    [Step("release_cohort", {"n": 2, "team": "East 1", "bcu": "East", "risk": {"low": 2}})],
    [Step("policy_value", {"key": "caseload_limit_per_fte", "value": 5})],
    [Step("add_manager", {"team": "West 1", "bcu": "West", "fte": 1.0}),
     Step("manager_leaves", {"manager_id": "S"}), Step("reactive_all_eligible", {})],
], ids=["add", "fte", "leaves", "reactive", "cohort", "policy", "several"])
def test_figures_from_todays_are_those_computed_afresh(snapshot, today, steps, monkeypatch):
    from ncpi_desktop.analysis import scenario as module

    monkeypatch.setattr(module, "REFIGURE_SHARE", 1.0)  # the path through refigure, always
    scenario = Scenario("same", tuple(steps))
    fast, whole = scenario_figures(snapshot, scenario, today), scenario_figures(snapshot,
                                                                                scenario)
    for name in ("managers", "teams", "bcus", "force"):
        pd.testing.assert_frame_equal(getattr(fast, name).reset_index(drop=True),
                                      getattr(whole, name).reset_index(drop=True),
                                      check_like=True, obj=name)
    pd.testing.assert_frame_equal(fast.rsos.reset_index(drop=True),
                                  whole.rsos.reset_index(drop=True), check_like=True)


def test_a_scenario_is_a_value_that_copies_and_pickles():
    import copy
    import pickle

    scenario = Scenario("x", (Step("change_fte", {"manager_id": "A", "fte": 0.5}),))
    assert pickle.loads(pickle.dumps(scenario)) == scenario == copy.deepcopy(scenario)
    assert hash(scenario) == hash(Scenario.from_json(scenario.to_json()))
    with pytest.raises(TypeError):
        scenario.steps[0].values["fte"] = 1  # read-only
