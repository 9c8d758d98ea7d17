"""The national profile's shape, built at a fiftieth of its size (the full build is for
``make bench``), and the generator's pieces."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from builders import signed_in_engine
from conftest import report_of

from ncpi_desktop.demo.build import build_demo, insert_frame, write_register
from ncpi_desktop.demo.generate import generate
from ncpi_desktop.demo.generate.arrays import apportion, pick
from ncpi_desktop.demo.names import POLICE_FORCES
from ncpi_desktop.demo.profiles import NATIONAL, PROFILES
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage import models
from ncpi_desktop.storage.database import open_database

AS_AT = date(2024, 3, 31)
SCALE = 0.02


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    path = tmp_path_factory.mktemp("national") / "national.sqlite3"
    counts = build_demo(path, "national", scale=SCALE, as_at=AS_AT)
    engine = signed_in_engine(path)
    yield counts, engine
    engine.dispose()


def test_national_counts_scale_with_the_profile(national):
    counts, _ = national
    spec = NATIONAL.scaled(SCALE)
    assert counts["rso"] == spec.rsos == 2000
    assert counts["visit"] == spec.visits == 30_000
    assert counts["manager"] > spec.offender_managers  # supervisors and leavers besides
    assert counts["arms"] > 0 and counts["civil_order"] > 0 and counts["allocation"] > 0
    assert counts["management_decision"] >= spec.reactive


def test_national_figures_have_the_profiles_shape(national):
    _, engine = national
    spec = NATIONAL.scaled(SCALE)
    report = report_of(engine, AS_AT)
    force = report["force"]
    assert force["rsos"] == spec.rsos
    assert force["community"] == spec.rsos - spec.custody - spec.abroad - spec.missing
    assert force["high"] == spec.high and force["very_high"] == spec.very_high
    assert force["reactive"] == spec.reactive
    assert force["pooled"] == spec.pooled + spec.unallocated
    assert force["arms_completion"] == pytest.approx(spec.arms_completion, abs=0.01)
    assert {b["name"] for b in report["bcus"]} <= set(POLICE_FORCES)
    assert len(report["bcus"]) >= 10
    oms = pd.DataFrame(report["managers"])
    oms = oms[oms["caseload"] > 0]
    limit = Policy().caseload_limit_per_fte
    assert (oms["per_fte"] > limit).any() and (oms["per_fte"] < limit).any()


def test_national_dates_are_as_at_the_build_date(national):
    _, engine = national
    with engine.connect() as connection:
        latest = connection.exec_driver_sql("SELECT MAX(visited_on) FROM visit").scalar()
        earliest = connection.exec_driver_sql("SELECT MIN(registered_on) FROM rso").scalar()
    assert latest <= AS_AT.isoformat()
    assert earliest >= "1997-09-01"


def test_generation_is_deterministic():
    first = generate(NATIONAL.scaled(0.005), as_at=AS_AT)
    again = generate(NATIONAL.scaled(0.005), as_at=AS_AT)
    for name in ("managers", "rsos", "allocations", "visits", "arms", "orders", "decisions"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(again, name), obj=name)


def test_driver_and_core_inserts_store_the_same_values(tmp_path):
    """SQLite's fast path stores exactly what SQLAlchemy's types would."""
    register = generate(NATIONAL.scaled(0.003), as_at=AS_AT)
    tables = {}
    for driver in (True, False):
        engine = open_database(tmp_path / f"{driver}.sqlite3", create=True)
        with engine.begin() as connection:
            write_register(connection, register, NATIONAL, driver=driver)
        with engine.connect() as connection:
            tables[driver] = {
                name: connection.exec_driver_sql(f"SELECT * FROM {name} ORDER BY 1, 2").all()
                for name in ("manager", "rso", "allocation", "visit", "arms", "civil_order",
                             "management_decision")}
        engine.dispose()
    assert tables[True] == tables[False]


def test_deferred_indexes_come_back_as_the_migration_made_them(tmp_path):
    register = generate(NATIONAL.scaled(0.003), as_at=AS_AT)
    schema = {}
    for defer in (True, False):
        engine = open_database(tmp_path / f"{defer}.sqlite3", create=True)
        with engine.begin() as connection:
            insert_frame(connection, models.Manager.__table__, register.managers)
            insert_frame(connection, models.Rso.__table__, register.rsos,
                         defer_indexes_from=0 if defer else len(register.rsos) + 1)
            schema[defer] = connection.exec_driver_sql(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name").all()
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM rso WHERE manager_id = 'OM0001'").all()
        engine.dispose()
        assert "ix_rso_manager_id" in str(plan)
    assert schema[True] == schema[False]
    assert any(row[1] == "ix_rso_status" for row in schema[True])


def test_insert_frame_converts_blanks_booleans_and_whole_numbers(tmp_path):
    engine = open_database(tmp_path / "m.sqlite3", create=True)
    managers = pd.DataFrame({"manager_id": ["A", "B"], "name": ["a", "b"], "bcu": ["X", "X"],
                             "team": ["X 1", "X 1"], "fte": [1.0, 0.5],
                             "role": ["offender_manager", "supervisor"],
                             "active": [True, False]})
    with engine.begin() as connection:
        assert insert_frame(connection, models.Manager.__table__, managers) == 2
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT fte, active FROM manager ORDER BY 1").all()
    engine.dispose()
    assert rows == [(0.5, 0), (1.0, 1)]


def test_apportion_and_pick():
    counts = apportion(10, np.array([1.0, 1.0, 1.0]))
    assert counts.sum() == 10 and sorted(counts) == [3, 3, 4]
    assert apportion(0, np.array([1.0])).tolist() == [0]
    rng = np.random.default_rng(1)
    chosen = pick(rng, np.array([0.0, 1.0, 5.0, 0.0]), 5)
    assert sorted(chosen) == [1, 2]


def test_unknown_profile_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Unknown demo profile"):
        build_demo(tmp_path / "x.sqlite3", "atlantis")
    assert set(PROFILES) == {"lancashire-2017", "national"}


def test_national_supervisors_are_named_after_its_first_bcu_and_team(national):
    _, engine = national
    with engine.connect() as connection:
        bcu, team = connection.exec_driver_sql(
            "SELECT bcu, team FROM manager ORDER BY rowid LIMIT 1").one()
        users = dict(connection.exec_driver_sql(
            "SELECT user_name, scope FROM app_user WHERE roles = 'supervisor'").all())
    word = lambda text: "".join(c for c in text.lower() if c.isalnum())  # noqa: E731
    assert users == {f"supervisor.{word(bcu)}": f"bcu:{bcu}",
                     f"supervisor.{word(team)}": f"team:{team}"}
