"""All figures of one snapshot, computed once and read by every page, chart and export."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ncpi_desktop.analysis.caseload import caseload_figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.snapshot import Snapshot


@dataclass(frozen=True)
class Figures:
    snapshot: Snapshot
    rsos: pd.DataFrame
    managers: pd.DataFrame
    teams: pd.DataFrame
    bcus: pd.DataFrame
    force: pd.DataFrame  # one row

    @property
    def policy(self) -> Policy:
        return self.snapshot.policy


def compute_figures(snapshot: Snapshot) -> Figures:
    frames = caseload_figures(snapshot)
    return Figures(snapshot=snapshot, rsos=frames["rsos"], managers=frames["managers"],
                   teams=frames["teams"], bcus=frames["bcus"], force=frames["force"])
