"""A what-if step refuses values the register or Manage › Rules would refuse, naming the step
and the field, before anything is saved or applied."""

from __future__ import annotations

import json

import pytest

from ncpi_desktop.analysis.scenario import Scenario, ScenarioError
from ncpi_desktop.analysis.scenario_steps import MAX_COHORT


def read(*steps: dict) -> Scenario:
    return Scenario.from_json(json.dumps({"name": "x", "steps": list(steps)}))


@pytest.mark.parametrize(("key", "value", "message"), [
    ("caseload_limit_per_fte", 0, "caseload_limit_per_fte must be a number above 0"),
    ("visit_interval_low_months", -3, "visit_interval_low_months must be a number above 0"),
    ("visit_interval_low_months", 12.7, "visit_interval_low_months must be a whole number"),
    ("high_risk_share_limit", 1.5, "high_risk_share_limit must be a share of at most 1"),
])
def test_a_policy_value_the_rules_dialog_refuses_is_refused(key, value, message):
    with pytest.raises(ScenarioError) as caught:
        read({"kind": "policy_value", "key": key, "value": value})
    assert str(caught.value).startswith("step 1 (policy_value): 'value' for ")
    assert message in str(caught.value)


def test_a_policy_value_the_rules_dialog_takes_is_kept():
    scenario = read({"kind": "policy_value", "key": "visit_interval_low_months", "value": 6},
                    {"kind": "policy_value", "key": "high_risk_share_limit", "value": 0.3})
    assert [s.values["value"] for s in scenario.steps] == [6, 0.3]


@pytest.mark.parametrize("kind", ["change_fte", "add_manager"])
@pytest.mark.parametrize("fte", [5.0, 1.01, 0, -1])
def test_an_fte_the_register_refuses_is_refused(kind, fte):
    """The register's rule (the import format's fte column): 0 < fte <= 1."""
    values = {"manager_id": "A"} if kind == "change_fte" else {"team": "T", "bcu": "B"}
    with pytest.raises(ScenarioError) as caught:
        read({"kind": kind, **values, "fte": fte})
    assert (f"step 1 ({kind}): 'fte' must be a number above 0 and at most 1, not {fte!r}"
            in str(caught.value))


def test_an_fte_of_one_or_part_of_one_is_kept():
    scenario = read({"kind": "change_fte", "manager_id": "A", "fte": 1},
                    {"kind": "add_manager", "team": "T", "bcu": "B", "fte": 0.4})
    assert [s.values["fte"] for s in scenario.steps] == [1.0, 0.4]


def cohort(n: int) -> dict:
    return {"kind": "release_cohort", "n": n, "team": "T", "bcu": "B", "risk": {"low": 1.0}}


def test_a_cohort_too_large_to_build_is_refused_saying_why():
    with pytest.raises(ScenarioError) as caught:
        read(cohort(100_000_000))
    message = str(caught.value)
    assert message.startswith(f"step 1 (release_cohort): 'n' must be at most {MAX_COHORT:,}")
    assert "built in memory" in message
    assert read(cohort(MAX_COHORT)).steps[0].values["n"] == MAX_COHORT
    with pytest.raises(ScenarioError, match="'n' must be at most"):
        read(cohort(MAX_COHORT + 1))
