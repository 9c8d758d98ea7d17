"""Trigger events as at one date, each with what stopped its clocks (DOMAIN.md rule 14).

One row per event that had happened by the as-at date, of an RSO registered by then: its type,
date and whether a child may be at risk; ``visit_on``, the first completed home visit on or
after the event's date (and by the as-at date), and ``referral_on``, the first referral on or
after it (by the as-at date). Each is found by one index seek per event (``visit`` by its covering
index on rso_id and date; ``referral`` by rso_id). Read at each as-at date, as visits are: events
are few beside visits, and the stored register never holds them.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection

from ncpi_desktop.domain.enums import VisitOutcome
from ncpi_desktop.storage.snapshot import ROW_KEY, Kind, read_frame, with_row_key

_EVENTS_SQL = """
SELECT e.event_id, e.rso_id{r_key}, e.type, {day}(e.occurred_on) AS occurred_on,
       e.child_at_risk,
       {day}((SELECT MIN(v.visited_on) FROM visit v
        WHERE v.rso_id = e.rso_id AND v.outcome = :completed
          AND v.visited_on >= e.occurred_on AND v.visited_on <= :as_at)) AS visit_on,
       {day}((SELECT MIN(f.referred_on) FROM referral f
        WHERE f.rso_id = e.rso_id AND f.referred_on >= e.occurred_on
          AND f.referred_on <= :as_at)) AS referral_on
FROM event e JOIN rso r ON r.rso_id = e.rso_id
WHERE e.occurred_on <= :as_at AND r.registered_on <= :as_at
ORDER BY e.occurred_on, e.event_id
"""
_KINDS: dict[str, Kind] = {"event_id": "text", "rso_id": "text", ROW_KEY: "int",
                           "type": "label", "occurred_on": "date", "child_at_risk": "bool",
                           "visit_on": "date", "referral_on": "date"}


def load_events(connection: Connection, as_at: date) -> pd.DataFrame:
    """Every event by ``as_at`` with the visit and the referral that stopped its clocks (NaT:
    none yet), oldest first."""
    return read_frame(connection, with_row_key(connection, _EVENTS_SQL), _KINDS,
                      as_at=as_at.isoformat(), completed=VisitOutcome.COMPLETED.value)
