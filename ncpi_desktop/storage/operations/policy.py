"""Policy values the user changes, stored in the database with the figures they make.

A change may say which values the user saw (``seen``: key -> the value in force, the default
where none is stored); it is refused (``StaleWrite``) if one of them has been changed since.
Undo is refused if the values are no longer those the change set (``operations.guard``)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.operations.base import POLICY_VALUE, audit
from ncpi_desktop.storage.operations.guard import (
    begin_write,
    check_policy,
    lock_policy,
    policy_values,
)
from ncpi_desktop.storage.operations.scope import allow, who


def set_policy_values(engine: Engine, values: dict[str, float], user: User, *,
                      seen: Mapping[str, float | None] | None = None) -> Change:
    """Store policy values (validated against ``Policy``); the previous ones come back on undo.
    Administrators only (``Operation.EDIT_POLICY``), for the change and its undo and redo.
    ``StaleWrite`` if a stored value is no longer the one ``seen``."""
    actor = who(user)
    known = Policy().to_dict()
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise OperationError(f"Unknown policy value(s): {', '.join(unknown)}")
    for key, value in values.items():
        problem = Policy.value_problem(key, value)
        if problem is not None:
            raise OperationError(f"{key} {problem}, not {value!r}")
    with begin_write(engine) as connection:
        lock_policy(connection)
        allow(connection, user, Operation.EDIT_POLICY)
        stored = policy_values(connection)
        check_policy(connection, known | stored, seen)
        before = {k: stored.get(k) for k in values}
        _write_policy(connection, values)
        audit(connection, actor, "set policy", before, values)

    def undo(engine_: Engine, user_: User) -> Change:
        actor_ = who(user_)
        with begin_write(engine_) as connection:
            lock_policy(connection)
            allow(connection, user_, Operation.EDIT_POLICY)
            check_policy(connection, known | policy_values(connection), values)
            _write_policy(connection, before)
            audit(connection, actor_, "undo set policy", values, before)
        return Change("undo set policy", "Undo policy change", values, before,
                      lambda e, a: set_policy_values(e, values, a,
                                                     seen={k: known[k] if v is None else v
                                                           for k, v in before.items()}))

    return Change("set policy", "Change policy values", before, values, undo)


def _write_policy(connection: Connection, values: Mapping[str, float | None]) -> None:
    for key, value in values.items():
        connection.execute(delete(POLICY_VALUE).where(POLICY_VALUE.c.key == key))
        if value is not None:
            connection.execute(insert(POLICY_VALUE).values(key=key, value=float(value)))
