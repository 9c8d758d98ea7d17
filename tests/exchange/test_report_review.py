"""REPORT-JSON.md: every key of the contract, in its order, with nulls where nothing is under a
share, and the review figures (visits, ARMS, reactive, orders) agreeing with the per-RSO list."""

from __future__ import annotations

import json
import time
from datetime import date

import numpy as np
import pytest
from builders import AS_AT, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.report import build_report, rso_objects

# The contract (REPORT-JSON.md), written out: a renamed or missing key fails here.
TOP = ["marking", "as_at", "policy", "force", "bcus", "teams", "managers", "rsos"]
GROUP = [
    "rsos", "community", "custody", "abroad", "missing", "low", "medium", "high", "very_high",
    "high_risk_share", "offender_managers", "fte", "per_fte", "pooled", "arms_eligible",
    "arms_current", "arms_completion", "active", "reactive", "reactive_eligible",
    "reactive_review", "visits_due", "visits_overdue", "max_days_overdue", "orders_in_force",
    "triggers_open", "triggers_overdue",
    "qa_reviewed", "qa_coverage", "qa_good", "qa_requires_improvement", "qa_inadequate",
    "renotifications_overdue", "notification_reviews_due", "notifications_ending",
    "workload_points", "workload_capacity", "workload_grade",
]
MANAGER = ["manager_id", "name", "bcu", "team", "fte", "caseload", "per_fte", "high",
           "very_high", "high_risk_share", "visits_overdue", "max_days_overdue",
           "arms_completion", "triggers_open", "triggers_overdue", "renotifications_overdue",
           "notification_reviews_due", "notifications_ending", "workload_points",
           "workload_capacity", "workload_grade", "flags", "why"]
RSO = ["rso_id", "manager_id", "bcu", "team", "status", "risk_level", "management",
       "next_visit_due", "days_overdue", "arms_due", "reactive_eligible", "flags", "why"]
RSO_FLAG_ORDER = ["no_named_manager", "visit_overdue", "arms_due", "reactive_eligible",
                  "reactive_review", "order_ending", "lone_visit", "warrant_consideration",
                  "no_risk_level", "paper_records_only"]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    r = Register()
    r.manager("A")
    r.manager("S", role="supervisor")
    r.manager("W", bcu="West", team="West 1")
    # Every RSO flag at once on one RSO, in a pool (no named manager).
    r.rso("ALL", team="East 1", risk_level="high", management="reactive",
          paper_records_only=True)
    r.visit("ALL", date(2017, 1, 1), officers=1)
    r.visit("ALL", date(2017, 8, 1), outcome="no_access")
    r.visit("ALL", date(2017, 9, 1), outcome="no_access")
    r.order("ALL", date(2015, 1, 1), date(2017, 11, 1))
    r.rso("CANDIDATE", manager_id="A", risk_level="low")
    r.assessment("CANDIDATE", date(2017, 3, 1))
    r.visit("CANDIDATE", date(2017, 9, 1))
    r.rso("NO_RISK", manager_id="A", risk_level=None)
    r.rso("AWAY", manager_id="W", bcu="West", status="abroad")
    r.order("AWAY", date(2016, 1, 1))
    return r.write(tmp_path_factory.mktemp("report") / "r.sqlite3")


@pytest.fixture(scope="module")
def report(engine):
    return build_report(compute_figures(full_snapshot(engine, AS_AT)))


def test_every_key_in_order(report):
    assert list(report) == TOP
    assert report["as_at"] == "2017-10-09"
    assert list(report["force"]) == GROUP
    for bcu in report["bcus"]:
        assert list(bcu) == ["name", *GROUP]
    for team in report["teams"]:
        assert list(team) == ["name", "bcu", *GROUP]
    for manager in report["managers"]:
        assert list(manager) == MANAGER
    for rso in report["rsos"]:
        assert list(rso) == RSO
    assert set(report["policy"]) >= {"caseload_limit_per_fte", "first_visit_allowance_days",
                                     "order_review_window_days", "reactive_concern_free_years"}


def test_the_report_is_plain_json(report):
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report


def test_shares_with_nothing_under_them_are_null(report):
    west = next(b for b in report["bcus"] if b["name"] == "West")
    assert west["community"] == 0 and west["abroad"] == 1
    assert west["high_risk_share"] is None and west["arms_completion"] is None
    assert west["max_days_overdue"] == 0
    abroad_only = next(m for m in report["managers"] if m["manager_id"] == "W")
    assert abroad_only["caseload"] == 0
    assert abroad_only["high_risk_share"] is None and abroad_only["arms_completion"] is None
    assert abroad_only["visits_overdue"] == 0 and abroad_only["max_days_overdue"] == 0


def test_rsos_list_every_rso_with_flags_in_contract_order(report):
    rsos = {r["rso_id"]: r for r in report["rsos"]}
    assert list(rsos) == sorted(rsos) == ["ALL", "AWAY", "CANDIDATE", "NO_RISK"]
    assert report["force"]["rsos"] == len(rsos)
    every = rsos["ALL"]
    assert every["flags"] == ["no_named_manager", "arms_due", "reactive_review", "order_ending",
                              "lone_visit", "warrant_consideration", "paper_records_only"]
    assert [f for f in RSO_FLAG_ORDER if f in every["flags"]] == every["flags"]
    assert len(every["why"]) == len(every["flags"]) and all(every["why"])
    assert every["manager_id"] is None and every["team"] == "East 1"
    assert every["management"] == "reactive" and every["next_visit_due"] is None
    assert every["days_overdue"] == 0  # reactive: no visit prescribed (and under review)
    candidate = rsos["CANDIDATE"]
    assert candidate["flags"] == ["reactive_eligible"] and candidate["reactive_eligible"] is True
    assert candidate["next_visit_due"] == "2018-09-01" and candidate["arms_due"] is False
    no_risk = rsos["NO_RISK"]
    assert no_risk["risk_level"] is None
    assert no_risk["flags"] == ["visit_overdue", "arms_due", "no_risk_level"]
    assert no_risk["why"][0].startswith("Never visited since entering the community on 01/01/2010")


def test_review_counts_agree_with_the_rsos(report):
    force = report["force"]
    rsos = report["rsos"]
    assert force["visits_overdue"] == sum("visit_overdue" in r["flags"] for r in rsos) == 1
    assert force["max_days_overdue"] == max(r["days_overdue"] for r in rsos)
    assert force["reactive_eligible"] == 1 and force["reactive"] == 1
    assert force["reactive_review"] == 1  # ALL: high risk, an order in force, and more
    assert force["orders_in_force"] == 2  # the abroad RSO's order counts too
    assert force["arms_eligible"] == 3 and force["arms_current"] == 1
    assert force["arms_completion"] == pytest.approx(1 / 3)
    assert force["visits_due"] == 0
    east = next(b for b in report["bcus"] if b["name"] == "East")
    west = next(b for b in report["bcus"] if b["name"] == "West")
    assert east["orders_in_force"] + west["orders_in_force"] == force["orders_in_force"]


def test_an_earlier_as_at_date_gives_the_figures_as_they_stood(engine):
    earlier = build_report(compute_figures(full_snapshot(engine, date(2017, 8, 15))))
    rsos = {r["rso_id"]: r for r in earlier["rsos"]}
    assert earlier["as_at"] == "2017-08-15"
    assert "warrant_consideration" not in rsos["ALL"]["flags"]  # one failed attempt by then
    assert "order_ending" in rsos["ALL"]["flags"]  # 78 days left then
    assert "(in 78 days)" in rsos["ALL"]["why"][rsos["ALL"]["flags"].index("order_ending")]
    assert rsos["CANDIDATE"]["flags"] == ["visit_overdue", "reactive_eligible"]


def test_a_national_sized_rso_list_serialises_quickly(engine):
    figures = compute_figures(full_snapshot(engine, AS_AT))
    one = figures.rsos[figures.rsos["rso_id"] == "ALL"]
    big = one.loc[one.index.repeat(100_000)].reset_index(drop=True)
    big["rso_id"] = np.char.add("R", np.arange(len(big)).astype(str)).astype(object)
    started = time.process_time()
    objects = rso_objects(type(figures)(**{**figures.__dict__, "rsos": big}))
    assert len(objects) == 100_000 and objects[0]["flags"][0] == "no_named_manager"
    # About a second on an idle laptop; the bound only catches a per-row slide (minutes).
    assert time.process_time() - started < 10
