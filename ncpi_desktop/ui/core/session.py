"""The window's way to the storage side of trust: signing in, users, the audit log.

Dialogs never import ``storage.users`` or ``storage.audit`` themselves: they are handed plain
callables and small service objects (``SignIn``, ``UserService``, ``AuditService``), built here
over a signed-in ``Session``, so a test hands them fakes. What a dialog catches comes from here
too: ``SignInRefused`` and ``SlowDown`` (storage.users), ``ChainBroken`` (storage.audit), and
``REFUSALS``, every error that means "not done, and here is why in one line".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from ncpi_desktop.domain.security import NotPermitted, Role, Scope, User
from ncpi_desktop.storage.audit import ChainBroken
from ncpi_desktop.storage.change import OperationError
from ncpi_desktop.storage.database import DatabaseError
from ncpi_desktop.storage.users import SignInRefused, SlowDown

__all__ = ["REFUSALS", "AuditService", "ChainBroken", "Session", "SignIn", "SignInRefused",
           "SlowDown", "UserService", "audit_service", "record_access", "sign_in",
           "user_service"]

#: Errors a dialog shows in one line as "not done": a rule, a permission, a bad value.
REFUSALS: tuple[type[BaseException], ...] = (NotPermitted, OperationError, SignInRefused,
                                             DatabaseError, ValueError, LookupError)


class Session(Protocol):
    """What a sign-in gives (``storage.users.Session``)."""

    engine: Engine
    user: User
    target: str


#: Sign in to one database, already chosen: ``(user_name, password) -> Session``; raises
#: ``SignInRefused`` (``SlowDown`` after five failures in a row).
SignIn = Callable[[str, str], Session]


def sign_in(target: str | Path | None, user_name: str, password: str) -> Session:
    """``storage.users.sign_in``: the database at ``target`` opened for this user."""
    from ncpi_desktop.storage.users import sign_in as storage_sign_in

    return storage_sign_in(target, user_name, password)


def sign_in_to(target: str | Path | None) -> SignIn:
    """A ``SignIn`` for the database at ``target``."""
    return lambda user_name, password: sign_in(target, user_name, password)


def record_access(engine: Engine, actor: str, action: str, detail: Any = None) -> None:
    """An ``access`` row of the audit log (lock, unlock, sign-out), in its own transaction."""
    from ncpi_desktop.storage.audit import record

    record(engine, actor, "access", action, (), detail)


# --- users (Manage > Users) -------------------------------------------------------------------

@dataclass(frozen=True)
class UserService:
    """``storage.users``' user management, bound to the signed-in session. Each call checks the
    session user's role itself and writes its audit row."""

    list_users: Callable[[], list[User]]
    #: (user_name, display_name, roles, scope, manager_id, password)
    add_user: Callable[[str, str, frozenset[Role], Scope, str | None, str], object]
    #: (user_name, *, roles=None, scope=None, display_name=None, manager_id=None)
    set_user: Callable[..., object]
    disable_user: Callable[[str], object]
    set_password: Callable[[str, str], object]


def user_service(session: Session) -> UserService:
    """The real ``UserService`` over ``session``."""
    from ncpi_desktop.storage import users

    def add(user_name: str, display_name: str, roles: frozenset[Role], scope: Scope,
            manager_id: str | None, password: str) -> object:
        new = users.NewUser(user_name=user_name, display_name=display_name, roles=roles,
                            scope=scope, manager_id=manager_id, password=password)
        return users.add_user(session, new)

    return UserService(
        list_users=lambda: users.list_users(session),
        add_user=add,
        set_user=lambda user_name, **changes: users.set_user(session, user_name, **changes),
        disable_user=lambda user_name: users.disable_user(session, user_name),
        set_password=lambda user_name, password: users.set_password(session, user_name,
                                                                     password))


# --- the audit log (Manage > Audit log) --------------------------------------------------------

class Verified(Protocol):
    rows: int
    head: str


@dataclass(frozen=True)
class AuditService:
    """``storage.audit``'s reading side over one engine."""

    #: (rso=None, actor=None, kind=None, since=None) -> the rows, as ``audit list --json``
    entries: Callable[..., list[dict[str, Any]]]
    #: () -> Verified(rows, head); raises ``ChainBroken``
    verify: Callable[[], Verified]
    kinds: Sequence[str] = ("access", "collection", "alteration", "consultation", "disclosure")


def audit_service(engine: Engine) -> AuditService:
    """The real ``AuditService`` over ``engine``."""
    from ncpi_desktop.storage import audit

    def entries(*, rso: str | None = None, actor: str | None = None, kind: str | None = None,
                since: date | None = None) -> list[dict[str, Any]]:
        return audit.entries(engine, rso=rso, actor=actor, kind=kind, since=since)

    return AuditService(entries=entries, verify=lambda: audit.verify(engine),
                        kinds=tuple(audit.KINDS))


def roles_text(roles: Iterable[Role]) -> str:
    """Roles as a person reads them: "administrator, manager"."""
    return ", ".join(sorted(str(r.value) for r in roles))
