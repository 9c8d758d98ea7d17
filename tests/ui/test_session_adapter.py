"""ui/core/session: the window's calls reach storage.users and storage.audit in the shapes the
trust interfaces fix (checked against stand-in modules, so the wiring is pinned whichever
implementation is installed)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import Any

import pytest

import ncpi_desktop.storage as storage
from ncpi_desktop.domain.security import Role, Scope, ScopeKind, User
from ncpi_desktop.storage.database import shown_location
from ncpi_desktop.ui.core import session as adapter

USER = User("admin", "Ada Admin", frozenset({Role.ADMINISTRATOR}))


@dataclass
class NewUser:
    user_name: str
    display_name: str
    roles: frozenset[Role]
    scope: Scope
    manager_id: str | None
    password: str


def stand_in(monkeypatch: pytest.MonkeyPatch, name: str, calls: list[tuple[Any, ...]],
             functions: list[str], **extra: Any) -> None:
    """``ncpi_desktop.storage.<name>`` replaced by a module recording each call."""
    module = ModuleType(f"ncpi_desktop.storage.{name}")
    for function in functions:
        def record(*args: Any, _name: str = function, **kwargs: Any) -> Any:
            calls.append((_name, args, kwargs))
            return [] if _name in ("list_users", "entries") else None
        setattr(module, function, record)
    for key, value in extra.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(storage, name, module, raising=False)


@dataclass
class FakeSession:
    engine: Any = "engine"
    user: User = USER
    target: str = "register.sqlite3"


def test_user_management_reaches_storage_users_with_the_session(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    stand_in(monkeypatch, "users", calls,
             ["list_users", "add_user", "set_user", "disable_user", "set_password"],
             NewUser=NewUser)
    session = FakeSession()
    service = adapter.user_service(session)
    scope = Scope(ScopeKind.BCU, ("East",))
    service.list_users()
    service.add_user("om010", "Owen Marsh", frozenset({Role.SUPERVISOR}), scope, None,
                     "a long enough password")
    service.set_user("om010", roles=frozenset({Role.MANAGER}), scope=scope)
    service.disable_user("om010")
    service.set_password("om010", "another long password")
    assert calls == [
        ("list_users", (session,), {}),
        ("add_user", (session, NewUser("om010", "Owen Marsh", frozenset({Role.SUPERVISOR}),
                                       scope, None, "a long enough password")), {}),
        ("set_user", (session, "om010"), {"roles": frozenset({Role.MANAGER}), "scope": scope}),
        ("disable_user", (session, "om010"), {}),
        ("set_password", (session, "om010", "another long password"), {}),
    ]


def test_the_audit_log_is_read_and_written_through_storage_audit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    kinds = ("access", "collection", "alteration", "consultation", "disclosure")
    stand_in(monkeypatch, "audit", calls, ["entries", "verify", "record"], KINDS=kinds)
    service = adapter.audit_service("engine")  # type: ignore[arg-type]
    assert tuple(service.kinds) == kinds
    service.entries(actor="manager", since=date(2017, 10, 1))
    service.verify()
    adapter.record_access("engine", "manager", "lock")  # type: ignore[arg-type]
    assert calls == [
        ("entries", ("engine",), {"rso": None, "actor": "manager", "kind": None,
                                  "since": date(2017, 10, 1)}),
        ("verify", ("engine",), {}),
        ("record", ("engine", "manager", "access", "lock", (), None), {}),
    ]


def test_sign_in_is_storage_users_sign_in_for_the_target(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    stand_in(monkeypatch, "users", calls, ["sign_in"])
    adapter.sign_in_to("register.sqlite3")("om009", "a long enough password")
    assert calls == [("sign_in", ("register.sqlite3", "om009", "a long enough password"), {})]


@pytest.mark.parametrize(("target", "shown"), [
    ("demo-data/lancashire-2017.sqlite3", "demo-data/lancashire-2017.sqlite3"),
    ("postgresql://ncpi:s3cret-pass@db.example/ncpi", "postgresql://ncpi:***@db.example/ncpi"),
])
def test_a_location_is_shown_without_a_password(target: str, shown: str) -> None:
    """What the sign-in dialog says it opens (storage's one ``shown_location``)."""
    assert shown_location(target) == shown
