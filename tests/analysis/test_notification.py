"""Rule 13: re-notification (s.85), reviews of indefinite notification (ss.91A-91F) and
notifications ending, at their boundaries, read from a hand-built register."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from builders import AS_AT, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.notification import STATUS_COLUMNS, notification_status
from ncpi_desktop.storage import models
from ncpi_desktop.storage.bulk import bulk_insert

DAY = timedelta(days=1)
WINDOW = 90  # the policy's default review window


def _reviews(*rows: tuple[str, date, str]) -> list[dict]:
    return [dict(rso_id=rso, decided_on=on, outcome=outcome, reason="test", actor="test",
                 recorded_at=datetime(2017, 1, 1, tzinfo=UTC)) for rso, on, outcome in rows]


class _Register(Register):
    def rso(self, rso_id=None, **kwargs):
        blank = dict.fromkeys(("first_notified_on", "last_notified_on", "expected_release_on"))
        return super().rso(rso_id, **(blank | kwargs))


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    r = _Register()
    r.manager("A")
    # Re-notification: exactly one year after the last notification is in time.
    r.rso("ONE_YEAR", manager_id="A", last_notified_on=date(2016, 10, 9),
          first_notified_on=date(2010, 1, 1))
    r.rso("YEAR_AND_DAY", manager_id="A", last_notified_on=date(2016, 10, 8))
    r.rso("FIRST_ONLY", manager_id="A", first_notified_on=date(2016, 9, 1))
    r.rso("NO_DATES", manager_id="A")
    r.rso("SOON", manager_id="A", last_notified_on=date(2016, 11, 6))   # due in 28 days
    r.rso("LATER", manager_id="A", last_notified_on=date(2016, 11, 7))  # due in 29 days
    r.rso("IN_CUSTODY", manager_id="A", status="custody", last_notified_on=date(2015, 1, 1))
    r.rso("ENDED", manager_id="A", last_notified_on=date(2015, 1, 1),
          notification_ends=date(2017, 1, 1))
    # Reviews of indefinite notification: 15 years after the first, 8 if under 18 then.
    indefinite = dict(manager_id="A", notification_indefinite=True,
                      last_notified_on=date(2017, 6, 1))
    r.rso("FIFTEEN", first_notified_on=date(2002, 10, 9), **indefinite)
    r.rso("WINDOW_EDGE", first_notified_on=date(2003, 1, 7), **indefinite)   # due in 90 days
    r.rso("WINDOW_OUT", first_notified_on=date(2003, 1, 8), **indefinite)    # due in 91 days
    r.rso("UNDER_18", date_of_birth=date(1992, 1, 1), first_notified_on=date(2009, 10, 9),
          **indefinite)
    r.rso("JUST_18", date_of_birth=date(1991, 10, 9), first_notified_on=date(2009, 10, 9),
          **indefinite)
    r.rso("CONTINUED", first_notified_on=date(1995, 1, 1), **indefinite)
    r.rso("CONTINUED_LATER", first_notified_on=date(1995, 1, 1), **indefinite)
    r.rso("DISCHARGED", first_notified_on=date(1995, 1, 1), **indefinite)
    r.rso("NO_FIRST", **indefinite)
    # Determinate notifications ending within the window.
    r.rso("ENDS_90", manager_id="A", notification_ends=AS_AT + WINDOW * DAY)
    r.rso("ENDS_91", manager_id="A", notification_ends=AS_AT + (WINDOW + 1) * DAY)
    r.rso("ENDS_TODAY", manager_id="A", notification_ends=AS_AT,
          last_notified_on=date(2016, 1, 1))
    engine = r.write(tmp_path_factory.mktemp("notification") / "n.sqlite3")
    with engine.begin() as connection:
        bulk_insert(connection, models.NotificationReview, _reviews(
            ("CONTINUED", date(2009, 10, 9), "continue"),
            ("CONTINUED_LATER", date(2009, 1, 1), "continue"),
            ("CONTINUED_LATER", date(2010, 1, 8), "continue"),   # the latest counts
            ("DISCHARGED", date(2010, 1, 1), "continue"),
            ("DISCHARGED", date(2017, 1, 1), "discharge"),
            ("FIFTEEN", date(2017, 10, 10), "discharge"),        # after the as-at date
        ))
    return full_snapshot(engine, AS_AT)


@pytest.fixture(scope="module")
def status(snapshot):
    return notification_status(snapshot)


def test_the_register_reads_the_dates_as_the_other_dates(snapshot):
    rsos = snapshot.rsos.set_index("rso_id")
    for column in ("first_notified_on", "last_notified_on", "expected_release_on"):
        assert rsos[column].dtype == rsos["community_since"].dtype
    assert rsos.loc["ONE_YEAR", "last_notified_on"] == pd.Timestamp(2016, 10, 9)
    assert pd.isna(rsos.loc["NO_DATES", "first_notified_on"])


def test_the_snapshot_holds_each_rsos_latest_decision_by_the_as_at_date(snapshot):
    reviews = snapshot.extra["notification_reviews"].set_index("rso_id")
    assert reviews.loc["CONTINUED_LATER", "decided_on"] == pd.Timestamp(2010, 1, 8)
    assert reviews.loc["DISCHARGED", "outcome"] == "discharge"
    assert "FIFTEEN" not in reviews.index  # decided after the as-at date


def test_one_row_per_rso_in_the_snapshots_order(snapshot, status):
    assert list(status.index) == list(snapshot.rsos["rso_id"])
    assert list(status.columns) == STATUS_COLUMNS


def test_renotification_exactly_one_year_on_is_in_time_and_a_day_later_overdue(status):
    assert status.loc["ONE_YEAR", "renotification_due_on"] == pd.Timestamp(AS_AT)
    assert not status.loc["ONE_YEAR", "renotification_overdue"]
    assert status.loc["ONE_YEAR", "renotification_due_soon"]
    assert status.loc["ONE_YEAR", "renotification_why"].endswith("due today")
    assert status.loc["YEAR_AND_DAY", "renotification_overdue"]
    assert status.loc["YEAR_AND_DAY", "renotification_why"] == (
        "Re-notification due 08/10/2017 (last notified 08/10/2016; at least every 12 months, "
        "s.85): overdue by 1 day")


def test_without_a_last_notification_the_first_one_counts_and_without_either_nothing(status):
    assert status.loc["FIRST_ONLY", "renotification_due_on"] == pd.Timestamp(2017, 9, 1)
    assert status.loc["FIRST_ONLY", "renotification_overdue"]
    assert "first notified 01/09/2016" in status.loc["FIRST_ONLY", "renotification_why"]
    assert "overdue by 38 days" in status.loc["FIRST_ONLY", "renotification_why"]
    assert pd.isna(status.loc["NO_DATES", "renotification_due_on"])
    assert not status.loc["NO_DATES", "renotification_overdue"]
    assert status.loc["NO_DATES", "renotification_why"] == ""


def test_due_soon_is_the_due_soon_window(status):
    assert status.loc["SOON", "renotification_due_soon"]
    assert "in 28 days" in status.loc["SOON", "renotification_why"]
    assert not status.loc["LATER", "renotification_due_soon"]
    assert not status.loc["LATER", "renotification_overdue"]


def test_no_renotification_is_asked_in_custody_or_after_the_notification_ended(status):
    for rso in ("IN_CUSTODY", "ENDED", "ENDS_TODAY", "DISCHARGED"):
        assert not status.loc[rso, "renotification_overdue"], rso


def test_indefinite_notification_is_reviewed_fifteen_years_after_the_first(status):
    assert status.loc["FIFTEEN", "notification_review_due_on"] == pd.Timestamp(2017, 10, 9)
    assert status.loc["FIFTEEN", "notification_review_due"]
    assert status.loc["FIFTEEN", "notification_review_why"] == (
        "Indefinite notification: review due 09/10/2017 (15 years after first notification on "
        "09/10/2002; ss.91A-91F): due today")
    assert status.loc["WINDOW_EDGE", "notification_review_due"]
    assert not status.loc["WINDOW_OUT", "notification_review_due"]
    assert status.loc["WINDOW_OUT", "notification_review_due_on"] == pd.Timestamp(2018, 1, 8)


def test_under_18_at_first_notification_the_review_comes_after_eight_years(status):
    assert status.loc["UNDER_18", "notification_review_due_on"] == pd.Timestamp(2017, 10, 9)
    assert status.loc["UNDER_18", "notification_review_due"]
    assert "8 years after first notification on 09/10/2009, under 18 then" in status.loc[
        "UNDER_18", "notification_review_why"]
    # First notified on the 18th birthday: an adult then, so 15 years.
    assert status.loc["JUST_18", "notification_review_due_on"] == pd.Timestamp(2024, 10, 9)
    assert not status.loc["JUST_18", "notification_review_due"]


def test_after_a_decision_to_continue_the_next_review_is_eight_years_on(status):
    assert status.loc["CONTINUED", "notification_review_due_on"] == pd.Timestamp(2017, 10, 9)
    assert status.loc["CONTINUED", "notification_review_due"]
    assert "8 years after the decision to continue on 09/10/2009" in status.loc[
        "CONTINUED", "notification_review_why"]
    assert status.loc["CONTINUED_LATER", "notification_review_due_on"] == pd.Timestamp(
        2018, 1, 8)
    assert not status.loc["CONTINUED_LATER", "notification_review_due"]
    assert status.loc["CONTINUED_LATER", "notification_continued_on"] == pd.Timestamp(
        2010, 1, 8)


def test_a_discharge_ends_the_notification_and_its_reviews(status):
    row = status.loc["DISCHARGED"]
    assert row["notification_discharged_on"] == pd.Timestamp(2017, 1, 1)
    assert row["notification_ends_on"] == pd.Timestamp(2017, 1, 1)
    assert pd.isna(row["notification_review_due_on"])
    assert not row["notification_review_due"]
    assert not row["notification_ending"]


def test_an_indefinite_notification_without_a_first_date_has_no_review_date(status):
    assert pd.isna(status.loc["NO_FIRST", "notification_review_due_on"])
    assert not status.loc["NO_FIRST", "notification_review_due"]


def test_a_determinate_notification_ending_within_the_window_is_listed(status):
    assert status.loc["ENDS_90", "notification_ending"]
    assert status.loc["ENDS_90", "notification_ending_why"] == (
        "Notification ends 07/01/2018: in 90 days (within 90 days)")
    assert not status.loc["ENDS_91", "notification_ending"]
    assert not status.loc["ENDS_TODAY", "notification_ending"]  # ended: no longer in force
    assert not status.loc["FIFTEEN", "notification_ending"]     # indefinite
    assert pd.isna(status.loc["FIFTEEN", "notification_ends_on"])


def test_the_window_and_interval_are_the_policys(snapshot):
    from dataclasses import replace
    policy = snapshot.policy.with_values({"notification_review_window_days": 91,
                                          "renotification_interval_months": 13})
    wider = notification_status(replace(snapshot, policy=policy))
    assert wider.loc["WINDOW_OUT", "notification_review_due"]
    assert wider.loc["ENDS_91", "notification_ending"]
    assert not wider.loc["YEAR_AND_DAY", "renotification_overdue"]


def test_the_flags_their_why_and_the_counts_reach_the_figures_and_the_report(snapshot):
    from ncpi_desktop.analysis.figures import RSO_FLAG_TITLES, compute_figures
    from ncpi_desktop.exchange.report import build_report

    figures = compute_figures(snapshot)
    rsos = figures.rsos.set_index("rso_id")
    assert rsos.loc["YEAR_AND_DAY", "flag_renotification_overdue"]
    assert rsos.loc["YEAR_AND_DAY", "why_renotification_overdue"].endswith("overdue by 1 day")
    assert not rsos.loc["ONE_YEAR", "flag_renotification_overdue"]
    assert rsos.loc["ONE_YEAR", "why_renotification_overdue"] == ""  # due soon: no flag
    assert rsos.loc["UNDER_18", "flag_notification_review_due"]
    assert RSO_FLAG_TITLES["renotification_overdue"] == "Re-notification overdue"
    report = build_report(figures)
    force = report["force"]
    assert (force["renotifications_overdue"], force["notification_reviews_due"],
            force["notifications_ending"]) == (2, 4, 1)
    by_id = {r["rso_id"]: r for r in report["rsos"]}
    said = dict(zip(by_id["FIRST_ONLY"]["flags"], by_id["FIRST_ONLY"]["why"], strict=True))
    assert said["renotification_overdue"] == (
        "Re-notification due 01/09/2017 (first notified 01/09/2016; at least every 12 months, "
        "s.85): overdue by 38 days")
    assert "notification_review_due" in by_id["CONTINUED"]["flags"]
    assert "notification_review_due" not in by_id["CONTINUED_LATER"]["flags"]
    flags = [f for r in report["rsos"] for f in r["flags"]]
    assert flags.count("renotification_overdue") == 2
    team = report["teams"][0]
    assert team["notification_reviews_due"] == 4
    manager = report["managers"][0]
    assert (manager["manager_id"], manager["renotifications_overdue"],
            manager["notification_reviews_due"], manager["notifications_ending"]) == (
        "A", 2, 4, 1)
