"""The command line as a user runs it: report --json, and errors without tracebacks."""

from __future__ import annotations

import json
from datetime import date

import pytest
from builders import Register

from ncpi_desktop.cli import main


@pytest.fixture
def db(tmp_path):
    r = Register()
    r.manager("OM001", name="Alex Hart")
    r.many(58, manager_id="OM001", risk_level="medium")
    r.many(9, manager_id="OM001", risk_level="high")
    r.many(2, team="East 1")
    r.write(tmp_path / "r.sqlite3").dispose()
    return tmp_path / "r.sqlite3"


def test_report_json_prints_the_caseload_contract(db, capsys):
    assert main(["report", "--db", str(db), "--as-at", "2017-10-09", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["as_at"] == "2017-10-09"
    assert report["policy"]["caseload_limit_per_fte"] == 50
    assert report["policy"]["high_risk_share_limit"] == 0.2
    force = report["force"]
    assert force["rsos"] == 69 and force["community"] == 69 and force["pooled"] == 2
    assert force["per_fte"] == 69.0 and force["offender_managers"] == 1
    assert force["high_risk_share"] == pytest.approx(9 / 69)
    for key in ("custody", "abroad", "missing", "low", "medium", "high", "very_high",
                "fte", "arms_eligible", "arms_current", "arms_completion", "active", "reactive"):
        assert key in force
    assert force["arms_completion"] == 0.0
    assert report["bcus"][0]["name"] == "East"
    assert report["teams"][0] == {**report["teams"][0], "name": "East 1", "bcu": "East"}
    om = report["managers"][0]
    assert om["manager_id"] == "OM001" and om["caseload"] == 67 and om["per_fte"] == 67.0
    assert om["flags"] == ["caseload_over_limit"]
    assert len(om["why"]) == 1 and om["why"][0].startswith(
        "67 community RSOs on 1.0 FTE: above 50 per FTE; workload ")
    assert om["workload_grade"] == "red" and om["workload_capacity"] > 1.1


def test_report_accepts_uk_dates(db, capsys):
    assert main(["report", "--db", str(db), "--as-at", "09/10/2017", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["as_at"] == "2017-10-09"


def test_missing_database_is_one_line_and_status_2(tmp_path, capsys):
    assert main(["report", "--db", str(tmp_path / "none.sqlite3"), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No database at" in err


def test_unreadable_database_is_one_line_and_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00garbage" * 1000)
    assert main(["report", "--db", str(bad), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Cannot open database" in err


def test_impossible_as_at_date_is_rejected(db, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["report", "--db", str(db), "--as-at", "31/02/2017", "--json"])
    assert caught.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_gui_opens_on_the_database_as_at_the_date_given(db, monkeypatch):
    import ncpi_desktop.ui.app as app

    opened: list[tuple] = []
    monkeypatch.setattr(app, "run_app", lambda target, as_at=None, theme=None:
                        opened.append((target, as_at, theme)) or 0)
    assert main(["--db", str(db), "--as-at", "09/10/2017"]) == 0
    assert main(["--db", str(db), "--theme", "dark"]) == 0
    assert opened == [(str(db), date(2017, 10, 9), None), (str(db), None, "dark")]


def test_report_reads_the_kept_register_and_never_a_stale_one(lancashire_path, tmp_path, capsys,
                                                              monkeypatch):
    """With the start-up copy of the register in the database the report is read from it, and
    says exactly what a read of the tables says; after a change the copy is not used."""
    from builders import copy_database, signed_in_engine

    from ncpi_desktop.storage import register_store
    from ncpi_desktop.storage.load import RegisterCache

    path = copy_database(lancashire_path, tmp_path / "lancashire.sqlite3")

    def report() -> dict:
        assert main(["report", "--db", str(path), "--as-at", "2017-10-09", "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    from_tables = report()
    engine = signed_in_engine(path)
    cache = RegisterCache()
    with engine.connect() as connection:
        cache.register(connection)
    assert cache.store(engine)
    engine.dispose()
    found = []
    stored = register_store.stored_register
    monkeypatch.setattr(register_store, "stored_register",
                        lambda connection: found.append(stored(connection)) or found[-1])

    assert report() == from_tables
    assert found and found[-1] is not None  # read from the copy

    manager = from_tables["managers"][0]
    outside = signed_in_engine(path)  # another program halves a manager's hours
    with outside.begin() as connection:
        connection.exec_driver_sql("UPDATE manager SET fte = fte / 2 WHERE manager_id = ?",
                                   (manager["manager_id"],))
    outside.dispose()
    changed = {m["manager_id"]: m for m in report()["managers"]}[manager["manager_id"]]
    assert found[-1] is None  # the copy went with the change
    assert changed["fte"] == pytest.approx(manager["fte"] / 2)
    assert changed["per_fte"] == pytest.approx(manager["per_fte"] * 2)
