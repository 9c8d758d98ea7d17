"""Build a demo database: generate a profile's register and write it with Core bulk inserts.

Everything is written in one transaction through ``storage.bulk.insert_frame`` (executemany in
chunks, never ORM objects; on SQLite multi-row statements of pre-formatted columns, indexes built
after the rows), so the national profile's 1.5 million visits never sit in memory as
dictionaries all at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from ncpi_desktop.demo.generate import Register, generate
from ncpi_desktop.demo.profiles import PROFILES, Profile
from ncpi_desktop.demo.users import ADMIN, add_demo_users
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage import models
from ncpi_desktop.storage.audit import append
from ncpi_desktop.storage.bulk import insert_frame
from ncpi_desktop.storage.users import create_database, sign_out

__all__ = ["TABLES", "build_demo", "insert_frame", "profile_names", "write_register"]

Progress = Callable[[int, int, str], None]

#: Table name -> (model, the register's frame), in the order foreign keys need.
TABLES: tuple[tuple[str, type[SQLModel], str], ...] = (
    ("manager", models.Manager, "managers"),
    ("rso", models.Rso, "rsos"),
    ("allocation", models.Allocation, "allocations"),
    ("visit", models.Visit, "visits"),
    ("arms", models.Arms, "arms"),
    ("civil_order", models.CivilOrder, "orders"),
    ("management_decision", models.ManagementDecision, "decisions"),
    ("notification_review", models.NotificationReview, "notification_reviews"),
)


def profile_names() -> list[str]:
    return list(PROFILES)


def write_register(connection: Connection, register: Register, profile: Profile,
                   progress: Progress | None = None, first_step: int = 0,
                   total_steps: int | None = None, driver: bool | None = None
                   ) -> dict[str, int]:
    """Insert every table of ``register`` in the caller's transaction; returns rows per table."""
    report = progress or (lambda _done, _total, _what: None)
    total = total_steps or len(TABLES) + 1
    counts: dict[str, int] = {}
    for step, (name, model, attribute) in enumerate(TABLES, start=first_step):
        frame: pd.DataFrame = getattr(register, attribute)
        report(step, total, f"Writing {name} ({len(frame):,} rows)")
        counts[name] = insert_frame(connection, model.__table__, frame,  # type: ignore[attr-defined]
                                    driver=driver)
    report(first_step + len(TABLES), total, "Writing audit")
    detail = {"profile": profile.name, "seed": profile.seed,
              "as_at": register.as_at.isoformat(), "counts": counts}
    append(connection, ADMIN.user_name, "collection", "build demo", (),
           {"before": None, "after": detail})
    counts["audit"] = 1
    return counts


def build_demo(path: Path | str, profile: str,
               progress: Progress | None = None, *, scale: float = 1.0,
               as_at: date | None = None) -> dict[str, int]:
    """Create the demo database ``path`` for ``profile`` ("lancashire-2017" or "national"):
    encrypted, with its key file beside it and the demo users (``demo.users``).

    The same profile (and as-at date) gives the same register every time. ``scale`` and ``as_at``
    exist for tests: the national profile built small, at a fixed date.
    Returns the rows written per table.
    """
    if profile not in PROFILES:
        raise ValueError(f"Unknown demo profile {profile!r}: choose from {', '.join(PROFILES)}")
    if "://" in str(path):
        raise ValueError("A demo is built as a new SQLite file: give a file name, not a URL")
    spec = PROFILES[profile].scaled(scale)
    report = progress or (lambda _done, _total, _what: None)
    total = 3 + len(TABLES) + 1
    report(0, total, "Creating the encrypted database and its users' key slots")
    session = create_database(path, ADMIN)
    try:
        report(1, total, f"Generating the {spec.name} register")
        register = generate(spec, as_at=as_at, policy=Policy())
        with session.engine.begin() as connection:
            counts = write_register(connection, register, spec, report, first_step=2,
                                    total_steps=total)
        counts["users"] = add_demo_users(session, register.managers)
    finally:
        sign_out(session)
    report(total, total, "Done")
    return counts
