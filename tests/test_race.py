"""Two users reassigning one RSO at the same moment (SERVER.md, "No lost update"): two separate
processes, released together by a barrier, each moving R1 from the holder both believe it has
(the command line's ``--from``) to a different manager. On SQLite (encrypted, as the application
makes it) and on PostgreSQL, 20 rounds each on one database: every round exactly one applied and
one refused (naming who moved it), one open allocation, and the audit's "before" true."""

from __future__ import annotations

import json
import multiprocessing
from datetime import date
from pathlib import Path

import postgres
import pytest
from builders import TEST_PASSWORD, TEST_USER, Register, as_user, signed_in_engine
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.storage import models
from ncpi_desktop.storage.bulk import bulk_insert
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.operations import StaleWrite, reassign
from ncpi_desktop.storage.user_rows import NewUser
from ncpi_desktop.storage.users import create_database, sign_in

ROUNDS = 20
ON = date(2017, 10, 9)
MANAGERS = ("A", "B", "C")
WORKERS = ("user.one", "user.two")


def register() -> Register:
    """A, B and C in East 1; A holds R1 (and R2, which nobody touches)."""
    r = Register()
    for manager in MANAGERS:
        r.manager(manager)
    for rso_id in ("R1", "R2"):
        r.rso(rso_id, manager_id="A", team="East 1")
        r.allocation(rso_id, "A", date(2015, 1, 1))
    return r


def encrypted_database(path: Path) -> None:
    """The register in a new encrypted file, made as the application makes one."""
    session = create_database(path, NewUser(TEST_USER, "Test Manager", ["administrator"],
                                            "force", None, TEST_PASSWORD))
    r = register()
    with session.engine.begin() as connection:
        bulk_insert(connection, models.Manager, r.managers)
        bulk_insert(connection, models.Rso, r.rsos)
        bulk_insert(connection, models.Allocation, r.allocations)
    session.engine.dispose()


def _engine(target: str) -> Engine:
    if target.startswith("postgresql"):
        return make_engine(target)
    return sign_in(target, TEST_USER, TEST_PASSWORD).engine


def worker(target: str, name: str, jobs, results, barrier) -> None:  # noqa: ANN001
    """Reassign R1 as ``name`` for each (holder believed, manager to) of ``jobs``, released with
    the other worker by ``barrier``; each outcome onto ``results``."""
    engine = _engine(target)
    user = as_user(name)
    try:
        while (job := jobs.get()) is not None:
            holder, to = job
            barrier.wait(timeout=60)
            try:
                reassign(engine, ["R1"], to, "race", user, on=ON, from_holder=holder)
                results.put((name, "applied", to))
            except StaleWrite as exc:
                results.put((name, "refused", str(exc)))
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails
                results.put((name, "error", repr(exc)))
    finally:
        engine.dispose()


def race(target: str, check: Engine) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(WORKERS))
    results = context.Queue()
    jobs = {name: context.Queue() for name in WORKERS}
    processes = [context.Process(target=worker, args=(target, name, jobs[name], results,
                                                      barrier), daemon=True)
                 for name in WORKERS]
    for process in processes:
        process.start()
    try:
        holder = "A"
        for round_ in range(ROUNDS):
            others = [m for m in MANAGERS if m != holder]
            for name, to in zip(WORKERS, others, strict=True):
                jobs[name].put((holder, to))
            outcomes = sorted((results.get(timeout=120) for _ in WORKERS),
                              key=lambda outcome: outcome[1])
            assert [kind for _, kind, _ in outcomes] == ["applied", "refused"], outcomes
            (winner, _, to), (_, _, message) = outcomes
            assert message.startswith(f"R1 is now held by {to} (moved by {winner} at "), message
            assert_one_move(check, round_ + 1, holder, to)
            holder = to
    finally:
        for name in WORKERS:
            jobs[name].put(None)
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()


def assert_one_move(engine: Engine, moves: int, before: str, after: str) -> None:
    """R1 is with ``after``, with one open allocation; ``moves`` reassignments audited, the
    last from ``before`` to ``after``."""
    with engine.connect() as c:
        assert c.execute(text("SELECT manager_id FROM rso WHERE rso_id = 'R1'")).scalar() == after
        open_rows = c.execute(text("SELECT manager_id FROM allocation WHERE rso_id = 'R1' "
                                   "AND ends_on IS NULL")).scalars().all()
        assert open_rows == [after]
        details = c.execute(text("SELECT detail FROM audit WHERE operation = 'reassign' "
                                 "ORDER BY id")).scalars().all()
    assert len(details) == moves
    last = json.loads(details[-1])
    assert last["before"]["rso"]["R1"]["manager_id"] == before
    assert last["after"]["rso"]["R1"]["manager_id"] == after


def test_two_processes_reassigning_one_rso_on_sqlite(tmp_path):
    path = tmp_path / "race.sqlite3"
    encrypted_database(path)
    check = signed_in_engine(path)
    try:
        race(str(path), check)
    finally:
        check.dispose()


@pytest.mark.skipif(postgres.available() is not None, reason=str(postgres.available()))
def test_two_processes_reassigning_one_rso_on_postgresql():
    with postgres.server() as url:
        check = register().write(url)
        try:
            race(url, check)
        finally:
            check.dispose()
