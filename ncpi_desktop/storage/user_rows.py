"""What a user is to the database: the ``app_user`` rows, a new user's checks, the session of a
signed-in user, the refusals, and the audit rows ``storage.users`` writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.security import Role, Scope, User
from ncpi_desktop.storage.database import parse_target, sqlite_file
from ncpi_desktop.storage.keys import Kek
from ncpi_desktop.storage.models import AppUser, AuditEntry
from ncpi_desktop.storage.passwords import check_new_password

APP_USER = AppUser.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
#: The one refusal for a wrong name or password: it never says which was wrong.
REFUSED = "sign-in refused: that user name and password do not match an active user"


class SignInRefused(Exception):
    """Signing in failed; the message is one line and never says which of name or password was
    wrong, nor repeats either."""


class SlowDown(SignInRefused):
    """Too many failures in a row: the next attempt must wait ``seconds``."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"sign-in refused: too many failed attempts; wait {seconds} s and "
                         f"try again")
        self.seconds = seconds


class UserError(ValueError):
    """A change to the users that cannot be made (unknown user, weak password, bad role or
    scope); the message is one line."""


@dataclass(frozen=True)
class NewUser:
    user_name: str
    display_name: str
    roles: Iterable[Role | str]
    scope: Scope | str
    manager_id: str | None
    password: str = field(repr=False)


@dataclass
class Session:
    """A signed-in user and the engine opened for them."""

    engine: Engine
    user: User
    target: str
    #: The database key and the user's key-encryption key (encrypted SQLite only).
    key: bytes | None = field(default=None, repr=False)
    kek: Kek | None = field(default=None, repr=False)

    @property
    def path(self) -> Path | None:
        return sqlite_file(parse_target(self.target))


# --- rows and the audit -------------------------------------------------------------------------

def now() -> datetime:
    return datetime.now(UTC)


def user_from_row(row: Any) -> User:
    """A ``domain.security.User`` from an ``app_user`` row."""
    roles = frozenset(Role(r.strip()) for r in str(row.roles).split(",") if r.strip())
    return User(user_name=row.user_name, display_name=row.display_name, roles=roles,
                scope=Scope.parse(row.scope), manager_id=row.manager_id,
                active=bool(row.active))


def shown_user(user: User) -> dict[str, Any]:
    """A user as an audit row records it (never the hash)."""
    return {"user_name": user.user_name, "display_name": user.display_name,
            "roles": sorted(user.roles), "scope": user.scope.text(),
            "manager_id": user.manager_id, "active": user.active}


#: ``app_user``'s columns but the password hash: all that anything but signing in reads (and
#: all a shared server lets its users read, ``storage.server.grants``).
SHOWN_COLUMNS = tuple(c for c in APP_USER.c if c.name != "password_hash")


def user_row(connection: Connection, user_name: str, *, with_hash: bool = False) -> Any:
    """The ``app_user`` row of ``user_name`` (None: no such user), with its password hash only
    when asked for."""
    columns = tuple(APP_USER.c) if with_hash else SHOWN_COLUMNS
    return connection.execute(select(*columns).where(APP_USER.c.user_name == user_name)).first()


def validated(new: NewUser) -> User:
    """``new`` as a User, or ``UserError`` saying what is wrong."""
    name = new.user_name.strip()
    if not name or any(c.isspace() for c in name) or len(name) > 64:
        raise UserError(f"a user name is one word of up to 64 characters, not {name!r}")
    try:
        roles = frozenset(Role(str(r).strip()) for r in new.roles)
    except ValueError:
        raise UserError(f"unknown role in {','.join(map(str, new.roles))}: choose from "
                        f"{', '.join(r.value for r in Role)}") from None
    if not roles:
        raise UserError("a user needs at least one role")
    if Role.OFFENDER_MANAGER in roles and not new.manager_id:
        raise UserError("an offender-manager user needs the manager id they are "
                        "(--manager-id)")
    try:
        scope = new.scope if isinstance(new.scope, Scope) else Scope.parse(new.scope)
        check_new_password(new.password)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return User(name, (new.display_name or name).strip(), roles, scope,
                new.manager_id or None, True)


def insert_user(connection: Connection, user: User, password_hash: str) -> None:
    if user_row(connection, user.user_name) is not None:
        raise UserError(f"there is already a user {user.user_name!r}")
    at = now()
    connection.execute(insert(APP_USER).values(
        user_name=user.user_name, display_name=user.display_name,
        roles=",".join(sorted(user.roles)), scope=user.scope.text(), manager_id=user.manager_id,
        active=True, password_hash=password_hash, created_at=at, changed_at=at))
