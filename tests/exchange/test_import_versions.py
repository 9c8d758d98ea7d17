"""An import moves on the version of each RSO it adds or changes (SERVER.md, "No lost update"):
a window that read the register before the import has its next write refused, so it cannot
write over what the import changed without seeing it."""

from __future__ import annotations

from datetime import date

import pytest
from builders import as_user
from extract_files import new_database, valid_rows, write_folder
from sqlalchemy import text

from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.storage.operations import StaleWrite, reassign, record_order

USER = as_user("om.me")


@pytest.fixture
def loaded(tmp_path):
    engine = new_database(tmp_path / "register.sqlite3")
    assert import_extract(engine, write_folder(tmp_path / "first"), actor="tester").written
    yield engine
    engine.dispose()


def versions(engine) -> dict[str, int]:
    with engine.connect() as c:
        return dict(c.execute(text("SELECT rso_id, version FROM rso")).all())


def test_an_import_moves_on_the_versions_of_the_rsos_it_changes_and_only_those(
        loaded, tmp_path):
    seen = versions(loaded)
    tables = valid_rows()
    tables["offenders"][0]["risk_level"] = "very high"  # R1's row changes
    tables["arms"].append(dict(rso_id="R2", completed_on="2017-06-01", outcome="low"))
    tables["visits"].append(dict(visit_id="V9", rso_id="R5", visited_on="2017-09-05",
                                 outcome="completed", officers="1"))  # a visit: no change
    result = import_extract(loaded, write_folder(tmp_path / "second", tables), actor="tester")
    assert result.written, result.errors
    now = versions(loaded)
    assert {r: now[r] - seen[r] for r in seen} == {"R1": 1, "R2": 1, "R3": 0, "R4": 0, "R5": 0}


def test_an_unchanged_import_leaves_the_versions(loaded, tmp_path):
    seen = versions(loaded)
    assert import_extract(loaded, write_folder(tmp_path / "again"), actor="tester").written
    assert versions(loaded) == seen


def test_a_write_with_the_version_seen_before_the_import_is_refused(loaded, tmp_path):
    seen = versions(loaded)
    tables = valid_rows()
    tables["offenders"][0]["manager_id"] = "OM2"  # the import moves R1 to OM2
    assert import_extract(loaded, write_folder(tmp_path / "moved", tables),
                          actor="tester").written
    with pytest.raises(StaleWrite) as refused:
        reassign(loaded, ["R1"], "OM1", "back", USER, seen={"R1": seen["R1"]})
    assert "R1 has changed since you saw it (imported by tester at " in str(refused.value)
    with pytest.raises(StaleWrite):
        record_order(loaded, "R1", "SHPO", date(2017, 1, 1), None, USER,
                     seen={"R1": seen["R1"]})
    reassign(loaded, ["R1"], "OM1", "back", USER, seen={"R1": versions(loaded)["R1"]})
