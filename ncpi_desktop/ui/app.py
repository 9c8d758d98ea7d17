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
from collections.abc import Iterator
from datetime import date
from pathlib import Path
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
from ncpi_desktop.ui.core.session import Session, record_access, sign_in, sign_in_to
from ncpi_desktop.ui.core.settings import (
    APP_NAME,
    APPLICATION,
    ORGANISATION,
    THEME,
    app_settings,
    recent_databases,
)
from ncpi_desktop.ui.dialogs.first_run import FirstRunDialog, FirstRunServices, NewDatabase
from ncpi_desktop.ui.dialogs.offline import FirstCopy, FirstCopyDialog, default_scope
from ncpi_desktop.ui.dialogs.sign_in import ask_sign_in
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.offline import locked_copy_gate
from ncpi_desktop.ui.menus.recent import RecentMenu
from ncpi_desktop.ui.menus.session import SignedIn

#: The roles of a new database's first user, as ``ncpi-desktop init`` gives them.
FIRST_ROLES = ("administrator", "manager")
#: Who the first run's demo signs in as (README, "Signing in": sees every page).
DEMO_USER = "manager"

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
    window.recent_menu = RecentMenu(window.context, settings if settings is not None
                                    else app_settings(), window.open_target,
                                    after=window.open_action)
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
    """Ask who is signing in to ``target`` (None: the database opened last, else the first run's
    choices, ``FirstRunDialog``), then open the application (as at ``as_at``, default today,
    under ``theme``: ``choose_theme``) until it closes; 0 at once if the sign-in is
    cancelled."""
    app = application()
    install_exception_hook()
    choose_theme(app, theme)
    target = startup_target(target)
    if target is None:
        session = first_run()
    else:
        session = ask_sign_in(sign_in_to(target), shown_location(target),
                              user_name=os.environ.get("NCPI_USER", ""))
    if session is None or (session := locked_copy_gate(session)) is None:
        return 0
    window = build_window(target, as_at=as_at, defer=True, background=True, session=session)
    window.show()
    return app.exec()


def startup_target(target: str | None, settings: QSettings | None = None) -> str | None:
    """The database the application opens: ``target`` when given, else the one opened last
    (File › Recent) while it is there, else the default database when it exists; None when
    there is none of these, and the first run's choices are offered."""
    if target is not None:
        return target
    for known in recent_databases(settings):
        if "://" in known or Path(known).exists():
            return known
    default = default_database_path()
    return str(default) if default.exists() else None


def first_run(parent: QWidget | None = None,
              services: FirstRunServices | None = None) -> Session | None:
    """The first run's choices (``FirstRunDialog``) until one gives a session (None: Quit)."""
    dialog = FirstRunDialog(services or first_run_services(), parent)
    try:
        return dialog.session if dialog.exec() == FirstRunDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


def demo_database_path() -> Path:
    """Where the first run's demo is built: beside the default database, in its own folder."""
    return default_database_path().parent / "demo" / "lancashire-2017.sqlite3"


def first_run_services(demo_path: Path | None = None,
                       parent: QWidget | None = None) -> FirstRunServices:
    """The real ways in: ``storage.users.create_database`` (as ``ncpi-desktop init``), a
    sign-in to the chosen database, the demo (built at ``demo_path`` when missing, then signed
    in as its manager), an offline copy from a server (``FirstCopyDialog``, then
    ``take_first_copy``)."""
    from ncpi_desktop.storage.users import NewUser, create_database

    demo_at = demo_path or demo_database_path()

    def create(new: NewDatabase) -> Session:
        location = new.location
        if "://" not in location:  # a file: its folder is made; a server's URL as it is
            path = Path(location).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            location = str(path)
        return create_database(location, NewUser(
            new.user_name, new.display_name, FIRST_ROLES, "force", None, new.password))

    def open_one(location: str) -> Session | None:
        return ask_sign_in(sign_in_to(location), shown_location(location), parent=parent)

    def demo() -> Session:
        from ncpi_desktop.demo.build import build_demo
        from ncpi_desktop.demo.users import DEMO_PASSWORD
        from ncpi_desktop.storage.keys import keys_path

        if not keys_path(demo_at).exists():
            demo_at.parent.mkdir(parents=True, exist_ok=True)
            demo_at.unlink(missing_ok=True)  # a half-built one, or one from before encryption
            build_demo(demo_at, "lancashire-2017")
        return sign_in(demo_at, DEMO_USER, DEMO_PASSWORD)

    def offline() -> Session | None:
        dialog = FirstCopyDialog(take_first_copy, str(default_database_path().parent
                                                      / "offline.db"), parent)
        try:
            return dialog.session if dialog.exec() == FirstCopyDialog.DialogCode.Accepted \
                else None
        finally:
            dialog.deleteLater()

    return FirstRunServices(create=create, open=open_one, demo=demo, offline=offline,
                            default_location=str(default_database_path()))


def take_first_copy(wanted: FirstCopy) -> Session:
    """Sign in to the source (a wrong password or an unknown user is said before anything is
    written), take the copy of the scope asked (blank: the user's own caseload, team or BCU)
    with ``storage.offline.take_offline``, then sign in to the copy."""
    from ncpi_desktop.storage.offline import take_offline
    from ncpi_desktop.storage.users import sign_out

    source = wanted.source
    if "://" not in source:
        source = str(Path(source).expanduser())
    checked = sign_in(source, wanted.user_name, wanted.password)
    try:
        scope = wanted.scope or default_scope(checked.user)
    finally:
        sign_out(checked)  # type: ignore[arg-type]
    if not scope:
        raise ValueError("Give the scope to take: caseload:ID, team:NAME or bcu:NAME")
    out = Path(wanted.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    path = take_offline(source, scope, out, wanted.user_name, wanted.password)
    return sign_in(path, wanted.user_name, wanted.password)


# --- the selftest (``cli_selftest``): the window as the installed application builds it ------

def use_settings_folder(folder: Path) -> None:
    """Keep the window's settings in ``folder`` from now on, not in the user's own file (the
    selftest leaves no trace in the settings of whoever runs it)."""
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))


def quiet_offscreen_noise() -> None:
    """Drop the one message the offscreen platform gives whenever a window's size constraints
    change (a real platform gives none); every other message is still printed."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind: object, _context: object, message: str) -> None:
        if "propagateSizeHints" not in message and sys.stderr is not None:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def painted_colours(widget: QWidget, grid: int = 24) -> int:
    """How many colours ``widget`` paints at a grid of points: 1 is a blank area."""
    image = widget.grab().toImage()
    if image.isNull() or image.width() == 0 or image.height() == 0:
        return 0
    xs = range(0, image.width(), max(1, image.width() // grid))
    ys = range(0, image.height(), max(1, image.height() // grid))
    return len({image.pixel(x, y) for x in xs for y in ys})


def every_page(window: MainWindow) -> Iterator[tuple[str, int]]:
    """Each page of ``window`` the signed-in user is shown (its tab visible) made current and
    painted in turn: (its title, the colours it painted, ``painted_colours``)."""
    application().processEvents()
    tabs = window.tabs
    for page in window.pages:
        if not tabs.isTabVisible(tabs.indexOf(page)):
            continue
        window.tabs.setCurrentWidget(page)
        for _ in range(3):
            application().processEvents()
        yield page.title, painted_colours(page)
