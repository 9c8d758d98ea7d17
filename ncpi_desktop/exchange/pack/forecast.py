"""The pack's forecast section: the coming 12 weeks (``analysis.forecast``) for the force, each
BCU and each team, one column a week headed by the day it starts.

The force and each BCU print every measure; the teams' table holds every measure in the
workbook and, in the PDF, the hours needed and available and the offender managers needed of
each team (the planning figures), up to ``PDF_TEAM_ROWS`` rows. A week needing more hours than
are available, or more FTE than the group has, is marked. Hours available are less the
absences the figures carry (``analysis.forecast.with_absences``).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.forecast import (
    COUNT_MEASURES,
    DEFAULT_WEEKS,
    MEASURE_TITLES,
    Forecast,
    Level,
    forecast,
    group_fte,
    over_capacity,
)
from ncpi_desktop.exchange.pack.model import PDF_TEAM_ROWS, Column, Section, Table
from ncpi_desktop.exchange.pack.tables import Context
from ncpi_desktop.formats import Kind, uk_date, uk_day_month

SHEET = "Forecast"
#: What the PDF prints of each team.
PDF_TEAM_MEASURES = ("hours_needed", "hours_available", "managers_needed")


def _week_columns(result: Forecast) -> tuple[list[str], list[Column]]:
    keys = [f"w{k}" for k in range(result.weeks)]
    return keys, [Column(key, uk_day_month(start), Kind.RATIO)
                  for key, start in zip(keys, result.week_starts, strict=True)]


def _rows(level: Level, row: int, fte: float | None, keys: list[str]) -> pd.DataFrame:
    """One group's measures as rows, a column per week, with each cell's kind and marks
    (``analysis.forecast.over_capacity``, as the Forecast page marks them)."""
    table = level.table(row)
    marks = over_capacity(table, fte)
    frame = pd.DataFrame({"measure": [MEASURE_TITLES[m] for m in table.index],
                          "key": list(table.index),
                          "kind": [Kind.INT.value if m in COUNT_MEASURES else Kind.RATIO.value
                                   for m in table.index]})
    for k, key in enumerate(keys):
        values = table[k]
        frame[key] = values.to_numpy(float)
        over = np.zeros(len(frame), bool)
        for measure, weeks in marks.items():
            over[list(table.index).index(measure)] = weeks[k]
        frame[f"over_{key}"] = over
    return frame


def _table(key: str, caption: str, frame: pd.DataFrame, lead: list[Column], keys: list[str],
           weeks: list[Column], **more: object) -> Table:
    return Table(key=key, caption=caption, frame=frame.reset_index(drop=True),
                 columns=(*lead, Column("measure", "Measure", Kind.TEXT), *weeks),
                 sheet=SHEET, kinds_from=dict.fromkeys(keys, "kind"),
                 highlight={k: f"over_{k}" for k in keys}, **more)  # type: ignore[arg-type]


def _teams_table(context: Context, result: Forecast, keys: list[str],
                 weeks: list[Column]) -> Table:
    level = result.teams
    parts = []
    for row in range(len(level.keys)):
        part = _rows(level, row, group_fte(context.figures, "teams", level.keys, row), keys)
        part.insert(0, "team", level.keys["team"].iloc[row])
        part.insert(0, "bcu", level.keys["bcu"].iloc[row])
        parts.append(part)
    frame = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame(columns=["bcu", "team", "measure", "key", "kind", *keys]))
    printed = frame[frame["key"].isin(PDF_TEAM_MEASURES).to_numpy(bool)]
    note = (f"The first {PDF_TEAM_ROWS} rows of {len(printed)}: the workbook's {SHEET} sheet "
            "has every team and measure." if len(printed) > PDF_TEAM_ROWS else "")
    return _table("forecast_teams", "Teams: hours and offender managers needed, week by week",
                  frame, [Column("bcu", "BCU", Kind.TEXT), Column("team", "Team", Kind.TEXT)],
                  keys, weeks, pdf_frame=printed.head(PDF_TEAM_ROWS).reset_index(drop=True),
                  note=note)


def forecast_section(context: Context) -> Section | None:
    """The forecast for the force, each BCU and each team; None without the visit figures."""
    figures = context.figures
    if not figures.complete or "next_visit_due" not in figures.rsos.columns:
        return None
    result = forecast(figures, DEFAULT_WEEKS)
    keys, weeks = _week_columns(result)
    force = _table("forecast_force", "Force, week by week",
                   _rows(result.force, 0, group_fte(figures, "force", result.force.keys, 0),
                         keys), [],
                   keys, weeks)
    bcus = [_table(f"forecast_bcu_{row}", f"{bcu} BCU, week by week",
                   _rows(result.bcus, row, group_fte(figures, "bcus", result.bcus.keys, row),
                         keys),
                   [], keys, weeks)
            for row, bcu in enumerate(result.bcus.keys["bcu"])]
    end = result.week_starts[-1] + timedelta(days=6)
    p = context.policy
    paragraphs = (
        f"The {result.weeks} weeks from {uk_date(result.as_at)} to {uk_date(end)}; each column "
        "is a week starting on the day shown. Overdue visits and expired or missing ARMS count "
        "in the first week; a visit's schedule then continues by its interval.",
        f"Hours needed: {p.hours_per_visit:g} a home visit and {p.hours_per_arms:g} an ARMS "
        f"assessment; hours available: {p.weekly_hours_per_fte:g} a week per FTE, less "
        f"recorded absences (configurable defaults: no national figure was found). Offender "
        f"managers needed: the FTE that keeps the group within "
        f"{p.caseload_limit_per_fte:g} community RSOs per FTE, releases counted as they come. "
        "A marked cell needs more hours, or more FTE, than the group has.",
    )
    return Section(key="forecast", heading="Forecast: the coming weeks",
                   paragraphs=paragraphs,
                   tables=(force, *bcus, _teams_table(context, result, keys, weeks)))

