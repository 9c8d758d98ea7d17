"""Noticing that someone else changed the open database, so that the window shows it at once.

Another user's window, the command line or any other program may write to the database a
window shows. ``DatabaseWatch`` notices, on the GUI thread and without blocking it, and says so
(``changed``); the window then reads the figures again (``core.loader``).

- **SQLite**: ``PRAGMA data_version`` on a connection of the watch's own, polled a few times a
  second: it moves whenever another connection (another process, or this one's other
  connections) commits a change, and costs next to nothing to ask.
- **PostgreSQL**: ``LISTEN ncpi_changed`` on a connection of its own; the triggers of migration
  0012 notify the channel for every statement writing a table the figures are read from, when
  the writer commits. Notifications are taken from the connection with psycopg without waiting
  (``notifies(timeout=0)``) at the same pace.

A change the window made itself is noticed too: the loader compares the database's stamp with
that of the figures on show, and reads nothing when they agree.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy.engine import Engine

#: How often the database is asked whether it changed (milliseconds): a change made elsewhere
#: shows within this, plus the time to read it.
POLL_MS = 250
#: The channel migration 0012's triggers notify (PostgreSQL).
CHANNEL = "ncpi_changed"


class DatabaseWatch(QObject):
    """Says ``changed`` when the database being watched (``watch``) was written to by another
    connection since it last asked."""

    #: The database changed (something committed elsewhere).
    changed = Signal()

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self._engine: Engine | None = None
        self._connection: Any = None
        self._version: object = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    @property
    def engine(self) -> Engine | None:
        """The engine being watched (None: none)."""
        return self._engine

    def watch(self, engine: Engine | None) -> None:
        """Watch ``engine``'s database from now on (None: stop watching). A database that
        cannot be watched (a connection refused) is not, quietly: F5 still reads it."""
        if engine is self._engine and (engine is None or self._connection is not None):
            return
        self.stop()
        if engine is None:
            return
        try:
            self._connection = _open(engine)
            self._version = self._read_version()
        except Exception:  # noqa: BLE001 - SQLAlchemy's, or the driver's own (LISTEN refused)
            self.stop()
            return
        self._engine = engine
        self._timer.start()

    def stop(self) -> None:
        """Stop watching and close the watch's connection."""
        self._timer.stop()
        connection, self._connection, self._engine = self._connection, None, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a connection already gone is closed enough
                pass

    def poll(self) -> bool:
        """Ask the database now; True (and ``changed`` emitted) if it changed since last
        asked. A failure to ask (the server restarted, the file gone) stops the watch."""
        if self._connection is None:
            return False
        try:
            version = self._read_version()
        except Exception:  # noqa: BLE001 - the driver's own errors, whichever the database
            self.stop()
            return False
        if version == self._version:
            return False
        self._version = version
        self.changed.emit()
        return True

    def _read_version(self) -> object:
        """SQLite: the data version. PostgreSQL: how many notifications arrived (counted)."""
        connection = self._connection
        if isinstance(self._connection, _Listening):
            return connection.received()
        cursor = connection.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            return cursor.fetchone()[0]
        finally:
            cursor.close()


class _Listening:
    """A psycopg connection listening on ``CHANNEL``, counting the notifications it got."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._count = 0
        connection.autocommit = True
        connection.execute(f"LISTEN {CHANNEL}")

    def received(self) -> int:
        """The notifications received so far (taking those waiting, without blocking)."""
        self._count += sum(1 for _ in self._connection.notifies(timeout=0))
        return self._count

    def close(self) -> None:
        self._connection.close()


def _open(engine: Engine) -> Any:
    """A connection of the watch's own, out of the engine's pool (it is held open, listening,
    and closed by the watch): the DBAPI connection for SQLite, listening for PostgreSQL."""
    pooled = engine.raw_connection()
    driver = pooled.driver_connection
    pooled.detach()  # never handed back to the pool: closing it closes it
    if engine.dialect.name == "postgresql":
        try:
            return _Listening(driver)
        except BaseException:
            pooled.close()
            raise
    return pooled
