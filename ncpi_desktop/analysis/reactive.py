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

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import distinct, each_value, in_register_order, is_in
from ncpi_desktop.analysis.arms import arms_status
from ncpi_desktop.analysis.dates import add_years, age_in_years
from ncpi_desktop.analysis.flags import set_flag
from ncpi_desktop.analysis.orders import order_register, orders_in_force
from ncpi_desktop.analysis.visits import fmt_dates
from ncpi_desktop.domain.enums import ArmsOutcome, ManagementMode, RiskLevel, Sex, Status
from ncpi_desktop.storage.history import resolve_management
from ncpi_desktop.storage.snapshot import Snapshot

CRITERIA = ("risk", "arms", "concern", "order", "status")


def unmet_column(criterion: str) -> str:
    return f"reactive_unmet_{criterion}"


def _join(parts: list[pd.Series], separator: str) -> pd.Series:
    """Join the non-blank texts of each row, in order, without a per-row loop (strings are
    joined only on the rows where both sides have one)."""
    arrays = [np.asarray(part, dtype=object) for part in parts]
    out = arrays[0].copy()
    for part in arrays[1:]:
        has = part != ""
        both = has & (out != "")
        only = has & ~both
        out[only] = part[only]
        out[both] = out[both] + separator + part[both]
    return pd.Series(out, index=parts[0].index, dtype=object)


def _where(mask: pd.Series | np.ndarray, make: Callable[[np.ndarray], object],
           index: pd.Index | None = None) -> pd.Series:
    """``make(rows)``'s text on the ``rows`` of ``mask`` (a numpy mask; in their order), blank
    elsewhere: sentences are built only for the rows that need one."""
    if isinstance(mask, pd.Series):
        index = mask.index if index is None else index
    rows = np.asarray(mask, dtype=bool)
    out = np.full(len(rows), "", dtype=object)
    if rows.any():
        out[rows] = np.asarray(make(rows), dtype=object)
    return pd.Series(out, index=index, dtype=object)


def _by_distinct(mask: np.ndarray, make: Callable[[pd.DataFrame], object], keys: pd.DataFrame,
                 index: pd.Index) -> pd.Series:
    """``make``'s text on the rows of ``mask``, blank elsewhere, built once per distinct row of
    ``keys`` (the columns the text is made of) among them."""
    out = np.full(len(mask), "", dtype=object)
    if mask.any():
        inverse, rows = distinct(keys[mask])
        out[mask] = np.asarray(make(rows), dtype=object)[inverse]
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

    risk_text = each_value(rsos["risk_level"], lambda value: "no risk level" if value is None
                           else "risk " + str(value).replace("_", " "))
    out[unmet_column("risk")] = _where(~is_in(rsos["risk_level"], RiskLevel.LOW),
                                       lambda rows: risk_text[rows], index)

    arms = in_register_order(snapshot, arms_status(snapshot) if arms is None else arms)
    adult_male = is_in(rsos["sex"], Sex.MALE) & (
        age_in_years(rsos["date_of_birth"], as_at) >= policy.arms_adult_age_years).to_numpy()
    latest_on = arms["arms_latest_on"].set_axis(index)
    outcome = arms["arms_latest_outcome"].set_axis(index)
    never = latest_on.isna().to_numpy()
    expired = ~never & (as_at > arms["arms_expires_on"]).to_numpy()
    not_low = ~never & ~is_in(outcome, ArmsOutcome.LOW)

    outcome_text = each_value(outcome, lambda value: f"ARMS outcome {value}")
    arms_text = _join([
        _where(adult_male & not_low, lambda rows: outcome_text[rows], index),
        _where(adult_male & expired, lambda rows: "ARMS of " + fmt_dates(latest_on[rows])
               + " older than " + str(policy.arms_max_age_months) + " months", index)], ", ")
    arms_text[adult_male & never] = "no ARMS assessment"
    out[unmet_column("arms")] = arms_text

    concern = rsos["last_concern_on"].to_numpy("datetime64[s]").copy()
    concern[concern > np.datetime64(as_at, "s")] = np.datetime64("NaT")
    starts = np.fmax(np.fmax(rsos["registered_on"].to_numpy("datetime64[s]"),
                             rsos["community_since"].to_numpy("datetime64[s]")), concern)
    out["concern_free_from"] = starts
    out["concern_free_on"] = add_years(out["concern_free_from"], policy.reactive_concern_free_years)
    out[unmet_column("concern")] = _by_distinct(
        (out["concern_free_on"] > as_at).to_numpy(), lambda keys: (
            "concern-free only since " + fmt_dates(keys["concern_free_from"]) + " ("
            + str(policy.reactive_concern_free_years) + " years on "
            + fmt_dates(keys["concern_free_on"]) + ")"),
        out[["concern_free_from", "concern_free_on"]], index)

    if in_force is None:
        in_force = orders_in_force(order_register(snapshot) if register is None else register)
    types = in_register_order(snapshot, in_force)["order_types_in_force"].set_axis(index).astype(
        object)
    out[unmet_column("order")] = _where(types.notna(), lambda rows: types[rows] + " in force")

    community = is_in(rsos["status"], Status.COMMUNITY)
    status_text = each_value(rsos["status"], lambda value: np.nan if value is None
                             else f"not in the community ({value})")
    out[unmet_column("status")] = _where(~community, lambda rows: status_text[rows], index)

    texts = [out[unmet_column(c)] for c in CRITERIA]
    meets = ~np.logical_or.reduce([text.to_numpy(object) != "" for text in texts])
    out["reactive_meets"] = meets
    unmet = _join(texts, "; ")
    out["reactive_unmet"] = unmet
    note = np.full(len(meets), "meets every criterion for reactive management", dtype=object)
    note[~meets] = "not eligible because: " + unmet.to_numpy(object)[~meets]
    out["reactive_note"] = pd.Series(note, index=index, dtype=object)

    mode = rsos["management"]
    eligible = community & is_in(mode, ManagementMode.ACTIVE) & meets
    set_flag(out, "reactive_eligible", eligible, _where(eligible, lambda rows: (
        "Meets every criterion for reactive management: low risk"
        + np.where(adult_male[rows], "; ARMS low on " + fmt_dates(latest_on[rows]).to_numpy(object)
                   + ", current", "").astype(object)
        + "; concern-free since " + fmt_dates(out.loc[rows, "concern_free_from"]).to_numpy(object)
        + " (" + str(policy.reactive_concern_free_years)
        + " years or more); no civil order in force"), index))

    review = community & is_in(mode, ManagementMode.REACTIVE) & ~meets
    set_flag(out, "reactive_review", review, _where(review, lambda rows: (
        "Managed reactively but no longer meets the criteria: "
        + unmet.to_numpy(object)[rows] + ": review back to active management"), index))
    out.index = pd.Index(rsos["rso_id"], name="rso_id")
    return out


def unmet_criteria(status: pd.DataFrame, rso_id: str) -> list[str]:
    """One RSO's unmet criteria, as texts, in ``CRITERIA`` order (empty when eligible)."""
    row = status.loc[rso_id]
    return [row[unmet_column(c)] for c in CRITERIA if row[unmet_column(c)]]
