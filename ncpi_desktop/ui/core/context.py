"""What a page, a dialog or a menu of the window needs, and nothing more: the app context.

The main window owns one ``AppContext`` and keeps it current (the open database, the as-at date,
the figures on show); every feature is handed the context, never the window, so no feature
knows the window's insides and the window is imported by the application alone. The context
offers the narrow services features use: run a named operation (``apply``, undoable), read again
(``reload``), say something (``show_error``, ``show_status``), a menu of the menu bar, the page
in front, and a parent for dialogs.

After an operation (and its undo and redo) the pages show its change at once: the change it
returns is applied to the figures in memory by the handler the loader gives
(``handle_changes``); only when that cannot be done is the database read again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QTabWidget, QWidget
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.domain.security import NotPermitted, User
from ncpi_desktop.storage.change import Change, OperationError, StaleWrite
from ncpi_desktop.storage.database import cannot_write_error
from ncpi_desktop.ui.core.audit_log import AuditWriter
from ncpi_desktop.ui.core.undo import OperationCommand

#: A named operation (``storage.operations``) waiting for its engine and the signed-in user.
Operation = Callable[[Engine, User], Change]
#: Shows a change just written in memory (``core.loader.Loader.apply_change``); False: it could
#: not be, read the database again.
ChangeShower = Callable[[Change], bool]

#: Whom a window serves before anyone has signed in: no role, so no name is shown and nothing
#: may be changed ("nobody may not reassign: not permitted to no role").
NOBODY = User(user_name="nobody", display_name="Not signed in", roles=frozenset())


@dataclass(frozen=True)
class ShownScenario:
    """A what-if scenario shown beside today's figures: ``scenario`` (``analysis.scenario``'s),
    its ``figures`` (None while they are being worked out) and the figures of the register they
    were worked out from (``base``): a page shows the difference only beside those, never beside
    figures read since."""

    scenario: Any
    base: Figures | None = None
    figures: Figures | None = None

    @property
    def name(self) -> str:
        return str(getattr(self.scenario, "name", ""))

    def ready_for(self, figures: Figures | None) -> bool:
        """Its figures are worked out from ``figures`` (what a page shows as today)."""
        return self.figures is not None and figures is not None and self.base is figures


def one_line(error: BaseException) -> str:
    """The first line of an error's message, for a message box (never a traceback)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class AppContext(QObject):
    """The window's state and services, as its features see them.

    State (read-only here; the window sets it): ``engine``, ``location``, ``as_at``, ``figures``
    (with their ``policy``), ``settings``, ``undo_stack``. Signals: ``figures_changed`` after
    every reload (None: nothing to show), ``database_changed`` when another database is opened,
    ``page_changed`` when another page comes to the front.
    """

    #: The figures every page shows changed (a reload); None when there is nothing to show.
    figures_changed = Signal(object)
    #: Another database was opened: its full location.
    database_changed = Signal(str)
    #: Another page (tab) came to the front: its index.
    page_changed = Signal(int)
    #: Another user signed in (or out): the ``User`` now served.
    user_changed = Signal(object)
    #: A what-if scenario is shown beside today's figures (``ShownScenario``), or None: none.
    scenario_changed = Signal(object)

    def __init__(self, window: QMainWindow, tabs: QTabWidget, settings: QSettings, as_at: date,
                 *, reload: Callable[[], None],
                 show_error: Callable[[str, str], None], user: User | None = None) -> None:
        super().__init__(window)
        self.setObjectName("app_context")
        self._window = window
        self._tabs = tabs
        self._reload = reload
        self._show_error = show_error
        self.settings = settings
        #: One undo stack per window: every named operation done here can be undone (Ctrl+Z).
        self.undo_stack = QUndoStack(window)
        self._engine: Engine | None = None
        self._location = ""
        self._as_at = as_at
        self._figures: Figures | None = None
        self._scenario: ShownScenario | None = None
        self._menus: dict[str, QMenu] = {}
        #: Consultation and disclosure rows, written off the GUI thread (``audit``).
        self.audit_writer = AuditWriter(self)
        self.audit_writer.failed.connect(lambda message: self.show_status(message, 10_000))
        self._user = user if user is not None else NOBODY
        self._prepare_change: Callable[[], None] = lambda: None
        self._show_change: ChangeShower = lambda _change: False
        self._uncut: Callable[[Figures | None], Figures | None] = lambda _figures: None
        tabs.currentChanged.connect(self.page_changed)

    @classmethod
    def of(cls, widget: QWidget | None) -> AppContext | None:
        """The context of the window ``widget`` is in (or of a dialog over it), if any."""
        while widget is not None:
            # By its name: an empty name matches only an object without one (Qt 6).
            found = widget.findChild(cls, "app_context",
                                     Qt.FindChildOption.FindDirectChildrenOnly)
            if isinstance(found, cls):
                return found
            widget = widget.parentWidget()
        return None

    # --- state -----------------------------------------------------------------------------

    @property
    def engine(self) -> Engine | None:
        return self._engine

    @property
    def location(self) -> str:
        """Where the open database is (path or URL without password); empty when none is."""
        return self._location

    @property
    def as_at(self) -> date:
        """The date every page, chart and export shows the register at."""
        return self._as_at

    @property
    def figures(self) -> Figures | None:
        """The figures on show (None: no database, an empty one, or still being read)."""
        return self._figures

    @property
    def policy(self) -> Policy:
        return self._figures.policy if self._figures is not None else Policy()

    @property
    def user(self) -> User:
        """The signed-in user: every operation runs as them and every figure on show is cut
        to what they may see (``NOBODY`` before anyone signs in)."""
        return self._user

    def set_user(self, user: User | None) -> None:
        """``user`` signed in (None: signed out). The window reads its figures again, cut to
        them; menus offer what they may do (``user_changed``)."""
        self._user = user if user is not None else NOBODY
        self.user_changed.emit(self._user)

    @property
    def actor(self) -> str:
        """Who is making changes, for display: the signed-in user's name, as the audit and the
        allocation history record it."""
        return self._user.user_name

    def set_database(self, engine: Engine | None, location: str) -> None:
        """The window opened ``engine`` (it emits ``database_changed`` once it has read it)."""
        self._engine, self._location = engine, location

    def set_as_at(self, as_at: date) -> None:
        self._as_at = as_at

    def set_figures(self, figures: Figures | None) -> None:
        """The window shows ``figures`` (it emits ``figures_changed`` once its pages have them)."""
        self._figures = figures

    @property
    def scenario(self) -> ShownScenario | None:
        """The what-if scenario shown beside today's figures, if any: never the register's."""
        return self._scenario

    def set_scenario(self, shown: ShownScenario | None) -> None:
        """Show ``shown`` beside today's figures on every page (None: stop showing one)."""
        self._scenario = shown
        self.scenario_changed.emit(shown)

    # --- services ---------------------------------------------------------------------------

    @property
    def dialog_parent(self) -> QWidget:
        """The window, as the parent of a dialog or a message box."""
        return self._window

    def reload(self) -> None:
        """Read the database again and give every page the fresh figures."""
        self._reload()

    def handle_changes(self, prepare: Callable[[], None], show: ChangeShower) -> None:
        """How this window's own changes reach its pages: ``prepare()`` runs just before an
        operation (or its undo or redo) writes, ``show(change)`` after it, and returns False
        when the database must be read again instead (``core.loader``)."""
        self._prepare_change, self._show_change = prepare, show

    def handle_uncut(self, uncut: Callable[[Figures | None], Figures | None]) -> None:
        """Where ``uncut_figures`` comes from (``core.loader``)."""
        self._uncut = uncut

    def uncut_figures(self) -> Figures | None:
        """The figures on show before they were cut to the user (``analysis.visibility``):
        what a computation over RSOs must start from (a what-if scenario: a date of birth
        blanked outside the user's scope would change who ARMS applies to), its result then
        cut. Never shown as they are. None while the figures on show are not complete."""
        return self._uncut(self._figures)

    def _changed(self, change: Change) -> None:
        """Every page shows ``change``, just written: in memory, or by reading again."""
        if not self._show_change(change):
            self.reload()

    def apply(self, operation: Operation, *,
              on_refused: Callable[[str, str], None] | None = None) -> Change | None:
        """Run a named operation as this window's user, make it undoable, refresh every page.

        A refused operation (``OperationError``, ``NotPermitted`` for this user, or a database
        that cannot write) changes nothing and is said once: through
        ``on_refused(title, message)`` when given (a dialog showing the reason in itself), else
        in a message box (``show_error``). One refused because someone changed what it would
        change first (``StaleWrite``, saying who and when) then reads the figures again.
        """
        say = on_refused if on_refused is not None else self.show_error
        engine = self._engine
        if engine is None:
            say("No database", "Open a database first (File > Open database).")
            return None
        self._prepare_change()
        try:
            change = operation(engine, self._user)
        except StaleWrite as exc:  # someone changed it first: say who, then show it as it is
            say("Changed by someone else", one_line(exc))
            self.reload()
            return None
        except OperationError as exc:
            say("Not done", one_line(exc))
            return None
        except NotPermitted as exc:
            say("Not permitted", one_line(exc))
            return None
        except SQLAlchemyError as exc:
            unwritable = cannot_write_error(exc, self._location)
            say("Not saved", one_line(unwritable or exc))
            return None
        names = self._manager_names()
        command = _Command(engine, change, self._user, lambda: self._changed(command.change),
                           names=names, on_refused=self.show_error,
                           prepare=lambda: self._prepare_change())
        self.undo_stack.push(command)
        self._changed(change)
        return change

    def _manager_names(self) -> dict[str, str]:
        """Each manager's name by id, as the figures on show have them (for undo entries)."""
        if self._figures is None:
            return {}
        managers = self._figures.managers
        if "manager_id" not in managers or "name" not in managers:
            return {}
        known = managers[managers["name"].notna()]
        return dict(zip(known["manager_id"].astype(str), known["name"].astype(str),
                        strict=True))

    def audit(self, kind: str, action: str, rso_ids: Iterable[str] = (),
              detail: Any = None) -> None:
        """An audit row for something this window's user was shown or given (a consultation,
        a disclosure: ``storage.audit.KINDS``), as ``actor``, in the open database; written off
        the GUI thread (``audit_log.AuditWriter``). Nothing without a database."""
        if self._engine is not None:
            self.audit_writer.write(self._engine, self.actor, kind, action, rso_ids, detail)

    def show_error(self, title: str, message: str) -> None:
        """A one-line problem the user can act on (not a crash). Only the message's first line
        is shown: later lines of a database error hold its SQL statement."""
        lines = message.strip().splitlines()
        self._show_error(title, lines[0] if lines else title)

    def show_status(self, message: str, timeout_ms: int = 0) -> None:
        """A line in the status bar (until the next one, or for ``timeout_ms``)."""
        self._window.statusBar().showMessage(message, timeout_ms)

    def clear_status(self) -> None:
        self._window.statusBar().clearMessage()

    def add_status_widget(self, widget: QWidget) -> None:
        """A widget at the left of the status bar (a reminder the user can click)."""
        self._window.statusBar().addWidget(widget)

    def menu(self, title: str) -> QMenu:
        """The menu called ``title`` ("File", "Edit", "View", "Help", or a new one before
        Help; an ampersand in ``title`` marks the new menu's shortcut letter)."""
        key = title.replace("&", "")
        if key not in self._menus:
            menu = QMenu(title, self._window)
            help_menu = self._menus.get("Help")
            if help_menu is None:
                self._window.menuBar().addMenu(menu)
            else:
                self._window.menuBar().insertMenu(help_menu.menuAction(), menu)
            self._menus[key] = menu
        return self._menus[key]

    def current_page(self) -> QWidget | None:
        """The page in front."""
        return self._tabs.currentWidget()

    def current_title(self) -> str:
        """The title of the page in front (its tab's text)."""
        return self._tabs.tabText(self._tabs.currentIndex())

    def pages(self) -> list[QWidget]:
        """Every page, in tab order."""
        return [self._tabs.widget(i) for i in range(self._tabs.count())]


class _Command(OperationCommand):
    """An undo entry that lets the window prepare before its undo or redo writes (so that the
    change it makes can be shown in memory, as the operation's own was)."""

    def __init__(self, *args: Any, prepare: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare = prepare

    def _take_back(self) -> bool:
        self._prepare()
        return super()._take_back()
