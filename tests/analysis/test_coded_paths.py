"""The analysis' coded paths give what the plain ones give: dates formatted from tables and
ages worked out per distinct date equal strftime and the calendar; distinct combinations
numbered from integer codes equal pandas' grouping; labels tested on codes equal labels
compared as text; counts summed by group number equal pandas' groupby; and the figures do not
depend on the order of the orders."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.align import aligned, distinct_codes, each_value, is_in
from ncpi_desktop.analysis.caseload import _counts
from ncpi_desktop.analysis.dates import age_in_years
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.formats import uk_dates

AS_AT = date(2017, 10, 9)


def test_dates_formatted_from_tables_equal_strftime():
    days = pd.Series(pd.date_range("1899-12-25", "2101-01-07", freq="D")).astype("datetime64[s]")
    days = pd.concat([days, pd.Series(np.array(
        ["0001-01-01", "0999-12-31", "9999-12-31", "NaT", "2016-02-29"], dtype="datetime64[s]"))],
        ignore_index=True)
    expected = pd.DatetimeIndex(days).strftime("%d/%m/%Y").fillna("")  # as fmt_dates was
    assert uk_dates(days).tolist() == expected.tolist()
    assert uk_dates(days.iloc[:0]).tolist() == []


def test_ages_per_distinct_date_equal_the_calendar():
    rng = np.random.default_rng(11)
    born = pd.Series(pd.to_datetime("1930-01-01") + pd.to_timedelta(
        rng.integers(0, 30000, 5000), unit="D")).astype("datetime64[s]")
    born[::37] = pd.NaT
    for on in (pd.Timestamp("2017-10-09"), pd.Timestamp("2016-02-29"), pd.Timestamp("2017-02-28")):
        expected = [np.nan if pd.isna(day) else on.year - day.year - (
            (day.month, day.day) > (on.month, on.day)) for day in born]
        np.testing.assert_array_equal(age_in_years(born, on).to_numpy(), expected)


@pytest.mark.parametrize("width", [5, 100_000])  # the second overflows one combined number
def test_distinct_codes_number_the_combinations_in_order_of_appearance(width):
    rng = np.random.default_rng(width)
    codes = [rng.integers(-1, width, 3000) for _ in range(5)]
    combination, first = distinct_codes(*codes)
    frame = pd.DataFrame(dict(enumerate(codes)))
    expected = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    np.testing.assert_array_equal(combination, expected)
    np.testing.assert_array_equal(first, frame.drop_duplicates().index.to_numpy())


@pytest.mark.parametrize("dtype", ["str", object, "category"])
def test_label_questions_on_codes_equal_text_comparisons(dtype):
    values = pd.Series(["low", None, "high", "very_high", "low", "medium", None] * 50,
                       dtype=dtype)
    text = pd.Series(values.astype(object))
    for wanted in (("low",), ("high", "very_high"), ("none",), ()):
        expected = text.isin(wanted).to_numpy()
        np.testing.assert_array_equal(is_in(values, *wanted), expected)
    shown = each_value(values, lambda value: "blank" if value is None else value.upper())
    assert shown.tolist() == ["blank" if pd.isna(v) else v.upper() for v in text]


def test_aligned_ids():
    ids = pd.Series([f"R{n:05d}" for n in range(1000)], dtype="str")
    assert aligned(ids, ids.copy(deep=False)) and aligned(pd.Index(ids), ids)
    assert aligned(ids, pd.Series(ids.tolist(), dtype="str"))  # equal, not shared
    assert not aligned(ids, ids.iloc[::-1].reset_index(drop=True))
    assert not aligned(ids, ids.iloc[:-1])


def test_counts_by_group_number_equal_pandas_groupby():
    rng = np.random.default_rng(5)
    n = 4000
    rsos = pd.DataFrame({
        "bcu": pd.Series(rng.choice(np.array(["East", "West", "South", None], dtype=object), n),
                         dtype=object),
        "team": pd.Series(rng.choice(np.array(["A", "B", "C", None], dtype=object), n),
                          dtype=object),
        "flag": rng.random(n) < 0.3,
        "count": rng.integers(0, 4, n),
        "days": rng.integers(0, 400, n),
    })
    sums = {"flags": "flag", "counts": "count"}
    maxima = {"most_days": "days"}
    for by in (["bcu"], ["bcu", "team"]):
        grouped = rsos.groupby(by, dropna=True)
        expected = grouped[["flag", "count"]].sum().rename(columns={"flag": "flags",
                                                                     "count": "counts"})
        expected["most_days"] = grouped["days"].max()
        expected.insert(0, "rsos", grouped.size())
        pd.testing.assert_frame_equal(_counts(rsos, by, sums, maxima), expected)
    rows = rsos["flag"].to_numpy()
    pd.testing.assert_frame_equal(
        _counts(rsos, ["team"], sums, maxima, rows=rows).reset_index(drop=True),
        _counts(rsos[rows], ["team"], sums, maxima).reset_index(drop=True))


def test_figures_do_not_depend_on_the_order_of_the_orders(lancashire):
    snapshot = full_snapshot(lancashire, AS_AT)
    expected = compute_figures(snapshot)
    extra = dict(snapshot.extra)
    extra["orders"] = extra["orders"].sample(frac=1.0, random_state=3).reset_index(drop=True)
    figures = compute_figures(dataclasses.replace(snapshot, extra=extra))
    for name in ("rsos", "managers", "teams", "bcus", "force", "orders"):
        pd.testing.assert_frame_equal(getattr(figures, name), getattr(expected, name))
