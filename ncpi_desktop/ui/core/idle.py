"""Noticing that nobody is using the window: the idle watch behind the lock (SECURITY.md).

``IdleWatch`` filters every event of the application: a key press, a mouse press, move or wheel,
or a touch is activity and starts the count again; ``idle`` is emitted once the policy's idle
minutes pass without any. While the window is locked (``block``), shortcuts (Ctrl+O, Ctrl+P...)
are swallowed, so nothing behind the lock can be reached from the keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

#: What counts as someone using the application.
ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
})
#: What a locked window must not act on.
SHORTCUTS = frozenset({QEvent.Type.Shortcut})


class IdleWatch(QObject):
    """Emits ``idle`` after ``minutes`` without activity anywhere in the application, while
    ``window`` is on screen (a closed window neither locks nor blocks anything)."""

    idle = Signal()

    def __init__(self, minutes: float, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("idle_watch")
        self._window = window
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._blocking = False
        self.set_minutes(minutes)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self._timer.start()

    @property
    def minutes(self) -> float:
        return self._timer.interval() / 60_000

    @property
    def running(self) -> bool:
        """Counting towards ``idle`` (not stopped by ``pause``)."""
        return self._timer.isActive()

    def set_minutes(self, minutes: float) -> None:
        """Lock after ``minutes`` (the policy's ``idle_lock_minutes``); at least a millisecond."""
        self._timer.setInterval(max(1, round(minutes * 60_000)))
        if self._timer.isActive():
            self._timer.start()

    def pause(self) -> None:
        """Stop counting (the window is locked, or nobody is signed in)."""
        self._timer.stop()

    def restart(self) -> None:
        """Count again from now."""
        self._timer.start()

    def block(self, blocking: bool) -> None:
        """Swallow every shortcut of the application while ``blocking``."""
        self._blocking = blocking

    def stop(self) -> None:
        """Stop watching for good."""
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def _on_timeout(self) -> None:
        if self._window.isVisible():
            self.idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if self._blocking and kind in SHORTCUTS and self._window.isVisible():
            return True
        if kind in ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False
