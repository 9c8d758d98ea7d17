"""What every named write shares: the tables it writes, who made it and why, and its audit
row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Table, insert
from sqlalchemy.engine import Connection

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


def _json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def audit(connection: Connection, actor: str, operation: str, before: Any, after: Any) -> None:
    """One audit row: who, when, what, the state before and after."""
    if not actor or not actor.strip():
        raise OperationError("Every change needs the name of who made it")
    connection.execute(insert(AUDIT).values(
        at=now(), actor=actor.strip(), operation=operation,
        detail=_json({"before": before, "after": after})))


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
