"""storage.bulk: SQLite's fast road stores exactly what SQLAlchemy's types would, whatever form a
column arrives in; chunks, multi-row statements and deferred indexes lose and add nothing; a stop
between chunks writes nothing; foreign-key checks are back on after an import."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from builders import AS_AT, Register
from sqlalchemy import bindparam, column, table, update

from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.storage import bulk, models
from ncpi_desktop.storage.database import open_database

MANAGERS = pd.DataFrame({"manager_id": ["A", "B", "C"], "name": ["Ann", "Bob", "Cal"],
                         "bcu": "East", "team": ["East 1", "East 1", "East 2"],
                         "fte": [1.0, 0.5, 0.8]})


class Stop(Exception):
    pass


def _rsos(count: int) -> pd.DataFrame:
    """RSOs whose columns arrive in every form the importer and the demo give them."""
    rng = np.random.default_rng(3)
    days = pd.Series(pd.to_datetime("2010-01-01") + pd.to_timedelta(rng.integers(0, 3000, count),
                                                                      unit="D"))
    iso = days.dt.strftime("%Y-%m-%d").astype(object)
    iso[::4] = None
    objects = pd.Series([d.date() for d in days], dtype=object)
    objects[1::5] = None
    interval = pd.Series(rng.integers(1, 24, count).astype(float))
    interval[::3] = np.nan
    paper = pd.Series(rng.random(count) < 0.3, dtype=object)
    paper[::7] = None
    return pd.DataFrame({
        "rso_id": [f"R{i:05d}" for i in range(count)],
        "family_name": [f"Family {i}" for i in range(count)],
        "given_names": "Given",
        "date_of_birth": days - pd.Timedelta(days=30 * 365),          # datetime64
        "sex": "male", "bcu": "East",
        "team": np.where(rng.random(count) < 0.5, "East 1", None),
        "neighbourhood": pd.Series(["Burnley", np.nan] * (count // 2) + ["Burnley"] * (count % 2),
                                   dtype=object),  # NaN blanks
        "status": "community", "risk_level": "medium",
        "manager_id": np.where(rng.random(count) < 0.8, "A", None),
        "registered_on": objects.where(objects.notna(), date(2001, 1, 1)),  # date objects
        "community_since": iso,                                          # ISO text and None
        "notification_ends": objects,                                    # dates and None
        "notification_indefinite": rng.random(count) < 0.5,              # numpy bool
        "visit_interval_months": interval,                               # whole floats, NaN
        "last_concern_on": days.where(rng.random(count) < 0.5),          # datetime64 with NaT
        "paper_records_only": paper.where(paper.notna(), False),         # Python bools
    })  # management left out: its default ("active") is stored


def _allocations(rsos: pd.DataFrame) -> pd.DataFrame:
    count = len(rsos)
    recorded = pd.Series([datetime(2017, 1, 1, 12, tzinfo=UTC) + timedelta(minutes=i)
                          for i in range(count)], dtype=object)
    recorded[::2] = datetime(2017, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    return pd.DataFrame({
        "rso_id": rsos["rso_id"], "manager_id": rsos["manager_id"],
        "team": rsos["team"], "starts_on": rsos["community_since"].fillna("2012-02-02"),
        "ends_on": None, "reason": "test", "actor": "t",
        "recorded_at": recorded,                      # aware datetimes, two zones
    })


def _write(path, *, driver: bool, chunk: int, defer_from: int, count: int = 1001):
    engine = open_database(path, create=True)
    rsos = _rsos(count)
    with engine.begin() as connection:
        bulk.insert_frame(connection, models.Manager.__table__, MANAGERS, driver=driver)
        for model, frame in ((models.Rso, rsos), (models.Allocation, _allocations(rsos))):
            assert bulk.insert_frame(connection, model.__table__, frame, driver=driver,
                                     chunk=chunk, defer_indexes_from=defer_from) == count
    with engine.connect() as connection:
        stored = {name: connection.exec_driver_sql(f"SELECT * FROM {name} ORDER BY 1, 2").all()
                  for name in ("manager", "rso", "allocation")}
        schema = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master ORDER BY name").all()
    engine.dispose()
    return stored, schema


def test_the_fast_road_stores_what_sqlalchemys_types_store(tmp_path, monkeypatch):
    core, core_schema = _write(tmp_path / "core.sqlite3", driver=False, chunk=50_000,
                               defer_from=10**9)
    monkeypatch.setattr(bulk, "_insert_core", None)  # the fast road, or a TypeError
    # chunks and multi-row statements that do not divide the rows; indexes built afterwards
    fast, fast_schema = _write(tmp_path / "fast.sqlite3", driver=True, chunk=333, defer_from=1)
    assert fast == core
    assert fast_schema == core_schema
    rso = {row[0]: row for row in fast["rso"]}
    assert rso["R00000"][10] == "active"  # the column default, for a column left out
    recorded = sorted({row[8] for row in fast["allocation"]})
    assert "2017-06-01 08:30:00.000000" in recorded  # +01:00 stored in UTC
    assert {type(row[16]) for row in fast["rso"]} <= {int, type(None)}


def test_bulk_insert_takes_dicts_or_a_frame(tmp_path):
    engine = open_database(tmp_path / "b.sqlite3", create=True)
    with engine.begin() as connection:
        assert bulk.bulk_insert(connection, models.Manager, [
            dict(manager_id="A", name="Ann", bcu="E", team="E 1", fte=1.0, role="supervisor",
                 active=False)]) == 1
        assert bulk.bulk_insert(connection, models.Manager, MANAGERS.iloc[1:]) == 2
        assert bulk.bulk_insert(connection, models.PolicyValue, []) == 0
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT manager_id, fte, role, active FROM manager ORDER BY 1").all()
    engine.dispose()
    assert rows == [("A", 1.0, "supervisor", 0), ("B", 0.5, "offender_manager", 1),
                    ("C", 0.8, "offender_manager", 1)]


def test_a_column_the_table_does_not_have_is_refused(tmp_path):
    engine = open_database(tmp_path / "k.sqlite3", create=True)
    with engine.begin() as connection, pytest.raises(KeyError, match="no column colour"):
        bulk.insert_frame(connection, models.Manager.__table__, MANAGERS.assign(colour="red"))
    engine.dispose()


def test_a_stop_between_chunks_writes_nothing_and_keeps_the_indexes(tmp_path):
    engine = open_database(tmp_path / "s.sqlite3", create=True)
    with engine.connect() as connection:
        schema = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master").all()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 200:
            raise Stop

    with engine.connect() as connection:
        bulk.insert_frame(connection, models.Manager.__table__, MANAGERS)
        with pytest.raises(Stop):
            bulk.insert_frame(connection, models.Rso.__table__, _rsos(500), chunk=100,
                              defer_indexes_from=1, progress=progress)
        connection.rollback()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM rso").scalar() == 0
        assert connection.exec_driver_sql("SELECT count(*) FROM manager").scalar() == 0
        assert connection.exec_driver_sql("SELECT name, sql FROM sqlite_master").all() == schema
    engine.dispose()
    assert seen == [(100, 500), (200, 500)]


def test_execute_many_runs_a_statement_per_row(tmp_path):
    engine = open_database(tmp_path / "u.sqlite3", create=True)
    target = table("manager", column("manager_id"), column("fte"))
    statement = update(target).where(target.c.manager_id == bindparam("key")).values(
        fte=bindparam("fte"))
    done: list[int] = []
    with engine.begin() as connection:
        bulk.insert_frame(connection, models.Manager.__table__, MANAGERS)
        assert bulk.execute_many(connection, statement, {"key": ["A", "C"], "fte": [0.2, 0.3]},
                                 chunk=1, progress=lambda d, _t: done.append(d)) == 2
        rows = connection.exec_driver_sql("SELECT manager_id, fte FROM manager ORDER BY 1").all()
    engine.dispose()
    assert rows == [("A", 0.2), ("B", 0.5), ("C", 0.3)] and done == [1, 2]


def _foreign_keys(engine) -> int:
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA foreign_keys").scalar()


def test_foreign_keys_are_off_inside_and_back_on_after(tmp_path):
    engine = open_database(tmp_path / "f.sqlite3", create=True)
    orphan = pd.DataFrame({"visit_id": ["V1"], "rso_id": ["NOBODY"], "visited_on": ["2017-01-01"],
                           "outcome": ["completed"]})
    with engine.connect() as connection, bulk.foreign_keys_off(connection):
        bulk.ensure_transaction(connection)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        bulk.insert_frame(connection, models.Visit.__table__, orphan)  # not refused
        # left without commit: rolled back on the way out
    assert _foreign_keys(engine) == 1
    with pytest.raises(RuntimeError), engine.connect() as connection, \
            bulk.foreign_keys_off(connection):
        bulk.ensure_transaction(connection)
        bulk.insert_frame(connection, models.Visit.__table__, orphan)
        raise RuntimeError
    assert _foreign_keys(engine) == 1
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM visit").scalar() == 0
    engine.dispose()


def test_an_import_leaves_every_reference_sound_and_the_checks_on(tmp_path):
    register = Register()
    register.manager("OM1")
    register.rso("R1", manager_id="OM1")
    engine = register.write(tmp_path / "i.sqlite3")
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "managers.csv").write_text("manager_id,name,bcu,team,fte\nOM2,B,East,East 1,1\n")
    (folder / "offenders.csv").write_text(
        "rso_id,family_name,given_names,date_of_birth,sex,bcu,status,risk_level,manager_id,"
        "registered_on\nR2,S,J,1970-01-01,male,East,community,low,OM2,2010-01-01\n"
        "R3,T,K,1971-01-01,male,East,community,high,OM1,2011-01-01\n")
    (folder / "visits.csv").write_text(
        "visit_id,rso_id,visited_on,outcome\nV1,R1,2017-01-01,completed\n"
        "V2,R3,2017-02-01,no_access\n")
    result = import_extract(engine, folder, actor="t", today=AS_AT)
    assert result.written, result.errors
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql(
            "SELECT visit_id, officers FROM visit ORDER BY 1").all() == [("V1", 2), ("V2", 2)]
    bad = folder / "bad"
    bad.mkdir()
    for name in ("managers.csv", "offenders.csv"):
        (bad / name).write_bytes((folder / name).read_bytes())
    (bad / "visits.csv").write_text("visit_id,rso_id,visited_on,outcome\nV9,R404,2017-01-01,"
                                    "completed\n")
    assert not import_extract(engine, bad, actor="t", today=AS_AT).written
    assert _foreign_keys(engine) == 1
    engine.dispose()


def test_a_bulk_write_waits_for_another_writer_instead_of_failing(tmp_path):
    """Another connection writing when an import begins (the application keeping the
    register's start-up copy, say): the import waits for it, reads, and writes."""
    import sqlite3
    import threading

    path = tmp_path / "w.sqlite3"
    engine = open_database(path, create=True)
    other = sqlite3.connect(path, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("DELETE FROM register_cache")
    released = threading.Timer(0.3, other.commit)
    released.start()
    with engine.connect() as connection, bulk.foreign_keys_off(connection):
        bulk.ensure_transaction(connection)
        connection.exec_driver_sql("SELECT count(*) FROM manager").scalar()  # reads first
        bulk.insert_frame(connection, models.Manager.__table__, MANAGERS)
        connection.commit()
    released.join()
    other.close()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM manager").scalar() == 3
    engine.dispose()
