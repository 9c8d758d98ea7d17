"""Who may see and do what (SECURITY.md): users, roles, scopes and the operations they permit.

Pure rules over plain values: storage, the command line and the window all ask these functions,
so a permission is decided in one place. A refusal names the rule, e.g.
``supervisor.east may not reassign R1204: it is in West (scope: BCU East)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

#: The protective marking on the first page, sheet or line of every file the application writes
#: (SECURITY.md, "What leaves the application").
MARKING = "OFFICIAL-SENSITIVE"

#: The shortest password accepted (SECURITY.md, "Signing in").
MIN_PASSWORD_LENGTH = 12
#: Failed sign-ins in a row after which the next attempt must wait, and for how long (seconds).
SIGN_IN_FAILURES_BEFORE_WAIT = 5
SIGN_IN_WAIT_SECONDS = 30


class Role(StrEnum):
    OFFENDER_MANAGER = "offender_manager"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"
    FRONTLINE = "frontline"


class ScopeKind(StrEnum):
    """What a scope is drawn around: the whole force, BCUs, teams, one manager's caseload, or
    neighbourhoods."""

    FORCE = "force"
    BCU = "bcu"
    TEAM = "team"
    CASELOAD = "caseload"
    NEIGHBOURHOOD = "neighbourhood"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    #: The BCUs, teams, manager ids or neighbourhoods the scope covers (empty for the force).
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind is ScopeKind.FORCE:
            return "the force"
        names = {ScopeKind.BCU: "BCU", ScopeKind.TEAM: "team", ScopeKind.CASELOAD: "caseload of",
                 ScopeKind.NEIGHBOURHOOD: "neighbourhood"}
        return f"{names[self.kind]} {', '.join(self.values)}"

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``force``, ``bcu:East``, ``team:East 1``, ``caseload:OM009`` or
        ``neighbourhood:Ashton,Preston North``; ValueError saying what is expected."""
        kind_text, _, rest = text.partition(":")
        try:
            kind = ScopeKind(kind_text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown scope {text!r}: expected force, bcu:NAME, team:NAME, "
                             f"caseload:MANAGER_ID or neighbourhood:NAME[,NAME...]") from None
        values = tuple(v.strip() for v in rest.split(",") if v.strip())
        if (kind is ScopeKind.FORCE) == bool(values):
            raise ValueError(f"scope {text!r}: 'force' takes no names, the others at least one")
        if kind in (ScopeKind.CASELOAD,) and len(values) != 1:
            raise ValueError(f"scope {text!r}: a caseload scope names one manager")
        return cls(kind, values)

    def text(self) -> str:
        """The form ``parse`` reads (stored in the database)."""
        if self.kind is ScopeKind.FORCE:
            return "force"
        return f"{self.kind.value}:{','.join(self.values)}"


FORCE = Scope(ScopeKind.FORCE)


@dataclass(frozen=True)
class Place:
    """Where an RSO or a manager sits, as far as scopes care."""

    bcu: str | None
    team: str | None = None
    #: The manager holding the RSO (None: pooled); for a manager, the manager itself.
    manager_id: str | None = None
    neighbourhood: str | None = None

    def where(self) -> str:
        """How a refusal says where it is: the team, else the BCU."""
        if self.team:
            return f"team {self.team} ({self.bcu})" if self.bcu else f"team {self.team}"
        return self.bcu or "no BCU"


@dataclass(frozen=True)
class User:
    user_name: str
    display_name: str
    roles: frozenset[Role]
    scope: Scope = FORCE
    #: The manager an offender-manager user is (their caseload scope names the same id).
    manager_id: str | None = None
    active: bool = True
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return self.user_name


class Operation(StrEnum):
    """What a user may be permitted to do; the value is how a refusal says it."""

    SEE_FIGURES = "see figures"
    SEE_NAMES = "see names of"
    RECORD_VISIT = "record a visit for"
    RECORD_ARMS = "record an ARMS assessment for"
    RECORD_ORDER = "record a civil order for"
    RECORD_DECISION = "record a management decision for"
    RECORD_EVENT = "record a trigger event for"
    RECORD_REFERRAL = "record a referral for"
    REASSIGN = "reassign"
    PROPOSE = "propose a rebalance"
    MANAGER_LEAVING = "move a leaving manager's RSOs"
    MANAGER_ABSENT = "cover an absent manager's RSOs"
    HAND_BACK = "hand back RSOs to"
    REPORT = "produce a report"
    PACK = "produce a performance pack"
    PACK_WITH_NAMES = "produce a performance pack with names"
    EXPORT_TABLE = "export a table"
    EXPORT_EXTRACT = "export the extract"
    IMPORT = "import an extract"
    MANAGE_USERS = "manage users"
    EDIT_POLICY = "change policy values"
    AUDIT_VIEW = "view the audit log"
    AUDIT_VERIFY = "verify the audit log"
    AUDIT_EXPORT = "export the audit log"
    BRIEFING = "produce a neighbourhood briefing"
    RECORD_REVIEW = "record a case review for"
    #: Save, read, delete and produce the pack of what-if scenarios (issue 18): those who may
    #: rebalance.
    SCENARIO = "keep what-if scenarios"
    RECORD_NOTIFICATION_REVIEW = "record a notification review decision for"


_O = Operation
_RECORD = frozenset({_O.RECORD_VISIT, _O.RECORD_ARMS, _O.RECORD_ORDER, _O.RECORD_EVENT,
                     _O.RECORD_REFERRAL})
_SUPERVISE = frozenset({_O.RECORD_DECISION, _O.REASSIGN, _O.PROPOSE, _O.MANAGER_LEAVING,
                        _O.MANAGER_ABSENT, _O.HAND_BACK, _O.PACK, _O.EXPORT_TABLE, _O.REPORT,
                        _O.RECORD_REVIEW, _O.SCENARIO, _O.RECORD_NOTIFICATION_REVIEW})
_FIGURES = frozenset({_O.SEE_FIGURES})

#: What each role permits at all (its scope then limits which RSOs and managers).
PERMITS: dict[Role, frozenset[Operation]] = {
    Role.OFFENDER_MANAGER: _FIGURES | {_O.SEE_NAMES} | _RECORD,
    Role.SUPERVISOR: _FIGURES | {_O.SEE_NAMES} | _RECORD | _SUPERVISE,
    Role.MANAGER: (_FIGURES | {_O.SEE_NAMES} | _RECORD | _SUPERVISE
                   | {_O.PACK_WITH_NAMES, _O.EXPORT_EXTRACT, _O.IMPORT, _O.AUDIT_VIEW,
                      _O.AUDIT_VERIFY, _O.AUDIT_EXPORT}),
    Role.ANALYST: _FIGURES | {_O.REPORT, _O.PACK, _O.EXPORT_TABLE},
    Role.ADMINISTRATOR: _FIGURES | {_O.MANAGE_USERS, _O.EDIT_POLICY, _O.AUDIT_VIEW,
                                    _O.AUDIT_VERIFY, _O.AUDIT_EXPORT, _O.IMPORT},
    Role.FRONTLINE: frozenset({_O.BRIEFING}),
}

#: Operations on named RSOs or managers, whose scope is checked RSO by RSO (and manager by
#: manager); the others are checked by role alone.
SCOPED = _RECORD | {_O.SEE_NAMES, _O.RECORD_DECISION, _O.REASSIGN, _O.MANAGER_LEAVING,
                    _O.MANAGER_ABSENT, _O.HAND_BACK, _O.BRIEFING, _O.RECORD_REVIEW,
                    _O.RECORD_NOTIFICATION_REVIEW}


class NotPermitted(Exception):
    """The user may not do this (SECURITY.md: exit status 3); the message names the rule."""


def permits(user: User, operation: Operation) -> bool:
    """Any of the user's roles permits ``operation`` (somewhere in its scope)."""
    return user.active and any(operation in PERMITS[role] for role in user.roles)


def in_scope(scope: Scope, place: Place) -> bool:
    """``place`` lies inside ``scope``."""
    if scope.kind is ScopeKind.FORCE:
        return True
    wanted = {ScopeKind.BCU: place.bcu, ScopeKind.TEAM: place.team,
              ScopeKind.CASELOAD: place.manager_id,
              ScopeKind.NEIGHBOURHOOD: place.neighbourhood}[scope.kind]
    return wanted is not None and wanted in scope.values


def _roles_for(user: User, operation: Operation) -> list[Role]:
    return [role for role in user.roles if operation in PERMITS[role]]


def require(user: User, operation: Operation) -> None:
    """Raise ``NotPermitted`` unless one of the user's roles permits ``operation``."""
    if not user.active:
        raise NotPermitted(f"{user} may not {operation.value}: the account is disabled")
    if not _roles_for(user, operation):
        roles = ", ".join(sorted(user.roles)) or "no role"
        raise NotPermitted(f"{user} may not {operation.value}: not permitted to {roles}")


def require_in_scope(user: User, operation: Operation,
                     places: Iterable[tuple[str, Place]]) -> None:
    """Raise ``NotPermitted`` unless the user may do ``operation`` to every ``(id, place)``:
    a role permits it and the place is in the user's scope. The message names the first one
    outside, where it is and the user's scope."""
    require(user, operation)
    if operation not in SCOPED:
        return
    for ident, place in places:
        if not in_scope(user.scope, place):
            raise NotPermitted(f"{user} may not {operation.value} {ident}: it is in "
                               f"{place.where()} (scope: {user.scope})")


def sees_names(user: User) -> bool:
    """The user may see some RSO's name (then only those in scope)."""
    return permits(user, Operation.SEE_NAMES)
