"""The Lancashire 2017 demo's report (the demo is built once per session: tests/conftest.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.load import load_snapshot

LANCASHIRE_AS_AT = date(2017, 10, 9)


def report_of(engine: Engine, as_at: date = LANCASHIRE_AS_AT) -> dict[str, Any]:
    """The figures a user sees: the real snapshot, the real analysis, the JSON report."""
    return build_report(compute_figures(load_snapshot(engine, as_at)))


@pytest.fixture(scope="session")
def lancashire_report(lancashire: Engine) -> dict[str, Any]:
    return report_of(lancashire)
