"""PostgreSQL's read path (``storage.pg_read``): the dates, flags and whole numbers a read sends
packed come out as the very frame SQLite's read gives of the same rows (blanks, dates before
1970 and at the ends of the calendar, awkward text, no rows at all), and the register's reads on
two connections give the frames one connection gives, and fail as it would."""

from __future__ import annotations

from datetime import date

import pandas as pd
import postgres
import pytest
from builders import AS_AT, Register
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from ncpi_desktop.storage import pg_read
from ncpi_desktop.storage.snapshot import read_frame, read_register, with_row_key

pytestmark = pytest.mark.skipif(postgres.available() is not None,
                                reason=str(postgres.available()))

#: One row per awkward case: (id, a date, a flag, a nullable number, text).
ROWS = [
    (1, date(1970, 1, 1), True, 0, "tab\there"),
    (2, date(1969, 12, 31), False, -7, "new\nline"),
    (3, None, None, None, None),
    (4, date(1, 1, 1), True, 2**31 - 1, "é ü ß"),
    (5, date(9999, 12, 31), False, -(2**31), "\\N"),
    (6, date(2024, 2, 29), None, 6, ""),
]
KINDS = {"id": "int", "on_day": "date", "flag": "bool", "months": "Int64", "note": "text",
         "counted": "bool", "label": "label"}
#: Dates given by ``{day}`` (SQLite's Julian days, a date elsewhere) and as the column itself;
#: a 0/1 number read as a flag (as the visits' ``at_last``); text with few values.
SQL = """
SELECT t.id, {day}(t.on_day) AS on_day, t.on_day AS plain_day, t.flag, t.months, t.note,
       CASE WHEN t.id % 2 = 0 THEN 1 ELSE 0 END AS counted,
       CASE WHEN t.id % 3 = 0 THEN 'three' ELSE 'other' END AS label
FROM awkward t {where} ORDER BY t.id
"""


@pytest.fixture(scope="module")
def server_url():
    if postgres.SESSION is not None:
        yield postgres.SESSION.url
        return
    with postgres.server() as url:
        yield url


@pytest.fixture(scope="module")
def engines(server_url, tmp_path_factory):
    """The same table on a new PostgreSQL database and in a SQLite file."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS pg_read_test WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE pg_read_test"))
    admin.dispose()
    server = create_engine(server_url.rsplit("/", 1)[0] + "/pg_read_test")
    lite = create_engine(f"sqlite:///{tmp_path_factory.mktemp('pg_read')}/awkward.sqlite3")
    for engine, flag in ((server, "boolean"), (lite, "integer")):
        with engine.begin() as connection:
            connection.execute(text(f"CREATE TABLE awkward (id integer PRIMARY KEY, on_day date,"
                                    f" flag {flag}, months integer, note text)"))
            connection.execute(
                text("INSERT INTO awkward VALUES (:id, :on_day, :flag, :months, :note)"),
                [dict(zip(("id", "on_day", "flag", "months", "note"), row, strict=True))
                 for row in ROWS])
    yield {"postgresql": server, "sqlite": lite}
    server.dispose()
    lite.dispose()


def _read(engine, where: str = "", kinds=None) -> pd.DataFrame:
    with engine.connect() as connection:
        sql = with_row_key(connection, SQL.replace("{where}", where))
        return read_frame(connection, sql, KINDS if kinds is None else kinds)


def test_packed_columns_read_as_sqlite_reads_them(engines):
    server, lite = _read(engines["postgresql"]), _read(engines["sqlite"])
    # Only the column left unconverted differs: a date object here, ISO text in SQLite.
    assert list(server["plain_day"].iloc[:2]) == [date(1970, 1, 1), date(1969, 12, 31)]
    pd.testing.assert_frame_equal(server.drop(columns="plain_day"),
                                  lite.drop(columns="plain_day"), check_exact=True)
    assert list(server.columns) == ["id", "on_day", "plain_day", "flag", "months", "note",
                                    "counted", "label"]
    assert str(server["on_day"].dtype) == "datetime64[s]"
    assert [str(day)[:10] for day in server["on_day"]] == [
        "1970-01-01", "1969-12-31", "NaT", "0001-01-01", "9999-12-31", "2024-02-29"]
    assert list(server["flag"]) == [True, False, False, True, False, False]
    assert server["months"].tolist() == [0, -7, pd.NA, 2**31 - 1, -(2**31), 6]
    assert server["note"].iloc[0] == "tab\there" and pd.isna(server["note"].iloc[2])


def test_a_read_of_no_rows_is_the_same_empty_frame(engines):
    server, lite = (_read(engines[kind], "WHERE t.id < 0") for kind in ("postgresql", "sqlite"))
    assert server.empty
    pd.testing.assert_frame_equal(server.drop(columns="plain_day"),
                                  lite.drop(columns="plain_day"), check_exact=True)


def test_without_kinds_nothing_is_packed(engines):
    with engines["postgresql"].connect() as connection:
        sql = "SELECT id, on_day FROM awkward ORDER BY id"
        assert pg_read.packed_sql(connection, sql, {}, {})[0] == sql
        frame = read_frame(connection, sql)
    assert frame["id"].tolist() == [row[0] for row in ROWS]
    assert frame["on_day"].iloc[0] == date(1970, 1, 1)


def test_register_read_on_two_connections_equals_one_connection_and_sqlite(server_url,
                                                                          tmp_path):
    r = _register()
    lite = r.write(tmp_path / "r.sqlite3")
    server = _register().write(_fresh(server_url, "pg_read_register"))
    try:
        with server.connect() as connection:
            both = read_register(connection)
            alone = {name: read(connection) for name, read in _readers().items()}
        with lite.connect() as connection:
            expected = read_register(connection)
    finally:
        server.dispose()
        lite.dispose()
    for name, frame in alone.items():
        pd.testing.assert_frame_equal(getattr(both, name), frame, check_exact=True)
        # SQLite reads by row key (and carries it); the server by id.
        key = "rso_id" if "rso_id" in frame.columns else "manager_id"
        extra = [c for c in ("rso_key", "allocation_id") if c in frame.columns]
        ordered = [key, *(["completed_on"] if name == "arms" else [])]
        pd.testing.assert_frame_equal(
            frame.drop(columns=extra).sort_values(ordered).reset_index(drop=True),
            getattr(expected, name).drop(columns=[*extra, "rso_key"], errors="ignore")
            .sort_values(ordered).reset_index(drop=True), check_exact=True)
    assert len(both.rsos) == 80 and both.rsos["date_of_birth"].notna().all()


def test_a_failure_on_the_second_connection_is_raised(engines):
    def broken(connection):
        return read_frame(connection, "SELECT no_such_column FROM awkward")

    with engines["postgresql"].connect() as connection, pytest.raises(ProgrammingError):
        pg_read.read_in_parallel(connection, {"broken": broken,
                                              "fine": lambda c: _read_on(c)})


def _read_on(connection) -> pd.DataFrame:
    return read_frame(connection, with_row_key(connection, SQL.replace("{where}", "")), KINDS)


def _readers():
    from ncpi_desktop.storage import snapshot

    def reader(sql, kinds):
        return lambda connection: read_frame(connection, with_row_key(connection, sql), kinds)

    return {name: reader(sql, kinds)
            for name, (sql, kinds, _) in snapshot._REGISTER_READS.items()}


def _register() -> Register:
    r = Register()
    r.manager("A")
    r.manager("B", fte=0.5, team="East 2")
    r.many(55, manager_id="A", risk_level="high")
    r.many(20, manager_id="B")
    r.many(3, team="East 2")
    r.many(2, manager_id="A", status="custody")
    r.assessment("R00001", AS_AT.replace(month=3))
    r.assessment("R00002", AS_AT.replace(month=2))
    return r


def _fresh(server_url: str, name: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name


#: A read of text, labels and packed columns only: the server sends it whole (one row).
WHOLE_SQL = """
SELECT t.id, t.on_day, t.flag, t.months, {note} AS note,
       CASE WHEN t.id % 3 = 0 THEN 'three' ELSE 'other' END AS label
FROM awkward t {where} ORDER BY t.id DESC
"""
WHOLE_KINDS = {"id": "int", "on_day": "date", "flag": "bool", "months": "Int64",
               "note": "text", "label": "label"}


def _whole(engine, where: str = "", note: str = "t.note") -> tuple[pd.DataFrame, bool]:
    """The read as ``read_frame`` gives it, and (on PostgreSQL) whether the server can send it
    whole (``pg_read.read_whole``); False on SQLite."""
    sql = WHOLE_SQL.replace("{where}", where).replace("{note}", note)
    sent_whole = False
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            packed, packing = pg_read.packed_sql(connection, sql, WHOLE_KINDS, {})
            sent_whole = pg_read.read_whole(connection, packed, packing, WHOLE_KINDS,
                                            {}) is not None
        return read_frame(connection, sql, WHOLE_KINDS), sent_whole


def test_a_read_of_text_and_packed_columns_comes_whole_and_as_sqlite_reads_it(engines):
    server, sent_whole = _whole(engines["postgresql"])
    assert sent_whole
    pd.testing.assert_frame_equal(server, _whole(engines["sqlite"])[0], check_exact=True)
    assert server["id"].tolist() == [6, 5, 4, 3, 2, 1]  # in the read's order
    assert server["note"].tolist()[:2] == ["", "\\N"]  # empty text is not a blank
    assert pd.isna(server["note"].iloc[3]) and server["label"].iloc[3] == "three"


def test_a_whole_read_of_no_rows_is_the_same_empty_frame(engines):
    server, sent_whole = _whole(engines["postgresql"], "WHERE t.id < 0")
    assert sent_whole and server.empty
    pd.testing.assert_frame_equal(server, _whole(engines["sqlite"], "WHERE t.id < 0")[0],
                                  check_exact=True)


def test_text_holding_the_separator_is_read_row_by_row_and_right(engines):
    note = "t.note || CASE WHEN t.id = 2 THEN chr(31) || 'x' ELSE '' END"
    server, sent_whole = _whole(engines["postgresql"], note=note)
    assert not sent_whole
    assert server.set_index("id").loc[2, "note"] == "new\nline\x1fx"
    assert server.set_index("id").loc[1, "note"] == "tab\there"
