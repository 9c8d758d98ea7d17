"""Manage › Users, Rules and Audit log (SECURITY.md), with fake storage services: each action
calls the right API with the right arguments, refusals are said once in the dialog, and the menu
items are enabled only for the roles that permit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from builders import AS_AT
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QTableView,
    QWidget,
)
from sqlalchemy.engine import Engine
from test_audit_log_dialog import FakeAudit

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.domain.security import NotPermitted, Role, Scope, ScopeKind, User
from ncpi_desktop.ui.core.session import AuditService, UserService
from ncpi_desktop.ui.dialogs.audit_log import AuditLogDialog
from ncpi_desktop.ui.dialogs.rules import RulesDialog
from ncpi_desktop.ui.dialogs.sign_in import LockPage, SignInDialog
from ncpi_desktop.ui.dialogs.users import UsersDialog
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.admin import AdminActions

ADMIN = User("admin", "Ada Admin", frozenset({Role.ADMINISTRATOR}))
MANAGER = User("manager", "Mo Manager", frozenset({Role.MANAGER}))
ANALYST = User("analyst", "Ann Analyst", frozenset({Role.ANALYST}))
OM = User("om009", "Olivia Mercer", frozenset({Role.OFFENDER_MANAGER}),
          Scope(ScopeKind.CASELOAD, ("OM009",)), manager_id="OM009")
GOOD_PASSWORD = "a long enough password"


@dataclass
class FakeUsers:
    """storage.users over a list; ``refuse`` makes the next change raise it."""

    users: list[User] = field(default_factory=lambda: [ADMIN, OM])
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    refuse: Exception | None = None

    def _check(self) -> None:
        if self.refuse is not None:
            raise self.refuse

    def service(self) -> UserService:
        def add(*args: Any) -> None:
            self.calls.append(("add_user", *args))
            self._check()
            name, display, roles, scope, manager, _password = args
            self.users.append(User(name, display, roles, scope, manager))

        def set_user(user_name: str, **changes: Any) -> None:
            self.calls.append(("set_user", user_name, changes))
            self._check()

        def disable(user_name: str) -> None:
            self.calls.append(("disable_user", user_name))
            self._check()

        def password(user_name: str, new: str) -> None:
            self.calls.append(("set_password", user_name, new))
            self._check()

        return UserService(list_users=lambda: list(self.users), add_user=add,
                           set_user=set_user, disable_user=disable, set_password=password)


def message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()]


@pytest.fixture
def users(qtbot) -> tuple[UsersDialog, FakeUsers]:
    fake = FakeUsers()
    dialog = UsersDialog(fake.service())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, fake


def click(qtbot, button) -> None:  # noqa: ANN001 - a QPushButton
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def cell_texts(view: QTableView, column: int) -> list[str]:
    model = view.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


# --- Users ----------------------------------------------------------------------------------

def test_users_are_listed_with_their_roles_scope_and_manager(users) -> None:
    dialog, _fake = users
    model = dialog.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)]
    assert headers == ["User name", "Display name", "Roles", "Scope", "Manager", "Active"]
    assert cell_texts(dialog.view, 0) == ["admin", "om009"]
    row = [model.index(1, c).data() for c in range(6)]
    assert row == ["om009", "Olivia Mercer", "offender_manager", "caseload:OM009", "OM009",
                   "yes"]


def test_adding_a_user_calls_add_user_with_what_was_typed(qtbot, users) -> None:
    dialog, fake = users
    dialog.user_name_edit.setText("om010")
    dialog.display_name_edit.setText("Owen Marsh")
    dialog.role_boxes[Role.OFFENDER_MANAGER].setChecked(True)
    dialog.scope_edit.setText("caseload:OM010")
    dialog.manager_edit.setText("OM010")
    dialog.password_edit.setText(GOOD_PASSWORD)
    dialog.repeat_edit.setText(GOOD_PASSWORD)
    click(qtbot, dialog.add_button)
    assert fake.calls == [("add_user", "om010", "Owen Marsh",
                           frozenset({Role.OFFENDER_MANAGER}),
                           Scope(ScopeKind.CASELOAD, ("OM010",)), "OM010", GOOD_PASSWORD)]
    assert "om010" in cell_texts(dialog.view, 0)
    assert dialog.message.text() == "Added om010."
    assert dialog.password_edit.text() == "" and dialog.repeat_edit.text() == ""


@pytest.mark.parametrize(("password", "repeat", "said"), [
    ("short pass", "short pass", "at least 12 characters"),
    (GOOD_PASSWORD, GOOD_PASSWORD + "!", "differ"),
])
def test_a_password_too_short_or_typed_differently_is_refused(qtbot, users, password, repeat,
                                                              said) -> None:
    dialog, fake = users
    dialog.select("om009")
    dialog.password_edit.setText(password)
    dialog.repeat_edit.setText(repeat)
    click(qtbot, dialog.password_button)
    assert fake.calls == []
    assert said in dialog.message.text()


def test_changing_roles_and_scope_calls_set_user(qtbot, users) -> None:
    dialog, fake = users
    dialog.select("om009")
    assert dialog.display_name_edit.text() == "Olivia Mercer"
    assert dialog.role_boxes[Role.OFFENDER_MANAGER].isChecked()
    dialog.role_boxes[Role.SUPERVISOR].setChecked(True)
    dialog.scope_edit.setText("team:East 1")
    click(qtbot, dialog.save_button)
    assert fake.calls == [("set_user", "om009", {
        "roles": frozenset({Role.OFFENDER_MANAGER, Role.SUPERVISOR}),
        "scope": Scope(ScopeKind.TEAM, ("East 1",)), "display_name": "Olivia Mercer",
        "manager_id": "OM009"})]


def test_a_scope_that_is_not_one_is_said_and_not_sent(qtbot, users) -> None:
    dialog, fake = users
    dialog.select("om009")
    dialog.scope_edit.setText("county:Lancashire")
    click(qtbot, dialog.save_button)
    assert fake.calls == []
    assert "unknown scope" in dialog.message.text()


def test_disable_and_reset_password_call_their_api(qtbot, users) -> None:
    dialog, fake = users
    dialog.select("om009")
    click(qtbot, dialog.disable_button)
    dialog.password_edit.setText(GOOD_PASSWORD)
    dialog.repeat_edit.setText(GOOD_PASSWORD)
    click(qtbot, dialog.password_button)
    assert fake.calls == [("disable_user", "om009"), ("set_password", "om009", GOOD_PASSWORD)]
    assert dialog.message.text() == "New password set for om009."


def test_nothing_selected_is_said(qtbot, users) -> None:
    dialog, fake = users
    click(qtbot, dialog.disable_button)
    assert fake.calls == [] and dialog.message.text() == "Select a user in the list first."


def test_a_refusal_from_storage_is_said_once_in_the_dialog(qtbot, users) -> None:
    dialog, fake = users
    fake.refuse = NotPermitted("admin may not disable admin: the last administrator")
    dialog.select("admin")
    click(qtbot, dialog.disable_button)
    assert dialog.message.text() == "admin may not disable admin: the last administrator"
    assert message_boxes() == []
    assert dialog.isVisible()


# --- the menu -------------------------------------------------------------------------------

@pytest.fixture
def window(qtbot, settings, engine: Engine) -> MainWindow:
    window = MainWindow(settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    return window


def admin_actions(window: MainWindow, user: User, fake: FakeUsers | None = None,
                  audit: AuditService | None = None) -> AdminActions:
    window.context.set_user(user)  # the signed-in user
    fake = fake or FakeUsers()
    return AdminActions(window.context, users=fake.service,
                        audit=(lambda: audit) if audit is not None else None)


@pytest.mark.parametrize("user", [ANALYST, MANAGER, OM])
def test_only_an_administrator_may_open_users(window: MainWindow, user: User) -> None:
    actions = admin_actions(window, user)
    assert not actions.users_action.isEnabled()
    assert actions.users_action.toolTip().startswith(f"{user.user_name} may not manage users")
    assert actions.users_action in window.context.menu("&Manage").actions()


def test_an_administrator_opens_users_from_the_menu(qtbot, window: MainWindow) -> None:
    actions = admin_actions(window, ADMIN)
    assert actions.users_action.isEnabled()
    actions.users_action.trigger()
    assert isinstance(actions.dialog, UsersDialog)
    assert cell_texts(actions.dialog.view, 0) == ["admin", "om009"]


def test_the_audit_log_is_for_administrators_and_managers(window: MainWindow) -> None:
    assert admin_actions(window, MANAGER).audit_action.isEnabled()
    analyst = admin_actions(window, ANALYST).audit_action
    assert not analyst.isEnabled() and "may not view the audit log" in analyst.toolTip()


def test_an_administrator_changes_a_rule_and_every_page_uses_it(qtbot,
                                                                window: MainWindow) -> None:
    actions = admin_actions(window, ADMIN)
    dialog = actions.open_rules()
    assert isinstance(dialog, RulesDialog) and dialog.may_edit
    dialog.view.selectRow(dialog.model.row_of("key", "caseload_limit_per_fte"))
    dialog.value_spin.setValue(45)
    click(qtbot, dialog.change_button)
    assert window.policy.caseload_limit_per_fte == 45
    row = dialog.model.row_of("key", "caseload_limit_per_fte")
    assert dialog.model.index(row, 2).data() == "45 RSOs per FTE"
    assert window.undo_stack.count() == 1  # undoable, like every named operation
    dialog.close()
    qtbot.waitUntil(lambda: actions.dialog is None)  # deleted on close
    window.undo_stack.undo()  # the pages read again; the closed dialog is not asked to
    assert window.policy.caseload_limit_per_fte == Policy().caseload_limit_per_fte


def test_rules_are_read_only_without_the_administrator_role(window: MainWindow) -> None:
    dialog = admin_actions(window, MANAGER).open_rules()
    assert dialog is not None and not dialog.may_edit
    assert not dialog.change_button.isEnabled()
    assert "may not change policy values" in dialog.change_button.toolTip()


# --- Rules ----------------------------------------------------------------------------------

@dataclass
class FakeApply:
    calls: list[dict[str, float]] = field(default_factory=list)
    refuse: str = ""

    def __call__(self, values: dict[str, float], on_refused) -> bool:  # noqa: ANN001
        self.calls.append(values)
        if self.refuse:
            on_refused("Not done", self.refuse)
            return False
        return True


def rules_dialog(qtbot, apply: FakeApply, policy: Policy | None = None) -> RulesDialog:
    shown = policy or Policy()
    dialog = RulesDialog(lambda: shown, apply, may_edit=True)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_every_rule_shows_its_value_default_and_source(qtbot) -> None:
    policy = Policy(caseload_limit_per_fte=40.0)
    dialog = rules_dialog(qtbot, FakeApply(), policy)
    model = dialog.model
    assert model.rowCount() == len(Policy.describe())
    row = model.row_of("key", "caseload_limit_per_fte")
    texts = [model.index(row, c).data() for c in range(1, 5)]
    assert texts == ["Caseload limit", "40 RSOs per FTE", "50 RSOs per FTE",
                     "Accepted standard cited by HMICFRS (2018)"]
    idle = model.row_of("key", "idle_lock_minutes")
    assert model.index(idle, 3).data() == "15 minutes"
    assert model.index(idle, 4).data().startswith("configurable default")
    assert cell_texts(dialog.view, 0) == [str(n) for n in range(1, model.rowCount() + 1)]


def test_changing_a_share_stores_the_fraction(qtbot) -> None:
    apply = FakeApply()
    dialog = rules_dialog(qtbot, apply)
    dialog.view.selectRow(dialog.model.row_of("key", "high_risk_share_limit"))
    assert dialog.value_spin.value() == 20 and dialog.value_spin.suffix() == "%"
    dialog.value_spin.setValue(25)
    click(qtbot, dialog.change_button)
    assert apply.calls == [{"high_risk_share_limit": 0.25}]
    assert dialog.message.text() == "High-risk share limit is now 25%."


def test_back_to_default_stores_the_default(qtbot) -> None:
    apply = FakeApply()
    dialog = rules_dialog(qtbot, apply, Policy(due_soon_days=14))
    dialog.view.selectRow(dialog.model.row_of("key", "due_soon_days"))
    click(qtbot, dialog.default_button)
    assert apply.calls == [{"due_soon_days": float(Policy().due_soon_days)}]


def test_a_refused_change_is_said_once(qtbot) -> None:
    apply = FakeApply(refuse="manager may not change policy values")
    dialog = rules_dialog(qtbot, apply)
    dialog.view.selectRow(0)
    click(qtbot, dialog.change_button)
    assert dialog.message.text() == "manager may not change policy values"
    assert message_boxes() == []


def test_a_manager_may_view_verify_and_export_the_log(qtbot, window: MainWindow) -> None:
    """Manage > Audit log is the administrators' and the managers' (SECURITY.md): a manager
    verifies and exports it as an administrator does."""
    fake = FakeAudit()
    actions = admin_actions(window, MANAGER, audit=fake.service())
    dialog = actions.open_audit_log()
    assert isinstance(dialog, AuditLogDialog) and dialog.model.rowCount() == 3
    assert dialog.verify_button.isEnabled() and dialog.export_button.isEnabled()
    click(qtbot, dialog.verify_button)
    assert fake.verified == 1


CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QTableView)


def every_dialog(qtbot) -> list[QWidget]:
    dialogs: list[QWidget] = [UsersDialog(FakeUsers().service()),
                              RulesDialog(Policy, FakeApply(), may_edit=True),
                              AuditLogDialog(FakeAudit().service()),
                              SignInDialog(lambda _n, _p: None, "register.sqlite3"),
                              LockPage(lambda _n, _p: None, "om009", "Olivia Mercer")]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
    return dialogs


def test_every_control_of_the_new_dialogs_has_an_accessible_name(qtbot) -> None:
    for dialog in every_dialog(qtbot):
        unnamed = [f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}"
                   for w in dialog.findChildren(QWidget)
                   if isinstance(w, CONTROLS) and not w.accessibleName()
                   and not isinstance(w.parent(), QTableView | QAbstractSpinBox | QComboBox)]
        assert unnamed == [], dialog.windowTitle()


def test_the_new_dialogs_fit_a_laptop_screen(qtbot) -> None:
    for dialog in every_dialog(qtbot):
        hint = dialog.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 700, dialog.windowTitle()
        if not isinstance(dialog, LockPage):
            assert dialog.width() <= 1366 and dialog.height() <= 700, dialog.windowTitle()
