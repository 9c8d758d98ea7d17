"""The performance pack's content: the report's figures, the policy's values, ids not names."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pandas as pd
import pytest
from builders import AS_AT
from exchange.pack_register import FAMILY_NAMES, figures_at, pack_register, write_register

import ncpi_desktop.exchange.pack.building as pack_module
from ncpi_desktop.exchange.pack import Pack, build_pack, policy_line
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.formats import NOT_APPLICABLE, Kind, format_value

PRODUCED = datetime(2017, 10, 10, 8, 45)


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    return figures_at(write_register(tmp_path_factory.mktemp("pack") / "r.sqlite3"))


@pytest.fixture(scope="module")
def report(figures):
    return build_report(figures)


@pytest.fixture(scope="module")
def pack(figures) -> Pack:
    return build_pack(figures, produced_by="DSupt Rowe", produced_at=PRODUCED)


def test_the_pack_says_when_by_whom_and_as_at(pack):
    assert pack.as_at == AS_AT and pack.as_at_text == "09/10/2017"
    assert pack.produced_text == "Produced 10/10/2017 08:45 by DSupt Rowe"
    assert not pack.names
    assert pack.sections[0].key == "summary" and pack.sections[-1].key == "policy"


def test_the_group_tables_are_the_reports_objects(pack, report):
    bcus = pack.section("summary").tables[0].frame
    force_row = bcus.iloc[0]
    assert force_row["name"] == "Force" and bool(force_row["is_total"])
    for key, value in report["force"].items():
        assert force_row[key] == value or (value is None and force_row[key] is None), key
    assert bcus["name"].tolist()[1:] == [b["name"] for b in report["bcus"]]
    teams = pack.section("summary").tables[1].frame
    for row, team in zip(teams.to_dict("records"), report["teams"], strict=True):
        assert {k: row[k] for k in team} == team


def test_managers_above_a_limit_carry_the_reports_why(pack, report):
    flagged = {m["manager_id"]: m for m in report["managers"] if m["flags"]}
    table = pack.section("managers").tables[0].frame
    assert set(table["manager_id"]) == set(flagged) == {"OM001", "OM002"}
    for row in table.itertuples():
        assert row.why == "; ".join(flagged[row.manager_id]["why"])
        assert row.per_fte == flagged[row.manager_id]["per_fte"]
    assert table.loc[table["manager_id"] == "OM001", "over_per_fte"].item()
    assert table.loc[table["manager_id"] == "OM002", "over_share"].item()
    assert pack.section("managers").paragraphs[0].startswith(
        f"2 of {len(report['managers'])} managers are above a limit: 1 holds more than 50 "
        "community RSOs per FTE and 1 has a high-risk share above 20%")


def test_charts_draw_the_policy_limits(pack, figures):
    charts = {c.key: c for c in pack.section("managers").charts}
    per_fte, share = charts["per_fte"], charts["high_risk_share"]
    assert per_fte.line == figures.policy.caseload_limit_per_fte
    assert share.line == figures.policy.high_risk_share_limit and share.percent
    # Offender managers only (the supervisor holds no caseload), highest first.
    assert per_fte.labels == ("Alex Hart (OM001)", "Sam Lee (OM002)", "Jo Bell (OM003)")
    assert per_fte.values == (67.0, 20.0, 13.0) and per_fte.flagged == (True, False, False)
    assert share.labels[0] == "Sam Lee (OM002)" and share.flagged[0]
    arms = pack.section("arms").charts[0]
    assert arms.line == pytest.approx(pack.report["force"]["arms_completion"])


def test_a_changed_policy_changes_every_threshold_shown(tmp_path):
    register = pack_register()
    register.policy = {"caseload_limit_per_fte": 40, "high_risk_share_limit": 0.25,
                       "order_review_window_days": 30}
    register.write(tmp_path / "r.sqlite3").dispose()
    pack = build_pack(figures_at(tmp_path / "r.sqlite3"), produced_by="x", produced_at=PRODUCED)
    managers = pack.section("managers")
    assert "more than 40 community RSOs per FTE" in managers.paragraphs[0]
    assert "high-risk share above 25%" in managers.paragraphs[0]
    assert managers.charts[0].line == 40 and managers.charts[0].line_label == "Limit 40 per FTE"
    assert "caseload limit 40 per FTE" in pack.policy_line
    assert "high-risk share limit 25%" in pack.policy_line
    policy = pack.section("policy").tables[0].frame.set_index("key")["value"]
    assert policy["caseload_limit_per_fte"] == 40 and policy["high_risk_share_limit"] == 0.25
    if pack.section("orders") is not None:
        assert pack.section("orders").tables[0].caption == "Civil orders ending within 30 days"


def test_rsos_appear_by_id_unless_names_are_asked_for(figures):
    def texts(pack: Pack) -> str:
        return " ".join(t.frame.astype(str).to_csv() for t in pack.tables())

    anonymous = build_pack(figures, produced_by="x", produced_at=PRODUCED)
    named = build_pack(figures, produced_by="x", produced_at=PRODUCED, names=True)
    for family in FAMILY_NAMES:
        assert family.upper() not in texts(anonymous).upper()
    assert all("rso_name" not in t.frame.columns for t in anonymous.tables())
    listed = [t for t in named.tables() if "rso_id" in t.frame.columns and len(t.frame)]
    if listed:  # RSO lists exist once the report lists RSOs or orders
        assert all("rso_name" in t.frame.columns for t in listed)
        assert FAMILY_NAMES[0].upper() in texts(named).upper()


def test_orders_ending_within_the_window_only(pack, figures):
    section = pack.section("orders")
    if "ending_soon" not in figures.orders.columns:
        assert section is None
        return
    frame = section.tables[0].frame
    assert frame["ends_on"].tolist() == [date(2017, 11, 30)]
    assert frame["days_to_end"].tolist() == [52]
    assert "rso_name" not in frame.columns


def test_sections_without_their_figures_are_left_out(figures, monkeypatch):
    def caseload_only(figures):
        report = build_report(figures)
        report.pop("rsos", None)
        keep = ["rsos", "community", "custody", "abroad", "missing", "low", "medium", "high",
                "very_high", "high_risk_share", "offender_managers", "fte", "per_fte", "pooled",
                "arms_eligible", "arms_current", "arms_completion", "active", "reactive"]
        for group in [report["force"], *report["bcus"], *report["teams"]]:
            for key in [k for k in group if k not in keep and k not in ("name", "bcu")]:
                del group[key]
        return report

    monkeypatch.setattr(pack_module, "build_report", caseload_only)
    if hasattr(figures, "orders"):
        figures = dataclasses.replace(figures, orders=pd.DataFrame())
    pack = build_pack(figures, produced_by="x", produced_at=PRODUCED)
    keys = [s.key for s in pack.sections]
    assert "visits" not in keys and "orders" not in keys
    assert keys[:2] == ["summary", "managers"] and "arms" in keys and "reactive" in keys
    assert [k.label for k in pack.key_figures if k.label == "Visits overdue"] == []
    assert "visits_overdue" not in pack.section("summary").tables[0].frame.columns


def test_format_value_is_what_people_read():
    assert format_value(Kind.INT, 2742, blank=NOT_APPLICABLE) == "2,742"
    assert format_value(Kind.RATIO, 67.77419, blank=NOT_APPLICABLE) == "67.8"
    assert format_value(Kind.PERCENT, 0.15516, blank=NOT_APPLICABLE) == "15.5%"
    assert format_value(Kind.FTE, 0.75, blank=NOT_APPLICABLE) == "0.75" \
        and format_value(Kind.FTE, 1.0, blank=NOT_APPLICABLE) == "1.0"
    assert format_value(Kind.POINTS, -0.032, blank=NOT_APPLICABLE) == "−3.2 pts"
    assert format_value(Kind.DATE, date(2017, 11, 2), blank=NOT_APPLICABLE) == "02/11/2017"
    assert format_value(Kind.DATE, "2017-11-02", blank=NOT_APPLICABLE) == "02/11/2017"
    assert format_value(Kind.PERCENT, None, blank=NOT_APPLICABLE) == "–"
    assert format_value(Kind.RATIO, float("nan"), blank=NOT_APPLICABLE) == "–"


def test_policy_line_reads_every_value_from_the_policy(figures):
    line = policy_line(figures.policy)
    p = figures.policy
    for value in (p.caseload_limit_per_fte, p.first_visit_allowance_days, p.due_soon_days,
                  p.arms_max_age_months, p.reactive_concern_free_years,
                  p.order_review_window_days):
        assert f"{value:g}" in line


def test_overdue_visits_by_risk_level_add_up_to_the_report(pack, report):
    force = report["force"]
    section = pack.section("visits")
    by_risk = section.tables[0].frame
    assert by_risk["visits_overdue"].sum() == force["visits_overdue"] > 0
    assert by_risk["max_days_overdue"].max() == force["max_days_overdue"]
    assert by_risk["risk"].tolist()[:4] == ["very high", "high", "medium", "low"]
    overdue = [r for r in report["rsos"] if "visit_overdue" in r["flags"]]
    most = next(t for t in section.tables if t.key == "most_overdue").frame
    assert len(most) == len(overdue)
    assert most["days_overdue"].tolist() == sorted((r["days_overdue"] for r in overdue),
                                                   reverse=True)
    first = most.iloc[0]
    expected = next(r for r in overdue if r["rso_id"] == first["rso_id"])
    assert first["days_overdue"] == force["max_days_overdue"] == expected["days_overdue"]
    assert first["next_visit_due"] == date.fromisoformat(expected["next_visit_due"])
    assert first["manager_id"] == expected["manager_id"]
    teams = next(t for t in section.tables if t.key == "overdue_by_team").frame
    assert teams["visits_overdue"].sum() == force["visits_overdue"]
    chart = section.charts[0]
    assert sum(chart.values) == force["visits_overdue"] and chart.kind is Kind.INT


def test_reactive_management_lists_agree_with_the_report(pack, report):
    force = report["force"]
    section = pack.section("reactive")
    by_team = section.tables[0].frame
    assert by_team["reactive"].sum() == force["reactive"] == 1
    assert by_team["reactive_eligible"].sum() == force["reactive_eligible"]
    eligible = next(t for t in section.tables if t.key == "reactive_eligible").frame
    assert sorted(eligible["rso_id"]) == sorted(
        r["rso_id"] for r in report["rsos"] if r["reactive_eligible"])
    review = next(t for t in section.tables if t.key == "reactive_review").frame
    assert len(review) == force["reactive_review"]


def test_key_figures_are_the_force_figures(pack, report):
    force = report["force"]
    figures = {k.label: k for k in pack.key_figures}
    assert figures["RSOs registered"].value == force["rsos"]
    assert figures["Community RSOs per FTE"].value == force["per_fte"]
    limit = pack.policy.high_risk_share_limit
    assert figures["High-risk share"].flagged == (force["high_risk_share"] > limit)
    assert figures["Visits overdue"].value == force["visits_overdue"]
    assert figures["Visits overdue"].note == f"most {force['max_days_overdue']:,} days"


def test_flags_raised_are_counted_under_the_titles_the_screens_show(pack, report):
    from ncpi_desktop.analysis.figures import RSO_FLAGS, flag_title

    table = next(t for t in pack.tables() if t.key == "rso_flags")
    counts = dict(zip(table.frame["flag"], table.frame["rsos"], strict=True))
    titles = dict(zip(table.frame["flag"], table.frame["label"], strict=True))
    assert list(table.frame["flag"])[:len(RSO_FLAGS)] == RSO_FLAGS
    assert titles["warrant_consideration"] == flag_title("warrant_consideration") \
        == "Warrant of entry to consider"
    for name in RSO_FLAGS:
        assert counts[name] == sum(name in rso["flags"] for rso in report["rsos"])
