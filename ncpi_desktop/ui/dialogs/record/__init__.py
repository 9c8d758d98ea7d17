"""Dialogs recording a home visit, an ARMS assessment, a civil order, a management decision, a
case review and a notification review decision, a module each, and a trigger event and a
referral (``clocks``), on the shared ``RecordDialog`` (``base``).
"""

from ncpi_desktop.ui.dialogs.record.arms import RecordArmsDialog
from ncpi_desktop.ui.dialogs.record.base import Operation, RecordDialog
from ncpi_desktop.ui.dialogs.record.clocks import RecordEventDialog, RecordReferralDialog
from ncpi_desktop.ui.dialogs.record.decision import RecordDecisionDialog
from ncpi_desktop.ui.dialogs.record.notification_review import RecordNotificationReviewDialog
from ncpi_desktop.ui.dialogs.record.order import RecordOrderDialog
from ncpi_desktop.ui.dialogs.record.review import RecordReviewDialog
from ncpi_desktop.ui.dialogs.record.visit import RecordVisitDialog

__all__ = ["DIALOGS", "Operation", "RecordArmsDialog", "RecordDecisionDialog", "RecordDialog",
           "RecordEventDialog", "RecordNotificationReviewDialog", "RecordOrderDialog",
           "RecordReferralDialog", "RecordReviewDialog", "RecordVisitDialog"]

#: The dialog recording each kind of record (the Record menu's actions).
DIALOGS: dict[str, type[RecordDialog]] = {
    "visit": RecordVisitDialog,
    "arms": RecordArmsDialog,
    "order": RecordOrderDialog,
    "decision": RecordDecisionDialog,
    "event": RecordEventDialog,
    "referral": RecordReferralDialog,
    "review": RecordReviewDialog,
    "notification_review": RecordNotificationReviewDialog,
}
