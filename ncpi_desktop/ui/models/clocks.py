"""The Clocks list (Visits page) and the RSO detail's clocks: the trigger-event clocks of
``Figures.clocks`` (``analysis.clocks``) as rows a table shows, with the RSO's name as the user
may see it (pure pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.clocks import CLOCK_COLUMNS as CLOCK_FIGURES
from ncpi_desktop.analysis.clocks import CLOCK_NAMES
from ncpi_desktop.analysis.flags import flag_column, why_column
from ncpi_desktop.formats import Kind, uk_dates
from ncpi_desktop.ui.models.frames import (
    MANAGER,
    NO_NAMED_MANAGER,
    RSO_ID,
    RSO_NAME,
    TEAM,
    rso_names,
)
from ncpi_desktop.ui.models.table_model import Column

_HOLDERS = ["bcu", "team", "manager_id", "manager_name"]
#: The flag the Clocks list colours an overdue clock's days by.
CLOCK_OVERDUE = "clock_overdue"

#: The clocks in a list's few words (their full names in the header's tip).
SHORT_NAMES = {"visit": "Home visit", "referral": "Referral"}

CLOCK_COLUMNS = [
    RSO_ID, RSO_NAME,
    Column("clock_name", "Clock", header_tip="Home visit: a reassessment home visit; "
                                             "referral: to children's social care, where a "
                                             "child may be at risk"),
    Column("days_overdue", "Days overdue", Kind.INT, flags=(CLOCK_OVERDUE,),
           header_tip="As-at date − due date"),
    Column("days_left", "Days left", Kind.INT, header_tip="Days until the clock is due"),
    Column("due_on", "Due by", Kind.DATE, flags=(CLOCK_OVERDUE,),
           header_tip="The event's date + the policy's target days"),
    MANAGER, TEAM,
    Column("event", "Event", header_tip="What happened (DOMAIN.md rule 14)"),
    Column("occurred_on", "On", Kind.DATE, header_tip="The day the event happened: the clock "
                                                      "runs from it"),
    Column("bcu", "BCU"),
]
#: The RSO detail's tab: every clock of one RSO, open or stopped.
DETAIL_COLUMNS = [
    Column("occurred_on", "On", Kind.DATE), Column("event", "Event"),
    Column("clock_title", "Clock"),
    Column("state", "At the as-at date", flags=(CLOCK_OVERDUE,)),
    Column("due_on", "Due by", Kind.DATE, flags=(CLOCK_OVERDUE,)),
]


def clock_rows(clocks: pd.DataFrame, rsos: pd.DataFrame) -> pd.DataFrame:
    """``clocks`` (rows of ``Figures.clocks``) as the lists show them: the clock in words, the
    manager label, the RSO's name from ``rsos`` (the window's, cut to the user), the overdue
    flag with its sentence, and ``state`` ("3 days overdue", "2 days left", "stopped
    DD/MM/YYYY: visited in 4 days")."""
    if "clock" not in clocks.columns:  # caseload figures alone: no clocks read yet
        clocks = pd.DataFrame({c: pd.Series(dtype="datetime64[s]" if c.endswith("_on") else
                                            object) for c in [*CLOCK_FIGURES, *_HOLDERS]})
    rows = clocks.copy()
    rows["clock_name"] = rows["clock"].map(SHORT_NAMES).astype(object)
    rows["clock_title"] = rows["clock"].map(CLOCK_NAMES).astype(object)
    rows["manager_label"] = rows["manager_name"].astype(object).where(
        rows["manager_name"].notna(), NO_NAMED_MANAGER)
    names = rso_names(rsos.set_index("rso_id")[["family_name", "given_names"]])
    rows["rso_name"] = rows["rso_id"].map(names).fillna("").astype(object)
    overdue = rows["overdue"].to_numpy(bool)
    due = uk_dates(rows["due_on"]) if len(rows) else pd.Series(dtype=object)
    rows[flag_column(CLOCK_OVERDUE)] = overdue
    late = rows["days_overdue"].astype(str) + np.where(rows["days_overdue"] == 1, " day",
                                                       " days") + " overdue"
    rows[why_column(CLOCK_OVERDUE)] = np.where(overdue, "Due by " + due + ": " + late, "")
    open_ = rows["open"].to_numpy(bool)
    taken = rows["days_taken"].astype("Int64").astype(str)
    stopped = "stopped " + (uk_dates(rows["stopped_on"]) if len(rows) else due) + " (day " \
        + taken + ")"
    rows["state"] = np.where(
        overdue, late,
        np.where(open_, rows["days_left"].astype("Int64").astype(str)
                 + np.where(rows["days_left"] == 1, " day left", " days left"), stopped))
    rows["days_left"] = rows["days_left"].astype("Float64").where(~overdue)
    rows["days_overdue"] = rows["days_overdue"].where(overdue).astype("Float64")
    return rows


def open_clock_rows(clocks: pd.DataFrame, rsos: pd.DataFrame,
                    within: pd.Series | None = None) -> pd.DataFrame:
    """The open clocks (of the RSOs ``within``, when given), most overdue first, then fewest
    days left (``Figures.clocks``' order)."""
    if clocks.empty or "open" not in clocks.columns:
        return clock_rows(clocks, rsos)
    kept = clocks["open"].to_numpy(bool)
    if within is not None:
        kept = kept & clocks["rso_id"].isin(set(within)).to_numpy(bool)
    return clock_rows(clocks[kept].reset_index(drop=True), rsos)
