"""Signing in, and the users of a database (SECURITY.md, "Users, roles and scopes" and "Signing
in"): every change to a user checks the signed-in user's role itself and writes its audit row.

A SQLite file the application makes is encrypted (SQLCipher with a raw random key); each user's
password unlocks that key from its slot in the ``.keys`` file beside it (``storage.keys``). The
password is also checked against ``app_user.password_hash`` on every backend. A plain SQLite file
(an older version's, or a test's) and PostgreSQL sign in by the hash alone.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.security import (
    SIGN_IN_FAILURES_BEFORE_WAIT,
    SIGN_IN_WAIT_SECONDS,
    Operation,
    Role,
    Scope,
    User,
    require,
)
from ncpi_desktop.storage.audit import append
from ncpi_desktop.storage.database import (
    DATABASE_KEY_BYTES,
    DatabaseError,
    change_key,
    export_encrypted,
    is_server,
    open_database,
    parse_target,
    shown_location,
    sqlite_file,
)
from ncpi_desktop.storage.keys import (
    UNKNOWN_USER,
    Kek,
    KeyFile,
    keys_path,
    overwrite_and_unlink,
)
from ncpi_desktop.storage.passwords import (
    WeakPassword,
    check_new_password,
    hash_password,
    verify_password,
)
from ncpi_desktop.storage.server import logins, sessions
from ncpi_desktop.storage.user_rows import (
    APP_USER,
    AUDIT,
    REFUSED,
    SHOWN_COLUMNS,
    NewUser,
    Session,
    SignInRefused,
    SlowDown,
    UserError,
    insert_user,
    now,
    shown_user,
    user_from_row,
    user_row,
    validated,
)

_SQLITE_HEADER = b"SQLite format 3\0"


def _audit(connection: Connection, actor: str, kind: str, action: str, detail: Any) -> None:
    """One row of the hash-chained audit log, in the caller's transaction."""
    append(connection, actor, kind, action, (), detail)


# --- signing in ---------------------------------------------------------------------------------

def sign_in(target: str | Path | None, user_name: str, password: str) -> Session:
    """Open ``target`` as ``user_name``: ``SignInRefused`` (``SlowDown`` after five failures in
    a row) when the name and password do not match an active user, ``DatabaseError`` when the
    database cannot be used. Writes the sign-in (and earlier failures) to the audit log."""
    shown = str(target) if target is not None else shown_location(None)
    parsed = parse_target(target)
    if sessions.signs_in_as_login(parsed, user_name):
        return sessions.sign_in_as_login(parsed, shown, user_name, password)
    path = sqlite_file(parsed)
    if path is not None:
        if keys_path(path).exists():
            return _sign_in_encrypted(path, shown, user_name, password)
        if not path.exists():
            raise DatabaseError(f"No database at {path}: make one with ncpi-desktop init "
                                f"--db {path}")
        if path.is_file() and _header(path) not in (_SQLITE_HEADER, b""):
            raise DatabaseError(f"Cannot open database {path}: it is not a plain database and "
                                f"has no key file ({keys_path(path).name}) beside it; if it is "
                                f"encrypted, copy its key file from where it came from")
    engine = open_database(target)
    try:
        return _sign_in_plain(engine, shown, user_name, password)
    except BaseException:
        engine.dispose()
        raise


def _header(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(len(_SQLITE_HEADER))
    except OSError:
        return _SQLITE_HEADER  # let opening it say what is wrong


def _sign_in_encrypted(path: Path, shown: str, user_name: str, password: str) -> Session:
    keyfile = KeyFile.load(keys_path(path))
    if (wait := keyfile.wait_seconds(user_name)) > 0:
        raise SlowDown(wait)
    kek = keyfile.kek_for(user_name, password)
    key = keyfile.unlock_with(user_name, kek)
    if key is None:
        keyfile.record_failure(user_name)
        keyfile.save()
        raise SignInRefused(REFUSED)
    engine = open_database(path, key=key)
    try:
        with engine.connect() as connection:
            row = user_row(connection, user_name, with_hash=True)
        if row is None or not verify_password(password, row.password_hash) or not row.active:
            keyfile.record_failure(user_name)
            keyfile.save()
            raise SignInRefused(REFUSED)
        user = user_from_row(row)
        taken = keyfile.take_failures()
        with engine.begin() as connection:
            for name, times in taken.items():
                for at in times:
                    _audit(connection, name, "access", "failed sign-in", {"at": at})
            _audit(connection, user.user_name, "access", "sign in", None)
        if taken or user_name in keyfile.failures:
            keyfile.failures.pop(user_name, None)  # failures in a row start again from none
            keyfile.save()
    except BaseException:
        engine.dispose()
        raise
    return Session(engine, user, shown, key, kek)


def _recent_failures(connection: Connection, name: str) -> tuple[int, datetime | None]:
    """How many failed sign-ins of ``name`` in a row the audit ends with, and the last's time."""
    rows = connection.execute(
        select(AUDIT.c.operation, AUDIT.c.at)
        .where(AUDIT.c.kind == "access", AUDIT.c.actor == name,
               AUDIT.c.operation.in_(("sign in", "failed sign-in")))
        .order_by(AUDIT.c.id.desc()).limit(SIGN_IN_FAILURES_BEFORE_WAIT)).all()
    count = 0
    for operation, _at in rows:
        if operation != "failed sign-in":
            break
        count += 1
    return count, (rows[0][1] if rows else None)


def _sign_in_plain(engine: Engine, shown: str, user_name: str, password: str) -> Session:
    """A plain SQLite file or PostgreSQL: the hash alone; failures go straight to the audit."""
    with engine.connect() as connection:
        if not connection.execute(select(func.count()).select_from(APP_USER)).scalar():
            how = ("init" if "://" in shown else "encrypt")
            raise DatabaseError(f"{shown_location(shown)} has no users: run ncpi-desktop {how} "
                                f"--db {shown_location(shown)}")
        row = user_row(connection, user_name, with_hash=True)
        counted = user_name if row is not None else UNKNOWN_USER
        count, last = _recent_failures(connection, counted)
    if count >= SIGN_IN_FAILURES_BEFORE_WAIT and last is not None:
        last = last if last.tzinfo else last.replace(tzinfo=UTC)
        wait = int(SIGN_IN_WAIT_SECONDS - (now() - last).total_seconds() + 0.999)
        if wait > 0:
            raise SlowDown(wait)
    if row is None or not verify_password(password, row.password_hash) or not row.active:
        try:
            with engine.begin() as connection:
                _audit(connection, counted, "access", "failed sign-in", {"at": now()})
        except Exception:  # noqa: BLE001 - a read-only database: refused all the same
            pass
        raise SignInRefused(REFUSED)
    user = user_from_row(row)
    with engine.begin() as connection:
        _audit(connection, user.user_name, "access", "sign in", None)
    return Session(engine, user, shown)


def record_access(session: Session, action: str) -> None:
    """An ``access`` row for the signed-in user: the window's "lock", say."""
    with session.engine.begin() as connection:
        _audit(connection, session.user.user_name, "access", action, None)


def confirm_password(session: Session, password: str) -> None:
    """The signed-in user gives their password again (the window's unlock): audited as
    "unlock", or "failed unlock" and ``SignInRefused``."""
    if sessions.is_login_session(session):
        right = sessions.password_is_right(session, password)
    else:
        with session.engine.connect() as connection:
            row = user_row(connection, session.user.user_name, with_hash=True)
        right = (row is not None and bool(row.active)
                 and verify_password(password, row.password_hash))
    record_access(session, "unlock" if right else "failed unlock")
    if not right:
        raise SignInRefused(REFUSED)


def sign_out(session: Session) -> None:
    """Write the sign-out to the audit log and close the engine."""
    try:
        with session.engine.begin() as connection:
            _audit(connection, session.user.user_name, "access", "sign out", None)
    finally:
        session.engine.dispose()


# --- new databases ------------------------------------------------------------------------------

def create_database(target: str | Path | None, first: NewUser) -> Session:
    """A new database whose first user is ``first`` (who must hold the administrator role). A
    SQLite file is made encrypted, with ``first``'s key slot; a PostgreSQL database must have no
    users yet."""
    user = validated(first)
    if Role.ADMINISTRATOR not in user.roles:
        raise UserError("the first user of a database must hold the administrator role")
    path = sqlite_file(parse_target(target))
    if path is None:
        return _first_user_on_server(target, user, first.password)
    if path.exists() or keys_path(path).exists():
        raise DatabaseError(f"{path} exists: give a new file name")
    key = secrets.token_bytes(DATABASE_KEY_BYTES)
    kek = Kek.derive(first.password)
    keyfile = KeyFile(keys_path(path))
    keyfile.set_slot(user.user_name, kek, key)
    engine = None
    try:
        engine = open_database(path, create=True, key=key)
        keyfile.save()
        with engine.begin() as connection:
            insert_user(connection, user, hash_password(first.password))
            _audit(connection, user.user_name, "alteration", "create database",
                   {"before": None, "after": shown_user(user)})
            _audit(connection, user.user_name, "access", "sign in", None)
    except BaseException:
        if engine is not None:
            engine.dispose()
        path.unlink(missing_ok=True)
        keys_path(path).unlink(missing_ok=True)
        raise
    return Session(engine, user, str(target), key, kek)


def _first_user_on_server(target: str | Path | None, user: User, password: str) -> Session:
    engine = open_database(target)
    try:
        with engine.begin() as connection:
            if connection.execute(select(func.count()).select_from(APP_USER)).scalar():
                raise DatabaseError(f"{shown_location(target)} already has users: sign in "
                                    f"as an administrator and add users with ncpi-desktop users")
            insert_user(connection, user, hash_password(password))
            if is_server(connection):
                logins.set_login(connection, user.user_name, password=password)
            _audit(connection, user.user_name, "alteration", "add first user",
                   {"before": None, "after": shown_user(user)})
    except BaseException:
        engine.dispose()
        raise
    return Session(engine, user, str(target))


# --- users --------------------------------------------------------------------------------------

def _keyfile(session: Session) -> KeyFile | None:
    path = session.path
    return KeyFile.load(keys_path(path)) if session.key is not None and path else None


def add_user(session: Session, new: NewUser) -> User:
    """Add a user (administrators): their row, their key slot, an audit row."""
    require(session.user, Operation.MANAGE_USERS)
    user = validated(new)
    keyfile = _keyfile(session)
    with session.engine.begin() as connection:
        insert_user(connection, user, hash_password(new.password))
        if is_server(connection):
            logins.set_login(connection, user.user_name, password=new.password)
        _audit(connection, session.user.user_name, "alteration", "add user",
               {"before": None, "after": shown_user(user)})
        if keyfile is not None:
            keyfile.set_slot(user.user_name, Kek.derive(new.password), session.key)
            keyfile.save()  # inside the transaction: a slot that cannot be written adds no one
    return user


def add_users_sharing_password(session: Session, users: list[NewUser], password: str) -> int:
    """Add many users with one password hashed once (one salt) and one key-encryption key:
    demo databases' offender-manager users only, as hashing a thousand passwords one by one
    takes minutes. Returns how many were added."""
    require(session.user, Operation.MANAGE_USERS)
    check_new_password(password)
    shared_hash, kek = hash_password(password), Kek.derive(password)
    keyfile = _keyfile(session)
    with session.engine.begin() as connection:
        # One SCRAM verifier too (its salt is random; it does not depend on the user name).
        shared_verifier = (logins.verifier(connection, "", password)
                           if is_server(connection) else None)
        for new in users:
            user = validated(NewUser(new.user_name, new.display_name, new.roles, new.scope,
                                     new.manager_id, password))
            insert_user(connection, user, shared_hash)
            if shared_verifier is not None:
                logins.set_login(connection, user.user_name, verifier_text=shared_verifier)
            if keyfile is not None:
                keyfile.set_slot(user.user_name, kek, session.key)
        _audit(connection, session.user.user_name, "alteration", "add users",
               {"before": None, "after": [u.user_name for u in users]})
        if keyfile is not None:
            keyfile.save()
    return len(users)




def _existing(connection: Connection, user_name: str) -> User:
    row = user_row(connection, user_name)
    if row is None:
        raise UserError(f"there is no user {user_name!r}")
    return user_from_row(row)


def _keep_an_administrator(connection: Connection, leaving: str) -> None:
    """Refuse a change that would leave no active administrator."""
    others = [user_from_row(r) for r in connection.execute(
        select(*SHOWN_COLUMNS).where(APP_USER.c.active, APP_USER.c.user_name != leaving))]
    if not any(Role.ADMINISTRATOR in u.roles for u in others):
        raise UserError(f"{leaving} is the last active administrator: give another user the "
                        f"administrator role first")


def set_user(session: Session, user_name: str, *, roles: Iterable[Role | str] | None = None,
             scope: Scope | str | None = None, display_name: str | None = None,
             manager_id: str | None = None) -> User:
    """Change a user's roles, scope, display name or manager (administrators)."""
    require(session.user, Operation.MANAGE_USERS)
    with session.engine.begin() as connection:
        before = _existing(connection, user_name)
        after = validated(NewUser(
            user_name, display_name if display_name is not None else before.display_name,
            roles if roles is not None else before.roles,
            scope if scope is not None else before.scope,
            manager_id if manager_id is not None else before.manager_id, "x" * 64))
        if Role.ADMINISTRATOR in before.roles and Role.ADMINISTRATOR not in after.roles:
            _keep_an_administrator(connection, user_name)
        connection.execute(update(APP_USER).where(APP_USER.c.user_name == user_name).values(
            display_name=after.display_name, roles=",".join(sorted(after.roles)),
            scope=after.scope.text(), manager_id=after.manager_id, changed_at=now()))
        if is_server(connection):
            logins.set_login(connection, user_name)
        _audit(connection, session.user.user_name, "alteration", "change user",
               {"before": shown_user(before), "after": shown_user(after)})
    return after


def disable_user(session: Session, user_name: str) -> None:
    """Disable a user (administrators): they can no longer sign in, and their key slot goes.
    Nobody is deleted, so the audit's "who" always names someone."""
    require(session.user, Operation.MANAGE_USERS)
    keyfile = _keyfile(session)
    with session.engine.begin() as connection:
        before = _existing(connection, user_name)
        if Role.ADMINISTRATOR in before.roles:
            _keep_an_administrator(connection, user_name)
        connection.execute(update(APP_USER).where(APP_USER.c.user_name == user_name)
                           .values(active=False, changed_at=now()))
        if is_server(connection):
            logins.set_login(connection, user_name)
        _audit(connection, session.user.user_name, "alteration", "disable user",
               {"before": shown_user(before), "after": {**shown_user(before), "active": False}})
        if keyfile is not None:
            keyfile.drop_slot(user_name)
            keyfile.save()


def set_password(session: Session, user_name: str, password: str) -> None:
    """Set a user's password (an administrator for anyone; a user for themself): the hash, and
    their key slot rewritten, never the database."""
    if user_name != session.user.user_name:
        require(session.user, Operation.MANAGE_USERS)
    try:
        check_new_password(password)
    except WeakPassword as exc:
        raise UserError(str(exc)) from None
    keyfile = _keyfile(session)
    with session.engine.begin() as connection:
        user = _existing(connection, user_name)
        if not user.active:
            raise UserError(f"{user_name} is disabled")
        _store_password(session, connection, user, password)
        _audit(connection, session.user.user_name, "alteration", "set password",
               {"user_name": user_name})
        if keyfile is not None:
            keyfile.set_slot(user_name, Kek.derive(password), session.key)
            keyfile.save()


def _store_password(session: Session, connection: Connection, user: User,
                    password: str) -> None:
    """The user's new password: their row's hash and, on a server, their login's."""
    if not is_server(connection):
        connection.execute(update(APP_USER).where(APP_USER.c.user_name == user.user_name)
                           .values(password_hash=hash_password(password), changed_at=now()))
        return
    if sessions.is_login_session(session) and user.user_name == session.user.user_name:
        logins.set_own_password(connection, user.user_name, password, hash_password(password))
        sessions.set_engine_password(session.engine, password)
        return
    connection.execute(update(APP_USER).where(APP_USER.c.user_name == user.user_name)
                       .values(password_hash=hash_password(password), changed_at=now()))
    logins.set_login(connection, user.user_name, password=password)


def list_users(session: Session) -> list[User]:
    """Every user, disabled ones included (administrators)."""
    require(session.user, Operation.MANAGE_USERS)
    with session.engine.connect() as connection:
        rows = connection.execute(select(*SHOWN_COLUMNS).order_by(APP_USER.c.user_name)).all()
    return [user_from_row(r) for r in rows]


def encrypt_database(path: str | Path, first: NewUser) -> Session:
    """An encrypted copy of the plain SQLite file ``path`` in its place, with ``first`` as an
    administrator; the plain file is overwritten, then deleted. Users it already had keep their
    rows but have no key slot until an administrator sets their password."""
    path = Path(path)
    user = validated(first)
    if Role.ADMINISTRATOR not in user.roles:
        raise UserError("the first user of an encrypted database must hold the administrator "
                        "role")
    if not path.is_file():
        raise DatabaseError(f"No database at {path}")
    if keys_path(path).exists() or _header(path) != _SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a plain SQLite database (already encrypted?)")
    plain = open_database(path)  # brought to the current schema first
    try:
        with plain.connect() as connection:
            if user_row(connection, user.user_name) is not None:
                raise UserError(f"there is already a user {user.user_name!r}: choose another "
                                f"name for the first administrator")
    finally:
        plain.dispose()
    key = secrets.token_bytes(DATABASE_KEY_BYTES)
    kek = Kek.derive(first.password)
    copy = path.with_name(path.name + ".encrypting")
    copy.unlink(missing_ok=True)
    try:
        export_encrypted(path, copy, key)
        engine = open_database(copy, key=key)
        try:
            with engine.begin() as connection:
                insert_user(connection, user, hash_password(first.password))
                _audit(connection, user.user_name, "alteration", "encrypt database",
                       {"before": None, "after": shown_user(user)})
        finally:
            engine.dispose()
        keyfile = KeyFile(keys_path(path))
        keyfile.set_slot(user.user_name, kek, key)
        keyfile.save()
    except BaseException:
        copy.unlink(missing_ok=True)  # the plain file is still there, as it was
        raise
    for journal in ("-journal", "-wal", "-shm"):
        overwrite_and_unlink(path.with_name(path.name + journal))
    overwrite_and_unlink(path)
    copy.replace(path)
    return _sign_in_encrypted(path, str(path), user.user_name, first.password)


def rekey(session: Session) -> list[str]:
    """Replace the database key (administrators): the file is re-encrypted, the runner's slot
    rewritten, and every other slot dropped (their passwords open only the old key: an
    administrator sets each a new password). Returns the user names whose slots went."""
    require(session.user, Operation.MANAGE_USERS)
    path = session.path
    if session.key is None or session.kek is None or path is None:
        raise UserError(f"{shown_location(session.target)} is not encrypted: encrypt it with "
                        f"ncpi-desktop encrypt")
    old = KeyFile.load(keys_path(path))
    dropped = sorted(n for n in old.slots if n != session.user.user_name)
    key = secrets.token_bytes(DATABASE_KEY_BYTES)
    new = KeyFile(keys_path(path).with_name(keys_path(path).name + ".new"),
                  failures=old.failures)
    new.set_slot(session.user.user_name, session.kek, key)
    new.save()
    try:
        with session.engine.begin() as connection:
            _audit(connection, session.user.user_name, "alteration", "rekey",
                   {"slots dropped": dropped})
        change_key(session.engine, key)
    except BaseException:
        new.path.unlink(missing_ok=True)
        raise
    new.path.replace(keys_path(path))
    session.key = key
    session.engine = open_database(path, key=key)
    return dropped


__all__ = ["NewUser", "Session", "SignInRefused", "SlowDown", "UserError", "add_user",
           "add_users_sharing_password", "confirm_password", "create_database", "disable_user",
           "encrypt_database", "list_users", "record_access", "rekey", "set_password",
           "set_user", "sign_in", "sign_out"]
