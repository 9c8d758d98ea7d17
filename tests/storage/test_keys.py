"""The ``.keys`` file (storage.keys): slots that open only for their own user and password, and
the failure counts behind the slow-down."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ncpi_desktop.storage.keys import UNKNOWN_USER, Kek, KeyFile


def test_a_slot_opens_only_with_its_password_and_under_its_own_name(tmp_path: Path) -> None:
    keyfile = KeyFile(tmp_path / "db.sqlite3.keys")
    key = os.urandom(32)
    keyfile.set_slot("alice", Kek.derive("alice's password"), key)
    keyfile.save()
    loaded = KeyFile.load(keyfile.path)
    assert loaded.unlock_with("alice", loaded.kek_for("alice", "alice's password")) == key
    assert loaded.unlock_with("alice", loaded.kek_for("alice", "a wrong password")) is None
    loaded.slots["mallory"] = loaded.slots["alice"]  # a slot copied onto another name
    assert loaded.unlock_with("mallory", loaded.kek_for("mallory", "alice's password")) is None
    assert loaded.kek_for("nobody", "anything") is None


def test_the_file_is_owner_only_and_written_whole(tmp_path: Path) -> None:
    keyfile = KeyFile(tmp_path / "db.sqlite3.keys")
    keyfile.set_slot("alice", Kek.derive("alice's password"), os.urandom(32))
    keyfile.save()
    keyfile.save()
    assert stat.S_IMODE(keyfile.path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["db.sqlite3.keys"]  # no temporary left


def test_five_failures_in_a_row_make_the_next_wait_30_seconds(tmp_path: Path) -> None:
    keyfile = KeyFile(tmp_path / "k.keys")
    keyfile.set_slot("alice", Kek.derive("alice's password"), os.urandom(32))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(4):
        keyfile.record_failure("alice", start + timedelta(seconds=n))
    assert keyfile.wait_seconds("alice", start + timedelta(seconds=4)) == 0
    keyfile.record_failure("alice", start + timedelta(seconds=4))
    assert keyfile.wait_seconds("alice", start + timedelta(seconds=4)) == 30
    assert keyfile.wait_seconds("alice", start + timedelta(seconds=24)) == 10
    assert keyfile.wait_seconds("alice", start + timedelta(seconds=35)) == 0
    keyfile.record_failure("typed-a-password-here", start)
    assert set(keyfile.failures) == {"alice", UNKNOWN_USER}  # never what was typed
    taken = keyfile.take_failures()
    assert len(taken["alice"]) == 5 and keyfile.take_failures() == {}
