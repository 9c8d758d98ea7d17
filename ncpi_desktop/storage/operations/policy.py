"""Policy values the user changes, stored in the database with the figures they make."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.operations.base import POLICY_VALUE, audit
from ncpi_desktop.storage.operations.scope import allow, who


def set_policy_values(engine: Engine, values: dict[str, float], user: User) -> Change:
    """Store policy values (validated against ``Policy``); the previous ones come back on undo.
    Administrators only (``Operation.EDIT_POLICY``), for the change and its undo and redo."""
    actor = who(user)
    known = Policy().to_dict()
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise OperationError(f"Unknown policy value(s): {', '.join(unknown)}")
    for key, value in values.items():
        if not isinstance(value, int | float) or value <= 0:
            raise OperationError(f"{key} must be a positive number, not {value!r}")
    with engine.begin() as connection:
        allow(connection, user, Operation.EDIT_POLICY)
        stored = dict(connection.execute(select(POLICY_VALUE.c.key, POLICY_VALUE.c.value)).all())
        before = {k: stored.get(k) for k in values}
        _write_policy(connection, values)
        audit(connection, actor, "set policy", before, values)

    def undo(engine_: Engine, user_: User) -> Change:
        actor_ = who(user_)
        with engine_.begin() as connection:
            allow(connection, user_, Operation.EDIT_POLICY)
            _write_policy(connection, before)
            audit(connection, actor_, "undo set policy", values, before)
        return Change("undo set policy", "Undo policy change", values, before,
                      lambda e, a: set_policy_values(e, values, a))

    return Change("set policy", "Change policy values", before, values, undo)


def _write_policy(connection: Connection, values: dict[str, float | None]) -> None:
    for key, value in values.items():
        connection.execute(delete(POLICY_VALUE).where(POLICY_VALUE.c.key == key))
        if value is not None:
            connection.execute(insert(POLICY_VALUE).values(key=key, value=float(value)))
