"""Extracts for the import and export tests: a small valid one as text rows, written as a folder,
a .zip or a workbook, and the whole database's content to prove that nothing changed."""

from __future__ import annotations

import atexit
import copy
import csv
import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from builders import add_test_user
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from ncpi_desktop.storage.database import make_engine, open_database

Rows = dict[str, list[dict[str, str]]]

VALID: Rows = {
    "managers": [
        dict(manager_id="OM1", name="Ann Able", bcu="East", team="East 1", fte="1",
             role="offender_manager", active="yes"),
        dict(manager_id="OM2", name="Bob Brown", bcu="East", team="East 1", fte="0.5",
             role="", active="y"),
        dict(manager_id="SUP1", name="Sue Super", bcu="East", team="East 1", fte="1",
             role="supervisor", active="yes"),
        dict(manager_id="OM3", name="Cal Cole", bcu="West", team="West 1", fte="0.8",
             role="offender_manager", active="no"),
    ],
    "offenders": [
        dict(rso_id="R1", family_name="Smith", given_names="John", date_of_birth="1970-05-01",
             sex="male", bcu="East", team="", neighbourhood="Burnley", status="community",
             risk_level="high", management="active", manager_id="OM1",
             registered_on="2010-01-01", community_since="", notification_ends="indefinite",
             visit_interval_months="", visit_interval_reason="", last_concern_on="2016-03-01",
             paper_records_only="no"),
        dict(rso_id="R2", family_name="Jones", given_names="Amy", date_of_birth="01/02/1985",
             sex="Female", bcu="East", team="", neighbourhood="", status="community",
             risk_level="low", management="reactive", manager_id="OM2",
             registered_on="2005-06-30", community_since="2006-01-01",
             notification_ends="2030-01-01", visit_interval_months="", visit_interval_reason="",
             last_concern_on="", paper_records_only="yes"),
        dict(rso_id="R3", family_name="Pool", given_names="Pat", date_of_birth="1990-12-31",
             sex="male", bcu="East", team="East 1", neighbourhood="", status="community",
             risk_level="Medium", management="", manager_id="", registered_on="2012-01-01",
             community_since="", notification_ends="", visit_interval_months="",
             visit_interval_reason="", last_concern_on="", paper_records_only=""),
        dict(rso_id="R4", family_name="Inside", given_names="Ian", date_of_birth="1960-01-01",
             sex="male", bcu="East", team="", neighbourhood="", status="custody",
             risk_level="", management="active", manager_id="OM1", registered_on="2011-01-01",
             community_since="", notification_ends="", visit_interval_months="",
             visit_interval_reason="", last_concern_on="", paper_records_only="no"),
        dict(rso_id="R5", family_name="Vee", given_names="Val", date_of_birth="1975-07-07",
             sex="male", bcu="East", team="", neighbourhood="", status="community",
             risk_level="very high", management="active", manager_id="OM1",
             registered_on="2014-02-02", community_since="2015-03-03", notification_ends="",
             visit_interval_months="2", visit_interval_reason="RMP review 2017",
             last_concern_on="", paper_records_only="no"),
    ],
    "visits": [
        dict(visit_id="V1", rso_id="R1", visited_on="2017-01-01", outcome="completed",
             officers="2"),
        dict(visit_id="V2", rso_id="R2", visited_on="01/02/2017", outcome="no access",
             officers=""),
        dict(visit_id="V3", rso_id="R5", visited_on="2017-09-01", outcome="completed",
             officers="1"),
    ],
    "arms": [
        dict(rso_id="R1", completed_on="2017-03-01", outcome="low"),
        dict(rso_id="R2", completed_on="2016-11-30", outcome="medium"),
    ],
    "orders": [
        dict(order_id="O1", rso_id="R1", type="SHPO", starts_on="2015-01-01", ends_on=""),
        dict(order_id="O2", rso_id="R5", type="sro", starts_on="2016-01-01",
             ends_on="2018-01-01"),
    ],
}


def valid_rows() -> Rows:
    return copy.deepcopy(VALID)


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    header = header if header is not None else (list(rows[0]) if rows else [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue()


def write_folder(folder: Path, tables: Rows | None = None, *,
                 raw: dict[str, bytes] | None = None) -> Path:
    """Tables as CSV files in ``folder``; ``raw`` gives files' bytes as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (valid_rows() if tables is None else tables).items():
        (folder / f"{name}.csv").write_text(csv_text(rows), encoding="utf-8")
    for filename, data in (raw or {}).items():
        (folder / filename).write_bytes(data)
    return folder


def write_zip(path: Path, tables: Rows | None = None, *, top: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, rows in (valid_rows() if tables is None else tables).items():
            archive.writestr(f"{top}{name}.csv", csv_text(rows))
    return path


def write_workbook(path: Path, tables: Rows | None = None,
                   sheet_names: dict[str, str] | None = None) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in (valid_rows() if tables is None else tables).items():
        sheet = workbook.create_sheet((sheet_names or {}).get(name, name))
        header = list(rows[0]) if rows else []
        sheet.append(header)
        for row in rows:
            sheet.append([row[c] for c in header])
    workbook.save(path)
    return path


def db_state(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: equal before and after means nothing was written."""
    state: dict[str, list[tuple]] = {}
    with engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            # Every command's sign-in and sign-out are audited (access rows): not a write of
            # the command's own.
            where = " WHERE kind != 'access'" if name == "audit" else ""
            rows = connection.execute(text(f'SELECT * FROM "{name}"{where}')).all()
            state[name] = sorted(tuple(map(repr, row)) for row in rows)
    return state


_empty: list[Path] = []


def new_database(path: Path) -> Engine:
    """A migrated empty database at ``path`` holding the tests' user: a copy of one migrated once
    per test run (running the migrations for every test would cost most of the suite's time)."""
    if not _empty:
        folder = Path(tempfile.mkdtemp(prefix="ncpi-empty-"))
        atexit.register(shutil.rmtree, folder, True)
        add_test_user(open_database(folder / "empty.sqlite3", create=True)).dispose()
        _empty.append(folder / "empty.sqlite3")
    shutil.copyfile(_empty[0], path)
    return make_engine(path)
