"""The shared-server option: an extract imports into PostgreSQL as into SQLite (the bulk writes
pass dates as ISO text through untyped columns, which PostgreSQL must cast), updates by id the
same way, and exports back to the same files."""

from __future__ import annotations

from datetime import date

import postgres
import pytest
from builders import AS_AT
from extract_files import db_state, new_database, valid_rows, write_folder
from sqlalchemy import text

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.export import export_extract
from ncpi_desktop.exchange.extract import TABLES
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.load import load_snapshot

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))


@pytest.fixture(scope="module")
def postgres_url():
    with postgres.server() as url:
        yield url


def test_import_update_and_export_on_postgres(postgres_url, tmp_path):
    sqlite = new_database(tmp_path / "r.sqlite3")
    engine = open_database(postgres_url)
    try:
        for target in (sqlite, engine):
            result = import_extract(target, write_folder(tmp_path / "x"), actor="t")
            assert result.written, result.errors
        for as_at in (AS_AT, date.today()):
            expected = build_report(compute_figures(load_snapshot(sqlite, as_at)))
            assert build_report(compute_figures(load_snapshot(engine, as_at))) == expected

        tables = valid_rows()
        tables["offenders"][0]["manager_id"] = "OM2"
        tables["arms"][0]["outcome"] = "high"
        changed = write_folder(tmp_path / "changed", tables)
        before = db_state(engine)
        check = import_extract(engine, changed, actor="t", check=True)
        assert db_state(engine) == before
        result = import_extract(engine, changed, actor="t", today=date(2017, 10, 9))
        assert result.counts["offenders"].updated == 1 and result.counts["arms"].updated == 1
        assert check.counts == result.counts and result.holder_changes == 1
        with engine.connect() as c:
            assert c.execute(text(
                "SELECT manager_id, starts_on, ends_on, reason FROM allocation "
                "WHERE rso_id = 'R1' ORDER BY starts_on")).all() == [
                ("OM1", date(2010, 1, 1), date(2017, 10, 9), "import"),
                ("OM2", date(2017, 10, 9), None, "import")]

        bad = valid_rows()
        bad["visits"][0]["rso_id"] = "R404"
        before = db_state(engine)
        assert import_extract(engine, write_folder(tmp_path / "bad", bad), actor="t").errors
        assert db_state(engine) == before

        import_extract(sqlite, changed, actor="t", today=date(2017, 10, 9))
        export_extract(sqlite, tmp_path / "from-sqlite")
        export_extract(engine, tmp_path / "from-postgres")
        for spec in TABLES.values():
            assert (tmp_path / "from-postgres" / spec.filename).read_bytes() == (
                tmp_path / "from-sqlite" / spec.filename).read_bytes()
    finally:
        engine.dispose()
        sqlite.dispose()
