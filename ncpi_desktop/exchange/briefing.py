"""The neighbourhood briefing (DOMAIN.md rule 16): what a patrol officer may be told of the RSOs
living in their neighbourhood, and nothing more.

One row per RSO in the community whose recorded neighbourhood is the one asked for, with only:
RSO id, name, risk level, the civil orders in force (type and end date), and whom to tell of a
sighting or concern (the RSO's offender manager and team; the team's pool when no manager holds
them). Never a date of birth, an offence, an address beyond the neighbourhood, a visit or a note.

Built here, outside Qt; ``ui.exports.briefing_pdf`` renders it. ``produce_briefing`` checks the
user (``Operation.BRIEFING`` in their neighbourhoods: the ``frontline`` role) and writes the
disclosure row naming every RSO in it before anything is written (storage.audit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.enums import ORDER_NAMES, OrderType, RiskLevel, Status
from ncpi_desktop.domain.security import NotPermitted, Operation, ScopeKind, User, require
from ncpi_desktop.exchange.outgoing import MARKING
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage import audit
from ncpi_desktop.storage.models import CivilOrder, Manager, Rso
from ncpi_desktop.storage.snapshot import load_policy

RSO = Rso.__table__  # type: ignore[attr-defined]
MANAGER = Manager.__table__  # type: ignore[attr-defined]
ORDER = CivilOrder.__table__  # type: ignore[attr-defined]

TITLE = "Neighbourhood briefing"
#: The briefing's columns, in order: the minimum rule 16 allows, and no other.
COLUMNS = ("RSO id", "Name", "Risk level", "Civil orders in force", "Whom to tell")


class BriefingError(ValueError):
    """No briefing can be made as asked (an unknown neighbourhood); the message says why."""


@dataclass(frozen=True)
class BriefingRow:
    rso_id: str
    name: str
    risk_level: str
    orders: tuple[str, ...]
    tell: str

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.rso_id, self.name, self.risk_level, "; ".join(self.orders) or "None",
                self.tell)


@dataclass(frozen=True)
class Briefing:
    neighbourhood: str
    on: date
    destroy_after: date
    produced_by: str
    produced_at: datetime
    rows: tuple[BriefingRow, ...] = field(default_factory=tuple)
    marking: str = MARKING

    @property
    def rso_ids(self) -> list[str]:
        return [row.rso_id for row in self.rows]

    @property
    def heading(self) -> str:
        return f"{TITLE}: {self.neighbourhood}, {uk_date(self.on)}"

    @property
    def destroy_line(self) -> str:
        return f"Destroy after {uk_date(self.destroy_after)}"

    @property
    def produced_line(self) -> str:
        return f"Produced by {self.produced_by} on {self.produced_at:%d/%m/%Y %H:%M}"


def require_neighbourhood(user: User, neighbourhood: str) -> None:
    """``NotPermitted`` (naming the rule) unless ``user`` may brief ``neighbourhood``: a role
    permitting briefings, and the neighbourhood one of their scope's (matched ignoring case)."""
    require(user, Operation.BRIEFING)
    scope = user.scope
    if scope.kind is ScopeKind.FORCE:
        return
    if scope.kind is ScopeKind.NEIGHBOURHOOD and neighbourhood.casefold() in {
            value.casefold() for value in scope.values}:
        return
    raise NotPermitted(f"{user} may not {Operation.BRIEFING.value} for {neighbourhood}: it is "
                       f"not one of their neighbourhoods (scope: {scope})")


def neighbourhood_named(connection: Connection, name: str) -> str | None:
    """The neighbourhood as the register spells it (matched ignoring case and outer spaces)."""
    wanted = " ".join(name.split()).lower()
    if not wanted:
        return None
    return connection.execute(
        select(RSO.c.neighbourhood).where(func.lower(RSO.c.neighbourhood) == wanted).limit(1)
    ).scalar()


def neighbourhoods(engine: Engine) -> list[str]:
    """Every neighbourhood an RSO in the community is recorded in, in order."""
    with engine.connect() as connection:
        return sorted(connection.execute(
            select(RSO.c.neighbourhood).distinct().where(
                RSO.c.neighbourhood.is_not(None),
                RSO.c.status == Status.COMMUNITY.value)).scalars())


def _orders_text(type_: str, ends_on: date | None) -> str:
    known = {order.value: order for order in OrderType}
    name = ORDER_NAMES[known[type_]] if type_ in known else type_
    until = f"until {uk_date(ends_on)}" if ends_on else "until further order"
    return f"{type_} ({name}) {until}"


def _tell(manager_name: str | None, manager_team: str | None, pool_team: str | None) -> str:
    if manager_name:
        return f"{manager_name}, {manager_team}" if manager_team else manager_name
    return f"{pool_team} team (no named offender manager)" if pool_team else \
        "the Sex Offender Management Unit (no named offender manager)"


def briefing_rows(connection: Connection, neighbourhood: str, on: date) -> list[BriefingRow]:
    """The RSOs in the community recorded in ``neighbourhood``, by id, with the minimum."""
    people = connection.execute(
        select(RSO.c.rso_id, RSO.c.given_names, RSO.c.family_name, RSO.c.risk_level,
               RSO.c.team, MANAGER.c.name, MANAGER.c.team.label("manager_team"))
        .select_from(RSO.outerjoin(MANAGER, MANAGER.c.manager_id == RSO.c.manager_id))
        .where(RSO.c.neighbourhood == neighbourhood, RSO.c.status == Status.COMMUNITY.value,
               RSO.c.registered_on <= on)
        .order_by(RSO.c.rso_id)).all()
    ids = [row.rso_id for row in people]
    orders: dict[str, list[str]] = {}
    if ids:
        for rso_id, type_, ends_on in connection.execute(
                select(ORDER.c.rso_id, ORDER.c.type, ORDER.c.ends_on)
                .where(ORDER.c.rso_id.in_(ids), ORDER.c.starts_on <= on,
                       or_(ORDER.c.ends_on.is_(None), ORDER.c.ends_on > on))
                .order_by(ORDER.c.rso_id, ORDER.c.starts_on, ORDER.c.order_id)):
            orders.setdefault(rso_id, []).append(_orders_text(type_, ends_on))
    return [BriefingRow(
        rso_id=row.rso_id, name=f"{row.given_names} {row.family_name}".strip(),
        risk_level=RiskLevel(row.risk_level).label.capitalize() if row.risk_level
        else "Not recorded",
        orders=tuple(orders.get(row.rso_id, ())),
        tell=_tell(row.name, row.manager_team, row.team)) for row in people]


def produce_briefing(engine: Engine, user: User, neighbourhood: str, *, on: date | None = None,
                     produced_at: datetime | None = None, file_name: str = "") -> Briefing:
    """The briefing of ``neighbourhood`` as at ``on`` (default today) for ``user``, audited as
    a disclosure naming every RSO in it. ``NotPermitted`` (naming the rule) for a user who may
    not brief that neighbourhood; ``BriefingError`` for a neighbourhood nobody lives in."""
    on = on or date.today()
    given = " ".join(neighbourhood.split())
    with engine.connect() as connection:
        named = neighbourhood_named(connection, given)
        # The scope is checked before anything is said of whether the neighbourhood exists.
        require_neighbourhood(user, named or given)
        if named is None:
            raise BriefingError(f"No RSO is recorded in neighbourhood {given!r}")
        rows = briefing_rows(connection, named, on)
        policy = load_policy(connection)
    briefing = Briefing(
        neighbourhood=named, on=on,
        destroy_after=on + timedelta(days=policy.briefing_destroy_after_days),
        produced_by=user.display_name or user.user_name,
        produced_at=produced_at or datetime.now().astimezone(), rows=tuple(rows))
    audit.record(engine, user.user_name, "disclosure", "neighbourhood briefing",
                 briefing.rso_ids, {"neighbourhood": named, "on": on.isoformat(),
                                    "destroy_after": briefing.destroy_after.isoformat(),
                                    "rsos": len(rows), "file": file_name})
    return briefing
