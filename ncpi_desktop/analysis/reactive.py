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
    """Join the non-blank texts of each row, in order, without a per-row loop."""
    arrays = [np.asarray(part, dtype=object) for part in parts]
    out = arrays[0]
    for part in arrays[1:]:
        glue = np.where((out != "") & (part != ""), separator, "")
        out = out + glue + part
    return pd.Series(out, index=parts[0].index, dtype=object)


def _where(mask: pd.Series, make: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``make(mask)``'s text on the rows of ``mask`` (in their order), blank elsewhere: sentences
    are built only for the rows that need one."""
    rows = mask.to_numpy(bool)
    out = np.full(len(rows), "", dtype=object)
    if rows.any():
        out[rows] = np.asarray(make(mask), dtype=object)
    return pd.Series(out, index=mask.index, dtype=object)


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
    rso_ids = rsos["rso_id"].to_numpy()
    index = rsos.index
    out = pd.DataFrame(index=index)

    risk = rsos["risk_level"]
    risk_fails = ~(risk == RiskLevel.LOW).fillna(False).astype(bool)
    out[unmet_column("risk")] = _where(risk_fails, lambda m: (
        "risk " + risk[m].astype(object).str.replace("_", " ", regex=False)).fillna(
        "no risk level"))

    arms = (arms_status(snapshot) if arms is None else arms).reindex(rso_ids)
    arms.index = index
    adult_male = (rsos["sex"] == Sex.MALE) & (
        age_in_years(rsos["date_of_birth"], as_at) >= policy.arms_adult_age_years)
    latest_on = arms["arms_latest_on"]
    outcome = arms["arms_latest_outcome"]
    never = latest_on.isna()
    expired = ~never & (as_at > arms["arms_expires_on"])
    not_low = ~never & ~(outcome == ArmsOutcome.LOW).fillna(False).astype(bool)
    arms_text = _join([
        _where(adult_male & not_low, lambda m: "ARMS outcome " + outcome[m].astype(object)),
        _where(adult_male & expired, lambda m: "ARMS of " + fmt_dates(latest_on[m])
               + " older than " + str(policy.arms_max_age_months) + " months")], ", ")
    arms_text[adult_male & never] = "no ARMS assessment"
    out[unmet_column("arms")] = arms_text

    future = rsos["last_concern_on"] > as_at
    starts = pd.concat([rsos["registered_on"], rsos["community_since"],
                        rsos["last_concern_on"].mask(future)], axis=1).max(axis=1)
    out["concern_free_from"] = starts.astype("datetime64[s]")
    out["concern_free_on"] = add_years(out["concern_free_from"], policy.reactive_concern_free_years)
    out[unmet_column("concern")] = _where(out["concern_free_on"] > as_at, lambda m: (
        "concern-free only since " + fmt_dates(out.loc[m, "concern_free_from"]) + " ("
        + str(policy.reactive_concern_free_years) + " years on "
        + fmt_dates(out.loc[m, "concern_free_on"]) + ")"))

    if in_force is None:
        in_force = orders_in_force(order_register(snapshot) if register is None else register)
    types = in_force["order_types_in_force"].reindex(rso_ids)
    types.index = index
    out[unmet_column("order")] = _where(types.notna(), lambda m: types[m] + " in force")

    status = rsos["status"]
    community = (status == Status.COMMUNITY).fillna(False).astype(bool)
    out[unmet_column("status")] = _where(~community, lambda m: (
        "not in the community (" + status[m].astype(object) + ")"))

    fails = [out[unmet_column(c)].to_numpy(object) != "" for c in CRITERIA]
    out["reactive_meets"] = ~np.logical_or.reduce(fails)
    unmet = _join([out[unmet_column(c)] for c in CRITERIA], "; ")
    out["reactive_unmet"] = unmet
    out["reactive_note"] = pd.Series(np.where(
        out["reactive_meets"], "meets every criterion for reactive management",
        "not eligible because: " + unmet.to_numpy(object)), index=index, dtype=object)

    mode = rsos["management"]
    eligible = community & (mode == ManagementMode.ACTIVE) & out["reactive_meets"]
    set_flag(out, "reactive_eligible", eligible, _where(eligible, lambda m: (
        "Meets every criterion for reactive management: low risk"
        + pd.Series(np.where(adult_male[m], "; ARMS low on " + fmt_dates(latest_on[m])
                             + ", current", ""), index=m.index[m], dtype=object)
        + "; concern-free since " + fmt_dates(out.loc[m, "concern_free_from"]) + " ("
        + str(policy.reactive_concern_free_years) + " years or more); no civil order in force")))

    review = community & (mode == ManagementMode.REACTIVE) & ~out["reactive_meets"]
    set_flag(out, "reactive_review", review, _where(review, lambda m: (
        "Managed reactively but no longer meets the criteria: " + out.loc[m, "reactive_unmet"]
        + ": review back to active management")))
    out.index = pd.Index(rso_ids, name="rso_id")
    return out


def unmet_criteria(status: pd.DataFrame, rso_id: str) -> list[str]:
    """One RSO's unmet criteria, as texts, in ``CRITERIA`` order (empty when eligible)."""
    row = status.loc[rso_id]
    return [row[unmet_column(c)] for c in CRITERIA if row[unmet_column(c)]]
