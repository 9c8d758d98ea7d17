"""Signing in to a shared server as oneself: the application connects as the login of the
signed-in user, so the server authenticates them (its own password check, SCRAM) and enforces
their role and scope on everything they read and write.

A PostgreSQL URL naming no user (``postgresql://HOST/DB``), or naming the user signing in,
signs in this way. A URL naming another role (the owner's, say) signs in as before: as that
role, the user checked by the password hash ``app_user`` keeps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.storage.audit import append
from ncpi_desktop.storage.database import DatabaseError, make_engine, open_database
from ncpi_desktop.storage.user_rows import REFUSED, Session, SignInRefused, user_from_row, user_row

#: What the server says when a login is refused: a wrong password, no such role, a disabled one.
_REFUSALS = ("password authentication failed", "is not permitted to log in",
             "no password supplied", "authentication failed for user")
#: Where each engine's password is kept, so that a changed password is used from then on.
_PASSWORDS = "ncpi_password"


def signs_in_as_login(url: URL, user_name: str) -> bool:
    """``url`` is a PostgreSQL URL to sign in to as ``user_name``'s own login."""
    return url.get_backend_name() == "postgresql" and url.username in (None, "", user_name)


def is_login_session(session: Session) -> bool:
    """``session`` is connected as its user's own login on a server."""
    engine = session.engine
    return engine.dialect.name == "postgresql" and engine.url.username == session.user.user_name


def _refused(exc: BaseException) -> bool:
    while exc is not None:
        message = str(getattr(exc, "orig", None) or exc)
        if any(r in message for r in _REFUSALS) or (
                "role \"" in message and "does not exist" in message):
            return True
        exc = exc.__cause__  # type: ignore[assignment]
    return False


def _engine(url: URL, password: str) -> Engine:
    """An engine connecting as ``url``'s user with ``password`` (kept on the engine, so that
    ``set_engine_password`` changes what later connections give)."""
    engine = open_database(url.set(password=password).render_as_string(hide_password=False))
    credentials = {"password": password}
    setattr(engine, _PASSWORDS, credentials)

    def connect(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["password"] = credentials["password"]

    event.listen(engine, "do_connect", connect)
    return engine


def set_engine_password(engine: Engine, password: str) -> None:
    """Later connections of ``engine`` give ``password`` (after the user changed theirs)."""
    credentials = getattr(engine, _PASSWORDS, None)
    if isinstance(credentials, dict):
        credentials["password"] = password


def sign_in_as_login(url: URL, shown: str, user_name: str, password: str) -> Session:
    """Connect as ``user_name`` with ``password``: ``SignInRefused`` when the server refuses
    the login or the user is not an active user of the register; the sign-in is audited."""
    try:
        engine = _engine(url.set(username=user_name), password)
    except DatabaseError as exc:
        if _refused(exc):
            raise SignInRefused(REFUSED) from None
        raise
    try:
        with engine.connect() as connection:
            row = user_row(connection, user_name)
        if row is None or not row.active:
            raise SignInRefused(REFUSED)
        user = user_from_row(row)
        with engine.begin() as connection:
            append(connection, user.user_name, "access", "sign in")
    except BaseException:
        engine.dispose()
        raise
    return Session(engine, user, shown)


def password_is_right(session: Session, password: str) -> bool:
    """The server accepts ``password`` for the session's login (a new connection, closed)."""
    probe = make_engine(session.engine.url.set(password=password)
                        .render_as_string(hide_password=False))
    try:
        with probe.connect():
            return True
    except SQLAlchemyError as exc:
        if _refused(exc):
            return False
        raise DatabaseError(f"Cannot reach the server to check the password: "
                            f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}") from exc
    finally:
        probe.dispose()
