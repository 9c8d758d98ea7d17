"""The application on a shared server (issue 15, part 2): it signs in as the user's own login,
so the server authenticates them; it still works for each role (reports, a reassignment within
scope, a visit recorded), reads names only within scope, and manages users as login roles."""

from __future__ import annotations

import json

import postgres
import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ncpi_desktop.cli import main
from ncpi_desktop.storage.snapshot import read_register
from ncpi_desktop.storage.users import SignInRefused, confirm_password, sign_in, sign_out

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))

OWNER_PASSWORD = "owner-password-for-tests"
DEMO_PASSWORD = "demo-password"


@pytest.fixture(scope="module")
def demo():
    """A password-checking server holding the Lancashire demo: (owner URL, users' URL)."""
    with postgres.server(password=OWNER_PASSWORD) as url:
        assert main(["demo", "--db", url]) == 0
        users_url = make_url(url)._replace(username=None, password=None)
        yield url, users_url.render_as_string(hide_password=False)


def owner_rows(demo, sql: str, **params):
    engine = create_engine(demo[0])
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()


def can_connect(demo, user: str, password: str) -> bool:
    url = make_url(demo[0])
    try:
        psycopg.connect(host=url.host, port=url.port, dbname=url.database, user=user,
                        password=password).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.fixture
def as_user(monkeypatch):
    monkeypatch.setenv("NCPI_PASSWORD", DEMO_PASSWORD)


def test_the_application_connects_as_the_user_and_reads_names_in_scope(demo):
    own = {r for (r,) in owner_rows(demo, "SELECT rso_id FROM rso WHERE manager_id = 'OM009'")}
    session = sign_in(demo[1], "om009", DEMO_PASSWORD)
    try:
        assert session.engine.url.username == "om009"
        with session.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT session_user").scalar() == "om009"
            register = read_register(connection)
        rsos = register.rsos
        named = set(rsos.loc[rsos["family_name"].notna(), "rso_id"])
        assert named == own and len(rsos) > len(own)  # every RSO's figures, own names only
        confirm_password(session, DEMO_PASSWORD)  # the window's unlock asks the server
        with pytest.raises(SignInRefused):
            confirm_password(session, "not-the-password")
    finally:
        sign_out(session)
    with pytest.raises(SignInRefused):
        sign_in(demo[1], "om009", "not-the-password")
    with pytest.raises(SignInRefused):
        sign_in(demo[1], "nobody", DEMO_PASSWORD)
    analyst = sign_in(demo[1], "analyst", DEMO_PASSWORD)
    try:
        with analyst.engine.connect() as connection:
            assert read_register(connection).rsos["family_name"].isna().all()
    finally:
        sign_out(analyst)


def test_each_role_reports_and_writes_within_scope(demo, as_user, capsys):
    for user in ("analyst", "supervisor.east", "supervisor.east1", "manager"):
        assert main(["report", "--db", demo[1], "--user", user, "--json"]) == 0, user
        assert json.loads(capsys.readouterr().out)["rsos"], user
    scope = dict(owner_rows(demo, "SELECT user_name, scope FROM app_user"))["supervisor.east"]
    bcu = scope.removeprefix("bcu:")
    move = owner_rows(demo, "SELECT r.rso_id, r.manager_id, m.manager_id FROM rso r JOIN manager"
                            " m ON m.bcu = r.bcu AND m.manager_id <> r.manager_id AND m.active "
                            "AND m.role = 'offender_manager' WHERE r.bcu = :b "
                            "AND r.manager_id IS NOT NULL ORDER BY r.rso_id LIMIT 1", b=bcu)[0]
    assert main(["reassign", "--db", demo[1], "--user", "supervisor.east", "--rso", move[0],
                 "--from", move[1], "--to", move[2], "--reason", "balancing"]) == 0
    assert owner_rows(demo, "SELECT manager_id FROM rso WHERE rso_id = :r",
                      r=move[0])[0][0] == move[2]
    outside = owner_rows(demo, "SELECT rso_id, manager_id FROM rso WHERE bcu <> :b AND "
                               "manager_id IS NOT NULL ORDER BY rso_id LIMIT 1", b=bcu)[0]
    assert main(["reassign", "--db", demo[1], "--user", "supervisor.east", "--rso", outside[0],
                 "--from", outside[1], "--to", move[2], "--reason", "x"]) == 3
    mine = owner_rows(demo, "SELECT rso_id FROM rso WHERE manager_id = 'OM009' "
                            "ORDER BY rso_id LIMIT 1")[0][0]
    assert main(["record", "visit", "--db", demo[1], "--user", "om009", "--rso", mine,
                 "--on", "01/02/2017", "--outcome", "completed", "--officers", "2"]) == 0
    capsys.readouterr()
    assert main(["audit", "list", "--db", demo[1], "--user", "manager", "--rso", mine,
                 "--json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out) if r["actor"] == "om009"]
    actions = [r["action"] for r in rows]
    assert "record visit" in actions and "server: insert visit" in actions
    assert main(["audit", "verify", "--db", demo[1], "--user", "admin"]) == 0


def test_users_are_login_roles(demo, as_user, monkeypatch, capsys):
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "first-password-1")
    assert main(["users", "add", "ana.lyst", "--roles", "analyst", "--scope", "force", "--db",
                 demo[1], "--user", "admin"]) == 0
    assert can_connect(demo, "ana.lyst", "first-password-1")
    groups = owner_rows(demo, "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON "
                              "g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
                              "WHERE u.rolname = 'ana.lyst'")
    assert groups == [("ncpi_analyst",)]
    # a user changes their own password: the login's changes with it
    monkeypatch.setenv("NCPI_PASSWORD", "first-password-1")
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "second-password-2")
    assert main(["users", "passwd", "ana.lyst", "--db", demo[1], "--user", "ana.lyst"]) == 0
    assert not can_connect(demo, "ana.lyst", "first-password-1")
    assert can_connect(demo, "ana.lyst", "second-password-2")
    monkeypatch.setenv("NCPI_PASSWORD", DEMO_PASSWORD)
    assert main(["users", "set", "ana.lyst", "--roles", "supervisor", "--scope", "bcu:West",
                 "--db", demo[1], "--user", "admin"]) == 0
    groups = owner_rows(demo, "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON "
                              "g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
                              "WHERE u.rolname = 'ana.lyst'")
    assert groups == [("ncpi_supervisor",)]
    assert main(["users", "disable", "ana.lyst", "--db", demo[1], "--user", "admin"]) == 0
    assert not can_connect(demo, "ana.lyst", "second-password-2")
    # the owner and roles that are not the register's are never changed through it
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "owner-takeover-1")
    assert main(["users", "add", "postgres", "--roles", "analyst", "--scope", "force",
                 "--db", demo[1], "--user", "admin"]) != 0
    assert can_connect(demo, "postgres", OWNER_PASSWORD)
    capsys.readouterr()


def test_server_init_again_and_not_on_sqlite(demo, tmp_path, capsys):
    assert main(["server", "init", "--db", demo[0]]) == 0
    assert "brought" in capsys.readouterr().out
    assert main(["server", "init", "--db", str(tmp_path / "x.sqlite3")]) == 2
    assert "PostgreSQL" in capsys.readouterr().err
    assert can_connect(demo, "om009", DEMO_PASSWORD)


def test_a_manager_exports_and_imports_on_the_server(demo, as_user, tmp_path, capsys):
    out = tmp_path / "extract.zip"
    assert main(["export", "--db", demo[1], "--user", "manager", "--out", str(out)]) == 0
    assert main(["import", str(out), "--db", demo[1], "--user", "manager"]) == 0
    capsys.readouterr()
    # an analyst may do neither: the application says so before the server has to
    assert main(["export", "--db", demo[1], "--user", "analyst", "--out",
                 str(tmp_path / "no.zip")]) == 3


def test_server_init_by_an_owner_who_is_not_a_superuser(demo, monkeypatch, capsys):
    """As the README sets a server up: a database owned by a role that may create roles."""
    engine = create_engine(demo[0], isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE ROLE reg_owner LOGIN CREATEROLE "
                                       "PASSWORD 'owner-password-2'")
            connection.exec_driver_sql("CREATE DATABASE second OWNER reg_owner")
    finally:
        engine.dispose()
    url = make_url(demo[0])
    owner = url._replace(username="reg_owner", password="owner-password-2", database="second")
    monkeypatch.setenv("NCPI_USER", "jbloggs")
    monkeypatch.setenv("NCPI_PASSWORD", "first-admin-password")
    assert main(["server", "init", "--db", owner.render_as_string(hide_password=False)]) == 0
    out = capsys.readouterr().out
    assert "first user jbloggs" in out and "owner-password-2" not in out
    users = url._replace(username=None, password=None, database="second")
    assert main(["users", "list", "--db", users.render_as_string(hide_password=False),
                 "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [u["user_name"] for u in listed] == ["jbloggs"]
