"""The register stored in its own database for the next start: read back it gives exactly the
frames (and so the figures) a read of the tables gives; a blob of it that is damaged or was
made by other code is refused."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import Register, copy_database, signed_in_engine
from register_copy import (
    AS_AT,
    assert_frames_equal,
    assert_snapshots_equal,
    awkward,
    frames_of,
    fresh_frames,
    loaded,
    store,
    version,
)
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.storage import register_store, snapshot
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.register_store import (
    frame_from_bytes,
    frame_to_bytes,
)

LANCASHIRE_AS_AT = date(2017, 10, 9)

# --- registers ------------------------------------------------------------------------------------

@pytest.fixture
def lancashire_copy(lancashire_path: Path, tmp_path: Path) -> Engine:
    """The session's Lancashire demo, copied so that it may be written."""
    path = copy_database(lancashire_path, tmp_path / "lancashire.sqlite3")
    engine = signed_in_engine(path)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = awkward().write(tmp_path / "awkward.sqlite3")
    yield engine
    engine.dispose()


# --- the round trip ---------------------------------------------------------------------------

def test_the_lancashire_register_comes_back_from_the_store_exactly(lancashire_copy) -> None:
    engine = lancashire_copy
    expected = fresh_frames(engine)
    register = store(engine)
    back = loaded(engine)
    assert back is not None and back.source == "store" and register.source == "tables"
    assert back.version == register.version == version(engine)
    assert_frames_equal(frames_of(back), expected)
    with engine.connect() as connection:
        assert back.policy == snapshot.load_policy(connection)


def test_a_start_from_the_store_shows_the_figures_a_read_of_the_tables_shows(
        lancashire_copy) -> None:
    engine = lancashire_copy
    first = RegisterCache()
    full_snapshot(engine, LANCASHIRE_AS_AT, cache=first)
    assert first.source == "tables"
    assert first.store(engine)
    assert not first.store(engine), "stored already: nothing to do"

    restarted = RegisterCache()
    for as_at in (LANCASHIRE_AS_AT, date(2016, 10, 1)):
        cached = full_snapshot(engine, as_at, cache=restarted)
        assert restarted.source == "store"
        expected = full_snapshot(engine, as_at)
        assert_snapshots_equal(cached, expected)
        assert build_report(compute_figures(cached)) == build_report(compute_figures(expected))
    assert not restarted.store(engine), "a register from the store is not stored again"
    registers_only = RegisterCache()
    assert_snapshots_equal(load_snapshot(engine, AS_AT, loaders={},
                                         cache=registers_only),
                           load_snapshot(engine, AS_AT, loaders={}))


def test_nulls_empty_strings_and_any_text_come_back_exactly(engine) -> None:
    expected = fresh_frames(engine)
    assert len(expected["decisions"]) == 0
    rsos = expected["rsos"].set_index("rso_id")
    assert rsos.loc["R2", "given_names"] == "A\x00B" and rsos.loc["R1", "neighbourhood"] == ""
    assert pd.isna(rsos.loc["R2", "neighbourhood"])
    store(engine)
    back = loaded(engine)
    assert back is not None
    assert_frames_equal(frames_of(back), expected)
    # One string object per distinct value (as a "label" column read from the tables has).
    status = back.rsos["status"].to_numpy(object)
    assert len({id(value) for value in status}) == len(set(status)) == 1
    cache = RegisterCache()
    assert_snapshots_equal(full_snapshot(engine, AS_AT, cache=cache), full_snapshot(engine, AS_AT))
    assert cache.source == "store"


def test_an_empty_register_round_trips(tmp_path) -> None:
    engine = Register().write(tmp_path / "empty.sqlite3")
    expected = fresh_frames(engine)
    store(engine)
    back = loaded(engine)
    assert back is not None
    assert_frames_equal(frames_of(back), expected)


def test_every_column_kind_round_trips_and_others_are_refused() -> None:
    label = pd.array(np.array(["low", "high", "low", None], dtype=object), dtype="str")
    frame = pd.DataFrame({
        "text": pd.array(["", None, "ß😀", "a\x00b"], dtype="str"),
        "label": label,
        "int": np.array([1, -2, 2**62, 0], dtype=np.int64),
        "float": np.array([0.1, np.nan, -0.0, np.inf]),
        "flag": np.array([True, False, True, False]),
        "day": np.array(["2017-10-09", "NaT", "1900-01-01", "2100-12-31"],
                        dtype="datetime64[s]"),
        "nullable": pd.array([1, None, 3, None], dtype="Int64"),
        "nothing": np.full(4, None, dtype=object),
    })
    back = frame_from_bytes(frame_to_bytes(frame))
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back["nothing"].tolist() == [None] * 4
    empty = frame.iloc[:0].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame_from_bytes(frame_to_bytes(empty)), empty,
                                  check_exact=True)
    # Never stored (never pickled): objects, categories, a frame with its own index.
    assert frame_to_bytes(pd.DataFrame({"x": np.array([1, "a"], dtype=object)})) is None
    assert frame_to_bytes(pd.DataFrame({"x": pd.Categorical(["a", "b"])})) is None
    assert frame_to_bytes(frame.set_index("int")) is None


@pytest.mark.parametrize("damage", [
    lambda blob: blob[:len(blob) // 2],
    lambda blob: blob[:100] + bytes([blob[100] ^ 1]) + blob[101:],
    lambda blob: blob[:-50] + bytes(46) + blob[-4:],
    lambda blob: b"",
    lambda blob: b"PK\x03\x04 not ours",
], ids=["cut", "bit", "zeroed", "empty", "foreign"])
def test_a_damaged_blob_is_refused(damage) -> None:
    frame = pd.DataFrame({"a": pd.array(["x", "y"] * 50, dtype="str"),
                          "b": np.arange(100, dtype=np.int64)})
    with pytest.raises(ValueError):
        frame_from_bytes(damage(frame_to_bytes(frame)))


def test_a_blob_with_any_bit_flipped_is_refused_or_gives_the_same_frame() -> None:
    """Damage anywhere in a blob is found (each array's CRC-32, the archive's structure) or
    lies in a part that says nothing of the frame (a field the archive repeats): a damaged copy
    never gives other values, and damage to the arrays themselves is always found."""
    frame = pd.DataFrame({"a": pd.array(["x", None, "yz"] * 10, dtype="str"),
                          "b": np.arange(30, dtype=np.int64),
                          "c": pd.array([1, None, 3] * 10, dtype="Int64")})
    blob = frame_to_bytes(frame)
    arrays: set[int] = set()  # where the stored arrays are, each from its header on
    for member in zipfile.ZipFile(io.BytesIO(blob)).infolist():
        offset = member.header_offset
        name_length, extra_length = struct.unpack("<HH", blob[offset + 26:offset + 30])
        start = offset + 30 + name_length + extra_length
        arrays.update(range(start, start + member.file_size))
    refused: set[int] = set()
    for position in range(len(blob)):
        damaged = blob[:position] + bytes([blob[position] ^ 0x10]) + blob[position + 1:]
        try:
            back = frame_from_bytes(damaged)
        except ValueError:
            refused.add(position)
            continue
        pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert arrays <= refused


def test_a_foreign_copy_is_refused_on_its_headers_before_any_blob_is_checked(
        engine, monkeypatch) -> None:
    """Each blob's header names the code that made it: a copy made by other code is refused
    having read (and checked the CRC of) nothing but those headers, not its (for a national
    register, some 25 MB of) blobs."""
    store(engine)
    with engine.connect() as connection:
        blobs = connection.execute(text("SELECT data FROM register_cache")).scalars().all()
    members = [zipfile.ZipFile(io.BytesIO(blob)).infolist() for blob in blobs]
    everything = sum(member.file_size for blob in members for member in blob)
    headers = sum(member.file_size for blob in members for member in blob
                  if member.filename == "header.npy")
    checked: list[int] = []
    crc32 = zipfile.crc32

    def counting_crc32(data, *args):  # noqa: ANN001, ANN202 - stands in for zlib.crc32
        checked.append(len(data))
        return crc32(data, *args)

    monkeypatch.setattr(zipfile, "crc32", counting_crc32)
    assert loaded(engine) is not None
    assert sum(checked) >= everything, "a current copy: every blob is checked"
    checked.clear()
    monkeypatch.setattr(register_store, "recipe", lambda: "another version of the code")
    assert loaded(engine) is None
    assert 0 < sum(checked) <= headers < everything / 4


def test_the_store_adds_nothing_heavy_to_start_up() -> None:
    heavy = ("sqlmodel", "pydantic", "alembic", "scipy")
    probe = ("import sys; import ncpi_desktop.storage.register_store; "
             f"print([m for m in {heavy!r} if m in sys.modules])")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == "[]"
