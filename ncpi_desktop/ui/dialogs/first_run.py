"""The first run: no database was given and none is remembered, so the window offers the ways in
(README, "The first run"): create a new database and its first administrator, open one, take an
offline copy from a server, or open the demo.

What each way does is handed in (``FirstRunServices``: the application gives the real ones,
``ui.app.first_run_services``; a test gives fakes), and each gives a signed-in session: the
dialog is accepted with it, or rejected (Cancel: the application ends, having opened nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.domain.security import MIN_PASSWORD_LENGTH
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import one_line
from ncpi_desktop.ui.core.session import REFUSALS, Session
from ncpi_desktop.ui.core.settings import APP_NAME

DATABASE_FILTER = "Databases (*.sqlite3 *.sqlite *.db);;All files (*)"
#: The tooltip of "Take an offline copy" where this window cannot take one.
OFFLINE_UNAVAILABLE = ("Not available from here: open the shared server's database, then use "
                       "File › Take offline…, or run `ncpi-desktop offline take`.")


@dataclass(frozen=True)
class NewDatabase:
    """What the create form asks for: the file and its first administrator."""

    location: str
    user_name: str
    display_name: str
    password: str


@dataclass(frozen=True)
class FirstRunServices:
    """The ways in. Each returns a signed-in session, None when the user cancelled a step of
    its own (a sign-in), or raises one of ``REFUSALS`` to say in a line why not."""

    #: Make the database and its first administrator (``storage.users.create_database``, as
    #: ``ncpi-desktop init``), signed in as them.
    create: Callable[[NewDatabase], Session | None]
    #: Sign in to the database at this path or URL.
    open: Callable[[str], Session | None]
    #: Build the demo when it is missing, then sign in to it.
    demo: Callable[[], Session | None]
    #: Where a new database goes unless the user chooses another place.
    default_location: str
    #: Take an offline copy from a server (None: not in this version).
    offline: Callable[[], Session | None] | None = None


class FirstRunDialog(QDialog):
    """The four ways in, and the form for a new database; ``session`` once accepted."""

    def __init__(self, services: FirstRunServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        #: The signed-in session, once accepted.
        self.session: Session | None = None
        self.setWindowTitle(f"Welcome — {APP_NAME}")
        self.setAccessibleName("First run")
        self.setMinimumWidth(560)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._choices())
        self.form = NewDatabaseForm(services.default_location, self)
        self.form.create_requested.connect(self._create)
        self.form.back.clicked.connect(lambda: self.show_page(0))
        self.pages.addWidget(self.form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    def _choices(self) -> QWidget:
        page = QWidget(self)
        heading = QLabel(f"Welcome to {APP_NAME}", page)
        heading.setStyleSheet("font-size: 17px; font-weight: 600;")
        intro = QLabel("No register is open yet. Choose how to start:", page)
        self.message = _message_label(page)
        self.create_button = self._choice(
            "&Create a new database…", "An empty, encrypted register on this computer, and "
            "its first administrator (you). Then load an extract with File › Import.",
            lambda: self.show_page(1))
        self.open_button = self._choice(
            "&Open a database…", "A database file someone gave you (with its key file "
            "beside it), then sign in with your user name and password.", self._open)
        self.offline_button = self._choice(
            "&Take an offline copy from a server…", "Your caseload from the shared server, "
            "to work on without a network and sync back.", self._offline)
        if self._services.offline is None:
            self.offline_button.setEnabled(False)
            self.offline_button.setToolTip(OFFLINE_UNAVAILABLE)
        self.demo_button = self._choice(
            "Open the &demo", "Lancashire's register of 2017 as the inspectors found it, with "
            "made-up people, signed in as its manager (every demo user's password is "
            "demo-password). Built the first time: a few seconds.", self._demo)
        cancel = QPushButton("Quit", page)
        cancel.setToolTip("Open nothing and close the application")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        layout = QVBoxLayout(page)
        layout.addWidget(heading)
        layout.addWidget(intro)
        for button in (self.create_button, self.open_button, self.offline_button,
                       self.demo_button):
            layout.addWidget(button)
            layout.addWidget(button.property("description_label"))
        layout.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(cancel)
        layout.addLayout(row)
        return page

    def _choice(self, text: str, description: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.setAccessibleDescription(description)
        button.setAutoDefault(False)
        button.setStyleSheet("text-align: left; padding: 6px 10px; font-weight: 600;")
        button.clicked.connect(slot)
        label = QLabel(description, self)
        label.setObjectName("muted")
        label.setWordWrap(True)
        label.setContentsMargins(12, 0, 0, 6)
        button.setProperty("description_label", label)
        return button

    def show_page(self, index: int) -> None:
        """0: the choices; 1: the new database's form."""
        self.pages.setCurrentIndex(index)
        if index == 1:
            self.form.user_edit.setFocus()

    def say(self, text: str) -> None:
        """Why the last choice did not open a register (one line)."""
        self.message.setText(text)

    def _finish(self, attempt: Callable[[], Session | None], say: Callable[[str], None]) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            session = attempt()
        except REFUSALS as refused:
            say(one_line(refused))
            return
        finally:
            QApplication.restoreOverrideCursor()
        if session is not None:
            self.session = session
            self.accept()

    def _create(self, new: NewDatabase) -> None:
        self._finish(lambda: self._services.create(new), self.form.say)

    def _open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open database", "", DATABASE_FILTER)
        if path:
            self._finish(lambda: self._services.open(path), self.say)

    def _offline(self) -> None:
        if self._services.offline is not None:
            self._finish(self._services.offline, self.say)

    def _demo(self) -> None:
        self.say("Opening the demo (building it the first time: a few seconds)…")
        self.message.repaint()  # seen before the work starts
        self._finish(self._services.demo, self.say)


def _message_label(parent: QWidget) -> QLabel:
    label = QLabel("", parent)
    label.setAccessibleName("Why it did not open")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {style.WARNING_FOREGROUND}; font-weight: 600;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class NewDatabaseForm(QWidget):
    """Where the new database goes and its first administrator: user name, display name and the
    password twice. ``create_requested(NewDatabase)`` once the fields are filled and agree."""

    create_requested = Signal(object)

    def __init__(self, location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel("A new database", self)
        heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        intro = QLabel("The database is encrypted; its key file is kept beside it (keep the two "
                       "together). Its first user is an administrator and manager: add the "
                       "others with Manage › Users.", self)
        intro.setWordWrap(True)
        self.location_edit = QLineEdit(location, self)
        self.location_edit.setAccessibleName("Database file")
        browse = QPushButton("Choose…", self)
        browse.setToolTip("Choose where the new database file goes")
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.location_edit, 1)
        where.addWidget(browse)
        self.user_edit = self._edit("User name")
        self.display_edit = self._edit("Display name")
        self.password_edit = self._edit("Password", secret=True)
        self.again_edit = self._edit("Password again", secret=True)
        self.again_edit.returnPressed.connect(self.attempt)
        form = QFormLayout()
        where_label = QLabel("Database &file", self)
        where_label.setBuddy(self.location_edit)
        form.addRow(where_label, where)
        form.addRow("&User name", self.user_edit)
        form.addRow("&Display name", self.display_edit)
        form.addRow("&Password", self.password_edit)
        form.addRow("Password &again", self.again_edit)
        hint = QLabel(f"At least {MIN_PASSWORD_LENGTH} characters.", self)
        hint.setObjectName("muted")
        self.message = _message_label(self)
        self.back = QPushButton("Back", self)
        self.back.setAutoDefault(False)
        self.create_button = QPushButton("Create and sign in", self)
        self.create_button.setAccessibleName("Create and sign in")
        self.create_button.setAutoDefault(False)
        self.create_button.clicked.connect(self.attempt)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        for item in (heading, intro):
            layout.addWidget(item)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def _edit(self, name: str, *, secret: bool = False) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setAccessibleName(name)
        edit.setMaxLength(1000 if secret else 200)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New database", self.location_edit.text(),
                                              DATABASE_FILTER)
        if path:
            self.location_edit.setText(path)

    def say(self, text: str) -> None:
        self.message.setText(text)

    def attempt(self) -> None:
        """Check the fields agree, then ask for the database (``create_requested``)."""
        location = self.location_edit.text().strip()
        user = self.user_edit.text().strip()
        password = self.password_edit.text()
        if not (location and user and password):
            self.say("Give the database file, a user name and a password.")
            return
        if password != self.again_edit.text():
            self.again_edit.clear()
            self.say("The two passwords differ: type the password again.")
            self.again_edit.setFocus()
            return
        self.say("")
        display = self.display_edit.text().strip() or user
        self.create_requested.emit(NewDatabase(location, user, display, password))
