"""The demo's notification dates and reviews of indefinite notification (DOMAIN.md rule 13).

Drawn from a generator of their own (seeded from the profile's seed and this rule's number), after
the rest of the register and from its finished RSO table: the draws of every other table, and so
every other figure of the demo, are what they were before these dates existed.

- ``first_notified_on``: within 3 days of registration (s.83 asks for it within 3 days).
- ``last_notified_on``: in the community, a re-notification in the past year for most, and more
  than a year ago (overdue, s.85) for about one in twenty; in custody, abroad or missing, a
  notification some months to a few years back. Never before the first nor after the as-at date.
- ``expected_release_on``: every RSO in custody, about a quarter of them within 12 weeks.
- Reviews of indefinite notification: most RSOs whose first review fell due more than six months
  before the as-at date had a decision to continue within six months of it (the next review 8
  years on); the rest are still waiting (their review is due).
"""

from __future__ import annotations

from datetime import time

import numpy as np
import pandas as pd

from ncpi_desktop.demo.generate.arrays import add_months, recorded_times, uniform_days
from ncpi_desktop.domain.enums import NotificationReviewOutcome, Status
from ncpi_desktop.domain.policy import Policy

#: The rule's number: the generator's second seed.
RULE = 13
OVERDUE_SHARE = 0.05
RELEASE_SOON_SHARE = 0.25
RELEASE_SOON_DAYS = 84
CONTINUED_SHARE = 0.85
ACTOR = "demo"


def _days(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype="datetime64[D]")


def notification_dates(seed: int, as_at: np.datetime64, rsos: pd.DataFrame) -> pd.DataFrame:
    """The three dates of each RSO of ``rsos`` (the register's RSO table), in its order."""
    rng = np.random.default_rng([seed, RULE])
    n = len(rsos)
    registered = _days(rsos["registered_on"])
    first = np.minimum(registered + uniform_days(rng, 0, 3, n).astype("timedelta64[D]"), as_at)
    status = rsos["status"].to_numpy(object)
    community = status == Status.COMMUNITY.value
    custody = status == Status.CUSTODY.value
    overdue = rng.random(n) < OVERDUE_SHARE
    back = np.where(community,
                    np.where(overdue, uniform_days(rng, 366, 480, n),
                             uniform_days(rng, 0, 340, n)),
                    uniform_days(rng, 120, 1500, n))
    last = np.maximum(as_at - back.astype("timedelta64[D]"), first)
    soon = rng.random(n) < RELEASE_SOON_SHARE
    ahead = np.where(soon, uniform_days(rng, 1, RELEASE_SOON_DAYS, n),
                     uniform_days(rng, RELEASE_SOON_DAYS + 1, 1500, n))
    release = np.where(custody, as_at + ahead.astype("timedelta64[D]"), np.datetime64("NaT"))
    return pd.DataFrame({"first_notified_on": first, "last_notified_on": last,
                         "expected_release_on": release.astype("datetime64[D]")},
                        index=rsos.index)


def notification_reviews(seed: int, as_at: np.datetime64, rsos: pd.DataFrame,
                         policy: Policy) -> pd.DataFrame:
    """Decisions to continue the indefinite notifications of ``rsos`` (with their dates)."""
    rng = np.random.default_rng([seed, RULE, 2])
    first = _days(rsos["first_notified_on"])
    adult = add_months(_days(rsos["date_of_birth"]), np.full(len(rsos), 12 * 18))
    years = np.where(first < adult, policy.notification_review_years_under_18,
                     policy.notification_review_years)
    review = add_months(first, years * 12)
    decided = review + uniform_days(rng, 0, 180, len(rsos)).astype("timedelta64[D]")
    chosen = (rsos["notification_indefinite"].to_numpy(bool)
              & (review <= as_at - np.timedelta64(183, "D"))
              & (rng.random(len(rsos)) < CONTINUED_SHARE) & (decided <= as_at))
    on = decided[chosen]
    return pd.DataFrame({
        "rso_id": rsos["rso_id"].to_numpy(object)[chosen], "decided_on": on,
        "outcome": NotificationReviewOutcome.CONTINUE.value,
        "reason": "Risk remains: notification continues (demo)", "actor": ACTOR,
        "recorded_at": recorded_times(on, time(11, 0))})
