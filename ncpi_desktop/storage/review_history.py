"""The case reviews and their actions as at one date (DOMAIN.md rule 15), for the snapshot.

Read with plain SQL on the snapshot's connection (``Snapshot.extra``: ``reviews`` and
``review_actions``), so every page, the report and the pack count the same reviews.

- **reviews**: every review made on or before the as-at date.
- **review_actions**: the actions of those reviews; an action done after the as-at date was
  still open then (``done_on`` blank).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection

from ncpi_desktop.storage.database import named
from ncpi_desktop.storage.snapshot import ROW_KEY, Kind, Loader, read_frame, with_row_key

_REVIEWS_SQL = """
SELECT q.review_id, q.rso_id{r_key}, q.reviewed_on, q.reviewer, q.grade
FROM case_review q JOIN rso r ON r.rso_id = q.rso_id WHERE q.reviewed_on <= :as_at
ORDER BY q.rso_id, q.reviewed_on, q.review_id
"""
_REVIEW_KINDS: dict[str, Kind] = {"review_id": "text", "rso_id": "text", ROW_KEY: "int",
                                  "reviewed_on": "date", "reviewer": "label", "grade": "label"}

_ACTIONS_SQL = """
SELECT a.action_id, a.review_id, q.rso_id{r_key}, a.text, a.owner, a.due_on,
       CASE WHEN a.done_on <= :as_at THEN a.done_on END AS done_on
FROM {actions} a JOIN case_review q ON q.review_id = a.review_id
JOIN rso r ON r.rso_id = q.rso_id
WHERE q.reviewed_on <= :as_at
ORDER BY a.due_on, a.action_id
"""
_ACTION_KINDS: dict[str, Kind] = {"action_id": "text", "review_id": "text", "rso_id": "text",
                                  ROW_KEY: "int",
                                  "text": "text", "owner": "label", "due_on": "date",
                                  "done_on": "date"}


def load_reviews(connection: Connection, as_at: date) -> pd.DataFrame:
    """Every case review made by ``as_at``, by RSO and date."""
    return read_frame(connection, with_row_key(connection, _REVIEWS_SQL), _REVIEW_KINDS,
                      as_at=as_at.isoformat())


def load_review_actions(connection: Connection, as_at: date) -> pd.DataFrame:
    """The actions of the reviews made by ``as_at``, soonest due first (done: by then)."""
    sql = _ACTIONS_SQL.replace("{actions}", named(connection, "review_action"))
    return read_frame(connection, with_row_key(connection, sql), _ACTION_KINDS,
                      as_at=as_at.isoformat())


#: The frames of the quality reviews every snapshot carries.
REVIEW_LOADERS: dict[str, Loader] = {
    "reviews": load_reviews,
    "review_actions": load_review_actions,
}
