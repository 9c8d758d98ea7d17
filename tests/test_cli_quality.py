"""``record review`` and ``briefing`` on the command line (DOMAIN.md rules 15 and 16), and the
``frontline`` role: briefings of its own neighbourhoods and nothing else (exit 3)."""

from __future__ import annotations

import json
import stat
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from builders import Register, _test_password_hash
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.database import make_engine

USERS = [
    ("supervisor.east1", "supervisor", "team:East 1", None),
    ("om1", "offender_manager", "caseload:OM1", "OM1"),
    ("pc.ashton", "frontline", "neighbourhood:Ashton", None),
]
#: Dates of birth no briefing may show.
BORN = {"R1": date(1971, 2, 3), "R2": date(1982, 4, 5), "R3": date(1993, 6, 7),
        "R4": date(1964, 8, 9), "R5": date(1975, 10, 11)}


@pytest.fixture
def db(tmp_path):
    """East 1: OM1 holds R1 (Ashton, high, an SHPO to 2019) and R2 (Ashton, pooled: no
    manager); R5 lives in Ashton but is in custody. East 2: OM3 holds R3 (Brook). West: R4."""
    r = Register()
    for manager, bcu, team in (("OM1", "East", "East 1"), ("OM3", "East", "East 2"),
                               ("OM4", "West", "West 1")):
        r.manager(manager, bcu=bcu, team=team, name=f"DC {manager}")
    r.rso("R1", manager_id="OM1", team="East 1", neighbourhood="Ashton", risk_level="high",
          date_of_birth=BORN["R1"], visit_interval_reason="Plan says monthly")
    r.rso("R2", manager_id=None, team="East 1", neighbourhood="Ashton", risk_level="low",
          date_of_birth=BORN["R2"])
    r.rso("R3", manager_id="OM3", team="East 2", neighbourhood="Brook", date_of_birth=BORN["R3"])
    r.rso("R4", manager_id="OM4", bcu="West", team="West 1", neighbourhood="Ashton West",
          date_of_birth=BORN["R4"])
    r.rso("R5", manager_id="OM1", team="East 1", neighbourhood="Ashton", status="custody",
          date_of_birth=BORN["R5"])
    r.order("R1", date(2016, 1, 1), date(2019, 1, 31), type="SHPO")
    r.order("R1", date(2014, 1, 1), date(2016, 1, 1), type="SRO")  # ended: not in force
    r.order("R3", date(2016, 1, 1), None, type="SHPO")
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


def run(monkeypatch, user: str, *argv: str) -> int:
    monkeypatch.setenv("NCPI_USER", user)
    return main(list(argv))


def rows(path, sql: str) -> list:
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            return c.execute(text(sql)).all()
    finally:
        engine.dispose()


def changes(path) -> list:
    return rows(path, "SELECT actor, kind, operation, rso_ids FROM audit "
                      "WHERE kind != 'access' ORDER BY id")


def test_a_supervisor_records_a_review_with_actions(db, monkeypatch, capsys):
    status = run(monkeypatch, "supervisor.east1", "record", "review", "--db", str(db),
                 "--rso", "R1", "--on", "2017-10-02", "--grade", "requires_improvement",
                 "--findings", "Visits late", "--action", "Visit within 7 days",
                 "--owner", "DC OM1", "--due", "2017-10-09", "--action", "Update the plan",
                 "--owner", "DC OM1", "--due", "09/11/2017")
    assert status == 0
    assert capsys.readouterr().out == (
        "done: Record case review of R1 on 02/10/2017: requires improvement, 2 actions\n")
    assert rows(db, "SELECT rso_id, reviewed_on, reviewer, grade, findings FROM case_review") \
        == [("R1", "2017-10-02", "supervisor.east1", "requires_improvement", "Visits late")]
    assert rows(db, "SELECT text, owner, due_on, done_on FROM review_action ORDER BY due_on") \
        == [("Visit within 7 days", "DC OM1", "2017-10-09", None),
            ("Update the plan", "DC OM1", "2017-11-09", None)]
    assert changes(db) == [("supervisor.east1", "alteration", "record review", '["R1"]')]


@pytest.mark.parametrize(("user", "rso", "rule"), [
    ("supervisor.east1", "R3", "supervisor.east1 may not record a case review for R3: it is in "
                               "team East 2 (East) (scope: team East 1)"),
    ("om1", "R1", "om1 may not record a case review for: not permitted to offender_manager"),
])
def test_a_review_outside_the_users_scope_or_role_is_exit_3(db, monkeypatch, capsys, user,
                                                             rso, rule):
    assert run(monkeypatch, user, "record", "review", "--db", str(db), "--rso", rso, "--on",
               "2017-10-02", "--grade", "good", "--findings", "Fine") == 3
    assert capsys.readouterr().err == f"ncpi-desktop: {rule}\n"
    assert rows(db, "SELECT * FROM case_review") == [] and changes(db) == []


def test_an_action_without_its_owner_is_exit_1(db, monkeypatch, capsys):
    assert run(monkeypatch, "supervisor.east1", "record", "review", "--db", str(db), "--rso",
               "R1", "--on", "2017-10-02", "--grade", "good", "--findings", "Fine",
               "--action", "Call", "--due", "2017-10-09") == 1
    assert "needs --owner NAME and --due DATE" in capsys.readouterr().err
    assert rows(db, "SELECT * FROM case_review") == []


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_a_briefing_holds_only_its_neighbourhood_and_the_minimum(db, monkeypatch, capsys,
                                                                 tmp_path):
    out = tmp_path / "ashton.pdf"
    on = date(2017, 10, 9)
    assert run(monkeypatch, "pc.ashton", "briefing", "--db", str(db), "--neighbourhood",
               "ashton", "--out", str(out), "--on", on.isoformat()) == 0
    destroy = uk_date(on + timedelta(days=28))
    assert capsys.readouterr().out == (
        f"wrote {out} (2 RSOs, 1 page); destroy after {destroy}\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    words = " ".join(pdf_text(out).split())
    names = dict(rows(db, "SELECT rso_id, given_names || ' ' || family_name FROM rso"))
    # Ashton's RSOs in the community, by id and name; nobody else's.
    for rso_id in ("R1", "R2"):
        assert rso_id in words and names[rso_id] in words
    for rso_id in ("R3", "R4", "R5"):
        assert rso_id not in words and names[rso_id] not in words
    assert "OFFICIAL-SENSITIVE" in pdf_text(out).splitlines()[0]
    assert f"Destroy after {destroy}" in words and "Neighbourhood briefing: Ashton, 09/10/2017" \
        in words
    # The minimum: risk level, the order in force with its end date, whom to tell.
    assert "High" in words and "SHPO" in words and "31/01/2019" in words
    assert "SRO" not in words.replace("SHPO", "")  # the ended order is not shown
    assert "DC OM1, East 1" in words and "East 1 team (no named offender manager)" in words
    # Nothing else: no date of birth in any form, no plan text, no other neighbourhood.
    for born in BORN.values():
        assert uk_date(born) not in words and born.isoformat() not in words
    assert "Plan says" not in words and "Brook" not in words and "Ashton West" not in words
    assert changes(db) == [("pc.ashton", "disclosure", "neighbourhood briefing", '["R1", "R2"]')]


@pytest.mark.parametrize("neighbourhood", ["Brook", "Nowhere"])
def test_a_frontline_user_is_refused_another_neighbourhood(db, monkeypatch, capsys, tmp_path,
                                                           neighbourhood):
    out = tmp_path / "b.pdf"
    assert run(monkeypatch, "pc.ashton", "briefing", "--db", str(db), "--neighbourhood",
               neighbourhood, "--out", str(out)) == 3
    assert capsys.readouterr().err == (
        f"ncpi-desktop: pc.ashton may not produce a neighbourhood briefing for "
        f"{neighbourhood}: it is not one of their neighbourhoods (scope: neighbourhood "
        f"Ashton)\n")
    assert not out.exists() and changes(db) == []


def test_only_a_frontline_user_produces_briefings(db, monkeypatch, capsys, tmp_path):
    out = tmp_path / "a.pdf"
    assert run(monkeypatch, "supervisor.east1", "briefing", "--db", str(db), "--neighbourhood",
               "Ashton", "--out", str(out)) == 3
    assert "not permitted to supervisor" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize("argv", [
    ["report", "--json"],
    ["pack", "--out", "OUT/p.pdf"],
    ["export", "--out", "OUT/x.zip"],
    ["import", "EXTRACT"],
    ["rebalance", "--json"],
    ["audit", "verify"],
    ["audit", "list", "--json"],
    ["users", "list"],
    ["reassign", "--rso", "R1", "--from", "OM1", "--to", "OM3", "--reason", "x"],
    ["record", "visit", "--rso", "R1", "--on", "2017-10-02", "--outcome", "completed",
     "--officers", "2"],
    ["record", "arms", "--rso", "R1", "--on", "2017-10-02", "--outcome", "low"],
    ["record", "decision", "--rso", "R1", "--mode", "active", "--reason", "x"],
    ["record", "review", "--rso", "R1", "--on", "2017-10-02", "--grade", "good",
     "--findings", "x"],
    ["rekey"],
])
def test_a_frontline_user_is_refused_every_other_command(db, monkeypatch, capsys, tmp_path,
                                                         tmp_path_factory, argv):
    if "EXTRACT" in argv:
        from ncpi_desktop.exchange.export import export_extract

        extract = tmp_path_factory.mktemp("extract")
        engine = make_engine(db)
        export_extract(engine, extract)
        engine.dispose()
        argv = [a.replace("EXTRACT", str(extract)) for a in argv]
    argv = [a.replace("OUT", str(tmp_path)) for a in argv]
    split = 2 if argv[0] in ("record", "audit", "users") else 1
    before = rows(db, "SELECT count(*) FROM audit WHERE kind != 'access'")
    assert run(monkeypatch, "pc.ashton", *argv[:split], "--db", str(db), *argv[split:]) == 3
    captured = capsys.readouterr()
    assert captured.err.startswith("ncpi-desktop: pc.ashton may not ")
    assert "R1" not in captured.out and json.dumps("Family") not in captured.out
    assert rows(db, "SELECT count(*) FROM audit WHERE kind != 'access'") == before
    assert [p.name for p in tmp_path.iterdir() if p.name != "r.sqlite3"] == []
