"""File › Take offline…, Sync now and Offline changes…, the status bar's "offline" line, and the
lock of a copy not synced for the policy's days (SERVER.md, "Offline laptops").

The copy's own engine is the window's: a sync rebuilds the file beside it and renames it into
place, so once it is done the window's engine lets go of the old file (``dispose``) and the
window reads the refreshed copy. A password is asked for each take and sync: the window keeps
none.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMessageBox, QWidget

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.storage import offline
from ncpi_desktop.storage.database import sqlite_file
from ncpi_desktop.ui.core.context import AppContext, one_line
from ncpi_desktop.ui.core.session import REFUSALS, Session, sign_in
from ncpi_desktop.ui.core.workers import Job, run_job
from ncpi_desktop.ui.dialogs.offline import (
    LockedCopyPage,
    RefusedChangesDialog,
    TakeOfflineDialog,
    ask_password,
    when,
)

#: (parent, user name, source) -> the password typed, or None when cancelled.
AskPassword = Callable[[QWidget | None, str, str], str | None]
#: Failures a take or a sync says in one line.
EXPECTED = (*REFUSALS, offline.SourceUnreachable, OSError)


class OfflineActions(QObject):
    """The offline items of one window."""

    def __init__(self, context: AppContext, *, before: QAction | None = None,
                 ask: AskPassword = ask_password) -> None:
        super().__init__(context)
        self.setObjectName("offline_actions")
        self.context = context
        self._ask = ask
        parent = context.dialog_parent
        self.take_action = QAction("Take &offline…", parent)
        self.take_action.triggered.connect(self.take_offline)
        self.sync_action = QAction("S&ync now", parent)
        self.sync_action.triggered.connect(lambda: self.sync_now())
        self.changes_action = QAction("Offline &changes…", parent)
        self.changes_action.triggered.connect(self.show_refused)
        menu = context.menu("&File")
        menu.setToolTipsVisible(True)
        for action in (self.take_action, self.sync_action, self.changes_action):
            if before is not None:
                menu.insertAction(before, action)
            else:
                menu.addAction(action)
        if before is not None:
            menu.insertSeparator(before)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Offline copy")
        context.add_status_widget(self.status_label)
        self.job: Job | None = None
        self.dialog: QDialog | None = None
        self.result: offline.SyncResult | None = None
        self._covered: QWidget | None = None
        #: The last message shown (not modal: the window carries on).
        self.message: QMessageBox | None = None
        context.database_changed.connect(lambda _location: self.update())
        self.update()

    # --- what is open -----------------------------------------------------------------------

    def info(self) -> offline.CopyInfo | None:
        engine = self.context.engine
        if engine is None:
            return None
        try:
            return offline.info(engine)
        except Exception:  # noqa: BLE001 - a database that cannot be read is no copy here
            return None

    def copy_path(self) -> Path | None:
        engine = self.context.engine
        return sqlite_file(engine.url) if engine is not None else None

    @property
    def user_name(self) -> str:
        return self.context.user.user_name

    def update(self) -> None:
        """The status line, which items apply, and the lock."""
        found = self.info()
        signed_in = bool(self.user_name)
        self.take_action.setEnabled(signed_in and found is None and self.context.engine
                                    is not None)
        self.take_action.setToolTip(
            "This is an offline copy: take another from its source" if found else
            "An encrypted copy of a caseload, team or BCU to work on with no network")
        for action in (self.sync_action, self.changes_action):
            action.setEnabled(found is not None)
            action.setToolTip("" if found else "Only an offline copy is synced")
        self.status_label.setVisible(found is not None)
        if found is None:
            self._uncover()
            return
        self.status_label.setText(
            f"Offline: {found.scope} from {found.source} since {when(found.taken_at)}; last "
            f"synced {when(found.synced_at)}")
        reason = offline.lock_reason(self.context.engine)  # type: ignore[arg-type]
        if reason is None:
            self._uncover()
        else:
            self._cover(reason)

    # --- the lock -----------------------------------------------------------------------------

    def _window(self) -> QMainWindow:
        return self.context.dialog_parent  # type: ignore[return-value]

    def _cover(self, reason: str) -> None:
        if self._covered is not None:
            self._covered_page.label.setText(f"The data is hidden: {reason}.")
            return
        window = self._window()
        self._covered = window.takeCentralWidget()
        self._covered_page = LockedCopyPage(reason, lambda: self.sync_now())
        window.setCentralWidget(self._covered_page)

    @property
    def locked(self) -> bool:
        return self._covered is not None

    def _uncover(self) -> None:
        if self._covered is None:
            return
        window = self._window()
        page = window.takeCentralWidget()
        if page is not None:
            page.deleteLater()
        window.setCentralWidget(self._covered)
        self._covered.show()
        self._covered = None

    # --- take -----------------------------------------------------------------------------------

    def _source_target(self) -> str:
        session: Session | None = getattr(self.context, "session", None)
        return str(session.target) if session is not None else self.context.location

    def take_offline(self) -> None:
        dialog = TakeOfflineDialog(self.context.location, self.context.user,
                                   self.context.dialog_parent)
        self.dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.take(*dialog.values())

    def take(self, scope: str, out: str, password: str) -> Job:
        """Take ``scope`` into ``out`` on a worker; a message says where it went."""
        source, user = self._source_target(), self.user_name

        def work(_progress: Any, _cancel: Any) -> Path:
            return offline.take_offline(source, scope, out, user, password)

        def done(path: Path) -> None:
            self.context.show_status(f"Offline copy of {scope} written to {path}", 15_000)
            box = QMessageBox(QMessageBox.Icon.Information, "Take offline",
                              f"The offline copy of {scope} is in {path}. Open it with File › "
                              f"Open and sign in as {user} to work offline.",
                              QMessageBox.StandardButton.Ok, self.context.dialog_parent)
            self.message = box
            box.open()

        self.job = run_job(self.context.dialog_parent, "Take offline", work, on_success=done,
                           expected=EXPECTED, cancellable=False, label="Taking a copy…")
        return self.job

    # --- sync -------------------------------------------------------------------------------

    def sync_now(self, password: str | None = None) -> Job | None:
        """Send the copy's changes, refresh it, and show what the source refused."""
        found, path, engine = self.info(), self.copy_path(), self.context.engine
        if found is None or path is None or engine is None:
            return None
        if password is None:
            password = self._ask(self.context.dialog_parent, self.user_name, found.source)
            if password is None:
                return None
        user = self.user_name

        def work(progress: Any, _cancel: Any) -> offline.SyncResult:
            return offline.sync(path, user, password, decide=record_decision,
                                progress=progress)

        def done(result: offline.SyncResult) -> None:
            engine.dispose()  # the copy was rebuilt and renamed: let go of the old file
            # What the undo stack holds was done to the copy as it was: sent, or refused.
            self.context.undo_stack.clear()
            self.result = result
            self.context.show_status(
                f"Synced: {result.applied} change(s) applied, {len(result.refused)} refused",
                15_000)
            self.update()
            self.context.reload()
            if offline.changes(engine, "refused"):
                self.show_refused()
            elif isinstance(self.dialog, RefusedChangesDialog):
                self.dialog.set_changes([])  # what it listed is synced now

        def failed(error: BaseException) -> None:
            engine.dispose()
            self.context.show_error("Sync now", one_line(error))

        self.job = run_job(self.context.dialog_parent, "Sync now", work, on_success=done,
                           on_failure=failed, expected=EXPECTED, cancellable=False,
                           label="Syncing with the source…")
        return self.job

    # --- refused changes ------------------------------------------------------------------------

    def show_refused(self) -> RefusedChangesDialog | None:
        engine = self.context.engine
        if engine is None or self.info() is None:
            return None
        dialog = self.dialog if isinstance(self.dialog, RefusedChangesDialog) else None
        if dialog is None:
            dialog = RefusedChangesDialog(self.context.dialog_parent)
            dialog.redo_requested.connect(self.redo)
            dialog.drop_requested.connect(self.drop)
            self.dialog = dialog
        dialog.set_changes(offline.changes(engine, "refused"))
        dialog.show()
        return dialog

    def redo(self, change_id: int) -> None:
        engine = self.context.engine
        if engine is None:
            return
        try:
            offline.redo(engine, change_id)
        except offline.JournalError as exc:
            self.context.show_error("Redo", str(exc))
            return
        self.sync_now()

    def drop(self, change_id: int) -> None:
        engine = self.context.engine
        if engine is None:
            return
        try:
            entry = offline.drop(engine, change_id, self.user_name)
        except offline.JournalError as exc:
            self.context.show_error("Drop", str(exc))
            return
        self.context.show_status(f"Dropped change {entry.id}: {entry.summary()}", 10_000)
        if isinstance(self.dialog, RefusedChangesDialog):
            self.dialog.set_changes(offline.changes(engine, "refused"))


def locked_copy_gate(session: Session, parent: QWidget | None = None,
                     ask: AskPassword = ask_password) -> Session | None:
    """Before the window shows anything: a copy locked for want of a sync is synced first (its
    password asked again), then signed in to afresh; None when the user gives up."""
    reason = offline.lock_reason(session.engine)
    if reason is None:
        return session
    found = offline.info(session.engine)
    assert found is not None
    answer = QMessageBox.question(parent, "Offline copy locked",
                                  f"The data is hidden: {reason}. Sync now?")
    if answer != QMessageBox.StandardButton.Yes:
        return None
    password = ask(parent, session.user.user_name, found.source)
    if password is None:
        return None
    session.engine.dispose()
    try:
        offline.sync(session.target, session.user.user_name, password, decide=record_decision)
    except EXPECTED as exc:
        QMessageBox.warning(parent, "Sync now", one_line(exc))
        return None
    return sign_in(session.target, session.user.user_name, password)
