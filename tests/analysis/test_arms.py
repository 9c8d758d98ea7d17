"""Rule 10: ARMS due and the completion rate, adult males in the community only."""

from __future__ import annotations

from datetime import date

import pytest
from builders import AS_AT, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    r = Register()
    r.manager("A")
    r.manager("B", team="East 2")
    r.rso("ELEVEN", manager_id="A")
    r.assessment("ELEVEN", date(2016, 11, 9))
    r.rso("EXACT", manager_id="A")
    r.assessment("EXACT", date(2016, 10, 9))  # expires today: still current
    r.rso("THIRTEEN", manager_id="A")
    r.assessment("THIRTEEN", date(2016, 9, 9))
    r.rso("NONE", manager_id="A")
    r.rso("FEMALE", manager_id="A", sex="female")
    r.rso("JUVENILE", manager_id="A", date_of_birth=date(2000, 10, 10))  # 17 on the as-at date
    r.rso("ADULT_TODAY", manager_id="A", date_of_birth=date(1999, 10, 9))  # 18 today
    r.assessment("ADULT_TODAY", date(2017, 10, 1), outcome="medium")
    r.rso("CUSTODY", manager_id="A", status="custody")
    r.rso("LATER", manager_id="B")
    r.assessment("LATER", date(2017, 10, 20))  # after the as-at date: not yet done
    r.rso("OLD_THEN_NEW", manager_id="B")
    r.assessment("OLD_THEN_NEW", date(2015, 1, 1))
    r.assessment("OLD_THEN_NEW", date(2017, 3, 1), outcome="high")
    engine = r.write(tmp_path_factory.mktemp("arms") / "a.sqlite3")
    return compute_figures(full_snapshot(engine, AS_AT))


@pytest.fixture(scope="module")
def rsos(figures):
    return figures.rsos.set_index("rso_id")


def test_eleven_months_old_is_current_and_thirteen_is_due(rsos):
    assert rsos.loc["ELEVEN", "arms_current"] and not rsos.loc["ELEVEN", "flag_arms_due"]
    assert rsos.loc["EXACT", "arms_current"] and not rsos.loc["EXACT", "flag_arms_due"]
    assert rsos.loc["THIRTEEN", "flag_arms_due"]
    assert rsos.loc["THIRTEEN", "why_arms_due"] == (
        "Latest ARMS on 09/09/2016 is older than 12 months (expired 09/09/2017)")


def test_never_assessed_is_due(rsos):
    assert rsos.loc["NONE", "flag_arms_due"]
    assert rsos.loc["NONE", "why_arms_due"] == (
        "No ARMS assessment completed (due for adult males in the community)")


def test_female_juvenile_and_custody_are_excluded(rsos):
    for rso_id in ("FEMALE", "JUVENILE", "CUSTODY"):
        assert not rsos.loc[rso_id, "arms_eligible"], rso_id
        assert not rsos.loc[rso_id, "flag_arms_due"], rso_id
    assert rsos.loc["ADULT_TODAY", "arms_eligible"] and rsos.loc["ADULT_TODAY", "arms_current"]


def test_assessment_after_the_as_at_date_does_not_count(rsos):
    assert rsos.loc["LATER", "flag_arms_due"]
    assert rsos.loc["OLD_THEN_NEW", "arms_latest_outcome"] == "high"
    assert rsos.loc["OLD_THEN_NEW", "arms_current"]


def test_completion_rate_over_eligible_only(figures):
    force = figures.force.iloc[0]
    # Eligible: ELEVEN, EXACT, THIRTEEN, NONE, ADULT_TODAY, LATER, OLD_THEN_NEW.
    assert force["arms_eligible"] == 7
    assert force["arms_current"] == 4
    assert force["arms_completion"] == pytest.approx(4 / 7)
    managers = figures.managers.set_index("manager_id")
    assert managers.loc["A", "arms_completion"] == pytest.approx(3 / 5)
    assert managers.loc["B", "arms_completion"] == pytest.approx(1 / 2)
