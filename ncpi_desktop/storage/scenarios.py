"""What-if scenarios saved by name (issue 18, part 4; table ``scenario``, migration 0016).

A scenario's steps are kept as the JSON text ``analysis.scenario.Scenario.steps_json`` gives;
storage neither reads nor applies them. Saving, loading, listing and deleting are named
operations: each checks the user may keep scenarios (``Operation.SCENARIO``: supervisors and
managers, who may rebalance) and writes an audit row (saving and deleting: alteration; loading
and listing: consultation). A save or delete names the version it saw (``seen``: None for a
new one) and is refused (``StaleWrite``, saying who saved it last and when) if someone saved
it since. Only the scenario's maker, or a user with force scope, may save over it or delete
it. An offline copy keeps none (saving or deleting there is refused). Nothing here writes a
table of the register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection, Engine, RowMapping

from ncpi_desktop.domain.security import NotPermitted, Operation, ScopeKind, User, require
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage import audit as audit_log
from ncpi_desktop.storage.change import OperationError, StaleWrite
from ncpi_desktop.storage.models import ScenarioRow
from ncpi_desktop.storage.offline.journal import is_copy
from ncpi_desktop.storage.operations.base import audit, now
from ncpi_desktop.storage.operations.guard import begin_write
from ncpi_desktop.storage.operations.scope import who
from ncpi_desktop.storage.snapshot import OUTSIDE_REGISTER

#: The audit operations of a save and a delete: writes outside the register (the snapshot
#: passes them over in its stamp).
SAVE, DELETE = OUTSIDE_REGISTER[:2]

SCENARIO = ScenarioRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SavedScenario:
    """A scenario as stored: its name, steps (JSON text) and who saved it, when."""

    name: str
    steps: str
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int


def _saved(row: RowMapping) -> SavedScenario:
    return SavedScenario(**{key: row[key] for key in SavedScenario.__dataclass_fields__})


def _row(connection: Connection, name: str) -> RowMapping | None:
    return connection.execute(select(SCENARIO).where(SCENARIO.c.name == name)).mappings().first()


def _when(at: datetime) -> str:
    return f"{at:%H:%M} on {uk_date(at.date())}"


def _check_seen(row: RowMapping | None, name: str, seen: int | None) -> None:
    """Refuse (``StaleWrite``) unless the scenario is as the user saw it: absent for ``seen``
    None, else at version ``seen``."""
    if row is None and seen is not None:
        raise StaleWrite(f"Scenario {name!r} has been deleted since you read it")
    if row is not None and row["version"] != seen:
        what = "saved" if seen is None else "changed"
        raise StaleWrite(f"Scenario {name!r} was {what} by {row['updated_by']} at "
                         f"{_when(row['updated_at'])}: read it again before saving")


def _check_maker(row: RowMapping | None, name: str, user: User, what: str) -> None:
    """Refuse (``NotPermitted``) unless ``user`` made the scenario or has force scope."""
    if row is None or row["created_by"] == who(user) or user.scope.kind is ScopeKind.FORCE:
        return
    raise NotPermitted(f"{user} may not {what} scenario {name!r}: it was made by "
                       f"{row['created_by']}; only its maker or a user with force scope may "
                       f"(scope: {user.scope})")


def _refuse_on_copy(connection: Connection, what: str) -> None:
    """A laptop's offline copy holds no scenario and cannot send one to its source: refused."""
    if is_copy(connection):
        raise OperationError(f"A what-if scenario cannot be {what} on an offline copy: "
                             f"scenarios are kept on the source (open it there)")


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise OperationError("A scenario needs a name")
    return name.strip()


def save_scenario(engine: Engine, name: str, steps: str, user: User, *,
                  seen: int | None = None) -> SavedScenario:
    """Save ``steps`` (JSON text) under ``name``: a new scenario when ``seen`` is None (refused
    if one has that name), else the one at version ``seen`` (refused if changed since)."""
    name, actor = _name(name), who(user)
    require(user, Operation.SCENARIO)
    at = now()
    with begin_write(engine) as connection:
        _refuse_on_copy(connection, "saved")
        row = _row(connection, name)
        _check_seen(row, name, seen)
        _check_maker(row, name, user, "save over")
        if row is None:
            values = dict(name=name, steps=steps, created_by=actor, created_at=at,
                          updated_by=actor, updated_at=at, version=1)
            connection.execute(insert(SCENARIO).values(**values))
        else:
            values = dict(steps=steps, updated_by=actor, updated_at=at,
                          version=row["version"] + 1)
            connection.execute(update(SCENARIO).where(SCENARIO.c.name == name)
                               .values(**values))
        before = None if row is None else {"name": name, "steps": row["steps"],
                                           "version": row["version"]}
        after = {"name": name, "steps": steps, "version": values["version"]}
        audit(connection, actor, SAVE, before, after, rso_ids=())
        saved = _row(connection, name)
    assert saved is not None
    return _saved(saved)


def load_scenario(engine: Engine, name: str, user: User) -> SavedScenario:
    """The scenario saved as ``name`` (``OperationError`` if none), its reading audited."""
    actor = who(user)
    require(user, Operation.SCENARIO)
    with engine.begin() as connection:
        row = _row(connection, _name(name))
        if row is None:
            raise OperationError(f"No scenario is saved as {name!r}")
        audit(connection, actor, "load scenario", None, {"name": row["name"],
                                                         "version": row["version"]},
              rso_ids=(), kind="consultation")
    return _saved(row)


def list_scenarios(engine: Engine, user: User) -> list[SavedScenario]:
    """Every saved scenario, by name, the listing audited."""
    actor = who(user)
    require(user, Operation.SCENARIO)
    with engine.begin() as connection:
        rows = connection.execute(select(SCENARIO).order_by(SCENARIO.c.name)).mappings().all()
        audit(connection, actor, "list scenarios", None, {"names": [r["name"] for r in rows]},
              rso_ids=(), kind="consultation")
    return [_saved(row) for row in rows]


def delete_scenario(engine: Engine, name: str, user: User, *, seen: int) -> None:
    """Delete the scenario ``name`` (``OperationError`` if none) if it is still at version
    ``seen`` (``StaleWrite`` otherwise) and ``user`` made it or has force scope
    (``NotPermitted`` otherwise)."""
    name, actor = _name(name), who(user)
    require(user, Operation.SCENARIO)
    if isinstance(seen, bool) or not isinstance(seen, int):
        raise OperationError(f"Deleting scenario {name!r} needs the version you saw "
                             f"(scenario list or show)")
    with begin_write(engine) as connection:
        _refuse_on_copy(connection, "deleted")
        row = _row(connection, name)
        if row is None:
            raise OperationError(f"No scenario is saved as {name!r}")
        _check_maker(row, name, user, "delete")
        _check_seen(row, name, seen)
        connection.execute(delete(SCENARIO).where(SCENARIO.c.name == name))
        audit(connection, actor, DELETE,
              {"name": name, "steps": row["steps"], "version": row["version"]}, None,
              rso_ids=())


def record_scenario_use(engine: Engine, name: str, use: str, user: User, *,
                        detail: dict[str, object] | None = None) -> None:
    """An audit row saying the scenario ``name`` was used for ``use`` (a pack, a report), as
    a disclosure: what left the application was the scenario's figures, not the register's."""
    audit_log.record(engine, who(user), "disclosure", f"{use} for scenario",
                     detail={"scenario": name, **(detail or {})})
