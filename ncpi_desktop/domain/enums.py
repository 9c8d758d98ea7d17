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


class EventType(StrEnum):
    """What happened to an RSO that starts the trigger-event clocks (rule 14)."""

    CONCERN = "concern"
    DISCLOSURE_ENQUIRY = "disclosure_enquiry"
    NEW_HOUSEHOLD = "new_household"
    ADDRESS_CHANGE = "address_change"
    ORDER_BREACH = "order_breach"
    ARREST = "arrest"


#: The trigger events in words (rule 14).
EVENT_NAMES: dict[EventType, str] = {
    EventType.CONCERN: "New intelligence or concern",
    EventType.DISCLOSURE_ENQUIRY: "Child sex offender disclosure scheme enquiry",
    EventType.NEW_HOUSEHOLD: "New household or relationship with access to a child",
    EventType.ADDRESS_CHANGE: "Change of address",
    EventType.ORDER_BREACH: "Breach of an order",
    EventType.ARREST: "Arrest",
}

#: Events of the kind rule 11 counts against reactive management ("no offence, concern or
#: adverse intelligence"): recording one also sets the RSO's ``last_concern_on``.
CONCERN_EVENTS: tuple[EventType, ...] = (EventType.CONCERN, EventType.ORDER_BREACH,
                                         EventType.ARREST)
class ReviewGrade(StrEnum):
    """A supervisor's grade of a case review (rule 15): the inspection's own grades."""

    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Role(StrEnum):
    OFFENDER_MANAGER = "offender_manager"
    SUPERVISOR = "supervisor"


#: Orders of the vocabularies' values for sorting and listing (lowest risk first).
RISK_ORDER: tuple[str, ...] = tuple(level.value for level in RiskLevel)
STATUS_ORDER: tuple[str, ...] = tuple(status.value for status in Status)
MANAGEMENT_ORDER: tuple[str, ...] = tuple(mode.value for mode in ManagementMode)

#: The civil order types in words.
ORDER_NAMES: dict[OrderType, str] = {
    OrderType.SHPO: "Sexual harm prevention order",
    OrderType.SRO: "Sexual risk order",
    OrderType.SOPO: "Sexual offences prevention order",
    OrderType.RSHO: "Risk of sexual harm order",
    OrderType.FTO: "Foreign travel order",
    OrderType.NO: "Notification order",
}


class NotificationReviewOutcome(StrEnum):
    """A decision on a review of indefinite notification (rule 13; SOA 2003 ss.91A-91F)."""

    CONTINUE = "continue"
    DISCHARGE = "discharge"
