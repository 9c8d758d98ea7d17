"""Long work off the GUI thread: one plain function, a progress dialog with Cancel, and signals.

The work is a plain function ``work(progress, cancel)``: it calls ``progress(done, total, what)``
as it goes (``total`` 0 means "unknown": the bar is busy) and may poll ``cancel()`` to stop early.
``Job`` runs it on its own QThread and shows a window-modal ``QProgressDialog`` after a short delay
(quick work never flashes a dialog). The result, or the exception, comes back on the GUI thread as
a signal. Cancel only sets a flag: the function decides where it can stop safely (an import rolls
back), so the dialog stays up, saying "Cancelling…", until the function has returned.

With ``cancel_at_progress`` the progress callback itself raises ``Cancelled`` once Cancel was
pressed, which makes any function that reports progress cancellable at those points (a PDF
writer); the job then emits ``cancelled``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog, QPushButton, QWidget

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
Work = Callable[[Progress, Cancel], Any]

#: How long work may run before the progress dialog appears (milliseconds).
SHOW_AFTER_MS = 500
#: ``show_after_ms`` for work that never shows its dialog: work the user carries on beside, which
#: says what it is doing elsewhere (the status bar).
NEVER = 2**31 - 1
#: Progress reports closer together than this are dropped, unless the text changes or the work
#: is done (an import reports every chunk of rows; the dialog needs a few updates a second).
PROGRESS_INTERVAL_S = 0.05


class Cancelled(Exception):
    """Raised inside the work (by the progress callback with ``cancel_at_progress``, or by the
    work itself) to stop it because the user pressed Cancel."""


#: Jobs under way, kept alive until they finish (a job has no Qt parent, so that closing a window
#: cannot delete a job whose thread is still running).
_RUNNING: set[Job] = set()


class _Thread(QThread):
    """Runs the work; keeps the outcome for the job to read once the thread has finished."""

    progressed = Signal(int, int, str)

    def __init__(self, work: Work, cancel_at_progress: bool) -> None:
        super().__init__()
        self._work = work
        self._cancel_at_progress = cancel_at_progress
        self.cancel_flag = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self._last = (0.0, "")

    def _progress(self, done: int, total: int, what: str) -> None:
        if self._cancel_at_progress and self.cancel_flag.is_set():
            raise Cancelled
        now = time.monotonic()
        last_time, last_what = self._last
        if what != last_what or done >= total or now - last_time >= PROGRESS_INTERVAL_S:
            self._last = (now, what)
            self.progressed.emit(int(done), int(total), str(what))

    def run(self) -> None:
        try:
            self.result = self._work(self._progress, self.cancel_flag.is_set)
        except BaseException as exc:  # handed to the GUI thread, raised again there if a bug
            self.error = exc


class _ProgressDialog(QProgressDialog):
    """A progress dialog whose Cancel (button, Escape or close box) only asks the work to stop:
    the dialog stays until the work has returned."""

    def __init__(self, label: str, parent: QWidget | None, cancellable: bool) -> None:
        super().__init__(label, "Cancel", 0, 0, parent)
        # Our own button, to disable it once pressed. Removing the default one first also removes
        # its Escape shortcut: replacing it directly leaves two, and an ambiguous Escape does
        # nothing.
        self.setCancelButton(None)  # type: ignore[arg-type]
        self.cancel_button: QPushButton | None = None
        if cancellable:
            self.cancel_button = QPushButton("Cancel")
            self.setCancelButton(self.cancel_button)
        # QProgressDialog resets and hides itself on Cancel; the job decides when it is over.
        self.canceled.disconnect(self.cancel)
        self.setAutoReset(False)
        self.setAutoClose(True)

    def reject(self) -> None:
        self.canceled.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.canceled.emit()


class Job(QObject):
    """One piece of long work on a thread, with its progress dialog.

    Signals arrive on the GUI thread: ``progressed`` as the work reports, then exactly one of
    ``succeeded(result)``, ``failed(exception)`` (an exception of the ``expected`` types) or
    ``cancelled`` (the work raised ``Cancelled``), then ``done``. Any other exception is raised
    again on the GUI thread, where the application's exception hook shows it: a bug is not
    dressed up as a message.
    """

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, work: Work, *, title: str, parent: QWidget | None = None,
                 label: str = "Working…", expected: tuple[type[BaseException], ...] = (),
                 cancellable: bool = True, cancel_at_progress: bool = False,
                 show_after_ms: int = SHOW_AFTER_MS) -> None:
        super().__init__()
        self._thread = _Thread(work, cancel_at_progress)
        self._thread.progressed.connect(self._on_progressed)
        self._thread.finished.connect(self._on_finished)
        self._expected = expected
        self._title = title
        self._finished = False
        self.dialog = _ProgressDialog(label, parent, cancellable)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(show_after_ms)
        if show_after_ms >= NEVER:
            # QProgressDialog shows itself after 4 s whatever the duration until it is given a
            # value; reset() stops that timer.
            self.dialog.reset()
        self.dialog.setMinimumWidth(420)
        self.dialog.canceled.connect(self.cancel)

    # --- control -----------------------------------------------------------------------------

    def start(self) -> Job:
        """Start the work; returns the job, so ``Job(...).start()`` reads as one step."""
        install_shutdown()
        _RUNNING.add(self)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop (it polls ``cancel()``); the outcome still arrives as a signal."""
        if self._finished or self._thread.cancel_flag.is_set():
            return
        self._thread.cancel_flag.set()
        if shiboken6.isValid(self.dialog):
            self.dialog.setLabelText("Cancelling…")
            if self.dialog.cancel_button is not None:
                self.dialog.cancel_button.setEnabled(False)

    @property
    def cancel_requested(self) -> bool:
        return self._thread.cancel_flag.is_set()

    @property
    def is_running(self) -> bool:
        return not self._finished

    def wait(self) -> None:
        """Block until the thread has ended (for shutting down; signals still follow)."""
        self._thread.wait()

    # --- from the thread ---------------------------------------------------------------------

    @Slot(int, int, str)
    def _on_progressed(self, done: int, total: int, what: str) -> None:
        if self._finished:
            return
        if shiboken6.isValid(self.dialog):
            if self.dialog.maximum() != max(total, 0):
                self.dialog.setMaximum(max(total, 0))
            if not self.cancel_requested:
                self.dialog.setLabelText(what)
            self.dialog.setValue(min(max(done, 0), max(total, 0)))
        self.progressed.emit(done, total, what)

    @Slot()
    def _on_finished(self) -> None:
        self._thread.wait()
        self._finished = True
        _RUNNING.discard(self)
        if shiboken6.isValid(self.dialog):
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
        error = self._thread.error
        try:
            if error is None:
                self.succeeded.emit(self._thread.result)
            elif isinstance(error, Cancelled):
                self.cancelled.emit()
            elif isinstance(error, self._expected):
                self.failed.emit(error)
            else:
                raise error
        finally:
            self.done.emit()
            self._thread.deleteLater()

    # --- shutting down -----------------------------------------------------------------------

    @classmethod
    def running(cls) -> list[Job]:
        return list(_RUNNING)

    @classmethod
    def cancel_all_and_wait(cls) -> None:
        """Ask every job to stop and wait for their threads (the application is quitting)."""
        for job in cls.running():
            job.cancel()
        for job in cls.running():
            job.wait()


def run_job(parent: QWidget | None, title: str, work: Work, *,
            on_success: Callable[[Any], None],
            on_failure: Callable[[BaseException], None] | None = None,
            on_cancel: Callable[[], None] | None = None,
            expected: tuple[type[BaseException], ...] = (OSError,),
            label: str = "Working…", cancellable: bool = True,
            cancel_at_progress: bool = False, show_after_ms: int = SHOW_AFTER_MS) -> Job:
    """Run ``work`` on a thread with a progress dialog over ``parent`` and call back on the GUI
    thread. Without ``on_failure`` an expected error is shown in a message box titled ``title``."""
    job = Job(work, title=title, parent=parent, label=label, expected=expected,
              cancellable=cancellable, cancel_at_progress=cancel_at_progress,
              show_after_ms=show_after_ms)
    job.succeeded.connect(on_success)
    job.failed.connect(on_failure or (lambda error: show_failure(parent, title, error)))
    if on_cancel is not None:
        job.cancelled.connect(on_cancel)
    return job.start()


def show_failure(parent: QWidget | None, title: str, error: BaseException) -> None:
    """An expected failure (a file that cannot be written) as a one-line message."""
    text = str(error).strip()
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    QMessageBox.warning(parent, title, text.splitlines()[0] if text else type(error).__name__)


def install_shutdown(app: QApplication | None = None) -> None:
    """Cancel and wait for running jobs when the application quits (a thread must not outlive
    the objects it reports to)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is not None and not app.property("ncpi_jobs_shutdown"):
        app.setProperty("ncpi_jobs_shutdown", True)
        app.aboutToQuit.connect(Job.cancel_all_and_wait)
