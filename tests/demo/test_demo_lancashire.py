"""The Lancashire 2017 demo reproduces HMICFRS's figures exactly, through what the user sees,
and is realistic enough for every rule to have something to show."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest
from builders import signed_in_engine
from conftest import LANCASHIRE_AS_AT, report_of
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.demo.build import build_demo
from ncpi_desktop.demo.names import FAMILY_NAMES
from ncpi_desktop.domain.policy import Policy

POLICY = Policy()


def frame(engine, sql: str) -> pd.DataFrame:
    with engine.connect() as connection:
        result = connection.execute(text(sql))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


# --- the inspection's figures, exactly ------------------------------------------------------

def test_force_figures_are_the_inspections(lancashire_report):
    force = lancashire_report["force"]
    assert lancashire_report["as_at"] == "2017-10-09"
    assert force["rsos"] == 2742
    assert force["community"] == 2101
    assert force["custody"] + force["abroad"] + force["missing"] == 2742 - 2101
    assert force["high"] == 321
    assert force["very_high"] == 5
    assert force["reactive"] == 12
    assert force["offender_managers"] == 31
    assert force["arms_completion"] == pytest.approx(0.70, abs=0.005)
    assert force["arms_current"] / force["arms_eligible"] == force["arms_completion"]


def test_force_ratio_is_about_68_per_fte(lancashire_report):
    force = lancashire_report["force"]
    assert force["per_fte"] == force["community"] / force["fte"]
    assert round(force["per_fte"]) == 68
    assert force["fte"] < force["offender_managers"]  # some are part-time


def test_three_bcus_of_several_teams(lancashire_report):
    assert sorted(b["name"] for b in lancashire_report["bcus"]) == ["East", "South", "West"]
    teams = pd.DataFrame(lancashire_report["teams"])
    per_bcu = teams.groupby("bcu")["name"].nunique()
    assert (per_bcu >= 2).all()
    assert all(name.startswith(bcu + " ") for name, bcu in zip(teams["name"], teams["bcu"],
                                                                strict=True))
    assert sum(b["community"] for b in lancashire_report["bcus"]) == 2101


def test_the_command_line_prints_the_same_figures(lancashire_path, lancashire_report, capsys):
    assert main(["report", "--db", str(lancashire_path), "--as-at", "2017-10-09", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    keys = ["rsos", "community", "high", "very_high", "reactive", "offender_managers", "fte",
            "per_fte", "pooled", "arms_eligible", "arms_current", "arms_completion"]
    assert {k: printed["force"][k] for k in keys} == {
        k: lancashire_report["force"][k] for k in keys}


# --- the spreads the inspectors could not see -----------------------------------------------

def test_managers_spread_both_sides_of_the_caseload_limit(lancashire_report):
    oms = pd.DataFrame(lancashire_report["managers"])
    oms = oms[oms["caseload"] > 0]
    limit = POLICY.caseload_limit_per_fte
    assert (oms["per_fte"] > limit).sum() >= 10
    assert (oms["per_fte"] < limit).sum() >= 2
    assert oms["per_fte"].min() < 0.8 * limit
    assert oms["per_fte"].max() > 1.7 * limit
    flagged = oms[oms["flags"].map(lambda f: "caseload_over_limit" in f)]
    assert len(flagged) == (oms["per_fte"] > limit).sum()


def test_one_manager_holds_a_disproportionate_share_of_high_risk(lancashire_report):
    oms = pd.DataFrame(lancashire_report["managers"])
    oms = oms[oms["caseload"] > 0]
    assert (oms["high_risk_share"] > POLICY.high_risk_share_limit).sum() >= 1
    top = oms.sort_values("high_risk_share").iloc[-1]
    assert top["high_risk_share"] >= 0.35
    assert top["very_high"] >= 1
    assert "high_risk_share_over_limit" in top["flags"]
    assert (oms["high_risk_share"] < POLICY.high_risk_share_limit).sum() >= 20


def test_part_of_west_is_pooled_with_no_named_manager(lancashire_report):
    assert lancashire_report["force"]["pooled"] > 0
    west = next(b for b in lancashire_report["bcus"] if b["name"] == "West")
    assert 60 <= west["pooled"] <= 100
    pooled_teams = [t for t in lancashire_report["teams"] if t["pooled"]]
    assert all(t["bcu"] == "West" for t in pooled_teams)


def test_part_time_managers_a_supervisor_per_bcu_and_a_leaver(lancashire, lancashire_report):
    managers = frame(lancashire, "SELECT * FROM manager")
    oms = managers[(managers["role"] == "offender_manager") & managers["active"].astype(bool)]
    assert len(oms) == 31
    assert (oms["fte"] < 1).sum() >= 2
    supervisors = managers[managers["role"] == "supervisor"]
    assert sorted(supervisors["bcu"]) == ["East", "South", "West"]
    leavers = managers[~managers["active"].astype(bool)]
    assert len(leavers) == 1
    held = {m["manager_id"]: m["caseload"] for m in lancashire_report["managers"]}
    assert all(held.get(s, 0) == 0 for s in supervisors["manager_id"])
    assert leavers["manager_id"].iloc[0] not in held  # not an active manager: not listed
    rsos = frame(lancashire, "SELECT manager_id FROM rso")
    assert not rsos["manager_id"].isin(leavers["manager_id"]).any()
    # The leaver held RSOs before leaving: the allocation history says so.
    history = frame(lancashire, "SELECT * FROM allocation")
    theirs = history[history["manager_id"].isin(leavers["manager_id"])]
    assert len(theirs) > 0 and theirs["ends_on"].notna().all()


# --- people, histories and the rules they exercise ------------------------------------------

@pytest.fixture(scope="module")
def rsos(lancashire) -> pd.DataFrame:
    return frame(lancashire, "SELECT * FROM rso")


def test_some_rsos_are_not_arms_eligible_women_and_under_18s(rsos, lancashire_report):
    community = rsos[rsos["status"] == "community"]
    born = pd.to_datetime(community["date_of_birth"])
    as_at = pd.Timestamp(LANCASHIRE_AS_AT)
    under_18 = born > as_at - pd.DateOffset(years=POLICY.arms_adult_age_years)
    assert (community["sex"] == "female").sum() >= 10
    assert under_18.sum() >= 5
    adult_men = ((community["sex"] == "male") & ~under_18).sum()
    assert lancashire_report["force"]["arms_eligible"] == adult_men


def test_realistic_names_places_dates_and_flags(rsos):
    assert rsos["family_name"].isin(FAMILY_NAMES).all()
    assert rsos["family_name"].nunique() > 50 and rsos["given_names"].nunique() > 80
    assert rsos.groupby("bcu")["neighbourhood"].nunique().min() >= 8
    registered = pd.to_datetime(rsos["registered_on"])
    assert registered.min() < pd.Timestamp("2000-01-01")
    assert registered.dt.year.nunique() >= 15
    assert rsos["visit_interval_months"].notna().sum() >= 20
    own = rsos[rsos["visit_interval_months"].notna()]
    assert own["visit_interval_reason"].notna().all()
    assert rsos["last_concern_on"].notna().sum() > 100
    assert 3 <= rsos["paper_records_only"].astype(bool).sum() <= 15
    # Notification: indefinite, or ending after the as-at date.
    indefinite = rsos["notification_indefinite"].astype(bool)
    ends = pd.to_datetime(rsos["notification_ends"])
    assert (indefinite != ends.notna()).all()
    assert (ends.dropna() > pd.Timestamp(LANCASHIRE_AS_AT)).all()
    assert indefinite.mean() > 0.3


def test_nothing_recorded_after_the_as_at_date(lancashire):
    as_at = LANCASHIRE_AS_AT.isoformat()
    for table, column in [("rso", "registered_on"), ("rso", "community_since"),
                          ("rso", "last_concern_on"), ("rso", "date_of_birth"),
                          ("visit", "visited_on"), ("arms", "completed_on"),
                          ("civil_order", "starts_on"), ("allocation", "starts_on"),
                          ("allocation", "ends_on"), ("management_decision", "decided_on")]:
        latest = frame(lancashire, f"SELECT MAX({column}) AS m FROM {table}")["m"].iloc[0]
        assert latest <= as_at, (table, column)


def test_the_twelve_reactive_rsos_meet_every_criterion(lancashire, rsos):
    reactive = rsos[rsos["management"] == "reactive"]
    assert len(reactive) == 12
    assert (reactive["status"] == "community").all()
    assert (reactive["risk_level"] == "low").all()
    as_at = pd.Timestamp(LANCASHIRE_AS_AT)
    clear_since = as_at - pd.DateOffset(years=POLICY.reactive_concern_free_years)
    for column in ("registered_on", "community_since", "last_concern_on"):
        assert (pd.to_datetime(reactive[column]).dropna() <= clear_since).all(), column
    ids = "', '".join(reactive["rso_id"])
    arms = frame(lancashire, f"SELECT * FROM arms WHERE rso_id IN ('{ids}')")
    latest = arms.sort_values("completed_on").drop_duplicates("rso_id", keep="last")
    assert len(latest) == 12 and (latest["outcome"] == "low").all()
    oldest_current = as_at - pd.DateOffset(months=POLICY.arms_max_age_months)
    assert (pd.to_datetime(latest["completed_on"]) >= oldest_current).all()
    orders = frame(lancashire, f"SELECT * FROM civil_order WHERE rso_id IN ('{ids}')")
    assert orders.empty
    decisions = frame(lancashire, f"SELECT * FROM management_decision WHERE rso_id IN ('{ids}')")
    reactive_decisions = decisions[decisions["mode"] == "reactive"]
    assert sorted(reactive_decisions["rso_id"]) == sorted(reactive["rso_id"])
    assert reactive_decisions["reason"].str.len().gt(0).all()
    assert reactive_decisions["decided_by"].notna().all()


def test_visit_histories_with_overdue_no_access_and_lone_visits(lancashire, rsos):
    visits = frame(lancashire, "SELECT * FROM visit ORDER BY rso_id, visited_on")
    assert len(visits) > 5 * 2101 / 2
    assert set(visits["outcome"]) == {"completed", "no_access"}
    assert (visits["officers"] == 2).mean() > 0.95
    # Latest completed visit per RSO made by one officer: a lone visit.
    completed = visits[visits["outcome"] == "completed"]
    latest = completed.drop_duplicates("rso_id", keep="last").set_index("rso_id")
    assert (latest["officers"] == 1).sum() >= 5
    # Two or more failed attempts since the last completed visit.
    after = visits.join(latest["visited_on"].rename("last_completed"), on="rso_id")
    failed_since = after[(after["outcome"] == "no_access")
                         & (after["visited_on"] > after["last_completed"])]
    assert (failed_since.groupby("rso_id").size() >= POLICY.warrant_after_failed_visits).sum() >= 5
    # Overdue at the as-at date, by the RSO's risk interval (own interval first).
    community = rsos[(rsos["status"] == "community") & (rsos["management"] == "active")]
    community = community.set_index("rso_id")
    months = community["visit_interval_months"].fillna(
        community["risk_level"].map(POLICY.visit_intervals()))
    last = pd.to_datetime(latest["visited_on"].reindex(community.index))
    due = pd.Series([d + pd.DateOffset(months=int(m)) if pd.notna(d) else pd.NaT
                     for d, m in zip(last, months, strict=True)], index=community.index)
    overdue = due < pd.Timestamp(LANCASHIRE_AS_AT)
    assert 0.03 < overdue.mean() < 0.2
    assert (community.index.isin(latest.index)).mean() > 0.95


def test_arms_history_and_civil_orders(lancashire):
    arms = frame(lancashire, "SELECT * FROM arms")
    assert set(arms["outcome"]) == {"low", "medium", "high"}
    assert arms.groupby("rso_id").size().max() >= 2
    assert not arms.duplicated(["rso_id", "completed_on"]).any()
    orders = frame(lancashire, "SELECT * FROM civil_order")
    assert {"SHPO", "SOPO", "SRO"} <= set(orders["type"])
    assert orders["ends_on"].isna().any()
    ends = pd.to_datetime(orders["ends_on"])
    as_at = pd.Timestamp(LANCASHIRE_AS_AT)
    window = as_at + pd.Timedelta(days=POLICY.order_review_window_days)
    assert ((ends > as_at) & (ends <= window)).sum() >= 5
    assert (ends.dropna() > pd.to_datetime(orders["starts_on"])[ends.notna()]).all()
    shpo = orders[orders["type"] == "SHPO"]
    assert (pd.to_datetime(shpo["starts_on"]) >= pd.Timestamp("2015-03-08")).all()


def test_allocation_history_agrees_with_the_register(lancashire, rsos):
    allocations = frame(lancashire, "SELECT * FROM allocation")
    assert (allocations["reason"] == "demo").all() and (allocations["actor"] == "demo").all()
    current = allocations[allocations["ends_on"].isna()].set_index("rso_id")
    assert current.index.is_unique
    held = rsos[rsos["manager_id"].notna() | rsos["team"].notna()].set_index("rso_id")
    assert set(current.index) == set(held.index)
    named = held[held["manager_id"].notna()]
    assert (current.loc[named.index, "manager_id"] == named["manager_id"]).all()
    pooled = held[held["manager_id"].isna()]
    assert (current.loc[pooled.index, "team"] == pooled["team"]).all()
    assert (current["starts_on"] >= held["registered_on"].reindex(current.index)).all()


def test_the_build_is_audited(lancashire):
    # (other tests' reports on this database add disclosure and access rows)
    audit = frame(lancashire, "SELECT * FROM audit WHERE operation = 'build demo'")
    assert len(audit) == 1
    assert audit["actor"].iloc[0] == "admin"
    detail = json.loads(audit["detail"].iloc[0])
    assert detail["after"]["profile"] == "lancashire-2017"


def test_a_year_earlier_arms_completion_was_about_18_percent(lancashire):
    earlier = report_of(lancashire, date(2016, 10, 9))
    assert earlier["force"]["arms_completion"] == pytest.approx(0.18, abs=0.02)


# --- determinism ----------------------------------------------------------------------------

def test_two_builds_are_identical(tmp_path, lancashire, lancashire_report):
    path = tmp_path / "again.sqlite3"
    progress: list[tuple[int, int, str]] = []
    counts = build_demo(path, "lancashire-2017", lambda *step: progress.append(step))
    engine = signed_in_engine(path)
    try:
        assert report_of(engine) == lancashire_report
        for table in ("manager", "rso", "allocation", "visit", "arms", "civil_order",
                      "management_decision"):
            first = frame(lancashire, f"SELECT * FROM {table} ORDER BY 1, 2")
            again = frame(engine, f"SELECT * FROM {table} ORDER BY 1, 2")
            pd.testing.assert_frame_equal(first, again, obj=table)
            assert counts[table] == len(again)
    finally:
        engine.dispose()
    assert counts["rso"] == 2742 and counts["audit"] == 1
    done = [step[0] for step in progress]
    assert done == sorted(done) and progress[-1][0] == progress[-1][1]


# --- the demo users (SECURITY.md, "Demo databases") ---------------------------------------------

def test_the_demo_holds_its_users_and_each_signs_in_with_the_demo_password(lancashire,
                                                                            lancashire_path):
    from ncpi_desktop.storage.users import sign_in, sign_out

    users = frame(lancashire, "SELECT user_name, roles, scope, manager_id FROM app_user")
    by_name = users.set_index("user_name")
    assert by_name.loc["admin", "roles"] == "administrator"
    assert by_name.loc["manager", ["roles", "scope"]].tolist() == ["manager", "force"]
    assert by_name.loc["analyst", "roles"] == "analyst"
    assert by_name.loc["supervisor.east", "scope"] == "bcu:East"
    assert by_name.loc["supervisor.east1", "scope"] == "team:East 1"
    serving = frame(lancashire, "SELECT manager_id FROM manager WHERE active AND "
                                "role = 'offender_manager'")["manager_id"]
    oms = users[users["roles"] == "offender_manager"]
    assert sorted(oms["user_name"]) == sorted(serving.str.lower())
    assert (oms["scope"] == "caseload:" + oms["manager_id"]).all()
    for name in ("admin", "supervisor.east1", "om009"):
        session = sign_in(lancashire_path, name, "demo-password")
        assert session.user.user_name == name
        sign_out(session)
