"""A small register for the offline-copy tests, on a SQLite file or a PostgreSQL database.

Managers A and A2 (team East 1), B (team East 2, BCU East) and W (BCU West); RSOs held by each;
users: ``om.a`` (offender manager, caseload A), ``sup.east1`` (supervisor, team East 1) and the
tests' ``manager`` (force). Every user's password is ``TEST_PASSWORD``.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from functools import cache

from builders import TEST_PASSWORD, Register, test_user_row
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

from ncpi_desktop.storage import models
from ncpi_desktop.storage.passwords import hash_password

PASSWORD = TEST_PASSWORD
START = date(2017, 1, 2)
_names = itertools.count()


@cache
def _hash() -> str:
    return hash_password(PASSWORD, n=2**10)


def register() -> Register:
    r = Register()
    r.manager("A")
    r.manager("A2")
    r.manager("B", team="East 2")
    r.manager("W", bcu="West", team="West 1")
    for manager, team, bcu, count in (("A", "East 1", "East", 4), ("A2", "East 1", "East", 2),
                                      ("B", "East 2", "East", 2), ("W", "West 1", "West", 2)):
        for _ in range(count):
            rso = r.rso(manager_id=manager, team=team, bcu=bcu,
                        family_name=f"Surname{manager}{len(r.rsos)}")
            r.allocation(rso, manager, START)
    return r


def user_rows() -> list[dict]:
    at = datetime(2017, 1, 1, tzinfo=UTC)
    rows = []
    for name, roles, scope, manager_id in (
            ("om.a", "offender_manager", "caseload:A", "A"),
            ("sup.east1", "supervisor", "team:East 1", None)):
        rows.append(dict(user_name=name, display_name=name, roles=roles, scope=scope,
                         manager_id=manager_id, active=True, password_hash=_hash(),
                         created_at=at, changed_at=at))
    return rows


def new_database(server_url: str) -> str:
    """A new, empty PostgreSQL database on the test server; its URL."""
    name = f"offline_{next(_names)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def write_source(target: str) -> str:
    """The register and its users written at ``target`` (a file path or a URL); where they
    are: ``target``, or in a run on PostgreSQL the session server's database ``Register.write``
    made instead."""
    engine: Engine = register().write(target)
    with engine.begin() as connection:
        connection.execute(insert(models.AppUser.__table__), user_rows())
    engine.dispose()
    if engine.url.get_backend_name() == "postgresql":
        target = engine.url.render_as_string(hide_password=False)
    assert test_user_row()["user_name"] == "manager"
    return target
