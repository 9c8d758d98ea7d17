"""Signing in on PostgreSQL: the users live in its database (the server encrypts and
authenticates itself; SECURITY.md), checked by their hash as on SQLite."""

from __future__ import annotations

import postgres
import pytest
from builders import TEST_USER

from ncpi_desktop.cli import main
from ncpi_desktop.storage.users import sign_in, sign_out

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))


@pytest.fixture(scope="module")
def postgres_url():
    with postgres.server() as url:
        yield url


def test_users_and_sign_in_on_postgres(postgres_url, capsys, monkeypatch):
    assert main(["report", "--db", postgres_url, "--json"]) == 2
    assert "has no users: run ncpi-desktop init" in capsys.readouterr().err
    assert main(["init", "--db", postgres_url]) == 0
    assert f"added {TEST_USER} (administrator, manager)" in capsys.readouterr().out
    assert main(["init", "--db", postgres_url]) == 2  # only an empty database gets a first user
    assert "already has users" in capsys.readouterr().err
    monkeypatch.setenv("NCPI_NEW_PASSWORD", "analyst-password")
    assert main(["users", "add", "ana", "--roles", "analyst", "--scope", "force", "--db",
                 postgres_url]) == 0
    session = sign_in(postgres_url, "ana", "analyst-password")
    assert session.user.roles == {"analyst"} and session.key is None
    sign_out(session)
    monkeypatch.setenv("NCPI_PASSWORD", "not-the-password")
    assert main(["report", "--db", postgres_url, "--json"]) == 2
    assert "sign-in refused" in capsys.readouterr().err
