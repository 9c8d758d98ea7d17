"""Rule 11: reactive eligibility, each criterion failing on its own, and reviews back to active."""

from __future__ import annotations

from datetime import date

import pytest
from builders import AS_AT, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.reactive import reactive_status, unmet_criteria

CURRENT_LOW = date(2017, 3, 1)


def candidate(r: Register, rso_id: str, *, arms: tuple[date, str] | None = (CURRENT_LOW, "low"),
              **kwargs) -> str:
    """A low-risk adult male in the community, registered 2010, with a current low ARMS."""
    kwargs.setdefault("risk_level", "low")
    r.rso(rso_id, manager_id="A", **kwargs)
    if arms:
        r.assessment(rso_id, arms[0], arms[1])
    return rso_id


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    r = Register()
    r.manager("A")
    candidate(r, "OK")
    candidate(r, "RISK", risk_level="medium")
    candidate(r, "NO_RISK", risk_level=None)
    candidate(r, "ARMS_MEDIUM", arms=(CURRENT_LOW, "medium"))
    candidate(r, "ARMS_OLD", arms=(date(2016, 9, 9), "low"))
    candidate(r, "ARMS_OLD_HIGH", arms=(date(2016, 9, 9), "high"))
    candidate(r, "ARMS_NONE", arms=None)
    candidate(r, "FEMALE", sex="female", arms=None)
    candidate(r, "CONCERN", last_concern_on=date(2015, 1, 1))
    candidate(r, "CONCERN_EXACT", last_concern_on=date(2014, 10, 9))
    candidate(r, "CONCERN_LATER", last_concern_on=date(2017, 12, 1))
    candidate(r, "RELEASED", community_since=date(2016, 1, 1))
    candidate(r, "ORDER")
    r.order("ORDER", date(2016, 1, 1), type="SHPO")
    candidate(r, "ORDER_ENDED")
    r.order("ORDER_ENDED", date(2012, 1, 1), date(2017, 1, 1), type="SOPO")
    candidate(r, "CUSTODY", status="custody")
    candidate(r, "TWO", risk_level="medium", arms=(CURRENT_LOW, "medium"))
    # Reactive RSOs: one still meeting the criteria, one with a new concern.
    candidate(r, "REACTIVE_OK", management="reactive")
    candidate(r, "REACTIVE_CONCERN", management="reactive", last_concern_on=date(2017, 6, 1))
    # Decided reactive in January 2017 (recorded mode still active); and back to active later.
    candidate(r, "DECIDED")
    r.decision("DECIDED", "reactive", date(2017, 1, 10))
    r.decision("DECIDED", "active", date(2017, 11, 1))
    return r.write(tmp_path_factory.mktemp("reactive") / "r.sqlite3")


@pytest.fixture(scope="module")
def figures(engine):
    return compute_figures(full_snapshot(engine, AS_AT))


@pytest.fixture(scope="module")
def rsos(figures):
    return figures.rsos.set_index("rso_id")


def test_meeting_every_criterion_flags_the_candidate(rsos):
    row = rsos.loc["OK"]
    assert row["reactive_meets"] and row["flag_reactive_eligible"]
    assert row["reactive_unmet"] == ""
    assert row["reactive_note"] == "meets every criterion for reactive management"
    assert row["why_reactive_eligible"] == (
        "Meets every criterion for reactive management: low risk; ARMS low on 01/03/2017, "
        "current; concern-free since 01/01/2010 (3 years or more); no civil order in force")


@pytest.mark.parametrize(("rso_id", "unmet"), [
    ("RISK", "risk medium"),
    ("NO_RISK", "no risk level"),
    ("ARMS_MEDIUM", "ARMS outcome medium"),
    ("ARMS_OLD", "ARMS of 09/09/2016 older than 12 months"),
    ("ARMS_OLD_HIGH", "ARMS outcome high, ARMS of 09/09/2016 older than 12 months"),
    ("ARMS_NONE", "no ARMS assessment"),
    ("CONCERN", "concern-free only since 01/01/2015 (3 years on 01/01/2018)"),
    ("RELEASED", "concern-free only since 01/01/2016 (3 years on 01/01/2019)"),
    ("ORDER", "SHPO in force"),
    ("CUSTODY", "not in the community (custody)"),
    ("TWO", "risk medium; ARMS outcome medium"),
])
def test_each_criterion_failing_alone_is_named(rsos, rso_id, unmet):
    row = rsos.loc[rso_id]
    assert not row["reactive_meets"]
    assert not row["flag_reactive_eligible"]
    assert row["reactive_unmet"] == unmet
    assert row["reactive_note"] == f"not eligible because: {unmet}"


def test_edges_that_still_meet_the_criteria(rsos):
    # Exactly three years since the concern; an order that has ended; a concern recorded after
    # the as-at date (not yet happened then); a woman, for whom ARMS does not apply.
    for rso_id in ("CONCERN_EXACT", "ORDER_ENDED", "CONCERN_LATER", "FEMALE"):
        assert rsos.loc[rso_id, "flag_reactive_eligible"], rsos.loc[rso_id, "reactive_unmet"]
    assert "ARMS" not in rsos.loc["FEMALE", "why_reactive_eligible"]


def test_reactive_rso_with_a_new_concern_is_flagged_for_review(rsos):
    row = rsos.loc["REACTIVE_CONCERN"]
    assert row["flag_reactive_review"] and not row["flag_reactive_eligible"]
    assert row["why_reactive_review"] == (
        "Managed reactively but no longer meets the criteria: concern-free only since "
        "01/06/2017 (3 years on 01/06/2020): review back to active management")
    ok = rsos.loc["REACTIVE_OK"]
    assert not ok["flag_reactive_review"] and not ok["flag_reactive_eligible"]


def test_decisions_set_the_mode_as_at_the_date(engine, rsos):
    assert rsos.loc["DECIDED", "management"] == "reactive"
    assert not rsos.loc["DECIDED", "flag_reactive_eligible"]  # already reactive
    before = compute_figures(full_snapshot(engine, date(2016, 12, 1))).rsos.set_index("rso_id")
    assert before.loc["DECIDED", "management"] == "active"
    after = compute_figures(full_snapshot(engine, date(2017, 11, 2))).rsos.set_index("rso_id")
    assert after.loc["DECIDED", "management"] == "active"


def test_counts(figures, rsos):
    force = figures.force.iloc[0]
    assert force["reactive"] == 3  # REACTIVE_OK, REACTIVE_CONCERN, DECIDED
    assert force["reactive_review"] == 1
    eligible = {"OK", "CONCERN_EXACT", "ORDER_ENDED", "CONCERN_LATER", "FEMALE"}
    assert set(rsos.index[rsos["flag_reactive_eligible"]]) == eligible
    assert force["reactive_eligible"] == len(eligible)


def test_unmet_criteria_lists_for_one_rso(engine):
    status = reactive_status(full_snapshot(engine, AS_AT))
    assert unmet_criteria(status, "TWO") == ["risk medium", "ARMS outcome medium"]
    assert unmet_criteria(status, "OK") == []
