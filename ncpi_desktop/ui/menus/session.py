"""Who is signed in to the window (SECURITY.md, "Signing in"): the status bar says who, File ›
Sign out, File › Open's sign-in to another database, and the idle lock.

``SignedIn`` is built by the application once the sign-in dialog has given a session. After the
policy's idle minutes without a key press or mouse use (``core.idle``), the window is locked:
dialogs that show data are closed, docks hidden, the central widget (every page) is taken out of
the window and a ``LockPage`` stands in its place, the menus and toolbars are disabled and every
shortcut swallowed, until the same user's password passes the same sign-in check. Lock, unlock
and sign-out each leave an ``access`` row in the audit log (``record``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressDialog,
    QToolBar,
    QWidget,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.formats import fmt_number
from ncpi_desktop.storage.database import shown_location
from ncpi_desktop.ui.core.context import AppContext, one_line
from ncpi_desktop.ui.core.idle import IdleWatch
from ncpi_desktop.ui.core.session import Session, SignIn, roles_text
from ncpi_desktop.ui.dialogs.sign_in import LockPage, ask_sign_in

#: An access row of the audit log: (engine, actor, action).
Record = Callable[[Engine, str, str], None]


def attach(context: AppContext, session: Session) -> None:
    """The window's context now works for ``session``'s user (``context.user``, the audit's
    actor, whose names a page may show) over its engine."""
    context.session = session  # type: ignore[attr-defined]
    context.set_user(session.user)


class SignedIn(QObject):
    """The signed-in session of one window: status, Sign out, the lock."""

    #: The window was locked (True) or unlocked (False).
    locked_changed = Signal(bool)

    def __init__(self, window: QMainWindow, context: AppContext, session: Session, *,
                 sign_in_to: Callable[[str | None], SignIn], record: Record,
                 show_database: Callable[[Engine], None], before: QAction | None = None
                 ) -> None:
        super().__init__(context)
        self.setObjectName("signed_in")
        self._window, self._context = window, context
        self._sign_in_to, self._record, self._show_database = sign_in_to, record, show_database
        self.session = session
        self._central: QWidget | None = None
        self._hidden_docks: list[QDockWidget] = []
        self.lock_page: LockPage | None = None
        self.user_label = QLabel(window)
        self.user_label.setAccessibleName("Signed in as")
        window.statusBar().addPermanentWidget(self.user_label)
        self.sign_out_action = QAction("Sign &out", window)
        self.sign_out_action.setStatusTip("Close the register so that someone else can sign in")
        self.sign_out_action.triggered.connect(self.sign_out)
        file_menu = context.menu("&File")
        if before is not None:
            file_menu.insertAction(before, self.sign_out_action)
        else:
            file_menu.addAction(self.sign_out_action)
        self.watch = IdleWatch(context.policy.idle_lock_minutes, window, self)
        self.watch.idle.connect(self.lock_idle)
        context.figures_changed.connect(self._on_figures)
        attach(context, session)
        self._show_user()

    # --- state ------------------------------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._central is not None

    @property
    def user_name(self) -> str:
        return self.session.user.user_name

    def _show_user(self) -> None:
        user = self.session.user
        self.user_label.setText(f"Signed in: {user.display_name}")
        self.user_label.setToolTip(f"{user.user_name} ({roles_text(user.roles)}; scope "
                                   f"{user.scope})")

    def _on_figures(self, _figures: object) -> None:
        self.watch.set_minutes(self._context.policy.idle_lock_minutes)

    def _audit(self, action: str) -> None:
        """The access row for ``action``; a database that cannot take it (read-only) is said
        in the status bar, and the lock still works."""
        try:
            self._record(self.session.engine, self.user_name, action)
        except SQLAlchemyError as exc:
            self._context.show_status(f"The audit log could not record the {action}: "
                                      f"{one_line(exc)}")

    # --- the lock ---------------------------------------------------------------------------

    def lock_idle(self) -> None:
        minutes = fmt_number(self._context.policy.idle_lock_minutes)
        self.lock(f"Locked after {minutes} minute(s) without use.")

    def lock(self, reason: str = "") -> None:
        """Hide every piece of data until the password is given again."""
        if self.locked:
            return
        self._cover()
        assert self.lock_page is not None
        self.lock_page.set_reason(self.session.user.display_name, reason)
        self._audit("lock")
        self.locked_changed.emit(True)

    def _cover(self) -> None:
        """Close data dialogs, hide docks, take the pages out and stand the lock page in."""
        window = self._window
        self.watch.pause()
        self.watch.block(True)
        close_data_dialogs(window)
        self._hidden_docks = [d for d in window.findChildren(QDockWidget) if d.isVisible()]
        for dock in self._hidden_docks:
            dock.hide()
        self._central = window.takeCentralWidget()
        page = LockPage(self._sign_in_to(self.session.target), self.user_name,
                        self.session.user.display_name)
        page.unlocked.connect(self._unlocked)
        page.sign_out_requested.connect(self.sign_out)
        window.setCentralWidget(page)
        self.lock_page = page
        self._set_chrome(False)
        page.prompt.focus()

    def _uncover(self) -> None:
        window = self._window
        page, self.lock_page = self.lock_page, None
        if page is not None:
            window.takeCentralWidget()
            page.deleteLater()
        central, self._central = self._central, None
        if central is not None:
            window.setCentralWidget(central)
            central.show()  # taken out of the window, it was hidden
        for dock in self._hidden_docks:
            dock.show()
        self._hidden_docks = []
        self._set_chrome(True)
        self.watch.block(False)
        self.watch.restart()

    def _set_chrome(self, enabled: bool) -> None:
        self._window.menuBar().setEnabled(enabled)
        for bar in self._window.findChildren(QToolBar):
            bar.setEnabled(enabled)

    def _unlocked(self, check: Session) -> None:
        if check.engine is not self.session.engine:
            check.engine.dispose()  # the check opened the database once more: not needed
        self._uncover()
        self._audit("unlock")
        self.locked_changed.emit(False)

    # --- signing out and in ---------------------------------------------------------------

    def sign_out(self) -> None:
        """Hide the data, record the sign-out, and ask who signs in next (Cancel: quit)."""
        if not self.locked:
            self._cover()
        self._audit("sign-out")
        assert self.lock_page is not None
        self.lock_page.hide()
        target = self.session.target
        session = ask_sign_in(self._sign_in_to(target), shown_location(target),
                              parent=self._window)
        if session is None:
            self._window.close()
            return
        self.switch(session)

    def switch(self, session: Session) -> None:
        """Work for ``session`` from now on (another user, or another database)."""
        previous = self.session
        self.session = session
        attach(self._context, session)
        self._show_user()
        if self.locked:
            self._uncover()
            self.locked_changed.emit(False)
        if session.engine is not previous.engine:
            self._show_database(session.engine)

    def open_database(self, target: str) -> Engine | None:
        """File › Open: sign in to ``target`` (the engine), or None when cancelled."""
        session = ask_sign_in(self._sign_in_to(target), shown_location(target),
                              user_name=self.user_name, parent=self._window)
        if session is None:
            return None
        self._audit("sign-out")
        self.session = session
        attach(self._context, session)
        self._show_user()
        return session.engine


def close_data_dialogs(window: QWidget) -> list[QDialog]:
    """Close every open dialog of the application (a detail panel, a preview, a message), but
    not a progress dialog: closing it would cancel the work under way, and it shows no data."""
    closed = []
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible() \
                and not isinstance(widget, QProgressDialog) and widget is not window:
            widget.reject()
            widget.hide()
            closed.append(widget)
    return closed
