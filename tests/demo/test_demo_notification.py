"""The Lancashire demo shows notification compliance (rule 13): some re-notifications overdue,
some reviews of indefinite notification due, and RSOs in custody due out in the next 12 weeks;
no notification after the as-at date."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from conftest import LANCASHIRE_AS_AT

from ncpi_desktop.analysis.notification import notification_status
from ncpi_desktop.storage.load import load_snapshot


@pytest.fixture(scope="module")
def snapshot(lancashire):
    return load_snapshot(lancashire, LANCASHIRE_AS_AT)


@pytest.fixture(scope="module")
def status(snapshot):
    return notification_status(snapshot)


def test_some_but_few_community_rsos_are_overdue_for_re_notification(snapshot, status):
    community = (snapshot.rsos["status"] == "community").to_numpy()
    overdue = status["renotification_overdue"].to_numpy()
    assert 0.02 < overdue[community].mean() < 0.10
    assert not overdue[~community].any()


def test_some_indefinite_notifications_are_due_for_review_and_some_were_continued(status):
    assert 10 < status["notification_review_due"].sum() < 400
    continued = status["notification_continued_on"].notna()
    assert continued.sum() > 50
    assert (status.loc[continued, "notification_review_due_on"]
            > status.loc[continued, "notification_continued_on"]).all()


def test_custody_rsos_have_expected_releases_some_within_twelve_weeks(snapshot):
    rsos = snapshot.rsos
    custody = rsos["status"] == "custody"
    release = rsos["expected_release_on"]
    assert release[custody].notna().all() and release[~custody].isna().all()
    as_at = pd.Timestamp(LANCASHIRE_AS_AT)
    soon = (release > as_at) & (release <= as_at + timedelta(weeks=12))
    assert 0.15 < soon[custody].mean() < 0.35


def test_no_notification_after_the_as_at_date_nor_before_the_first(snapshot):
    rsos = snapshot.rsos
    as_at = pd.Timestamp(LANCASHIRE_AS_AT)
    assert (rsos["first_notified_on"] <= as_at).all()
    assert (rsos["last_notified_on"] <= as_at).all()
    assert (rsos["last_notified_on"] >= rsos["first_notified_on"]).all()
    assert (rsos["first_notified_on"] >= rsos["registered_on"]).all()
