"""The audit log (SECURITY.md, "The audit log"): one row per access, collection, alteration,
consultation and disclosure, chained by hashes so that changing, deleting or inserting a row
anywhere breaks the chain.

Each row carries ``prev_hash`` (the ``hash`` of the row before it in id order; empty for the
first) and ``hash``: the SHA-256, in hex, of a canonical JSON array of the row's content with
``prev_hash`` first (``content_hash``)::

    [prev_hash, id, at, actor, kind, operation, rso_ids, detail]

``at`` as ISO text in UTC with microseconds, ``rso_ids`` and ``detail`` as the JSON text stored.
The column ``operation`` is what ``audit list`` calls the row's "action".

Writers call ``append`` inside their own transaction (a named operation, an import) or
``record`` (its own transaction). Appending takes the log's lock first, so two writers never
both chain onto the same row: on SQLite the write lock (``BEGIN IMMEDIATE`` when the caller's
transaction has not written yet), on PostgreSQL a transaction-scoped advisory lock
(``ADVISORY_LOCK``). PostgreSQL transactions are expected at READ COMMITTED, its default: after
the lock each statement sees the row the previous appender committed.

Rows written before the chain existed (migration 0007 added the columns, with an empty hash) are
chained in id order by the first ``append`` or ``verify`` after it: a one-time "sealing" of a log
that has no hashed row yet. Once one row is hashed, an empty hash anywhere is a broken row.

What the chain proves, and what it cannot: anyone who can write the database and knows this
algorithm (it is published) could recompute every hash after a change. A head hash kept outside
the database (the performance pack prints it) pins the log as it stood: a later ``verify`` must
reach a chain through that hash. Likewise the last rows can be removed without a gap showing;
only a pinned head (or row count) catches that.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from ncpi_desktop.storage.database import is_server
from ncpi_desktop.storage.models import AuditEntry

AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]

#: SECURITY.md's kinds of audited action.
KINDS = ("access", "collection", "alteration", "consultation", "disclosure")
#: The PostgreSQL advisory lock every appender takes for its transaction ("ncpi" "audt").
ADVISORY_LOCK = 0x6E637069_61756474
#: Rows read at a time while walking the chain.
WALK_BATCH = 2000

_COLUMNS = ("id", "at", "actor", "kind", "operation", "rso_ids", "detail", "prev_hash", "hash")


@dataclass(frozen=True)
class Verified:
    """An intact chain: how many rows, and the hash of the last (empty for an empty log)."""

    rows: int
    head: str


@dataclass(frozen=True)
class Head:
    """The log's last row as it stands: its hash, the number of rows, and when it was written
    (None for an empty log)."""

    hash: str
    rows: int
    at: datetime | None


class ChainBroken(Exception):
    """The chain breaks at row ``row_id``; ``why`` is "changed", "deleted" (a gap in the chain
    before that row) or "inserted". The message is one line naming the row."""

    def __init__(self, row_id: int, why: str, message: str) -> None:
        super().__init__(message)
        self.row_id = row_id
        self.why = why


# --- the hash ---------------------------------------------------------------------------------

def _at_text(value: Any) -> str:
    """``at`` as hashed: ISO text of the UTC time with microseconds."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    return str(value)


def content_hash(row: RowMapping | dict[str, Any], prev_hash: str | None = None) -> str:
    """The hash ``row`` should carry, chained onto ``prev_hash`` (default: the row's own)."""
    previous = row["prev_hash"] if prev_hash is None else prev_hash
    content = [previous or "", int(row["id"]), _at_text(row["at"]), row["actor"], row["kind"],
               row["operation"], row["rso_ids"], row["detail"]]
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def _ids(rso_ids: Iterable[str]) -> list[str]:
    if isinstance(rso_ids, str):
        rso_ids = [rso_ids]
    return sorted({str(i) for i in rso_ids if i is not None and str(i) != ""})


# --- writing ----------------------------------------------------------------------------------

def _lock(connection: Connection) -> None:
    """Hold the log's lock until the caller's transaction ends."""
    if connection.dialect.name == "sqlite":
        dbapi = connection.connection.dbapi_connection
        if not dbapi.in_transaction:  # type: ignore[union-attr]
            # The driver begins a transaction only at the first write: take the write lock
            # now, so the last row read below is still the last when this one is inserted.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")


def _seal(connection: Connection) -> str:
    """Chain every row of a log that has none hashed (rows from before migration 0007), in id
    order; the hash of the last row (empty for an empty log). Call with the lock held."""
    last = connection.execute(select(AUDIT.c.id, AUDIT.c.hash)
                              .order_by(AUDIT.c.id.desc()).limit(1)).first()
    if last is None:
        return ""
    if last.hash:
        return last.hash
    hashed = connection.execute(select(AUDIT.c.id).where(AUDIT.c.hash != "").limit(1)).first()
    if hashed is not None:
        return ""  # a row added outside ``append`` after the chain began: verify names it
    previous = ""
    for row in _rows(connection):
        digest = content_hash(row, previous)
        connection.execute(update(AUDIT).where(AUDIT.c.id == row["id"])
                           .values(prev_hash=previous, hash=digest))
        previous = digest
    return previous


def append(connection: Connection, actor: str, kind: str, action: str,
           rso_ids: Iterable[str] = (), detail: Any = None) -> None:
    """One audit row in the caller's transaction: who (``actor``, the signed-in user's name),
    what (``kind``, one of ``KINDS``; ``action``), the RSO ids concerned and ``detail`` (any
    JSON-able value: for an alteration the state before and after), chained onto the last row.

    The first append to a log written before the chain existed seals it first (module
    docstring)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown audit kind {kind!r}: one of {', '.join(KINDS)}")
    if not actor or not actor.strip():
        raise ValueError("An audit row needs the name of who acted")
    if is_server(connection):  # the server appends (and hashes) every row itself
        connection.execute(text("SELECT ncpi_audit_append(:actor, :kind, :action, :ids, "
                                ":detail)"),
                           {"actor": actor.strip(), "kind": kind, "action": action,
                            "ids": json.dumps(_ids(rso_ids)), "detail": _json(detail)})
        return
    _lock(connection)
    previous = _seal(connection)
    at = datetime.now(UTC)  # UTCDateTime: stored and read back as UTC on every backend
    row: dict[str, Any] = dict(at=at, actor=actor.strip(), kind=kind, operation=action,
                               rso_ids=json.dumps(_ids(rso_ids)), detail=_json(detail),
                               prev_hash=previous)
    row_id = connection.execute(insert(AUDIT).values(**row, hash="")).inserted_primary_key[0]
    digest = content_hash({**row, "id": row_id})
    connection.execute(update(AUDIT).where(AUDIT.c.id == row_id).values(hash=digest))


def record(engine: Engine, actor: str, kind: str, action: str, rso_ids: Iterable[str] = (),
           detail: Any = None) -> None:
    """``append`` in a transaction of its own (an action that writes nothing else: a
    consultation, a disclosure)."""
    with engine.begin() as connection:
        append(connection, actor, kind, action, rso_ids, detail)


# --- reading and verifying --------------------------------------------------------------------

def _rows(connection: Connection, after: int | None = None) -> Iterator[RowMapping]:
    """Every row in id order (after id ``after``), read a batch at a time."""
    last = after
    while True:
        query = select(*[AUDIT.c[c] for c in _COLUMNS]).order_by(AUDIT.c.id).limit(WALK_BATCH)
        if last is not None:
            query = query.where(AUDIT.c.id > last)
        batch = connection.execute(query).mappings().all()
        yield from batch
        if len(batch) < WALK_BATCH:
            return
        last = batch[-1]["id"]


def _needs_sealing(connection: Connection) -> bool:
    last = connection.execute(select(AUDIT.c.hash).order_by(AUDIT.c.id.desc()).limit(1)).first()
    if last is None or last.hash:
        return False
    return connection.execute(select(AUDIT.c.id).where(AUDIT.c.hash != "").limit(1)
                              ).first() is None


def verify(engine: Engine) -> Verified:
    """Walk every row in id order checking each link and each row's own hash; the number of
    rows and the head hash when the chain is intact, else ``ChainBroken`` naming the first row
    that breaks it. A log with no hashed row yet is sealed first (module docstring)."""
    with engine.connect() as connection:
        unsealed = _needs_sealing(connection)
    if unsealed:
        with engine.begin() as connection:
            _lock(connection)
            _seal(connection)
    with engine.connect() as connection:
        return _walk(connection)


def _walk(connection: Connection) -> Verified:
    before: RowMapping | None = None
    row: RowMapping | None = None
    count = 0
    for following in _rows(connection):
        if row is not None:
            _check(connection, before, row, following)
            before = row
            count += 1
        row = following
    if row is not None:
        _check(connection, before, row, None)
        count += 1
    return Verified(rows=count, head=row["hash"] if row is not None else "")


def _check(connection: Connection, before: RowMapping | None, row: RowMapping,
           following: RowMapping | None) -> None:
    """Raise ``ChainBroken`` if ``row`` does not follow ``before`` or does not match its own
    hash; ``following`` (the next row) tells a changed row from an inserted one."""
    expected = before["hash"] if before is not None else ""
    linked = row["prev_hash"] == expected
    intact = bool(row["hash"]) and row["hash"] == content_hash(row)
    if linked and intact:
        return
    row_id = row["id"]
    if not linked and before is not None and row["prev_hash"]:
        earlier = connection.execute(
            select(AUDIT.c.id).where(AUDIT.c.hash == row["prev_hash"], AUDIT.c.id < row_id)
            .order_by(AUDIT.c.id.desc()).limit(1)).scalar()
        if earlier is not None and earlier < before["id"]:
            first = connection.execute(select(func.min(AUDIT.c.id))
                                       .where(AUDIT.c.id > earlier)).scalar()
            raise ChainBroken(first, "inserted", f"audit row {first} was inserted: the chain "
                                                 f"runs from row {earlier} to row {row_id}")
    if intact:
        after = f" after row {before['id']}" if before is not None else " at the start"
        raise ChainBroken(row_id, "deleted", f"audit row {row_id} does not follow the row "
                                             f"before it: a row{after} was deleted (or "
                                             "replaced)")
    if following is not None and row["hash"] and following["prev_hash"] == row["hash"]:
        changed = True  # the next row vouches for the hash this row had
    elif following is not None and following["prev_hash"] == expected:
        changed = False  # the next row follows the row before this one
    else:
        changed = linked
    if changed:
        raise ChainBroken(row_id, "changed", f"audit row {row_id} was changed: its content no "
                                             "longer matches its hash")
    raise ChainBroken(row_id, "inserted", f"audit row {row_id} was inserted: it is not part "
                                          "of the chain")


def register_rso_ids(engine: Engine) -> list[str]:
    """Every RSO id the database holds: what a whole-register disclosure (an extract) names."""
    with engine.connect() as connection:
        return [str(i) for i in connection.exec_driver_sql("SELECT rso_id FROM rso").scalars()]


def head(engine: Engine) -> Head:
    """The log's head as it stands (without walking the chain): for the pack to print."""
    with engine.connect() as connection:
        last = connection.execute(select(AUDIT.c.hash, AUDIT.c.at)
                                  .order_by(AUDIT.c.id.desc()).limit(1)).first()
        count = connection.execute(select(func.count()).select_from(AUDIT)).scalar() or 0
    if last is None:
        return Head(hash="", rows=0, at=None)
    return Head(hash=last.hash, rows=int(count), at=last.at)


def head_hash(engine: Engine) -> str:
    """The hash of the log's last row (empty for an empty log, or one not sealed yet)."""
    return head(engine).hash


def entries(engine: Engine, *, rso: str | None = None, actor: str | None = None,
            kind: str | None = None, since: date | datetime | None = None
            ) -> list[dict[str, Any]]:
    """The rows (oldest first) naming ``rso``, by ``actor``, of ``kind``, written on or after
    ``since`` (a date: from its midnight, UTC), each as a dict with keys ``id``, ``at`` (ISO
    8601, UTC), ``actor``, ``kind``, ``action``, ``rso_ids`` (a list) and ``detail`` (the JSON
    value stored)."""
    query = select(*[AUDIT.c[c] for c in _COLUMNS[:7]]).order_by(AUDIT.c.id)
    if actor is not None:
        query = query.where(AUDIT.c.actor == actor)
    if kind is not None:
        query = query.where(AUDIT.c.kind == kind)
    if since is not None:
        start = since if isinstance(since, datetime) else datetime.combine(since, time())
        start = start.astimezone(UTC) if start.tzinfo is not None else start.replace(tzinfo=UTC)
        query = query.where(AUDIT.c.at >= start)
    if rso is not None:
        pattern = json.dumps(str(rso)).replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_")
        query = query.where(AUDIT.c.rso_ids.like(f"%{pattern}%", escape="\\"))
    out: list[dict[str, Any]] = []
    with engine.connect() as connection:
        for row in connection.execute(query).mappings():
            entry = _entry(row)
            if rso is None or str(rso) in entry["rso_ids"]:
                out.append(entry)
    return out


def _entry(row: RowMapping) -> dict[str, Any]:
    try:
        rso_ids = json.loads(row["rso_ids"] or "[]")
    except ValueError:
        rso_ids = []
    try:
        detail = json.loads(row["detail"]) if row["detail"] else None
    except ValueError:
        detail = row["detail"]
    at = row["at"]
    if isinstance(at, datetime):
        at = (at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)).isoformat()
    return {"id": row["id"], "at": at, "actor": row["actor"], "kind": row["kind"],
            "action": row["operation"], "rso_ids": rso_ids, "detail": detail}
