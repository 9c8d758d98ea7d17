"""Rules 6-9 on a hand-built register: one RSO per edge, checked through the figures."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from builders import AS_AT, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.storage.load import load_snapshot

REASON = "stable, agreed at RMP review"


@pytest.fixture(scope="module")
def register():
    r = Register()
    r.manager("A")
    # Never visited: inside the 28-day allowance (due 17/10), and outside it (due 29/09).
    r.rso("NEVER_IN", manager_id="A", risk_level="high", community_since=date(2017, 9, 19))
    r.rso("NEVER_OUT", manager_id="A", risk_level="high", community_since=date(2017, 9, 1))
    r.rso("NEVER_REG", manager_id="A", risk_level="low", registered_on=date(2017, 9, 1))
    # High risk, every 3 months: last visit exactly 3 months ago (due today), and 37 days late.
    r.rso("ON_DUE", manager_id="A", risk_level="high")
    r.visit("ON_DUE", date(2017, 7, 9))
    r.rso("OVERDUE", manager_id="A", risk_level="high")
    r.visit("OVERDUE", date(2017, 6, 2))
    # Very high, monthly: 31/08 + 1 month is 30/09 (the month's last day).
    r.rso("MONTH_END", manager_id="A", risk_level="very_high")
    r.visit("MONTH_END", date(2017, 8, 31))
    # A no-access visit does not count as completed.
    r.rso("NO_ACCESS", manager_id="A", risk_level="medium")
    r.visit("NO_ACCESS", date(2017, 3, 1))
    r.visit("NO_ACCESS", date(2017, 9, 20), outcome="no_access")
    # Two failed attempts in a row; and two failed attempts split by a completed visit.
    r.rso("WARRANT", manager_id="A", risk_level="low")
    r.visit("WARRANT", date(2017, 1, 15))
    r.visit("WARRANT", date(2017, 8, 1), outcome="no_access")
    r.visit("WARRANT", date(2017, 9, 1), outcome="no_access")
    r.rso("SPLIT", manager_id="A", risk_level="low")
    r.visit("SPLIT", date(2017, 5, 1), outcome="no_access")
    r.visit("SPLIT", date(2017, 6, 1))
    r.visit("SPLIT", date(2017, 9, 1), outcome="no_access")
    r.rso("NEVER_IN_TWICE", manager_id="A", risk_level="low", community_since=date(2017, 8, 20))
    r.visit("NEVER_IN_TWICE", date(2017, 9, 1), outcome="no_access")
    r.visit("NEVER_IN_TWICE", date(2017, 9, 8), outcome="no_access")
    # A lone visit; and a lone visit followed by a visit of two.
    r.rso("LONE", manager_id="A", risk_level="medium")
    r.visit("LONE", date(2017, 8, 1), officers=1)
    r.rso("LONE_BEFORE", manager_id="A", risk_level="medium")
    r.visit("LONE_BEFORE", date(2017, 5, 1), officers=1)
    r.visit("LONE_BEFORE", date(2017, 8, 1))
    # RSO-specific intervals: longer than high risk's (not due), and shorter than low's (overdue).
    r.rso("OWN_LONG", manager_id="A", risk_level="high", visit_interval_months=6,
          visit_interval_reason=REASON)
    r.visit("OWN_LONG", date(2017, 5, 1))
    r.rso("OWN_SHORT", manager_id="A", risk_level="low", visit_interval_months=1,
          visit_interval_reason=REASON)
    r.visit("OWN_SHORT", date(2017, 8, 15))
    # No visits prescribed: reactive management, custody.
    r.rso("REACTIVE", manager_id="A", risk_level="low", management="reactive")
    r.visit("REACTIVE", date(2015, 1, 1))
    r.rso("CUSTODY", manager_id="A", risk_level="high", status="custody")
    # Released after a visit long ago: the old visit does not count; first visit due.
    r.rso("RELEASED", manager_id="A", risk_level="high", community_since=date(2017, 9, 20))
    r.visit("RELEASED", date(2012, 3, 1))
    # A visit after the as-at date is ignored as at it.
    r.rso("LATER", manager_id="A", risk_level="high")
    r.visit("LATER", date(2017, 6, 2))
    r.visit("LATER", date(2017, 10, 20))
    # Data quality: no risk level in the community; paper records.
    r.rso("NO_RISK", manager_id="A", risk_level=None)
    r.visit("NO_RISK", date(2017, 9, 1))
    r.rso("NO_RISK_CUSTODY", manager_id="A", risk_level=None, status="custody")
    r.rso("PAPER", manager_id="A", risk_level="low", paper_records_only=True)
    r.visit("PAPER", date(2017, 9, 1))
    return r


@pytest.fixture(scope="module")
def engine(register, tmp_path_factory):
    return register.write(tmp_path_factory.mktemp("visits") / "v.sqlite3")


@pytest.fixture(scope="module")
def figures(engine):
    return compute_figures(full_snapshot(engine, AS_AT))


@pytest.fixture(scope="module")
def rsos(figures):
    return figures.rsos.set_index("rso_id")


def test_never_visited_inside_the_allowance_is_due_soon_not_overdue(rsos):
    row = rsos.loc["NEVER_IN"]
    assert row["next_visit_due"] == pd.Timestamp(2017, 10, 17)
    assert not row["visit_overdue"] and row["days_overdue"] == 0
    assert row["visit_due_soon"] and row["days_to_due"] == 8


def test_never_visited_outside_the_allowance_is_overdue_with_why(rsos):
    row = rsos.loc["NEVER_OUT"]
    assert row["next_visit_due"] == pd.Timestamp(2017, 9, 29)
    assert row["flag_visit_overdue"] and row["days_overdue"] == 10
    assert row["why_visit_overdue"] == (
        "Never visited since entering the community on 01/09/2017: first visit was due "
        "29/09/2017 (within 28 days): 10 days overdue")


def test_community_since_defaults_to_registration(rsos):
    row = rsos.loc["NEVER_REG"]
    assert row["entered_on"] == pd.Timestamp(2017, 9, 1)
    assert row["days_overdue"] == 10


def test_last_visit_exactly_on_the_due_date_is_not_overdue(rsos):
    row = rsos.loc["ON_DUE"]
    assert row["next_visit_due"] == pd.Timestamp(2017, 10, 9)
    assert not row["flag_visit_overdue"] and row["days_overdue"] == 0
    assert row["visit_due_soon"] and row["days_to_due"] == 0


def test_overdue_why_names_the_date_risk_interval_and_days(rsos):
    row = rsos.loc["OVERDUE"]
    assert row["days_overdue"] == 37
    assert row["why_visit_overdue"] == (
        "Next visit was due 02/09/2017 (high risk, every 3 months): 37 days overdue")


def test_calendar_months_clip_to_the_month_end(rsos):
    row = rsos.loc["MONTH_END"]
    assert row["next_visit_due"] == pd.Timestamp(2017, 9, 30)
    assert row["days_overdue"] == 9
    assert "(very high risk, every 1 month)" in row["why_visit_overdue"]


def test_no_access_visit_does_not_count_as_completed(rsos):
    row = rsos.loc["NO_ACCESS"]
    assert row["last_visit_on"] == pd.Timestamp(2017, 3, 1)
    assert row["last_attempt_on"] == pd.Timestamp(2017, 9, 20)
    assert row["next_visit_due"] == pd.Timestamp(2017, 9, 1)
    assert row["flag_visit_overdue"] and row["days_overdue"] == 38
    assert row["failed_attempts"] == 1 and not row["flag_warrant_consideration"]


def test_two_failed_attempts_in_a_row_flag_a_warrant(rsos):
    row = rsos.loc["WARRANT"]
    assert row["failed_attempts"] == 2
    assert row["flag_warrant_consideration"]
    assert row["why_warrant_consideration"] == (
        "2 no-access visits in a row (latest 01/09/2017) since the last completed visit on "
        "15/01/2017: consider a warrant of entry (SOA 2003 s.96B; 2 or more)")
    assert not row["flag_visit_overdue"]


def test_a_completed_visit_breaks_the_run_of_failed_attempts(rsos):
    assert rsos.loc["SPLIT", "failed_attempts"] == 1
    assert not rsos.loc["SPLIT", "flag_warrant_consideration"]


def test_failed_attempts_with_no_completed_visit_ever(rsos):
    row = rsos.loc["NEVER_IN_TWICE"]
    assert row["failed_attempts"] == 2 and row["flag_warrant_consideration"]
    assert "and no completed visit" in row["why_warrant_consideration"]
    assert pd.isna(row["last_visit_on"])


def test_lone_visit(rsos):
    row = rsos.loc["LONE"]
    assert row["flag_lone_visit"]
    assert row["why_lone_visit"] == (
        "Latest completed visit on 01/08/2017 made by 1 officer: home visits need 2")
    assert not rsos.loc["LONE_BEFORE", "flag_lone_visit"]
    assert not rsos.loc["OVERDUE", "flag_lone_visit"]


def test_rso_specific_interval_overrides_the_risk_level(rsos):
    long = rsos.loc["OWN_LONG"]
    assert long["interval_months"] == 6 and long["interval_source"] == "own"
    assert long["next_visit_due"] == pd.Timestamp(2017, 11, 1)
    assert not long["flag_visit_overdue"]
    short = rsos.loc["OWN_SHORT"]
    assert short["next_visit_due"] == pd.Timestamp(2017, 9, 15)
    assert short["why_visit_overdue"] == (
        f"Next visit was due 15/09/2017 (own interval, every 1 month: {REASON}): "
        "24 days overdue")


def test_reactive_and_custody_have_no_visit_due_but_keep_their_last_visit(rsos):
    reactive = rsos.loc["REACTIVE"]
    assert pd.isna(reactive["next_visit_due"]) and not reactive["flag_visit_overdue"]
    assert reactive["last_visit_on"] == pd.Timestamp(2015, 1, 1)
    assert not rsos.loc["CUSTODY", "visits_prescribed"]
    assert pd.isna(rsos.loc["CUSTODY", "next_visit_due"])


def test_visit_before_entering_the_community_does_not_count(rsos):
    row = rsos.loc["RELEASED"]
    assert not row["visited_since_entry"]
    assert row["next_visit_due"] == pd.Timestamp(2017, 10, 18)
    assert not row["flag_visit_overdue"]


def test_visits_after_the_as_at_date_are_ignored(engine, rsos):
    assert rsos.loc["LATER", "days_overdue"] == 37
    later = compute_figures(full_snapshot(engine, date(2017, 10, 25))).rsos.set_index("rso_id")
    assert later.loc["LATER", "last_visit_on"] == pd.Timestamp(2017, 10, 20)
    assert not later.loc["LATER", "flag_visit_overdue"]


def test_data_quality_flags(rsos):
    assert rsos.loc["NO_RISK", "flag_no_risk_level"]
    assert rsos.loc["NO_RISK", "why_no_risk_level"].startswith("No risk level recorded")
    assert pd.isna(rsos.loc["NO_RISK", "next_visit_due"])  # no interval to compute it with
    assert not rsos.loc["NO_RISK_CUSTODY", "flag_no_risk_level"]
    assert rsos.loc["PAPER", "flag_paper_records_only"]
    assert rsos.loc["PAPER", "why_paper_records_only"] == (
        "Details kept only on paper, not in the system")


def test_group_and_manager_figures_count_the_same_rsos(figures, rsos):
    overdue = rsos[rsos["flag_visit_overdue"]]
    expected = {"NEVER_OUT", "NEVER_REG", "OVERDUE", "MONTH_END", "NO_ACCESS", "OWN_SHORT",
                "LATER", "NEVER_IN_TWICE"}
    assert set(overdue.index) == expected
    force = figures.force.iloc[0]
    assert force["visits_overdue"] == len(expected)
    assert force["max_days_overdue"] == 38
    due_soon = set(rsos.index[rsos["visit_due_soon"]])
    assert {"NEVER_IN", "ON_DUE", "RELEASED"} <= due_soon
    assert force["visits_due"] == len(due_soon)
    manager = figures.managers.set_index("manager_id").loc["A"]
    assert manager["visits_overdue"] == len(expected)
    assert manager["max_days_overdue"] == 38
    team = figures.teams.set_index("team").loc["East 1"]
    assert team["visits_overdue"] == len(expected)


def test_policy_values_drive_the_rules(tmp_path):
    r = Register()
    r.manager("A")
    r.rso("X", manager_id="A", risk_level="high")
    r.visit("X", date(2017, 6, 2))
    r.policy["visit_interval_high_months"] = 4
    engine = r.write(tmp_path / "p.sqlite3")
    row = compute_figures(full_snapshot(engine, AS_AT)).rsos.iloc[0]
    assert row["next_visit_due"] == pd.Timestamp(2017, 10, 2)
    assert row["why_visit_overdue"] == (
        "Next visit was due 02/10/2017 (high risk, every 4 months): 7 days overdue")


def test_plain_load_snapshot_carries_the_history_too(engine):
    snapshot = load_snapshot(engine, AS_AT)
    assert {"visits", "orders", "decisions"} <= set(snapshot.extra)
    assert load_snapshot(engine, AS_AT, loaders={}).extra == {}
