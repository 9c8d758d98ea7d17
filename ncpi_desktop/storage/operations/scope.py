"""Who may make a change (SECURITY.md), checked inside the change's own transaction.

Each named operation reads where the RSOs and managers it touches sit (their BCU, team, holder and
neighbourhood) in the transaction that writes, and asks ``domain.security.require_in_scope``
before it writes anything: a refusal (``NotPermitted``, naming the rule) writes nothing, and what
was checked is what was changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ncpi_desktop.domain.security import NotPermitted, Operation, Place, User, require_in_scope
from ncpi_desktop.storage.change import OperationError
from ncpi_desktop.storage.operations.base import MANAGER, RSO

__all__ = ["NotPermitted", "allow", "manager_places", "pool_place", "rso_places", "who"]


def who(user: User) -> str:
    """The user's name as the audit and the allocation history record it; a user without one
    is refused as a change without a name always was."""
    if not isinstance(user, User):
        raise TypeError(f"a change is made by a signed-in User, not {type(user).__name__}")
    name = (user.user_name or "").strip()
    if not name:
        raise OperationError("Every change needs the name of who made it")
    return name


def rso_places(connection: Connection, rso_ids: Iterable[str]) -> list[tuple[str, Place]]:
    """Where each known RSO of ``rso_ids`` sits now: its BCU, team, holder and neighbourhood
    (an unknown id is left to the operation's own check)."""
    ids = list(dict.fromkeys(rso_ids))
    if not ids:
        return []
    rows = connection.execute(
        select(RSO.c.rso_id, RSO.c.bcu, RSO.c.team, RSO.c.manager_id, RSO.c.neighbourhood)
        .where(RSO.c.rso_id.in_(ids)).order_by(RSO.c.rso_id)).all()
    return [(rso_id, Place(bcu, team, manager_id, neighbourhood))
            for rso_id, bcu, team, manager_id, neighbourhood in rows]


def manager_places(connection: Connection,
                   manager_ids: Iterable[str | None]) -> list[tuple[str, Place]]:
    """Where each known manager of ``manager_ids`` sits: their BCU and team (a manager's own
    caseload is theirs)."""
    ids = list(dict.fromkeys(m for m in manager_ids if m))
    if not ids:
        return []
    rows = connection.execute(
        select(MANAGER.c.manager_id, MANAGER.c.bcu, MANAGER.c.team)
        .where(MANAGER.c.manager_id.in_(ids)).order_by(MANAGER.c.manager_id)).all()
    return [(manager_id, Place(bcu, team, manager_id)) for manager_id, bcu, team in rows]


def pool_place(connection: Connection, team: str) -> tuple[str, Place]:
    """A team's pool, as a place: the team, in the BCU its managers (or else its RSOs) are in."""
    bcu = connection.execute(select(MANAGER.c.bcu).where(MANAGER.c.team == team).limit(1)
                             ).scalar()
    if bcu is None:
        bcu = connection.execute(select(RSO.c.bcu).where(RSO.c.team == team).limit(1)).scalar()
    return f"the {team} pool", Place(bcu, team)


def allow(connection: Connection, user: User, operation: Operation, *,
          rsos: Sequence[str] = (), managers: Iterable[str | None] = (),
          pools: Iterable[str] = ()) -> None:
    """Raise ``NotPermitted`` (naming the rule) unless ``user`` may do ``operation`` to every
    RSO of ``rsos``, every manager of ``managers`` and every team pool of ``pools``, as they
    sit in ``connection``'s transaction."""
    places = [*rso_places(connection, rsos), *manager_places(connection, managers),
              *(pool_place(connection, team) for team in dict.fromkeys(pools) if team)]
    require_in_scope(user, operation, places)
