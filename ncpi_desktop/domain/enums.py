"""The closed vocabularies of the register (DOMAIN.md, IMPORT-FORMAT.md)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    COMMUNITY = "community"
    CUSTODY = "custody"
    ABROAD = "abroad"
    MISSING = "missing"


class RiskLevel(StrEnum):
    """Risk Matrix 2000 categories, lowest first."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


#: Risk levels that count towards the high-risk share (rule 3).
HIGH_RISK_LEVELS: tuple[RiskLevel, ...] = (RiskLevel.HIGH, RiskLevel.VERY_HIGH)


class ManagementMode(StrEnum):
    ACTIVE = "active"
    REACTIVE = "reactive"


class OrderType(StrEnum):
    SHPO = "SHPO"
    SOPO = "SOPO"
    SRO = "SRO"
    RSHO = "RSHO"
    FTO = "FTO"
    NO = "NO"


class VisitOutcome(StrEnum):
    COMPLETED = "completed"
    NO_ACCESS = "no_access"


class ArmsOutcome(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Role(StrEnum):
    OFFENDER_MANAGER = "offender_manager"
    SUPERVISOR = "supervisor"
