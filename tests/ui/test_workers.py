"""Long work off the GUI thread: result, error and cancel come back as signals on the GUI thread;
the progress dialog shows what the work reports and Cancel only asks the work to stop."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QApplication, QMainWindow

from ncpi_desktop.ui.core.workers import NEVER, Cancelled, Job, run_job


@pytest.fixture
def parent(qtbot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def on_gui_thread() -> bool:
    return QThread.currentThread() is QApplication.instance().thread()


def test_result_arrives_on_the_gui_thread(qtbot, parent) -> None:
    threads: list[bool] = []

    def work(progress, cancel):
        threads.append(on_gui_thread())
        progress(1, 2, "Halfway")
        return 42

    job = Job(work, title="Sum", parent=parent)
    seen: list[bool] = []
    job.succeeded.connect(lambda _result: seen.append(on_gui_thread()))
    with qtbot.waitSignal(job.done), qtbot.waitSignal(job.succeeded) as result:
        job.start()
    assert result.args == [42]
    assert threads == [False]
    assert seen == [True]
    assert not job.is_running
    assert Job.running() == []


def test_progress_is_shown_in_a_window_modal_dialog(qtbot, parent) -> None:
    release = threading.Event()

    def work(progress, cancel):
        progress(3, 10, "Writing visits")
        release.wait(10)
        return "ok"

    job = Job(work, title="Import", parent=parent, show_after_ms=0)
    with qtbot.waitSignal(job.progressed) as reported:
        job.start()
    assert reported.args == [3, 10, "Writing visits"]
    dialog = job.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.windowModality() == Qt.WindowModality.WindowModal
    assert dialog.labelText() == "Writing visits"
    assert (dialog.value(), dialog.maximum()) == (3, 10)
    assert dialog.windowTitle() == "Import"
    with qtbot.waitSignal(job.succeeded):
        release.set()
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_quick_work_never_shows_the_dialog(qtbot, parent) -> None:
    job = Job(lambda progress, cancel: progress(1, 1, "Done"), title="Quick", parent=parent)
    with qtbot.waitSignal(job.done):
        job.start()
    assert not job.dialog.isVisible()


def test_work_that_never_shows_its_dialog_does_not_after_four_seconds(qtbot, parent) -> None:
    """Work the user carries on beside (``NEVER``): no dialog over the window however long it
    takes, with or without progress (Qt shows a progress dialog after 4 s by default)."""
    release = threading.Event()

    def work(progress, cancel):
        release.wait(10)
        progress(1, 2, "Halfway")
        release.wait(10)

    job = Job(work, title="Quiet", parent=parent, show_after_ms=NEVER)
    job.start()
    qtbot.wait(4500)
    assert not job.dialog.isVisible()
    with qtbot.waitSignal(job.done):
        release.set()
    assert not job.dialog.isVisible()


def test_an_expected_error_arrives_as_a_signal(qtbot, parent) -> None:
    def work(progress, cancel):
        raise OSError(28, "No space left on device", "/tmp/pack.pdf")

    job = Job(work, title="Save", parent=parent, expected=(OSError,))
    with qtbot.waitSignal(job.failed) as failed:
        job.start()
    assert isinstance(failed.args[0], OSError)
    assert failed.args[0].strerror == "No space left on device"


def test_an_unexpected_error_is_raised_on_the_gui_thread(qtbot, parent) -> None:
    def work(progress, cancel):
        raise KeyError("bug")

    job = Job(work, title="Save", parent=parent, expected=(OSError,))
    with qtbot.captureExceptions() as exceptions, qtbot.waitSignal(job.done):
        job.start()
    assert [type(e[1]) for e in exceptions] == [KeyError]


def test_cancel_asks_the_work_to_stop_and_the_dialog_waits_for_it(qtbot, parent) -> None:
    release = threading.Event()

    def work(progress, cancel):
        progress(0, 0, "Reading")
        release.wait(10)
        return "stopped" if cancel() else "finished"

    job = Job(work, title="Import", parent=parent, show_after_ms=0)
    with qtbot.waitSignal(job.progressed):
        job.start()
    dialog = job.dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.maximum() == 0  # unknown total: a busy bar
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert job.cancel_requested
    assert dialog.isVisible()
    assert dialog.labelText() == "Cancelling…"
    assert not dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(job.succeeded) as result:
        release.set()
    assert result.args == ["stopped"]


def test_escape_cancels_rather_than_hiding_the_dialog(qtbot, parent) -> None:
    release = threading.Event()

    def work(progress, cancel):
        progress(0, 0, "Reading")
        release.wait(10)
        return cancel()

    job = Job(work, title="Import", parent=parent, show_after_ms=0)
    with qtbot.waitSignal(job.progressed):
        job.start()
    qtbot.waitUntil(job.dialog.isVisible)
    qtbot.keyClick(job.dialog, Qt.Key.Key_Escape)
    assert job.cancel_requested
    assert job.dialog.isVisible()
    with qtbot.waitSignal(job.succeeded) as result:
        release.set()
    assert result.args == [True]


def test_cancel_at_progress_stops_work_that_does_not_poll(qtbot, parent) -> None:
    release = threading.Event()
    steps: list[int] = []

    def work(progress, cancel):
        progress(0, 3, "Page 1")
        release.wait(10)
        for step in range(1, 4):
            progress(step, 3, f"Page {step + 1}")
            steps.append(step)
        return "written"

    cancelled: list[bool] = []
    job = run_job(parent, "Pack", work, on_success=lambda _r: None,
                  on_cancel=lambda: cancelled.append(True), cancel_at_progress=True)
    qtbot.waitUntil(lambda: job.dialog.labelText() == "Page 1")
    job.cancel()
    with qtbot.waitSignal(job.cancelled):
        release.set()
    assert steps == []
    assert cancelled == [True]


def test_run_job_shows_an_expected_failure(qtbot, parent, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(
        lambda _parent, title, text: shown.append((title, text))))

    def work(progress, cancel):
        raise PermissionError(13, "Permission denied", "/srv/pack.pdf")

    job = run_job(parent, "Export performance pack", work, on_success=lambda _r: None)
    with qtbot.waitSignal(job.done):
        pass
    assert shown == [("Export performance pack", "Permission denied: /srv/pack.pdf")]


def test_cancelled_is_an_exception_the_work_may_raise(qtbot, parent) -> None:
    def work(progress, cancel):
        raise Cancelled

    job = Job(work, title="X", parent=parent)
    with qtbot.waitSignal(job.cancelled):
        job.start()
