"""The shared-server option: the same register gives the same report on PostgreSQL."""

from __future__ import annotations

import postgres
import pytest
from builders import AS_AT, Register

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.snapshot import load_snapshot

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))


@pytest.fixture(scope="module")
def postgres_url():
    with postgres.server() as url:
        yield url


def register() -> Register:
    r = Register()
    r.manager("A")
    r.manager("B", fte=0.5, team="East 2")
    r.many(55, manager_id="A", risk_level="high")
    r.many(20, manager_id="B")
    r.many(3, team="East 2")
    r.many(2, manager_id="A", status="custody")
    r.assessment("R00001", AS_AT.replace(month=3))
    return r


def test_postgres_report_equals_sqlite_report(postgres_url, tmp_path):
    sqlite_engine = register().write(tmp_path / "r.sqlite3")
    expected = build_report(compute_figures(load_snapshot(sqlite_engine, AS_AT)))

    engine = register().write(postgres_url)
    try:
        actual = build_report(compute_figures(load_snapshot(engine, AS_AT)))
        # Opening again finds the schema current and changes nothing.
        open_database(postgres_url).dispose()
    finally:
        engine.dispose()
    assert actual == expected
    assert actual["force"]["community"] == 78
