"""How each kind of scenario step changes the frames of a snapshot (``analysis.scenario.plan``).

``Work`` holds copies of the snapshot's frames; each ``APPLY`` function changes them for one
step and says what it did (``Outcome``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.management import DECIDED_ON
from ncpi_desktop.analysis.scenario_steps import Outcome, ScenarioError, Step, cohort_counts
from ncpi_desktop.domain.enums import ManagementMode, Role, Sex, Status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.formats import uk_date
from ncpi_desktop.storage.snapshot import ROW_KEY, Snapshot

#: Prefix of the synthetic RSOs of a cohort ("SCENARIO-1") and of added managers.
RSO_PREFIX = "SCENARIO-"
MANAGER_PREFIX = "SCENARIO-OM-"


@dataclass
class Work:
    """Copies of a snapshot's frames that the steps change, and its policy."""

    base: Snapshot
    policy: Policy
    managers: pd.DataFrame
    rsos: pd.DataFrame

    @classmethod
    def of(cls, snapshot: Snapshot) -> Work:
        return cls(snapshot, snapshot.policy, snapshot.managers.copy(), snapshot.rsos.copy())

    def snapshot(self) -> Snapshot:
        return dataclasses.replace(self.base, policy=self.policy, managers=self.managers,
                                   rsos=self.rsos, extra=dict(self.base.extra))

    def manager_row(self, where: str, manager_id: str) -> pd.Series:
        """The active manager ``manager_id``: else ``ScenarioError``."""
        rows = self.managers[(self.managers["manager_id"] == manager_id).to_numpy(bool)
                             & self.managers["active"].to_numpy(bool)]
        if not len(rows):
            raise ScenarioError(f"{where}: 'manager_id' {manager_id!r} is not an active manager")
        return rows.iloc[0]

    def set_rsos(self, column: str, rows: np.ndarray, value: Any) -> None:
        """``rsos[column]`` set to ``value`` on ``rows`` (a mask or positions), keeping its type."""
        values = self.rsos[column].to_numpy(object).copy()
        values[rows] = value
        self.rsos[column] = pd.array(values, dtype=self.rsos[column].dtype)


def _where(step: Step, number: int) -> str:
    return f"step {number} ({step.kind})"


def _next_number(ids: pd.Series, prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    found = [int(m.group(1)) for m in map(pattern.match, ids.astype(str)) if m]
    return max(found, default=0) + 1


def _check_team(work: Work, where: str, team: str, bcu: str) -> None:
    known = work.managers[(work.managers["team"] == team).to_numpy(bool)]
    if len(known) and str(known["bcu"].iat[0]) != bcu:
        raise ScenarioError(f"{where}: team {team!r} is in BCU {known['bcu'].iat[0]!r}, "
                            f"not {bcu!r}")


def add_manager(work: Work, step: Step, number: int) -> Outcome:
    v, where = step.values, _where(step, number)
    _check_team(work, where, v["team"], v["bcu"])
    k = _next_number(work.managers["manager_id"], MANAGER_PREFIX)
    manager_id = v.get("manager_id") or f"{MANAGER_PREFIX}{k}"
    if (work.managers["manager_id"] == manager_id).any():
        raise ScenarioError(f"{where}: 'manager_id' {manager_id!r} is already a manager")
    name = v.get("name") or f"New offender manager {k}"
    row = dict(manager_id=manager_id, name=name, bcu=v["bcu"], team=v["team"], fte=v["fte"],
               role=Role.OFFENDER_MANAGER.value, active=True)
    work.managers = _appended(work.managers, [row])
    return Outcome(number, step, f"Adds {name} ({manager_id}), {v['fte']:g} FTE, to team "
                   f"{v['team']} ({v['bcu']}): hypothetical, not applied")


def change_fte(work: Work, step: Step, number: int) -> Outcome:
    v = step.values
    row = work.manager_row(_where(step, number), v["manager_id"])
    rows = (work.managers["manager_id"] == v["manager_id"]).to_numpy(bool)
    work.managers.loc[rows, "fte"] = float(v["fte"])
    return Outcome(number, step, f"{row['name']} ({v['manager_id']}): {row['fte']:g} FTE "
                   f"becomes {v['fte']:g}: hypothetical, not applied")


def _leaver_moves(work: Work, manager_id: str) -> tuple[pd.DataFrame, str]:
    """The leaver rebalancing's moves of ``manager_id``'s RSOs (``cli_going``'s
    ``rebalance --leaving`` proposal, without the absences only the database knows), and how
    they were found; none when no proposal can be made."""
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.analysis.rebalance import propose, spread_scope

    bcu, team = spread_scope(work.managers, manager_id)
    bcu = bcu if team is None else None
    try:
        proposal = propose(compute_figures(work.snapshot()), bcu=bcu, team=team,
                           leaving=[manager_id], spread=[manager_id])
    except ValueError as exc:
        return pd.DataFrame(columns=["rso_id", "to_manager_id"]), f"no proposal ({exc})"
    moves = proposal.moves[proposal.moves["from_manager_id"] == manager_id]
    where = f"team {team}" if team is not None else f"BCU {bcu}"
    return moves[["rso_id", "to_manager_id"]], f"as the leaver rebalancing proposes in {where}"


def manager_leaves(work: Work, step: Step, number: int) -> Outcome:
    manager_id = step.values["manager_id"]
    row = work.manager_row(_where(step, number), manager_id)
    moves, how = _leaver_moves(work, manager_id)
    held = (work.rsos["manager_id"] == manager_id).fillna(False).to_numpy(bool)
    rso_ids = work.rsos["rso_id"].to_numpy(object)
    to = pd.Series(moves["to_manager_id"].to_numpy(object), index=moves["rso_id"].to_numpy())
    target = to.reindex(rso_ids[held]).to_numpy(object)  # NaN: to the team's pool
    work.set_rsos("manager_id", held, target)
    work.set_rsos("team", held, row["team"])
    work.managers.loc[(work.managers["manager_id"] == manager_id).to_numpy(bool),
                      "active"] = False
    pooled = int(pd.isna(target).sum())
    out = pd.DataFrame({"rso_id": rso_ids[held], "from_manager_id": manager_id,
                        "to_manager_id": target})
    summary = (f"{row['name']} ({manager_id}) leaves: {int(held.sum()) - pooled} RSO(s) moved "
               f"{how}, {pooled} to the pool of team {row['team']}")
    return Outcome(number, step, summary, moves=out)


def reactive_all_eligible(work: Work, step: Step, number: int) -> Outcome:
    from ncpi_desktop.analysis.caseload import rso_caseload
    from ncpi_desktop.analysis.reactive import reactive_status

    snapshot = work.snapshot()
    eligible = reactive_status(snapshot)["flag_reactive_eligible"].to_numpy(bool).copy()
    team, bcu = step.values.get("team"), step.values.get("bcu")
    if team is not None or bcu is not None:
        held = rso_caseload(snapshot)
        for name, value in (("team", team), ("bcu", bcu)):
            if value is not None:
                eligible &= (held[name] == value).fillna(False).to_numpy(bool)
    work.set_rsos("management", eligible, ManagementMode.REACTIVE.value)
    if DECIDED_ON in work.rsos.columns:
        work.set_rsos(DECIDED_ON, eligible, pd.Timestamp(snapshot.as_at))
    within = " in " + ", ".join(f"{n} {v}" for n, v in (("BCU", bcu), ("team", team)) if v) \
        if team or bcu else ""
    ids = tuple(work.rsos["rso_id"].to_numpy(object)[eligible])
    return Outcome(number, step, f"{len(ids)} reactive-eligible RSO(s){within} move to "
                   "reactive management", to_reactive=ids)


def release_cohort(work: Work, step: Step, number: int) -> Outcome:
    v, where = step.values, _where(step, number)
    _check_team(work, where, v["team"], v["bcu"])
    if v.get("manager_id"):
        holder = work.manager_row(where, v["manager_id"])
        if holder["team"] != v["team"]:
            raise ScenarioError(f"{where}: 'manager_id' {v['manager_id']!r} is in team "
                                f"{holder['team']!r}, not the cohort's team {v['team']!r}: "
                                f"a manager holds RSOs of their own team only")
    counts = cohort_counts(where, v["n"], v["risk"])
    as_at = work.base.as_at
    on = date.fromisoformat(v["on"]) if v.get("on") else as_at
    out = on > as_at  # released after the as-at date: in custody until then
    first = _next_number(work.rsos["rso_id"], RSO_PREFIX)
    risks = [level for level, count in counts.items() for _ in range(count)]
    born = (pd.Timestamp(as_at) - pd.DateOffset(years=work.policy.arms_adult_age_years + 1))
    rows = [dict(rso_id=f"{RSO_PREFIX}{first + i}", family_name="Scenario",
                 given_names=f"Release {first + i}", date_of_birth=born,
                 sex=v.get("sex", Sex.MALE.value), home_bcu=v["bcu"], home_team=v["team"],
                 status=(Status.CUSTODY if out else Status.COMMUNITY).value, risk_level=risk,
                 management=ManagementMode.ACTIVE.value,
                 recorded_management=ManagementMode.ACTIVE.value,
                 registered_on=pd.Timestamp(min(on, as_at)),
                 community_since=pd.NaT if out else pd.Timestamp(on),
                 expected_release_on=pd.Timestamp(on) if out else pd.NaT,
                 manager_id=v.get("manager_id"), team=v["team"], version=0)
            for i, risk in enumerate(risks)]
    if ROW_KEY in work.rsos.columns:
        top = int(work.rsos[ROW_KEY].max()) if len(work.rsos) else 0
        for i, row in enumerate(rows, 1):
            row[ROW_KEY] = top + i
    work.rsos = _appended(work.rsos, rows)
    held = f"held by {v['manager_id']}" if v.get("manager_id") else f"pooled in team {v['team']}"
    mix = ", ".join(f"{count} {level.replace('_', ' ')}" for level, count in counts.items())
    return Outcome(number, step, f"{v['n']} release(s) ({mix}) into team {v['team']} "
                   f"({v['bcu']}) on {uk_date(on)}, {held}: hypothetical RSOs "
                   f"{rows[0]['rso_id']} to {rows[-1]['rso_id']}, not applied")


def policy_value(work: Work, step: Step, number: int) -> Outcome:
    key, value = step.values["key"], step.values["value"]
    before = getattr(work.policy, key)
    work.policy = work.policy.with_values({key: value})
    return Outcome(number, step, f"Policy {key}: {before:g} becomes "
                   f"{getattr(work.policy, key):g}: hypothetical, not applied")


def _appended(frame: pd.DataFrame, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``frame`` with ``rows`` after it, each column keeping its type (blank where a row does
    not give it; a column only the rows give is left out)."""
    new = {column: _typed([row.get(column) for row in rows], frame[column].dtype)
           for column in frame.columns}
    return pd.concat([frame, pd.DataFrame(new)], ignore_index=True)


def _typed(values: list[Any], dtype: Any) -> Any:
    if pd.api.types.is_datetime64_dtype(dtype):
        return pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype)
    if pd.api.types.is_bool_dtype(dtype):
        return np.array([bool(v) if v is not None else False for v in values])
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return np.array([0 if v is None else v for v in values], dtype=dtype)
    if pd.api.types.is_float_dtype(dtype):
        return np.array([np.nan if v is None else v for v in values], dtype=dtype)
    return pd.array(values, dtype=dtype)


APPLY: dict[str, Callable[[Work, Step, int], Outcome]] = {
    "add_manager": add_manager, "change_fte": change_fte, "manager_leaves": manager_leaves,
    "reactive_all_eligible": reactive_all_eligible, "release_cohort": release_cohort,
    "policy_value": policy_value,
}
