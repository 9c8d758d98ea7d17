"""Reads of the allocation history and of manager absences, for the rebalancing views, and the
reasons an allocation records.

Each read is one SQL query (never a query per row), on SQLite and PostgreSQL alike. The writes
that make this history are in ``storage.operations`` (``reassign``, ``apply_moves``,
``manager_leaving``, ``manager_absent``, ``hand_back``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.storage.database import named_rso
from ncpi_desktop.storage.snapshot import to_dates

#: Reasons a supervisor gives for a move (the reassign dialog's list; "other" takes a text).
ALLOCATION_REASONS = ("caseload adjustment", "change in risk", "manager left", "manager absent",
                      "continuity", "other")
REASON_MANAGER_LEFT = "manager left"
#: The reason on the row recording who held an RSO before its allocation history began.
REASON_BEFORE_HISTORY = "held before the allocation history began"
#: Moves to cover for an absent manager carry this reason; ``hand_back`` finds them by it.
REASON_MANAGER_ABSENT = "manager absent"
REASON_MANAGER_RETURNED = "manager returned"

_HISTORY_SQL = """
SELECT a.id, a.rso_id, r.family_name, r.given_names, r.risk_level, r.status,
       a.manager_id, m.name AS manager_name, COALESCE(m.team, a.team) AS team,
       a.starts_on, a.ends_on, a.reason, a.actor, a.recorded_at
FROM allocation a
JOIN {rso} r ON r.rso_id = a.rso_id
LEFT JOIN manager m ON m.manager_id = a.manager_id
WHERE {where}
ORDER BY a.starts_on DESC, a.id DESC
"""

HISTORY_COLUMNS = ["id", "rso_id", "family_name", "given_names", "risk_level", "status",
                   "manager_id", "manager_name", "team", "starts_on", "ends_on", "reason",
                   "actor", "recorded_at"]


def allocation_history(engine: Engine, *, rso_id: str | None = None,
                       manager_id: str | None = None) -> pd.DataFrame:
    """Who held whom, from when, to when, why and moved by whom: every allocation of one RSO, or
    every allocation one manager held (newest first). ``holder`` reads "Name (id)" or "Pool of
    TEAM"; ``ends_on`` is blank while the allocation is open."""
    if (rso_id is None) == (manager_id is None):
        raise ValueError("give exactly one of rso_id and manager_id")
    where, value = ("a.rso_id = :key", rso_id) if rso_id is not None \
        else ("a.manager_id = :key", manager_id)
    with engine.connect() as connection:
        sql = _HISTORY_SQL.format(where=where, rso=named_rso(connection))
        result = connection.execute(text(sql), {"key": value})
        frame = pd.DataFrame.from_records([tuple(row) for row in result.fetchall()],
                                          columns=HISTORY_COLUMNS)
    for column in ("starts_on", "ends_on"):
        frame[column] = to_dates(frame[column])
    frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], format="ISO8601", utc=True)
    name = frame["manager_name"].astype(object)
    frame["holder"] = (name.fillna("") + " (" + frame["manager_id"].astype(object).fillna("")
                       + ")").where(frame["manager_id"].notna(),
                                    "Pool of " + frame["team"].astype(object).fillna("no team"))
    frame["rso_name"] = (frame["family_name"].astype(object).fillna("") + ", "
                         + frame["given_names"].astype(object).fillna(""))
    return frame


_ABSENCES_SQL = """
SELECT x.id, x.manager_id, m.name AS manager_name, m.bcu, m.team, x.starts_on, x.ends_on,
       x.reason, x.actor, x.returned_on
FROM manager_absence x JOIN manager m ON m.manager_id = x.manager_id
ORDER BY x.ends_on, x.id
"""
ABSENCE_COLUMNS = ["id", "manager_id", "manager_name", "bcu", "team", "starts_on", "ends_on",
                   "reason", "actor", "returned_on"]


def absences(engine: Engine) -> pd.DataFrame:
    """Every recorded absence, soonest return first; ``returned_on`` blank until handed back."""
    with engine.connect() as connection:
        rows = connection.execute(text(_ABSENCES_SQL)).fetchall()
    frame = pd.DataFrame.from_records([tuple(row) for row in rows], columns=ABSENCE_COLUMNS)
    for column in ("starts_on", "ends_on", "returned_on"):
        frame[column] = to_dates(frame[column])
    return frame


def absent_on(frame: pd.DataFrame, on: date) -> pd.DataFrame:
    """The absences of ``absences()`` in force at ``on`` (started, not ended, not handed back)."""
    day = pd.Timestamp(on)
    return frame[(frame["starts_on"] <= day) & (frame["ends_on"] > day)
                 & frame["returned_on"].isna()]


#: The RSOs an absence sent to cover and that are still where it put them: an allocation opened
#: at the absence's start with the absence reason, following one of the absent manager that
#: closed that day, and still open.
_COVERED_SQL = """
SELECT x.id AS absence_id, x.manager_id, a.rso_id, a.manager_id AS cover_id,
       c.name AS cover_name, a.team AS pool_team, r.family_name, r.given_names, r.risk_level,
       r.status
FROM manager_absence x
JOIN allocation a ON a.starts_on = x.starts_on AND a.reason = :reason AND a.ends_on IS NULL
JOIN allocation p ON p.rso_id = a.rso_id AND p.manager_id = x.manager_id
                 AND p.ends_on = x.starts_on AND p.id <> a.id
JOIN {rso} r ON r.rso_id = a.rso_id
LEFT JOIN manager c ON c.manager_id = a.manager_id
WHERE x.returned_on IS NULL AND {where}
ORDER BY x.id, a.rso_id
"""
COVERED_COLUMNS = ["absence_id", "manager_id", "rso_id", "cover_id", "cover_name", "pool_team",
                   "family_name", "given_names", "risk_level", "status"]


def covered_rows(connection: Connection, *, absence_id: int | None = None,
                 returning_by: date | None = None) -> list[dict[str, Any]]:
    """The RSOs on cover for one absence (``absence_id``), or for every absence whose return
    date is on or before ``returning_by`` and that is not handed back yet."""
    if absence_id is not None:
        where, params = "x.id = :key", {"key": absence_id}
    elif returning_by is not None:
        where, params = "x.ends_on <= :key", {"key": returning_by.isoformat()}
    else:
        raise ValueError("give absence_id or returning_by")
    sql = _COVERED_SQL.format(where=where, rso=named_rso(connection))
    return [dict(row) for row in connection.execute(
        text(sql), {**params, "reason": REASON_MANAGER_ABSENT}).mappings().all()]


def hand_backs_due(engine: Engine, on: date) -> pd.DataFrame:
    """RSOs to hand back to managers whose absence ended on or before ``on``."""
    with engine.connect() as connection:
        rows = covered_rows(connection, returning_by=on)
    frame = pd.DataFrame.from_records([tuple(r[c] for c in COVERED_COLUMNS) for r in rows],
                                      columns=COVERED_COLUMNS)
    frame["rso_name"] = (frame["family_name"].astype(object).fillna("") + ", "
                         + frame["given_names"].astype(object).fillna(""))
    frame["cover"] = frame["cover_name"].astype(object).where(
        frame["cover_id"].notna(), "Pool of " + frame["pool_team"].astype(object).fillna(""))
    return frame


_STARTS_SQL = "SELECT rso_id, starts_on FROM allocation WHERE ends_on IS NULL"


def current_allocation_starts(engine: Engine) -> pd.Series:
    """rso_id -> when its open allocation began: continuity for the proposal engine (the most
    recently allocated move first)."""
    with engine.connect() as connection:
        # The driver's own tuples: wrapping 100,000 rows in SQLAlchemy rows costs a second.
        rows = connection.execute(text(_STARTS_SQL)).cursor.fetchall()  # type: ignore[union-attr]
    frame = pd.DataFrame.from_records(rows, columns=["rso_id", "starts_on"])
    frame = frame.drop_duplicates("rso_id", keep="last")
    return pd.Series(to_dates(frame["starts_on"]).to_numpy(), index=frame["rso_id"].to_numpy())


def proposal_context(engine: Engine, on: date) -> tuple[list[str], pd.Series | None]:
    """What every rebalancing proposal as at ``on`` is given, in the window and on the command
    line alike: the managers absent then (they receive no RSOs) and, for continuity, when each
    RSO's open allocation began (None when there is no history)."""
    absent = absent_on(absences(engine), on)
    starts = current_allocation_starts(engine)
    return list(dict.fromkeys(absent["manager_id"])), (starts if len(starts) else None)
