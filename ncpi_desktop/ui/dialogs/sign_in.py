"""Signing in (SECURITY.md, "Signing in"): the dialog before any data is shown, and the lock page
that covers the window after the policy's idle minutes until the password is given again.

Both are built on ``PasswordPrompt``: a user name (fixed on the lock page), a password, one line
saying why the last attempt was refused (never which of name or password was wrong: the check's
own message is shown), and, after five failures in a row (``SlowDown``), a countdown during which
nothing can be tried. The check itself is a callable handed in (``ui.core.session.SignIn``), so
what a dialog shows is tested with a fake.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import one_line
from ncpi_desktop.ui.core.session import REFUSALS, Session, SignIn, SlowDown
from ncpi_desktop.ui.core.settings import APP_NAME


class PasswordPrompt(QWidget):
    """User name, password, the last refusal, a countdown after too many failures.

    ``signed_in(session)`` when ``sign_in`` accepts the name and password."""

    signed_in = Signal(object)

    def __init__(self, sign_in: SignIn, *, user_name: str = "", fixed_name: bool = False,
                 action: str = "Sign in", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sign_in = sign_in
        self._left = 0
        self.name_edit = QLineEdit(user_name, self)
        self.name_edit.setAccessibleName("User name")
        self.name_edit.setReadOnly(fixed_name)
        self.name_edit.setMaxLength(200)
        self.password_edit = QLineEdit(self)
        self.password_edit.setAccessibleName("Password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setMaxLength(1000)
        self.message = QLabel("", self)
        self.message.setObjectName("refusal")
        self.message.setAccessibleName("Why the sign-in was refused")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {style.WARNING_FOREGROUND}; font-weight: 600;")
        # Room for two lines from the start, so a refusal never squeezes the fields.
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing() + 4)
        self.message.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.button = QPushButton(action, self)
        self.button.setAccessibleName(action)
        # Return in a field tries once (``returnPressed``); the button is not a dialog's
        # default button too, or Return would try twice.
        self.button.setAutoDefault(False)
        self.button.clicked.connect(self.attempt)
        self.name_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self.attempt)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        form = QFormLayout()
        form.addRow("&User name", self.name_edit)
        form.addRow("&Password", self.password_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.message)
        #: The row of buttons (a dialog adds its Cancel here).
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addWidget(self.button)
        layout.addLayout(self.buttons)

    @property
    def waiting(self) -> int:
        """Seconds left before the next attempt may be made (0: it may be made now)."""
        return self._left

    def focus(self) -> None:
        """Put the cursor where the user types next."""
        edit = self.password_edit if self.name_edit.text().strip() else self.name_edit
        edit.setFocus()

    def attempt(self) -> None:
        """Try the name and password once (nothing while a countdown runs)."""
        if self._left > 0:
            return
        name, password = self.name_edit.text().strip(), self.password_edit.text()
        if not name or not password:
            self.say("Type your user name and password.")
            self.focus()
            return
        try:
            session = self._sign_in(name, password)
        except SlowDown as slow:
            self.password_edit.clear()
            self.wait(int(getattr(slow, "seconds", 30)))
            return
        except REFUSALS as refused:
            self.password_edit.clear()
            self.say(one_line(refused))
            self.password_edit.setFocus()
            return
        self.password_edit.clear()
        self.message.clear()
        self.signed_in.emit(session)

    def say(self, text: str) -> None:
        """One line saying why the last attempt was refused (replacing the one before)."""
        self.message.setText(text)

    def wait(self, seconds: int) -> None:
        """Count ``seconds`` down, every field and the button disabled until it reaches 0."""
        self._left = max(1, seconds)
        self._enable(False)
        self._show_wait()
        self._ticker.start()

    def _tick(self) -> None:
        self._left -= 1
        if self._left > 0:
            self._show_wait()
            return
        self._ticker.stop()
        self._left = 0
        self._enable(True)
        self.say("You may try again now.")
        self.focus()

    def _show_wait(self) -> None:
        self.say(f"Too many failed attempts in a row: wait {self._left} s before trying again.")

    def _enable(self, enabled: bool) -> None:
        for widget in (self.name_edit, self.password_edit, self.button):
            widget.setEnabled(enabled)


class SignInDialog(QDialog):
    """Who is opening ``location``: accepted with ``session`` once ``sign_in`` accepts."""

    def __init__(self, sign_in: SignIn, location: str, *, user_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Sign in — {APP_NAME}")
        self.setAccessibleName("Sign in")
        self.setMinimumWidth(460)
        #: The signed-in session, once accepted.
        self.session: Session | None = None
        heading = QLabel("Sign in to open the register", self)
        heading.setObjectName("sectionTitle")
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        where = QLabel(location or "the default database", self)
        where.setAccessibleName("Database")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        marking = QLabel("OFFICIAL-SENSITIVE. Every sign-in, view, change and export is "
                         "recorded in the audit log.", self)
        marking.setWordWrap(True)
        marking.setObjectName("muted")
        self.prompt = PasswordPrompt(sign_in, user_name=user_name, parent=self)
        self.prompt.signed_in.connect(self._signed_in)
        cancel = QPushButton("Cancel", self)
        cancel.setAccessibleName("Cancel")
        cancel.setToolTip("Open nothing")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        self.prompt.buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(where)
        layout.addWidget(marking)
        layout.addSpacing(6)
        layout.addWidget(self.prompt)
        self.prompt.focus()

    def _signed_in(self, session: Session) -> None:
        self.session = session
        self.accept()


def ask_sign_in(sign_in: SignIn, location: str, *, user_name: str = "",
                parent: QWidget | None = None) -> Session | None:
    """Show the sign-in dialog until the user signs in (the session) or cancels (None)."""
    dialog = SignInDialog(sign_in, location, user_name=user_name, parent=parent)
    try:
        return dialog.session if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


#: The lock page's box (a laptop's screen is wider).
BOX_WIDTH = 480


class LockPage(QFrame):
    """What the window shows instead of its data while locked: who it is locked for, their
    password, Unlock, and Sign out (another person signs in)."""

    unlocked = Signal(object)
    sign_out_requested = Signal()

    def __init__(self, sign_in: SignIn, user_name: str, display_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lock_page")
        self.setAccessibleName("Window locked")
        self.setAutoFillBackground(True)
        box = QFrame(self)
        box.setObjectName("lock_box")
        box.setFrameShape(QFrame.Shape.StyledPanel)
        box.setFixedWidth(BOX_WIDTH)
        heading = QLabel("Locked", box)
        heading.setStyleSheet("font-size: 18px; font-weight: 600;")
        self.why = QLabel("", box)
        self.why.setWordWrap(True)
        self.why.setAccessibleName("Why the window is locked")
        self.prompt = PasswordPrompt(sign_in, user_name=user_name, fixed_name=True,
                                     action="Unlock", parent=box)
        self.prompt.signed_in.connect(self.unlocked)
        self.sign_out_button = QPushButton("Sign out", box)
        self.sign_out_button.setAccessibleName("Sign out")
        self.sign_out_button.setAutoDefault(False)
        self.sign_out_button.setToolTip("Close the register so that someone else can sign in")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        self.prompt.buttons.insertWidget(0, self.sign_out_button)
        inner = QVBoxLayout(box)
        inner.addWidget(heading)
        inner.addWidget(self.why)
        inner.addWidget(self.prompt)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.set_reason(display_name, "")

    def set_reason(self, display_name: str, reason: str) -> None:
        """Say whose window this is and why it locked."""
        lead = f"{reason} " if reason else ""
        self.why.setText(f"{lead}The register is hidden until {display_name} gives their "
                         f"password again.")
        # A wrapped label's height depends on its width: say it, or the box squeezes the fields.
        self.why.setMinimumHeight(self.why.heightForWidth(BOX_WIDTH - 24))
