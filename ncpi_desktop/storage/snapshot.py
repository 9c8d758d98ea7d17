"""Read the register as it stood at one date into pandas frames, with SQL (never ORM rows).

Every screen, chart and export of a window reads the same ``Snapshot``, so their figures agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ncpi_desktop.domain.policy import Policy

Progress = Callable[[int, int, str], None]

DATE_COLUMNS = {
    "rsos": ["date_of_birth", "registered_on", "community_since", "notification_ends",
             "last_concern_on"],
    "arms": ["completed_on"],
    "allocations": ["starts_on", "ends_on"],
}


def to_dates(values: pd.Series) -> pd.Series:
    """ISO date strings (SQLite) or date objects (PostgreSQL) to datetime64; blanks become NaT."""
    return pd.to_datetime(values, format="ISO8601", errors="raise").astype("datetime64[s]")


@dataclass(frozen=True)
class Snapshot:
    """The register as at ``as_at``: RSOs registered by then, each with the holder at that date."""

    as_at: date
    policy: Policy
    managers: pd.DataFrame
    rsos: pd.DataFrame
    arms: pd.DataFrame
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def as_at_ts(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_at)


def load_policy(connection: Connection) -> Policy:
    rows = connection.execute(text("SELECT key, value FROM policy_value")).all()
    return Policy().with_values({key: value for key, value in rows})


_RSOS_SQL = """
SELECT r.rso_id, r.family_name, r.given_names, r.date_of_birth, r.sex,
       r.bcu AS home_bcu, r.team AS home_team, r.neighbourhood, r.status, r.risk_level,
       r.management, r.manager_id AS current_manager_id, r.team AS current_team,
       r.registered_on, r.community_since, r.notification_ends, r.notification_indefinite,
       r.visit_interval_months, r.visit_interval_reason, r.last_concern_on,
       r.paper_records_only,
       a.manager_id AS held_manager_id, a.team AS held_team, a.rso_id AS allocated
FROM rso r
LEFT JOIN (
    SELECT rso_id, manager_id, team FROM (
        SELECT rso_id, manager_id, team,
               ROW_NUMBER() OVER (PARTITION BY rso_id ORDER BY starts_on DESC, id DESC) AS rn
        FROM allocation
        WHERE starts_on <= :as_at AND (ends_on IS NULL OR ends_on > :as_at)
    ) latest WHERE rn = 1
) a ON a.rso_id = r.rso_id
WHERE r.registered_on <= :as_at
"""

_ARMS_SQL = """
SELECT a.rso_id, a.completed_on, a.outcome FROM arms a
JOIN rso r ON r.rso_id = a.rso_id
WHERE a.completed_on <= :as_at AND r.registered_on <= :as_at
"""

_MANAGERS_SQL = "SELECT manager_id, name, bcu, team, fte, role, active FROM manager"


def _read(connection: Connection, sql: str, **params: object) -> pd.DataFrame:
    """Rows as plain tuples: pandas probing SQLAlchemy ``Row`` objects costs 4x the read."""
    result = connection.execute(text(sql), params)
    columns = list(result.keys())
    return pd.DataFrame.from_records([tuple(row) for row in result.fetchall()], columns=columns)


def load_snapshot(engine: Engine, as_at: date, *, progress: Progress | None = None,
                  loaders: dict[str, Callable[[Connection, date], pd.DataFrame]] | None = None,
                  ) -> Snapshot:
    """Read the frames as at ``as_at`` in one read transaction.

    ``loaders`` adds further frames (``Snapshot.extra``) read in the same transaction; by default
    the recorded history (``storage.history.HISTORY_LOADERS``: visits, orders, decisions), which
    every rule needs. Pass ``{}`` to read the register alone.
    """
    if loaders is None:
        from ncpi_desktop.storage.history import HISTORY_LOADERS  # history builds on this module

        loaders = HISTORY_LOADERS
    steps = 3 + len(loaders or {})
    report = progress or (lambda _done, _total, _what: None)
    iso = as_at.isoformat()
    with engine.connect() as connection:
        policy = load_policy(connection)
        report(0, steps, "Reading offender managers")
        managers = _read(connection, _MANAGERS_SQL)
        managers["fte"] = managers["fte"].astype(float)
        managers["active"] = managers["active"].astype(bool)
        report(1, steps, "Reading RSOs")
        rsos = _read(connection, _RSOS_SQL, as_at=iso)
        report(2, steps, "Reading ARMS assessments")
        arms = _read(connection, _ARMS_SQL, as_at=iso)
        extra: dict[str, pd.DataFrame] = {}
        for done, (name, loader) in enumerate((loaders or {}).items(), start=3):
            report(done, steps, f"Reading {name}")
            extra[name] = loader(connection, as_at)
    rsos = _resolve_holders(rsos)
    for column in DATE_COLUMNS["rsos"]:
        rsos[column] = to_dates(rsos[column])
    for column in ("notification_indefinite", "paper_records_only"):
        rsos[column] = rsos[column].fillna(False).astype(bool)
    rsos["visit_interval_months"] = rsos["visit_interval_months"].astype("Int64")
    arms["completed_on"] = to_dates(arms["completed_on"])
    report(steps, steps, "Done")
    return Snapshot(as_at=as_at, policy=policy, managers=managers, rsos=rsos, arms=arms,
                    extra=extra)


def _resolve_holders(rsos: pd.DataFrame) -> pd.DataFrame:
    """The holder at the as-at date: the allocation in force then, else the RSO's current one."""
    allocated = rsos["allocated"].notna()
    rsos["manager_id"] = rsos["held_manager_id"].where(allocated, rsos["current_manager_id"])
    rsos["team"] = rsos["held_team"].where(allocated, rsos["current_team"])
    return rsos.drop(columns=["held_manager_id", "held_team", "allocated",
                              "current_manager_id", "current_team"])
