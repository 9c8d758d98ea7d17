"""The dialogs of offline copies (SERVER.md, "Offline laptops"): File › Take offline… (what to
take, where, and the password that will unlock it), the password a sync needs, the changes the
source refused (each with why, to redo or drop), and the page that stands in for a copy's data
while it is locked for want of a sync."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.domain.security import ScopeKind, User
from ncpi_desktop.formats import uk_date

COPY_FILTER = "Offline copies (*.db *.sqlite3);;All files (*)"


def when(at: datetime) -> str:
    """A time as the dialogs show it: DD/MM/YYYY HH:MM, local time."""
    local = at.astimezone()
    return f"{uk_date(local.date())} {local:%H:%M}"


def default_scope(user: User) -> str:
    """What a user most likely takes: their caseload, team or BCU ("" when their scope is
    wider or of another kind)."""
    if user.scope.kind in (ScopeKind.CASELOAD, ScopeKind.TEAM, ScopeKind.BCU) \
            and len(user.scope.values) == 1:
        return user.scope.text()
    return ""


class TakeOfflineDialog(QDialog):
    """What to take offline (a scope), the new file, and the user's password (which unlocks the
    copy: the window does not keep it)."""

    def __init__(self, source: str, user: User, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Take offline")
        self.setObjectName("take_offline")
        layout = QVBoxLayout(self)
        intro = QLabel(f"An encrypted copy of part of {source} for {user.user_name} to work on "
                       f"with no network. Sync it back with File › Sync now.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.scope_edit = QLineEdit(default_scope(user))
        self.scope_edit.setPlaceholderText("caseload:OM009, team:East 1 or bcu:East")
        self.scope_edit.setAccessibleName("Scope to take")
        form.addRow("&Scope:", self.scope_edit)
        self.out_edit = QLineEdit()
        self.out_edit.setAccessibleName("Offline copy file")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.out_edit)
        row.addWidget(browse)
        form.addRow("&File:", row)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Your password")
        form.addRow("Your &password:", self.password_edit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Take offline")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Offline copy", "", COPY_FILTER)
        if path:
            self.out_edit.setText(path)

    def values(self) -> tuple[str, str, str]:
        """(scope, file, password) as given."""
        return (self.scope_edit.text().strip(), self.out_edit.text().strip(),
                self.password_edit.text())


class PasswordDialog(QDialog):
    """The signed-in user's password, which a sync needs (to unlock the copy and sign in to its
    source)."""

    def __init__(self, user_name: str, source: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync now")
        layout = QVBoxLayout(self)
        label = QLabel(f"Password of {user_name}, to sign in to {source}:")
        label.setWordWrap(True)
        layout.addWidget(label)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Your password")
        layout.addWidget(self.password_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Sync")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def ask_password(parent: QWidget | None, user_name: str, source: str) -> str | None:
    """The password typed, or None when cancelled."""
    dialog = PasswordDialog(user_name, source, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.password_edit.text()


class RefusedChangesDialog(QDialog):
    """The changes the source refused, each with when it was made, what, and why; Redo sends the
    chosen one again (with the source's checks, but not the "as seen" one), Drop gives it up."""

    redo_requested = Signal(int)
    drop_requested = Signal(int)
    COLUMNS = ("Change", "Made", "What", "Why refused")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changes the source refused")
        self.setObjectName("refused_changes")
        self.resize(820, 320)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName("Refused changes")
        layout.addWidget(self.table)
        buttons = QDialogButtonBox()
        self.redo_button = buttons.addButton("&Redo", QDialogButtonBox.ButtonRole.ActionRole)
        self.redo_button.setToolTip("Send this change again, applied to the source as it is now")
        self.drop_button = buttons.addButton("&Drop", QDialogButtonBox.ButtonRole.ActionRole)
        self.drop_button.setToolTip("Give this change up: it is never sent (the drop is "
                                    "recorded in the source's audit)")
        for button in (self.redo_button, self.drop_button):
            button.setAutoDefault(False)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)
        self.redo_button.clicked.connect(lambda: self._chosen(self.redo_requested))
        self.drop_button.clicked.connect(lambda: self._chosen(self.drop_requested))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(buttons)
        self.set_changes([])

    def set_changes(self, changes: Sequence) -> None:  # offline.JournalEntry
        """Show ``changes`` (the copy's refused ones)."""
        self.table.setRowCount(len(changes))
        for row, entry in enumerate(changes):
            for column, value in enumerate((str(entry.id), when(entry.at), entry.summary(),
                                            entry.why or "")):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, entry.id)
                item.setToolTip(value)
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.intro.setText(
            f"{len(changes)} change(s) made offline were refused by the source and are kept "
            f"here, not synced. Redo one to send it again, or drop it." if changes else
            "Every change made offline has been synced.")
        if changes:
            self.table.selectRow(0)
        self._update_buttons()

    def chosen_id(self) -> int | None:
        items = self.table.selectedItems()
        return int(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def _update_buttons(self) -> None:
        chosen = self.chosen_id() is not None
        self.redo_button.setEnabled(chosen)
        self.drop_button.setEnabled(chosen)

    def _chosen(self, signal: Signal) -> None:
        change_id = self.chosen_id()
        if change_id is not None:
            signal.emit(change_id)  # type: ignore[attr-defined]


class LockedCopyPage(QWidget):
    """What the window shows instead of a locked copy's data: why, and Sync now."""

    def __init__(self, reason: str, sync: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("locked_copy")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.label = QLabel(f"The data is hidden: {reason}.")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.label)
        self.sync_button = QPushButton("&Sync now…")
        self.sync_button.clicked.connect(sync)
        layout.addWidget(self.sync_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
