"""What-if scenarios (issue 18, part 4): a named list of hypothetical changes applied to a
snapshot's frames in memory, never to the database.

A ``Scenario`` is a name and a tuple of ``Step``s, each of one ``KINDS`` kind. ``plan`` applies
the steps in order to copies of the snapshot's frames (each step sees the ones before it) and
says what each did; ``scenario_snapshot`` is its snapshot, ``scenario_figures`` its figures, and
``compare`` sets a frame of today's figures beside the scenario's with the difference.

Two kinds are real changes a user can later make with the usual named operations
(``actions.scenario``): ``manager_leaves`` (the leaver's RSOs move as the leaver rebalancing
proposes, ``analysis.rebalance.propose`` with ``spread``; those it cannot place, or all of
them when no proposal can be made, go to the leaver's team pool, as the operation
``manager_leaving`` does) and ``reactive_all_eligible``. The others (a new manager, an FTE
change, a released cohort, a policy value) are hypothetical only.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.caseload import manager_figures
from ncpi_desktop.analysis.figures import (
    REVIEW_MAXIMA,
    REVIEW_SUMS,
    Figures,
    compute_figures,
    grouped_figures,
)
from ncpi_desktop.analysis.management import management_at
from ncpi_desktop.analysis.scenario_apply import APPLY, Work
from ncpi_desktop.analysis.scenario_steps import (
    KINDS,
    REAL_KINDS,
    Outcome,
    ScenarioError,
    Step,
    check_step,
)
from ncpi_desktop.storage.snapshot import Snapshot

__all__ = ["KINDS", "REAL_KINDS", "Outcome", "Scenario", "ScenarioError", "Step", "compare",
           "plan", "scenario_figures", "scenario_snapshot"]


@dataclass(frozen=True)
class Scenario:
    """A named list of steps, checked when made (``ScenarioError`` naming the step and field)."""

    name: str
    steps: tuple[Step, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ScenarioError("scenario: 'name' must be a non-blank text")
        object.__setattr__(self, "name", self.name.strip())
        steps = tuple(self.steps)
        object.__setattr__(self, "steps", tuple(
            Step(step.kind, check_step(number, step.kind, step.values))
            for number, step in enumerate(steps, 1)))

    def steps_json(self) -> str:
        """The steps as JSON text (a list of objects, each with its ``kind``)."""
        return json.dumps([step.to_dict() for step in self.steps], indent=1)

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "steps": [s.to_dict() for s in self.steps]},
                          indent=1)

    @classmethod
    def from_json(cls, source: str | Mapping[str, Any]) -> Scenario:
        """A scenario from its JSON (``to_json``'s form): ``ScenarioError`` names what is
        wrong (the step's number and kind, and the field)."""
        data = source
        if isinstance(source, str):
            try:
                data = json.loads(source)
            except json.JSONDecodeError as exc:
                raise ScenarioError(f"scenario: not valid JSON ({exc})") from None
        if not isinstance(data, Mapping):
            raise ScenarioError("scenario: expected an object with 'name' and 'steps'")
        unknown = sorted(set(data) - {"name", "steps"})
        if unknown:
            raise ScenarioError(f"scenario: unknown field(s) {', '.join(unknown)}")
        return cls(data.get("name", ""), steps_from(data.get("steps", [])))


def steps_from(items: Any) -> tuple[Step, ...]:
    """Steps from a JSON list of objects each with a ``kind`` (``Scenario.steps_json``)."""
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"scenario: steps are not valid JSON ({exc})") from None
    if not isinstance(items, list):
        raise ScenarioError("scenario: 'steps' must be a list")
    steps = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise ScenarioError(f"step {number}: expected an object with a 'kind'")
        values = dict(item)
        kind = values.pop("kind", None)
        if kind not in KINDS:
            raise ScenarioError(f"step {number}: 'kind' must be one of {', '.join(KINDS)},"
                                f" not {kind!r}")
        steps.append(Step(kind, values))
    return tuple(steps)


def plan(snapshot: Snapshot, scenario: Scenario) -> tuple[Snapshot, list[Outcome]]:
    """``scenario``'s steps applied in order to copies of ``snapshot``'s frames (the original is
    untouched), and what each step did. ``ScenarioError`` for a step the register cannot take
    (an unknown manager, a team with nobody in it)."""
    work = Work.of(management_at(snapshot))
    outcomes = []
    for number, step in enumerate(scenario.steps, 1):
        apply: Callable[[Work, Step, int], Outcome] = APPLY[step.kind]
        outcomes.append(apply(work, step, number))
    return work.snapshot(), outcomes


def scenario_snapshot(snapshot: Snapshot, scenario: Scenario) -> Snapshot:
    """A new snapshot with ``scenario``'s steps applied to copies of ``snapshot``'s frames
    (the policy included); ``snapshot`` itself is untouched."""
    return plan(snapshot, scenario)[0]


#: Above this share of the RSOs touched (every eligible RSO to reactive: a tenth), computing
#: every RSO is quicker than computing those again (benchmarks/bench_scenario.py).
REFIGURE_SHARE = 0.02  # not a rule: a speed trade-off


def scenario_figures(snapshot: Snapshot, scenario: Scenario,
                     today: Figures | None = None) -> Figures:
    """Every figure of the scenario: ``compute_figures`` of ``scenario_snapshot``. Given
    ``today`` (the complete figures of ``snapshot``, as a window holds them), only the RSOs and
    managers the steps touch are computed again (``analysis.refigure``), with the same
    figures; a cohort or a policy value changes every RSO's, and all are computed again."""
    changed, outcomes = plan(snapshot, scenario)
    if today is None or today.snapshot.as_at != snapshot.as_at:
        return compute_figures(changed)
    from ncpi_desktop.analysis.refigure import refigure

    rso_ids: set[str] = set()
    for outcome in outcomes:
        rso_ids.update(outcome.moves["rso_id"])
        rso_ids.update(outcome.to_reactive)
    managers = set(changed.managers["manager_id"]).symmetric_difference(
        snapshot.managers["manager_id"])
    managers.update(str(o.step.values["manager_id"]) for o in outcomes
                    if "manager_id" in o.step.values)
    policy = any(o.step.kind == "policy_value" for o in outcomes)
    if not rso_ids and not policy and len(changed.rsos) == len(today.rsos):
        return _managers_only(today, changed)
    if len(rso_ids) > REFIGURE_SHARE * len(changed.rsos):
        return compute_figures(changed)
    return refigure(today, changed, rso_ids, managers, policy_changed=policy)


def _managers_only(today: Figures, changed: Snapshot) -> Figures:
    """The figures after steps that change managers only (added, an FTE changed): every RSO's
    row is today's; the managers, teams, BCUs and force are counted again over them."""
    rsos, managers = today.rsos, changed.managers
    return dataclasses.replace(
        today, snapshot=changed,
        managers=manager_figures(rsos, managers, changed.policy, sums=REVIEW_SUMS,
                                 maxima=REVIEW_MAXIMA),
        teams=grouped_figures(rsos, managers, ["bcu", "team"], changed.policy),
        bcus=grouped_figures(rsos, managers, ["bcu"], changed.policy),
        force=grouped_figures(rsos, managers, [], changed.policy))


#: The frames ``compare`` is for, and the keys of their rows.
COMPARE_KEYS: dict[str, list[str]] = {
    "managers": ["manager_id"], "teams": ["bcu", "team"], "bcus": ["bcu"], "force": []}


def compare(today: pd.DataFrame, scenario: pd.DataFrame, keys: list[str],
            columns: list[str]) -> pd.DataFrame:
    """One row per key (``keys``; ``[]`` for the force's one row) found today or in the
    scenario, with ``<column>_today``, ``<column>_scenario`` and ``<column>_difference``
    (scenario less today) for each of ``columns``. A row found on one side only (a new
    manager, a team the cohort opens) is blank on the other, its difference counting that
    side as 0. Rows keep today's order, new ones after it."""
    def side(frame: pd.DataFrame) -> pd.DataFrame:
        part = frame[keys + columns].copy()
        if not keys:
            part = part.iloc[:1]
            part["_row"] = 0
        return part

    on = keys or ["_row"]
    merged = side(today).merge(side(scenario), on=on, how="outer", sort=False,
                               suffixes=("_today", "_scenario"), indicator=True)
    order = merged["_merge"].map({"both": 0, "left_only": 0, "right_only": 1}).to_numpy(int)
    merged = merged.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    out = merged[keys].copy() if keys else pd.DataFrame(index=merged.index)
    for column in columns:
        now, then = merged[f"{column}_today"], merged[f"{column}_scenario"]
        out[f"{column}_today"] = now
        out[f"{column}_scenario"] = then
        if _numeric(now) and _numeric(then):
            out[f"{column}_difference"] = (pd.to_numeric(then).fillna(0)
                                           - pd.to_numeric(now).fillna(0))
        else:
            out[f"{column}_difference"] = np.where(now.astype(object).eq(then.astype(object)),
                                                   "", "changed")
    return out


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) or bool(values.isna().all())
