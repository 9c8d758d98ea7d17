"""The command line's ``reassign --from`` against a change made meanwhile (SERVER.md, "No lost
update"): refused with exit status 1 (SECURITY.md), one line saying who changed what and when,
nothing written."""

from __future__ import annotations

import re
from datetime import date

import pytest
from builders import Register, as_user
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.operations import reassign

ON = date(2017, 10, 9)


@pytest.fixture
def db(tmp_path):
    """OM1 holds R1; OM2 and OM3 hold nothing; P1 is in the East 1 pool."""
    r = Register()
    for manager in ("OM1", "OM2", "OM3"):
        r.manager(manager)
    r.rso("R1", manager_id="OM1", team="East 1")
    r.allocation("R1", "OM1", date(2015, 1, 1))
    r.rso("P1", team="East 1")
    r.allocation("P1", None, date(2015, 1, 1), team="East 1")
    path = tmp_path / "r.sqlite3"
    r.write(path).dispose()
    return path


def changes(path) -> list:
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            return c.execute(text(
                "SELECT rso.rso_id, rso.manager_id, rso.version, (SELECT count(*) FROM "
                "allocation), (SELECT count(*) FROM audit WHERE kind = 'alteration') "
                "FROM rso ORDER BY 1")).all()
    finally:
        engine.dispose()


def test_reassign_from_a_holder_that_is_no_longer_the_holder_is_refused(db, capsys):
    engine = make_engine(db)
    reassign(engine, ["R1"], "OM3", "their move", as_user("supervisor.east"), on=ON)
    engine.dispose()
    before = changes(db)
    status = main(["reassign", "--db", str(db), "--rso", "R1", "--from", "OM1", "--to", "OM2",
                   "--reason", "continuity", "--on", "2017-10-09"])
    assert status == 1
    err = capsys.readouterr().err.strip()
    assert re.fullmatch(r"ncpi-desktop: R1 is now held by OM3 \(moved by supervisor\.east at "
                        r"\d\d:\d\d on \d\d/\d\d/\d{4}\)", err), err
    assert changes(db) == before


def test_reassign_from_the_holder_and_from_the_pool_is_done(db, capsys):
    assert main(["reassign", "--db", str(db), "--rso", "R1", "--from", "OM1", "--to", "OM2",
                 "--reason", "continuity", "--on", "2017-10-09"]) == 0
    assert main(["reassign", "--db", str(db), "--rso", "P1", "--from", "pool", "--to", "OM2",
                 "--reason", "allocated", "--on", "2017-10-09"]) == 0
    assert [(rso, holder) for rso, holder, *_ in changes(db)] == [("P1", "OM2"), ("R1", "OM2")]
    # A pooled RSO believed to be with a manager, and one believed pooled that is not.
    assert main(["reassign", "--db", str(db), "--rso", "P1", "--from", "pool", "--to", "OM3",
                 "--reason", "again", "--on", "2017-10-09"]) == 1
    assert "P1 is now held by OM2 (moved by manager at " in capsys.readouterr().err
