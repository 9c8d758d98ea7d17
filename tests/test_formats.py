"""How a date is written for people (``formats``): the one place for every date format."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ncpi_desktop.formats import uk_date, uk_day_month, uk_month, uk_month_year, uk_weekday_date

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


@pytest.mark.parametrize("value", [date(2016, 10, 31), datetime(2016, 10, 31, 23, 59),
                                   pd.Timestamp(2016, 10, 31)])
def test_a_month_reads_short_on_an_axis_and_long_in_a_sentence(value):
    assert uk_month(value) == "Oct 16"
    assert uk_month_year(value) == "October 2016"
    assert uk_weekday_date(value) == "Monday 31/10/2016"


def test_months_and_days_are_named_in_english_whatever_the_locale():
    """strftime's %b, %B and %A follow the locale Qt takes from the desktop; ours do not."""
    firsts = [date(2017, month, 1) for month in range(1, 13)]
    assert [uk_month(day) for day in firsts] == [
        "Jan 17", "Feb 17", "Mar 17", "Apr 17", "May 17", "Jun 17",
        "Jul 17", "Aug 17", "Sep 17", "Oct 17", "Nov 17", "Dec 17"]
    week = [date(2017, 10, 9 + offset) for offset in range(7)]  # Monday to Sunday
    assert [uk_weekday_date(day).split()[0] for day in week] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert uk_month(date(2009, 3, 1)) == "Mar 09"  # a two-digit year keeps its 0


def test_screens_name_no_month_or_day_and_write_no_date_of_their_own():
    """The screens (``ui``) write a month's or day's name and a DD/MM/YYYY date only through
    ``formats``: no strftime or f-string of %a, %A, %b, %B or %d/%m of their own."""
    own = re.compile(r"""%[aAbB]|%d/%m""")
    found = [str(path.relative_to(PACKAGE)) for path in (PACKAGE / "ui").rglob("*.py")
             if own.search(path.read_text(encoding="utf-8"))]
    assert found == []
