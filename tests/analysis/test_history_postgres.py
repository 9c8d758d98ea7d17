"""The history SQL (visits aggregated per RSO, orders, decisions, the trend read) gives the same
figures on PostgreSQL as on SQLite, and the recording operations run there too."""

from __future__ import annotations

from datetime import date

import postgres
import pytest
from builders import AS_AT, Register, as_user

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.trend import month_ends, monthly_trend
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.history import load_trend_history
from ncpi_desktop.storage.operations import OperationError, record_visit

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))


def compute_trend(engine, snapshot):
    """The trend as the window computes it: the history read once, then the rules."""
    first = month_ends(snapshot.as_at)[0]
    return monthly_trend(snapshot, load_trend_history(engine, first, snapshot.as_at))


def register() -> Register:
    r = Register()
    r.manager("A")
    r.manager("B", team="East 2")
    r.rso("NEVER", manager_id="A", risk_level="high", community_since=date(2017, 9, 1))
    r.rso("OVERDUE", manager_id="A", risk_level="high")
    r.visit("OVERDUE", date(2017, 6, 2))
    r.visit("OVERDUE", date(2017, 10, 20))  # after the as-at date
    r.rso("WARRANT", manager_id="B", risk_level="low")
    r.visit("WARRANT", date(2017, 1, 15), officers=1)
    r.visit("WARRANT", date(2017, 8, 1), outcome="no_access")
    r.visit("WARRANT", date(2017, 9, 1), outcome="no_access")
    r.rso("NO_COMPLETED", manager_id="B", risk_level="low")
    r.visit("NO_COMPLETED", date(2017, 8, 1), outcome="no_access")
    r.visit("NO_COMPLETED", date(2017, 9, 1), outcome="no_access")
    r.rso("SAME_DAY", manager_id="B", risk_level="medium")
    r.visit("SAME_DAY", date(2017, 9, 1), outcome="no_access")
    r.visit("SAME_DAY", date(2017, 9, 1))
    r.rso("CANDIDATE", manager_id="A", risk_level="low")
    r.assessment("CANDIDATE", date(2017, 3, 1))
    r.visit("CANDIDATE", date(2017, 9, 1))
    r.rso("DECIDED", manager_id="A", risk_level="low")
    r.assessment("DECIDED", date(2017, 3, 1))
    r.decision("DECIDED", "reactive", date(2017, 4, 1))
    r.rso("ORDERED", manager_id="B", risk_level="medium", status="custody")
    r.order("ORDERED", date(2016, 1, 1), date(2017, 12, 1))
    r.order("ORDERED", date(2017, 11, 1))  # not started at the as-at date
    return r


@pytest.fixture(scope="module")
def postgres_url():
    with postgres.server() as url:
        yield url


def test_postgres_gives_the_sqlite_figures(postgres_url, tmp_path):
    sqlite_engine = register().write(tmp_path / "h.sqlite3")
    engine = register().write(postgres_url)
    try:
        for as_at in (AS_AT, date(2017, 8, 15)):
            expected = build_report(compute_figures(full_snapshot(sqlite_engine, as_at)))
            actual = build_report(compute_figures(full_snapshot(engine, as_at)))
            assert actual == expected
        rsos = {r["rso_id"]: r for r in actual["rsos"]}
        assert "warrant_consideration" not in rsos["WARRANT"]["flags"]  # as at 15/08/2017
        snapshot = full_snapshot(engine, AS_AT)
        visits = snapshot.extra["visits"].set_index("rso_id")
        assert visits.loc["WARRANT", "failed_attempts"] == 2
        assert visits.loc["WARRANT", "last_visit_officers"] == 1
        assert visits.loc["NO_COMPLETED", "failed_attempts"] == 2
        assert visits.loc["SAME_DAY", "failed_attempts"] == 0
        assert str(visits.loc["OVERDUE", "last_attempt_on"].date()) == "2017-06-02"
        assert snapshot.rsos.set_index("rso_id").loc["DECIDED", "management"] == "reactive"
        trend = compute_trend(engine, snapshot)
        assert trend.equals(compute_trend(sqlite_engine, full_snapshot(sqlite_engine, AS_AT)))
    finally:
        engine.dispose()


def test_recording_on_postgres(postgres_url):
    engine = register().write(postgres_url.replace("/ncpi", "/postgres"))
    try:
        change = record_visit(engine, "NEVER", date(2017, 10, 1), "completed", 2, as_user("DC X"),
                              today=AS_AT)
        assert compute_figures(full_snapshot(engine, AS_AT)).rsos.set_index("rso_id").loc[
            "NEVER", "last_visit_on"].date() == date(2017, 10, 1)
        change.undo(engine, as_user("DC X")).undo(engine, as_user("DC X"))
        with pytest.raises(OperationError, match="risk medium"):
            record_decision(engine, "SAME_DAY", "reactive", AS_AT, "r", as_user("DC X"),
                            today=AS_AT)
        record_decision(engine, "CANDIDATE", "reactive", AS_AT, "r", as_user("DC X"), today=AS_AT)
    finally:
        engine.dispose()
