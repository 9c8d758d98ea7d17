"""The main window: one database, one as-at date, one ``Figures`` shared by every page.

``reload`` is the only place a snapshot is read, so a later as-at control or a write that
changes the data only has to call it; every page is then given the same fresh figures.
"""

from __future__ import annotations

import getpass
import html
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QByteArray, QDate, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDateEdit,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QToolBar,
    QUndoView,
    QWidget,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop import __version__
from ncpi_desktop.analysis.figures import Figures, compute_caseload_figures, compute_figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.database import DatabaseError, open_database
from ncpi_desktop.storage.history import HISTORY_LOADERS
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.snapshot import Progress
from ncpi_desktop.ui.caseload_page import CaseloadPage
from ncpi_desktop.ui.page import Page
from ncpi_desktop.ui.undo import OperationCommand

if TYPE_CHECKING:
    from ncpi_desktop.ui.workers import Job

APP_NAME = "NCPI Desktop"
ORGANISATION = "ncpi"
APPLICATION = "ncpi-desktop"
DATABASE_FILTER = "Databases (*.sqlite3 *.sqlite *.db);;All files (*)"
#: The register read from its tables is kept in the database for the next start once the window
#: has read nothing new for this long (milliseconds), or when it closes.
STORE_AFTER_MS = 10_000
#: What the caseload figures need of the history: the management decisions (the reactive count),
#: under the name the full read finds them by in the register cache.
CASELOAD_LOADERS = {"decisions": HISTORY_LOADERS["decisions"]}


def app_settings() -> QSettings:
    """Window state lives in an INI file under the user's config folder (ncpi/ncpi-desktop)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def uk_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def database_label(engine: Engine) -> tuple[str, str]:
    """(short name for the title, full location for the status bar); never shows a password."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        path = Path(url.database)
        return path.name, str(path)
    shown = url.render_as_string(hide_password=True)
    return f"{url.database or url.host} on {url.host}", shown


def read_figures(engine: Engine, as_at: date, cache: RegisterCache | None = None,
                 progress: Progress | None = None, *,
                 caseload_only: bool = False) -> Figures | None:
    """The figures of ``engine``'s register as at ``as_at`` (None when it holds nobody):
    what a window shows. A plain function, run on a worker thread for a background reload.

    ``caseload_only``: the caseload figures alone (``Figures.complete`` False), read without the
    visits and orders: what the caseload page needs, a few times quicker to get on a large
    register. The same ``cache`` then serves the full read that follows.
    """
    report = progress or (lambda _done, _total, _what: None)
    loaders = CASELOAD_LOADERS if caseload_only else None
    snapshot = load_snapshot(engine, as_at, progress=report, loaders=loaders, cache=cache)
    if snapshot.managers.empty and snapshot.rsos.empty:
        return None
    report(0, 0, "Computing the figures")
    return compute_caseload_figures(snapshot) if caseload_only else compute_figures(snapshot)


def one_line(error: BaseException) -> str:
    """The first line of an error's message, for a message box (never a traceback)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class MainWindow(QMainWindow):
    """The application window. Pages are tabs; ``add_page`` adds one."""

    #: The figures every page shows changed (a reload); None when there is nothing to show.
    figures_changed = Signal(object)
    #: Another database was opened: its full location.
    database_changed = Signal(str)

    def __init__(self, *, settings: QSettings | None = None, as_at: date | None = None,
                 parent: QWidget | None = None, defer: bool = False,
                 background: bool = False) -> None:
        """``defer``: build only the caseload page now, and the other pages, menus and actions
        (``finish_building``) once the window has first painted with its figures.
        ``background``: read the database and compute the figures on a worker thread, with a
        progress dialog and Cancel, while the window stays responsive. The application starts
        with both; without them (tests, scripts) everything happens at once, in order."""
        super().__init__(parent)
        self._settings = settings if settings is not None else app_settings()
        self._as_at = as_at or date.today()
        self._background = background
        self._defer = defer
        #: Counts reloads: a background read finishing after a newer reload began is dropped.
        self._generation = 0
        self._engine: Engine | None = None
        #: The open database's date-independent frames, reused as the as-at date changes.
        self._register_cache = RegisterCache()
        self._location = ""
        self._figures: Figures | None = None
        self._loading: Job | None = None
        self._storing: Job | None = None
        self._store_pending: tuple[Engine, RegisterCache] | None = None
        self._store_timer = QTimer(self)
        self._store_timer.setSingleShot(True)
        self._store_timer.setInterval(STORE_AFTER_MS)
        self._store_timer.timeout.connect(self._store_in_background)
        self._finish_pending = False
        self._pages: list[Page] = []
        self._about: QMessageBox | None = None
        self._menus: dict[str, QMenu] = {}
        #: One undo stack per window: every named operation done here can be undone (Ctrl+Z).
        self.undo_stack = QUndoStack(self)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self._build_menus()
        self._build_toolbar()
        self.as_at_label = QLabel()
        self.location_label = QLabel()
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.as_at_label)
        self.statusBar().addPermanentWidget(self.location_label)

        self.caseload_page = CaseloadPage(self)
        self.add_page(self.caseload_page)
        self._built = False
        if not defer:
            self.finish_building()
        self._restore_geometry()
        self._update_labels()

    @property
    def built(self) -> bool:
        """Every page, menu and action is in place (see ``finish_building``)."""
        return self._built

    def finish_building(self) -> None:
        """Add the review pages, rebalancing, and the import and export actions (once)."""
        if self._built:
            return
        self._built = True
        from ncpi_desktop.ui import export_actions
        from ncpi_desktop.ui.rebalancing import install as install_rebalancing
        from ncpi_desktop.ui.review import install as install_review

        export_actions.install(self)
        install_review(self)
        install_rebalancing(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.tabs and event.type() == QEvent.Type.Paint:
            self.tabs.removeEventFilter(self)
            # Two turns of the event loop: the first lets this paint reach the screen.
            QTimer.singleShot(0, lambda: QTimer.singleShot(0, self.finish_building))
        return super().eventFilter(watched, event)

    # --- building ---------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open database…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._on_open)
        file_menu.addAction(self.open_action)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        self._menus["File"] = file_menu

        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"),
                                       QKeySequence.StandardKey.Redo])
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        self._menus["Edit"] = edit_menu

        view_menu = self.menuBar().addMenu("&View")
        self.reload_action = QAction("&Reload", self)
        self.reload_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.reload_action.setToolTip("Read the database again (changes made elsewhere, such as "
                                      "by another user of a shared database)")
        self.reload_action.triggered.connect(lambda: self.reload())
        view_menu.addAction(self.reload_action)
        view_menu.addSeparator()
        self.undo_view = QUndoView(self.undo_stack)
        self.undo_view.setEmptyLabel("Opened")
        self.undo_dock = QDockWidget("Undo history", self)
        self.undo_dock.setObjectName("undo_history")
        self.undo_dock.setWidget(self.undo_view)
        self.undo_dock.hide()
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.undo_dock)
        history_action = self.undo_dock.toggleViewAction()
        history_action.setText("Undo &history")
        history_action.setShortcut(QKeySequence("Ctrl+H"))
        view_menu.addAction(history_action)
        self._menus["View"] = view_menu

        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = QAction("&About", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self._on_about)
        help_menu.addAction(self.about_action)
        self._menus["Help"] = help_menu

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("As at", self)
        toolbar.setObjectName("as_at_toolbar")
        toolbar.setMovable(False)
        toolbar.addWidget(QLabel(" As at "))
        self.as_at_edit = QDateEdit(self)
        self.as_at_edit.setDisplayFormat("dd/MM/yyyy")
        self.as_at_edit.setCalendarPopup(True)
        self.as_at_edit.setToolTip("Every page, chart and report shows the register as it stood "
                                   "on this date (Ctrl+D)")
        self.as_at_edit.setDate(QDate(self._as_at.year, self._as_at.month, self._as_at.day))
        self.as_at_edit.editingFinished.connect(self._on_as_at_edited)
        self.as_at_edit.dateChanged.connect(self._on_as_at_picked)
        toolbar.addWidget(self.as_at_edit)
        today = QAction("Today", self)
        today.setToolTip("Show the register as it stands today")
        today.triggered.connect(lambda: self.set_as_at(date.today()))
        toolbar.addAction(today)
        focus = QAction("As-at date", self)
        focus.setShortcut(QKeySequence("Ctrl+D"))
        focus.triggered.connect(self.as_at_edit.setFocus)
        self.addAction(focus)
        self.addToolBar(toolbar)

    def menu(self, title: str) -> QMenu:
        """The menu called ``title`` ("File", "Edit", "View", "Help", or a new one before Help)."""
        key = title.replace("&", "")
        if key not in self._menus:
            menu = QMenu(title, self)
            self.menuBar().insertMenu(self._menus["Help"].menuAction(), menu)
            self._menus[key] = menu
        return self._menus[key]
    def _restore_geometry(self) -> None:
        geometry = self._settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            return
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            available = screen.availableGeometry()
            self.resize(min(1500, int(available.width() * 0.92)),
                        min(950, int(available.height() * 0.9)))

    # --- pages --------------------------------------------------------------------------------

    @property
    def pages(self) -> list[Page]:
        return list(self._pages)

    def add_page(self, page: Page) -> None:
        """Add ``page`` as a tab, restore its saved state and give it the current figures."""
        page.setParent(self.tabs)
        self._pages.append(page)
        self.tabs.addTab(page, page.title)
        self._settings.beginGroup(page.settings_group or type(page).__name__)
        try:
            page.restore_state(self._settings)
        finally:
            self._settings.endGroup()
        page.set_figures(self._figures)

    # --- the database and the snapshot ---------------------------------------------------------

    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def location(self) -> str:
        """Where the open database is (path or URL without password); empty when none is."""
        return self._location

    @property
    def as_at(self) -> date:
        return self._as_at

    @property
    def figures(self) -> Figures | None:
        return self._figures

    @property
    def policy(self) -> Policy:
        return self._figures.policy if self._figures is not None else Policy()

    def set_database(self, engine: Engine) -> None:
        """Show ``engine``'s database (the window disposes of the previous one)."""
        self._store_now()
        if self._engine is not None and self._engine is not engine:
            self._engine.dispose()
        self.undo_stack.clear()  # changes to another database cannot be undone here
        self._engine = engine
        self._register_cache = RegisterCache()
        self._location = database_label(engine)[1]
        self.reload()
        self.database_changed.emit(self._location)

    def open_target(self, target: str) -> bool:
        """Open a database path or URL; on failure say why in a message box and keep the old."""
        try:
            engine = open_database(target)
        except DatabaseError as exc:
            self.show_error("Cannot open database", one_line(exc))
            return False
        self.set_database(engine)
        return True

    def set_as_at(self, as_at: date) -> None:
        """Show the register as it stood at ``as_at``."""
        if as_at == self._as_at and (self._figures is not None or self.loading):
            return  # shown, or being read
        self._as_at = as_at
        self._show_as_at_date(as_at)
        self.reload(reread=False)

    def _show_as_at_date(self, as_at: date) -> None:
        shown = QDate(as_at.year, as_at.month, as_at.day)
        if self.as_at_edit.date() != shown:
            self.as_at_edit.blockSignals(True)
            self.as_at_edit.setDate(shown)
            self.as_at_edit.blockSignals(False)

    def _on_as_at_picked(self, value: QDate) -> None:
        # Typing a date changes it digit by digit: only a pick from the calendar applies at once.
        if self.as_at_edit.calendarWidget().isVisible():
            self.set_as_at(value.toPython())

    def _on_as_at_edited(self) -> None:
        self.set_as_at(self.as_at_edit.date().toPython())

    # --- writes ----------------------------------------------------------------------------------

    @property
    def actor(self) -> str:
        """Who is making changes: recorded in the audit and allocation history."""
        return str(self._settings.value("user/name", "") or getpass.getuser())

    def apply(self, operation: Callable[[Engine, str], Change]) -> Change | None:
        """Run a named operation as this window's user, make it undoable, refresh every page.

        A refused operation (``OperationError``) is shown as a message and changes nothing.
        """
        if self._engine is None:
            self.show_error("No database", "Open a database first (File > Open database).")
            return None
        try:
            change = operation(self._engine, self.actor)
        except OperationError as exc:
            self.show_error("Not done", one_line(exc))
            return None
        except SQLAlchemyError as exc:
            self.show_error("Not saved", one_line(exc))
            return None
        self.undo_stack.push(OperationCommand(self._engine, change, self.actor, self.reload))
        self.reload()
        return change

    def reload(self, *, reread: bool = True) -> None:
        """Read a fresh snapshot, compute its figures once, and give them to every page.

        ``reread=False`` (a change of the as-at date) reuses the register read before unless
        the application has written to the database since; by default everything is read again.
        With ``background`` the reading happens on a worker thread and the pages change when
        it is done (a Cancel keeps what was shown, at its date); a read still under way is
        cancelled. When the application starts (nothing on show, the other pages not built
        yet) the caseload page is given its figures first, and every page its full figures once
        the visits and orders are read too.
        """
        if reread:
            self._register_cache.clear()
        self._generation += 1
        if self.loading:  # of no use now: its figures would be dropped
            self._loading.cancel()
        self.statusBar().clearMessage()  # what the last read was doing
        self._update_labels()  # the database and date being read
        if self._engine is None:
            self._show_figures(None)
            return
        engine, as_at, cache = self._engine, self._as_at, self._register_cache
        if self._background:
            self.caseload_page.show_loading()
            # At start-up, before the other pages are built, the caseload page comes first.
            self._reload_in_background(engine, as_at, cache, self._generation,
                                       caseload_first=self._figures is None and not self._built)
            return
        figures = None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            figures = read_figures(engine, as_at, cache)
        except (DatabaseError, SQLAlchemyError) as exc:
            self.show_error("Cannot read database", one_line(exc))
        finally:
            QApplication.restoreOverrideCursor()
        self._show_figures(figures)

    @property
    def loading(self) -> bool:
        """A background read is under way (its figures are not shown yet)."""
        return self._loading is not None and self._loading.is_running

    def _reload_in_background(self, engine: Engine, as_at: date, cache: RegisterCache,
                              generation: int, *, caseload_first: bool = False,
                              quiet: bool = False) -> None:
        """Read on a worker thread. ``caseload_first``: read the caseload figures, show them on
        the caseload page, then read the full figures ``quiet``ly: without a dialog over the
        page that is already in use, and the status bar saying so."""
        from ncpi_desktop.ui.workers import NEVER, SHOW_AFTER_MS, run_job

        def current() -> bool:
            return shiboken6.isValid(self) and generation == self._generation

        def succeeded(figures: Figures | None) -> None:
            if not current():
                return
            if quiet:
                self.statusBar().clearMessage()
            if caseload_first and figures is not None:
                self._show_caseload_first(figures)
                self._reload_in_background(engine, as_at, cache, generation, quiet=True)
            else:
                self._show_figures(figures)
                self._store_later(engine, cache)

        def failed(error: BaseException) -> None:
            if current():
                if quiet:
                    self.statusBar().clearMessage()
                self.show_error("Cannot read database", one_line(error))
                self._show_figures(None)

        def cancelled() -> None:
            if current():  # back to the date of the figures on show
                shown = self._figures.snapshot.as_at if self._figures is not None else None
                if shown is not None and shown != self._as_at:
                    self._as_at = shown
                    self._show_as_at_date(shown)
                self._update_labels()
                self.statusBar().showMessage("Reading the database was cancelled", 5000)

        if quiet:
            self.statusBar().showMessage("Reading visits and civil orders for the other pages…")
        self._loading = run_job(
            self, "Reading the register",
            lambda progress, _cancel: read_figures(engine, as_at, cache, progress,
                                                   caseload_only=caseload_first),
            on_success=succeeded, on_failure=failed, on_cancel=cancelled,
            expected=(DatabaseError, SQLAlchemyError), label="Reading the register…",
            cancel_at_progress=True, show_after_ms=NEVER if quiet else SHOW_AFTER_MS)

    def _store_later(self, engine: Engine, cache: RegisterCache) -> None:
        """Keep the register just read in the database for the next start, once the window has
        read nothing new for ``STORE_AFTER_MS`` (a run of changes, each of which deletes the
        kept copy, then stores it once), or when it closes or opens another database."""
        if cache.unstored:
            self._store_pending = (engine, cache)
            self._store_timer.start()

    def _store_in_background(self) -> None:
        """The pending store, on a worker thread with no dialog (``RegisterCache.store``:
        SQLite only, and nothing to do when the register came from the kept copy)."""
        from ncpi_desktop.ui.workers import NEVER, run_job

        if self._store_pending is None:
            return
        engine, cache = self._store_pending
        self._store_pending = None
        self._storing = run_job(self, "Keeping the register for the next start",
                                lambda _progress, _cancel: cache.store(engine),
                                on_success=lambda _stored: None, expected=(SQLAlchemyError,),
                                on_failure=lambda _error: None, cancellable=False,
                                show_after_ms=NEVER)

    def _store_now(self) -> None:
        """The pending store, at once (the window is closing or opening another database)."""
        self._store_timer.stop()
        if self._store_pending is not None:
            engine, cache = self._store_pending
            self._store_pending = None
            try:
                cache.store(engine)
            except SQLAlchemyError:  # never in the way of closing: next start reads the tables
                pass

    @property
    def register_source(self) -> str | None:
        """Where the register on show came from: "store" (the start-up copy kept in the
        database), "tables", or None (nothing read yet)."""
        return self._register_cache.source

    @property
    def storing(self) -> bool:
        """The register is to be kept, or being kept, in the database for the next start."""
        return self._store_pending is not None or (
            self._storing is not None and self._storing.is_running)

    def _show_caseload_first(self, figures: Figures) -> None:
        """The caseload figures alone, on the caseload page only, while the rest is read: the
        other pages, the exports and ``figures`` wait for the full figures."""
        self.caseload_page.set_figures(figures)
        self._update_labels()

    def _show_figures(self, figures: Figures | None) -> None:
        self._figures = figures
        for page in self._pages:
            page.set_figures(figures)
        self._update_labels()
        self.figures_changed.emit(figures)
        if self._defer and not self._built and not self._finish_pending:
            self._finish_pending = True  # once these figures have painted
            self.tabs.installEventFilter(self)

    def _update_labels(self) -> None:
        name = database_label(self._engine)[0] if self._engine is not None else "No database"
        self.setWindowTitle(f"{name} — {APP_NAME}")
        self.as_at_label.setText(f"As at {uk_date(self._as_at)}")
        self.location_label.setText(self._location or "No database open")

    # --- actions -------------------------------------------------------------------------------

    def _on_open(self) -> None:
        start = str(self._settings.value("last_folder", "") or "")
        if not start and self._location and "://" not in self._location:
            start = str(Path(self._location).parent)
        path, _ = QFileDialog.getOpenFileName(self, "Open database", start, DATABASE_FILTER)
        if path:
            self._settings.setValue("last_folder", str(Path(path).parent))
            self.open_target(path)

    def about_text(self) -> str:
        """Help > About: the version and, from the policy in force, every rule applied."""
        rules = "".join(f"<li>{html.escape(rule, quote=False)}</li>"
                        for rule in self.policy.rules_text())
        where = html.escape(self._location or "no database open", quote=False)
        return (f"<h3>{APP_NAME} {__version__}</h3>"
                "<p>Caseload planning for Sex Offender Management Units.</p>"
                f"<p>Database: {where}</p>"
                f"<p><b>Rules in force</b> (this database's policy):</p><ul>{rules}</ul>")

    def _on_about(self) -> None:
        if self._about is None:
            self._about = QMessageBox(self)
            self._about.setWindowTitle(f"About {APP_NAME}")
            self._about.setIcon(QMessageBox.Icon.Information)
            self._about.setTextFormat(Qt.TextFormat.RichText)
        self._about.setText(self.about_text())
        self._about.open()

    @property
    def about_box(self) -> QMessageBox | None:
        return self._about

    def show_error(self, title: str, message: str) -> None:
        """A one-line problem the user can act on (not a crash)."""
        QMessageBox.warning(self, title, message)

    # --- closing -------------------------------------------------------------------------------

    def save_state(self) -> None:
        """Remember geometry and every page's splitters and columns."""
        settings = self._settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        for page in self._pages:
            settings.beginGroup(page.settings_group or type(page).__name__)
            try:
                page.save_state(settings)
            finally:
                settings.endGroup()
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self._generation += 1  # a read still under way is of no use now
        if self._loading is not None and self._loading.is_running:
            self._loading.cancel()
        self.hide()  # gone at once, while the register is kept for the next start
        self._store_now()
        if self._engine is not None:
            self._engine.dispose()
        super().closeEvent(event)
