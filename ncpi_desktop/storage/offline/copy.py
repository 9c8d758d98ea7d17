"""Taking an offline copy, and refreshing it from its source after a sync.

A copy is an encrypted SQLite file like every database the application makes (SQLCipher, a raw
random key in a ``.keys`` slot unlocked by the user's password) holding only the user's slot and
``app_user`` row, the policy values, and of the register only the scope's RSOs with their
history (visits, ARMS, orders, decisions, events, referrals, case reviews and their actions),
the managers those name and the managers of the scope (staff, never RSOs outside it).
It is written beside its final name and renamed into place, so a copy is whole or absent.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, column, insert, or_, select, table, text
from sqlalchemy.engine import Connection, Engine, make_url

from ncpi_desktop.domain.security import (
    NotPermitted,
    Operation,
    Place,
    Scope,
    ScopeKind,
    User,
    in_scope,
    require,
)
from ncpi_desktop.storage.database import (
    DATABASE_KEY_BYTES,
    DatabaseError,
    named,
    open_database,
    parse_target,
    sqlite_file,
)
from ncpi_desktop.storage.keys import Kek, KeyFile, keys_path
from ncpi_desktop.storage.models import (
    Allocation,
    AppUser,
    Arms,
    CaseReview,
    CivilOrder,
    Event,
    ManagementDecision,
    Manager,
    ManagerAbsence,
    NotificationReview,
    PolicyValue,
    Referral,
    ReviewAction,
    Rso,
    Visit,
)
from ncpi_desktop.storage.offline.journal import as_utc, install, is_copy
from ncpi_desktop.storage.passwords import hash_password

#: The scopes a copy is taken for.
KINDS = (ScopeKind.CASELOAD, ScopeKind.TEAM, ScopeKind.BCU)
#: Ids per ``IN (...)`` when reading the source.
CHUNK = 500


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


@dataclass(frozen=True)
class CopyInfo:
    """Where a copy came from, for what, and when it was taken and last synced."""

    copy_id: str
    source: str
    scope: str
    user_name: str
    taken_at: datetime
    synced_at: datetime


def source_text(source: str | Path) -> str:
    """The source as a copy remembers it: a SQLite file's absolute path, or a URL without its
    password (the password is never stored in the copy)."""
    url = parse_target(source)
    path = sqlite_file(url)
    if path is not None:
        return str(path.expanduser().resolve())
    return make_url(str(source)).set(password=None).render_as_string(hide_password=False)


def parse_scope(scope: str | Scope) -> Scope:
    """``caseload:ID``, ``team:NAME`` or ``bcu:NAME``; ValueError saying what is expected."""
    parsed = scope if isinstance(scope, Scope) else Scope.parse(scope)
    if parsed.kind not in KINDS or len(parsed.values) != 1:
        raise ValueError(f"an offline copy is taken for one caseload:MANAGER_ID, team:NAME or "
                         f"bcu:NAME, not {parsed.text()!r}")
    return parsed


def _scope_place(connection: Connection, scope: Scope) -> Place:
    """Where the scope itself sits, to ask whether it lies inside the user's own scope."""
    (value,) = scope.values
    manager = _t(Manager)
    if scope.kind is ScopeKind.CASELOAD:
        row = connection.execute(select(manager.c.bcu, manager.c.team)
                                 .where(manager.c.manager_id == value)).first()
        if row is None:
            raise ValueError(f"no offender manager {value} in the source")
        return Place(row.bcu, row.team, value)
    if scope.kind is ScopeKind.TEAM:
        rso = _t(Rso)
        bcu = connection.execute(select(manager.c.bcu).where(manager.c.team == value).limit(1)
                                 ).scalar() or connection.execute(
            select(rso.c.bcu).where(rso.c.team == value).limit(1)).scalar()
        if bcu is None:
            raise ValueError(f"no team {value} in the source")
        return Place(bcu, value)
    return Place(value)


def check_permitted(connection: Connection, user: User, scope: Scope) -> None:
    """``NotPermitted`` (naming the rule) unless ``user`` sees names and ``scope`` lies inside
    the user's own scope."""
    require(user, Operation.SEE_NAMES)
    place = _scope_place(connection, scope)
    if not in_scope(user.scope, place):
        raise NotPermitted(f"{user} may not take {scope} offline: it is in {place.where()} "
                           f"(scope: {user.scope})")


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


def _readable(connection: Connection, source: Table) -> Any:
    """``source``, or on a server its view that gives names and free text only within scope
    (the copy's rows are in the user's scope, so they hold them)."""
    name = named(connection, source.name)
    if name == source.name:
        return source
    return table(name, *(column(c.name) for c in source.c))


def _rows(connection: Connection, table: Table, column: str, ids: Sequence[str]
          ) -> list[dict[str, Any]]:
    table = _readable(connection, table)
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        rows += [dict(r) for r in connection.execute(
            select(table).where(table.c[column].in_(chunk))).mappings()]
    return rows


def _scope_rsos(connection: Connection, user: User, scope: Scope) -> list[dict[str, Any]]:
    rso = _readable(connection, _t(Rso))
    column = {ScopeKind.CASELOAD: rso.c.manager_id, ScopeKind.TEAM: rso.c.team,
              ScopeKind.BCU: rso.c.bcu}[scope.kind]
    rows = connection.execute(select(rso).where(column == scope.values[0])
                              .order_by(rso.c.rso_id)).mappings().all()
    return [dict(r) for r in rows
            if in_scope(user.scope, Place(r["bcu"], r["team"], r["manager_id"],
                                          r["neighbourhood"]))]


def cut(connection: Connection, user: User, scope: Scope, password: str
        ) -> dict[str, list[dict[str, Any]]]:
    """The rows of the source a copy of ``scope`` holds, by table, in the order to insert. The
    user's row carries a hash of ``password`` (which a server never lets a user read)."""
    check_permitted(connection, user, scope)
    rsos = _scope_rsos(connection, user, scope)
    ids = [r["rso_id"] for r in rsos]
    allocations = _rows(connection, _t(Allocation), "rso_id", ids)
    manager = _t(Manager)
    where = {ScopeKind.CASELOAD: manager.c.manager_id, ScopeKind.TEAM: manager.c.team,
             ScopeKind.BCU: manager.c.bcu}[scope.kind] == scope.values[0]
    named = sorted({r["manager_id"] for r in [*rsos, *allocations] if r["manager_id"]})
    managers = [dict(r) for r in connection.execute(
        select(manager).where(or_(where, manager.c.manager_id.in_(named or [""])))
        .order_by(manager.c.manager_id)).mappings()]
    manager_ids = [m["manager_id"] for m in managers]
    app_user = _t(AppUser)
    reviews = _rows(connection, _t(CaseReview), "rso_id", ids)
    return {
        "manager": managers, "rso": rsos, "allocation": allocations,
        "visit": _rows(connection, _t(Visit), "rso_id", ids),
        "arms": _rows(connection, _t(Arms), "rso_id", ids),
        "civil_order": _rows(connection, _t(CivilOrder), "rso_id", ids),
        "management_decision": _rows(connection, _t(ManagementDecision), "rso_id", ids),
        "event": _rows(connection, _t(Event), "rso_id", ids),
        "referral": _rows(connection, _t(Referral), "rso_id", ids),
        "case_review": reviews,
        "review_action": _rows(connection, _t(ReviewAction), "review_id",
                               [r["review_id"] for r in reviews]),
        "notification_review": _rows(connection, _t(NotificationReview), "rso_id", ids),
        "manager_absence": _rows(connection, _t(ManagerAbsence), "manager_id", manager_ids),
        "policy_value": [dict(r) for r in connection.execute(select(_t(PolicyValue))).mappings()],
        "app_user": [{**dict(r), "password_hash": hash_password(password)}
                     for r in connection.execute(select(*(c for c in app_user.c
                                                          if c.name != "password_hash"))
                                                 .where(app_user.c.user_name == user.user_name)
                                                 ).mappings()],
    }


_TABLES = {t.name: t for t in map(_t, (Manager, Rso, Allocation, Visit, Arms, CivilOrder,
                                        ManagementDecision, Event, Referral, CaseReview,
                                        ReviewAction, NotificationReview, ManagerAbsence,
                                        PolicyValue, AppUser))}


def _partial(out: Path) -> Path:
    return out.with_name(out.name + ".partial")


def write_copy(out: Path, key: bytes, rows: dict[str, list[dict[str, Any]]],
               info: CopyInfo, journal_rows: Sequence[dict[str, Any]] = (),
               before_rename: Callable[[], None] | None = None) -> None:
    """Write a copy holding ``rows`` (and a carried-over journal) at ``out``: built beside it
    under ``key``, then renamed over it (a copy is whole, old or new, whenever it is killed)."""
    partial = _partial(out)
    partial.unlink(missing_ok=True)
    engine = open_database(partial, create=True, key=key)
    try:
        with engine.begin() as connection:
            for name, table_rows in rows.items():
                if table_rows:
                    connection.execute(insert(_TABLES[name]), table_rows)
            install(connection)
            connection.execute(text(
                "INSERT INTO offline_source VALUES (:copy_id, :source, :scope, :user_name, "
                ":taken_at, :synced_at)"),
                {**info.__dict__, "taken_at": info.taken_at.isoformat(),
                 "synced_at": info.synced_at.isoformat()})
            for row in journal_rows:
                names = ", ".join(row)
                values = ", ".join(f":{k}" for k in row)
                connection.execute(text(f"INSERT INTO offline_change ({names}) VALUES "
                                        f"({values})"), row)
    finally:
        engine.dispose()
    if before_rename is not None:
        before_rename()
    os.replace(partial, out)


def new_copy(out: Path, user: User, password: str, rows: dict[str, list[dict[str, Any]]],
             source: str, scope: Scope) -> Path:
    """A new copy at ``out`` (which must not exist) for ``user``, whose password unlocks it."""
    out = out.expanduser().resolve()
    if out.exists() or keys_path(out).exists():
        raise DatabaseError(f"{out} exists: give a new file name for the offline copy")
    if not out.parent.is_dir():
        raise DatabaseError(f"Cannot write the offline copy: no folder {out.parent}")
    key = secrets.token_bytes(DATABASE_KEY_BYTES)
    now = datetime.now(UTC)
    info = CopyInfo(secrets.token_hex(16), source, scope.text(), user.user_name, now, now)
    keyfile = KeyFile(keys_path(out))
    keyfile.set_slot(user.user_name, Kek.derive(password), key)
    try:
        write_copy(out, key, rows, info)
        keyfile.save()
    except BaseException:
        out.unlink(missing_ok=True)
        _partial(out).unlink(missing_ok=True)
        raise
    return out


def read_info(engine: Engine) -> CopyInfo | None:
    """The copy's source and times; None for a database that is not an offline copy."""
    with engine.connect() as connection:
        if not is_copy(connection):
            return None
        row = connection.execute(text("SELECT * FROM offline_source")).first()
    if row is None:
        return None
    return CopyInfo(row.copy_id, row.source, row.scope, row.user_name,
                    as_utc(row.taken_at), as_utc(row.synced_at))


def journal_rows(engine: Engine) -> list[dict[str, Any]]:
    """The copy's journal of changes as rows, to carry into its refreshed self."""
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(
            text("SELECT * FROM offline_change ORDER BY id")).mappings()]
