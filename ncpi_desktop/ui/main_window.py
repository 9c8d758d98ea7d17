"""The main window: one database, one as-at date, one ``Figures`` shared by every page.

The window owns the ``AppContext`` every feature is handed (``core.context``) and keeps it
current; ``reload`` is the only place figures are read (through ``core.loader``), so a new as-at
date or a write that changes the data only has to call it, and every page is then given the same
fresh figures. Which features the window has is said in ``ui.features``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, SignalInstance
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QWidget,
)
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.domain.security import User
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.change import Change
from ncpi_desktop.storage.database import DatabaseError, open_database, shown_location
from ncpi_desktop.ui.core.context import AppContext, Operation, one_line
from ncpi_desktop.ui.core.loader import READ_ERRORS, Loader
from ncpi_desktop.ui.core.permissions import briefing_only
from ncpi_desktop.ui.core.settings import (
    APP_NAME,
    LAST_FOLDER,
    WINDOW_GEOMETRY,
    WINDOW_STATE,
    app_settings,
    group,
)
from ncpi_desktop.ui.core.undo import wrap_history
from ncpi_desktop.ui.dialogs.about import about_box, about_text
from ncpi_desktop.ui.menus.page_keys import build_page_keys
from ncpi_desktop.ui.menus.standard import build_standard_menus
from ncpi_desktop.ui.pages.caseload import CaseloadPage
from ncpi_desktop.ui.pages.page import Page
from ncpi_desktop.ui.widgets.as_at import AsAtBar, records_end

if TYPE_CHECKING:
    from ncpi_desktop.ui.features import Features

DATABASE_FILTER = "Databases (*.sqlite3 *.sqlite *.db);;All files (*)"


def database_label(engine: Engine) -> tuple[str, str]:
    """(short name for the title, full location for the status bar); never shows a password."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        path = Path(url.database)
        return path.name, str(path)
    shown = shown_location(url.render_as_string(hide_password=True))  # ?password= too
    return f"{url.database or url.host} on {url.host}", shown


class MainWindow(QMainWindow):
    """The application window. Pages are tabs; ``add_page`` adds one."""

    def __init__(self, *, settings: QSettings | None = None, as_at: date | None = None,
                 parent: QWidget | None = None, defer: bool = False,
                 background: bool = False, user: User | None = None) -> None:
        """``defer``: build only the caseload page now, and the other pages, menus and actions
        (``finish_building``) once the window has first painted with its figures.
        ``background``: read the database and compute the figures on a worker thread, with a
        progress dialog and Cancel, while the window stays responsive. The application starts
        with both; without them (tests, scripts) everything happens at once, in order.
        ``user``: who signed in (``AppContext.user``); None: nobody yet, so no name is shown
        and nothing may be changed."""
        super().__init__(parent)
        self._settings = settings if settings is not None else app_settings()
        self._background = background
        self._defer = defer
        self._finish_pending = False
        self._built = False
        self._features: Features | None = None
        self._pages: list[Page] = []
        self._about: QMessageBox | None = None
        #: How File › Open opens another database: the application signs in to it
        #: (``menus.session``), returning its engine, or None when the user cancels.
        self.opener: Callable[[str], Engine | None] | None = None

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.context = AppContext(self, self.tabs, self._settings, as_at or date.today(),
                                  reload=lambda: self.reload(),
                                  show_error=lambda title, text: self.show_error(title, text),
                                  user=user)
        self.undo_stack = self.context.undo_stack
        self.loader = Loader(self.context, self)
        self.loader.caseload_read.connect(self._show_caseload_first)
        self.loader.figures_read.connect(self._show_figures)
        self.loader.read_failed.connect(self._on_read_failed)
        self.loader.read_cancelled.connect(self._on_read_cancelled)
        actions = build_standard_menus(self, self.context, on_open=self._on_open,
                                       on_reload=self.reload, on_about=self._on_about)
        self.open_action, self.quit_action = actions.open, actions.quit
        wrap_history(actions.undo_dock)
        actions.undo_dock.widget().setAccessibleName("Undo history")
        #: Ctrl+Tab and Ctrl+PgDn (Ctrl+Shift+Tab, Ctrl+PgUp) between pages; F1 the page's help.
        self.page_keys = build_page_keys(self, self.context, self.tabs)
        self.undo_action, self.redo_action = actions.undo, actions.redo
        self.reload_action, self.about_action = actions.reload, actions.about
        self.as_at_bar = AsAtBar(self.context.as_at, self)
        self.as_at_bar.as_at_chosen.connect(self.set_as_at)
        self.as_at_edit = self.as_at_bar.edit
        self.addAction(self.as_at_bar.focus_action)
        self.addToolBar(self.as_at_bar)
        self.as_at_label = QLabel()
        self.location_label = QLabel()
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.as_at_label)
        self.statusBar().addPermanentWidget(self.location_label)

        self.caseload_page = CaseloadPage(self)
        self.add_page(self.caseload_page)
        if not defer:
            self.finish_building()
        self._restore_geometry()
        self._update_labels()

    @property
    def built(self) -> bool:
        """Every page, menu and action is in place (see ``finish_building``)."""
        return self._built

    @property
    def features(self) -> Features:
        """The review pages, Record, Manage and File's exchange items (once built)."""
        if self._features is None:
            raise LookupError("The window's features are built after its first paint")
        return self._features

    def finish_building(self) -> None:
        """Add the review pages, rebalancing, and the import and export actions (once)."""
        if self._built:
            return
        self._built = True
        from ncpi_desktop.ui.features import build_features  # after the first paint

        self._features = build_features(self.context, self.caseload_page, self.add_page,
                                        before_quit=self.quit_action)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.tabs and event.type() == QEvent.Type.Paint:
            self.tabs.removeEventFilter(self)
            # Two turns of the event loop: the first lets this paint reach the screen.
            QTimer.singleShot(0, lambda: QTimer.singleShot(0, self.finish_building))
        return super().eventFilter(watched, event)

    # --- building ---------------------------------------------------------------------------

    def menu(self, title: str) -> QMenu:
        """The menu called ``title`` (``AppContext.menu``)."""
        return self.context.menu(title)

    def _restore_geometry(self) -> None:
        geometry = WINDOW_GEOMETRY.read(self._settings)
        if geometry is not None and self.restoreGeometry(geometry):
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
        with group(self._settings, page.state_group) as settings:
            page.restore_state(settings)
        page.set_figures(self.figures)

    # --- the context's state, as the window's ------------------------------------------------

    @property
    def figures_changed(self) -> SignalInstance:
        """``AppContext.figures_changed``: after every reload (None: nothing to show)."""
        return self.context.figures_changed

    @property
    def database_changed(self) -> SignalInstance:
        """``AppContext.database_changed``: another database was opened (its location)."""
        return self.context.database_changed

    @property
    def engine(self) -> Engine | None:
        return self.context.engine

    @property
    def location(self) -> str:
        """Where the open database is (path or URL without password); empty when none is."""
        return self.context.location

    @property
    def as_at(self) -> date:
        return self.context.as_at

    @property
    def figures(self) -> Figures | None:
        return self.context.figures

    @property
    def policy(self) -> Policy:
        return self.context.policy

    @property
    def actor(self) -> str:
        """Who is making changes: recorded in the audit and allocation history."""
        return self.context.actor

    @property
    def user(self) -> User:
        """The signed-in user (``AppContext.user``)."""
        return self.context.user

    def set_user(self, user: User | None) -> None:
        """``user`` signed in (None: signed out): the undo history goes (it was another
        user's), and every page is given the figures again, cut to what ``user`` may see."""
        if user == self.context.user:
            return
        self.undo_stack.clear()
        self.context.set_user(user)
        if self.engine is not None:
            self.reload()

    def apply(self, operation: Operation) -> Change | None:
        """``AppContext.apply``: run a named operation, undoably, and refresh every page."""
        return self.context.apply(operation)

    # --- the database and the figures ----------------------------------------------------------

    def set_database(self, engine: Engine) -> None:
        """Show ``engine``'s database (the window disposes of the previous one)."""
        self.loader.new_database()
        previous = self.engine
        if previous is not None and previous is not engine:
            previous.dispose()
        self.undo_stack.clear()  # changes to another database cannot be undone here
        self.context.set_database(engine, database_label(engine)[1])
        self.reload()
        self.context.database_changed.emit(self.location)

    def open_target(self, target: str) -> bool:
        """Open a database path or URL (through ``opener`` when set: signing in); on failure
        say why in a message box and keep the old."""
        if self.opener is not None:
            opened = self.opener(target)
            if opened is None:
                return False
            self.set_database(opened)
            return True
        try:
            engine = open_database(target)
        except DatabaseError as exc:
            self.show_error("Cannot open database", one_line(exc))
            return False
        self.set_database(engine)
        return True

    def set_as_at(self, as_at: date) -> None:
        """Show the register as it stood at ``as_at``."""
        if as_at == self.as_at and (self.figures is not None or self.loading):
            return  # shown, or being read
        self.context.set_as_at(as_at)
        self.as_at_bar.show_date(as_at)
        self.reload(reread=False)

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
            self.loader.forget()
        self.loader.stop()  # a read under way is of no use now: its figures would be dropped
        self.context.clear_status()  # what the last read was doing
        self._update_labels()  # the database and date being read
        engine = self.engine
        if engine is None or briefing_only(self.user):  # a frontline user reads no figures
            self._show_figures(None)
            return
        if self._background:
            self.caseload_page.show_loading()
            # At start-up, before the other pages are built, the caseload page comes first.
            self.loader.start(engine, self.as_at,
                              caseload_first=self.figures is None and not self._built)
            return
        figures = None
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            figures = self.loader.read(engine, self.as_at)
        except READ_ERRORS as exc:
            self.show_error("Cannot read database", one_line(exc))
        finally:
            QApplication.restoreOverrideCursor()
        self._show_figures(figures)

    @property
    def loading(self) -> bool:
        """A background read is under way (its figures are not shown yet)."""
        return self.loader.loading

    @property
    def register_source(self) -> str | None:
        """Where the register on show came from: "store" (the start-up copy kept in the
        database), "tables", or None (nothing read yet)."""
        return self.loader.cache.source

    @property
    def storing(self) -> bool:
        """The register is to be kept, or being kept, in the database for the next start."""
        return self.loader.storing

    def _on_read_failed(self, message: str) -> None:
        self.show_error("Cannot read database", message)
        self._show_figures(None)

    def _on_read_cancelled(self) -> None:
        shown = self.figures.snapshot.as_at if self.figures is not None else None
        if shown is not None and shown != self.as_at:  # back to the date of the figures on show
            self.context.set_as_at(shown)
            self.as_at_bar.show_date(shown)
        self._update_labels()
        self.context.show_status("Reading the database was cancelled", 5000)

    def _show_caseload_first(self, figures: Figures) -> None:
        """The caseload figures alone, on the caseload page only, while the rest is read: the
        other pages, the exports and ``figures`` wait for the full figures."""
        self.caseload_page.set_figures(figures)
        self._update_labels()

    def _show_figures(self, figures: Figures | None) -> None:
        self.context.set_figures(figures)
        for page in self._pages:
            page.set_figures(figures)
        self._update_labels()
        self.as_at_bar.show_records_end(records_end(figures), self.as_at)
        self.context.figures_changed.emit(figures)
        if self._defer and not self._built and not self._finish_pending:
            self._finish_pending = True  # once these figures have painted
            self.tabs.installEventFilter(self)

    def _update_labels(self) -> None:
        name = database_label(self.engine)[0] if self.engine is not None else "No database"
        self.setWindowTitle(f"{name} — {APP_NAME}")
        self.as_at_label.setText(f"As at {uk_date(self.as_at)}")
        self.location_label.setText(self.location or "No database open")

    # --- actions -------------------------------------------------------------------------------

    def _on_open(self) -> None:
        start = LAST_FOLDER.read(self._settings)
        if not start and self.location and "://" not in self.location:
            start = str(Path(self.location).parent)
        path, _ = QFileDialog.getOpenFileName(self, "Open database", start, DATABASE_FILTER)
        if path:
            LAST_FOLDER.write(self._settings, str(Path(path).parent))
            self.open_target(path)

    def about_text(self) -> str:
        """Help > About: the version, the database, who is signed in and, from the policy in
        force, every rule applied."""
        return about_text(self.policy, self.location, self.user)

    def _on_about(self) -> None:
        if self._about is None:
            self._about = about_box(self)
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
        WINDOW_GEOMETRY.write(self._settings, self.saveGeometry())
        WINDOW_STATE.write(self._settings, self.saveState())
        for page in self._pages:
            with group(self._settings, page.state_group) as settings:
                page.save_state(settings)
        self._settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.loader.stop()  # a read still under way is of no use now
        self.hide()  # gone at once, while the register is kept for the next start
        self._store_and_dispose()
        super().closeEvent(event)

    def _store_and_dispose(self) -> None:
        self.loader.unwatch()
        self.loader.store_now()
        if self.engine is not None:
            self.engine.dispose()
