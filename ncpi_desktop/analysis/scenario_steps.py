"""The kinds of scenario step and the checks of their values (``analysis.scenario``).

Each kind lists its fields: required ones, optional ones, and how each is checked. A bad value
raises ``ScenarioError`` naming the step (its number and kind) and the field, e.g.
"step 2 (change_fte): 'fte' must be a number above 0 and at most 1, not 'two'".
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

import pandas as pd

from ncpi_desktop.domain.enums import RiskLevel, Sex
from ncpi_desktop.domain.fte import fte_problem
from ncpi_desktop.domain.policy import Policy


class ScenarioError(ValueError):
    """A scenario that cannot be read or applied, said for a user."""


Check = Callable[[Any], Any]  # the value as kept, or raises ValueError with what was wanted


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-blank text")
    return value.strip()


def _fte(value: Any) -> float:
    """A manager's FTE as the register takes it (``domain.fte``: 0 < fte <= 1)."""
    problem = fte_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return float(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("must be a whole number above 0")
    return value


#: The most RSOs one ``release_cohort`` step may release: applying it builds a row for each
#: in memory (and a force's yearly releases are in the hundreds), so 100,000,000 would exhaust
#: the computer's memory rather than answer a question.
MAX_COHORT = 10_000


def _cohort_size(value: Any) -> int:
    count = _count(value)
    if count > MAX_COHORT:
        raise ValueError(f"must be at most {MAX_COHORT:,} (each RSO of the cohort is built in "
                         f"memory when the scenario is applied)")
    return count


def _iso_date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError("must be a date as YYYY-MM-DD") from None


def _sex(value: Any) -> str:
    if value not in {s.value for s in Sex}:
        raise ValueError(f"must be one of {', '.join(s.value for s in Sex)}")
    return str(value)


def _risk_mix(value: Any) -> dict[str, float]:
    """Counts or shares per risk level (``cohort_counts`` settles which, against ``n``)."""
    levels = [level.value for level in RiskLevel]
    if not isinstance(value, Mapping) or not value:
        raise ValueError("must be an object of counts or shares per risk level "
                         f"({', '.join(levels)})")
    mix = {}
    for level, amount in value.items():
        if level not in levels:
            raise ValueError(f"has unknown risk level {level!r} (one of {', '.join(levels)})")
        if isinstance(amount, bool) or not isinstance(amount, int | float) \
                or not math.isfinite(amount) or amount < 0:
            raise ValueError(f"must give {level!r} a number of 0 or more")
        mix[str(level)] = amount
    return mix


def _policy_key(value: Any) -> str:
    names = [f.name for f in fields(Policy)]
    if value not in names:
        raise ValueError("must name a policy value (see Help > Policy, or `policy`)")
    return str(value)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a number")
    return value


#: Each kind's fields: name -> (required, check).
KINDS: dict[str, dict[str, tuple[bool, Check]]] = {
    "add_manager": {"team": (True, _text), "bcu": (True, _text), "fte": (True, _fte),
                    "name": (False, _text), "manager_id": (False, _text)},
    "change_fte": {"manager_id": (True, _text), "fte": (True, _fte)},
    "manager_leaves": {"manager_id": (True, _text)},
    "reactive_all_eligible": {"team": (False, _text), "bcu": (False, _text)},
    "release_cohort": {"n": (True, _cohort_size), "team": (True, _text), "bcu": (True, _text),
                       "risk": (True, _risk_mix), "on": (False, _iso_date),
                       "manager_id": (False, _text), "sex": (False, _sex)},
    "policy_value": {"key": (True, _policy_key), "value": (True, _number)},
}
#: The kinds a user can make for real (``actions.scenario``); the others are hypothetical.
REAL_KINDS = frozenset({"manager_leaves", "reactive_all_eligible"})
#: Each kind in words, for lists and the pack.
KIND_TITLES: dict[str, str] = {
    "add_manager": "Add an offender manager",
    "change_fte": "Change a manager's FTE",
    "manager_leaves": "A manager leaves",
    "reactive_all_eligible": "Every reactive-eligible RSO moves to reactive",
    "release_cohort": "A cohort of releases",
    "policy_value": "A policy value changes",
}


def check_step(number: int, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` of step ``number`` checked against its kind's fields, as kept."""
    where = f"step {number} ({kind})"
    spec = KINDS.get(kind)
    if spec is None:
        raise ScenarioError(f"step {number}: 'kind' must be one of {', '.join(KINDS)}, "
                            f"not {kind!r}")
    if not isinstance(values, Mapping):
        raise ScenarioError(f"{where}: expected an object of values")
    unknown = sorted(set(values) - set(spec))
    if unknown:
        raise ScenarioError(f"{where}: unknown field(s) {', '.join(map(str, unknown))} "
                            f"(known: {', '.join(spec)})")
    kept: dict[str, Any] = {}
    for name, (required, check) in spec.items():
        if name not in values or values[name] is None:
            if required:
                raise ScenarioError(f"{where}: '{name}' is required")
            continue
        try:
            kept[name] = check(values[name])
        except ValueError as exc:
            raise ScenarioError(f"{where}: '{name}' {exc}, not {values[name]!r}") from None
    if kind == "policy_value":
        _check_policy_value(where, kept)
    if kind == "release_cohort":
        cohort_counts(where, kept["n"], kept["risk"])
    return kept


def _check_policy_value(where: str, kept: dict[str, Any]) -> None:
    """Refuse what Manage > Rules would refuse (``Policy.value_problem``)."""
    problem = Policy.value_problem(kept["key"], kept["value"])
    if problem is not None:
        raise ScenarioError(f"{where}: 'value' for {kept['key']} {problem}, "
                            f"not {kept['value']!r}")


def cohort_counts(where: str, n: int, mix: Mapping[str, float]) -> dict[str, int]:
    """How many of the cohort's ``n`` RSOs have each risk level: ``mix`` as counts (whole
    numbers adding up to ``n``) or as shares (adding up to 1, rounded by largest remainder)."""
    total = sum(mix.values())
    if all(float(v).is_integer() for v in mix.values()) and total == n:
        return {level: int(v) for level, v in mix.items()}
    if not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ScenarioError(f"{where}: 'risk' must be counts adding up to n ({n}) or shares "
                            f"adding up to 1, not adding up to {total:g}")
    exact = {level: share * n for level, share in mix.items()}
    counts = {level: math.floor(v) for level, v in exact.items()}
    left = n - sum(counts.values())
    for level in sorted(exact, key=lambda lv: counts[lv] - exact[lv])[:left]:
        counts[level] += 1
    return counts


class Values(Mapping[str, Any]):
    """A step's values, read-only (and, unlike a ``MappingProxyType``, copied and pickled as
    any value is: a step may go to a worker)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and self._data == dict(other)

    def __hash__(self) -> int:
        return hash(json.dumps(self._data, sort_keys=True, default=str))

    def __repr__(self) -> str:
        return repr(self._data)

    def __getstate__(self) -> dict[str, Any]:
        return self._data

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._data = state


@dataclass(frozen=True)
class Step:
    """One hypothetical change: its ``kind`` (a key of ``KINDS``) and its ``values``."""

    kind: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", Values(self.values))

    @property
    def real(self) -> bool:
        """Whether applying the scenario can make this change (``actions.scenario``)."""
        return self.kind in REAL_KINDS

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.values}


@dataclass(frozen=True)
class Outcome:
    """What one step did: a sentence, and for the real kinds the changes to make for real:
    ``moves`` (rso_id, from_manager_id, to_manager_id; blank: the team pool) and
    ``to_reactive`` (rso_ids)."""

    number: int
    step: Step
    summary: str
    moves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["rso_id", "from_manager_id", "to_manager_id"]))
    to_reactive: tuple[str, ...] = ()
