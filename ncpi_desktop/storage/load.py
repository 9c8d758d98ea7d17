"""Load a ``Snapshot``: the register (``storage.snapshot``) and its recorded history
(``storage.history``) as at one date, on one connection; the read path every screen, chart,
export and check starts from.

The modules below this one each do one part: ``snapshot`` reads the register's frames,
``history`` the visits, orders and decisions, and ``register_store`` keeps the register's copy
for the next start. Here they are put together, with the ``RegisterCache`` that keeps the
register between dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.storage import register_store
from ncpi_desktop.storage.history import HISTORY_LOADERS
from ncpi_desktop.storage.pg_read import read_in_parallel
from ncpi_desktop.storage.snapshot import (
    Loader,
    Progress,
    Register,
    RegisterSource,
    Snapshot,
    WholeTable,
    arms_at,
    read_register,
    register_stamp,
    rsos_at,
    with_deferred,
)


class RegisterCache:
    """The last ``Register`` read from one database, reused for snapshot after snapshot (as a
    window's as-at date changes) until the database changes (its ``register_stamp`` moves).

    On SQLite a register not in memory is taken from the copy stored in the database
    (``storage.register_store``) while that is current, and read from the tables otherwise;
    ``store`` stores one read from the tables for the next start.

    One cache per database: a window makes a new one when it opens another.
    """

    def __init__(self) -> None:
        self._register: Register | None = None
        #: The register ``store`` last stored (it may run on another thread while a newer
        #: register replaces it here).
        self._stored: Register | None = None

    def register(self, connection: Connection, progress: Progress | None = None, *,
                 defer: bool = False) -> Register:
        """The register, read anew if the database changed. ``defer``: a server's may come
        without its ``DEFERRED_COLUMNS`` (blank), which a later call without ``defer`` reads."""
        stamp = register_stamp(connection)
        if self._register is None or self._register.stamp != stamp:
            register = None
            if connection.dialect.name == "sqlite":
                register = register_store.stored_register(connection)
            self._register = register if register is not None else read_register(
                connection, progress, defer=defer)
        elif self._register.deferred and not defer:
            self._register = with_deferred(connection, self._register)
        return self._register

    @property
    def current(self) -> Register | None:
        """The register in memory (None: none read yet)."""
        return self._register

    def advance(self, register: Register) -> None:
        """``register`` replaces the one in memory: the one in memory with a change the
        application made applied to it (``storage.in_memory``), stamped as the database is
        after that change."""
        self._register = register

    @property
    def source(self) -> RegisterSource | None:
        """Where the register in memory came from ("store", "tables", or "memory": one of those
        with the application's own changes applied in memory); None: none yet."""
        return self._register.source if self._register is not None else None

    @property
    def unstored(self) -> bool:
        """The register in memory was read from the tables (or brought up to date in memory)
        and is not stored yet: ``store`` has something to do (SQLite; a register read while
        the tables changed never is)."""
        register = self._register
        return (register is not None and register.source != "store"
                and register.version is not None and register is not self._stored)

    def store(self, engine: Engine) -> bool:
        """Store the register in memory in its database for the next start
        (``register_store.store_register``), if it was read from the tables (or brought up to
        date in memory) and the database
        has not changed since; True if it was stored now. A no-op (False) on PostgreSQL, for a
        register that came from the store or is stored already, or one the database has moved
        past; never raises for a database that cannot be written."""
        register = self._register
        if register is None or register.source == "store" or register is self._stored:
            return False
        if not register_store.store_register(engine, register):
            return False
        self._stored = register
        return True

    def clear(self) -> None:
        self._register = None
        self._stored = None


def load_snapshot(engine: Engine, as_at: date, *, progress: Progress | None = None,
                  loaders: Mapping[str, Loader] | None = None,
                  cache: RegisterCache | None = None, defer: bool = False) -> Snapshot:
    """Read the frames as at ``as_at`` on one connection (on a server, the history read at
    the date on a second connection meanwhile).

    ``loaders`` adds further frames (``Snapshot.extra``); by default the recorded history
    (``HISTORY_LOADERS``: visits, orders, decisions), which every rule needs.
    Pass ``{}`` to read the register alone. With ``cache``, the date-independent frames read for
    an earlier date are reused while the database has not changed. ``defer`` (with ``cache``):
    on a server, the RSOs' ``DEFERRED_COLUMNS`` (names) may be blank, for figures that need
    none (the caseload figures shown first); the next read without it fills them in.
    """
    if loaders is None:
        loaders = HISTORY_LOADERS
    report = progress or (lambda _done, _total, _what: None)
    dated = {name: loader for name, loader in loaders.items()
             if not isinstance(loader, WholeTable)}
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite" or not dated:
            register, extra = _read(connection, as_at, loaders, cache, report, defer)
        else:
            # A server: the history read at the date (the visits' query, the longest) runs on
            # a second connection while the register is read on this one (``pg_read``).
            whole = {name: loader for name, loader in loaders.items() if name not in dated}
            history: dict[str, pd.DataFrame] = {}

            def read_history(other: Connection) -> None:
                history.update((name, loader(other, as_at)) for name, loader in dated.items())

            read = read_in_parallel(connection, {
                "history": read_history,
                "register": lambda here: _read(here, as_at, whole, cache, report, defer)})
            register, extra = read["register"]  # type: ignore[misc]
            extra = {name: (extra | history)[name] for name in loaders}
    rsos = rsos_at(register.rsos, register.allocations, as_at)
    arms = arms_at(register.arms, as_at)
    report(1 + len(loaders), 1 + len(loaders), "Done")
    return Snapshot(as_at=as_at, policy=register.policy, managers=register.managers, rsos=rsos,
                    arms=arms, extra=extra)


def _read(connection: Connection, as_at: date, loaders: Mapping[str, Loader],
          cache: RegisterCache | None, report: Progress, defer: bool = False,
          ) -> tuple[Register, dict[str, pd.DataFrame]]:
    """The register (from ``cache`` when given) and the frames of ``loaders`` at ``as_at``,
    one after the other on ``connection``."""
    steps = 1 + len(loaders)
    report(0, steps, "Reading the register")
    register = (cache.register(connection, defer=defer) if cache is not None
                else read_register(connection))
    extra: dict[str, pd.DataFrame] = {}
    for done, (name, loader) in enumerate(loaders.items(), start=1):
        report(done, steps, f"Reading {name}")
        if isinstance(loader, WholeTable):
            if name not in register.tables:
                register.tables[name] = loader.read(connection)
            extra[name] = loader.at(register.tables[name], as_at)
        else:
            extra[name] = loader(connection, as_at)
    return register, extra
