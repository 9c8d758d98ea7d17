"""The decisions on reviews of indefinite notification as at one date (DOMAIN.md rule 13).

``Snapshot.extra["notification_reviews"]``: each RSO's latest decision (``continue`` or
``discharge``) made on or before the as-at date, of two on one day the later recorded. Read at
each as-at date, as events are: decisions are few, and the stored register never holds them.
The reason is not read (a server withholds it outside the user's scope); the detail panel and
the command line read it where they show it.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from ncpi_desktop.storage.snapshot import ROW_KEY, Kind, read_frame, with_row_key

_SQL = """
SELECT n.id AS review_id, n.rso_id{r_key}, {day}(n.decided_on) AS decided_on, n.outcome
FROM notification_review n JOIN rso r ON r.rso_id = n.rso_id
WHERE n.decided_on <= :as_at AND r.registered_on <= :as_at
ORDER BY n.rso_id, n.decided_on, n.id
"""
_KINDS: dict[str, Kind] = {"review_id": "int", "rso_id": "text", ROW_KEY: "int",
                           "decided_on": "date", "outcome": "label"}


def load_notification_reviews(connection: Connection, as_at: date) -> pd.DataFrame:
    """Each RSO's latest decision on a review of its indefinite notification by ``as_at``:
    rso_id (and the row key where the database has one), decided_on, outcome; by rso_id."""
    every = read_frame(connection, with_row_key(connection, _SQL), _KINDS,
                       as_at=as_at.isoformat())
    ids = every["rso_id"].to_numpy(object)
    last = np.append(ids[1:] != ids[:-1], True) if len(ids) else np.zeros(0, dtype=bool)
    return every[last].drop(columns=["review_id"]).reset_index(drop=True)
