"""The window's audit rows that change nothing else (a consultation, a disclosure), written off
the GUI thread.

One row costs a write transaction (2 ms on an idle machine's SQLite file, up to 20 ms when the
disk is busy, most of it the commit: ``benchmarks/bench_audit.py``; more on a PostgreSQL server
across a network), which a click should not wait for, so
``AuditWriter.write`` queues the row and a worker thread appends the queue in order
(``storage.audit.record``). The thread ends when the queue is empty and is started again by the
next row; as a plain, non-daemon thread it finishes what is queued before the interpreter exits.
A row that cannot be written is said once, in one line (``failed``), never silently dropped.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal
from sqlalchemy.engine import Engine

#: A queued row: the database, who, kind, action, RSO ids, detail.
_Row = tuple[Engine, str, str, str, list[str], Any]


class AuditWriter(QObject):
    """Appends audit rows in order on a worker thread."""

    #: A row could not be written: one line saying so (emitted from the worker thread; a
    #: receiver in the window gets it on the GUI thread).
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: deque[_Row] = deque()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def write(self, engine: Engine, actor: str, kind: str, action: str,
              rso_ids: Iterable[str] = (), detail: Any = None) -> None:
        """Queue one row (returns at once)."""
        row: _Row = (engine, actor, kind, action, [str(i) for i in rso_ids], detail)
        with self._lock:
            self._queue.append(row)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audit-writer")
                self._thread.start()

    def _run(self) -> None:
        from ncpi_desktop.storage.audit import record

        while True:
            with self._lock:
                if not self._queue:
                    self._thread = None
                    return
                engine, actor, kind, action, rso_ids, detail = self._queue.popleft()
            try:
                record(engine, actor, kind, action, rso_ids, detail)
            except Exception as exc:  # noqa: BLE001 - said, never dropped in silence
                first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
                try:
                    self.failed.emit(f"The audit log could not record {action!r}: "
                                     f"{first or type(exc).__name__}")
                except RuntimeError:  # the window has gone
                    pass

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued row is written (or ``timeout`` seconds); True when done."""
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return True
            thread.join(timeout)
            if thread.is_alive():
                return False

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue) + (self._thread is not None)
