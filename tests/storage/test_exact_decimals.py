"""FTEs are stored exactly and summed exactly: the same register gives the same figures, to the
last digit, whichever database holds it and whatever order its rows come in (ISSUE 15: the
force's FTE was 1912.1999999999998 on PostgreSQL and 1912.2 on SQLite)."""

from __future__ import annotations

import json
import math
from contextlib import nullcontext
from decimal import Decimal

import postgres
import pytest
from builders import AS_AT, Register
from sqlalchemy import text

from ncpi_desktop.cli import main

#: Awkward FTEs, in the order of their managers' ids: summed as doubles in this order they make
#: 6.199999999999999, in the opposite order 6.2.
FTES = [0.9, 0.3, 0.2, 0.7, 0.1, 0.4, 0.8, 0.9, 0.6, 0.3, 0.7, 0.2, 0.1]


def register(ftes: list[float], *, backwards: bool = False) -> Register:
    """One manager per FTE, each holding one RSO; ``backwards``: the same register with its
    managers written in the opposite order."""
    r = Register()
    for number, fte in enumerate(ftes):
        manager = r.manager(f"M{number:02d}", fte=fte, team="East 1" if number % 2 else "East 2")
        r.rso(manager_id=manager, status="community")
    if backwards:
        r.managers.reverse()
    return r


def report(target: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["report", "--json", "--db", target, "--as-at", AS_AT.isoformat()]) == 0
    return capsys.readouterr().out


def force_fte(out: str) -> float:
    return json.loads(out)["force"]["fte"]


def test_the_order_of_the_rows_does_not_change_a_digit(tmp_path, capsys):
    assert sum(FTES) != sum(reversed(FTES))  # as doubles, the order shows
    assert sum(FTES) != 6.2
    forwards = register(FTES).write(tmp_path / "forwards.sqlite3")
    backwards = register(FTES, backwards=True).write(tmp_path / "backwards.sqlite3")
    out = report(forwards.url.render_as_string(hide_password=False), capsys)
    assert report(backwards.url.render_as_string(hide_password=False), capsys) == out
    assert force_fte(out) == float(sum(Decimal(str(f)) for f in FTES)) == 6.2


def test_an_fte_comes_back_as_it_was_given(tmp_path):
    engine = register([1 / 3, 0.1]).write(tmp_path / "r.sqlite3")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT fte FROM manager ORDER BY manager_id")).all()
    assert [float(f) for (f,) in stored] == [1 / 3, 0.1]


@pytest.mark.skipif(postgres.available() is not None, reason=str(postgres.available()))
def test_sqlite_and_postgresql_report_the_same_figures(tmp_path, capsys, monkeypatch):
    session = postgres.SESSION
    monkeypatch.setattr(postgres, "SESSION", None)  # this one on SQLite, whatever the run
    register(FTES + [1 / 3]).write(tmp_path / "r.sqlite3").dispose()
    lite_out = report(str(tmp_path / "r.sqlite3"), capsys)
    with nullcontext(session.url) if session is not None else postgres.server() as url:
        engine = register(FTES + [1 / 3], backwards=True).write(
            session.fresh() if session is not None else url)
        try:
            with engine.connect() as connection:
                kind = connection.execute(text(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = 'manager' AND column_name = 'fte'")).scalar()
            assert kind == "numeric"
            pg_out = report(engine.url.render_as_string(hide_password=False), capsys)
        finally:
            engine.dispose()
    assert pg_out == lite_out
    assert force_fte(pg_out) == math.fsum([*FTES, 1 / 3])
