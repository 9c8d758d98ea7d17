"""What the tests of the register's start-up copy share: a register with awkward values, and
ways to store it, load it back and compare it with a read of the tables."""

from __future__ import annotations

from datetime import date

import pandas as pd
from builders import Register
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.storage import register_store, snapshot
from ncpi_desktop.storage.register_store import (
    REGISTER_FRAMES,
    store_register,
    stored_register,
)
from ncpi_desktop.storage.snapshot import read_register

AS_AT = date(2017, 10, 9)


def fresh_frames(engine: Engine) -> dict[str, pd.DataFrame]:
    """Every frame the store holds, read from the tables."""
    with engine.connect() as connection:
        register = read_register(connection)
        tables = {name: loader.read(connection)
                  for name, loader in register_store.whole_tables().items()}
    return frames_of(register) | tables


def frames_of(register: snapshot.Register) -> dict[str, pd.DataFrame]:
    return {name: getattr(register, name) for name in REGISTER_FRAMES} | register.tables


def assert_frames_equal(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], check_exact=True, obj=name)


def assert_snapshots_equal(left: snapshot.Snapshot, right: snapshot.Snapshot) -> None:
    assert left.policy == right.policy
    for name in ("managers", "rsos", "arms"):
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name),
                                      check_exact=True, obj=name)
    assert left.extra.keys() == right.extra.keys()
    for name in left.extra:
        pd.testing.assert_frame_equal(left.extra[name], right.extra[name], check_exact=True,
                                      obj=name)


def stored_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return connection.execute(text(
            "SELECT name, version, format FROM register_cache ORDER BY name")).all()


def version(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT n FROM register_version")).scalar_one()


def store(engine: Engine) -> snapshot.Register:
    """Read the register from the tables and store it; the register read."""
    with engine.connect() as connection:
        register = read_register(connection)
    assert store_register(engine, register)
    return register


def loaded(engine: Engine) -> snapshot.Register | None:
    with engine.connect() as connection:
        return stored_register(connection)


def sqlite_path(engine: Engine) -> str:
    return str(engine.url.database)


def awkward() -> Register:
    """NULLs beside empty strings, accents and emoji, a NUL inside a name, nullable integers,
    a table with no rows (decisions)."""
    r = Register()
    r.manager("A", name="Zoë Ångström")
    r.manager("B", name="", fte=0.5, team="")
    r.manager("C", name="Nguyễn 😀", active=False)
    r.rso("R1", manager_id="A", given_names="Łukasz", neighbourhood="", risk_level="high",
          visit_interval_months=6, visit_interval_reason="plan 🗒️")
    r.rso("R2", manager_id="B", given_names="A\x00B", neighbourhood=None, risk_level=None,
          team="", notification_indefinite=True, paper_records_only=True,
          community_since=date(2012, 5, 1), last_concern_on=date(2016, 2, 29))
    r.rso("R3", manager_id=None, team="East 1", family_name="", sex="female",
          notification_ends=date(2030, 1, 1))
    r.rso("R4", manager_id="A", registered_on=date(2018, 1, 1), risk_level="very_high")
    r.allocation("R1", "A", date(2012, 1, 1))
    r.allocation("R3", None, date(2013, 1, 1), team="East 1", reason="pooled — für jetzt")
    r.assessment("R1", date(2017, 3, 1), "medium")
    r.order("R2", date(2015, 1, 1), None, type="SOPO")
    r.order("R1", date(2016, 1, 1), date(2021, 1, 1))
    r.visit("R1", date(2017, 6, 1))
    r.policy = {"caseload_limit_per_fte": 45.0}
    return r
