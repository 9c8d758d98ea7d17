"""The frames RSO lists and team charts show: slices of ``Figures`` with the few texts a screen
adds to them (an RSO's "Family, Given", a manager label, a team's chart label), and the columns
every RSO list starts with.

Pure pandas (the ``Column`` specs only name the columns kept): every page and dialog listing RSOs
builds its rows here, so a name reads the same in all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.flags import flag_column, why_column
from ncpi_desktop.domain.enums import RISK_ORDER
from ncpi_desktop.formats import Kind
from ncpi_desktop.ui.models.table_model import Column

#: Shown in the manager column for an RSO with no named offender manager.
NO_NAMED_MANAGER = "No named manager"

#: Columns every RSO list starts with.
RSO_ID = Column("rso_id", "RSO")
RSO_NAME = Column("rso_name", "Name")
MANAGER = Column("manager_label", "Offender manager", flags=("no_named_manager",))
TEAM = Column("team", "Team")
RISK = Column("risk_level", "Risk", Kind.LABEL, flags=("no_risk_level",), order=RISK_ORDER)


def rso_names(rsos: pd.DataFrame) -> pd.Series:
    """Each RSO's display name, "Family, Given" (a missing part left empty; empty for an RSO
    whose name the user may not see, ``analysis.visibility``)."""
    family = rsos["family_name"].astype(object)
    names = family.fillna("") + ", " + rsos["given_names"].astype(object).fillna("")
    return names.where(family.notna() | rsos["given_names"].notna(), "")


def rso_rows(rsos: pd.DataFrame, columns: Sequence[Column], extra: Sequence[str] = (), *,
             manager_label: bool = True) -> pd.DataFrame:
    """The shown columns of a slice of ``Figures.rsos`` (and the flag/why pairs they colour by),
    with a display name (``rso_name``) and, with ``manager_label`` when the slice has holders'
    names, a manager label (``manager_label``: "No named manager" when pooled).

    Only what is shown is copied: the RSO frame has about a hundred columns (and a list of every
    RSO sorts faster without a column it does not show)."""
    keys: list[str] = ["rso_id"]
    for column in columns:
        keys.append(column.key)
        for name in column.flags:
            keys += [flag_column(name), why_column(name)]
    keys += list(extra)
    present = list(dict.fromkeys(k for k in keys if k in rsos.columns))
    shown = rsos[present].copy()
    shown["rso_name"] = rso_names(rsos)
    if manager_label and "manager_name" in rsos.columns:
        shown["manager_label"] = rsos["manager_name"].astype(object).where(
            rsos["manager_name"].notna(), NO_NAMED_MANAGER)
    return shown


def team_labels(teams: pd.DataFrame) -> pd.DataFrame:
    """``teams`` with a ``label`` for a chart: the team, with its BCU where the name repeats
    (the unallocated of two BCUs)."""
    repeated = teams["team"].duplicated(keep=False).to_numpy()
    label = np.where(repeated, teams["team"].astype(str) + ", " + teams["bcu"].astype(str),
                     teams["team"].astype(str))
    return teams.assign(label=label)
