"""Trigger-event clocks (rule 14) at their boundaries, as the figures and the report show them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from builders import Register, as_user

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.clocks import REFERRAL, VISIT, clock_summary
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.operations import record_event, record_referral, record_visit

EVENT_ON = date(2017, 9, 1)
TODAY = date(2017, 12, 31)
USER = as_user("DS Clock")


@pytest.fixture
def engine(tmp_path):
    r = Register()
    r.manager("A", team="East 1")
    r.rso("R1", manager_id="A", risk_level="high")
    r.visit("R1", date(2017, 8, 30))  # before the event: stops no clock
    return r.write(tmp_path / "clocks.sqlite3")


def figures_at(engine, as_at: date):
    return compute_figures(full_snapshot(engine, as_at))


def clock(figures, kind: str) -> dict:
    rows = figures.clocks[figures.clocks["clock"] == kind]
    assert len(rows) == 1
    return rows.iloc[0].to_dict()


def rso(figures) -> dict:
    return figures.rsos.set_index("rso_id").loc["R1"].to_dict()


def test_a_visit_before_the_event_does_not_stop_the_clock(engine):
    record_event(engine, "R1", "concern", EVENT_ON, USER, today=TODAY)
    on_day_7 = figures_at(engine, EVENT_ON + timedelta(days=7))
    assert clock(on_day_7, VISIT)["open"] and clock(on_day_7, VISIT)["days_left"] == 0
    assert not rso(on_day_7)["flag_trigger_visit_overdue"]
    on_day_8 = figures_at(engine, EVENT_ON + timedelta(days=8))
    late = clock(on_day_8, VISIT)
    assert late["open"] and late["overdue"] and late["days_overdue"] == 1
    row = rso(on_day_8)
    assert row["flag_trigger_visit_overdue"] and row["triggers_overdue"] == 1
    assert row["why_trigger_visit_overdue"] == (
        "New intelligence or concern on 01/09/2017: no completed home visit since; due by "
        "08/09/2017 (within 7 days), 1 day overdue")
    assert on_day_8.managers.set_index("manager_id").loc["A", "triggers_overdue"] == 1


@pytest.mark.parametrize(("day", "within"), [(0, True), (7, True), (8, False)])
def test_a_visit_on_day_7_is_within_target_and_day_8_is_not(engine, day, within):
    record_event(engine, "R1", "disclosure_enquiry", EVENT_ON, USER, today=TODAY)
    record_visit(engine, "R1", EVENT_ON + timedelta(days=day), "completed", 2, USER, today=TODAY)
    figures = figures_at(engine, TODAY)
    stopped = clock(figures, VISIT)
    assert not stopped["open"] and stopped["days_taken"] == day
    assert stopped["within_target"] is within
    assert rso(figures)["triggers_open"] == 0 and not rso(figures)["flag_trigger_visit_overdue"]
    summary = clock_summary(figures.clocks, figures.policy)
    assert summary[VISIT]["median_days"] == day
    assert summary[VISIT]["share_within_target"] == (1.0 if within else 0.0)


def test_a_no_access_visit_does_not_stop_the_clock(engine):
    record_event(engine, "R1", "arrest", EVENT_ON, USER, today=TODAY)
    record_visit(engine, "R1", EVENT_ON + timedelta(days=2), "no_access", 2, USER, today=TODAY)
    assert clock(figures_at(engine, TODAY), VISIT)["open"]


def test_no_referral_clock_without_a_child_at_risk(engine):
    record_event(engine, "R1", "new_household", EVENT_ON, USER, today=TODAY)
    figures = figures_at(engine, TODAY)
    assert list(figures.clocks["clock"]) == [VISIT]
    assert not rso(figures)["flag_referral_overdue"]


def test_a_referral_on_the_event_day_stops_the_referral_clock(engine):
    record_event(engine, "R1", "new_household", EVENT_ON, USER, child_at_risk=True, today=TODAY)
    record_referral(engine, "R1", EVENT_ON, USER, today=TODAY)
    figures = figures_at(engine, TODAY)
    referral = clock(figures, REFERRAL)
    assert not referral["open"] and referral["days_taken"] == 0 and referral["within_target"]
    assert not rso(figures)["flag_referral_overdue"]
    assert rso(figures)["flag_trigger_visit_overdue"]  # the visit clock still runs


def test_a_referral_before_the_event_does_not_stop_it(engine):
    record_referral(engine, "R1", EVENT_ON - timedelta(days=1), USER, today=TODAY)
    record_event(engine, "R1", "disclosure_enquiry", EVENT_ON, USER, child_at_risk=True,
                 today=TODAY)
    day_1 = figures_at(engine, EVENT_ON + timedelta(days=1))
    assert clock(day_1, REFERRAL)["open"] and not rso(day_1)["flag_referral_overdue"]
    day_2 = figures_at(engine, EVENT_ON + timedelta(days=2))
    assert rso(day_2)["flag_referral_overdue"]
    assert rso(day_2)["why_referral_overdue"] == (
        "Child sex offender disclosure scheme enquiry on 01/09/2017 (a child may be at risk): "
        "no referral to children's social care since; due by 02/09/2017 (within 1 day), "
        "1 day overdue")
    assert rso(day_2)["triggers_open"] == 2 and rso(day_2)["triggers_overdue"] == 1


def test_an_event_after_the_as_at_date_starts_nothing_then(engine):
    record_event(engine, "R1", "concern", EVENT_ON, USER, today=TODAY)
    before = figures_at(engine, EVENT_ON - timedelta(days=1))
    assert before.clocks.empty and rso(before)["triggers_open"] == 0


def test_report_json_carries_the_flags_and_the_counts(engine):
    record_event(engine, "R1", "concern", EVENT_ON, USER, child_at_risk=True, today=TODAY)
    report = build_report(figures_at(engine, TODAY))
    for group in (report["force"], *report["bcus"], *report["teams"], *report["managers"]):
        assert (group["triggers_open"], group["triggers_overdue"]) == (2, 2)
    (entry,) = report["rsos"]
    ours = {f: w for f, w in zip(entry["flags"], entry["why"], strict=True)
            if f in ("trigger_visit_overdue", "referral_overdue")}
    assert list(ours) == ["trigger_visit_overdue", "referral_overdue"]
    assert ours["referral_overdue"].startswith("New intelligence or concern on 01/09/2017 (a "
                                               "child may be at risk): no referral")
