"""Applying a scenario (issue 18, part 4): its real parts become the usual named operations,
with their checks; its hypothetical parts are listed as not applied.

- ``reactive_all_eligible``: one management decision per RSO (``actions.decisions.
  record_decision``, which refuses an RSO that does not meet every criterion on the day), with
  the RSO's version as the snapshot read it (``seen``);
- ``manager_leaves``: the leaver's moves as the scenario proposed them, by the leaver operation
  (``storage.operations.manager_leaving``: the moves, the rest of their RSOs to the team's pool
  and the manager no longer active, in one transaction), with the caseload and versions seen.
  A move to a manager the scenario adds, or of an RSO it invents, cannot be made: that step is
  refused;
- ``add_manager``, ``change_fte``, ``release_cohort``, ``policy_value``: hypothetical, not
  applied.

Each operation is its own transaction, as everywhere: a refusal (``OperationError``,
``StaleWrite``, ``NotPermitted``) writes nothing of that operation and the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy.engine import Engine

from ncpi_desktop.actions.decisions import record_decision
from ncpi_desktop.analysis.scenario import Outcome, Scenario, plan
from ncpi_desktop.domain.enums import ManagementMode
from ncpi_desktop.domain.security import NotPermitted, User
from ncpi_desktop.storage.change import Change, OperationError
from ncpi_desktop.storage.operations import manager_leaving
from ncpi_desktop.storage.snapshot import Snapshot


@dataclass
class Applied:
    """What applying a scenario did: one sentence per operation made (``applied``), refused
    (``refused``, with why) and step left hypothetical (``not_applied``), and the changes."""

    applied: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    not_applied: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def lines(self) -> list[str]:
        return ([f"applied: {t}" for t in self.applied] + [f"refused: {t}" for t in self.refused]
                + [f"not applied (hypothetical): {t}" for t in self.not_applied])


def apply_scenario(engine: Engine, snapshot: Snapshot, scenario: Scenario, reason: str,
                   user: User, *, on: date | None = None) -> Applied:
    """Make ``scenario``'s real parts, as at ``on`` (default the snapshot's date), on the
    register ``snapshot`` was read from, as ``user``; ``reason`` is each operation's."""
    on = on or snapshot.as_at
    _, outcomes = plan(snapshot, scenario)
    versions = pd.Series(snapshot.rsos["version"].to_numpy(),
                         index=snapshot.rsos["rso_id"].to_numpy())
    held = snapshot.rsos[["rso_id", "manager_id"]]
    done = Applied()
    for outcome in outcomes:
        step = outcome.step
        label = f"step {outcome.number} ({step.kind})"
        if not step.real:
            done.not_applied.append(f"{label}: {outcome.summary}")
        elif step.kind == "reactive_all_eligible":
            _reactive(engine, outcome, versions, reason, user, on, done)
        else:
            _leaving(engine, outcome, versions, held, set(snapshot.managers["manager_id"]),
                     reason, user, on, done)
    return done


def _reactive(engine: Engine, outcome: Outcome, versions: pd.Series, reason: str, user: User,
              on: date, done: Applied) -> None:
    label = f"step {outcome.number} ({outcome.step.kind})"
    for rso_id in outcome.to_reactive:
        if rso_id not in versions.index:
            done.refused.append(f"{label}: {rso_id} is an RSO of the scenario only")
            continue
        try:
            change = record_decision(engine, rso_id, ManagementMode.REACTIVE.value, on, reason,
                                     user, seen={rso_id: int(versions[rso_id])})
        except (OperationError, NotPermitted) as exc:
            done.refused.append(f"{label}: {rso_id}: {exc}")
            continue
        _done(done, label, change, versions)


def _done(done: Applied, label: str, change: Change, versions: pd.Series) -> None:
    """``change`` made: noted, and the versions it gave its RSOs are those now seen."""
    done.changes.append(change)
    done.applied.append(f"{label}: {change.summary}")
    for rso_id, version in change.versions.items():
        versions[rso_id] = version


def _leaving(engine: Engine, outcome: Outcome, versions: pd.Series, held: pd.DataFrame,
             managers: set[str], reason: str, user: User, on: date, done: Applied) -> None:
    label = f"step {outcome.number} ({outcome.step.kind})"
    manager_id = outcome.step.values["manager_id"]
    moves = outcome.moves[outcome.moves["to_manager_id"].notna()]
    invented = sorted(set(moves["rso_id"]) - set(versions.index))
    if invented:
        done.refused.append(f"{label}: moves RSOs of the scenario only "
                            f"({', '.join(invented)})")
        return
    new = sorted(set(moves["to_manager_id"]) - managers)
    if new:
        done.refused.append(f"{label}: moves RSOs to {', '.join(new)}, a manager of the "
                            "scenario only (add the manager to the register first)")
        return
    caseload = list(held.loc[(held["manager_id"] == manager_id).fillna(False).to_numpy(bool),
                             "rso_id"])
    pairs = list(zip(moves["rso_id"], moves["to_manager_id"], strict=True))
    try:
        change = manager_leaving(engine, manager_id, pairs, reason, user, on=on,
                                 caseload=caseload,
                                 seen={r: int(versions[r]) for r in caseload})
    except (OperationError, NotPermitted) as exc:
        done.refused.append(f"{label}: {exc}")
        return
    _done(done, label, change, versions)
