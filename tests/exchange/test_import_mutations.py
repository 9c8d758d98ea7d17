"""Mutated extracts (cells edited, columns and files dropped, junk rows and broken lines added)
never crash the import and never write part of one: the database is unchanged unless the result
has no errors, and a written extract, imported again, changes nothing."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

from extract_files import db_state, new_database, valid_rows, write_folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ncpi_desktop.exchange.extract import TABLES, ExtractUnusable
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.storage.database import make_engine

NAMES = list(TABLES)
TOMORROW = (date.today() + timedelta(days=1)).isoformat()
INTERESTING = [
    "", " ", "indefinite", "31/02/2017", "29/02/2016", "2017-02-29", "1/1/2017", "0", "1", "0.5",
    "1.5", "-1", "2", "24", "25", "2.0", "yes", "no", "maybe", "TRUE", "R1", "R2", "R99", "OM1",
    "OM2", "OM9", "community", "custody", "very high", "Very-High", "low", "female", "SHPO",
    "no_access", "nan", "inf", "1e400", "1e300", "9999-12-31", "0001-01-01", TOMORROW,
    "2017-01-01", "\x00", '"', '"unclosed', "a,b", "line\nbreak", "=1+1", "\ufeff", "é",
]
cell = st.one_of(st.sampled_from(INTERESTING), st.text(max_size=12))
table = st.sampled_from(NAMES)
index = st.integers(min_value=0, max_value=40)
mutation = st.one_of(
    st.tuples(st.just("edit"), table, index, index, cell),
    st.tuples(st.just("edit header"), table, index, cell),
    st.tuples(st.just("drop column"), table, index),
    st.tuples(st.just("drop file"), table),
    st.tuples(st.just("copy row"), table, index),
    st.tuples(st.just("junk row"), table, st.lists(cell, max_size=25)),
    st.tuples(st.just("broken line"), table, st.text(max_size=40)),
)


def apply(mutations) -> tuple[dict[str, list[list[str]]], dict[str, str]]:
    """The valid extract as header + rows per file, mutated; raw text to append per file."""
    files = {name: [list(rows[0])] + [list(r.values()) for r in rows]
             for name, rows in valid_rows().items()}
    tails: dict[str, str] = {}
    for kind, name, *args in mutations:
        if name not in files:
            continue
        grid = files[name]
        if kind == "edit" and len(grid) > 1:
            row = grid[1 + args[0] % (len(grid) - 1)]
            if row:
                row[args[1] % len(row)] = args[2]
        elif kind == "edit header" and grid[0]:
            grid[0][args[0] % len(grid[0])] = args[1]
        elif kind == "drop column" and grid[0]:
            position = args[0] % len(grid[0])
            for row in grid:
                if position < len(row):
                    del row[position]
        elif kind == "drop file":
            del files[name]
        elif kind == "copy row" and len(grid) > 1:
            grid.append(list(grid[1 + args[0] % (len(grid) - 1)]))
        elif kind == "junk row":
            grid.append(args[0])
        elif kind == "broken line":
            tails[name] = tails.get(name, "") + args[0] + "\r\n"
    return files, tails


def write(folder: Path, files, tails) -> Path:
    folder.mkdir()
    for name, grid in files.items():
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(grid)
        text = buffer.getvalue() + tails.get(name, "")
        (folder / f"{name}.csv").write_bytes(text.encode("utf-8", "surrogatepass"))
    return folder


_loaded: list[Path] = []


def loaded_copy(folder: Path) -> Path:
    """A database holding the valid extract (imported once, copied for each example)."""
    if not _loaded:
        base = Path(tempfile.mkdtemp(prefix="ncpi-loaded-"))
        engine = new_database(base / "loaded.sqlite3")
        assert import_extract(engine, write_folder(base / "valid"), actor="t").written
        engine.dispose()
        _loaded.append(base / "loaded.sqlite3")
    shutil.copyfile(_loaded[0], folder / "db.sqlite3")
    return folder / "db.sqlite3"


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=6))
def test_a_mutated_extract_never_crashes_and_never_writes_part_of_itself(mutations):
    files, tails = apply(mutations)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = make_engine(loaded_copy(folder))
        try:
            before = db_state(engine)
            extract = write(folder / "extract", files, tails)
            try:
                result = import_extract(engine, extract, actor="t")
            except ExtractUnusable:
                assert not files, "only an extract with none of its files is unusable"
                assert db_state(engine) == before
                return
            if result.errors:
                assert not result.written
                assert db_state(engine) == before
                return
            assert result.written
            # Written as a whole: importing the same extract again finds nothing to change.
            again = import_extract(engine, extract, actor="t", check=True)
            assert again.errors == []
            assert all(c.added == 0 and c.updated == 0 for c in again.counts.values())
            assert again.holder_changes == 0
        finally:
            engine.dispose()
