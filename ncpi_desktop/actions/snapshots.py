"""The snapshot as every rule reads it: loaded by storage, each RSO's management mode settled
by analysis."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.management import management_at
from ncpi_desktop.storage.history import HISTORY_LOADERS
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.snapshot import Progress, Snapshot


def full_snapshot(engine: Engine, as_at: date, progress: Progress | None = None,
                  cache: RegisterCache | None = None) -> Snapshot:
    """The register and its history (``HISTORY_LOADERS``) at ``as_at``, with management modes
    as decided by then (``analysis.management.management_at``; ``cache``: see
    ``storage.load.load_snapshot``)."""
    snapshot = load_snapshot(engine, as_at, progress=progress, loaders=HISTORY_LOADERS,
                             cache=cache)
    return management_at(snapshot)
