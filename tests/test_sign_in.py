"""Signing in, the users and encryption at rest (SECURITY.md), as a user meets them on the command
line: what is printed, the exit status, and what is on the disk."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from builders import AS_AT, TEST_PASSWORD, TEST_USER, Register, copy_database, signed_in_engine
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.storage.database import DatabaseError, open_database
from ncpi_desktop.storage.keys import KeyFile, keys_path
from ncpi_desktop.storage.users import sign_in

WRONG = "not-the-password-at-all"


def one_line(argv: list[str], status: int, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def as_user(monkeypatch: pytest.MonkeyPatch, name: str, password: str) -> None:
    monkeypatch.setenv("NCPI_USER", name)
    monkeypatch.setenv("NCPI_PASSWORD", password)


@pytest.fixture
def database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A new encrypted database made by ``init``: its first user is the tests' user."""
    path = tmp_path / "new.sqlite3"
    assert main(["init", "--db", str(path)]) == 0
    assert "made the encrypted database" in capsys.readouterr().out
    return path


def audit_rows(path: Path, where: str = "1 = 1") -> list[tuple]:
    engine = sign_in(path, TEST_USER, TEST_PASSWORD).engine
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT actor, operation, kind FROM audit WHERE {where} "
                                        f"ORDER BY id")).all()
    engine.dispose()
    return rows


# --- encryption at rest -------------------------------------------------------------------------

def test_a_demo_database_cannot_be_read_without_its_key(lancashire_path: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        with sqlite3.connect(lancashire_path) as connection:
            connection.execute("SELECT count(*) FROM rso").fetchall()
    engine = signed_in_engine(lancashire_path)
    with engine.connect() as connection:
        names = {n for (n,) in connection.exec_driver_sql(
            "SELECT family_name FROM rso UNION SELECT given_names FROM rso "
            "UNION SELECT name FROM manager")}
    engine.dispose()
    long_names = {n for n in names if n and len(n) >= 6}  # shorter ones could occur by chance
    assert len(long_names) > 100
    data = lancashire_path.read_bytes()
    assert [n for n in long_names if n.encode() in data] == []
    assert b"SQLite format 3" not in data and b"CREATE TABLE" not in data


def test_the_database_and_its_key_file_are_readable_by_their_owner_only(database: Path) -> None:
    for path in (database, keys_path(database)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    slots = json.loads(keys_path(database).read_text())["slots"]
    assert set(slots) == {TEST_USER} and TEST_PASSWORD not in keys_path(database).read_text()


def test_a_wrong_key_is_one_line_never_a_traceback(database: Path) -> None:
    with pytest.raises(DatabaseError, match="^Cannot open database .*: file is not a database$"):
        open_database(database, key=b"\x01" * 32)


# --- signing in ---------------------------------------------------------------------------------

def test_a_wrong_password_and_an_unknown_user_get_the_same_one_line_refusal(
        database: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NCPI_PASSWORD", WRONG)
    wrong = one_line(["report", "--db", str(database), "--json"], 2, capsys)
    unknown = one_line(["report", "--db", str(database), "--json", "--user", "nobody"], 2,
                       capsys)
    assert wrong == unknown == ("ncpi-desktop: sign-in refused: that user name and password do "
                                "not match an active user\n")
    assert WRONG not in wrong and "nobody" not in unknown


def test_no_password_outside_a_terminal_is_exit_2(
        database: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NCPI_PASSWORD")
    err = one_line(["report", "--db", str(database), "--json"], 2, capsys)
    assert err == "ncpi-desktop: no password: set NCPI_PASSWORD or run in a terminal\n"


def test_five_failures_in_a_row_slow_the_next_attempt_and_reach_the_audit(
        database: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NCPI_PASSWORD", WRONG)
    for _ in range(5):
        assert "sign-in refused" in one_line(["report", "--db", str(database), "--json"], 2,
                                             capsys)
    monkeypatch.setenv("NCPI_PASSWORD", TEST_PASSWORD)  # even the right password must wait
    assert "wait 30 s" in one_line(["report", "--db", str(database), "--json"], 2, capsys)

    keyfile = KeyFile.load(keys_path(database))
    earlier = (datetime.now(UTC) - timedelta(seconds=31)).isoformat()
    keyfile.failures[TEST_USER]["last"] = earlier
    keyfile.save()
    assert main(["report", "--db", str(database), "--json", "--as-at", "2017-10-09"]) == 0
    failed = audit_rows(database, "operation = 'failed sign-in'")
    assert failed == [(TEST_USER, "failed sign-in", "access")] * 5
    assert KeyFile.load(keys_path(database)).failures == {}


def test_a_plain_database_without_users_says_to_encrypt_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.sqlite3"
    open_database(path, create=True).dispose()
    err = one_line(["report", "--db", str(path), "--json"], 2, capsys)
    assert f"has no users: run ncpi-desktop encrypt --db {path}" in err


def test_actor_is_gone_and_the_audit_names_the_signed_in_user(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.sqlite3"
    register = Register()
    register.manager("A")
    register.many(3, manager_id="A")
    register.write(db).dispose()
    with pytest.raises(SystemExit) as refused:
        main(["pack", "--db", str(db), "--out", str(tmp_path / "p.pdf"), "--actor", "anyone"])
    assert refused.value.code == 2
    assert "unrecognized arguments: --actor anyone" in capsys.readouterr().err
    assert main(["export", "--db", str(db), "--out", str(tmp_path / "x")]) == 0
    assert main(["import", str(tmp_path / "x"), "--db", str(db)]) == 0
    rows = audit_rows(db)
    assert {actor for actor, *_ in rows} == {TEST_USER}
    assert (TEST_USER, "import", "alteration") in rows or (TEST_USER, "import",
                                                           "collection") in rows
    assert rows.count((TEST_USER, "sign in", "access")) >= 2


# --- users --------------------------------------------------------------------------------------

def users_json(database: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["users", "list", "--json", "--db", str(database)]) == 0
    return {u["user_name"]: u for u in json.loads(capsys.readouterr().out)}


def test_an_administrator_adds_changes_and_disables_users(
        database: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "supervisor-password")
    assert main(["users", "add", "sup", "--roles", "supervisor", "--scope", "bcu:East",
                 "--display-name", "DS East", "--db", str(database)]) == 0
    assert capsys.readouterr().out == "added sup\n"
    assert users_json(database, capsys)["sup"] == {
        "user_name": "sup", "display_name": "DS East", "roles": ["supervisor"],
        "scope": "bcu:East", "manager_id": None, "active": True}
    assert main(["users", "set", "sup", "--scope", "team:East 1", "--db", str(database)]) == 0
    assert users_json(database, capsys)["sup"]["scope"] == "team:East 1"

    as_user(monkeypatch, "sup", "supervisor-password")
    assert main(["report", "--db", str(database), "--json", "--as-at", "2017-10-09"]) == 0
    monkeypatch.setenv("NCPI_USER", TEST_USER)
    monkeypatch.setenv("NCPI_PASSWORD", TEST_PASSWORD)
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "another-password")
    assert main(["users", "passwd", "sup", "--db", str(database)]) == 0
    as_user(monkeypatch, "sup", "supervisor-password")
    assert "sign-in refused" in one_line(["report", "--db", str(database), "--json"], 2, capsys)
    as_user(monkeypatch, "sup", "another-password")
    assert main(["report", "--db", str(database), "--json", "--as-at", "2017-10-09"]) == 0

    as_user(monkeypatch, TEST_USER, TEST_PASSWORD)
    assert main(["users", "disable", "sup", "--db", str(database)]) == 0
    assert users_json(database, capsys)["sup"]["active"] is False
    assert "sup" not in json.loads(keys_path(database).read_text())["slots"]
    as_user(monkeypatch, "sup", "another-password")
    assert "sign-in refused" in one_line(["report", "--db", str(database), "--json"], 2, capsys)
    changes = audit_rows(database, "kind = 'alteration'")
    assert [op for _, op, _ in changes] == ["create database", "add user", "change user",
                                            "set password", "disable user"]
    assert {actor for actor, *_ in changes} == {TEST_USER}


@pytest.mark.parametrize("command", [
    ["list"], ["add", "x", "--roles", "analyst", "--scope", "force"], ["set", "sup", "--roles",
    "manager"], ["disable", TEST_USER], ["passwd", TEST_USER]])
def test_only_an_administrator_manages_users(
        database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        command: list[str]) -> None:
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "supervisor-password")
    assert main(["users", "add", "sup", "--roles", "supervisor,manager", "--scope", "force",
                 "--db", str(database)]) == 0
    capsys.readouterr()
    as_user(monkeypatch, "sup", "supervisor-password")
    err = one_line(["users", *command, "--db", str(database)], 3, capsys)
    assert err == ("ncpi-desktop: sup may not manage users: not permitted to manager, "
                   "supervisor\n")
    as_user(monkeypatch, TEST_USER, TEST_PASSWORD)
    assert set(users_json(database, capsys)) == {TEST_USER, "sup"}
    assert main(["report", "--db", str(database), "--json", "--as-at", "2017-10-09"]) == 0


def test_a_short_password_is_refused(database: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "short")
    err = one_line(["users", "add", "x", "--roles", "analyst", "--scope", "force", "--db",
                    str(database)], 1, capsys)
    assert "at least 12 characters" in err and "short" not in err.replace("shortest", "")


# --- rekey and encrypt --------------------------------------------------------------------------

def test_rekey_replaces_the_key_and_keeps_only_the_runners_slot(
        database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "supervisor-password")
    assert main(["users", "add", "sup", "--roles", "supervisor", "--scope", "force", "--db",
                 str(database)]) == 0
    old = KeyFile.load(keys_path(database))
    old_key = old.unlock_with(TEST_USER, old.kek_for(TEST_USER, TEST_PASSWORD))
    assert old_key is not None
    capsys.readouterr()

    assert main(["rekey", "--db", str(database)]) == 0
    out = capsys.readouterr().out
    assert "only manager can sign in" in out and "sup" in out
    with pytest.raises(DatabaseError, match="file is not a database"):
        open_database(database, key=old_key)
    assert set(json.loads(keys_path(database).read_text())["slots"]) == {TEST_USER}
    assert main(["report", "--db", str(database), "--json", "--as-at", "2017-10-09"]) == 0
    as_user(monkeypatch, "sup", "supervisor-password")
    assert "sign-in refused" in one_line(["report", "--db", str(database), "--json"], 2, capsys)
    as_user(monkeypatch, TEST_USER, TEST_PASSWORD)
    assert main(["users", "passwd", "sup", "--db", str(database)]) == 0
    as_user(monkeypatch, "sup", "supervisor-password")
    assert main(["report", "--db", str(database), "--json", "--as-at", "2017-10-09"]) == 0


def test_encrypt_replaces_a_plain_database_and_overwrites_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "old.sqlite3"
    register = Register()
    register.manager("A", name="Alex Hartington")
    register.many(4, manager_id="A")
    register.write(plain).dispose()
    same_file = tmp_path / "hard-link"
    os.link(plain, same_file)  # sees what is left of the plain file's bytes on the disk

    monkeypatch.setenv("NCPI_PASSWORD", "first-admin-password")
    assert main(["encrypt", "--db", str(plain), "--user", "boss"]) == 0
    out = capsys.readouterr().out
    assert "the plain file was overwritten and deleted" in out
    assert set(same_file.read_bytes()) == {0}
    assert not plain.with_name(plain.name + ".encrypting").exists()
    data = plain.read_bytes()
    assert b"Alex Hartington" not in data and not data.startswith(b"SQLite format 3")

    engine = signed_in_engine(plain, "boss")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM rso").scalar() == 4
    engine.dispose()
    monkeypatch.setenv("NCPI_PASSWORD", TEST_PASSWORD)  # an older user has no slot yet
    assert "sign-in refused" in one_line(["report", "--db", str(plain), "--json"], 2, capsys)


def test_a_copied_database_opens_with_its_key_file(
        lancashire_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    alone = tmp_path / "alone.sqlite3"
    alone.write_bytes(lancashire_path.read_bytes())
    err = one_line(["report", "--db", str(alone), "--json"], 2, capsys)
    assert "no key file (alone.sqlite3.keys)" in err
    copy = copy_database(lancashire_path, tmp_path / "copy.sqlite3")
    assert main(["report", "--db", str(copy), "--json", "--as-at", AS_AT.isoformat()]) == 0


def test_encrypt_refuses_a_name_the_plain_database_has_and_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "old.sqlite3"
    register = Register()
    register.manager("A")
    register.write(plain).dispose()
    before = plain.read_bytes()
    err = one_line(["encrypt", "--db", str(plain)], 1, capsys)  # as the tests' user, who exists
    assert f"there is already a user {TEST_USER!r}" in err
    assert plain.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.sqlite3"]
