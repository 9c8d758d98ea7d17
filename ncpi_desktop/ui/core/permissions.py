"""The screens offer only what the signed-in user may do, and say why not (SECURITY.md).

``gate(action, user, operation)`` disables an action (a menu item, a button's action) whose
operation no role of the user permits, and puts the rule in its tooltip and status tip, as the
refusal below the screens would say it (``domain.security.require``). The operations themselves
check again, with the scope, whatever a screen offers: this is what the user sees, not what
protects the register.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QMenu

from ncpi_desktop.analysis.visibility import require_whole_register
from ncpi_desktop.domain.security import (
    NotPermitted,
    Operation,
    Place,
    User,
    permits,
    require_in_scope,
)

#: The permission each kind of record needs (Record menu, the detail panel's buttons).
RECORD_OPERATIONS: dict[str, Operation] = {
    "visit": Operation.RECORD_VISIT, "arms": Operation.RECORD_ARMS,
    "order": Operation.RECORD_ORDER, "decision": Operation.RECORD_DECISION,
    "event": Operation.RECORD_EVENT, "referral": Operation.RECORD_REFERRAL,
    "review": Operation.RECORD_REVIEW,
    "notification_review": Operation.RECORD_NOTIFICATION_REVIEW}

#: The action's own tips, kept (as a dynamic property) while the rule replaces them.
_OWN_TIP = "ncpiOwnTip"
_OWN_STATUS_TIP = "ncpiOwnStatusTip"


def why_not(user: User, operation: Operation,
            places: Iterable[tuple[str, Place]] | None = None) -> str | None:
    """The rule refusing ``operation`` to ``user``: whatever the RSO, or (``places``) for
    those RSOs and managers. None: permitted."""
    try:
        if places is None:
            require_whole_register(user, operation)  # ``require``, and the extract: the force
        else:
            require_in_scope(user, operation, places)
    except NotPermitted as refusal:
        return str(refusal)
    return None


def gate(action: QAction | QAbstractButton, user: User, operation: Operation, *,
         enabled: bool = True, places: Iterable[tuple[str, Place]] | None = None) -> bool:
    """Enable ``action`` when ``enabled`` (what else it needs, e.g. an open database) and the
    user may do ``operation`` (to ``places``, when given); otherwise disable it, and when the
    user may not, say the rule on hover (tooltip and status tip). Returns whether the user
    may."""
    if action.property(_OWN_TIP) is None:  # the first time: keep the action's own tips
        own = action.toolTip()
        if isinstance(action, QAction) and own == action.text().replace("&", ""):
            own = ""  # Qt's default tooltip, the text: set "" to have it back
        action.setProperty(_OWN_TIP, own)
        action.setProperty(_OWN_STATUS_TIP, action.statusTip())
    reason = why_not(user, operation, places)
    action.setEnabled(enabled and reason is None)
    if reason is None:
        action.setToolTip(str(action.property(_OWN_TIP) or ""))
        action.setStatusTip(str(action.property(_OWN_STATUS_TIP) or ""))
    else:
        action.setToolTip(reason)
        action.setStatusTip(reason)
    return reason is None


def briefing_only(user: User) -> bool:
    """The user may write neighbourhood briefings and see nothing else (SECURITY.md's
    ``frontline`` role alone): their window shows the Briefing page only, and reads no figures."""
    return permits(user, Operation.BRIEFING) and not permits(user, Operation.SEE_FIGURES)


def show_tips(menu: QMenu) -> None:
    """A menu shows its items' tooltips on hover (Qt's menus do not by default): where a
    disabled item says why."""
    menu.setToolTipsVisible(True)
