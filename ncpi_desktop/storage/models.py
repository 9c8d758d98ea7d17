"""The tables of the register. Columns follow IMPORT-FORMAT.md; enums are stored as their values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, Index, LargeBinary, Numeric, Text, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine
from sqlmodel import Field, SQLModel


class ExactDecimal(TypeDecorator[float]):
    """A decimal stored exactly (migration 0009): ``numeric`` on PostgreSQL, which keeps the
    digits it is given (a float's shortest digits, which read back as the very same float),
    and a double on SQLite (whose ``NUMERIC`` is one too); a float in Python. Both databases
    then hand back the same floats, and the analysis sums them exactly (``math.fsum``)."""

    impl = Float
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=False))
        return dialect.type_descriptor(Float())

    def process_bind_param(self, value: Any, dialect: Dialect) -> float | None:
        return None if value is None else float(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> float | None:
        return None if value is None else float(value)


class Manager(SQLModel, table=True):
    __tablename__ = "manager"

    manager_id: str = Field(primary_key=True)
    name: str
    bcu: str = Field(index=True)
    team: str = Field(index=True)
    fte: float = Field(sa_type=ExactDecimal)
    role: str = "offender_manager"
    active: bool = True


class Rso(SQLModel, table=True):
    __tablename__ = "rso"

    rso_id: str = Field(primary_key=True)
    family_name: str
    given_names: str
    date_of_birth: date
    sex: str
    bcu: str = Field(index=True)
    team: str | None = None
    neighbourhood: str | None = None
    status: str = Field(index=True)
    risk_level: str | None = None
    management: str = "active"
    manager_id: str | None = Field(default=None, foreign_key="manager.manager_id", index=True)
    registered_on: date
    community_since: date | None = None
    notification_ends: date | None = None
    notification_indefinite: bool = False
    visit_interval_months: int | None = None
    visit_interval_reason: str | None = None
    last_concern_on: date | None = None
    paper_records_only: bool = False
    #: Notification (rule 13, migration 0015): the initial notification (s.83), the latest
    #: notification or re-notification (s.85), and for an RSO in custody the expected release.
    first_notified_on: date | None = None
    last_notified_on: date | None = None
    expected_release_on: date | None = None
    #: Moved by every named operation that writes the RSO (the lost-update check, migration 0008).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Allocation(SQLModel, table=True):
    """Who held an RSO from when: a manager, or a team pool when ``manager_id`` is null."""

    __tablename__ = "allocation"
    __table_args__ = (Index("ix_allocation_rso_from", "rso_id", "starts_on"),)

    id: int | None = Field(default=None, primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id")
    manager_id: str | None = Field(default=None, foreign_key="manager.manager_id")
    team: str | None = None
    starts_on: date
    ends_on: date | None = None
    reason: str
    actor: str
    recorded_at: datetime


class Visit(SQLModel, table=True):
    __tablename__ = "visit"
    #: Covering: each RSO's latest completed visit and the visits since are read from the index
    #: alone (migrations 0003 and 0004).
    __table_args__ = (Index("ix_visit_rso_date_covering", "rso_id", "visited_on", "outcome",
                            "officers"),)

    visit_id: str = Field(primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id")
    visited_on: date
    outcome: str
    officers: int = 2


class Arms(SQLModel, table=True):
    __tablename__ = "arms"
    __table_args__ = (UniqueConstraint("rso_id", "completed_on", name="uq_arms_rso_date"),)

    id: int | None = Field(default=None, primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id", index=True)
    completed_on: date
    outcome: str


class CivilOrder(SQLModel, table=True):
    __tablename__ = "civil_order"

    order_id: str = Field(primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id", index=True)
    type: str
    starts_on: date
    ends_on: date | None = None


class ManagementDecision(SQLModel, table=True):
    """An offender manager's recorded decision to manage an RSO actively or reactively."""

    __tablename__ = "management_decision"

    id: int | None = Field(default=None, primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id", index=True)
    mode: str
    decided_on: date
    reason: str
    decided_by: str
    recorded_at: datetime


class Event(SQLModel, table=True):
    """A trigger event recorded for an RSO (DOMAIN.md rule 14): it starts the reassessment-visit
    clock and, when a child may be at risk, the referral clock (migration 0010)."""

    __tablename__ = "event"

    event_id: str = Field(primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id", index=True)
    type: str
    occurred_on: date
    child_at_risk: bool = False
    #: Who recorded it and when (blank for a row an import wrote: the import's audit row says).
    recorded_by: str | None = None
    recorded_at: datetime | None = None


class Referral(SQLModel, table=True):
    """A referral of an RSO's case to another agency (children's social care): it stops the
    referral clocks of the RSO's events on or before its date (migration 0010)."""

    __tablename__ = "referral"

    referral_id: str = Field(primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id", index=True)
    referred_on: date
    referred_to: str
    recorded_by: str | None = None
    recorded_at: datetime | None = None


class NotificationReview(SQLModel, table=True):
    """A decision on a review of an RSO's indefinite notification (SOA 2003 ss.91A-91F,
    migration 0015): ``continue`` (the next review falls due 8 years on) or ``discharge``."""

    __tablename__ = "notification_review"

    id: int | None = Field(default=None, primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id", index=True)
    decided_on: date
    #: ``continue`` or ``discharge`` (``domain.enums.NotificationReviewOutcome``).
    outcome: str
    reason: str
    actor: str
    recorded_at: datetime


class CaseReview(SQLModel, table=True):
    """A supervisor's quality review of one RSO's case (DOMAIN.md rule 15, migration 0011)."""

    __tablename__ = "case_review"

    review_id: str = Field(primary_key=True)
    rso_id: str = Field(foreign_key="rso.rso_id", index=True)
    reviewed_on: date
    reviewer: str
    #: ``domain.enums.ReviewGrade``: good, requires_improvement or inadequate.
    grade: str
    findings: str


class ReviewAction(SQLModel, table=True):
    """An action a case review set: who owns it, when it is due, when it was done."""

    __tablename__ = "review_action"

    action_id: str = Field(primary_key=True)
    review_id: str = Field(foreign_key="case_review.review_id", index=True)
    text: str
    owner: str
    due_on: date
    done_on: date | None = None


class PolicyValue(SQLModel, table=True):
    """A policy value the user changed from its default (domain.Policy)."""

    __tablename__ = "policy_value"

    key: str = Field(primary_key=True)
    value: float


class AuditEntry(SQLModel, table=True):
    """Who changed what, when, with the state before and after (JSON)."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str
    operation: str
    detail: str
    #: SECURITY.md's kind: access, collection, alteration, consultation or disclosure.
    kind: str = "alteration"
    #: The RSO ids concerned, as a JSON array.
    rso_ids: str = "[]"
    #: The hash of the row before (empty for the first) and of this row's own content with it:
    #: changing, deleting or inserting a row anywhere breaks the chain (migration 0007).
    prev_hash: str = ""
    hash: str = ""


class ManagerAbsence(SQLModel, table=True):
    """A manager away until a date: their RSOs go to cover and are handed back on return."""

    __tablename__ = "manager_absence"

    id: int | None = Field(default=None, primary_key=True)
    manager_id: str = Field(foreign_key="manager.manager_id", index=True)
    starts_on: date
    ends_on: date
    reason: str
    actor: str
    recorded_at: datetime
    returned_on: date | None = None


class RegisterVersion(SQLModel, table=True):
    """One row counting the changes to the tables the register is read from: on SQLite a
    trigger on each of them adds one with every row written (migration 0005), whoever writes."""

    __tablename__ = "register_version"

    id: int | None = Field(default=None, primary_key=True)
    n: int


class RegisterCacheEntry(SQLModel, table=True):
    """One frame of the register as stored for the next start (``storage.register_store``),
    valid only while ``version`` is ``RegisterVersion.n``. On SQLite every change to the
    register's tables deletes these rows in the same transaction (migration 0005)."""

    __tablename__ = "register_cache"

    name: str = Field(sa_type=Text, primary_key=True)
    version: int
    format: int
    data: bytes = Field(sa_type=LargeBinary)


class AppUser(SQLModel, table=True):
    """Someone who may sign in (SECURITY.md): roles, a scope, and a slow salted password hash.

    ``roles`` is a comma-separated list of ``domain.security.Role`` values; ``scope`` is
    ``domain.security.Scope.text()``. Nobody is ever deleted: a user who leaves is disabled, so
    the audit's "who" always names someone on this table."""

    __tablename__ = "app_user"

    user_name: str = Field(primary_key=True)
    display_name: str
    roles: str
    scope: str = "force"
    manager_id: str | None = None
    active: bool = True
    #: scrypt, with its parameters and salt in the text (``scrypt$n$r$p$salt$hash``).
    password_hash: str
    created_at: datetime
    changed_at: datetime


class OfflineApplied(SQLModel, table=True):
    """A change (or view) an offline copy sent that this database applied (migration 0014),
    written in the same transaction as the change: a sync run again applies nothing twice."""

    __tablename__ = "offline_applied"

    change_uuid: str = Field(primary_key=True)
    copy_id: str
    actor: str
    applied_at: datetime


class ScenarioRow(SQLModel, table=True):
    """A saved what-if scenario (migration 0016): its steps as JSON text
    (``analysis.scenario.Scenario.steps_json``), who saved it first and last, and the version
    a save must have seen (``storage.scenarios``). Never read with the register."""

    __tablename__ = "scenario"

    name: str = Field(primary_key=True)
    steps: str = Field(sa_type=Text)
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    version: int
