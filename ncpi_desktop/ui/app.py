"""Starting the application: the QApplication, signing in to the first database, the exception
hook.

No data is shown before someone signs in (SECURITY.md): ``run_app`` asks for a user name and
password for the database being opened (Cancel: the application ends, status 0, having opened
nothing), then builds the window over the signed-in session, with the idle lock, File › Sign out
and a sign-in for every database opened later (``menus.session``).
"""

from __future__ import annotations

import os
import sys
from datetime import date
from types import TracebackType

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from ncpi_desktop import __version__
from ncpi_desktop.crash import report_crash
from ncpi_desktop.storage.database import (
    DatabaseError,
    default_database_path,
    open_database,
    shown_location,
)
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.context import one_line
from ncpi_desktop.ui.core.session import Session, record_access, sign_in_to
from ncpi_desktop.ui.core.settings import APP_NAME, APPLICATION, ORGANISATION, THEME, app_settings
from ncpi_desktop.ui.dialogs.sign_in import ask_sign_in
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.offline import locked_copy_gate
from ncpi_desktop.ui.menus.session import SignedIn

#: Message boxes opened by the exception hook, kept alive until closed.
_open_error_boxes: list[QMessageBox] = []


def application() -> QApplication:
    """The one QApplication, named so QSettings and the window manager know it."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    return app


def show_exception(exc_type: type[BaseException], error: BaseException,
                   trace: TracebackType | None) -> None:
    """Write a crash report for an unexpected error (``ncpi_desktop.crash``: 0600, nothing
    personal in it), say the command line's one line on stderr, and show it in a message box,
    instead of the silent abort PySide6 gives an exception escaping a slot. The error's own
    message is not shown: it could quote a name from the register."""
    if error.__traceback__ is None and trace is not None:
        error = error.with_traceback(trace)
    line = report_crash(error, "the window")
    if sys.stderr is not None:
        print(f"ncpi-desktop: {line}", file=sys.stderr)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    parent = app.activeWindow()
    box = QMessageBox(parent if isinstance(parent, QWidget) else None)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(f"{APP_NAME}: unexpected error")
    box.setText(f"Something went wrong: {line}.")
    box.setInformativeText("What you were doing may not have finished. The report holds no "
                           "names or other data from the register; send it to whoever supports "
                           "the application.")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    _open_error_boxes.append(box)
    box.finished.connect(lambda _result, b=box: _open_error_boxes.remove(b))
    box.open()


def install_exception_hook() -> None:
    """Route uncaught exceptions to ``show_exception``."""
    sys.excepthook = show_exception


def build_window(target: str | None, *, settings: QSettings | None = None,
                 as_at: date | None = None, defer: bool = False,
                 background: bool = False, session: Session | None = None) -> MainWindow:
    """The main window over ``target`` (path or URL; None: the default database, created empty
    on first use), or over ``session``'s database for its signed-in user (``signed_in``). A
    database that cannot be opened is explained, and the window opens empty.
    ``defer`` and ``background``: see ``MainWindow`` (the application uses both).
    """
    window = MainWindow(settings=settings, as_at=as_at, defer=defer, background=background)
    if session is not None:
        signed_in(window, session)
        window.set_database(session.engine)
        return window
    try:
        if target is None:
            engine = open_database(default_database_path(), create=True)
        else:
            engine = open_database(target)
    except DatabaseError as exc:
        window.show_error("Cannot open database", one_line(exc))
        window.reload()
        return window
    window.set_database(engine)
    return window


def choose_theme(app: QApplication, theme: str | None = None,
                 settings: QSettings | None = None) -> str:
    """Apply ``theme`` (one of ``style.THEMES``) and remember it for the next run; None: the one
    remembered ("system", following the desktop, until one is chosen). Returns the theme."""
    settings = settings if settings is not None else app_settings()
    if theme is None:
        theme = THEME.read(settings)
        if theme not in style.THEMES:
            theme = "system"
    else:
        THEME.write(settings, theme)
    style.apply_theme(app, theme)
    return theme


def signed_in(window: MainWindow, session: Session) -> SignedIn:
    """Make ``window`` work for ``session``: its user on the context, the status bar, File ›
    Sign out, the idle lock, and a sign-in for File › Open."""
    control = SignedIn(window, window.context, session, sign_in_to=sign_in_to,
                       record=record_access, show_database=window.set_database,
                       before=window.quit_action)
    window.opener = control.open_database
    return control


def run_app(target: str | None, as_at: date | None = None, theme: str | None = None) -> int:
    """Ask who is signing in to ``target``, then open the application (as at ``as_at``,
    default today, under ``theme``: ``choose_theme``) until it closes; 0 at once if the
    sign-in is cancelled."""
    app = application()
    install_exception_hook()
    choose_theme(app, theme)
    location = shown_location(target if target is not None else default_database_path())
    session = ask_sign_in(sign_in_to(target), location,
                          user_name=os.environ.get("NCPI_USER", ""))
    if session is None or (session := locked_copy_gate(session)) is None:
        return 0
    window = build_window(target, as_at=as_at, defer=True, background=True, session=session)
    window.show()
    return app.exec()
