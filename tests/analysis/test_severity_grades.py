"""Issue 14, part 6: a flagged caseload or high-risk share is graded by how far above its limit
it is (DOMAIN rules 2-3 are 'strictly above'): 1 amber up to the policy's share of the limit
(110%), 2 red strictly above it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from builders import AS_AT, Register

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.analysis.flags import grade, severity_column
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.load import load_snapshot

POLICY = Policy()
CASELOAD = severity_column("caseload_over_limit")
SHARE = severity_column("high_risk_share_over_limit")


def test_the_policy_grades_at_110_percent() -> None:
    assert POLICY.severe_above_share_of_limit == pytest.approx(1.10)
    field = next(f for f in Policy.describe() if f.name == "severe_above_share_of_limit")
    assert field.configurable_default
    assert "110%" in field.source


def test_grade_boundaries() -> None:
    limit = 50.0
    amounts = [49, 50, 50 + EPSILON / 2, 51, 55, 55 + EPSILON / 2, 56, 94]
    assert grade(np.array(amounts), np.full(len(amounts), limit),
                 POLICY.severe_above_share_of_limit, EPSILON).tolist() == [0, 0, 0, 1, 1, 1, 2, 2]


@pytest.fixture(scope="module")
def managers(tmp_path_factory) -> pd.DataFrame:
    r = Register()
    # Caseload: at the limit, just above, at 110% exactly, just above 110%, far above.
    for manager_id, fte, count in (("AT", 1.0, 50), ("JUST", 1.0, 51), ("EDGE", 1.0, 55),
                                   ("OVER", 1.0, 56), ("FAR", 1.0, 94),
                                   # 0.6 FTE: limit 30, 110% is 33 (float rounding near both).
                                   ("P30", 0.6, 30), ("P33", 0.6, 33), ("P34", 0.6, 34)):
        r.manager(manager_id, fte=fte)
        r.many(count, manager_id=manager_id, risk_level="low")
    # High-risk share of 100 (limit 20%): 20 not flagged, 21 and 22 (110%) amber, 23 red.
    for high in (20, 21, 22, 23):
        r.manager(f"H{high}", fte=2.0)
        r.many(high, manager_id=f"H{high}", risk_level="high")
        r.many(100 - high, manager_id=f"H{high}", risk_level="low")
    engine = r.write(tmp_path_factory.mktemp("severity") / "r.sqlite3")
    return compute_figures(load_snapshot(engine, AS_AT)).managers.set_index("manager_id")


def test_caseload_grades(managers: pd.DataFrame) -> None:
    grades = managers[CASELOAD].to_dict()
    assert {k: grades[k] for k in ("AT", "JUST", "EDGE", "OVER", "FAR", "P30", "P33", "P34")} == {
        "AT": 0, "JUST": 1, "EDGE": 1, "OVER": 2, "FAR": 2, "P30": 0, "P33": 1, "P34": 2}


def test_share_grades(managers: pd.DataFrame) -> None:
    grades = managers[SHARE].to_dict()
    assert {k: grades[k] for k in ("H20", "H21", "H22", "H23")} == {
        "H20": 0, "H21": 1, "H22": 1, "H23": 2}


def test_a_grade_is_given_exactly_where_the_flag_is_raised(managers: pd.DataFrame) -> None:
    for flag, severity in (("caseload_over_limit", CASELOAD),
                           ("high_risk_share_over_limit", SHARE)):
        assert ((managers[severity] > 0) == managers[f"flag_{flag}"]).all()
