"""`ncpi-desktop import` and `export` as a user runs them: what they print and their exit status
(0 done, 1 validation errors, 2 unusable input)."""

from __future__ import annotations

import json

import pytest
from builders import signed_in_engine
from extract_files import db_state, new_database, valid_rows, write_folder

from ncpi_desktop.cli import main


def fresh(path):
    """A new database holding the tests' user (``import`` no longer makes one)."""
    new_database(path).dispose()
    return path


@pytest.fixture
def extract(tmp_path):
    return write_folder(tmp_path / "extract")


def test_import_into_a_new_database_prints_the_summary(tmp_path, extract, capsys):
    db = tmp_path / "new.sqlite3"
    assert main(["init", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["import", str(extract), "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "managers: 4 added, 0 updated, 0 unchanged",
        "offenders: 5 added, 0 updated, 0 unchanged",
        "visits: 3 added, 0 updated, 0 unchanged",
        "arms: 2 added, 0 updated, 0 unchanged",
        "orders: 2 added, 0 updated, 0 unchanged",
        "manager changes recorded in the allocation history: 0",
    ]
    engine = signed_in_engine(db)
    with engine.connect() as c:  # the audit's who is the signed-in user (tests/conftest.py)
        assert c.exec_driver_sql("SELECT actor, operation FROM audit WHERE operation = "
                                 "'import'").all() == [("manager", "import")]
    engine.dispose()

    assert main(["import", str(extract), "--db", str(db)]) == 0
    assert "managers: 0 added, 0 updated, 4 unchanged" in capsys.readouterr().out


def test_import_prints_every_error_and_exits_1(tmp_path, capsys):
    db = fresh(tmp_path / "r.sqlite3")
    assert main(["import", str(write_folder(tmp_path / "good")), "--db", str(db)]) == 0
    capsys.readouterr()
    engine = signed_in_engine(db)
    before = db_state(engine)

    tables = valid_rows()
    tables["managers"][0]["fte"] = "2"
    tables["visits"][0]["visited_on"] = "31/02/2017"
    tables["visits"][0]["extra"] = "x"
    assert main(["import", str(write_folder(tmp_path / "bad", tables)), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        'managers.csv row 2, column fte: "2" is out of range (expected a decimal number, '
        "0 < fte <= 1)",
        'visits.csv row 2, column visited_on: "31/02/2017" is not a date '
        "(expected YYYY-MM-DD or DD/MM/YYYY)",
        "warning: visits.csv, column extra: is not a column of visits (expected visit_id, "
        "rso_id, visited_on, outcome, officers); ignored",
    ]
    assert captured.err == "ncpi-desktop: 2 error(s) in bad; nothing was imported\n"
    assert db_state(engine) == before
    engine.dispose()


def test_import_into_a_missing_database_says_to_make_one_and_makes_nothing(tmp_path, extract,
                                                                          capsys):
    db = tmp_path / "new.sqlite3"
    assert main(["import", str(extract), "--db", str(db)]) == 2
    assert capsys.readouterr().err == (f"ncpi-desktop: No database at {db}: make one with "
                                       f"ncpi-desktop init --db {db}\n")
    assert not db.exists()


def test_check_writes_nothing(tmp_path, extract, capsys):
    db = tmp_path / "new.sqlite3"
    assert main(["import", str(extract), "--db", str(db), "--check"]) == 0
    out = capsys.readouterr().out
    assert "offenders: 5 added, 0 updated, 0 unchanged" in out
    assert out.endswith("extract is valid; nothing was written (--check)\n")
    assert not db.exists()

    assert main(["import", str(extract), "--db", str(fresh(db))]) == 0
    engine = signed_in_engine(db)
    before = db_state(engine)
    tables = valid_rows()
    tables["offenders"][0]["manager_id"] = "OM2"
    assert main(["import", str(write_folder(tmp_path / "changed", tables)), "--db", str(db),
                 "--check"]) == 0
    assert "offenders: 0 added, 1 updated, 4 unchanged" in capsys.readouterr().out
    assert db_state(engine) == before
    engine.dispose()


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "nowhere", "does not exist"),
    (lambda p: (p / "x.txt").write_text("a") and p / "x.txt", "x.txt is not an extract"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "empty is not an extract"),
])
def test_import_of_what_is_not_an_extract_exits_2(tmp_path, capsys, make, message):
    db = tmp_path / "r.sqlite3"
    assert main(["import", str(make(tmp_path)), "--db", str(db)]) == 2
    assert message in capsys.readouterr().err
    assert not db.exists()


def test_import_into_a_missing_folder_exits_2(tmp_path, extract, capsys):
    db = tmp_path / "no" / "such" / "r.sqlite3"
    assert main(["import", str(extract), "--db", str(db)]) == 2
    assert "No database" in capsys.readouterr().err and not db.parent.exists()


def test_import_into_something_that_is_not_a_database_exits_2(tmp_path, extract, capsys):
    db = tmp_path / "r.sqlite3"
    db.write_text("not a database")
    assert main(["import", str(extract), "--db", str(db)]) == 2
    assert db.read_text() == "not a database"


@pytest.mark.parametrize("out", ["x", "x.zip", "x.xlsx"])
def test_export_writes_an_extract_that_imports_to_the_same_report(tmp_path, extract, capsys,
                                                                  out):
    db = fresh(tmp_path / "r.sqlite3")
    assert main(["import", str(extract), "--db", str(db)]) == 0
    assert main(["export", "--db", str(db), "--out", str(tmp_path / out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "managers: 4, offenders: 5, visits: 3, arms: 2, orders: 2, events: 0, referrals: 0, "
        "reviews: 0, review_actions: 0")
    copy = fresh(tmp_path / "copy.sqlite3")
    assert main(["import", str(tmp_path / out), "--db", str(copy)]) == 0
    capsys.readouterr()
    reports = []
    for path in (db, copy):
        assert main(["report", "--db", str(path), "--as-at", "2017-10-09", "--json"]) == 0
        reports.append(json.loads(capsys.readouterr().out))
    assert reports[0] == reports[1]


@pytest.mark.parametrize("out", ["x.csv", "missing/x.zip"])
def test_export_where_it_cannot_exits_2(tmp_path, extract, capsys, out):
    db = fresh(tmp_path / "r.sqlite3")
    assert main(["import", str(extract), "--db", str(db)]) == 0
    assert main(["export", "--db", str(db), "--out", str(tmp_path / out)]) == 2
    assert capsys.readouterr().err.startswith("ncpi-desktop: ")


def test_export_of_a_missing_database_exits_2(tmp_path, capsys):
    assert main(["export", "--db", str(tmp_path / "none.sqlite3"), "--out",
                 str(tmp_path / "x")]) == 2
    assert "No database" in capsys.readouterr().err
