"""Manage › Users (administrators, SECURITY.md): who may sign in, with which roles and scope.

The table lists every user (user name, display name, roles, scope, manager, active); the form
below it adds a user, changes the selected user's roles, scope, display name or manager, disables
them, or resets their password (typed twice, at least ``MIN_PASSWORD_LENGTH`` characters). Every
change goes through the ``UserService`` handed in (storage.users: it checks the administrator's
role itself and writes the audit row); a refusal is said once, in the dialog's message line.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.domain.security import MIN_PASSWORD_LENGTH, Role, Scope, User
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import one_line
from ncpi_desktop.ui.core.session import REFUSALS, UserService, roles_text
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.accessible import action_button
from ncpi_desktop.ui.widgets.tables import data_table, fit_columns

USER_COLUMNS = [
    Column("user_name", "User name"),
    Column("display_name", "Display name"),
    Column("roles", "Roles"),
    Column("scope", "Scope"),
    Column("manager_id", "Manager"),
    Column("active", "Active"),
]
SCOPE_HINT = "force, bcu:East, team:East 1, caseload:OM009 or neighbourhood:NAME[,NAME]"


def users_frame(users: list[User]) -> pd.DataFrame:
    """One row per user, as the table shows them, by user name."""
    rows = [{"user_name": u.user_name, "display_name": u.display_name,
             "roles": roles_text(u.roles), "scope": u.scope.text(),
             "manager_id": u.manager_id or "", "active": "yes" if u.active else "no"}
            for u in sorted(users, key=lambda u: u.user_name)]
    return pd.DataFrame(rows, columns=[c.key for c in USER_COLUMNS])


class UsersDialog(QDialog):
    """Add, change, disable users and reset passwords through ``service``."""

    def __init__(self, service: UserService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Users")
        self.setAccessibleName("Users")
        self.setStyleSheet(style.PAGE_STYLE)
        self.resize(980, 640)
        self._service = service
        self._users: dict[str, User] = {}
        self.model = DataFrameTableModel(USER_COLUMNS, parent=self)
        self.view = data_table(self.model, self)
        self.view.setAccessibleName("Users")
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.selectionModel().selectionChanged.connect(self._on_selected)
        self.message = QLabel("", self)
        self.message.setAccessibleName("Outcome of the last change")
        self.message.setWordWrap(True)
        self._build_form()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.form_box)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.refresh()

    # --- the form -----------------------------------------------------------------------------

    def _edit(self, name: str, placeholder: str = "", *, password: bool = False) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def _build_form(self) -> None:
        self.user_name_edit = self._edit("User name", "e.g. om010")
        self.display_name_edit = self._edit("Display name", "as shown in the window")
        self.scope_edit = self._edit("Scope", SCOPE_HINT)
        self.scope_edit.setToolTip(f"One of: {SCOPE_HINT}")
        self.manager_edit = self._edit("Manager id", "an offender manager's own id, e.g. OM010")
        self.password_edit = self._edit("New password", f"at least {MIN_PASSWORD_LENGTH} "
                                        "characters", password=True)
        self.repeat_edit = self._edit("Repeat new password", "the same again", password=True)
        self.role_boxes: dict[Role, QCheckBox] = {}
        roles = QGridLayout()
        for number, role in enumerate(Role):
            box = QCheckBox(role.value.replace("_", " "), self)
            box.setAccessibleName(f"Role {role.value}")
            self.role_boxes[role] = box
            roles.addWidget(box, number // 3, number % 3)
        form = QFormLayout()
        form.addRow("User &name", self.user_name_edit)
        form.addRow("&Display name", self.display_name_edit)
        form.addRow("Roles", roles)
        form.addRow("&Scope", self.scope_edit)
        form.addRow("&Manager id", self.manager_edit)
        form.addRow("New &password", self.password_edit)
        form.addRow("&Repeat password", self.repeat_edit)
        self.add_button = action_button(self, "&Add user", "Add user", self.add_user,
                                       "Add a user with these details and this password")
        self.save_button = action_button(self, "&Save changes", "Save changes", self.save_changes,
                                        "Change the selected user's display name, roles, "
                                        "scope and manager")
        self.disable_button = action_button(self, "D&isable", "Disable user", self.disable_user,
                                           "The selected user can no longer sign in")
        self.password_button = action_button(self, "Reset pass&word", "Reset password",
                                            self.reset_password,
                                            "Give the selected user the new password")
        row = QHBoxLayout()
        for button in (self.add_button, self.save_button, self.disable_button,
                       self.password_button):
            row.addWidget(button)
        row.addStretch(1)
        self.form_box = QGroupBox("User", self)
        inner = QVBoxLayout(self.form_box)
        inner.addLayout(form)
        inner.addLayout(row)

    # --- reading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the users again (after every change)."""
        try:
            users = self._service.list_users()
        except REFUSALS as refused:
            self.say(one_line(refused), refused=True)
            users = []
        self._users = {u.user_name: u for u in users}
        self.model.set_frame(users_frame(users))
        fit_columns(self.view)

    def selected(self) -> User | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        name = str(self.model.frame_row(rows[0].row())["user_name"])
        return self._users.get(name)

    def _on_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        user = self.selected()
        if user is None:
            return
        self.user_name_edit.setText(user.user_name)
        self.display_name_edit.setText(user.display_name)
        self.scope_edit.setText(user.scope.text())
        self.manager_edit.setText(user.manager_id or "")
        for role, box in self.role_boxes.items():
            box.setChecked(role in user.roles)

    def select(self, user_name: str) -> None:
        row = self.model.row_of("user_name", user_name)
        if row is not None:
            self.view.selectRow(row)

    # --- what the form says ---------------------------------------------------------------

    def say(self, text: str, *, refused: bool = False) -> None:
        """The outcome of the last change, once (a refusal in the warning colour)."""
        colour = style.WARNING_FOREGROUND if refused else style.CARD_TEXT
        self.message.setStyleSheet(f"color: {colour}; font-weight: 600;")
        self.message.setText(text)

    def _roles(self) -> frozenset[Role]:
        return frozenset(r for r, box in self.role_boxes.items() if box.isChecked())

    def _password(self) -> str | None:
        password, repeat = self.password_edit.text(), self.repeat_edit.text()
        if len(password) < MIN_PASSWORD_LENGTH:
            self.say(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
                     refused=True)
            return None
        if password != repeat:
            self.say("The two passwords differ: type the same password twice.", refused=True)
            return None
        return password

    def _details(self) -> tuple[str, frozenset[Role], Scope, str | None] | None:
        display = self.display_name_edit.text().strip()
        roles = self._roles()
        if not display:
            self.say("Give the user a display name.", refused=True)
            return None
        if not roles:
            self.say("Give the user at least one role.", refused=True)
            return None
        try:
            scope = Scope.parse(self.scope_edit.text().strip() or "force")
        except ValueError as bad:
            self.say(one_line(bad), refused=True)
            return None
        return display, roles, scope, self.manager_edit.text().strip() or None

    def _done(self, call: Callable[[], object], said: str, user_name: str) -> bool:
        try:
            call()
        except REFUSALS as refused:
            self.say(one_line(refused), refused=True)
            return False
        finally:
            self.password_edit.clear()
            self.repeat_edit.clear()
        self.refresh()
        self.select(user_name)
        self.say(said)
        return True

    # --- the actions ------------------------------------------------------------------------

    def add_user(self) -> bool:
        user_name = self.user_name_edit.text().strip()
        if not user_name:
            self.say("Give the new user a user name.", refused=True)
            return False
        if user_name in self._users:
            self.say(f"There is already a user {user_name}: choose another user name.",
                     refused=True)
            return False
        details = self._details()
        password = self._password() if details is not None else None
        if details is None or password is None:
            return False
        display, roles, scope, manager = details
        return self._done(lambda: self._service.add_user(user_name, display, roles, scope,
                                                         manager, password),
                          f"Added {user_name}.", user_name)

    def save_changes(self) -> bool:
        user = self._chosen()
        details = self._details() if user is not None else None
        if user is None or details is None:
            return False
        display, roles, scope, manager = details
        return self._done(lambda: self._service.set_user(
            user.user_name, roles=roles, scope=scope, display_name=display,
            manager_id=manager), f"Changed {user.user_name}.", user.user_name)

    def disable_user(self) -> bool:
        user = self._chosen()
        if user is None:
            return False
        return self._done(lambda: self._service.disable_user(user.user_name),
                          f"Disabled {user.user_name}: they can no longer sign in.",
                          user.user_name)

    def reset_password(self) -> bool:
        user = self._chosen()
        password = self._password() if user is not None else None
        if user is None or password is None:
            return False
        return self._done(lambda: self._service.set_password(user.user_name, password),
                          f"New password set for {user.user_name}.", user.user_name)

    def _chosen(self) -> User | None:
        user = self.selected()
        if user is None:
            self.say("Select a user in the list first.", refused=True)
        return user
