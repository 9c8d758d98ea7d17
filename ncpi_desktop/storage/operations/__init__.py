"""Named writes. Each runs in one transaction, writes an audit row, and returns a ``Change``
whose ``undo`` applies the exact inverse (itself an audited operation), which is what an undo
stack needs. Bad input raises ``OperationError`` with a message fit for a user, and writes nothing.

``records`` (visits, ARMS, orders, decisions), ``events`` (trigger events, referrals),
``moves`` (reassignments, leavers, absences),
``policy`` (policy values); ``base`` and ``images`` are what they share. A write whose rule needs
the figures (a reactive decision) is composed above, in ``ncpi_desktop.actions``.

No lost update (``guard``): each write takes its database's locks first, then checks that what it
changes is still as the user saw it (``seen`` versions, the holder, caseload or values seen),
refusing with ``StaleWrite`` (who changed what, and when) and writing nothing.
"""

from ncpi_desktop.storage.change import Change, OperationError, StaleWrite
from ncpi_desktop.storage.operations.base import audit, now
from ncpi_desktop.storage.operations.events import record_event, record_referral
from ncpi_desktop.storage.operations.guard import POOL
from ncpi_desktop.storage.operations.moves import (
    Move,
    apply_moves,
    check_effective_date,
    hand_back,
    manager_absent,
    manager_leaving,
    reassign,
)
from ncpi_desktop.storage.operations.policy import set_policy_values
from ncpi_desktop.storage.operations.records import (
    Decision,
    record_arms,
    record_order,
    record_visit,
    validate_decision,
    write_decision,
)

__all__ = [
    "POOL", "Change", "Decision", "Move", "OperationError", "StaleWrite", "apply_moves", "audit",
    "check_effective_date", "hand_back", "manager_absent", "manager_leaving", "now", "reassign",
    "record_arms", "record_event", "record_order", "record_referral", "record_visit",
    "set_policy_values", "validate_decision", "write_decision",
]
