"""The fast paths give what the plain ones give: figures joined by row key or by rso_id, in any
register order; dates read as Julian days or as text; visit facts summed in numpy or by SQL;
add_months once per distinct date; the table model's rank sort and pandas' sort."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.dates import add_months
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.domain.enums import VisitOutcome
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage.history import load_visits
from ncpi_desktop.storage.snapshot import ROW_KEY, Snapshot, read_frame

AS_AT = date(2017, 10, 9)


def _without_row_keys(snapshot: Snapshot) -> Snapshot:
    def drop(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=[ROW_KEY], errors="ignore")

    return dataclasses.replace(snapshot, rsos=drop(snapshot.rsos), arms=drop(snapshot.arms),
                               extra={k: drop(v) for k, v in snapshot.extra.items()})


def test_frames_carry_the_row_key_on_sqlite(lancashire):
    snapshot = full_snapshot(lancashire, AS_AT)
    for frame in (snapshot.rsos, snapshot.arms, *snapshot.extra.values()):
        assert ROW_KEY in frame.columns
    assert ROW_KEY not in compute_figures(snapshot).rsos.columns


@pytest.mark.parametrize("as_at", [AS_AT, date(2016, 10, 9)])
def test_figures_by_row_key_equal_figures_by_rso_id(lancashire, as_at):
    snapshot = full_snapshot(lancashire, as_at)
    by_key = compute_figures(snapshot)
    by_id = compute_figures(_without_row_keys(snapshot))
    for name in ("rsos", "managers", "teams", "bcus", "force", "orders"):
        pd.testing.assert_frame_equal(getattr(by_key, name), getattr(by_id, name))


def test_figures_do_not_depend_on_the_register_order(lancashire):
    snapshot = full_snapshot(lancashire, AS_AT)
    shuffled = snapshot.rsos.sample(frac=1.0, random_state=7).reset_index(drop=True)
    expected = build_report(compute_figures(snapshot))
    for rsos in (shuffled, shuffled.drop(columns=[ROW_KEY])):
        figures = compute_figures(dataclasses.replace(snapshot, rsos=rsos))
        assert build_report(figures) == expected


def test_julian_days_read_as_the_dates_written(lancashire):
    with lancashire.connect() as connection:
        connection.execute(text("CREATE TEMP TABLE d (day DATE)"))
        days = ["2016-02-29", "1999-12-31", "2017-10-09", None, "0001-01-01"]
        for day in days:
            connection.execute(text("INSERT INTO d VALUES (:day)"), {"day": day})
        as_julian = read_frame(connection, "SELECT julianday(day) AS day FROM d",
                               {"day": "date"})["day"]
        as_text = read_frame(connection, "SELECT day FROM d", {"day": "date"})["day"]
    pd.testing.assert_series_equal(as_julian, as_text)
    assert as_text.dtype == "datetime64[s]" and as_text.isna().tolist()[3]


#: The visit facts as the database summed them before ``load_visits`` did it in numpy.
_SQL_VISIT_FACTS = """
WITH latest AS MATERIALIZED (
    SELECT r.rso_id,
           (SELECT v.visited_on FROM visit v
            WHERE v.rso_id = r.rso_id AND v.visited_on <= :as_at AND v.outcome = :completed
            ORDER BY v.visited_on DESC LIMIT 1) AS last_visit_on
    FROM rso r WHERE r.registered_on <= :as_at
)
SELECT l.rso_id, l.last_visit_on, MAX(v.visited_on) AS last_attempt_on,
       MAX(CASE WHEN v.outcome = :completed AND v.visited_on = l.last_visit_on
                THEN v.officers END) AS last_visit_officers,
       SUM(CASE WHEN v.outcome = :no_access AND v.visited_on > COALESCE(l.last_visit_on, :epoch)
                THEN 1 ELSE 0 END) AS failed_attempts
FROM latest l
JOIN visit v ON v.rso_id = l.rso_id
            AND v.visited_on >= COALESCE(l.last_visit_on, :epoch) AND v.visited_on <= :as_at
GROUP BY l.rso_id, l.last_visit_on
"""


@pytest.mark.parametrize("as_at", [AS_AT, date(2016, 10, 9), date(2015, 1, 1)])
def test_visit_facts_summed_in_numpy_equal_the_sql_sums(lancashire, as_at):
    with lancashire.connect() as connection:
        facts = load_visits(connection, as_at)
        expected = read_frame(
            connection, _SQL_VISIT_FACTS,
            {"last_visit_on": "date", "last_attempt_on": "date", "last_visit_officers": "Int64"},
            as_at=as_at.isoformat(), epoch="0001-01-01",
            completed=VisitOutcome.COMPLETED.value, no_access=VisitOutcome.NO_ACCESS.value)
    assert len(facts) > 0
    pd.testing.assert_frame_equal(
        facts.drop(columns=[ROW_KEY]).sort_values("rso_id").reset_index(drop=True),
        expected.sort_values("rso_id").reset_index(drop=True))


def _add_months_one_by_one(dates: pd.Series, months: pd.Series) -> list[pd.Timestamp]:
    out = []
    for day, shift in zip(dates, months, strict=True):
        if pd.isna(day):
            out.append(pd.NaT)
            continue
        target = pd.Timestamp(day) + pd.DateOffset(months=int(0 if pd.isna(shift) else shift))
        out.append(target)  # DateOffset clips to the month's last day, as the rule says
    return out


def test_add_months_once_per_distinct_date_equals_one_by_one():
    rng = np.random.default_rng(3)
    days = pd.Series(pd.to_datetime("2015-01-01") + pd.to_timedelta(
        rng.integers(0, 1200, 2000), unit="D")).astype("datetime64[s]")
    days[::17] = pd.NaT
    months = pd.Series(rng.integers(-14, 40, 2000)).astype("Int64")
    months[::23] = pd.NA
    expected = _add_months_one_by_one(days, months)
    assert add_months(days, months).tolist() == expected
    assert add_months(days, 12).tolist() == _add_months_one_by_one(days, pd.Series([12] * 2000))


def test_table_model_sort_is_the_pandas_sort():
    from PySide6.QtCore import Qt

    from ncpi_desktop.ui.models.table_model import Column, DataFrameTableModel, Kind

    rng = np.random.default_rng(5)
    names = np.array(["Smith", "smith", "SMITH", "Ávila", "avila", "Zed", "Óscar", None],
                     dtype=object)
    frame = pd.DataFrame({
        "name": pd.Series(names[rng.integers(0, len(names), 500)], dtype="str"),
        "risk": rng.choice(np.array(["low", "medium", "high", "very_high", None], dtype=object),
                           500),
        "days": rng.integers(0, 30, 500),
    }).set_index(pd.Index(rng.permutation(500) * 3))
    columns = [Column("name", "Name"), Column("risk", "Risk", Kind.LABEL,
                                               order=("low", "medium", "high", "very_high")),
               Column("days", "Days", Kind.INT)]
    ranks = {"low": 0, "medium": 1, "high": 2, "very_high": 3}
    keys = {"name": lambda v: v.astype("str").str.casefold().where(v.notna()),
            "risk": lambda v: v.map(ranks), "days": None}
    model = DataFrameTableModel(columns, frame)
    expected = frame
    for number, column in enumerate(columns):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(number, order)
            expected = expected.sort_values(
                column.key, ascending=order == Qt.SortOrder.AscendingOrder, kind="stable",
                na_position="last", key=keys[column.key])
            assert model.frame.index.tolist() == expected.index.tolist()
