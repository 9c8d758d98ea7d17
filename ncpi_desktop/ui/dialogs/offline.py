"""The dialogs of offline copies (SERVER.md, "Offline laptops"): File › Take offline… (what to
take, where, and the password that will unlock it), the password a sync needs, the changes the
source refused (each with why, to redo or drop), and the page that stands in for a copy's data
while it is locked for want of a sync."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.domain.security import ScopeKind, User
from ncpi_desktop.formats import Kind, uk_datetime
from ncpi_desktop.ui.core.context import one_line
from ncpi_desktop.ui.core.session import REFUSALS
from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel
from ncpi_desktop.ui.widgets.tables import data_table

COPY_FILTER = "Offline copies (*.db *.sqlite3);;All files (*)"
#: The offline dialogs' least width, in which their fields' hints are not cut short.
DIALOG_WIDTH = 520


def when(at: datetime) -> str:
    """A time as the dialogs show it: DD/MM/YYYY HH:MM, local time."""
    local = at.astimezone()
    return uk_datetime(local)


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

    def __init__(self, source: str, user: User | None, parent: QWidget | None = None, *,
                 intro: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Take offline")
        self.setObjectName("take_offline")
        self.setMinimumWidth(DIALOG_WIDTH)  # the fields' hints read whole
        layout = QVBoxLayout(self)
        if intro is None:
            name = user.user_name if user is not None else "you"
            intro = (f"An encrypted copy of part of {source} for {name} to work on with no "
                     f"network. Sync it back with File › Sync now.")
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.form = form = QFormLayout()
        self.scope_edit = QLineEdit(default_scope(user) if user is not None else "")
        self.scope_edit.setPlaceholderText("caseload:OM009, team:East 1 or bcu:East")
        self.scope_edit.setAccessibleName("Scope to take")
        form.addRow("&Scope:", self.scope_edit)
        self.out_edit = QLineEdit()
        self.out_edit.setAccessibleName("Offline copy file")
        form.addRow(_buddy("&File:", self.out_edit), _with_browse(self.out_edit, self._browse))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName("Your password")
        form.addRow("Your &password:", self.password_edit)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Take offline")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Offline copy", "", COPY_FILTER)
        if path:
            self.out_edit.setText(path)

    def values(self) -> tuple[str, str, str]:
        """(scope, file, password) as given."""
        return (self.scope_edit.text().strip(), self.out_edit.text().strip(),
                self.password_edit.text())


def _buddy(text: str, field: QWidget) -> QLabel:
    """A form row's label whose "&" shortcut goes to ``field`` (a row of a field and a button
    gives its label no field, and the label would show the "&")."""
    label = QLabel(text)
    label.setBuddy(field)
    return label


def _with_browse(edit: QLineEdit, browse: Callable[[], None]) -> QHBoxLayout:
    """``edit`` with a Browse… button beside it."""
    button = QPushButton("&Browse…")
    button.setAutoDefault(False)
    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(edit)
    row.addWidget(button)
    return row


@dataclass(frozen=True)
class FirstCopy:
    """What the first run's offline copy asks: the source (a SQLite file or a PostgreSQL URL),
    who signs in to it and their password, the scope ("" for the user's own caseload, team or
    BCU) and the new file."""

    source: str
    user_name: str
    password: str
    scope: str
    out: str


class FirstCopyDialog(TakeOfflineDialog):
    """The first run's "Take an offline copy from a server": ``TakeOfflineDialog`` with the
    source and the user name above its rows. OK tries ``take`` (sign in to the source, take the
    copy, sign in to it); a refusal is said in the dialog, which stays; ``session`` once
    accepted."""

    def __init__(self, take: Callable[[FirstCopy], Any], out: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__("", None, parent, intro=(
            "An encrypted copy of your caseload, team or BCU from the shared server (or a "
            "register file), to work on with no network. Sync it back with File › Sync now."))
        self.setWindowTitle("Take an offline copy")
        self.setObjectName("first_copy")
        self._take = take
        self.session: Any = None
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("postgresql://server/ncpi or a register file")
        self.source_edit.setAccessibleName("Source")
        self.user_edit = QLineEdit()
        self.user_edit.setAccessibleName("User name")
        self.form.insertRow(0, _buddy("S&ource:", self.source_edit),
                            _with_browse(self.source_edit, self._browse_source))
        self.form.insertRow(1, "&User name:", self.user_edit)
        self.scope_edit.setPlaceholderText("Blank: your own caseload, team or BCU")
        self.out_edit.setText(out)
        self.message = QLabel("")
        self.message.setAccessibleName("Why it was not taken")
        self.message.setWordWrap(True)
        self.layout().insertWidget(2, self.message)
        self.ok_button.setText("&Take and sign in")

    def _browse_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Source register", "", COPY_FILTER)
        if path:
            self.source_edit.setText(path)

    def copy(self) -> FirstCopy:
        scope, out, password = self.values()
        return FirstCopy(self.source_edit.text().strip(), self.user_edit.text().strip(),
                         password, scope, out)

    def say(self, text: str) -> None:
        self.message.setText(text)

    def accept(self) -> None:
        wanted = self.copy()
        if not (wanted.source and wanted.user_name and wanted.password and wanted.out):
            self.say("Give the source, your user name, your password and the copy's file.")
            return
        self.say("Taking the copy…")
        self.message.repaint()
        try:
            session = self._take(wanted)
        except REFUSALS as refused:
            self.say(one_line(refused))
            return
        if session is not None:
            self.session = session
            super().accept()


class PasswordDialog(QDialog):
    """The signed-in user's password, which a sync needs (to unlock the copy and sign in to its
    source)."""

    def __init__(self, user_name: str, source: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync now")
        self.setMinimumWidth(DIALOG_WIDTH * 3 // 4)
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


#: The refused changes' columns: each with when it was made, what, and why it was refused.
REFUSED_COLUMNS = (
    Column("id", "Change", Kind.INT),
    Column("made", "Made", Kind.DATETIME, header_tip="When the change was made offline"),
    Column("what", "What", text_tip=True),
    Column("why", "Why refused", text_tip=True),
)


def refused_frame(changes: Sequence) -> pd.DataFrame:  # offline.JournalEntry
    """One row per refused change, as the dialog lists them."""
    return pd.DataFrame({
        "id": pd.Series([entry.id for entry in changes], dtype="int64"),
        "made": pd.Series([_local(entry.at) for entry in changes], dtype="datetime64[ns]"),
        "what": pd.Series([entry.summary() for entry in changes], dtype=object),
        "why": pd.Series([entry.why or "" for entry in changes], dtype=object),
    })


def _local(at: datetime) -> datetime:
    """``at`` in local time, as ``when`` writes it (a naive time the table can sort)."""
    return at.astimezone().replace(tzinfo=None)


class RefusedChangesDialog(QDialog):
    """The changes the source refused, each with when it was made, what, and why; Redo sends the
    chosen one again (with the source's checks, but not the "as seen" one), Drop gives it up."""

    redo_requested = Signal(int)
    drop_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Changes the source refused")
        self.setObjectName("refused_changes")
        self.resize(820, 320)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.model = DataFrameTableModel(REFUSED_COLUMNS, parent=self)
        self.table = data_table(self.model, self, name="Refused changes")
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # in the order they were made
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
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout.addWidget(buttons)
        self.set_changes([])

    def set_changes(self, changes: Sequence) -> None:  # offline.JournalEntry
        """Show ``changes`` (the copy's refused ones), the first chosen."""
        self.model.set_frame(refused_frame(changes))
        self.table.resizeColumnsToContents()
        self.intro.setText(
            f"{len(changes)} change(s) made offline were refused by the source and are kept "
            f"here, not synced. Redo one to send it again, or drop it." if changes else
            "Every change made offline has been synced.")
        if changes:
            self.table.selectRow(0)
        self._update_buttons()

    def rows(self) -> list[tuple[str, ...]]:
        """The table's text, row by row, as the user reads it."""
        model = self.model
        return [tuple(model.index(row, column).data() for column in range(model.columnCount()))
                for row in range(model.rowCount())]

    def chosen_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= self.model.rowCount():
            return None
        return int(self.model.frame_row(rows[0].row())["id"])

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
