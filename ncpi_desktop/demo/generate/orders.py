"""Civil orders: SOPOs before March 2015, SHPOs after; some until further order, some ending
within the review window."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ncpi_desktop.demo.generate.arrays import Clock, add_months, pick, uniform_days
from ncpi_desktop.domain.enums import OrderType
from ncpi_desktop.domain.policy import Policy

#: SHPOs and SROs replaced SOPOs and RSHOs on 8 March 2015 (Anti-social Behaviour, Crime and
#: Policing Act 2014).
SHPO_FROM = date(2015, 3, 8)


def civil_orders(rng: np.random.Generator, clock: Clock, frame: pd.DataFrame,
                 reactive: np.ndarray, policy: Policy) -> pd.DataFrame:
    """SOPOs before March 2015, SHPOs after; some until further order, some ending soon."""
    n = len(frame)
    risk = frame["risk"].to_numpy()
    registered = frame["registered_off"].to_numpy()
    has = (rng.random(n) < np.array([0.15, 0.33, 0.55, 0.9])[risk]) & ~reactive
    idx = np.flatnonzero(has)
    m = len(idx)
    later = rng.random(m) < 0.2
    start = np.where(later, np.floor(registered[idx] * rng.random(m)),
                     np.maximum(registered[idx] - uniform_days(rng, 0, 20, m), 0))
    before_shpo = start > clock.offset(SHPO_FROM)
    old_types = rng.choice(np.array([OrderType.SOPO, OrderType.NO, OrderType.FTO,
                                     OrderType.RSHO], dtype=object), m, p=[0.85, 0.08, 0.04, 0.03])
    new_types = rng.choice(np.array([OrderType.SHPO, OrderType.SRO, OrderType.NO], dtype=object),
                           m, p=[0.88, 0.07, 0.05])
    kind = np.where(before_shpo, old_types, new_types)
    years = np.select(
        [np.isin(kind, [OrderType.SHPO, OrderType.SOPO]), kind == OrderType.SRO,
         kind == OrderType.RSHO, kind == OrderType.FTO],
        [rng.choice([0, 5, 10, 15], m, p=[0.45, 0.3, 0.2, 0.05]), rng.choice([2, 5], m),
         rng.choice([2, 3, 5], m), rng.choice([1, 3, 5], m)], 0)
    start_days = clock.dates(start)
    ends = add_months(start_days, 12 * years)
    ends_off = np.where(years > 0, clock.offsets(ends).astype(float), np.nan)
    # A few orders end within the review window: the list a supervisor must act on.
    window = policy.order_review_window_days
    running = np.flatnonzero(np.isnan(ends_off) | (ends_off < 0))
    soon = running[pick(rng, np.ones(len(running)), max(1, round(m * 0.012)))]
    ends_off[soon] = -uniform_days(rng, 1, window, len(soon))
    ends_off = np.where(~np.isnan(ends_off) & (ends_off >= start), start - 365, ends_off)
    order = np.lexsort((start, idx))
    return pd.DataFrame({"rso": idx[order], "type": kind[order].astype(str),
                         "start_off": start[order], "end_off": ends_off[order]})
