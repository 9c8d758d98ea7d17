"""The recorded history as at one date: visits, civil orders and management decisions.

These frames join the snapshot (``Snapshot.extra``) and are read in the same transaction as the
RSOs, with SQL that runs on SQLite and PostgreSQL alike (window functions and ``CASE`` inside
aggregates, no ``FILTER``). Visits are aggregated per RSO in the database: a national register
holds 1,500,000 of them and the rules only need four facts per RSO.

What "as at" means for each table:

- **visits**: only visits made on or before the as-at date count.
- **orders**: every order that had started by the as-at date (``starts_on <= as_at``). An order is
  in force from its start date until its end date, the end date being the first day it no longer
  applies (``as_at < ends_on``), as allocations do; no end date means until further order.
  Orders not yet started at the as-at date did not exist then and are not read.
- **decisions**: each RSO's latest decision made on or before the as-at date (which mode that
  makes the RSO's then is the analysis's rule: ``analysis.management``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.enums import VisitOutcome
from ncpi_desktop.storage.database import named, named_rso
from ncpi_desktop.storage.events import load_events
from ncpi_desktop.storage.notification_reviews import load_notification_reviews
from ncpi_desktop.storage.review_history import REVIEW_LOADERS
from ncpi_desktop.storage.snapshot import (
    ROW_KEY,
    Kind,
    Loader,
    WholeTable,
    read_frame,
    to_dates,
    with_row_key,
)

#: Per RSO: latest completed visit and its officers, latest attempt of any outcome, and the
#: no-access visits after the latest completed one (all of them if none was completed).
#: A no-access visit on the same day as the latest completed one is not counted as after it.
#: The latest completed visit is found by one index seek per RSO (``ix_visit_rso_date_covering``)
#: and only the visits from it onwards are read (a pass over every visit costs several times
#: more); they are summed per RSO in numpy (``_visit_facts``): a GROUP BY here sorts them first.
#: ``MATERIALIZED`` (SQLite 3.35+, PostgreSQL 12+) keeps the seek from being repeated per visit.
_VISITS_SQL = """
WITH latest AS MATERIALIZED (
    SELECT r.rso_id{r_key},
           (SELECT v.visited_on FROM visit v
            WHERE v.rso_id = r.rso_id AND v.visited_on <= :as_at AND v.outcome = :completed
            ORDER BY v.visited_on DESC LIMIT 1) AS last_visit_on
    FROM rso r WHERE r.registered_on <= :as_at
)
SELECT l.rso_id{l_key}, {day}(v.visited_on) AS visited_on, v.officers,
       CASE WHEN v.outcome = :completed AND v.visited_on = l.last_visit_on
            THEN 1 ELSE 0 END AS at_last,
       CASE WHEN v.outcome = :no_access AND v.visited_on > COALESCE(l.last_visit_on, :epoch)
            THEN 1 ELSE 0 END AS failed
FROM latest l
JOIN visit v ON v.rso_id = l.rso_id
            AND v.visited_on >= COALESCE(l.last_visit_on, :epoch) AND v.visited_on <= :as_at
"""

#: Before any recorded date: the lower bound of "every visit" for an RSO never visited.
_EPOCH = "0001-01-01"
_VISIT_KINDS: dict[str, Kind] = {"rso_id": "text", ROW_KEY: "int", "visited_on": "date",
                                 "officers": "int", "at_last": "bool", "failed": "bool"}

#: Every civil order, with its RSO's registration date (``orders_at`` selects at a date).
_ORDERS_SQL = """
SELECT o.order_id, o.rso_id{r_key}, o.type, {day}(o.starts_on) AS starts_on,
       {day}(o.ends_on) AS ends_on, {day}(r.registered_on) AS registered_on
FROM civil_order o JOIN rso r ON r.rso_id = o.rso_id
"""

#: Every management decision (``decisions_at`` selects each RSO's latest by a date).
_DECISIONS_SQL = """
SELECT d.id AS decision_id, d.rso_id{r_key}, d.mode, {day}(d.decided_on) AS decided_on,
       d.reason, d.decided_by
FROM {decisions} d LEFT JOIN rso r ON r.rso_id = d.rso_id
"""


def _read(connection: Connection, sql: str, kinds: Mapping[str, Kind] | None = None,
          **params: object) -> pd.DataFrame:
    return read_frame(connection, sql, kinds, **params)


def load_visits(connection: Connection, as_at: date) -> pd.DataFrame:
    """One row per RSO with a visit by ``as_at``: last_visit_on and last_visit_officers (NA if
    none completed), last_attempt_on, failed_attempts (the trailing no-access run)."""
    tail = _read(connection, with_row_key(connection, _VISITS_SQL), _VISIT_KINDS,
                 as_at=as_at.isoformat(), epoch=_EPOCH, completed=VisitOutcome.COMPLETED.value,
                 no_access=VisitOutcome.NO_ACCESS.value)
    return _visit_facts(tail)


def load_visits_of(connection: Connection, as_at: date, rso_id: str) -> pd.DataFrame:
    """``load_visits`` for one RSO (its row, or none): what a visit recorded or taken away
    changes (``storage.in_memory``)."""
    sql = _VISITS_SQL.replace("WHERE r.registered_on <= :as_at",
                              "WHERE r.registered_on <= :as_at AND r.rso_id = :rso_id", 1)
    tail = _read(connection, with_row_key(connection, sql), _VISIT_KINDS,
                 as_at=as_at.isoformat(), epoch=_EPOCH, completed=VisitOutcome.COMPLETED.value,
                 no_access=VisitOutcome.NO_ACCESS.value, rso_id=rso_id)
    return _visit_facts(tail)


def _visit_facts(tail: pd.DataFrame) -> pd.DataFrame:
    """Per RSO (in the order they first come), from its visits since its latest completed one
    (that one included; ``at_last`` marks it, ``failed`` the no-access visits after it): the
    facts ``load_visits`` gives."""
    rso, _ = pd.factorize(tail[ROW_KEY] if ROW_KEY in tail.columns else tail["rso_id"])
    count = int(rso.max()) + 1 if len(rso) else 0
    first = np.unique(rso, return_index=True)[1]
    visited = tail["visited_on"].to_numpy("datetime64[s]").view(np.int64)
    at_last = tail["at_last"].to_numpy(bool)
    latest = np.full(count, np.iinfo(np.int64).min)
    np.maximum.at(latest, rso, visited)
    last = np.full(count, np.iinfo(np.int64).min)  # NaT: no completed visit
    last[rso[at_last]] = visited[at_last]
    officers = np.zeros(count, dtype=np.int64)
    np.maximum.at(officers, rso[at_last], tail["officers"].to_numpy(np.int64)[at_last])
    held = np.zeros(count, dtype=bool)
    held[rso[at_last]] = True
    facts = tail.iloc[first][[c for c in ("rso_id", ROW_KEY) if c in tail.columns]
                             ].reset_index(drop=True)
    facts["last_visit_on"] = last.view("datetime64[s]")
    facts["last_attempt_on"] = latest.view("datetime64[s]")
    facts["last_visit_officers"] = pd.arrays.IntegerArray(officers, ~held)
    facts["failed_attempts"] = np.bincount(rso[tail["failed"].to_numpy(bool)],
                                           minlength=count).astype(np.int64)
    return facts


def _read_orders(connection: Connection) -> pd.DataFrame:
    return _read(connection, with_row_key(connection, _ORDERS_SQL),
                 {"starts_on": "date", "ends_on": "date", "registered_on": "date",
                  "type": "label"})


def _orders_at(orders: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """Every civil order started by ``as_at`` of an RSO registered by then (ended ones too:
    the register shows them)."""
    day = np.datetime64(as_at, "s")
    kept = ((orders["starts_on"].to_numpy("datetime64[s]") <= day)
            & (orders["registered_on"].to_numpy("datetime64[s]") <= day))
    return orders[kept].drop(columns=["registered_on"]).reset_index(drop=True)


def _read_decisions(connection: Connection) -> pd.DataFrame:
    return _read(connection, with_row_key(connection, _DECISIONS_SQL),
                 {"decided_on": "date", "mode": "label", "decision_id": "int"})


def _decisions_at(decisions: pd.DataFrame, as_at: date) -> pd.DataFrame:
    """The latest management decision of each RSO made on or before ``as_at`` (of two on one
    day, the later recorded), in rso_id order."""
    made = decisions[decisions["decided_on"].to_numpy("datetime64[s]")
                     <= np.datetime64(as_at, "s")]
    order = np.lexsort((made["decision_id"].to_numpy(),
                        made["decided_on"].to_numpy("datetime64[s]"),
                        made["rso_id"].to_numpy(str)))
    ids = made["rso_id"].to_numpy(str)[order]
    last = np.append(ids[1:] != ids[:-1], True) if len(ids) else np.zeros(0, dtype=bool)
    return made.iloc[order[last]].drop(columns=["decision_id"]).reset_index(drop=True)


load_orders = WholeTable(_read_orders, _orders_at)
load_decisions = WholeTable(_read_decisions, _decisions_at)

#: The frames every snapshot carries in ``Snapshot.extra``.
HISTORY_LOADERS: dict[str, Loader] = {
    "visits": load_visits,
    "orders": load_orders,
    "decisions": load_decisions,
    # Trigger events with what stopped their clocks (storage.events; rule 14).
    "events": load_events,
    **REVIEW_LOADERS,  # case reviews and their actions (storage.review_history)
    # Each RSO's latest decision on a review of indefinite notification (rule 13).
    "notification_reviews": load_notification_reviews,
}


# --- the months before the as-at date, for the trend ------------------------------------------

_TREND_VISITS_SQL = """
SELECT r.rso_id,
       (SELECT v.visited_on FROM visit v
        WHERE v.rso_id = r.rso_id AND v.visited_on <= :start AND v.outcome = :completed
        ORDER BY v.visited_on DESC LIMIT 1) AS visited_on
FROM rso r WHERE r.registered_on <= :as_at
UNION ALL
SELECT v.rso_id, v.visited_on
FROM rso r JOIN visit v ON v.rso_id = r.rso_id AND v.visited_on > :start
                       AND v.visited_on <= :as_at
WHERE r.registered_on <= :as_at AND v.outcome = :completed
"""



def load_trend_history(engine: Engine, start: date, as_at: date) -> dict[str, pd.DataFrame]:
    """What a month-by-month trend needs beyond the snapshot, in one read: ``visits`` (the latest
    completed visit on or before ``start`` per RSO, and every completed visit after it up to
    ``as_at``: enough to know the latest completed visit at any date in between) and
    ``decisions`` (every management decision up to ``as_at``), and ``born`` (each RSO's date of
    birth: the ARMS rules need ages, and the snapshot a page holds may not have them, as the user
    may not see them: ``analysis.visibility``)."""
    with engine.connect() as connection:
        visits = _read(connection, _TREND_VISITS_SQL, start=start.isoformat(),
                       as_at=as_at.isoformat(), completed=VisitOutcome.COMPLETED.value)
        decisions = _read_decisions(connection)  # every decision, as the snapshot reads them
        born = _read(connection, f"SELECT rso_id, date_of_birth FROM {named_rso(connection)}")
    born["date_of_birth"] = to_dates(born["date_of_birth"])
    visits = visits[visits["visited_on"].notna()].reset_index(drop=True)
    visits["visited_on"] = to_dates(visits["visited_on"])
    made = decisions["decided_on"].to_numpy("datetime64[s]") <= np.datetime64(as_at, "s")
    decisions = (decisions.loc[made, ["decision_id", "rso_id", "mode", "decided_on"]]
                 .rename(columns={"decision_id": "id"}).reset_index(drop=True))
    return {"visits": visits, "decisions": decisions, "born": born}


# --- one RSO's records, for the detail panel ------------------------------------------------

_RSO_RECORDS_SQL = {
    "allocations": "SELECT a.starts_on, a.ends_on, a.manager_id, m.name AS manager_name, a.team,"
                   " a.reason, a.actor FROM allocation a"
                   " LEFT JOIN manager m ON m.manager_id = a.manager_id"
                   " WHERE a.rso_id = :rso_id AND a.starts_on <= :as_at"
                   " ORDER BY a.starts_on, a.id",
    "visits": "SELECT visit_id, visited_on, outcome, officers FROM visit"
              " WHERE rso_id = :rso_id AND visited_on <= :as_at ORDER BY visited_on, visit_id",
    "arms": "SELECT id, completed_on, outcome FROM arms"
            " WHERE rso_id = :rso_id AND completed_on <= :as_at ORDER BY completed_on",
    "orders": "SELECT order_id, type, starts_on, ends_on FROM civil_order"
              " WHERE rso_id = :rso_id AND starts_on <= :as_at ORDER BY starts_on, order_id",
    "decisions": "SELECT id, decided_on, mode, reason, decided_by FROM management_decision"
                 " WHERE rso_id = :rso_id AND decided_on <= :as_at ORDER BY decided_on, id",
}
_RECORD_DATES = {"allocations": ["starts_on", "ends_on"], "visits": ["visited_on"],
                 "arms": ["completed_on"], "orders": ["starts_on", "ends_on"],
                 "decisions": ["decided_on"]}


def rso_records(engine: Engine, rso_id: str, as_at: date) -> dict[str, pd.DataFrame]:
    """One RSO's allocation history, visits, ARMS, orders and decisions up to ``as_at``, oldest
    first: what the detail panel lists beside the RSO's row of the figures."""
    frames: dict[str, pd.DataFrame] = {}
    with engine.connect() as connection:
        for name, sql in _RSO_RECORDS_SQL.items():
            sql = sql.replace("FROM management_decision",
                              f"FROM {named(connection, 'management_decision')}")
            frame = _read(connection, sql, rso_id=rso_id, as_at=as_at.isoformat())
            for column in _RECORD_DATES[name]:
                frame[column] = to_dates(frame[column])
            frames[name] = frame
    return frames
