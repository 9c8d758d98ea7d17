"""The caseload figures the application shows first (``compute_caseload_figures``) are the full
figures' caseload columns, read without visits or orders."""

from datetime import date

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.caseload import COUNT_COLUMNS
from ncpi_desktop.analysis.figures import compute_caseload_figures, compute_figures
from ncpi_desktop.storage.history import load_decisions
from ncpi_desktop.storage.load import load_snapshot

#: The managers table and RSO lists of the caseload page, and the summary strip's figures.
MANAGER_COLUMNS = ["manager_id", "name", "bcu", "team", "fte", "rsos", "caseload", "per_fte",
                   "high", "very_high", "high_risk_share", "flag_caseload_over_limit",
                   "why_caseload_over_limit", "flag_high_risk_share_over_limit",
                   "why_high_risk_share_over_limit"]
RSO_COLUMNS = ["rso_id", "family_name", "given_names", "risk_level", "status", "management",
               "neighbourhood", "manager_id", "team", "bcu", "is_pooled", "why_no_named_manager",
               "arms_eligible", "arms_current"]
GROUP_COLUMNS = ["rsos", *COUNT_COLUMNS, "fte", "per_fte", "high_risk_share", "arms_completion"]


@pytest.mark.parametrize("as_at", [date(2017, 10, 9), date(2016, 10, 9), date(2017, 3, 31)])
def test_caseload_first_equals_the_full_figures_caseload(lancashire: Engine, as_at: date) -> None:
    first = compute_caseload_figures(
        load_snapshot(lancashire, as_at, loaders={"decisions": load_decisions}))
    full = compute_figures(full_snapshot(lancashire, as_at))

    assert not first.complete and full.complete
    assert "visit_overdue" not in first.rsos.columns  # the review's columns come later
    pd.testing.assert_frame_equal(first.managers[MANAGER_COLUMNS],
                                  full.managers[MANAGER_COLUMNS], check_exact=True)
    pd.testing.assert_frame_equal(first.rsos[RSO_COLUMNS].astype(object),
                                  full.rsos[RSO_COLUMNS].astype(object), check_exact=True)
    for name in ("teams", "bcus", "force"):
        keys = [c for c in ["bcu", "team"] if c in full.__dict__[name].columns]
        pd.testing.assert_frame_equal(getattr(first, name)[keys + GROUP_COLUMNS],
                                      getattr(full, name)[keys + GROUP_COLUMNS],
                                      check_exact=True, check_dtype=False)


def test_caseload_first_counts_reactive_management_as_decided_by_the_date(
        lancashire: Engine) -> None:
    """A year before the inspection nobody had yet been decided reactive, though the RSOs' own
    records say reactive today: the first read takes the decisions, so it counts none."""
    as_at = date(2016, 10, 9)
    first = compute_caseload_figures(
        load_snapshot(lancashire, as_at, loaders={"decisions": load_decisions}))
    recorded_only = compute_caseload_figures(load_snapshot(lancashire, as_at, loaders={}))
    assert int(recorded_only.force.loc[0, "reactive"]) > 0
    assert int(first.force.loc[0, "reactive"]) == 0
