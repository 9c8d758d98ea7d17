"""What the detail panel reads of one RSO beyond the figures, cut to the user who reads it."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.visibility import cut_records
from ncpi_desktop.domain.security import User
from ncpi_desktop.storage.history import rso_records


def rso_records_for(user: User, figures: Figures | None, engine: Engine, rso_id: str,
                    as_at: date) -> dict[str, pd.DataFrame]:
    """One RSO's allocation history, visits, ARMS, orders and decisions up to ``as_at``
    (``storage.history.rso_records``), as ``user`` may see them
    (``analysis.visibility.cut_records``)."""
    return cut_records(user, figures, rso_id, rso_records(engine, rso_id, as_at))
