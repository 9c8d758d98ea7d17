"""A shared server enforces SECURITY.md itself (issue 15, part 2): after ``demo --db
postgresql://...`` (which runs ``server init``), a user's own connection to PostgreSQL, as
``psql`` makes one, reads no name outside their scope and cannot write what their role may not;
every change is audited by the server in the application's hash chain."""

from __future__ import annotations

import json

import postgres
import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ncpi_desktop.cli import main
from ncpi_desktop.storage.snapshot import database_stamp

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


def psql(demo, user: str, password: str = DEMO_PASSWORD) -> psycopg.Connection:
    """A plain connection as ``user``, as ``psql`` would make (autocommit)."""
    url = make_url(demo[0])
    return psycopg.connect(host=url.host, port=url.port, dbname=url.database, user=user,
                           password=password, autocommit=True)


def owner_rows(demo, sql: str, **params):
    engine = create_engine(demo[0])
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def places(demo):
    """RSOs held by OM009, by someone else in another BCU, and the supervisors' scopes."""
    own = [r for (r,) in owner_rows(demo, "SELECT rso_id FROM rso WHERE manager_id = 'OM009' "
                                          "ORDER BY rso_id")]
    om = owner_rows(demo, "SELECT bcu, team FROM manager WHERE manager_id = 'OM009'")[0]
    other_bcu = owner_rows(demo, "SELECT rso_id, bcu, manager_id FROM rso WHERE bcu <> :b "
                                 "AND manager_id IS NOT NULL ORDER BY rso_id LIMIT 1",
                           b=om.bcu)[0]
    scopes = dict(owner_rows(demo, "SELECT user_name, scope FROM app_user "
                                   "WHERE user_name LIKE 'supervisor.%'"))
    assert own and other_bcu
    return {"own": own, "om": om, "other": other_bcu, "scopes": scopes}


def refused(connection: psycopg.Connection, sql: str, *params) -> str:
    """Run ``sql`` expecting the server to refuse it; the error's SQLSTATE."""
    with pytest.raises(psycopg.Error) as caught:
        connection.execute(sql, params)
    return caught.value.sqlstate or ""


def test_offender_manager_reads_names_of_their_caseload_only(demo, places):
    with psql(demo, "om009") as connection:
        assert refused(connection, "SELECT family_name FROM rso") == "42501"
        assert refused(connection, "SELECT date_of_birth FROM rso") == "42501"
        assert refused(connection, "SELECT * FROM rso") == "42501"
        rows = connection.execute("SELECT rso_id, manager_id, family_name, given_names, "
                                  "date_of_birth, visit_interval_reason FROM rso_named").fetchall()
        total = connection.execute("SELECT count(*) FROM rso").fetchone()[0]
        assert refused(connection, "SELECT reason FROM management_decision") == "42501"
        reasons = connection.execute(
            "SELECT r.manager_id = 'OM009', d.reason IS NOT NULL FROM management_decision_named"
            " d JOIN rso r ON r.rso_id = d.rso_id").fetchall()
    assert len(rows) == total == owner_rows(demo, "SELECT count(*) FROM rso")[0][0]
    named = {r[0] for r in rows if r[2] is not None or r[3] is not None}
    assert named == set(places["own"])  # every name of their caseload, and no other
    others = [r for r in rows if r[1] != "OM009"]
    assert others and all(r[4].month == 7 and r[4].day == 1 for r in others)  # the year only
    assert all(r[5] is None for r in others)
    assert reasons and all(held or not shown for held, shown in reasons)


def test_offender_manager_cannot_write_outside_their_role(demo, places):
    mine, theirs = places["own"][0], places["other"].rso_id
    with psql(demo, "om009") as connection:
        assert refused(connection, "UPDATE rso SET manager_id = 'OM009' WHERE rso_id = %s",
                       theirs) == "42501"
        assert refused(connection, "UPDATE rso SET risk_level = 'low' WHERE rso_id = %s",
                       mine) == "42501"
        assert refused(connection, "INSERT INTO allocation (rso_id, manager_id, starts_on, "
                                   "reason, actor, recorded_at) VALUES (%s, 'OM009', "
                                   "'2017-01-01', 'x', 'om009', now())", theirs) == "42501"
        # a visit for an RSO they do not hold: refused by row-level security
        assert refused(connection, "INSERT INTO visit (visit_id, rso_id, visited_on, outcome, "
                                   "officers) VALUES ('PSQL-1', %s, '2017-01-02', 'completed', "
                                   "2)", theirs) == "42501"
        assert refused(connection, "DELETE FROM audit") == "42501"
        assert refused(connection, "SELECT nextval(pg_get_serial_sequence('audit', 'id'))"
                       ) == "42501"
        assert refused(connection, "CREATE TABLE mine (x int)") == "42501"
        assert refused(connection, "UPDATE audit SET actor = 'x'") == "42501"
        assert refused(connection, "SELECT detail FROM audit") == "42501"
        assert refused(connection, "SELECT * FROM register_cache") == "42501"
        assert refused(connection, "SELECT password_hash FROM app_user") == "42501"
        assert refused(connection, "SELECT ncpi_login_set('admin', 'SCRAM-SHA-256$x')"
                       ) == "42501"
        assert refused(connection, "ALTER ROLE admin PASSWORD 'not-the-password'") == "42501"
        users = connection.execute("SELECT user_name FROM app_user").fetchall()
    assert users == [("om009",)]
    assert not owner_rows(demo, "SELECT 1 FROM visit WHERE visit_id = 'PSQL-1'")


def test_a_permitted_record_works_and_is_audited_by_the_server(demo, places):
    mine = places["own"][0]
    with psql(demo, "om009") as connection:
        connection.execute("INSERT INTO visit (visit_id, rso_id, visited_on, outcome, officers)"
                           " VALUES ('PSQL-2', %s, '2017-02-03', 'completed', 2)", (mine,))
        # the audit append takes who connected, whatever actor is given
        connection.execute("SELECT ncpi_audit_append('admin', 'consultation', 'psql', '[]', "
                           "'null')")
    rows = owner_rows(demo, "SELECT actor, kind, operation, rso_ids, detail FROM audit "
                            "ORDER BY id DESC LIMIT 2")
    assert rows[0][:3] == ("om009", "consultation", "psql")
    actor, kind, operation, rso_ids, detail = rows[1]
    assert (actor, kind, operation) == ("om009", "alteration", "server: insert visit")
    assert json.loads(rso_ids) == [mine]
    assert json.loads(detail)["after"][0]["visit_id"] == "PSQL-2"


def test_analyst_sees_no_name_and_writes_nothing(demo, places):
    with psql(demo, "analyst") as connection:
        names = connection.execute("SELECT count(*) FROM rso_named WHERE family_name IS NOT NULL"
                                   " OR given_names IS NOT NULL").fetchone()[0]
        assert names == 0
        assert refused(connection, "INSERT INTO visit (visit_id, rso_id, visited_on, outcome, "
                                   "officers) VALUES ('PSQL-3', %s, '2017-01-02', 'completed', "
                                   "2)", places["own"][0]) == "42501"
    with psql(demo, "admin") as connection:  # administrators: users and audit, no names
        names = connection.execute("SELECT count(*) FROM rso_named WHERE family_name IS NOT NULL"
                                   ).fetchone()[0]
        assert names == 0
        assert connection.execute("SELECT count(*) FROM audit WHERE detail IS NOT NULL"
                                  ).fetchone()[0] > 0


def test_supervisor_moves_only_within_scope(demo, places):
    theirs = places["other"]
    assert places["scopes"]["supervisor.east"].startswith("bcu:")
    bcu = places["scopes"]["supervisor.east"].removeprefix("bcu:")
    inside = owner_rows(demo, "SELECT r.rso_id, m.manager_id FROM rso r JOIN manager m ON "
                              "m.bcu = r.bcu AND m.manager_id <> r.manager_id AND m.active "
                              "WHERE r.bcu = :b AND r.manager_id IS NOT NULL "
                              "ORDER BY r.rso_id LIMIT 1", b=bcu)[0]
    assert theirs.bcu != bcu
    with psql(demo, "supervisor.east") as connection:
        outside = connection.execute("UPDATE rso SET manager_id = %s WHERE rso_id = %s",
                                     (inside.manager_id, theirs.rso_id))
        assert outside.rowcount == 0  # the row is not there for them to change
        assert refused(connection, "UPDATE rso SET manager_id = %s WHERE rso_id = %s",
                       theirs.manager_id, inside.rso_id) == "42501"  # to a holder outside
        moved = connection.execute("UPDATE rso SET manager_id = %s WHERE rso_id = %s",
                                   (inside.manager_id, inside.rso_id))
        assert moved.rowcount == 1
    assert owner_rows(demo, "SELECT manager_id FROM rso WHERE rso_id = :r",
                      r=theirs.rso_id)[0][0] == theirs.manager_id
    audited = owner_rows(demo, "SELECT actor, operation, rso_ids FROM audit WHERE "
                               "operation = 'server: update rso' ORDER BY id DESC LIMIT 1")[0]
    assert audited[:2] == ("supervisor.east", "server: update rso")
    assert json.loads(audited[2]) == [inside.rso_id]


def test_psql_changes_are_in_audit_list_and_the_chain_verifies(demo, places, capsys,
                                                              monkeypatch):
    with psql(demo, "om009") as connection:
        connection.execute("INSERT INTO visit (visit_id, rso_id, visited_on, outcome, officers)"
                           " VALUES ('PSQL-4', %s, '2017-02-04', 'no_access', 2)",
                           (places["own"][-1],))
    monkeypatch.setenv("NCPI_PASSWORD", DEMO_PASSWORD)
    capsys.readouterr()
    assert main(["audit", "list", "--db", demo[1], "--user", "admin", "--actor", "om009",
                 "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert any(row["action"] == "server: insert visit"
               and row["rso_ids"] == [places["own"][-1]] for row in listed)
    assert main(["audit", "verify", "--db", demo[1], "--user", "admin"]) == 0
    assert "audit log intact" in capsys.readouterr().out


def test_the_server_hashes_as_the_application_does(demo, places, monkeypatch, capsys):
    """Rows with quotes, backslashes, control characters and non-ASCII text, appended by the
    application and by psql, keep the one chain ``audit verify`` walks."""
    from ncpi_desktop.storage import audit
    from ncpi_desktop.storage.users import sign_in, sign_out

    odd = "Zoë \"quoted\" back\\slash\ttab\nline \x01 ☃ 𝄞"
    session = sign_in(demo[1], "manager", DEMO_PASSWORD)
    try:
        audit.record(session.engine, "manager", "consultation", odd, [places["own"][0]],
                     {"note": odd, "n": 1.5})
    finally:
        sign_out(session)
    with psql(demo, "om009") as connection:
        connection.execute("SELECT ncpi_audit_append('x', 'consultation', %s, '[]', %s)",
                           (odd, odd))
    monkeypatch.setenv("NCPI_PASSWORD", DEMO_PASSWORD)
    assert main(["audit", "verify", "--db", demo[1], "--user", "admin"]) == 0
    assert "audit log intact" in capsys.readouterr().out
    engine = create_engine(demo[0])
    try:
        rows = audit.entries(engine, kind="consultation")[-2:]
    finally:
        engine.dispose()
    assert [r["action"] for r in rows] == [odd, odd]
    assert [r["actor"] for r in rows] == ["manager", "om009"]


def stamp(demo) -> object:
    engine = create_engine(demo[0])
    try:
        with engine.connect() as connection:
            return database_stamp(connection)
    finally:
        engine.dispose()


def test_only_those_who_keep_scenarios_read_them_and_their_writes_are_audited(demo):
    """Operation.SCENARIO: supervisors and managers; a change made with psql is audited by the
    server as any register table's is (and, outside the register, moves no window's stamp)."""
    before = stamp(demo)
    with psql(demo, "supervisor.east") as connection:
        connection.execute("INSERT INTO scenario (name, steps, created_by, created_at, "
                           "updated_by, updated_at, version) VALUES ('PSQL plan', '[]', "
                           "'supervisor.east', now(), 'supervisor.east', now(), 1)")
        connection.execute("DELETE FROM scenario WHERE name = 'PSQL plan'")
    rows = owner_rows(demo, "SELECT actor, operation FROM audit ORDER BY id DESC LIMIT 2")
    assert [tuple(r) for r in rows] == [("supervisor.east", "server: delete scenario"),
                                        ("supervisor.east", "server: insert scenario")]
    assert stamp(demo) == before
    with psql(demo, "manager") as connection:
        assert connection.execute("SELECT count(*) FROM scenario").fetchone()[0] == 0
    for user in ("om009", "analyst", "admin"):
        with psql(demo, user) as connection:
            assert refused(connection, "SELECT count(*) FROM scenario") == "42501", user
