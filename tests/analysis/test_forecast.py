"""The forecast (analysis.forecast) on hand-built registers with a known week-by-week schedule.

As at Monday 09/10/2017, week k runs from 09/10 + 7k to 15/10 + 7k; the 12 weeks end 31/12/2017.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from builders import AS_AT, Register, as_user

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.forecast import forecast, group_fte, over_capacity
from ncpi_desktop.analysis.visibility import cut_to
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.domain.security import Role
from ncpi_desktop.storage import models
from ncpi_desktop.storage.allocations import absences
from ncpi_desktop.storage.bulk import bulk_insert

WEEKS = 12


def weeks_of(*weeks: int, total: int = WEEKS) -> list[int]:
    """One count per week: how many of ``weeks`` fall in each."""
    return [weeks.count(k) for k in range(total)]


@pytest.fixture(scope="module")
def register():
    r = Register()
    r.manager("A", bcu="East", team="East 1")  # visits
    r.manager("C", bcu="East", team="East 2")  # ARMS and orders
    r.manager("B", bcu="West", team="West 1", fte=0.5)  # a full team
    female = dict(sex="female", bcu="East")
    # Monthly: last visit 20/09, due 20/10 (week 1), then 20/11 (week 6) and 20/12 (week 10).
    r.rso("MONTHLY", manager_id="A", risk_level="very_high", **female)
    r.visit("MONTHLY", date(2017, 9, 20))
    # Three-monthly: due 01/11 (week 3); the next, 01/02/2018, is beyond the horizon.
    r.rso("QUARTERLY", manager_id="A", risk_level="high", **female)
    r.visit("QUARTERLY", date(2017, 8, 1))
    # Yearly: due 25/12 (week 11).
    r.rso("YEARLY", manager_id="A", risk_level="low", **female)
    r.visit("YEARLY", date(2016, 12, 25))
    # Overdue (due 01/09): week 0, then monthly from the as-at date: 09/11 (4) and 09/12 (8).
    r.rso("OVERDUE", manager_id="A", risk_level="very_high", **female)
    r.visit("OVERDUE", date(2017, 8, 1))
    # Reactive: no visit prescribed; custody: none either.
    r.rso("REACTIVE", manager_id="A", risk_level="low", management="reactive", **female)
    r.rso("INSIDE", manager_id="A", risk_level="high", status="custody", **female)
    # ARMS (team East 2; visits far off: yearly, visited in September).
    arms = dict(manager_id="C", risk_level="low", bcu="East")
    r.rso("ARMS_EXPIRES", **arms)  # latest 01/11/2016: expires 01/11/2017 (week 3)
    r.assessment("ARMS_EXPIRES", date(2016, 11, 1))
    r.rso("ARMS_EXPIRED", **arms)  # expired in June: week 0
    r.assessment("ARMS_EXPIRED", date(2016, 6, 1))
    r.rso("ARMS_NEVER", **arms)  # never assessed: week 0
    r.rso("ARMS_CURRENT", **arms)  # expires 01/06/2018: none
    r.assessment("ARMS_CURRENT", date(2017, 6, 1))
    r.rso("ARMS_FEMALE", sex="female", manager_id="C", risk_level="low")
    r.rso("ARMS_YOUNG", date_of_birth=date(2001, 1, 1), **arms)  # 16: not eligible
    for rso in ("ARMS_EXPIRES", "ARMS_EXPIRED", "ARMS_NEVER", "ARMS_CURRENT", "ARMS_FEMALE",
                "ARMS_YOUNG"):
        r.visit(rso, date(2017, 9, 1))
    # Orders: one ends 15/11 (week 5), one after the horizon, one until further order.
    r.order("ARMS_CURRENT", date(2016, 1, 1), date(2017, 11, 15))
    r.order("ARMS_FEMALE", date(2016, 1, 1), date(2018, 6, 1))
    r.order("ARMS_YOUNG", date(2016, 1, 1), None, type="SRO")
    # West 1: 60 community RSOs on 0.5 FTE, all visited in September (low: yearly), female.
    for _ in range(60):
        rso = r.rso(manager_id="B", risk_level="low", sex="female", bcu="West")
        r.visit(rso, date(2017, 9, 1))
    # West 1: released on 01/11 (week 3), high risk: first visit 28 days on, 29/11 (week 7).
    r.rso("RELEASE", manager_id="B", risk_level="high", status="custody", sex="female",
          bcu="West", expected_release_on=date(2017, 11, 1))
    r.rso("RELEASE_LATER", manager_id="B", risk_level="high", status="custody", sex="female",
          bcu="West", expected_release_on=date(2018, 3, 1))
    # Notification (East 3): re-notification due 20/10 (week 1); overdue since 01/09 (week 0);
    # due after the notification ends (none); indefinite, reviewable 15 years on: 15/11
    # (week 5); first notified at 14: 8 years on, 20/11 (week 6).
    r.manager("D", bcu="East", team="East 3")
    notified = dict(manager_id="D", risk_level="low", sex="female", bcu="East")
    r.rso("RENOTIFY", last_notified_on=date(2016, 10, 20), **notified)
    r.rso("RENOTIFY_LATE", first_notified_on=date(2016, 9, 1), **notified)
    r.rso("RENOTIFY_ENDED", last_notified_on=date(2016, 10, 20),
          notification_ends=date(2017, 10, 15), **notified)
    r.rso("REVIEW", first_notified_on=date(2002, 11, 15), last_notified_on=date(2017, 9, 1),
          notification_indefinite=True, **notified)
    r.rso("REVIEW_YOUNG", first_notified_on=date(2009, 11, 20), date_of_birth=date(1995, 1, 1),
          last_notified_on=date(2017, 9, 1), notification_indefinite=True, **notified)
    for rso in ("RENOTIFY", "RENOTIFY_LATE", "RENOTIFY_ENDED", "REVIEW", "REVIEW_YOUNG"):
        r.visit(rso, date(2017, 9, 1))
    for row in r.rsos:  # every row with the notification columns, blank where not given
        for column in ("first_notified_on", "last_notified_on", "expected_release_on"):
            row.setdefault(column, None)
    return r


def _absence(manager_id: str, starts_on: date, ends_on: date,
             returned_on: date | None = None) -> dict:
    return dict(manager_id=manager_id, starts_on=starts_on, ends_on=ends_on, reason="sick",
                actor="test", recorded_at=datetime(2017, 1, 1, tzinfo=UTC),
                returned_on=returned_on)


@pytest.fixture(scope="module")
def engine(register, tmp_path_factory):
    engine = register.write(tmp_path_factory.mktemp("forecast") / "f.sqlite3")
    with engine.begin() as connection:
        bulk_insert(connection, models.ManagerAbsence, [
            # A: away 16/10 up to 30/10 (the first day back): weeks 1 and 2 whole.
            _absence("A", date(2017, 10, 16), date(2017, 10, 30)),
            # ... and overlapping it, 27/10 to 02/11: week 2 again (counted once), and 30/10,
            # 31/10 and 01/11 of week 3.
            _absence("A", date(2017, 10, 27), date(2017, 11, 2)),
            # B: away from 11/10 to 25/10, but back on 13/10: 11 and 12 of week 0.
            _absence("B", date(2017, 10, 11), date(2017, 10, 25), date(2017, 10, 13)),
        ])
    return engine


@pytest.fixture(scope="module")
def figures(engine):
    return compute_figures(full_snapshot(engine, AS_AT))


@pytest.fixture(scope="module")
def result(engine, figures):
    return forecast(figures, WEEKS, absences=absences(engine))


def team(result, name):
    return next(t for t in result.to_json()["teams"] if t["name"] == name)


def manager(result, manager_id):
    return next(m for m in result.to_json()["managers"] if m["manager_id"] == manager_id)


def test_weeks_run_seven_days_from_the_as_at_date(result):
    weeks = result.to_json()["weeks"]
    assert len(weeks) == WEEKS
    assert weeks[0] == {"starts_on": "2017-10-09", "ends_on": "2017-10-15"}
    assert weeks[11] == {"starts_on": "2017-12-25", "ends_on": "2017-12-31"}


def test_visits_fall_due_week_by_week_by_interval(result):
    # MONTHLY 1, 6, 10; QUARTERLY 3; YEARLY 11; OVERDUE 0, 4, 8; none for reactive or custody.
    assert manager(result, "A")["visits_due"] == weeks_of(1, 6, 10, 3, 11, 0, 4, 8)


def test_arms_fall_due_in_the_week_the_latest_expires(result):
    # Expires 01/11 (week 3); expired and never assessed in week 0; the rest not eligible.
    assert manager(result, "C")["arms_due"] == weeks_of(3, 0, 0)
    assert manager(result, "A")["arms_due"] == weeks_of()  # all female


def test_orders_ending_count_in_the_week_they_end(result):
    assert team(result, "East 2")["orders_ending"] == weeks_of(5)


def test_hours_needed_are_visits_and_arms_at_the_policy_hours(result):
    policy = Policy()
    c = manager(result, "C")
    expected = [v * policy.hours_per_visit + a * policy.hours_per_arms
                for v, a in zip(c["visits_due"], c["arms_due"], strict=True)]
    assert c["hours_needed"] == expected
    assert c["hours_needed"][3] == policy.hours_per_arms


def test_hours_available_less_recorded_absences(result):
    weekly = Policy().weekly_hours_per_fte
    a = manager(result, "A")["hours_available"]
    assert a[0] == weekly and a[1] == 0 and a[2] == 0
    assert a[3] == round(weekly * 4 / 7, 2)  # away 30/10, 31/10 and 01/11
    assert a[4:] == [weekly] * 8
    b = manager(result, "B")["hours_available"]
    assert b[0] == round(0.5 * weekly * 5 / 7, 2)  # back on 13/10: away two days
    assert b[1:] == [0.5 * weekly] * 11
    east = next(x for x in result.to_json()["bcus"] if x["name"] == "East")
    assert east["hours_available"][1] == 2 * weekly  # C and D; A away
    force = result.to_json()["force"]
    assert force["hours_available"][1] == round(weekly * 2.5, 2)  # and B at 0.5


def test_releases_count_in_their_week_and_their_first_visit_follows(result):
    west = team(result, "West 1")
    assert west["releases"] == weeks_of(3)  # the one in March 2018 is beyond the horizon
    assert west["visits_due"] == weeks_of(7)  # 29/11; the 60 others visited in September


def test_renotifications_and_reviews_fall_due_in_their_week(result):
    east3 = team(result, "East 3")
    assert east3["renotifications_due"] == weeks_of(1, 0)
    assert east3["notification_reviews_due"] == weeks_of(5, 6)


def test_managers_needed_keep_the_team_within_the_limit(result):
    # 60 community RSOs at 50 per FTE: 1.2 FTE (it has 0.5); 61 from the release in week 3.
    assert team(result, "West 1")["managers_needed"] == [1.2] * 3 + [1.3] * 9
    # East 1: four active and one reactive in the community (custody not counted): 0.1.
    assert team(result, "East 1")["managers_needed"] == [0.1] * WEEKS


def test_force_adds_up_the_teams(result):
    data = result.to_json()
    for measure in ("visits_due", "arms_due", "orders_ending", "releases", "renotifications_due",
                    "notification_reviews_due", "hours_needed"):
        total = [sum(t[measure][k] for t in data["teams"]) for k in range(WEEKS)]
        assert data["force"][measure] == total


def _row(level, **keys):
    frame = level.keys
    return next(r for r in range(len(frame)) if all(frame[k].iloc[r] == v
                                                    for k, v in keys.items()))


def test_each_group_has_the_fte_of_its_managers(result, figures):
    west = _row(result.teams, bcu="West", team="West 1")
    assert group_fte(figures, "teams", result.teams.keys, west) == 0.5
    east = _row(result.bcus, bcu="East")
    assert group_fte(figures, "bcus", result.bcus.keys, east) == 3.0  # A, C and D
    assert group_fte(figures, "force", result.force.keys, 0) == 3.5
    assert group_fte(figures, "managers", result.managers.keys, 0) is None


def test_over_capacity_marks_the_weeks_short_of_hours_or_fte(result, figures):
    # East 1: A is away in weeks 1 and 2; MONTHLY falls due in week 1: 3 hours, none available.
    east1 = _row(result.teams, bcu="East", team="East 1")
    table = result.teams.table(east1)
    marks = over_capacity(table, group_fte(figures, "teams", result.teams.keys, east1))
    assert marks["hours_needed"].tolist() == [k == 1 for k in range(WEEKS)]
    assert not marks["managers_needed"].any()  # 0.1 FTE needed, 1.0 had
    # West 1: 60 RSOs on 0.5 FTE: over every week; 3 hours of 18.5 in week 7: within.
    west = _row(result.teams, bcu="West", team="West 1")
    marks = over_capacity(result.teams.table(west), 0.5)
    assert marks["managers_needed"].all() and not marks["hours_needed"].any()
    # Exactly the FTE needed is not over; a manager (no FTE to set against) has no such mark.
    assert not over_capacity(result.teams.table(west), 1.3)["managers_needed"].any()
    assert set(over_capacity(result.managers.table(0), None)) == {"hours_needed"}


@pytest.fixture(scope="module")
def month_end(tmp_path_factory):
    r = Register()
    r.manager("A")
    r.rso("MONTH_END", manager_id="A", risk_level="very_high", sex="female")
    r.visit("MONTH_END", date(2017, 12, 31))
    return r.write(tmp_path_factory.mktemp("month_end") / "m.sqlite3")


def test_a_month_end_due_date_steps_by_calendar_month(month_end):
    # As at Thursday 25/01/2018: due 31/01 (week 0), then 28/02 (week 4), then 28/03 (week 8:
    # 22/03-28/03), each from the one before; 31/03 would have been week 9.
    result = forecast(full_snapshot(month_end, date(2018, 1, 25)), 12)
    assert result.to_json()["managers"][0]["visits_due"] == weeks_of(0, 4, 8)


def test_a_horizon_of_one_week_and_none(month_end):
    result = forecast(full_snapshot(month_end, date(2018, 1, 25)), 1)
    assert result.to_json()["force"]["visits_due"] == [1]
    with pytest.raises(ValueError):
        forecast(full_snapshot(month_end, date(2018, 1, 25)), 0)


@pytest.fixture(scope="module")
def released_arms(tmp_path_factory):
    """Manager A's RSOs in custody, each released on 01/11/2017 (week 3) unless said."""
    r = Register()
    r.manager("A")
    inside = dict(manager_id="A", risk_level="high", status="custody",
                  expected_release_on=date(2017, 11, 1))
    r.rso("NEVER", **inside)  # never assessed: due on release, week 3
    r.rso("EXPIRED", **inside)  # expired 01/01/2017: due on release, week 3
    r.assessment("EXPIRED", date(2016, 1, 1))
    r.rso("EXPIRES_INSIDE", **inside)  # expires 15/10 (week 0), still inside: on release
    r.assessment("EXPIRES_INSIDE", date(2016, 10, 15))
    r.rso("EXPIRES_AFTER", **inside)  # expires 01/12, after release: week 7 (27/11-03/12)
    r.assessment("EXPIRES_AFTER", date(2016, 12, 1))
    r.rso("CURRENT", **inside)  # expires 01/06/2018: none in the horizon
    r.assessment("CURRENT", date(2017, 6, 1))
    r.rso("FEMALE", sex="female", **inside)  # ARMS is for adult males
    r.rso("YOUNG", date_of_birth=date(2001, 1, 1), **inside)  # 16
    r.rso("LATER", **inside | {"expected_release_on": date(2018, 3, 1)})  # beyond the horizon
    return r.write(tmp_path_factory.mktemp("released_arms") / "r.sqlite3")


def test_a_released_adult_male_is_due_his_arms_on_release_or_when_it_expires(released_arms):
    figures = compute_figures(full_snapshot(released_arms, AS_AT))
    a = forecast(figures, WEEKS).to_json()["managers"][0]
    assert a["releases"] == weeks_of(*[3] * 7)
    assert a["arms_due"] == weeks_of(3, 3, 3, 7)
    assert a["hours_needed"][3] == 3 * Policy().hours_per_arms  # the first visits: week 7
    # The same for a user who sees no date of birth (an analyst): who is an adult male is
    # decided before the figures are cut.
    cut = cut_to(as_user("analyst", Role.ANALYST), figures)
    assert cut.rsos["date_of_birth"].isna().all()
    assert forecast(cut, WEEKS).to_json() == forecast(figures, WEEKS).to_json()
