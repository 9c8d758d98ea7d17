"""The register read once and reused as the as-at date changes: the same frames as a fresh read
at every date, and never stale after a write."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from builders import Register, as_user

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.storage.load import RegisterCache
from ncpi_desktop.storage.operations import reassign, record_arms, record_visit

DATES = [date(2015, 6, 30), date(2016, 3, 1), date(2016, 3, 2), date(2017, 1, 1),
         date(2017, 10, 9)]


@pytest.fixture
def engine(tmp_path):
    r = Register()
    for manager in ("A", "B"):
        r.manager(manager)
    r.rso("EARLY", manager_id="A", registered_on=date(2014, 1, 1))
    r.rso("LATE", manager_id="B", registered_on=date(2016, 3, 2), risk_level="high")
    r.rso("POOLED", manager_id=None, team="East 1", registered_on=date(2015, 1, 1))
    # EARLY: held by B for a year, then back with A (the current holder) from 2016-03-02.
    r.allocation("EARLY", "B", date(2015, 3, 1), date(2016, 3, 2))
    r.allocation("EARLY", "A", date(2016, 3, 2))
    # Two allocations starting the same day: the one made later is in force.
    r.allocation("POOLED", "A", date(2016, 6, 1), date(2017, 1, 1))
    r.allocation("POOLED", "B", date(2016, 6, 1), date(2017, 1, 1))
    r.visit("EARLY", date(2016, 1, 5))
    r.visit("EARLY", date(2017, 2, 5), "no_access")
    r.assessment("EARLY", date(2015, 7, 1))
    r.assessment("LATE", date(2016, 4, 1), "high")
    r.order("LATE", date(2016, 3, 2), date(2017, 1, 1))
    r.decision("EARLY", "reactive", date(2016, 1, 1))
    r.decision("EARLY", "active", date(2017, 1, 1))
    return r.write(tmp_path / "cache.sqlite3")


def assert_same(left, right) -> None:
    for name in ("managers", "rsos", "arms"):
        pd.testing.assert_frame_equal(getattr(left, name), getattr(right, name), obj=name)
    assert left.extra.keys() == right.extra.keys()
    for name in left.extra:
        pd.testing.assert_frame_equal(left.extra[name], right.extra[name], obj=name)


def test_a_cached_register_gives_every_date_the_frames_a_fresh_read_gives(engine) -> None:
    cache = RegisterCache()
    for as_at in DATES + DATES[::-1]:
        assert_same(full_snapshot(engine, as_at, cache=cache), full_snapshot(engine, as_at))


def test_holders_registration_and_history_follow_the_date(engine) -> None:
    cache = RegisterCache()

    def holders(as_at: date) -> dict[str, object]:
        rsos = full_snapshot(engine, as_at, cache=cache).rsos
        return dict(zip(rsos["rso_id"], rsos["manager_id"].astype(object).where(
            rsos["manager_id"].notna(), None), strict=True))

    assert holders(date(2015, 6, 30)) == {"EARLY": "B", "POOLED": None}
    assert holders(date(2016, 3, 1)) == {"EARLY": "B", "POOLED": None}
    assert holders(date(2016, 3, 2)) == {"EARLY": "A", "LATE": "B", "POOLED": None}
    assert holders(date(2016, 6, 1))["POOLED"] == "B"
    assert holders(date(2017, 1, 1))["POOLED"] is None
    early = full_snapshot(engine, date(2016, 6, 1), cache=cache)
    assert early.rsos.set_index("rso_id").loc["EARLY", "management"] == "reactive"
    assert list(early.arms["rso_id"]) == ["EARLY", "LATE"]
    assert list(early.extra["orders"]["rso_id"]) == ["LATE"]
    later = full_snapshot(engine, date(2017, 10, 9), cache=cache)
    assert later.rsos.set_index("rso_id").loc["EARLY", "management"] == "active"


def test_a_write_is_seen_at_once_through_the_cache(engine) -> None:
    cache = RegisterCache()
    as_at = date(2017, 10, 9)

    def figures():
        return compute_figures(full_snapshot(engine, as_at, cache=cache))

    before = figures()
    assert before.managers.set_index("manager_id").loc["B", "caseload"] == 1
    change = reassign(engine, ["EARLY"], "B", "balancing", as_user("DS Test"), on=as_at)
    assert figures().managers.set_index("manager_id").loc["B", "caseload"] == 2
    change.undo(engine, as_user("DS Test"))
    assert figures().managers.set_index("manager_id").loc["B", "caseload"] == 1

    arms_before = int(figures().force.iloc[0]["arms_current"])
    record_arms(engine, "LATE", date(2017, 10, 1), "medium", as_user("DC Test"), today=as_at)
    assert int(figures().force.iloc[0]["arms_current"]) == arms_before + 1
    record_visit(engine, "LATE", date(2017, 10, 2), "completed", 2, as_user("DC Test"), today=as_at)
    record_decision(engine, "LATE", "active", date(2017, 10, 3), "review", as_user("DI Test"),
                    today=as_at)
    assert_same(full_snapshot(engine, as_at, cache=cache), full_snapshot(engine, as_at))
