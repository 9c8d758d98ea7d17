"""The 12-month trend equals the figures a full snapshot gives at each month end."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from builders import AS_AT, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.trend import TREND_COLUMNS, month_ends, monthly_trend
from ncpi_desktop.storage.history import load_trend_history


def compute_trend(engine, snapshot):
    """The trend as the window computes it: the history read once, then the rules."""
    first = month_ends(snapshot.as_at)[0]
    return monthly_trend(snapshot, load_trend_history(engine, first, snapshot.as_at))


def test_month_ends():
    assert month_ends(date(2017, 10, 9))[0] == date(2016, 10, 31)
    assert month_ends(date(2017, 10, 9))[-1] == date(2017, 9, 30)
    assert month_ends(date(2017, 9, 30))[-1] == date(2017, 9, 30)
    assert month_ends(date(2016, 3, 1), 2) == [date(2016, 1, 31), date(2016, 2, 29)]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    rng = np.random.default_rng(7)
    r = Register()
    r.manager("A")
    levels = ["low", "medium", "high", "very_high"]
    for i in range(60):
        rso_id = r.rso(manager_id="A", risk_level=levels[i % 4],
                       registered_on=date(2014, 1, 1) + pd.Timedelta(days=int(i * 20)),
                       sex="female" if i % 9 == 0 else "male")
        for days in sorted(rng.choice(1400, size=int(rng.integers(0, 8)), replace=False)):
            outcome = "no_access" if rng.random() < 0.2 else "completed"
            r.visit(rso_id, date(2014, 1, 1) + pd.Timedelta(days=int(days)), outcome)
        for days in sorted(rng.choice(1400, size=int(rng.integers(0, 3)), replace=False)):
            r.assessment(rso_id, date(2014, 1, 1) + pd.Timedelta(days=int(days)),
                         str(rng.choice(["low", "medium", "high"])))
    r.decision("R00005", "reactive", date(2017, 2, 1))  # low risk: not visited from February
    r.decision("R00005", "active", date(2017, 7, 1))
    r.rso("RELEASED", manager_id="A", risk_level="high", registered_on=date(2010, 1, 1),
          community_since=date(2017, 4, 1))
    r.rso("AWAY", manager_id="A", status="custody", risk_level="high")
    return r.write(tmp_path_factory.mktemp("trend") / "t.sqlite3")


@pytest.fixture(scope="module")
def trend(engine):
    return compute_trend(engine, full_snapshot(engine, AS_AT))


def test_trend_has_twelve_month_ends(trend):
    assert list(trend.columns) == TREND_COLUMNS
    assert len(trend) == 12
    assert trend["month_end"].iloc[0] == pd.Timestamp(2016, 10, 31)
    assert trend["month_end"].iloc[-1] == pd.Timestamp(2017, 9, 30)


def test_each_month_equals_a_full_snapshot_at_that_date(engine, trend):
    for row in trend.itertuples():
        force = compute_figures(full_snapshot(engine, row.month_end.date())).force.iloc[0]
        assert row.visits_overdue == force["visits_overdue"], row.month_end
        assert row.arms_eligible == force["arms_eligible"], row.month_end
        assert row.arms_current == force["arms_current"], row.month_end
        assert row.community == force["community"], row.month_end
        assert row.arms_completion == pytest.approx(force["arms_completion"])
    assert trend["visits_overdue"].nunique() > 1  # the register does change over the year


def test_the_trend_is_the_same_for_a_user_who_sees_no_date_of_birth(engine):
    """The window computes the trend from the snapshot it holds, cut to the user: the ages the
    ARMS rules need come from the register, so an analyst's trend is everyone's."""
    from builders import as_user

    from ncpi_desktop.analysis.visibility import cut_to
    from ncpi_desktop.domain.security import Role

    figures = compute_figures(full_snapshot(engine, AS_AT))
    cut = cut_to(as_user("analyst", Role.ANALYST), figures)
    assert cut.snapshot.rsos["date_of_birth"].isna().all()
    trend = compute_trend(engine, figures.snapshot)
    assert trend["arms_eligible"].min() > 0
    pd.testing.assert_frame_equal(compute_trend(engine, cut.snapshot), trend)
