"""The Lancashire 2017 demo, built once per session (twice, for the determinism test)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.demo.build import build_demo
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.database import open_database
from ncpi_desktop.storage.snapshot import load_snapshot

LANCASHIRE_AS_AT = date(2017, 10, 9)


def report_of(engine: Engine, as_at: date = LANCASHIRE_AS_AT) -> dict[str, Any]:
    """The figures a user sees: the real snapshot, the real analysis, the JSON report."""
    return build_report(compute_figures(load_snapshot(engine, as_at)))


@pytest.fixture(scope="session")
def lancashire_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "lancashire-2017.sqlite3"
    build_demo(path, "lancashire-2017")
    return path


@pytest.fixture(scope="session")
def lancashire(lancashire_path: Path) -> Engine:
    engine = open_database(lancashire_path)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def lancashire_report(lancashire: Engine) -> dict[str, Any]:
    return report_of(lancashire)
