"""Vocabulary and rules of the domain. Standard library only."""

from ncpi_desktop.domain.enums import (
    HIGH_RISK_LEVELS,
    ArmsOutcome,
    ManagementMode,
    OrderType,
    RiskLevel,
    Role,
    Sex,
    Status,
    VisitOutcome,
)
from ncpi_desktop.domain.ids import ManagerId, OrderId, RsoId, VisitId
from ncpi_desktop.domain.policy import Policy

__all__ = [
    "HIGH_RISK_LEVELS", "ArmsOutcome", "ManagementMode", "ManagerId", "OrderId", "OrderType",
    "Policy", "RiskLevel", "Role", "RsoId", "Sex", "Status", "VisitId", "VisitOutcome",
]
