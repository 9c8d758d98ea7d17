"""Two writers appending at once never fork the audit chain: on SQLite the write lock, on
PostgreSQL the advisory lock, keeps the rows in one line."""

from __future__ import annotations

import threading
import time

import postgres
import pytest

from ncpi_desktop.storage import audit
from ncpi_desktop.storage.database import open_database


@pytest.fixture(scope="module")
def postgres_url():
    if postgres.available() is not None:
        pytest.skip(str(postgres.available()))
    with postgres.server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """An empty audit log (the log needs no register)."""
    target = (tmp_path / "w.sqlite3" if request.param == "sqlite"
              else request.getfixturevalue("postgres_url"))
    engine = open_database(target, create=True)
    with engine.begin() as c:
        c.exec_driver_sql("DELETE FROM audit")  # the server is shared by the module's tests
    yield engine
    engine.dispose()


def test_a_writer_waits_for_the_one_holding_the_log(engine):
    """A appends in a transaction and holds it open while B appends: B must chain onto A's
    row, not onto the row A also read."""
    audit.record(engine, "first", "consultation", "list shown", ["R00001"])
    appended, b_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def a() -> None:
        try:
            with engine.begin() as connection:
                audit.append(connection, "writer.a", "alteration", "reassign", ["R00002"])
                appended.set()
                b_started.wait(10)
                time.sleep(0.3)  # B is at the lock by now, or reading the last row
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def b() -> None:
        try:
            appended.wait(10)
            b_started.set()
            audit.record(engine, "writer.b", "consultation", "open RSO detail", ["R00003"])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert [e["actor"] for e in audit.entries(engine)] == ["first", "writer.a", "writer.b"]
    assert audit.verify(engine).rows == 3


def test_many_writers_at_once_leave_one_chain(engine):
    def write(name: str) -> None:
        for n in range(5):
            audit.record(engine, name, "consultation", "list shown", [f"R{n:05d}"])

    threads = [threading.Thread(target=write, args=(f"user{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    verified = audit.verify(engine)
    assert verified.rows == 20
    assert verified.head == audit.head_hash(engine)
