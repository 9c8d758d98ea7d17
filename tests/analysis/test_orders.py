"""Rule 12: the central order register, orders in force, and orders ending within the window."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from builders import AS_AT, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures


@pytest.fixture(scope="module")
def figures(tmp_path_factory):
    r = Register()
    r.manager("A", name="DC Ames")
    r.rso("INSIDE", manager_id="A")
    r.order("INSIDE", date(2012, 12, 1), date(2017, 11, 30))          # O00001: 52 days left
    r.rso("EDGE", manager_id="A")
    r.order("EDGE", date(2013, 1, 1), AS_AT + timedelta(days=90))      # O00002: exactly 90
    r.rso("OUTSIDE", manager_id="A")
    r.order("OUTSIDE", date(2013, 1, 1), AS_AT + timedelta(days=91))   # O00003: 91 days
    r.rso("OPEN", manager_id="A")
    r.order("OPEN", date(2015, 1, 1), type="SRO")                      # O00004: until further
    r.rso("ENDED_TODAY", manager_id="A")
    r.order("ENDED_TODAY", date(2012, 1, 1), AS_AT)                    # O00005: no longer
    r.rso("ENDS_TOMORROW", manager_id="A")
    r.order("ENDS_TOMORROW", date(2012, 1, 1), AS_AT + timedelta(days=1))  # O00006
    r.rso("FUTURE", manager_id="A")
    r.order("FUTURE", date(2017, 11, 1))                               # O00007: not yet made
    r.rso("CUSTODY", manager_id="A", status="custody")
    r.order("CUSTODY", date(2016, 1, 1))                               # O00008
    r.rso("POOLED", team="East 1")
    r.order("POOLED", date(2016, 1, 1), type="NO")                     # O00009
    r.order("INSIDE", date(2017, 1, 1), type="SRO")                    # O00010: second order
    engine = r.write(tmp_path_factory.mktemp("orders") / "o.sqlite3")
    return compute_figures(full_snapshot(engine, AS_AT))


@pytest.fixture(scope="module")
def register(figures):
    return figures.orders.set_index("order_id")


@pytest.fixture(scope="module")
def rsos(figures):
    return figures.rsos.set_index("rso_id")


def test_register_lists_every_started_order_with_holder(register):
    assert "O00007" not in register.index  # starts after the as-at date
    assert len(register) == 9
    row = register.loc["O00001"]
    assert row["rso_id"] == "INSIDE" and row["type"] == "SHPO"
    assert row["manager_id"] == "A" and row["manager_name"] == "DC Ames"
    assert row["team"] == "East 1" and row["bcu"] == "East"
    assert row["in_force"] and row["ending_soon"] and row["days_to_end"] == 52
    assert pd.isna(register.loc["O00009", "manager_id"])
    assert register.loc["O00009", "team"] == "East 1"


def test_in_force_from_start_until_the_end_date(register):
    assert not register.loc["O00005", "in_force"]  # its end date is the as-at date
    assert register.loc["O00006", "in_force"] and register.loc["O00006", "days_to_end"] == 1
    assert register.loc["O00004", "in_force"] and pd.isna(register.loc["O00004", "days_to_end"])
    assert not register.loc["O00004", "ending_soon"]


def test_ending_within_the_window(register, rsos):
    assert register.loc["O00002", "ending_soon"]
    assert not register.loc["O00003", "ending_soon"]
    assert rsos.loc["EDGE", "flag_order_ending"]
    assert not rsos.loc["OUTSIDE", "flag_order_ending"]
    assert rsos.loc["INSIDE", "why_order_ending"] == (
        "SHPO ends 30/11/2017 (in 52 days): orders ending within 90 days are reviewed")
    assert rsos.loc["ENDS_TOMORROW", "why_order_ending"].startswith(
        "SHPO ends 10/10/2017 (in 1 day)")


def test_orders_in_force_per_rso_and_in_every_group(figures, rsos):
    assert rsos.loc["INSIDE", "orders_in_force"] == 2
    assert rsos.loc["INSIDE", "order_types_in_force"] == "SHPO, SRO"
    assert rsos.loc["ENDED_TODAY", "orders_in_force"] == 0
    force = figures.force.iloc[0]
    # In force: O1, O2, O3, O4, O6, O8 (custody RSO: counted whatever the status), O9, O10.
    assert force["orders_in_force"] == 8
    assert figures.managers.set_index("manager_id").loc["A", "orders_in_force"] == 7
    assert figures.teams.set_index("team").loc["East 1", "orders_in_force"] == 8
