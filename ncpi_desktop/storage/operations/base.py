"""What every named write shares: the tables it writes, who made it and why, and its audit
row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Connection

from ncpi_desktop.storage import audit as audit_log
from ncpi_desktop.storage.change import OperationError
from ncpi_desktop.storage.models import (
    Allocation,
    AuditEntry,
    Manager,
    ManagerAbsence,
    PolicyValue,
    Rso,
)

ALLOCATION = Allocation.__table__  # type: ignore[attr-defined]
AUDIT = AuditEntry.__table__  # type: ignore[attr-defined]
MANAGER = Manager.__table__  # type: ignore[attr-defined]
RSO = Rso.__table__  # type: ignore[attr-defined]
POLICY_VALUE = PolicyValue.__table__  # type: ignore[attr-defined]
ABSENCE: Table = ManagerAbsence.__table__  # type: ignore[attr-defined]


def now() -> datetime:
    """Audit and history times are UTC and carry their zone."""
    return datetime.now(UTC)


def audit(connection: Connection, actor: str, operation: str, before: Any, after: Any, *,
          rso_ids: Iterable[str] | None = None, kind: str = "alteration") -> None:
    """One audit row (``storage.audit.append``, chained): who, when, what, the RSO ids
    concerned and the state before and after. ``rso_ids`` defaults to the RSOs the images name
    (``rsos_named``)."""
    if not actor or not actor.strip():
        raise OperationError("Every change needs the name of who made it")
    ids = rsos_named(before, after) if rso_ids is None else rso_ids
    audit_log.append(connection, actor.strip(), kind, operation, ids,
                     {"before": before, "after": after})


def rsos_named(*images: Any) -> list[str]:
    """The RSO ids an operation's before and after name: the keys of an image's ``rso`` table
    and every ``rso_id`` of its rows (allocations, a recorded visit, ARMS, order, decision)."""
    found: set[str] = set()

    def walk(value: Any, depth: int) -> None:
        if depth > 4:
            return
        if isinstance(value, dict):
            rsos = value.get("rso")
            if isinstance(rsos, dict):
                found.update(str(k) for k in rsos)
            rso_id = value.get("rso_id")
            if isinstance(rso_id, str) and rso_id:
                found.add(rso_id)
            for item in value.values():
                walk(item, depth + 1)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, depth + 1)

    for image in images:
        walk(image, 0)
    return sorted(found)


def require_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise OperationError("A reason is required")
    return reason.strip()


def require_actor(actor: str) -> str:
    if not actor or not actor.strip():
        raise OperationError("Every change needs the name of who made it")
    return actor.strip()


def primary_key(table: Table) -> Column:
    return next(iter(table.primary_key.columns))
