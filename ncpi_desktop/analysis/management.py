"""Which management mode applies to each RSO at the as-at date: the one rule, applied once per
snapshot by the analysis that first reads it (``compute_figures``, or a rule called on its own).

The mode recorded on the RSO is today's; the RSO's latest management decision made by the as-at
date (``storage.history`` reads it) overrides it, so an earlier as-at date shows the mode as it
stood then.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.align import row_of_each_rso
from ncpi_desktop.storage.snapshot import Snapshot

#: Set by ``management_at``: the date of the decision that settled the mode (NaT: none).
DECIDED_ON = "management_decided_on"


def management_at(snapshot: Snapshot) -> Snapshot:
    """The snapshot with each RSO's ``management`` as decided by the as-at date, and the
    decision's ``management_decided_on``/``_by``/``management_reason`` beside it (blank where
    none was made). The recorded mode stays in ``recorded_management`` (the trend resolves
    other dates from it). A snapshot without decisions, or already resolved, is returned as it
    is: applying this twice changes nothing.
    """
    decisions = snapshot.extra.get("decisions")
    if decisions is None or DECIDED_ON in snapshot.rsos.columns:
        return snapshot
    rsos = snapshot.rsos.copy(deep=False)
    row = row_of_each_rso(snapshot, decisions)  # one latest decision per RSO

    def decided(column: str) -> np.ndarray:
        return decisions[column].array.take(row, allow_fill=True).to_numpy()

    rsos["recorded_management"] = rsos["management"]
    mode = decided("mode").astype(object)
    rsos["management"] = rsos["management"].where(pd.isna(mode), mode)
    rsos[DECIDED_ON] = decided("decided_on").astype("datetime64[s]")
    rsos["management_decided_by"] = decided("decided_by").astype(object)
    rsos["management_reason"] = decided("reason").astype(object)
    return dataclasses.replace(snapshot, rsos=rsos)
