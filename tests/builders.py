"""Hand-built registers for tests: say who and what, get a migrated database."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from ncpi_desktop.domain.security import FORCE, Role, Scope, User
from ncpi_desktop.storage import models
from ncpi_desktop.storage.bulk import bulk_insert
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.keys import keys_path
from ncpi_desktop.storage.passwords import hash_password
from ncpi_desktop.storage.users import sign_in

AS_AT = date(2017, 10, 9)
#: The user every test signs in as (tests/conftest.py sets NCPI_USER and NCPI_PASSWORD), held by
#: every database a Register writes with the administrator and manager roles for the force.
TEST_USER = "manager"
TEST_PASSWORD = "demo-password"


@cache
def _test_password_hash() -> str:
    """Hashed once, cheaply (scrypt's cost is in the text): tests only."""
    return hash_password(TEST_PASSWORD, n=2**10)


def test_user_row() -> dict[str, Any]:
    at = datetime(2017, 1, 1, tzinfo=UTC)
    return dict(user_name=TEST_USER, display_name="Test Manager", roles="administrator,manager",
                scope="force", manager_id=None, active=True,
                password_hash=_test_password_hash(), created_at=at, changed_at=at)


def add_test_user(engine: Engine) -> Engine:
    """Give a plain test database the user the tests sign in as."""
    with engine.begin() as connection:
        bulk_insert(connection, models.AppUser, [test_user_row()])
    return engine


def signed_in_engine(path: Path | str, user: str | None = None) -> Engine:
    """An engine on ``path`` (encrypted or not) as the tests' user (or ``user``, with the demo
    password): how a test reads a database the application made."""
    return sign_in(path, user or os.environ.get("NCPI_USER", TEST_USER),
                   os.environ.get("NCPI_PASSWORD", TEST_PASSWORD)).engine


def copy_database(source: Path, target: Path) -> Path:
    """Copy a database file and, when it is encrypted, its key file."""
    shutil.copyfile(source, target)
    if keys_path(source).exists():
        shutil.copyfile(keys_path(source), keys_path(target))
    return target


def as_user(user_name: str, *roles: Role, scope: Scope = FORCE,
            manager_id: str | None = None) -> User:
    """A signed-in user named ``user_name`` (the audit's actor), by default a manager and an
    administrator for the force: permitted every write the tests make."""
    return User(user_name=user_name, display_name=user_name,
                roles=frozenset(roles or (Role.MANAGER, Role.ADMINISTRATOR)), scope=scope,
                manager_id=manager_id)


#: The user tests sign in as when who it is does not matter: may do and see everything.
FORCE_MANAGER = as_user("force.manager")


@dataclass
class Register:
    managers: list[dict[str, Any]] = field(default_factory=list)
    rsos: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    arms: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    policy: dict[str, float] = field(default_factory=dict)

    def manager(self, manager_id: str, *, fte: float = 1.0, bcu: str = "East",
                team: str = "East 1", role: str = "offender_manager", active: bool = True,
                name: str | None = None) -> str:
        self.managers.append(dict(manager_id=manager_id, name=name or f"Officer {manager_id}",
                                  bcu=bcu, team=team, fte=fte, role=role, active=active))
        return manager_id

    def rso(self, rso_id: str | None = None, *, manager_id: str | None = None,
            risk_level: str | None = "medium", status: str = "community", bcu: str = "East",
            team: str | None = None, sex: str = "male", date_of_birth: date = date(1970, 1, 1),
            registered_on: date = date(2010, 1, 1), management: str = "active",
            **extra: Any) -> str:
        rso_id = rso_id or f"R{len(self.rsos) + 1:05d}"
        row = dict(rso_id=rso_id, family_name=f"Family{len(self.rsos)}", given_names="Given",
                   date_of_birth=date_of_birth, sex=sex, bcu=bcu, team=team,
                   neighbourhood=None, status=status, risk_level=risk_level,
                   management=management, manager_id=manager_id, registered_on=registered_on,
                   community_since=None, notification_ends=None, notification_indefinite=False,
                   visit_interval_months=None, visit_interval_reason=None, last_concern_on=None,
                   paper_records_only=False)
        row.update(extra)
        self.rsos.append(row)
        return rso_id

    def many(self, count: int, **kwargs: Any) -> list[str]:
        return [self.rso(**kwargs) for _ in range(count)]

    def visit(self, rso_id: str, visited_on: date, outcome: str = "completed",
              officers: int = 2) -> None:
        self.visits.append(dict(visit_id=f"V{len(self.visits) + 1:06d}", rso_id=rso_id,
                                visited_on=visited_on, outcome=outcome, officers=officers))

    def assessment(self, rso_id: str, completed_on: date, outcome: str = "low") -> None:
        self.arms.append(dict(rso_id=rso_id, completed_on=completed_on, outcome=outcome))

    def order(self, rso_id: str, starts_on: date, ends_on: date | None = None,
              type: str = "SHPO") -> None:  # noqa: A002 - the column's name
        self.orders.append(dict(order_id=f"O{len(self.orders) + 1:05d}", rso_id=rso_id,
                                type=type, starts_on=starts_on, ends_on=ends_on))

    def write(self, path: Path | str) -> Engine:
        """The register written to a new database at ``path``, or, in a run on PostgreSQL
        (``postgres.wanted``), to a fresh database of the session's server (``path`` unused)."""
        engine = open_database(_target(path), create=True)
        with engine.begin() as connection:
            bulk_insert(connection, models.Manager, self.managers)
            bulk_insert(connection, models.Rso, self.rsos)
            bulk_insert(connection, models.Visit, self.visits)
            bulk_insert(connection, models.Arms, self.arms)
            bulk_insert(connection, models.CivilOrder, self.orders)
            bulk_insert(connection, models.Allocation, self.allocations)
            bulk_insert(connection, models.ManagementDecision, self.decisions)
            bulk_insert(connection, models.PolicyValue,
                        [dict(key=k, value=v) for k, v in self.policy.items()])
            bulk_insert(connection, models.AppUser, [test_user_row()])
        _opened(engine)
        return engine

    def decision(self, rso_id: str, mode: str, decided_on: date, reason: str = "test",
                 decided_by: str = "DC Test") -> None:
        self.decisions.append(dict(rso_id=rso_id, mode=mode, decided_on=decided_on,
                                   reason=reason, decided_by=decided_by,
                                   recorded_at=datetime(2017, 1, 1, tzinfo=UTC)))

    def allocation(self, rso_id: str, manager_id: str | None, starts_on: date,
                   ends_on: date | None = None, team: str | None = None,
                   reason: str = "test") -> None:
        self.allocations.append(dict(rso_id=rso_id, manager_id=manager_id, team=team,
                                     starts_on=starts_on, ends_on=ends_on, reason=reason,
                                     actor="test", recorded_at=datetime(2017, 1, 1, tzinfo=UTC)))


def written(engine: Engine, path: Path) -> Path | str:
    """Where a register written by ``Register.write(path)`` is, to copy or open again: ``path``,
    or the URL of its PostgreSQL database (its engine is closed: a template has no one on it)."""
    import postgres

    engine.dispose()
    if postgres.SESSION is None:
        return path
    return engine.url.render_as_string(hide_password=False)


def copy_register(source: Path | str, target: Path) -> Engine:
    """An engine on a copy of the register at ``source`` (from ``written``): a copy of the
    file at ``target``, or a fresh PostgreSQL database made from it."""
    import postgres

    from ncpi_desktop.storage.database import make_engine

    if postgres.SESSION is None:
        shutil.copyfile(source, target)
        return make_engine(target)
    engine = make_engine(postgres.SESSION.fresh(template=str(source).rsplit("/", 1)[1]))
    _opened(engine)
    return engine


def _target(path: Path | str) -> Path | str:
    """Where a register for ``path`` goes: the file, or a fresh PostgreSQL database."""
    import postgres

    if postgres.SESSION is None:
        return path
    return postgres.SESSION.fresh()


def _opened(engine: Engine) -> None:
    """A PostgreSQL run: the engine is closed when its database is dropped."""
    import postgres

    if postgres.SESSION is not None:
        postgres.SESSION.engines.append(engine)


def plain_copy(source: Path, target: Path) -> Path:
    """A plain (unencrypted) copy of the encrypted database ``source``, for tests that read the
    file with the standard library's ``sqlite3`` (its users sign in by their hash alone)."""
    from sqlcipher3 import dbapi2

    from ncpi_desktop.storage.keys import KeyFile

    keyfile = KeyFile.load(keys_path(source))
    key = keyfile.unlock_with(TEST_USER, keyfile.kek_for(TEST_USER, TEST_PASSWORD))
    assert key is not None
    connection = dbapi2.connect(str(source))
    try:
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        connection.execute("ATTACH DATABASE ? AS plain KEY ''", (str(target),))
        connection.execute("SELECT sqlcipher_export('plain')")
        connection.execute("DETACH DATABASE plain")
    finally:
        connection.close()
    return target
