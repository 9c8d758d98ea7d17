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
    coded_by_distinct,
    distinct_codes,
    factorised,
    in_register_order,
    is_in,
    value_table,
)
from ncpi_desktop.analysis.arms import arms_status
from ncpi_desktop.analysis.dates import add_years, age_in_years
from ncpi_desktop.analysis.flags import repeated, set_flag
from ncpi_desktop.analysis.orders import order_register, orders_in_force
from ncpi_desktop.analysis.visits import fmt_dates
from ncpi_desktop.domain.enums import ArmsOutcome, ManagementMode, RiskLevel, Sex, Status
from ncpi_desktop.storage.history import resolve_management
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


def _join(parts: list[np.ndarray], separator: str) -> np.ndarray:
    """Join the non-blank texts of each row, in order, without a per-row loop (strings are
    joined only on the rows where both sides have one)."""
    out = np.asarray(parts[0], dtype=object).copy()
    for part in parts[1:]:
        part = np.asarray(part, dtype=object)
        has = part != ""
        both = has & (out != "")
        only = has & ~both
        out[only] = part[only]
        out[both] = out[both] + separator + part[both]
    return out


def _joined(parts: list[_Texts], separator: str) -> _Texts:
    """``_join`` of coded texts, once per distinct combination of them."""
    combination, first = distinct_codes(*[part.codes for part in parts])
    return _Texts(combination, _join([part.at(first) for part in parts], separator))


def _where(mask: np.ndarray, make: Callable[[np.ndarray], object],
           index: pd.Index | None = None) -> pd.Series:
    """``make(rows)``'s text on the ``rows`` of ``mask`` (a numpy mask; in their order), blank
    elsewhere: sentences are built only for the rows that need one."""
    rows = np.asarray(mask, dtype=bool)
    out = repeated("", len(rows))
    if rows.any():
        out[rows] = np.asarray(make(rows), dtype=object)
    return pd.Series(out, index=index, dtype=object)


def reactive_status(snapshot: Snapshot, register: pd.DataFrame | None = None,
                    arms: pd.DataFrame | None = None,
                    in_force: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per RSO (index rso_id, in the snapshot's row order): each criterion's unmet text (blank
    when met), ``reactive_meets``, ``reactive_unmet`` ('risk medium; ARMS outcome medium'),
    ``reactive_note`` (what the UI shows), ``concern_free_from``/``concern_free_on``, and the flags
    ``reactive_eligible`` (active RSOs in the community meeting every criterion) and
    ``reactive_review`` (reactive RSOs in the community that no longer do).

    ``register`` (``analysis.orders.order_register``), ``arms`` (``analysis.arms.arms_status``)
    and ``in_force`` (``analysis.orders.orders_in_force``) of the same snapshot may be passed
    when already built.
    """
    snapshot = resolve_management(snapshot)
    policy = snapshot.policy
    as_at = snapshot.as_at_ts
    rsos = snapshot.rsos.reset_index(drop=True)
    index = rsos.index
    out = pd.DataFrame(index=index)

    risk = _Texts(*value_table(rsos["risk_level"], lambda value: "no risk level" if value is None
                               else "risk " + str(value).replace("_", " ")))
    risk = risk.where(~is_in(rsos["risk_level"], RiskLevel.LOW))
    out[unmet_column("risk")] = risk.column(index)

    arms = in_register_order(snapshot, arms_status(snapshot) if arms is None else arms)
    adult_male = is_in(rsos["sex"], Sex.MALE) & (
        age_in_years(rsos["date_of_birth"], as_at) >= policy.arms_adult_age_years).to_numpy()
    latest_on = arms["arms_latest_on"].set_axis(index)
    outcome = arms["arms_latest_outcome"].set_axis(index)
    never = latest_on.isna().to_numpy()
    expired = ~never & (as_at > arms["arms_expires_on"]).to_numpy()
    not_low = ~never & ~is_in(outcome, ArmsOutcome.LOW)
    outcome_text = _Texts(*value_table(outcome, lambda value: f"ARMS outcome {value}"))
    day, days = factorised(latest_on)
    old = _Texts(day, ("ARMS of " + fmt_dates(pd.Series(days, dtype="datetime64[s]"))
                       + " older than " + str(policy.arms_max_age_months) + " months"
                       ).to_numpy(object))
    arms_text = _joined([outcome_text.where(adult_male & not_low), old.where(adult_male & expired)],
                        ", ")
    arms_text = _Texts(np.where(adult_male & never, len(arms_text.table), arms_text.codes),
                       np.append(arms_text.table, "no ARMS assessment"))
    out[unmet_column("arms")] = arms_text.column(index)

    concern = rsos["last_concern_on"].to_numpy("datetime64[s]").copy()
    concern[concern > np.datetime64(as_at, "s")] = np.datetime64("NaT")
    starts = np.fmax(np.fmax(rsos["registered_on"].to_numpy("datetime64[s]"),
                             rsos["community_since"].to_numpy("datetime64[s]")), concern)
    out["concern_free_from"] = starts
    out["concern_free_on"] = add_years(out["concern_free_from"], policy.reactive_concern_free_years)
    recent = (out["concern_free_on"] > as_at).to_numpy()
    concern_text = _Texts(*coded_by_distinct(
        recent, out.loc[recent, ["concern_free_from", "concern_free_on"]], lambda keys: (
            "concern-free only since " + fmt_dates(keys["concern_free_from"]) + " ("
            + str(policy.reactive_concern_free_years) + " years on "
            + fmt_dates(keys["concern_free_on"]) + ")")))
    out[unmet_column("concern")] = concern_text.column(index)

    if in_force is None:
        in_force = orders_in_force(order_register(snapshot) if register is None else register)
    types, names = factorised(in_register_order(snapshot, in_force)["order_types_in_force"])
    order_text = _Texts(types, np.asarray(names + " in force", dtype=object))
    out[unmet_column("order")] = order_text.column(index)

    community = is_in(rsos["status"], Status.COMMUNITY)
    status_text = _Texts(*value_table(rsos["status"], lambda value: np.nan if value is None
                                      else f"not in the community ({value})"))
    status_text = status_text.where(~community)
    out[unmet_column("status")] = status_text.column(index)

    unmet = _joined([risk, arms_text, concern_text, order_text, status_text], "; ")
    meets = unmet.table == ""
    out["reactive_meets"] = meets[unmet.codes]
    out["reactive_unmet"] = unmet.column(index)
    note = np.where(meets, "meets every criterion for reactive management",
                    "not eligible because: " + unmet.table).astype(object)
    out["reactive_note"] = pd.Series(note[unmet.codes], index=index, dtype=object)

    mode = rsos["management"]
    meets = meets[unmet.codes]
    eligible = community & is_in(mode, ManagementMode.ACTIVE) & meets
    concern_free_from = out["concern_free_from"]

    def eligible_text(rows: np.ndarray) -> np.ndarray:
        arms_low = repeated("", int(rows.sum()))
        male = adult_male[rows]
        arms_low[male] = ("; ARMS low on " + fmt_dates(latest_on[rows][male]).to_numpy(object)
                          + ", current")
        return ("Meets every criterion for reactive management: low risk" + arms_low
                + "; concern-free since " + fmt_dates(concern_free_from[rows]).to_numpy(object)
                + f" ({policy.reactive_concern_free_years} years or more); no civil order in force")

    set_flag(out, "reactive_eligible", eligible, _where(eligible, eligible_text, index))

    review = community & is_in(mode, ManagementMode.REACTIVE) & ~meets
    set_flag(out, "reactive_review", review, _where(review, lambda rows: (
        "Managed reactively but no longer meets the criteria: " + unmet.at(rows)
        + ": review back to active management"), index))
    out.index = pd.Index(rsos["rso_id"], name="rso_id")
    return out


def unmet_criteria(status: pd.DataFrame, rso_id: str) -> list[str]:
    """One RSO's unmet criteria, as texts, in ``CRITERIA`` order (empty when eligible)."""
    row = status.loc[rso_id]
    return [row[unmet_column(c)] for c in CRITERIA if row[unmet_column(c)]]
