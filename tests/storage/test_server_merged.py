"""The shared server enforces roles and scopes on what came with the other parts of issues 15
and 16 (SERVER.md): an offender manager locks and moves the version of the RSOs they record for
and nothing else of them; trigger events are recorded like visits; case reviews' findings and
actions' text are read like names; the version check works through the application as a
supervisor's own login; the server audits all of it."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import postgres
import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ncpi_desktop.cli import main
from ncpi_desktop.domain.enums import ArmsOutcome
from ncpi_desktop.domain.security import NotPermitted
from ncpi_desktop.storage import offline
from ncpi_desktop.storage.bulk import insert_frame
from ncpi_desktop.storage.models import Visit
from ncpi_desktop.storage.operations import (
    StaleWrite,
    reassign,
    record_arms,
    record_event,
    record_referral,
    record_visit,
)
from ncpi_desktop.storage.operations.reviews import ActionSpec, complete_action, record_review
from ncpi_desktop.storage.review_history import load_review_actions
from ncpi_desktop.storage.users import sign_in, sign_out

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))

OWNER_PASSWORD = "owner-password-for-tests"
DEMO_PASSWORD = "demo-password"
ARMS_OUTCOME = next(iter(ArmsOutcome)).value


@pytest.fixture(scope="module")
def demo():
    """A password-checking server holding the Lancashire demo: (owner URL, users' URL)."""
    with postgres.server(password=OWNER_PASSWORD) as url:
        assert main(["demo", "--db", url]) == 0
        users_url = make_url(url)._replace(username=None, password=None)
        yield url, users_url.render_as_string(hide_password=False)


def psql(demo, user: str) -> psycopg.Connection:
    """A plain connection as ``user``, as ``psql`` would make (autocommit)."""
    url = make_url(demo[0])
    return psycopg.connect(host=url.host, port=url.port, dbname=url.database, user=user,
                           password=DEMO_PASSWORD, autocommit=True)


def owner_rows(demo, sql: str, **params):
    engine = create_engine(demo[0])
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()


def owner_run(demo, sql: str, **params) -> None:
    engine = create_engine(demo[0])
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


def refused(connection: psycopg.Connection, sql: str, *params) -> str:
    """Run ``sql`` expecting the server to refuse it; the error's SQLSTATE."""
    with pytest.raises(psycopg.Error) as caught:
        connection.execute(sql, params)
    return caught.value.sqlstate or ""


@pytest.fixture(scope="module")
def places(demo):
    """An RSO OM009 holds and one in another BCU."""
    mine = owner_rows(demo, "SELECT rso_id, bcu FROM rso WHERE manager_id = 'OM009' "
                            "ORDER BY rso_id LIMIT 1")[0]
    other = owner_rows(demo, "SELECT rso_id FROM rso WHERE bcu <> :b AND manager_id IS NOT "
                             "NULL ORDER BY rso_id LIMIT 1", b=mine.bcu)[0][0]
    return {"mine": mine.rso_id, "other": other}


def test_offender_manager_records_an_event_as_the_application_does(demo, places):
    mine, other = places["mine"], places["other"]
    version = owner_rows(demo, "SELECT version FROM rso WHERE rso_id = :r", r=mine)[0][0]
    with psql(demo, "om009") as connection:
        with connection.transaction():  # a named write: lock, move the version, insert
            locked = connection.execute("SELECT rso_id FROM rso WHERE rso_id = %s FOR UPDATE",
                                        (mine,)).fetchall()
            connection.execute("UPDATE rso SET version = version + 1 WHERE rso_id = %s",
                               (mine,))
            connection.execute("INSERT INTO event (event_id, rso_id, type, occurred_on, "
                               "child_at_risk, recorded_by, recorded_at) VALUES ('PSQL-E1', "
                               "%s, 'arrest', '2017-03-01', false, 'om009', now())", (mine,))
        assert locked == [(mine,)]
        # nothing else of the RSO, and nothing of an RSO they do not hold
        assert refused(connection, "UPDATE rso SET risk_level = 'low' WHERE rso_id = %s",
                       mine) == "42501"
        assert connection.execute("SELECT rso_id FROM rso WHERE rso_id = %s FOR UPDATE",
                                  (other,)).fetchall() == []
        assert connection.execute("UPDATE rso SET version = version + 1 WHERE rso_id = %s",
                                  (other,)).rowcount == 0
        assert refused(connection, "INSERT INTO event (event_id, rso_id, type, occurred_on, "
                                   "child_at_risk) VALUES ('PSQL-E2', %s, 'arrest', "
                                   "'2017-03-01', false)", other) == "42501"
        assert refused(connection, "INSERT INTO referral (referral_id, rso_id, referred_on, "
                                   "referred_to) VALUES ('PSQL-F1', %s, '2017-03-02', "
                                   "'childrens_social_care')", other) == "42501"
    assert owner_rows(demo, "SELECT version FROM rso WHERE rso_id = :r",
                      r=mine)[0][0] == version + 1
    assert owner_rows(demo, "SELECT event_id FROM event WHERE event_id LIKE 'PSQL-%'") == [
        ("PSQL-E1",)]
    audited = owner_rows(demo, "SELECT actor, operation, rso_ids, detail FROM audit WHERE "
                               "operation IN ('server: insert event', 'server: update rso') "
                               "AND actor = 'om009' ORDER BY id")
    assert [(a.actor, a.operation, json.loads(a.rso_ids)) for a in audited] == [
        ("om009", "server: update rso", [mine]), ("om009", "server: insert event", [mine])]
    assert json.loads(audited[1].detail)["after"][0]["event_id"] == "PSQL-E1"


def test_case_review_findings_are_not_read_outside_scope(demo, places):
    mine, other = places["mine"], places["other"]
    for review, rso in (("QR-MINE", mine), ("QR-OTHER", other)):
        owner_run(demo, "INSERT INTO case_review (review_id, rso_id, reviewed_on, reviewer, "
                         "grade, findings) VALUES (:q, :r, '2017-04-01', 'manager', 'good', "
                         ":f)", q=review, r=rso, f=f"Findings of {review}")
        owner_run(demo, "INSERT INTO review_action (action_id, review_id, text, owner, "
                         "due_on) VALUES (:a, :q, :t, 'OM009', '2017-05-01')",
                   a=f"QA-{review}", q=review, t=f"Action of {review}")
    with psql(demo, "om009") as connection:
        assert refused(connection, "SELECT findings FROM case_review") == "42501"
        assert refused(connection, "SELECT text FROM review_action") == "42501"
        assert refused(connection, "SELECT * FROM case_review") == "42501"
        findings = dict(connection.execute(
            "SELECT review_id, findings FROM case_review_named WHERE review_id LIKE 'QR-%'"))
        actions = dict(connection.execute(
            "SELECT action_id, text FROM review_action_named WHERE action_id LIKE 'QA-QR-%'"))
        # an offender manager records no review, not even for an RSO they hold
        assert refused(connection, "UPDATE case_review SET grade = 'inadequate'") == "42501"
    assert findings == {"QR-MINE": "Findings of QR-MINE", "QR-OTHER": None}
    assert actions == {"QA-QR-MINE": "Action of QR-MINE", "QA-QR-OTHER": None}
    with psql(demo, "analyst") as connection:
        assert connection.execute("SELECT count(*) FROM case_review_named WHERE findings IS "
                                  "NOT NULL").fetchone()[0] == 0
    audited = owner_rows(demo, "SELECT detail FROM audit WHERE operation = "
                               "'server: insert case_review' ORDER BY id DESC LIMIT 1")[0][0]
    assert "Findings of" not in audited and json.loads(audited)["after"][0]["grade"] == "good"


def test_supervisor_reviews_only_within_scope(demo, places):
    scope = dict(owner_rows(demo, "SELECT user_name, scope FROM app_user"))["supervisor.east"]
    bcu = scope.removeprefix("bcu:")
    inside = owner_rows(demo, "SELECT rso_id FROM rso WHERE bcu = :b ORDER BY rso_id LIMIT 1",
                        b=bcu)[0][0]
    outside = owner_rows(demo, "SELECT rso_id FROM rso WHERE bcu <> :b ORDER BY rso_id "
                               "LIMIT 1", b=bcu)[0][0]
    insert = ("INSERT INTO case_review (review_id, rso_id, reviewed_on, reviewer, grade, "
              "findings) VALUES (%s, %s, '2017-04-02', 'supervisor.east', 'good', 'Fine')")
    with psql(demo, "supervisor.east") as connection:
        connection.execute(insert, ("QR-EAST", inside))
        assert refused(connection, insert, "QR-WEST", outside) == "42501"
        assert refused(connection, "INSERT INTO review_action (action_id, review_id, text, "
                                   "owner, due_on) VALUES ('QA-X', 'QR-OTHER', 'x', 'me', "
                                   "'2017-05-01')") in ("42501", "23503")
    assert owner_rows(demo, "SELECT review_id FROM case_review WHERE review_id IN "
                            "('QR-EAST', 'QR-WEST')") == [("QR-EAST",)]


def test_nobody_changes_what_a_sync_applied(demo):
    with psql(demo, "om009") as connection:
        connection.execute("INSERT INTO offline_applied (change_uuid, copy_id, actor, "
                           "applied_at) VALUES ('PSQL-U1', 'copy-1', 'om009', now())")
        assert refused(connection, "UPDATE offline_applied SET copy_id = 'x'") == "42501"
        assert refused(connection, "DELETE FROM offline_applied") == "42501"
        # as themselves only
        assert refused(connection, "INSERT INTO offline_applied (change_uuid, copy_id, actor, "
                                   "applied_at) VALUES ('PSQL-U2', 'copy-1', 'admin', now())"
                       ) == "42501"
        # and the audit rows of a sync's own transaction only are re-dated
        assert refused(connection, "SELECT ncpi_audit_restamp(0, now(), 'x')") == "42501"
    assert owner_rows(demo, "SELECT change_uuid FROM offline_applied") == [("PSQL-U1",)]


def test_supervisor_reassigns_in_scope_through_the_application_with_the_version_check(
        demo, places):
    scope = dict(owner_rows(demo, "SELECT user_name, scope FROM app_user"))["supervisor.east"]
    bcu = scope.removeprefix("bcu:")
    move = owner_rows(demo, "SELECT r.rso_id, r.manager_id AS holder, r.version, "
                            "m.manager_id AS receiver FROM rso r JOIN manager m ON "
                            "m.bcu = r.bcu AND m.manager_id <> r.manager_id AND m.active AND "
                            "m.role = 'offender_manager' WHERE r.bcu = :b AND r.manager_id "
                            "<> 'OM009' ORDER BY r.rso_id LIMIT 1", b=bcu)[0]
    start = owner_rows(demo, "SELECT max(id) FROM audit")[0][0]
    session = sign_in(demo[1], "supervisor.east", DEMO_PASSWORD)
    try:
        assert session.engine.url.username == "supervisor.east"
        change = reassign(session.engine, [move.rso_id], move.receiver, "balancing",
                          session.user, seen={move.rso_id: move.version},
                          from_holder=move.holder, on=date(2017, 10, 9))
        assert change.versions[move.rso_id] == move.version + 1
        # a window that still shows the version before is refused, and nothing is written
        with pytest.raises(StaleWrite) as stale:
            reassign(session.engine, [move.rso_id], move.holder, "back again", session.user,
                     seen={move.rso_id: move.version}, on=date(2017, 10, 9))
        assert "supervisor.east" in str(stale.value)
        # an ARMS assessment recorded since moves the version too: a move checked against
        # the version before it is refused
        arms = record_arms(session.engine, move.rso_id, date(2017, 10, 9), ARMS_OUTCOME,
                           session.user, seen=change.versions)
        assert arms.versions[move.rso_id] == move.version + 2
        with pytest.raises(StaleWrite):
            reassign(session.engine, [move.rso_id], move.holder, "back", session.user,
                     seen=change.versions, on=date(2017, 10, 9))
    finally:
        sign_out(session)
    assert owner_rows(demo, "SELECT manager_id, version FROM rso WHERE rso_id = :r",
                      r=move.rso_id)[0] == (move.receiver, move.version + 2)
    audited = owner_rows(demo, "SELECT actor FROM audit WHERE operation = 'server: update rso'"
                               " AND rso_ids LIKE :r AND id > :s ORDER BY id",
                         r=f'%"{move.rso_id}"%', s=start)
    assert audited and {a for (a,) in audited} == {"supervisor.east"}


def test_events_and_reviews_through_the_application_as_logins(demo, places):
    mine = places["mine"]
    om = sign_in(demo[1], "om009", DEMO_PASSWORD)
    try:
        event = record_event(om.engine, mine, "concern", date(2017, 6, 1), om.user)
        referral = record_referral(om.engine, mine, date(2017, 6, 2), om.user)
        referral.undo(om.engine, om.user)
        with pytest.raises(NotPermitted):
            record_review(om.engine, mine, date(2017, 6, 3), "good", "Fine", om.user)
    finally:
        sign_out(om)
    assert event.after["last_concern_on"] == date(2017, 6, 1)
    inside = owner_rows(demo, "SELECT rso_id FROM rso WHERE bcu = (SELECT substr(scope, 5) "
                              "FROM app_user WHERE user_name = 'supervisor.east') "
                              "ORDER BY rso_id DESC LIMIT 1")[0][0]
    supervisor = sign_in(demo[1], "supervisor.east", DEMO_PASSWORD)
    try:
        review = record_review(supervisor.engine, inside, date(2017, 6, 3), "requires "
                               "improvement", "Plan out of date", supervisor.user,
                               actions=[ActionSpec("Update the plan", "OM009",
                                                   date(2017, 7, 1))])
        action_id = review.after["actions"][0]["action_id"]
        complete_action(supervisor.engine, action_id, date(2017, 6, 20), supervisor.user)
        with supervisor.engine.connect() as connection:
            actions = load_review_actions(connection, date(2017, 12, 31))
    finally:
        sign_out(supervisor)
    assert actions.set_index("action_id").loc[action_id, "text"] == "Update the plan"
    with psql(demo, "analyst") as connection:  # the figures' rows, not the text
        assert connection.execute("SELECT text FROM review_action_named WHERE action_id = %s",
                                  (action_id,)).fetchall() == [(None,)]
    done = owner_rows(demo, "SELECT done_on FROM review_action WHERE action_id = :a",
                      a=action_id)
    assert done == [(date(2017, 6, 20),)]
    operations = {op for (op,) in owner_rows(
        demo, "SELECT operation FROM audit WHERE actor IN ('om009', 'supervisor.east') "
              "AND operation LIKE 'server: %'")}
    assert {"server: insert event", "server: insert referral", "server: delete referral",
            "server: insert case_review", "server: update review_action"} <= operations


def test_a_managers_bulk_write_on_the_server_goes_through_the_policies(demo, places):
    """PostgreSQL refuses COPY into a table with row-level security: an import's rows, written
    as a manager's own login, are inserted (and audited) instead."""
    rso = places["other"]
    frame = pd.DataFrame({"visit_id": ["BULK-1", "BULK-2"], "rso_id": [rso, rso],
                          "visited_on": [date(2017, 8, 1), date(2017, 8, 2)],
                          "outcome": ["completed", "no_access"], "officers": [2, 2]})
    session = sign_in(demo[1], "manager", DEMO_PASSWORD)
    try:
        with session.engine.begin() as connection:
            assert insert_frame(connection, Visit.__table__, frame) == 2
    finally:
        sign_out(session)
    assert owner_rows(demo, "SELECT visit_id FROM visit WHERE visit_id LIKE 'BULK-%' "
                            "ORDER BY visit_id") == [("BULK-1",), ("BULK-2",)]
    audited = owner_rows(demo, "SELECT actor, rso_ids FROM audit WHERE operation = "
                               "'server: insert visit' ORDER BY id DESC LIMIT 1")[0]
    assert audited[0] == "manager" and json.loads(audited[1]) == [rso]


def test_an_offline_copy_syncs_to_the_server_as_its_users_login(demo, places, tmp_path):
    """A sync dates the audit rows of its changes when they were made on the laptop, through
    the server's function (nobody may change the log itself), and the chain still verifies."""
    mine = places["mine"]
    laptop = offline.take_offline(demo[1], "caseload:OM009", tmp_path / "copy.db", "om009",
                                  DEMO_PASSWORD)
    session = sign_in(laptop, "om009", DEMO_PASSWORD)
    try:
        record_visit(session.engine, mine, date(2017, 10, 3), "completed", 2, session.user)
    finally:
        sign_out(session)
    result = offline.sync(laptop, "om009", DEMO_PASSWORD)
    assert (result.applied, result.refused) == (1, [])
    audited = owner_rows(demo, "SELECT actor, detail FROM audit WHERE operation = "
                               "'record visit' ORDER BY id DESC LIMIT 1")[0]
    assert audited[0] == "om009" and json.loads(audited[1])["offline"] is True
    assert owner_rows(demo, "SELECT count(*) FROM visit WHERE rso_id = :r AND visited_on = "
                            "'2017-10-03'", r=mine)[0][0] == 1
    assert main(["audit", "verify", "--db", demo[0], "--user", "admin"]) == 0


def test_a_change_both_notifies_and_is_audited(demo, places):
    """The change-notification triggers (migration 0012) and the server's audit triggers both
    run for one statement: a window listening hears of it, and the audit records it."""
    with psql(demo, "analyst") as listener, psql(demo, "om009") as writer:
        listener.execute("LISTEN ncpi_changed")
        writer.execute("INSERT INTO visit (visit_id, rso_id, visited_on, outcome, officers) "
                       "VALUES ('PSQL-N1', %s, '2017-11-01', 'completed', 2)",
                       (places["mine"],))
        heard = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    assert heard == ["visit"]
    audited = owner_rows(demo, "SELECT actor, detail FROM audit WHERE operation = "
                               "'server: insert visit' ORDER BY id DESC LIMIT 1")[0]
    assert audited[0] == "om009" and json.loads(audited[1])["after"][0]["visit_id"] == "PSQL-N1"


def test_an_offender_manager_who_also_supervises_moves_nobody_out_of_scope(demo, monkeypatch):
    scope = dict(owner_rows(demo, "SELECT user_name, scope FROM app_user"))["supervisor.east"]
    bcu = scope.removeprefix("bcu:")
    monkeypatch.setenv("NCPI_PASSWORD", DEMO_PASSWORD)
    monkeypatch.setenv("NCPI_NEW_PASSWORD", DEMO_PASSWORD)
    me = owner_rows(demo, "SELECT manager_id FROM manager WHERE bcu = :b AND role = "
                          "'offender_manager' ORDER BY manager_id DESC LIMIT 1", b=bcu)[0][0]
    assert main(["users", "add", "om.sup", "--roles", "offender_manager,supervisor", "--scope",
                 scope, "--manager-id", me, "--db", demo[1], "--user", "admin"]) == 0
    inside = owner_rows(demo, "SELECT rso_id FROM rso WHERE bcu = :b AND manager_id IS NOT "
                              "NULL ORDER BY rso_id DESC LIMIT 1", b=bcu)[0][0]
    away = owner_rows(demo, "SELECT manager_id FROM manager WHERE bcu <> :b ORDER BY "
                            "manager_id LIMIT 1", b=bcu)[0][0]
    with psql(demo, "om.sup") as connection:
        assert refused(connection, "UPDATE rso SET manager_id = %s WHERE rso_id = %s", away,
                       inside) == "42501"
        assert connection.execute("UPDATE rso SET version = version + 1 WHERE rso_id = %s",
                                  (inside,)).rowcount == 1
