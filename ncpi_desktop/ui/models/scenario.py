"""The frames behind a what-if scenario on screen: its steps as a table, and today's figures
set beside the scenario's (``analysis.scenario.compare``) as extra columns of a page's table.

Pure pandas and column specs: the pages and the editor show these through the one table model.
A scenario's columns are ``hypothetical`` (drawn on the scenario's ground), so a what-if figure
is never read as the register's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.analysis.scenario import Step, compare
from ncpi_desktop.analysis.scenario_steps import KIND_TITLES
from ncpi_desktop.domain.enums import RISK_ORDER
from ncpi_desktop.domain.policy import POLICY_FIELDS
from ncpi_desktop.formats import Kind, plural
from ncpi_desktop.ui.models.table_model import Column

#: What a scenario shown beside today adds after a compared column: its value in the scenario,
#: then the difference (scenario less today).
WHAT_IF = "What if"
DELTA = "Δ"

STEP_COLUMNS = [
    Column("number", "No.", Kind.INT),
    Column("title", "Change"),
    Column("details", "Details", text_tip=True),
    Column("real_text", "Can be made for real", header_tip=(
        "A manager leaving and reactive decisions can be made for real (Scenario › Apply real "
        "parts); the others are hypothetical only")),
]


def manager_names(figures: Figures | None) -> dict[str, str]:
    """Each manager's name by id, as ``figures`` have them."""
    if figures is None or "name" not in figures.managers:
        return {}
    managers = figures.managers
    return dict(zip(managers["manager_id"].astype(str), managers["name"].fillna("").astype(str),
                    strict=True))


def _who(values: Mapping[str, Any], names: Mapping[str, str]) -> str:
    manager = str(values.get("manager_id", ""))
    name = names.get(manager, "")
    return f"{name} ({manager})" if name else manager


def _where(values: Mapping[str, Any]) -> str:
    team, bcu = values.get("team"), values.get("bcu")
    if team and bcu:
        return f"{team}, {bcu}"
    return str(team or bcu or "the whole force")


def _policy_label(key: str) -> str:
    return next((f.label for f in POLICY_FIELDS if f.name == key), key)


def step_text(step: Step, names: Mapping[str, str] | None = None) -> str:
    """What ``step`` changes, in one line ("1.0 FTE in West 1, West: Nina New")."""
    values, names = step.values, names or {}
    kind = step.kind
    if kind == "add_manager":
        who = f": {values['name']}" if values.get("name") else ""
        return f"{values.get('fte', 0):g} FTE in {_where(values)}{who}"
    if kind == "change_fte":
        return f"{_who(values, names)} to {values.get('fte', 0):g} FTE"
    if kind == "manager_leaves":
        return f"{_who(values, names)} leaves; their RSOs move as a leaver's rebalancing would"
    if kind == "reactive_all_eligible":
        return f"Every eligible RSO in {_where(values)}"
    if kind == "release_cohort":
        mix = values.get("risk", {})
        levels = [level for level in RISK_ORDER if mix.get(level)]
        parts = ", ".join(f"{mix[level]:g} {level.replace('_', ' ')}" for level in levels)
        return f"{plural(int(values.get('n', 0)), 'release')} into {_where(values)} ({parts})"
    if kind == "policy_value":
        return f"{_policy_label(str(values.get('key')))} = {values.get('value', 0):g}"
    return ", ".join(f"{k}={v}" for k, v in values.items())


def steps_frame(steps: Sequence[Step], names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per step, in order, as the editor lists them."""
    return pd.DataFrame({
        "number": np.arange(1, len(steps) + 1, dtype=int),
        "title": [KIND_TITLES.get(s.kind, s.kind) for s in steps],
        "details": [step_text(s, names) for s in steps],
        "real_text": ["Yes" if s.real else "No: hypothetical" for s in steps],
    }, columns=[c.key for c in STEP_COLUMNS])


# --- today beside the scenario ---------------------------------------------------------------


def what_if_key(column: str) -> str:
    return f"{column}_what_if"


def delta_key(column: str) -> str:
    return f"{column}_delta"


def beside(today: pd.DataFrame, scenario: pd.DataFrame, keys: Sequence[str],
           columns: Sequence[str]) -> pd.DataFrame:
    """``today``'s rows (all their columns) with, per compared column, its value in
    ``scenario`` (``<column>_what_if``) and the difference (``<column>_delta``), matched on
    ``keys`` by ``analysis.scenario.compare``. Rows found only in the scenario (a new manager)
    come after, with their keys and what-if figures; a row gone from it has no what-if
    figure and the difference counts it as 0."""
    columns = [c for c in columns if c in today.columns and c in scenario.columns]
    keys = list(keys)
    if not columns or any(k not in today.columns or k not in scenario.columns for k in keys):
        return today
    compared = compare(today, scenario, keys, columns)
    extra = compared[keys].copy()
    for column in columns:
        extra[what_if_key(column)] = compared[f"{column}_scenario"].to_numpy()
        extra[delta_key(column)] = compared[f"{column}_difference"].to_numpy()
    merged = today.merge(extra, on=keys, how="outer", sort=False, indicator="_side")
    new = merged["_side"].to_numpy(object) == "right_only"
    merged = pd.concat([merged[~new], merged[new]]).drop(columns="_side")
    return merged.reset_index(drop=True)


def with_rows_from(frame: pd.DataFrame, source: pd.DataFrame, key: str,
                   columns: Iterable[str]) -> pd.DataFrame:
    """``frame`` with its blank ``columns`` filled from ``source``'s row of the same ``key``
    (a new manager's name, team and BCU, taken from the scenario's managers)."""
    frame = frame.copy()
    by_key = source.drop_duplicates(key).set_index(key)
    for column in columns:
        if column in frame.columns and column in by_key.columns:
            found = frame[key].map(by_key[column])
            frame[column] = frame[column].where(frame[column].notna(), found)
    return frame


def difference_columns(columns: Sequence[Column], compared: Sequence[str]) -> list[Column]:
    """``columns`` with, after each of the ``compared`` ones, its what-if and difference
    columns (hypothetical: on the scenario's ground)."""
    out: list[Column] = []
    for column in columns:
        out.append(column)
        if column.key in compared:
            out.extend(what_if_columns(column))
    return out


def what_if_columns(column: Column) -> list[Column]:
    """The what-if and difference columns of ``column``."""
    delta_kind = Kind.POINTS if column.kind is Kind.PERCENT else (
        Kind.RATIO if column.kind is Kind.FTE else column.kind)
    return [
        Column(what_if_key(column.key), f"{WHAT_IF}: {column.header}", column.kind,
               hypothetical=True, header_tip=f"{column.header} in the scenario (not the "
                                             "register)"),
        Column(delta_key(column.key), f"{DELTA} {column.header}", delta_kind, hypothetical=True,
               header_tip=f"{column.header}: the scenario less today"),
    ]


# --- the force, BCUs and teams, today and in the scenario ------------------------------------

#: What the caseload page's "What if" table compares for the force, each BCU and each team.
GROUP_FIGURES: dict[str, tuple[str, Kind]] = {
    "community": ("Caseload", Kind.INT),
    "fte": ("FTE", Kind.FTE),
    "per_fte": ("Per FTE", Kind.RATIO),
    "high_risk_share": ("High-risk %", Kind.PERCENT),
    "pooled": ("Pooled", Kind.INT),
    "reactive": ("Reactive", Kind.INT),
}


def group_columns(figures: Figures) -> list[Column]:
    """The caseload page's "What if" table: each group's figures today, in the scenario, and
    the difference."""
    columns = [Column("level", "Level"), Column("name", "Name")]
    for key, (header, kind) in GROUP_FIGURES.items():
        if key in figures.force.columns:
            columns.extend(difference_columns([Column(key, header, kind)], [key]))
    return columns


def groups_beside(today: Figures, scenario: Figures) -> pd.DataFrame:
    """The force, each BCU and each team: today's figures beside the scenario's."""
    figures = [k for k in GROUP_FIGURES if k in today.force.columns
               and k in scenario.force.columns]
    parts = []
    for level, frame_of, keys in (("Force", lambda f: f.force, []),
                                  ("BCU", lambda f: f.bcus, ["bcu"]),
                                  ("Team", lambda f: f.teams, ["bcu", "team"])):
        now, then = frame_of(today), frame_of(scenario)
        if keys:
            part = beside(now[keys + figures], then[keys + figures], keys, figures)
        else:
            part = beside(now[figures].iloc[:1].assign(_row=0),
                          then[figures].iloc[:1].assign(_row=0), ["_row"], figures)
        part["level"] = level
        part["name"] = part["team"] if level == "Team" else (
            part["bcu"] if level == "BCU" else "Force")
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    return frame.drop(columns=[c for c in ("_row",) if c in frame.columns])


# --- the caseload page's managers, today and in the scenario ---------------------------------

#: The managers table's figures set beside the scenario's (what-if and difference each).
MANAGER_COMPARED = ("caseload", "per_fte")
#: The managers' flags the scenario's per-FTE and caseload cells are flagged by, when raised in
#: the scenario (its own flag, why and grade, under a what-if name).
MANAGER_WHAT_IF_FLAG = "caseload_over_limit"


def what_if_flag(name: str) -> str:
    return f"what_if_{name}"


def managers_beside(today: pd.DataFrame, scenario: pd.DataFrame,
                    columns: Sequence[Column]) -> tuple[pd.DataFrame, list[Column]]:
    """The caseload page's managers (``today``, within the page's scope) with the scenario's
    caseload and per FTE beside them, and the scenario's FTE; a manager the scenario adds is a
    row of their own (named, placed, blank today), one who leaves has a what-if of 0. The
    what-if cells are flagged as the scenario flags them."""
    compared = [*MANAGER_COMPARED, "fte"]
    frame = beside(today, scenario, ["manager_id"], compared)
    frame = with_rows_from(frame, scenario, "manager_id", ["name", "bcu", "team", "role"])
    flag, why, severity = (f"flag_{MANAGER_WHAT_IF_FLAG}", f"why_{MANAGER_WHAT_IF_FLAG}",
                           f"severity_{MANAGER_WHAT_IF_FLAG}")
    if flag in scenario.columns:
        flagged = scenario.set_index("manager_id")
        name = what_if_flag(MANAGER_WHAT_IF_FLAG)
        ids = frame["manager_id"]
        frame[f"flag_{name}"] = ids.map(flagged[flag]).fillna(False).astype(bool).to_numpy()
        if why in flagged.columns:
            frame[f"why_{name}"] = ids.map(flagged[why]).fillna("").to_numpy(object)
        if severity in flagged.columns:
            frame[f"severity_{name}"] = ids.map(flagged[severity]).to_numpy()
    shown: list[Column] = []
    for column in columns:
        shown.append(column)
        if column.key == "fte":
            shown.append(what_if_columns(column)[0])
        elif column.key in MANAGER_COMPARED:
            what_if, delta = what_if_columns(column)
            flags = (what_if_flag(MANAGER_WHAT_IF_FLAG),) if column.flags else ()
            shown.extend([Column(what_if.key, what_if.header, what_if.kind, flags,
                                 header_tip=what_if.header_tip, grade_tips=column.grade_tips,
                                 hypothetical=True), delta])
    return frame, shown
