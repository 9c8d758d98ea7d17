"""The Visits page's tables: column specs, and the words and groupings the page shows over
``Figures.rsos`` (pure pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.flags import flag_column
from ncpi_desktop.domain.enums import RISK_ORDER
from ncpi_desktop.formats import Kind
from ncpi_desktop.ui.models.frames import MANAGER, RISK, RSO_ID, RSO_NAME, TEAM
from ncpi_desktop.ui.models.table_model import Column

#: Words for the alert flags in the Alerts column.
ALERTS = {"warrant_consideration": "Warrant?", "lone_visit": "Lone visit"}
#: The "team" of RSOs allocated to no team at all.
NO_TEAM = "Unallocated"

VISIT_COLUMNS = [
    RSO_ID, RSO_NAME, MANAGER, TEAM, RISK,
    Column("last_visit_on", "Last visit", Kind.DATE,
           header_tip="Latest completed home visit (a no-access visit does not count)"),
    Column("next_visit_due", "Due", Kind.DATE, flags=("visit_overdue",),
           header_tip="Last completed visit + the interval; never visited: entering the "
                      "community + the first-visit allowance"),
    Column("overdue_days", "Days overdue", Kind.INT, flags=("visit_overdue",),
           header_tip="As-at date − due date"),
    Column("due_in", "Due in", Kind.INT, header_tip="Days until the visit is due"),
    Column("interval_text", "Interval", header_tip="Visit interval: by risk level, or the RSO's "
                                                   "own (risk management plan)"),
    Column("alerts", "Alerts", flags=tuple(ALERTS),
           header_tip="Warrant of entry to consider (no-access visits in a row); lone visit "
                      "(latest visit by too few officers). Hover for why."),
]
#: The risk summary's rows: most serious first, then every risk level together.
ALL_RISKS_ROW = "All"
RISK_SUMMARY_COLUMNS = [
    Column("risk_level", "Risk", Kind.LABEL, order=(*reversed(RISK_ORDER), ALL_RISKS_ROW)),
    Column("prescribed", "With visits", Kind.INT,
           header_tip="Community RSOs under active management (visits prescribed)"),
    Column("overdue", "Overdue", Kind.INT),
    Column("max_days_overdue", "Most days", Kind.INT,
           header_tip="Days overdue of the most overdue visit"),
    Column("due_soon", "Due soon", Kind.INT),
]
TEAM_COLUMNS = [
    Column("team", "Team"), Column("bcu", "BCU"),
    Column("overdue", "Overdue", Kind.INT),
    Column("max_days_overdue", "Most days", Kind.INT,
           header_tip="Days overdue of the team's most overdue visit"),
    Column("rso_id", "RSO", header_tip="The RSO whose visit is most overdue"),
    Column("manager_label", "Held by"),
]
MANAGER_COLUMNS = [
    Column("manager_label", "Offender manager"), Column("team", "Team"),
    Column("overdue", "Overdue", Kind.INT),
    Column("max_days_overdue", "Most days", Kind.INT,
           header_tip="Days overdue of the manager's most overdue visit"),
    Column("rso_id", "RSO", header_tip="The RSO whose visit is most overdue"),
]


def interval_text(rsos: pd.DataFrame) -> pd.Series:
    """"6 months", "1 month", "3 months (own)"; blank without an interval."""
    months = rsos["interval_months"]
    text = months.astype("string").fillna("").astype(object)
    unit = np.where(months.fillna(0).to_numpy("int64") == 1, " month", " months")
    own = np.where(rsos["interval_source"].to_numpy(object) == "own", " (own)", "")
    return pd.Series(np.where(text != "", text + unit + own, ""), index=rsos.index, dtype=object)


def alert_text(rsos: pd.DataFrame) -> pd.Series:
    """Per RSO, the visit alerts raised, as words ("Warrant? · Lone visit")."""
    out = np.full(len(rsos), "", dtype=object)
    for name, word in ALERTS.items():
        raised = rsos[flag_column(name)].to_numpy(bool)
        out = np.where(raised, np.where(out != "", out + " · " + word, word), out)
    return pd.Series(out, index=rsos.index, dtype=object)


def most_overdue_by(overdue: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: overdue count, most days overdue and the RSO overdue longest."""
    if overdue.empty:
        return pd.DataFrame(columns=list(dict.fromkeys(
            [*keys, "overdue", "max_days_overdue", "rso_id", "manager_label"])))
    ranked = overdue.sort_values(["days_overdue", "rso_id"], ascending=[False, True])
    shown = list(dict.fromkeys([*keys, "days_overdue", "rso_id", "manager_label"]))
    first = ranked.drop_duplicates(keys)[shown]
    counts = ranked.groupby(keys, dropna=False, sort=False).size().rename("overdue")
    out = first.merge(counts.reset_index(), on=keys, how="left")
    return out.rename(columns={"days_overdue": "max_days_overdue"})
