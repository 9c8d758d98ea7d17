"""Reactive management (rule 11): who meets every criterion, and what each other RSO lacks.

One implementation serves the Reactive page, the report and ``record_decision`` (which refuses a
reactive decision for an RSO that does not meet the criteria at the decision's date).

The criteria, each with the text the user reads when it is not met:

- ``risk``: risk level low;
- ``arms``: the latest ARMS outcome low and current. ARMS applies to adult males only; for
  anyone else no ARMS can be asked for, so this criterion does not apply to them;
- ``concern``: no offence, concern or adverse intelligence for the concern-free period, counted
  from the latest of ``registered_on``, ``community_since`` and ``last_concern_on`` (a concern
  recorded after the as-at date had not happened then and is not counted);
- ``order``: no civil order in force;
- ``status``: in the community.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import (
    as_categorical,
    distinct_codes,
    factorised,
    in_register_order,
    is_in,
    value_table,
)
from ncpi_desktop.analysis.arms import arms_status
from ncpi_desktop.analysis.dates import add_years, age_in_years
from ncpi_desktop.analysis.flags import repeated, set_flag
from ncpi_desktop.analysis.management import management_at
from ncpi_desktop.analysis.orders import orders_in_force_by_row, register_with_rows
from ncpi_desktop.domain.enums import ArmsOutcome, ManagementMode, RiskLevel, Sex, Status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import uk_dates
from ncpi_desktop.storage.snapshot import Snapshot

CRITERIA = ("risk", "arms", "concern", "order", "status")


def unmet_column(criterion: str) -> str:
    return f"reactive_unmet_{criterion}"


class _Texts(NamedTuple):
    """A text column as each row's code (-1: blank) in a table of its distinct texts: a
    sentence thousands of RSOs share (a risk level, an ARMS date) is built once."""

    codes: np.ndarray
    table: np.ndarray

    def where(self, mask: np.ndarray) -> _Texts:
        """These texts on the rows of ``mask``, blank elsewhere."""
        return _Texts(np.where(mask, self.codes, -1), self.table)

    def at(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """The texts of ``rows`` (blanks as "")."""
        return np.append(self.table, "")[self.codes[rows]]

    def column(self, index: pd.Index) -> pd.Series:
        """Every row's text, as an object column on ``index``."""
        return pd.Series(self.at(), index=index, dtype=object)


def _joined(parts: list[_Texts], separator: str) -> _Texts:
    """Each row's non-blank texts of ``parts`` joined by ``separator``, in order: joined once
    per distinct combination of them, each part's texts given their separator once."""
    combination, first = distinct_codes(*[part.codes for part in parts])
    out = parts[0].at(first).copy()
    for part in parts[1:]:
        text = part.at(first)
        after = _Texts(part.codes, (separator + pd.Series(part.table, dtype=object)).to_numpy(
            object)).at(first)  # a blank (NaN) stays one
        has = text != ""
        both = has & (out != "")
        only = has & ~both
        out[only] = text[only]
        out[both] = out[both] + after[both]
    return _Texts(combination, out)


def _per_value(codes: np.ndarray, mask: np.ndarray, make: Callable[[np.ndarray], object],
               ) -> _Texts:
    """Texts on the rows of ``mask``, blank elsewhere, made once per distinct value among them:
    ``codes`` number each row's value (-1: none), and ``make(used)`` gives the texts of the
    values numbered ``used``."""
    values = codes[mask]
    count = int(codes.max(initial=-1)) + 1
    used = np.flatnonzero(np.bincount(values[values >= 0], minlength=count))
    number = np.full(count + 1, -1, dtype=np.int64)  # number[-1]: none
    number[used] = np.arange(len(used))
    return _Texts(np.where(mask, number[codes], -1), np.asarray(make(used), dtype=object))


def _where(mask: np.ndarray, make: Callable[[np.ndarray], object],
           index: pd.Index | None = None) -> pd.Series:
    """``make(rows)``'s text on the ``rows`` of ``mask`` (a numpy mask; in their order), blank
    elsewhere: sentences are built only for the rows that need one."""
    rows = np.asarray(mask, dtype=bool)
    out = repeated("", len(rows))
    if rows.any():
        out[rows] = np.asarray(make(rows), dtype=object)
    return pd.Series(out, index=index, dtype=object)


class _Arms(NamedTuple):
    """The ARMS criterion: its texts, who it applies to (adult males), and each row's latest
    ARMS date as a code into the distinct dates, formatted once."""

    text: _Texts
    adult_male: np.ndarray
    day: np.ndarray
    dates: np.ndarray


class _Concern(NamedTuple):
    """The concern-free criterion: its texts, and each row's start of the concern-free period
    (``starts``) as a code (``start``) into the distinct starts, and the day it is complete."""

    text: _Texts
    starts: np.ndarray
    start: np.ndarray
    start_days: np.ndarray
    free_on: np.ndarray


def _risk_unmet(rsos: pd.DataFrame) -> _Texts:
    risk = _Texts(*value_table(rsos["risk_level"], lambda value: "no risk level" if value is None
                               else "risk " + str(value).replace("_", " ")))
    return risk.where(~is_in(rsos["risk_level"], RiskLevel.LOW))


def _arms_unmet(snapshot: Snapshot, rsos: pd.DataFrame, arms: pd.DataFrame | None) -> _Arms:
    policy, as_at = snapshot.policy, snapshot.as_at_ts
    arms = in_register_order(snapshot, arms_status(snapshot) if arms is None else arms)
    adult_male = is_in(rsos["sex"], Sex.MALE) & (
        age_in_years(rsos["date_of_birth"], as_at) >= policy.arms_adult_age_years).to_numpy()
    latest_on = arms["arms_latest_on"].to_numpy("datetime64[s]")
    outcome = as_categorical(arms["arms_latest_outcome"])
    never = np.isnat(latest_on)
    expired = ~never & (as_at > arms["arms_expires_on"]).to_numpy()
    not_low = ~never & ~is_in(outcome, ArmsOutcome.LOW)
    outcome_text = _Texts(*value_table(outcome, lambda value: f"ARMS outcome {value}"))
    arms_day, arms_days = pd.factorize(latest_on)
    arms_dates = uk_dates(pd.Series(arms_days)).to_numpy(object)
    old = _per_value(arms_day, adult_male & expired, lambda used: (
        "ARMS of " + arms_dates[used] + f" older than {policy.arms_max_age_months} months"))
    text = _joined([outcome_text.where(adult_male & not_low), old], ", ")
    text = _Texts(np.where(adult_male & never, len(text.table), text.codes),
                  np.append(text.table, "no ARMS assessment"))
    return _Arms(text, adult_male, arms_day, arms_dates)


def _concern_unmet(snapshot: Snapshot, rsos: pd.DataFrame) -> _Concern:
    policy, as_at = snapshot.policy, snapshot.as_at_ts
    concern = rsos["last_concern_on"].to_numpy("datetime64[s]").copy()
    concern[concern > np.datetime64(as_at, "s")] = np.datetime64("NaT")
    starts = np.fmax(np.fmax(rsos["registered_on"].to_numpy("datetime64[s]"),
                             rsos["community_since"].to_numpy("datetime64[s]")), concern)
    start, start_days = pd.factorize(starts)
    free_days = add_years(pd.Series(start_days), policy.reactive_concern_free_years).to_numpy(
        "datetime64[s]")
    free_on = np.append(free_days, np.datetime64("NaT", "s"))[start]
    text = _per_value(start, free_on > np.datetime64(as_at, "s"), lambda used: (
        "concern-free only since " + uk_dates(pd.Series(start_days[used])).to_numpy(object)
        + " (" + str(policy.reactive_concern_free_years) + " years on "
        + uk_dates(pd.Series(free_days[used])).to_numpy(object) + ")"))
    return _Concern(text, starts, start, start_days, free_on)


def _order_unmet(snapshot: Snapshot, in_force: pd.DataFrame | None) -> _Texts:
    if in_force is None:
        in_force = orders_in_force_by_row(snapshot, *register_with_rows(snapshot))
    types, names = factorised(in_register_order(snapshot, in_force)["order_types_in_force"])
    return _Texts(types, np.asarray(names + " in force", dtype=object))


def reactive_status(snapshot: Snapshot, arms: pd.DataFrame | None = None,
                    in_force: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per RSO (index rso_id, in the snapshot's row order): each criterion's unmet text (blank
    when met), ``reactive_meets``, ``reactive_unmet`` ('risk medium; ARMS outcome medium'),
    ``reactive_note`` (what the UI shows), ``concern_free_from``/``concern_free_on``, and the flags
    ``reactive_eligible`` (active RSOs in the community meeting every criterion) and
    ``reactive_review`` (reactive RSOs in the community that no longer do).

    ``arms`` (``analysis.arms.arms_status``) and ``in_force``
    (``analysis.orders.orders_in_force_by_row``) of the same snapshot may be passed when
    already built.
    """
    snapshot = management_at(snapshot)
    rsos = snapshot.rsos.reset_index(drop=True)
    index = rsos.index
    out = pd.DataFrame(index=index)
    risk = _risk_unmet(rsos)
    out[unmet_column("risk")] = risk.column(index)
    arms_criterion = _arms_unmet(snapshot, rsos, arms)
    out[unmet_column("arms")] = arms_criterion.text.column(index)
    concern = _concern_unmet(snapshot, rsos)
    out["concern_free_from"] = concern.starts
    out["concern_free_on"] = concern.free_on
    out[unmet_column("concern")] = concern.text.column(index)
    order_text = _order_unmet(snapshot, in_force)
    out[unmet_column("order")] = order_text.column(index)
    community = is_in(rsos["status"], Status.COMMUNITY)
    status_text = _Texts(*value_table(rsos["status"], lambda value: np.nan if value is None
                                      else f"not in the community ({value})"))
    status_text = status_text.where(~community)
    out[unmet_column("status")] = status_text.column(index)

    unmet = _joined([risk, arms_criterion.text, concern.text, order_text, status_text], "; ")
    meets = unmet.table == ""
    out["reactive_meets"] = meets[unmet.codes]
    out["reactive_unmet"] = unmet.column(index)
    note = np.where(meets, "meets every criterion for reactive management",
                    "not eligible because: " + unmet.table).astype(object)
    out["reactive_note"] = pd.Series(note[unmet.codes], index=index, dtype=object)
    _reactive_flags(out, snapshot.policy, rsos["management"], community, meets[unmet.codes],
                    unmet, arms_criterion, concern)
    out.index = pd.Index(rsos["rso_id"], name="rso_id")
    return out


def _reactive_flags(out: pd.DataFrame, policy: Policy, mode: pd.Series, community: np.ndarray,
                    meets: np.ndarray, unmet: _Texts, arms: _Arms, concern: _Concern) -> None:
    """The flags ``reactive_eligible`` and ``reactive_review``, with their sentences."""
    index = out.index
    eligible = community & is_in(mode, ManagementMode.ACTIVE) & meets
    arms_low = _Texts(np.where(arms.adult_male, arms.day, -1),
                      "; ARMS low on " + arms.dates + ", current")
    since = _per_value(concern.start, eligible, lambda used: (
        "; concern-free since " + uk_dates(pd.Series(concern.start_days[used])).to_numpy(object)
        + f" ({policy.reactive_concern_free_years} years or more); no civil order in force"))

    def eligible_text(rows: np.ndarray) -> np.ndarray:
        return ("Meets every criterion for reactive management: low risk" + arms_low.at(rows)
                + since.at(rows))

    set_flag(out, "reactive_eligible", eligible, _where(eligible, eligible_text, index))

    review = community & is_in(mode, ManagementMode.REACTIVE) & ~meets
    set_flag(out, "reactive_review", review, _where(review, lambda rows: (
        "Managed reactively but no longer meets the criteria: " + unmet.at(rows)
        + ": review back to active management"), index))


def unmet_criteria(status: pd.DataFrame, rso_id: str) -> list[str]:
    """One RSO's unmet criteria, as texts, in ``CRITERIA`` order (empty when eligible)."""
    row = status.loc[rso_id]
    return [row[unmet_column(c)] for c in CRITERIA if row[unmet_column(c)]]
