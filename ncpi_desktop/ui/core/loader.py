"""Reading the window's figures from its database, keeping them current, and keeping the
register for the next start.

``read_figures`` is the one read: a plain function, run at once or on a worker thread. The
``Loader`` runs it for the window: in the background it drops a read overtaken by a newer one,
can give the caseload figures first (what the first page needs, read a few times quicker) and the
full figures after, and keeps the register it read in the database once nothing new has been
read for a while (``STORE_AFTER_MS``), so the next start reads that copy instead of the tables.

The window's own changes are not read again: the change a named operation returns is applied
to the register and figures held in memory (``apply_change``: ``analysis.refigure``), and the
register kept for the next start is that one. Changes made elsewhere (another user, the command
line) are noticed by a ``core.watch.DatabaseWatch`` and read again in the background, quietly,
the pages keeping what they show until the new figures arrive.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable
from datetime import date

import pandas as pd
import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.analysis.figures import Figures, compute_caseload_figures, compute_figures
from ncpi_desktop.analysis.refigure import Held, held_after, keep_rows_of
from ncpi_desktop.analysis.visibility import cut_to
from ncpi_desktop.domain.security import User
from ncpi_desktop.storage.change import Change
from ncpi_desktop.storage.database import DatabaseError
from ncpi_desktop.storage.history import HISTORY_LOADERS, load_visits_of
from ncpi_desktop.storage.in_memory import same_rows
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.snapshot import Progress, register_stamp, register_version
from ncpi_desktop.ui.core.context import AppContext, one_line
from ncpi_desktop.ui.core.watch import DatabaseWatch
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
                 user: User, keep: Callable[[Held], None] | None = None) -> Figures | None:
    """The figures of ``engine``'s register as at ``as_at`` (None when it holds nobody), cut
    to what ``user`` may see (``analysis.visibility.cut_to``): what a window shows. A plain
    function, run on a worker thread for a background reload.

    ``caseload_only``: the caseload figures alone (``Figures.complete`` False), read without the
    visits and orders: what the caseload page needs, a few times quicker to get on a large
    register. The same ``cache`` then serves the full read that follows.

    ``keep``: given what the full figures were made from, before they are cut (``Held``), for
    the window's own changes to be applied to in memory.
    """
    report = progress or (lambda _done, _total, _what: None)
    loaders = CASELOAD_LOADERS if caseload_only else None
    # The caseload figures need no names: a server's may come with the full read that follows.
    snapshot = load_snapshot(engine, as_at, progress=report, loaders=loaders, cache=cache,
                             defer=caseload_only)
    if snapshot.managers.empty and snapshot.rsos.empty:
        return None
    report(0, 0, "Computing the figures")
    figures = compute_caseload_figures(snapshot) if caseload_only else compute_figures(snapshot)
    register = cache.current if cache is not None else None
    if keep is not None and not caseload_only and register is not None:
        # Their ids hashed here, off the GUI thread, for the changes (an empty look-up would
        # not build pandas' hash table: the first change paid for it).
        snapshot.rso_rows(snapshot.rsos["rso_id"].to_numpy(dtype=object)[:1])
        register.rso_rows(register.rsos["rso_id"].to_numpy(dtype=object)[:1])
        keep_rows_of(snapshot)
        keep(Held(register, snapshot, figures))
    return cut_to(user, figures)


def settle_heap() -> None:
    """Keep every object alive now (the application's own, the register just shown) out of the
    cyclic collector's full scans (``gc.freeze``). A full scan of them took about 0.1 s and
    fell inside one change in three (``make bench``: edit to figures). They are still freed by
    reference counting; the next full read, or closing the database, lets them back in
    (``release_heap``), so anything cyclic among them is collected then."""
    gc.freeze()


def release_heap() -> None:
    """Undo ``settle_heap``: what it kept out of the full scans is scanned, and collected if
    it is garbage, again."""
    gc.unfreeze()


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
        #: What the figures on show were made from (complete figures only), and the engine.
        self._held: Held | None = None
        self._held_engine: Engine | None = None
        #: The held figures as cut to the user and shown (``uncut``).
        self._shown: Figures | None = None
        #: The database was as the held figures when the operation under way began.
        self._expecting = False
        #: Another connection wrote to the database (``watch``) while a read was under way.
        self._check_pending = False
        self.watch = DatabaseWatch(self)
        self.watch.changed.connect(self._on_watched_change)
        context.handle_changes(self.prepare_change, self.apply_change)
        context.handle_uncut(self.uncut)

    def uncut(self, shown: Figures | None) -> Figures | None:
        """The figures ``shown`` were cut from (the held ones), if ``shown`` are the figures
        last shown from them; else None."""
        held = self._held
        return held.figures if held is not None and shown is not None \
            and shown is self._shown else None

    @property
    def loading(self) -> bool:
        """A background read is under way (its figures are not shown yet)."""
        return self.job is not None and self.job.is_running

    def new_database(self) -> None:
        """Another database is opened: keep the pending register first, then start afresh."""
        self.store_now()
        self.unwatch()
        self.cache = RegisterCache()
        self._held = None

    def unwatch(self) -> None:
        """Stop watching the database for changes made elsewhere (it is being closed)."""
        self.watch.stop()
        release_heap()

    def forget(self) -> None:
        """Read everything again next time (the application wrote to the database)."""
        self.cache.clear()
        self._held = None

    def stop(self) -> None:
        """No read under way is of use any more: drop its outcome and ask it to stop."""
        self._generation += 1
        if self.loading:
            assert self.job is not None
            self.job.cancel()

    def read(self, engine: Engine, as_at: date) -> Figures | None:
        """Read at once, on this thread (raises the ``READ_ERRORS``), cut to the signed-in
        user."""
        self.watch.watch(engine)
        kept: list[Held] = []
        figures = read_figures(engine, as_at, self.cache, user=self._context.user,
                               keep=kept.append)
        self._hold(engine, kept)
        self._shown = figures
        return figures

    def _hold(self, engine: Engine, kept: list[Held]) -> None:
        self._held, self._held_engine = (kept[-1], engine) if kept else (None, None)

    def start(self, engine: Engine, as_at: date, *, caseload_first: bool = False) -> None:
        """Read on a worker thread. ``caseload_first``: the caseload figures, then the rest."""
        self.watch.watch(engine)
        self._read_in_background(engine, as_at, self.cache, self._generation,
                                 caseload_first=caseload_first)

    def refresh(self) -> None:
        """Read the window's database again on a worker thread, quietly (no dialog; the pages
        keep what they show until the new figures arrive): it was changed elsewhere."""
        engine = self._context.engine
        if engine is None:
            return
        self.stop()
        self._read_in_background(engine, self._context.as_at, self.cache, self._generation,
                                 quiet="Reading the changes made elsewhere…")

    def _read_in_background(self, engine: Engine, as_at: date, cache: RegisterCache,
                            generation: int, *, caseload_first: bool = False,
                            quiet: str = "") -> None:
        """``quiet``: without a dialog over the page already in use, the status bar saying
        what is being read."""
        context = self._context
        user = context.user
        kept: list[Held] = []

        def current() -> bool:
            return shiboken6.isValid(self) and generation == self._generation

        def succeeded(figures: Figures | None) -> None:
            if not current():
                return
            if quiet:
                context.clear_status()
            if caseload_first and figures is not None:
                self.caseload_read.emit(figures)
                self._read_in_background(
                    engine, as_at, cache, generation,
                    quiet="Reading visits and civil orders for the other pages…")
            else:
                self._hold(engine, kept)
                self._shown = figures
                self.figures_read.emit(figures)
                settle_heap()
                self._store_later(engine, cache)
                if self._check_pending:
                    self._on_watched_change()

        def failed(error: BaseException) -> None:
            if current():
                if quiet:
                    context.clear_status()
                self.read_failed.emit(one_line(error))

        def cancelled() -> None:
            if current():
                self.read_cancelled.emit()

        if quiet:
            context.show_status(quiet)
        release_heap()  # what is read replaces what was kept out of the collector's scans
        self.job = run_job(
            self._parent, "Reading the register",
            lambda progress, _cancel: read_figures(engine, as_at, cache, progress,
                                                   caseload_only=caseload_first, user=user,
                                                   keep=kept.append),
            on_success=succeeded, on_failure=failed, on_cancel=cancelled,
            expected=READ_ERRORS, label="Reading the register…",
            cancel_at_progress=True, show_after_ms=NEVER if quiet else SHOW_AFTER_MS)

    # --- the window's own changes, and those made elsewhere ---------------------------------

    def _current(self) -> tuple[Engine, Held] | None:
        """The engine and what the figures on show were made from, if they are the window's
        (its database and date, no read under way)."""
        held, engine = self._held, self._context.engine
        if (held is None or engine is None or engine is not self._held_engine or self.loading
                or held.snapshot.as_at != self._context.as_at):
            return None
        return engine, held

    def prepare_change(self) -> None:
        """A named operation (or its undo or redo) is about to run: note whether the database
        is still as the figures on show, so that its change can be applied to them."""
        self._expecting = False
        current = self._current()
        if current is None:
            return
        engine, held = current
        try:
            with engine.connect() as connection:
                stamp = register_stamp(connection)
        except READ_ERRORS:
            return
        self._expecting = stamp == held.register.stamp

    def apply_change(self, change: Change) -> bool:
        """Show ``change`` (just written, and prepared for by ``prepare_change``) by applying
        it to the figures on show (``analysis.refigure.held_after``) rather than reading the
        database again; False when it cannot be (the database was changed elsewhere first, a
        read is under way, a change of a kind not applied in memory): read it again then."""
        expecting, self._expecting = self._expecting, False
        current = self._current()
        if not expecting or current is None:
            return False
        engine, held = current
        try:
            with engine.connect() as connection:
                def visits_of(rso_id: str) -> pd.DataFrame:
                    return load_visits_of(connection, held.snapshot.as_at, rso_id)

                after = held_after(held, change, visits_of)
                if after is None:
                    return False
                stamp, version = register_stamp(connection), register_version(connection)
        except READ_ERRORS:
            return False
        register = dataclasses.replace(
            after.register, stamp=stamp, source="memory",
            version=version if held.register.version is not None else None)
        same_rows(after.register, register)
        self.cache.advance(register)
        self._held = Held(register, after.snapshot, after.figures)
        self._shown = cut_to(self._context.user, after.figures)
        self.figures_read.emit(self._shown)
        self._store_later(engine, self.cache)
        return True

    def _on_watched_change(self) -> None:
        """Another connection wrote to the database: read it again if the register changed
        from the one on show (not the window's own change, nor an audit row of what it showed)."""
        self._check_pending = False
        engine = self._context.engine
        if engine is None or engine is not self.watch.engine:
            return
        if self.loading:
            self._check_pending = True  # checked once the read under way is done
            return
        shown = self._held.register if self._held is not None else self.cache.current
        try:
            with engine.connect() as connection:
                stamp = register_stamp(connection)
        except READ_ERRORS:
            return
        if shown is None or stamp != shown.stamp:
            self.refresh()

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
