"""How a date is written for people (``formats``): the one place for every date format."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ncpi_desktop.formats import uk_date, uk_day_month

PACKAGE = Path(__file__).resolve().parent.parent / "ncpi_desktop"


@pytest.mark.parametrize("value", [date(2017, 10, 9), datetime(2017, 10, 9, 23, 59),
                                   pd.Timestamp(2017, 10, 9), np.datetime64("2017-10-09")])
def test_a_day_and_month_read_dd_mm(value):
    assert uk_day_month(value) == "09/10"
    assert uk_date(value).startswith(uk_day_month(value) + "/")  # the full date begins alike


def test_a_day_and_month_are_written_only_by_formats():
    """No module writes DD/MM with its own strftime: the forecast's week headings (command
    line, pack, chart, table) all go through ``uk_day_month``."""
    own = re.compile(r"""strftime\(\s*["']%d/%m["']""")
    found = [str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
             if path.name != "formats.py" and own.search(path.read_text(encoding="utf-8"))]
    assert found == []
