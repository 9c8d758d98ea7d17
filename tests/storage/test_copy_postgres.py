"""PostgreSQL's COPY road (``storage.pg_copy``, taken by ``storage.bulk.insert_frame``) stores
exactly what SQLAlchemy's types store row by row: awkward text, blanks, dates given as dates or
ISO text, aware date-times in two zones, flags, numbers; and a table's indexes and foreign keys,
dropped for a big write, are all there again afterwards and still refuse a missing parent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import postgres
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from ncpi_desktop.storage import bulk, models
from ncpi_desktop.storage.database import open_database

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))

AWKWARD = ["tab\there", "new\nline", "back\\slash", "\\N", "", "carriage\rreturn", "é ü ß",
           'quote "q"', None]


@pytest.fixture(scope="module")
def server_url():
    if postgres.SESSION is not None:
        yield postgres.SESSION.url
        return
    with postgres.server() as url:
        yield url


def _database(server_url: str, name: str):
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return open_database(server_url.rsplit("/", 1)[0] + "/" + name)


def _frames(count: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    managers = pd.DataFrame({"manager_id": ["A", "B"], "name": ["Ann", "Bob"],
                             "bcu": ["E", "E"], "team": ["E 1", "E 2"], "fte": [0.1, 0.7],
                             "role": "offender_manager", "active": [True, False]})
    rsos = pd.DataFrame({
        "rso_id": [f"R{i:05d}" for i in range(count)],
        "family_name": [AWKWARD[i % (len(AWKWARD) - 1)] for i in range(count)],
        "given_names": "Given", "sex": "male", "bcu": "E",
        "team": [AWKWARD[i % len(AWKWARD)] for i in range(count)],
        "status": "community", "manager_id": ["A" if i % 3 else None for i in range(count)],
        "date_of_birth": [date(1970, 1, 1) + timedelta(days=i) for i in range(count)],
        "registered_on": ["2010-01-02"] * count,  # ISO text
        "community_since": [None if i % 4 else date(2012, 3, 4) for i in range(count)],
        "notification_indefinite": [bool(i % 2) for i in range(count)],
        "visit_interval_months": [None if i % 5 else 6 for i in range(count)],
    })
    recorded = [datetime(2017, 1, 1, 12, tzinfo=UTC) + timedelta(minutes=i) for i in range(count)]
    recorded[::2] = [datetime(2017, 6, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))] * len(
        recorded[::2])
    allocations = pd.DataFrame({"rso_id": rsos["rso_id"], "manager_id": rsos["manager_id"],
                                "team": rsos["team"], "starts_on": date(2012, 2, 2),
                                "ends_on": None, "reason": "test", "actor": "t",
                                "recorded_at": recorded})
    return managers, rsos, allocations


def _write(engine, *, driver: bool, defer_from: int) -> dict[str, list]:
    managers, rsos, allocations = _frames(257)
    with engine.begin() as connection:
        bulk.insert_frame(connection, models.Manager.__table__, managers, driver=driver)
        for model, frame in ((models.Rso, rsos), (models.Allocation, allocations)):
            assert bulk.insert_frame(connection, model.__table__, frame, driver=driver,
                                     chunk=100, defer_indexes_from=defer_from) == len(frame)
    with engine.connect() as connection:
        stored = {name: connection.execute(text(f"SELECT * FROM {name} ORDER BY 1, 2")).all()
                  for name in ("manager", "rso", "allocation")}
        stored["schema"] = connection.execute(text(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "ORDER BY 1, 2")).all() + connection.execute(text(
                "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2")).all()
    return stored


def test_copy_stores_what_the_row_by_row_road_stores(server_url, monkeypatch):
    core_engine = _database(server_url, "copy_core")
    copy_engine = _database(server_url, "copy_copy")
    try:
        core = _write(core_engine, driver=False, defer_from=10**9)
        monkeypatch.setattr(bulk, "_insert_core", None)  # COPY, or a TypeError
        copied = _write(copy_engine, driver=True, defer_from=1)  # indexes made again after
        assert copied == core
        families = {row.family_name for row in copied["rso"]}
        assert {"tab\there", "new\nline", "back\\slash", "\\N", ""} <= families
        teams = [row.team for row in copied["rso"]]
        assert None in teams and "\\N" in teams
        recorded = {row.recorded_at for row in copied["allocation"]}
        assert datetime(2017, 6, 1, 8, 30, tzinfo=UTC) in recorded
        with pytest.raises(IntegrityError), copy_engine.begin() as connection:
            bulk.insert_frame(connection, models.Allocation.__table__, pd.DataFrame({
                "rso_id": ["NOBODY"] * 3, "starts_on": [date(2012, 1, 1)] * 3,
                "reason": "t", "actor": "t", "recorded_at": datetime(2017, 1, 1, tzinfo=UTC)}),
                defer_indexes_from=1)
    finally:
        core_engine.dispose()
        copy_engine.dispose()
