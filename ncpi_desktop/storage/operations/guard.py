"""No lost update (SERVER.md): every named write checks, in its own transaction and under the
lock its database needs, that what it changes is still as the user saw it.

What a user saw:
- ``rso.version`` (migration 0008), an integer every named operation adds one to for each RSO
  it writes (a move, a record, a decision, and their undo and redo), in the transaction that
  writes. The register's RSO frame carries it (column ``version``), so a window knows the
  version it shows; a ``Change`` carries the versions after it (``Change.versions``).
  Operations take ``seen`` (rso_id -> version seen) and refuse if any has moved.
- the holder seen (``from_holder`` of ``reassign``: a manager id or ``POOL``; the command line's
  ``--from``), the caseload seen (``caseload`` of ``manager_leaving`` and ``manager_absent``),
  the policy values seen (``seen`` of ``set_policy_values``), the management mode a decision
  was validated against (``Decision.current``).
- Undo and redo check that the rows are still exactly as the change left them: the image they
  would write over (holders, allocation rows, manager and absence rows; a record still there),
  not the version, so that undoing one's own reassignment after recording a visit to the same
  RSO is not refused, while any move made since (a new allocation row) is.

Locking, taken before anything is read (``begin_write`` and the ``lock_*`` functions):
- SQLite: the write transaction begins with ``BEGIN IMMEDIATE``, so it holds the database's
  write lock before its first read: two writers are serialised whole, and the second reads what
  the first committed (it waits for the lock: the driver's busy timeout, 5 s). Only the
  operations' own transactions do this; read-only connections are untouched.
- PostgreSQL (READ COMMITTED, its default): ``SELECT ... FOR UPDATE`` on the RSO rows written
  (in rso_id order, so that two writers do not deadlock), on a leaving or absent manager's row
  and those of the managers receiving their RSOs, and ``FOR SHARE`` on a manager receiving a
  reassignment (so a manager cannot leave while receiving); managers are locked before RSOs; a
  transaction-scoped advisory lock for the policy values. The check reads after the lock, so it
  sees what the writer before committed.

A refusal raises ``StaleWrite`` (an ``OperationError``: exit status 1 on the command line) before
anything is written, saying who changed what and when from the latest audit row naming the RSO:
``R0006 is now held by OM023 (moved by supervisor.east at 14:02 on 10/10/2017)``. Because the
before image is read after the lock, the audit's "before" is what the write really replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.change import StaleWrite
from ncpi_desktop.storage.database import is_server
from ncpi_desktop.storage.operations.base import AUDIT, MANAGER, POLICY_VALUE, RSO

__all__ = ["POOL", "StaleWrite", "begin_write", "bump", "changed_by", "check_caseload",
           "check_holder", "check_policy", "check_seen", "describe_rso", "last_change",
           "lock_caseload", "lock_managers", "lock_policy", "lock_rsos", "policy_values",
           "versions"]

#: ``from_holder`` for an RSO in a team's pool rather than with a named manager.
POOL = "pool"
#: The PostgreSQL advisory lock a policy change takes for its transaction ("ncpi" "polv").
POLICY_LOCK = 0x6E637069_706F6C76

#: How the audit's operations read in a refusal: "moved by", "visit recorded by".
_MOVES = frozenset({"reassign", "apply moves", "manager leaving", "manager absent",
                    "hand back"})
_DONE = {"record visit": "visit recorded", "record ARMS": "ARMS assessment recorded",
         "record order": "order recorded", "record decision": "decision recorded",
         "set policy": "changed", "import": "imported", "record event": "event recorded",
         "record referral": "referral recorded", "record review": "case review recorded",
         "add review action": "review action added",
         "complete review action": "review action completed",
         "record notification review": "notification review decision recorded"}
_UNDONE = {"record visit": "visit removed", "record ARMS": "ARMS assessment removed",
           "record order": "order removed", "record decision": "decision removed",
           "set policy": "changed back", "record event": "event removed",
         "record referral": "referral removed", "record review": "case review removed",
         "add review action": "review action removed",
         "complete review action": "review action reopened",
         "record notification review": "notification review decision removed"}


# --- the transaction and its locks --------------------------------------------------------------

@contextmanager
def begin_write(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``engine.begin()``) that on SQLite holds the write lock from its
    start (``BEGIN IMMEDIATE``): what it reads is what it writes over."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            dbapi = connection.connection.dbapi_connection
            if not dbapi.in_transaction:  # type: ignore[union-attr]
                connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection


def _postgres(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def lock_rsos(connection: Connection, rso_ids: Iterable[str]) -> None:
    """PostgreSQL: lock the rows of ``rso_ids`` (``FOR UPDATE``, in id order) until the
    transaction ends. SQLite holds its write lock already (``begin_write``)."""
    ids = sorted({str(i) for i in rso_ids})
    if ids and _postgres(connection):
        connection.execute(select(RSO.c.rso_id).where(RSO.c.rso_id.in_(ids))
                           .order_by(RSO.c.rso_id).with_for_update())


def lock_managers(connection: Connection, manager_ids: Iterable[str | None], *,
                  share: bool = True) -> None:
    """PostgreSQL: lock the managers' rows, ``FOR SHARE`` (a manager receiving RSOs) or, with
    ``share=False``, ``FOR UPDATE`` (a manager leaving or going on absence)."""
    ids = sorted({str(i) for i in manager_ids if i})
    if ids and _postgres(connection):
        connection.execute(select(MANAGER.c.manager_id).where(MANAGER.c.manager_id.in_(ids))
                           .order_by(MANAGER.c.manager_id).with_for_update(read=share))


def lock_caseload(connection: Connection, manager_id: str,
                  receiving: Iterable[str | None] = ()) -> None:
    """PostgreSQL: lock a manager giving up their RSOs and the managers receiving them (all
    ``FOR UPDATE``, in id order, so that two leavers moving RSOs to each other never deadlock),
    then the RSOs they hold. A move to them locks their row ``FOR SHARE`` first, so none can
    arrive after this."""
    lock_managers(connection, [manager_id, *receiving], share=False)
    if _postgres(connection):
        connection.execute(select(RSO.c.rso_id).where(RSO.c.manager_id == manager_id)
                           .order_by(RSO.c.rso_id).with_for_update())


def lock_policy(connection: Connection) -> None:
    """PostgreSQL: one policy change at a time (rows that may not exist cannot be locked)."""
    if _postgres(connection):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({POLICY_LOCK})")


# --- versions -----------------------------------------------------------------------------------

def versions(connection: Connection, rso_ids: Iterable[str]) -> dict[str, int]:
    """rso_id -> version, for the known RSOs of ``rso_ids``."""
    ids = sorted({str(i) for i in rso_ids})
    if not ids:
        return {}
    return {rso_id: int(version) for rso_id, version in connection.execute(
        select(RSO.c.rso_id, RSO.c.version).where(RSO.c.rso_id.in_(ids))).all()}


def bump(connection: Connection, rso_ids: Iterable[str]) -> dict[str, int]:
    """Add one to the version of every RSO of ``rso_ids``; their versions after."""
    ids = sorted({str(i) for i in rso_ids})
    if ids:
        connection.execute(update(RSO).where(RSO.c.rso_id.in_(ids))
                           .values(version=RSO.c.version + 1))
    return versions(connection, ids)


# --- checks -------------------------------------------------------------------------------------

def check_seen(connection: Connection, seen: Mapping[str, int] | None) -> None:
    """Refuse (``StaleWrite``) if the version of an RSO of ``seen`` has moved since it was seen.
    An unknown RSO is left to the operation's own check."""
    if not seen:
        return
    now = versions(connection, seen)
    stale = [rso_id for rso_id, version in seen.items()
             if rso_id in now and now[rso_id] != int(version)]
    if stale:
        raise StaleWrite(_stale(connection, stale))


def check_holder(connection: Connection, rso_ids: Sequence[str], holder: str | None) -> None:
    """Refuse (``StaleWrite``) if an RSO of ``rso_ids`` is not held by ``holder`` (a manager id,
    or ``POOL``: in a team's pool); None checks nothing."""
    if holder is None:
        return
    expected = None if holder == POOL else holder
    rows = dict(connection.execute(select(RSO.c.rso_id, RSO.c.manager_id)
                                   .where(RSO.c.rso_id.in_(list(rso_ids)))).all())
    stale = [rso_id for rso_id in rso_ids if rso_id in rows and rows[rso_id] != expected]
    if stale:
        raise StaleWrite(_stale(connection, stale, holder=True))


def check_caseload(connection: Connection, manager_id: str, held: Sequence[str],
                   seen: Iterable[str] | None) -> None:
    """Refuse (``StaleWrite``) if ``held`` (the RSOs ``manager_id`` holds now) is not the
    caseload seen; None checks nothing."""
    if seen is None:
        return
    changed = sorted(set(held) ^ {str(i) for i in seen})
    if changed:
        raise StaleWrite(f"{manager_id}'s caseload has changed since you saw it: "
                         + _stale(connection, changed, holder=True))


def check_policy(connection: Connection, stored: Mapping[str, float | None],
                 seen: Mapping[str, float | None] | None) -> None:
    """Refuse (``StaleWrite``) if a policy value of ``seen`` is no longer the one stored."""
    if not seen:
        return
    changed = [key for key, value in seen.items() if stored.get(key) != value]
    if changed:
        key = changed[0]
        now = stored.get(key)
        value = "the default" if now is None else f"{now:g}"
        raise StaleWrite(f"{key} is now {value} ({_who(last_change(connection, policy=True))})")


def describe_rso(connection: Connection, rso_id: str, *, holder: bool = False) -> str:
    """What became of ``rso_id``, and who did it when: ``R0006 is now held by OM023 (moved by
    supervisor.east at 14:02 on 10/10/2017)``; for a change that moved nothing (unless
    ``holder``), ``R0006 has changed since you saw it (visit recorded by ...)``."""
    change = last_change(connection, rso_id)
    moved = change is not None and _base(change["operation"])[1] in _MOVES
    if holder or moved:
        row = connection.execute(select(RSO.c.manager_id, RSO.c.team)
                                 .where(RSO.c.rso_id == rso_id)).first()
        if row is not None:
            where = f"held by {row.manager_id}" if row.manager_id else f"in the {row.team} pool"
            return f"{rso_id} is now {where} ({_who(change)})"
    return f"{rso_id} has changed since you saw it ({_who(change)})"


def changed_by(connection: Connection, rso_id: str) -> str:
    """Who last changed ``rso_id``, and when: "moved by supervisor.east at 14:02 on 10/10/2017"."""
    return _who(last_change(connection, rso_id))


def last_change(connection: Connection, rso_id: str | None = None, *,
                policy: bool = False) -> dict[str, Any] | None:
    """The latest alteration (or import) in the audit naming ``rso_id`` (or, with ``policy``,
    changing the policy values): its actor, time and operation; None if there is none. On a
    server, through ``ncpi_last_change`` (a user who may not read the audit learns who changed
    their RSO)."""
    if is_server(connection):
        row = connection.execute(sql_text("SELECT actor, at, operation FROM ncpi_last_change("
                                          ":rso, :policy)"), {"rso": rso_id, "policy": policy}
                                 ).mappings().first()
        return dict(row) if row is not None else None
    query = select(AUDIT.c.actor, AUDIT.c.at, AUDIT.c.operation).where(or_(
        AUDIT.c.kind == "alteration",
        and_(AUDIT.c.kind == "collection", AUDIT.c.operation == "import")))
    if policy:
        query = query.where(AUDIT.c.operation.contains("set policy"))
    else:
        query = query.where(AUDIT.c.rso_ids.contains(f'"{rso_id}"', autoescape=True))
    row = connection.execute(query.order_by(AUDIT.c.id.desc()).limit(1)).mappings().first()
    return dict(row) if row is not None else None


def _stale(connection: Connection, rso_ids: Sequence[str], *, holder: bool = False) -> str:
    text = describe_rso(connection, rso_ids[0], holder=holder)
    if len(rso_ids) > 1:
        text += f"; and {len(rso_ids) - 1} other RSO(s) changed since you saw them"
    return text


def _base(operation: str) -> tuple[str, str]:
    """("undo", "reassign") for "undo reassign"; ("", "reassign") for "reassign"."""
    for prefix in ("undo ", "redo "):
        if operation.startswith(prefix):
            return prefix.strip(), operation.removeprefix(prefix)
    return "", operation


def _who(change: Mapping[str, Any] | None) -> str:
    """"moved by supervisor.east at 14:02 on 10/10/2017", the time in the local zone."""
    if change is None:
        return "changed by another user"
    how, operation = _base(change["operation"])
    if operation in _MOVES:
        verb = "moved back" if how == "undo" else "moved"
    else:
        verb = (_UNDONE if how == "undo" else _DONE).get(operation, "changed")
    at = change["at"]
    if isinstance(at, datetime):
        local = (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone()
        when = f" at {local:%H:%M} on {uk_date(local.date())}"
    else:
        when = ""
    return f"{verb} by {change['actor']}{when}"


def policy_values(connection: Connection) -> dict[str, float]:
    """The stored policy values, by key."""
    return {key: float(value) for key, value in connection.execute(
        select(POLICY_VALUE.c.key, POLICY_VALUE.c.value)).all()}
