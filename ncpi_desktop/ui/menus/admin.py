"""Manage › Users, Rules and Audit log: the administration of the register (SECURITY.md).

Each item is enabled for the roles that permit it (``domain.security``), and otherwise disabled
with the rule's refusal as its tooltip, e.g. "analyst may not manage users: not permitted to
analyst". Users needs ``MANAGE_USERS`` (administrators); Rules opens for anyone signed in (the
rules are in Help › About too) and is editable with ``EDIT_POLICY`` (administrators); Audit log
needs ``AUDIT_VIEW`` (administrators, managers), its Verify and Export ``AUDIT_VERIFY`` and
``AUDIT_EXPORT``. The storage services are built from the signed-in session (``core.session``)
unless a test hands in others.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog

from ncpi_desktop.domain.security import NotPermitted, Operation, User, require
from ncpi_desktop.storage.operations.policy import set_policy_values
from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.core.session import AuditService, UserService, audit_service, user_service
from ncpi_desktop.ui.dialogs.audit_log import AuditLogDialog
from ncpi_desktop.ui.dialogs.rules import RulesDialog
from ncpi_desktop.ui.dialogs.users import UsersDialog
from ncpi_desktop.ui.menus.shown_dialog import show_dialog

NOT_SIGNED_IN = "Sign in first"


def refusal(user: User | None, operation: Operation) -> str:
    """Why ``user`` may not do ``operation`` (the rule's own words); "" when they may."""
    if user is None:
        return NOT_SIGNED_IN
    try:
        require(user, operation)
    except NotPermitted as refused:
        return str(refused)
    return ""


class AdminActions(QObject):
    """Manage › Users…, Rules…, Audit log… for one window."""

    def __init__(self, context: AppContext, *,
                 users: Callable[[], UserService] | None = None,
                 audit: Callable[[], AuditService] | None = None) -> None:
        super().__init__(context)
        self.setObjectName("admin_actions")
        self.context = context
        self._users = users or (lambda: user_service(context.session))  # type: ignore[attr-defined]
        self._audit = audit or (lambda: audit_service(_engine(context)))
        #: The dialog last opened (kept alive while open; tests read it).
        self.dialog: QDialog | None = None
        parent = context.dialog_parent
        menu = context.menu("&Manage")
        menu.setToolTipsVisible(True)
        menu.addSeparator()
        self.users_action = QAction("&Users…", parent)
        self.users_action.triggered.connect(self.open_users)
        self.rules_action = QAction("R&ules…", parent)
        self.rules_action.triggered.connect(self.open_rules)
        self.audit_action = QAction("Audit lo&g…", parent)
        self.audit_action.triggered.connect(self.open_audit_log)
        for action in (self.users_action, self.rules_action, self.audit_action):
            menu.addAction(action)
        menu.aboutToShow.connect(self.update_actions)
        context.database_changed.connect(lambda _location: self.update_actions())
        self.update_actions()

    @property
    def user(self) -> User | None:
        return getattr(self.context, "user", None)

    def update_actions(self) -> None:
        """Enable what the signed-in user may open; say why not on the others."""
        tips = {self.users_action: ("Add users, change their roles and scope, disable them, "
                                    "reset passwords", refusal(self.user, Operation.MANAGE_USERS)),
                self.rules_action: ("Every rule, its value, its default and where the number "
                                    "comes from", "" if self.user else NOT_SIGNED_IN),
                self.audit_action: ("Who saw, changed and exported what, and whether the log "
                                    "is intact", refusal(self.user, Operation.AUDIT_VIEW))}
        for action, (what, why_not) in tips.items():
            action.setEnabled(not why_not)
            action.setToolTip(why_not or what)
            action.setStatusTip(why_not or what)

    def _refused(self, operation: Operation) -> bool:
        why_not = refusal(self.user, operation)
        if why_not:
            self.context.show_error("Not permitted", why_not)
        return bool(why_not)

    def open_users(self) -> UsersDialog | None:
        if self._refused(Operation.MANAGE_USERS):
            return None
        dialog = UsersDialog(self._users(), parent=self.context.dialog_parent)
        show_dialog(self, dialog)
        return dialog

    def open_rules(self) -> RulesDialog | None:
        if self.user is None:
            self.context.show_error("Not signed in", NOT_SIGNED_IN)
            return None
        why_not = refusal(self.user, Operation.EDIT_POLICY)
        dialog = RulesDialog(lambda: self.context.policy, self._apply_policy,
                             may_edit=not why_not, why_not=why_not,
                             parent=self.context.dialog_parent)
        self.context.figures_changed.connect(dialog.refresh)  # a change, once read again
        show_dialog(self, dialog)
        return dialog

    def _apply_policy(self, values: dict[str, float],
                      on_refused: Callable[[str, str], None]) -> bool:
        shown = self.context.policy.to_dict()  # refused if changed since (StaleWrite)
        seen = {key: shown[key] for key in values if key in shown}
        change = self.context.apply(
            lambda engine, who: set_policy_values(engine, values, who, seen=seen),
            on_refused=on_refused)
        return change is not None

    def open_audit_log(self) -> AuditLogDialog | None:
        if self._refused(Operation.AUDIT_VIEW):
            return None
        dialog = AuditLogDialog(self._audit(),
                                verify_refusal=refusal(self.user, Operation.AUDIT_VERIFY),
                                export_refusal=refusal(self.user, Operation.AUDIT_EXPORT),
                                parent=self.context.dialog_parent)
        show_dialog(self, dialog)
        return dialog


def _engine(context: AppContext):  # noqa: ANN202 - an Engine
    if context.engine is None:
        raise LookupError("No database is open")
    return context.engine

