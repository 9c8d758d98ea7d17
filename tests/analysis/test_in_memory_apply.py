"""A named operation's change applied in memory gives the figures reading the database again
gives: on a hand-built register and on the Lancashire demo, for moves, records, decisions,
the policy, and the undo and redo of each."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from builders import AS_AT, FORCE_MANAGER, Register, copy_database, signed_in_engine
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.analysis.refigure import Held, held_after, keep_rows_of, refigure
from ncpi_desktop.storage import models
from ncpi_desktop.storage.change import Change
from ncpi_desktop.storage.history import load_visits_of
from ncpi_desktop.storage.in_memory import same_rows
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.operations import (
    apply_moves,
    manager_leaving,
    reassign,
    record_arms,
    record_order,
    record_visit,
    set_policy_values,
    validate_decision,
    write_decision,
)
from ncpi_desktop.storage.snapshot import ROW_KEY, Snapshot

FRAMES = ("rsos", "managers", "teams", "bcus", "force", "orders", "clocks")


def read_held(engine: Engine, as_at: date) -> Held:
    """What a window holds after reading the database whole."""
    cache = RegisterCache()
    snapshot = load_snapshot(engine, as_at, cache=cache)
    assert cache.current is not None
    return Held(cache.current, snapshot, compute_figures(snapshot))


def applied(engine: Engine, held: Held, change: Change) -> Held:
    def visits_of(rso_id: str) -> pd.DataFrame:
        with engine.connect() as connection:
            return load_visits_of(connection, held.snapshot.as_at, rso_id)

    after = held_after(held, change, visits_of)
    assert after is not None, f"{change.operation} was not applied in memory"
    return after


def assert_same_figures(mine: Figures, read: Figures) -> None:
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(mine, name), getattr(read, name), obj=name)
    pd.testing.assert_frame_equal(mine.snapshot.rsos, read.snapshot.rsos, obj="snapshot rsos")


def assert_as_read(engine: Engine, held: Held) -> None:
    """``held``'s figures are those a full read of the database gives."""
    assert_same_figures(held.figures, compute_figures(load_snapshot(engine, held.snapshot.as_at)))


def round_trip(engine: Engine, held: Held, operation: Callable[[Engine], Change]) -> Held:
    """The operation, its undo and its redo, each applied in memory and checked against a read
    of the database; returns what is held after the redo."""
    change = operation(engine)
    held = applied(engine, held, change)
    assert_as_read(engine, held)
    undone = change.undo(engine, FORCE_MANAGER)
    held = applied(engine, held, undone)
    assert_as_read(engine, held)
    redone = undone.undo(engine, FORCE_MANAGER)
    held = applied(engine, held, redone)
    assert_as_read(engine, held)
    return held


def hand_built() -> Register:
    register = Register()
    register.manager("OM1", fte=0.5, team="East 1")
    register.manager("OM2", team="East 1")
    register.manager("OM3", bcu="West", team="West 1")
    first = register.many(6, manager_id="OM1", team="East 1")
    register.many(4, manager_id="OM2", team="East 1", risk_level="high")
    register.many(3, manager_id="OM3", team="West 1", bcu="West")
    register.rso("R00099", team="West 1", bcu="West")  # pooled
    register.visit(first[0], date(2017, 6, 1))
    register.visit(first[0], date(2017, 8, 1), outcome="no_access")
    register.assessment(first[1], date(2016, 1, 1))
    register.order(first[2], date(2016, 1, 1), date(2017, 11, 1))
    register.allocation(first[0], "OM1", date(2015, 1, 1))
    register.decision(first[3], "reactive", date(2017, 1, 1))
    return register


@pytest.fixture
def small(tmp_path: Path) -> Engine:
    engine = hand_built().write(tmp_path / "register.sqlite3")
    yield engine
    engine.dispose()


@pytest.fixture
def lancashire_copy(lancashire_path: Path, tmp_path: Path) -> Engine:
    engine = signed_in_engine(copy_database(lancashire_path, tmp_path / "lancashire.sqlite3"))
    yield engine
    engine.dispose()


def operations(ids: list[str], to: str, pool: str) -> list[Callable[[Engine], Change]]:
    """A reassignment, a move to a pool, a proposal's moves, visits (completed and not), an
    ARMS assessment, a civil order, a decision and a policy change, of the RSOs ``ids``."""
    user = FORCE_MANAGER
    decision = "reactive"
    return [
        lambda e: reassign(e, ids[:2], to, "caseload", user, on=AS_AT),
        lambda e: reassign(e, [ids[2]], None, "pooled", user, to_team=pool, on=AS_AT),
        lambda e: apply_moves(e, [(ids[3], to), (ids[4], None)], "proposal", user, on=AS_AT),
        lambda e: record_visit(e, ids[0], date(2017, 9, 1), "completed", 2, user),
        lambda e: record_visit(e, ids[0], date(2017, 10, 1), "no_access", 1, user),
        lambda e: record_visit(e, ids[1], AS_AT, "completed", 1, user),
        lambda e: record_arms(e, ids[1], date(2017, 9, 2), "high", user),
        lambda e: record_order(e, ids[2], "SHPO", date(2017, 9, 3), None, user),
        lambda e: write_decision(e, validate_decision(e, ids[3], decision, date(2017, 9, 4),
                                                      "low risk", user)),
        lambda e: set_policy_values(e, {"caseload_limit_per_fte": 4.0}, user),
    ]


def test_every_change_on_a_hand_built_register_gives_the_figures_read_again(small: Engine):
    held = read_held(small, AS_AT)
    ids = sorted(held.snapshot.rsos["rso_id"])[:6]
    for operation in operations(ids, "OM3", "West 1"):
        held = round_trip(small, held, operation)


def test_a_manager_leaving_gives_the_figures_read_again(small: Engine):
    held = read_held(small, AS_AT)
    leaving = lambda e: manager_leaving(e, "OM2", [], "retired", FORCE_MANAGER, on=AS_AT)  # noqa: E731
    round_trip(small, held, leaving)


def test_changes_to_the_lancashire_demo_give_the_figures_read_again(lancashire_copy: Engine):
    held = read_held(lancashire_copy, AS_AT)
    figures = held.figures
    rsos = figures.rsos
    named = rsos[rsos["named"] & rsos["is_community"]].sort_values("rso_id")
    ids = list(named["rso_id"].iloc[[0, 7, 40, 90, 130, 170]])
    with_orders = rsos[rsos["orders_in_force"] > 0]["rso_id"].iloc[0]
    ids[2] = with_orders  # a holder shown in the order register moves too
    receiving = figures.managers.sort_values("caseload")["manager_id"].iloc[0]
    pool = str(named["team"].iloc[0])
    for operation in operations(ids, receiving, pool):
        held = round_trip(lancashire_copy, held, operation)


def test_a_move_shows_the_new_holder_on_the_trigger_event_clocks(small: Engine):
    ids = sorted(read_held(small, AS_AT).snapshot.rsos["rso_id"])
    with small.begin() as connection:  # events of two RSOs, one of which moves
        connection.execute(insert(models.Event), [
            dict(event_id=f"E{n}", rso_id=rso, type="arrest", occurred_on=date(2017, 9, day),
                 child_at_risk=True) for n, (rso, day) in
            enumerate([(ids[0], 1), (ids[0], 20), (ids[7], 10)])])
    held = read_held(small, AS_AT)
    assert set(held.figures.clocks["rso_id"]) == {ids[0], ids[7]}
    held = round_trip(small, held, lambda e: reassign(e, [ids[0]], "OM3", "caseload",
                                                      FORCE_MANAGER, on=AS_AT))
    clocks = held.figures.clocks
    assert set(clocks.loc[clocks["rso_id"] == ids[0], "manager_id"]) == {"OM3"}


def without_row_keys(snapshot: Snapshot) -> Snapshot:
    """``snapshot`` as a register read without database row keys gives it (PostgreSQL)."""
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=[ROW_KEY], errors="ignore")

    return dataclasses.replace(snapshot, rsos=plain(snapshot.rsos), arms=plain(snapshot.arms),
                               extra={name: plain(f) for name, f in snapshot.extra.items()})


def test_without_row_keys_the_touched_rsos_are_found_by_their_ids(small: Engine):
    """Refigured from frames matched by rso_id (as PostgreSQL's are), twice over the same
    frames (the second time from the rows kept), the figures are a fresh computation's."""
    snapshot = without_row_keys(load_snapshot(small, AS_AT))
    keep_rows_of(snapshot)
    figures = compute_figures(snapshot)
    ids = sorted(snapshot.rsos["rso_id"])
    for touched in ([ids[0]], [ids[1], ids[7]]):
        moved = snapshot.rsos.assign(manager_id=snapshot.rsos["manager_id"].where(
            ~snapshot.rsos["rso_id"].isin(touched), "OM3"))
        after = dataclasses.replace(snapshot, rsos=moved)
        same_rows(snapshot, after)
        assert_same_figures(refigure(figures, after, touched), compute_figures(after))


def test_an_unknown_change_is_not_applied(small: Engine):
    held = read_held(small, AS_AT)
    change = Change("something new", "?", {}, {"elsewhere": 1}, lambda e, u: change)
    assert held_after(held, change, lambda _rso: pd.DataFrame()) is None
