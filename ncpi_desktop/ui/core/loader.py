"""Reading the window's figures from its database, and keeping the register for the next start.

``read_figures`` is the one read: a plain function, run at once or on a worker thread. The
``Loader`` runs it for the window: in the background it drops a read overtaken by a newer one,
can give the caseload figures first (what the first page needs, read a few times quicker) and the
full figures after, and keeps the register it read in the database once nothing new has been
read for a while (``STORE_AFTER_MS``), so the next start reads that copy instead of the tables.
"""

from __future__ import annotations

from datetime import date

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.analysis.figures import Figures, compute_caseload_figures, compute_figures
from ncpi_desktop.analysis.visibility import cut_to
from ncpi_desktop.domain.security import User
from ncpi_desktop.storage.database import DatabaseError
from ncpi_desktop.storage.history import HISTORY_LOADERS
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.snapshot import Progress
from ncpi_desktop.ui.core.context import AppContext, one_line
from ncpi_desktop.ui.core.workers import NEVER, SHOW_AFTER_MS, Job, run_job

#: The register read from its tables is kept in the database for the next start once the window
#: has read nothing new for this long (milliseconds), or when it closes.
STORE_AFTER_MS = 10_000
#: What the caseload figures need of the history: the management decisions (the reactive count),
#: under the name the full read finds them by in the register cache.
CASELOAD_LOADERS = {"decisions": HISTORY_LOADERS["decisions"]}
#: Failures of a read that are the database's: shown as a message, never as a crash.
READ_ERRORS = (DatabaseError, SQLAlchemyError)


def read_figures(engine: Engine, as_at: date, cache: RegisterCache | None = None,
                 progress: Progress | None = None, *, caseload_only: bool = False,
                 user: User) -> Figures | None:
    """The figures of ``engine``'s register as at ``as_at`` (None when it holds nobody), cut
    to what ``user`` may see (``analysis.visibility.cut_to``): what a window shows. A plain
    function, run on a worker thread for a background reload.

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
    figures = compute_caseload_figures(snapshot) if caseload_only else compute_figures(snapshot)
    return cut_to(user, figures)


class Loader(QObject):
    """The window's reads: at once (``read``) or in the background (``start``), whose outcome
    arrives as one of ``caseload_read``, ``figures_read``, ``read_failed`` or ``read_cancelled``
    (never for a read that a newer one replaced, or after ``stop``)."""

    #: The caseload figures alone, read first; the full figures follow.
    caseload_read = Signal(object)
    #: The full figures (None: the database holds nobody).
    figures_read = Signal(object)
    #: The database could not be read: the first line of why.
    read_failed = Signal(str)
    #: The user cancelled the read.
    read_cancelled = Signal()

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self._context = context
        self._parent = parent
        #: The open database's date-independent frames, reused as the as-at date changes.
        self.cache = RegisterCache()
        #: Counts reads: a background read finishing after a newer one began is dropped.
        self._generation = 0
        #: The background read under way (or the last one).
        self.job: Job | None = None
        self._storing: Job | None = None
        self._store_pending: tuple[Engine, RegisterCache] | None = None
        self._store_timer = QTimer(self)
        self._store_timer.setSingleShot(True)
        self._store_timer.setInterval(STORE_AFTER_MS)
        self._store_timer.timeout.connect(self._store_in_background)

    @property
    def loading(self) -> bool:
        """A background read is under way (its figures are not shown yet)."""
        return self.job is not None and self.job.is_running

    def new_database(self) -> None:
        """Another database is opened: keep the pending register first, then start afresh."""
        self.store_now()
        self.cache = RegisterCache()

    def forget(self) -> None:
        """Read everything again next time (the application wrote to the database)."""
        self.cache.clear()

    def stop(self) -> None:
        """No read under way is of use any more: drop its outcome and ask it to stop."""
        self._generation += 1
        if self.loading:
            assert self.job is not None
            self.job.cancel()

    def read(self, engine: Engine, as_at: date) -> Figures | None:
        """Read at once, on this thread (raises the ``READ_ERRORS``), cut to the signed-in
        user."""
        return read_figures(engine, as_at, self.cache, user=self._context.user)

    def start(self, engine: Engine, as_at: date, *, caseload_first: bool = False) -> None:
        """Read on a worker thread. ``caseload_first``: the caseload figures, then the rest."""
        self._read_in_background(engine, as_at, self.cache, self._generation,
                                 caseload_first=caseload_first)

    def _read_in_background(self, engine: Engine, as_at: date, cache: RegisterCache,
                            generation: int, *, caseload_first: bool = False,
                            quiet: bool = False) -> None:
        """``quiet``: without a dialog over the page already in use, the status bar saying
        what is being read."""
        context = self._context
        user = context.user

        def current() -> bool:
            return shiboken6.isValid(self) and generation == self._generation

        def succeeded(figures: Figures | None) -> None:
            if not current():
                return
            if quiet:
                context.clear_status()
            if caseload_first and figures is not None:
                self.caseload_read.emit(figures)
                self._read_in_background(engine, as_at, cache, generation, quiet=True)
            else:
                self.figures_read.emit(figures)
                self._store_later(engine, cache)

        def failed(error: BaseException) -> None:
            if current():
                if quiet:
                    context.clear_status()
                self.read_failed.emit(one_line(error))

        def cancelled() -> None:
            if current():
                self.read_cancelled.emit()

        if quiet:
            context.show_status("Reading visits and civil orders for the other pages…")
        self.job = run_job(
            self._parent, "Reading the register",
            lambda progress, _cancel: read_figures(engine, as_at, cache, progress,
                                                   caseload_only=caseload_first, user=user),
            on_success=succeeded, on_failure=failed, on_cancel=cancelled,
            expected=READ_ERRORS, label="Reading the register…",
            cancel_at_progress=True, show_after_ms=NEVER if quiet else SHOW_AFTER_MS)

    # --- keeping the register for the next start ------------------------------------------

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
        if self._store_pending is None:
            return
        engine, cache = self._store_pending
        self._store_pending = None
        self._storing = run_job(self._parent, "Keeping the register for the next start",
                                lambda _progress, _cancel: cache.store(engine),
                                on_success=lambda _stored: None, expected=(SQLAlchemyError,),
                                on_failure=lambda _error: None, cancellable=False,
                                show_after_ms=NEVER)

    def store_now(self) -> None:
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
    def storing(self) -> bool:
        """The register is to be kept, or being kept, in the database for the next start."""
        return self._store_pending is not None or (
            self._storing is not None and self._storing.is_running)
