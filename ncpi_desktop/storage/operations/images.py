"""Images: the rows a rebalancing write touched, before and after.

Each operation below writes in one transaction and records the rows it touched before and after (an
"image": the RSOs' holders, the allocation rows closed and opened, the manager's active flag, the
absence row). Undo writes the before image back, exactly, and its undo writes the after image
again: one implementation of exact undo and redo for every rebalancing write.

Undo (and redo) first checks, under the locks of ``operations.guard``, that the rows are still
exactly the image it would write over: a move made since (a new allocation row, another holder)
is refused with ``StaleWrite``, naming who made it and when; a visit recorded since is not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.security import Operation, User
from ncpi_desktop.storage.change import Change, StaleWrite
from ncpi_desktop.storage.operations.base import (
    ABSENCE,
    ALLOCATION,
    MANAGER,
    RSO,
    audit,
    primary_key,
)
from ncpi_desktop.storage.operations.guard import (
    begin_write,
    bump,
    describe_rso,
    lock_managers,
    lock_rsos,
)
from ncpi_desktop.storage.operations.scope import allow, who

#: table name -> primary key -> the row's columns (None: the row does not exist).
Image = dict[str, dict[Any, dict[str, Any] | None]]

#: The columns an image keeps per table (None: every column): an RSO's holder, a manager's
#: active flag, whole allocation and absence rows.
_IMAGED: dict[str, tuple[Table, tuple[str, ...] | None]] = {
    "rso": (RSO, ("manager_id", "team")),
    "manager": (MANAGER, ("active",)),
    "allocation": (ALLOCATION, None),
    "manager_absence": (ABSENCE, None),
}


def read_image(connection: Connection, keys: dict[str, Sequence[Any]]) -> Image:
    image: Image = {}
    for name, wanted in keys.items():
        table, columns = _IMAGED[name]
        key = primary_key(table)
        selected = [table.c[c] for c in columns] if columns else list(table.c)
        rows = connection.execute(select(key.label("_key"), *selected)
                                  .where(key.in_(list(wanted)))).mappings().all()
        found = {row["_key"]: {k: v for k, v in row.items() if k != "_key"} for row in rows}
        image[name] = {k: found.get(k) for k in wanted}
    return image


def write_image(connection: Connection, image: Image) -> None:
    """Make the imaged rows what ``image`` says: updated in place, or deleted and re-inserted
    with their ids (allocation and absence rows)."""
    for name, rows in image.items():
        table, columns = _IMAGED[name]
        key = primary_key(table)
        if columns:  # rows that always exist: update the imaged columns, one statement per value
            by_value: dict[tuple[Any, ...], list[Any]] = {}
            for k, row in rows.items():
                assert row is not None
                by_value.setdefault(tuple(row[c] for c in columns), []).append(k)
            for values, ids in by_value.items():
                connection.execute(update(table).where(key.in_(ids))
                                   .values(dict(zip(columns, values, strict=True))))
            continue
        connection.execute(delete(table).where(key.in_(list(rows))))
        present = [row for row in rows.values() if row is not None]
        if present:
            connection.execute(insert(table), present)


def imaged_change(operation: str, summary: str, before: Image, after: Image,
                  checked: Operation, versions: Mapping[str, int] | None = None) -> Change:
    """The change an imaged write made; its undo and redo are permitted to whoever may do
    ``checked`` (the write's own operation) to the RSOs and managers the images hold, and
    refused (``StaleWrite``) if the rows are no longer as the change left them."""
    def undo(engine: Engine, user: User) -> Change:
        undone = _rewrite(engine, user, f"undo {operation}", after, before, checked)
        return Change(f"undo {operation}", f"Undo: {summary}", after, before, redo, undone)

    def redo(engine: Engine, user: User) -> Change:
        redone = _rewrite(engine, user, f"redo {operation}", before, after, checked)
        return imaged_change(operation, summary, before, after, checked, redone)

    return Change(operation, summary, before, after, undo, dict(versions or {}))


def _rewrite(engine: Engine, user: User, operation: str, current: Image, target: Image,
             checked: Operation) -> dict[str, int]:
    """Write ``target`` over ``current`` (refused if the rows are not ``current`` now); the
    RSOs' versions after."""
    actor = who(user)
    rso_ids = list(current.get("rso", {}))
    with begin_write(engine) as connection:
        holders = [*current.get("rso", {}).values(), *target.get("rso", {}).values()]
        managers = [*(row["manager_id"] for row in holders if row), *current.get("manager", {})]
        lock_managers(connection, managers, share=False)  # undo may write a manager's row
        lock_rsos(connection, rso_ids)
        allow(connection, user, checked, rsos=rso_ids, managers=managers,
              pools=[row["team"] for row in holders if row and row["manager_id"] is None])
        _require_image(connection, current)
        write_image(connection, target)
        audit(connection, actor, operation, current, target)
        return bump(connection, rso_ids)


def _require_image(connection: Connection, current: Image) -> None:
    """Refuse (``StaleWrite``) unless the imaged rows are exactly ``current``, naming an RSO
    whose rows changed (its holder, or an allocation row of it) and who changed it."""
    now = read_image(connection, {name: list(rows) for name, rows in current.items()})
    if now == current:
        return
    changed = [rso_id for rso_id, row in current.get("rso", {}).items()
               if now["rso"].get(rso_id) != row]
    for key, row in current.get("allocation", {}).items():
        if now["allocation"].get(key) != row:
            changed.append((row or now["allocation"].get(key) or {}).get("rso_id", ""))
    changed = [rso_id for rso_id in changed if rso_id]
    if changed:
        raise StaleWrite(describe_rso(connection, changed[0], holder=True))
    raise StaleWrite("The managers or absences this change wrote have changed since")
