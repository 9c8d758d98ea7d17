"""The command line's write commands (SERVER.md) and the reads, as a user of the database: done
(exit 0), refused by a rule of the domain (exit 1), or not permitted for this user (exit 3, one
line naming the rule, nothing written). The user is named by ``NCPI_USER``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from builders import Register, _test_password_hash
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.storage.database import make_engine

#: (user name, roles, scope, manager id): rows of the database's app_user table.
USERS = [
    ("om1", "offender_manager", "caseload:OM1", "OM1"),
    ("supervisor.east1", "supervisor", "team:East 1", None),
    ("supervisor.east", "supervisor", "bcu:East", None),
    ("manager.east", "manager", "bcu:East", None),
    ("analyst", "analyst", "force", None),
    ("admin", "administrator", "force", None),
]


@pytest.fixture
def db(tmp_path):
    """East 1: OM1 holds R1, OM2 holds R2; East 2: OM3 holds R3; West 1: OM4 holds R4."""
    r = Register()
    for manager, bcu, team in (("OM1", "East", "East 1"), ("OM2", "East", "East 1"),
                               ("OM3", "East", "East 2"), ("OM4", "West", "West 1")):
        r.manager(manager, bcu=bcu, team=team)
        r.rso(f"R{manager[-1]}", manager_id=manager, bcu=bcu, team=team)
    path = tmp_path / "r.sqlite3"
    engine = r.write(path)
    at = datetime(2017, 1, 1, tzinfo=UTC)
    with engine.begin() as c:
        for name, roles, scope, manager in USERS:
            c.execute(text(
                "INSERT INTO app_user (user_name, display_name, roles, scope, manager_id, active,"
                " password_hash, created_at, changed_at) VALUES (:n, :n, :r, :s, :m, 1, :h,"
                " :at, :at)"), dict(n=name, r=roles, s=scope, m=manager, at=at,
                                     h=_test_password_hash()))
    engine.dispose()
    return path


def tables(path) -> dict[str, list]:
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            # Signing in and out are audited (access rows): not part of what a command changes.
            only = {"audit": " WHERE kind != 'access'"}
            return {t: c.execute(text(f"SELECT * FROM {t}{only.get(t, '')} ORDER BY 1")).all()
                    for t in ("rso", "allocation", "visit", "arms", "management_decision",
                              "audit")}
    finally:
        engine.dispose()


def run(monkeypatch, user: str, *argv: str) -> int:
    monkeypatch.setenv("NCPI_USER", user)
    return main(list(argv))


def test_a_supervisor_reassigns_within_their_team(db, monkeypatch, capsys):
    status = run(monkeypatch, "supervisor.east1", "reassign", "--db", str(db), "--rso", "R1",
                 "--from", "OM1", "--to", "OM2", "--reason", "continuity", "--on", "2017-10-02")
    assert status == 0
    assert capsys.readouterr().out == "done: Reassign 1 RSO(s) to OM2\n"
    with make_engine(db).connect() as c:
        assert c.execute(text("SELECT manager_id FROM rso WHERE rso_id='R1'")).scalar() == "OM2"
        changes = "SELECT actor, operation FROM audit WHERE kind != 'access' ORDER BY id"
        assert c.execute(text(changes)).all() == [
            ("supervisor.east1", "reassign")]


@pytest.mark.parametrize(("user", "argv", "rule"), [
    ("supervisor.east1", ["reassign", "--rso", "R3", "--from", "OM3", "--to", "OM1",
                          "--reason", "continuity"],
     "supervisor.east1 may not reassign R3: it is in team East 2 (East) (scope: team East 1)"),
    ("supervisor.east", ["reassign", "--rso", "R1", "--from", "OM1", "--to-pool", "West 1",
                         "--reason", "continuity"],
     "supervisor.east may not reassign the West 1 pool: it is in team West 1 (West) "
     "(scope: BCU East)"),
    ("om1", ["record", "visit", "--rso", "R2", "--on", "2017-10-02", "--outcome", "completed",
             "--officers", "2"],
     "om1 may not record a visit for R2: it is in team East 1 (East) (scope: caseload of OM1)"),
    ("om1", ["record", "decision", "--rso", "R1", "--mode", "active", "--reason", "review"],
     "om1 may not record a management decision for: not permitted to offender_manager"),
    ("analyst", ["record", "arms", "--rso", "R1", "--on", "2017-10-02", "--outcome", "low"],
     "analyst may not record an ARMS assessment for: not permitted to analyst"),
    ("admin", ["export", "--out", "x.zip"],
     "admin may not export the extract: not permitted to administrator"),
    ("manager.east", ["export", "--out", "x.zip"],
     "manager.east may not export the extract: it holds the whole register (scope: BCU East)"),
    ("analyst", ["rebalance", "--json"],
     "analyst may not propose a rebalance: not permitted to analyst"),
    ("supervisor.east1", ["rebalance", "--leaving", "OM3", "--bcu", "East", "--apply",
                          "--reason", "left", "--as-at", "2017-10-09"],
     "supervisor.east1 may not move a leaving manager's RSOs R3: it is in team East 2 (East) "
     "(scope: team East 1)"),
    ("analyst", ["pack", "--out", "pack.xlsx", "--names"],
     "analyst may not produce a performance pack with names: not permitted to analyst"),
])
def test_not_permitted_is_exit_3_naming_the_rule_and_writes_nothing(
        db, monkeypatch, capsys, tmp_path, user, argv, rule):
    before = tables(db)
    if "--out" in argv:
        argv[argv.index("--out") + 1] = str(tmp_path / argv[argv.index("--out") + 1])
    status = run(monkeypatch, user, *argv[:2 if argv[0] == "record" else 1], "--db", str(db),
                 *argv[2 if argv[0] == "record" else 1:])
    assert status == 3
    captured = capsys.readouterr()
    assert captured.err == f"ncpi-desktop: {rule}\n" and captured.out == ""
    assert tables(db) == before
    assert not list(tmp_path.glob("x.zip")) and not list(tmp_path.glob("pack.xlsx"))


def test_an_offender_manager_records_for_their_own_rso(db, monkeypatch, capsys):
    assert run(monkeypatch, "om1", "record", "visit", "--db", str(db), "--rso", "R1", "--on",
               "02/10/2017", "--outcome", "no_access", "--officers", "2") == 0
    assert capsys.readouterr().out.startswith("done: Record no access visit to R1 on 02/10/2017")
    assert run(monkeypatch, "om1", "record", "arms", "--db", str(db), "--rso", "R1", "--on",
               "2017-10-02", "--outcome", "medium") == 0
    with make_engine(db).connect() as c:
        changes = "SELECT actor, operation FROM audit WHERE kind != 'access' ORDER BY id"
        assert c.execute(text(changes)).all() == [
            ("om1", "record visit"), ("om1", "record ARMS")]


def test_a_rule_of_the_domain_is_exit_1(db, monkeypatch, capsys):
    assert run(monkeypatch, "supervisor.east", "record", "decision", "--db", str(db), "--rso",
               "R1", "--mode", "reactive", "--reason", "stable", "--on", "2017-10-02") == 1
    assert capsys.readouterr().err.startswith(
        "ncpi-desktop: R1 cannot be managed reactively on 02/10/2017: ")
    assert run(monkeypatch, "supervisor.east", "record", "decision", "--db", str(db), "--rso",
               "R1", "--mode", "active", "--reason", "review", "--on", "2017-10-02") == 0


def test_an_unknown_user_cannot_sign_in(db, monkeypatch, capsys):
    assert run(monkeypatch, "nobody", "reassign", "--db", str(db), "--rso", "R1", "--from",
               "OM1", "--to", "OM2", "--reason", "continuity") == 2
    assert capsys.readouterr().err == ("ncpi-desktop: sign-in refused: that user name and "
                                       "password do not match an active user\n")


def test_the_report_is_cut_to_the_user(db, monkeypatch, capsys):
    """Counts for everyone; an analyst's report has the same figures as a supervisor's."""
    assert run(monkeypatch, "analyst", "report", "--db", str(db), "--as-at", "2017-10-09",
               "--json") == 0
    analyst = json.loads(capsys.readouterr().out)
    assert run(monkeypatch, "supervisor.east", "report", "--db", str(db), "--as-at",
               "2017-10-09", "--json") == 0
    supervisor = json.loads(capsys.readouterr().out)
    assert analyst == supervisor and analyst["force"]["rsos"] == 4


def test_a_pack_with_names_names_only_the_rsos_in_the_users_scope(db, monkeypatch, tmp_path):
    """A BCU manager's pack with names: East's RSOs by name, West's by id alone."""
    from openpyxl import load_workbook

    engine = make_engine(db)
    with engine.connect() as c:
        names = dict(c.execute(text("SELECT rso_id, family_name FROM rso")).all())
    engine.dispose()
    out = tmp_path / "pack.xlsx"
    assert run(monkeypatch, "manager.east", "pack", "--db", str(db), "--as-at", "2017-10-09",
               "--out", str(out), "--names") == 0
    cells = " ".join(str(cell.value) for sheet in load_workbook(out).worksheets
                     for row in sheet.iter_rows() for cell in row if cell.value is not None)
    assert names["R1"].upper() in cells.upper() and "R4" in cells
    assert names["R4"].upper() not in cells.upper()
