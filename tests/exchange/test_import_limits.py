"""Issue 12, limits: an extract over a limit is refused within seconds, with one line naming the
file, the limit and the value, nothing written and memory bounded (IMPORT-FORMAT.md "Limits").

The bombs are built here by streaming compression of generators (a few hundred KB on disk); the
ones refused by the default limits are run through ``ncpi-desktop import`` in a child process,
whose peak memory is measured (``CHILD``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from extract_files import csv_text, db_state, new_database, valid_rows, write_folder, write_zip

from ncpi_desktop.cli import main
from ncpi_desktop.exchange.extract import read_extract
from ncpi_desktop.exchange.importer import import_extract
from ncpi_desktop.exchange.limits import DEFAULT_LIMITS, ImportLimits, LimitExceeded

ROOT = Path(__file__).resolve().parents[2]
#: What a refusal may cost at most, the interpreter and its libraries included (they take
#: about 110 MB; a refusal measured 110 to 140 MB).
REFUSAL_PEAK_MB = 300
#: How long a refusal may take, on a loaded machine.
REFUSAL_SECONDS = 20
MB = 1024 * 1024


def zip_of(path: Path, members: dict[str, Iterable[bytes]]) -> Path:
    """A zip whose members are written from generators, compressed as they stream."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, chunks in members.items():
            with archive.open(name, "w", force_zip64=True) as member:
                for chunk in chunks:
                    member.write(chunk)
    return path


def header_then(table: str, rows: Iterable[bytes]) -> Iterator[bytes]:
    """The valid extract's ``table`` (header and rows), then ``rows``."""
    yield csv_text(valid_rows()[table]).encode()
    yield from rows


def repeated(data: bytes, total: int) -> Iterator[bytes]:
    """``data`` over and over, ``total`` bytes in all, a megabyte or so at a time."""
    block = data * max(1, MB // len(data))
    left = total
    while left > 0:
        yield block[:left]
        left -= len(block)


def bomb(path: Path, table: str, rows: Iterable[bytes]) -> Path:
    """A zip of the valid extract with ``table`` followed by ``rows``."""
    members: dict[str, Iterable[bytes]] = {
        f"{name}.csv": [csv_text(r).encode()] for name, r in valid_rows().items()}
    members[f"{table}.csv"] = header_then(table, rows)
    return zip_of(path, members)


def refused(engine, source, limits: ImportLimits) -> str:
    """Import ``source`` within ``limits``: assert it is refused, over a limit, with nothing
    written; the one line it gives."""
    before = db_state(engine)
    with pytest.raises(LimitExceeded) as caught:
        import_extract(engine, source, actor="tester", limits=limits)
    assert db_state(engine) == before
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture
def engine(tmp_path):
    engine = new_database(tmp_path / "register.sqlite3")
    yield engine
    engine.dispose()


# --- the bombs of the issue --------------------------------------------------------------------

@pytest.fixture(scope="module")
def newline_bomb(tmp_path_factory) -> Path:
    """200 million newlines after the offenders' rows: 200 MB in a zip of a few hundred KB."""
    path = bomb(tmp_path_factory.mktemp("bombs") / "newlines.zip", "offenders",
                repeated(b"\n", 200_000_000))
    assert path.stat().st_size < 1_000_000
    return path


#: ``ncpi-desktop import`` in a child, then its peak memory as the kernel counts it for the
#: program itself (``VmHWM``: ``getrusage``'s ``ru_maxrss`` would include the memory of the test
#: process the child was forked from).
CHILD = """
import sys
from ncpi_desktop.cli import main
status = main(sys.argv[1:])
try:
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(int(peak.split()[1]) / 1024)
except OSError:  # no /proc: the kernel's count, the parent's memory at the fork included
    import resource
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
sys.exit(status)
"""


def _run_child(extract: Path, db: Path, *options: str) -> tuple[int, str, float, float]:
    """``ncpi-desktop import`` in a child process: exit status, stderr, seconds, peak MB."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", CHILD, "import", str(extract), "--db", str(db),
                            *options],
                           capture_output=True, text=True, env=env, cwd=db.parent, timeout=300)
    seconds = time.perf_counter() - started
    return child.returncode, child.stderr, seconds, float(child.stdout.splitlines()[-1])


def test_a_zip_of_200_million_newlines_is_refused_in_seconds_within_bounded_memory(
        newline_bomb, tmp_path):
    db = tmp_path / "register.sqlite3"
    status, err, seconds, peak = _run_child(newline_bomb, db)

    assert status == 2
    assert err.splitlines() == [
        "ncpi-desktop: offenders.csv: more than 5,000,000 rows (limit: 5,000,000 rows per "
        "file; --max-rows changes it)"]
    assert not db.exists()
    assert seconds < REFUSAL_SECONDS
    assert peak < REFUSAL_PEAK_MB, f"peak memory {peak:.0f} MB"
    print(f"refused in {seconds:.1f} s, peak memory {peak:.0f} MB")


def test_a_huge_field_in_a_streamed_file_is_refused_as_it_arrives(tmp_path):
    """190 MB in one name, compressed to a few hundred KB: refused at its first megabyte."""
    name = bomb(tmp_path / "name.zip", "offenders",
                [b"R9,Smith,", *repeated(b"A", 190 * MB),
                 b",1970-01-01,male,East,,,custody,,,,2010-01-01,,,,,,no\r\n"])
    db = tmp_path / "register.sqlite3"
    status, err, seconds, peak = _run_child(name, db)

    assert status == 2
    assert err.splitlines() == [
        "ncpi-desktop: offenders.csv line 7: a line of more than 1,024,768 bytes, more than a "
        "row of 256 columns of 1,000 characters can hold (limit: 1,000 characters per value; "
        "--max-field-chars changes it)"]
    assert not db.exists()
    assert seconds < REFUSAL_SECONDS
    assert peak < REFUSAL_PEAK_MB, f"peak memory {peak:.0f} MB"
    print(f"refused in {seconds:.1f} s, peak memory {peak:.0f} MB")


def test_200_mb_of_repeated_rows_is_refused_at_the_byte_limit(tmp_path):
    """The issue's 200 MB of repeated rows (which printed 5.4 million errors), against a byte
    limit lowered to 20 MB so that the test runs fast."""
    row = csv_text([valid_rows()["visits"][0]]).encode().split(b"\r\n", 1)[1]
    path = bomb(tmp_path / "rows.zip", "visits", repeated(row, 200 * MB))
    db = tmp_path / "register.sqlite3"
    status, err, seconds, peak = _run_child(path, db, "--max-file-bytes", str(20 * MB),
                                            "--max-rows", "100000000")

    assert status == 2
    assert err.splitlines() == [
        "ncpi-desktop: visits.csv in rows.zip: declares 209,715,334 bytes after decompression "
        "(limit: 20,971,520 bytes per file after decompression; --max-file-bytes changes it)"]
    assert not db.exists()
    assert seconds < REFUSAL_SECONDS
    assert peak < REFUSAL_PEAK_MB, f"peak memory {peak:.0f} MB"
    print(f"refused in {seconds:.1f} s, peak memory {peak:.0f} MB")


def test_a_member_is_counted_as_it_is_decompressed_whatever_it_declares(engine, tmp_path,
                                                                        monkeypatch):
    """The declared sizes are checked first, but not trusted: the stream itself is counted."""
    import ncpi_desktop.exchange.extract as extract_module

    monkeypatch.setattr(extract_module, "check_archive", lambda *args, **kwargs: None)
    row = csv_text([valid_rows()["visits"][0]]).encode().split(b"\r\n", 1)[1]
    path = bomb(tmp_path / "rows.zip", "visits", repeated(row, 200 * MB))
    started = time.perf_counter()
    assert refused(engine, path, replace(DEFAULT_LIMITS, file_bytes=20 * MB)) == (
        "visits.csv: more than 20,971,520 bytes (limit: 20,971,520 bytes per file after "
        "decompression; --max-file-bytes changes it)")
    assert time.perf_counter() - started < REFUSAL_SECONDS


def test_a_file_in_a_folder_is_counted_as_it_is_read(engine, tmp_path):
    folder = write_folder(tmp_path / "x")
    with (folder / "visits.csv").open("ab") as visits:
        for chunk in repeated(b"V9,R1,2017-01-01,completed,2\r\n", 3 * MB):
            visits.write(chunk)
    assert refused(engine, folder, replace(DEFAULT_LIMITS, file_bytes=2 * MB)) == (
        "visits.csv: more than 2,097,152 bytes (limit: 2,097,152 bytes per file after "
        "decompression; --max-file-bytes changes it)")


def test_a_zip_of_repeated_rows_is_refused_at_the_row_limit(engine, tmp_path):
    """The issue's 95 KB zip of repeated rows (accepted, using 2.7 GB), against a row limit."""
    row = b"V1,R1,2017-01-01,completed,2\r\n"
    path = bomb(tmp_path / "rows.zip", "visits", repeated(row, len(row) * 3_000_000))
    assert path.stat().st_size < 500_000
    started = time.perf_counter()
    message = refused(engine, path, replace(DEFAULT_LIMITS, rows=1_000_000))
    assert time.perf_counter() - started < REFUSAL_SECONDS
    assert message == ("visits.csv: more than 1,000,000 rows (limit: 1,000,000 rows per file; "
                       "--max-rows changes it)")


# --- each limit ---------------------------------------------------------------------------------

def test_the_defaults_are_the_documented_ones():
    assert ImportLimits() == DEFAULT_LIMITS == ImportLimits(
        file_bytes=512 * MB, total_bytes=1024 * MB, rows=5_000_000, columns=256,
        field_chars=1_000, name_chars=200, errors=1_000)
    doc = (ROOT / "docs" / "IMPORT-FORMAT.md").read_text()
    for option in ("--max-file-bytes", "--max-total-bytes", "--max-rows", "--max-columns",
                   "--max-field-chars", "--max-name-chars", "--max-errors"):
        assert option in doc
    with pytest.raises(ValueError, match="rows must be at least 1"):
        ImportLimits(rows=0)


def test_a_file_with_one_row_too_many_is_refused_and_one_at_the_limit_is_not(engine, tmp_path):
    folder = write_folder(tmp_path / "x")
    assert import_extract(engine, folder, actor="t", check=True,
                          limits=replace(DEFAULT_LIMITS, rows=5)).ok
    assert refused(engine, folder, replace(DEFAULT_LIMITS, rows=4)) == (
        "offenders.csv: more than 4 rows (limit: 4 rows per file; --max-rows changes it)")


def test_blank_lines_count_as_rows(engine, tmp_path):
    folder = write_folder(tmp_path / "x", raw={
        "arms.csv": b"rso_id,completed_on,outcome\n" + b"\n" * 100})
    assert refused(engine, folder, replace(DEFAULT_LIMITS, rows=50)) == (
        "arms.csv: more than 50 rows (limit: 50 rows per file; --max-rows changes it)")


def test_the_whole_extract_has_a_byte_limit(engine, tmp_path):
    folder = write_folder(tmp_path / "x")
    total = sum(p.stat().st_size for p in folder.iterdir())
    message = refused(engine, folder, replace(DEFAULT_LIMITS, total_bytes=total - 1))
    assert message.startswith(f"x: more than {total - 1:,} bytes after decompression (reached "
                              "in ")
    assert message.endswith(f"(limit: {total - 1:,} bytes of the whole extract after "
                            "decompression; --max-total-bytes changes it)")


def test_a_zip_member_declaring_more_than_the_limit_is_refused_before_it_is_read(engine,
                                                                                 tmp_path):
    path = write_zip(tmp_path / "x.zip")
    size = zipfile.ZipFile(path).getinfo("offenders.csv").file_size
    assert refused(engine, path, replace(DEFAULT_LIMITS, file_bytes=size - 1)) == (
        f"offenders.csv in x.zip: declares {size:,} bytes after decompression (limit: "
        f"{size - 1:,} bytes per file after decompression; --max-file-bytes changes it)")


def test_a_long_value_in_a_row_too_wide_is_over_the_limit_not_a_traceback(engine, tmp_path):
    """Such a row is read by the forgiving reader, which stops at 131,072 characters."""
    folder = write_folder(tmp_path / "x", raw={
        "arms.csv": b"rso_id,completed_on,outcome\nR1,2017-01-01,low," + b"x" * 200_000 + b"\n"})
    assert refused(engine, folder, DEFAULT_LIMITS) == (
        "arms.csv: a value of more than 131,072 characters (limit: 1,000 characters per value; "
        "--max-field-chars changes it)")


def test_a_record_of_short_lines_joined_by_quoted_line_breaks_is_bounded(engine, tmp_path):
    """Each line within the limits, but one record longer than any row can be."""
    joined = b'R2,"' + b"abcdefgh\n" * 40 + b'",low\n'
    folder = write_folder(tmp_path / "x", raw={
        "arms.csv": b"rso_id,completed_on,outcome\nR1,2017-01-01,low,wide\n" + joined})
    limits = replace(DEFAULT_LIMITS, columns=3, field_chars=10)
    assert refused(engine, folder, limits) == (
        "arms.csv: a row of more than 129 characters (limit: 10 characters per value; "
        "--max-field-chars changes it)")


def test_a_file_read_in_chunks_is_utf8_across_them_and_its_bad_byte_found(engine, tmp_path):
    from ncpi_desktop.exchange.intake import CHUNK

    header = b"rso_id,completed_on,outcome\n"
    line = b"R1,2017-01-01,low\n"
    lines = (CHUNK - len(header) - 5) // len(line)
    pad = CHUNK - len(header) - lines * len(line) - 5  # "é" straddles the first chunk's end
    data = header + line * lines + b"R1,2" + b"0" * pad + "é".encode() + b"\n"
    assert data.index("é".encode()) == CHUNK - 1
    data += line * 10 + b"R1,\xff,low\n"
    folder = write_folder(tmp_path / "x", raw={"arms.csv": data})
    result = import_extract(engine, folder, actor="t", check=True)
    assert [str(i) for i in result.errors] == [
        f"arms.csv: is not UTF-8 text (byte 0xff on line {lines + 13} is not UTF-8); save it as "
        '"CSV UTF-8"']


def test_too_many_columns_are_refused(engine, tmp_path):
    tables = valid_rows()
    for n in range(10):
        tables["arms"][0][f"extra{n}"] = "x"
    folder = write_folder(tmp_path / "x", tables)
    assert refused(engine, folder, replace(DEFAULT_LIMITS, columns=12)) == (
        "arms.csv: 13 columns (limit: 12 columns per file; --max-columns changes it)")


def test_a_workbook_over_a_limit_is_refused(engine, tmp_path):
    from extract_files import write_workbook

    path = write_workbook(tmp_path / "x.xlsx")
    assert refused(engine, path, replace(DEFAULT_LIMITS, rows=4)) == (
        "sheet offenders: more than 4 rows (limit: 4 rows per file; --max-rows changes it)")
    assert refused(engine, path, replace(DEFAULT_LIMITS, columns=5)).startswith(
        "sheet managers row 1: more than 5 columns (limit: 5 columns per file;")
    message = refused(engine, path, replace(DEFAULT_LIMITS, file_bytes=1_000))
    assert message.startswith("part ") and " in x.xlsx: declares " in message


# --- errors listed ------------------------------------------------------------------------------

def test_only_the_first_errors_are_listed_then_one_line_counts_the_rest(tmp_path, capsys):
    """The issue's 5.4 million error lines: now the first 1,000 and "and N more"."""
    row = valid_rows()["visits"][0]
    rows = [dict(row, visit_id=f"V{n}", visited_on="not a date") for n in range(2_500)]
    tables = valid_rows()
    tables["visits"] = rows
    db = tmp_path / "r.sqlite3"
    engine = new_database(db)
    before = db_state(engine)
    assert main(["import", str(write_folder(tmp_path / "bad", tables)), "--db", str(db)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 1_001
    assert lines[0] == ('visits.csv row 2, column visited_on: "not a date" is not a date '
                        "(expected YYYY-MM-DD or DD/MM/YYYY)")
    assert lines[999].startswith("visits.csv row 1001, column visited_on:")
    assert lines[1_000] == "bad: and 1,500 more errors, not listed (only the first 1,000 are)"
    assert captured.err.splitlines() == [
        "ncpi-desktop: 2,500 error(s) in bad; nothing was imported"]
    assert db_state(engine) == before
    engine.dispose()


def test_the_errors_listed_are_the_first_in_file_and_row_order(engine, tmp_path):
    tables = valid_rows()
    tables["visits"] = [dict(tables["visits"][0], visit_id=f"V{n}", outcome="x", officers="0")
                        for n in range(30)]
    tables["managers"][3]["fte"] = "9"
    result = import_extract(engine, write_folder(tmp_path / "x", tables), actor="t",
                            limits=replace(DEFAULT_LIMITS, errors=5))
    assert [str(i) for i in result.errors] == [
        'managers.csv row 5, column fte: "9" is out of range (expected a decimal number, '
        "0 < fte <= 1)",
        'visits.csv row 2, column outcome: "x" is not a known outcome (expected one of '
        "completed, no_access)",
        'visits.csv row 2, column officers: "0" is out of range (expected a whole number of '
        "at least 1)",
        'visits.csv row 3, column outcome: "x" is not a known outcome (expected one of '
        "completed, no_access)",
        'visits.csv row 3, column officers: "0" is out of range (expected a whole number of '
        "at least 1)",
        "x: and 56 more errors, not listed (only the first 5 are)"]
    assert result.error_count == 61 and not result.written


def test_the_limit_options_of_the_import_command(tmp_path, capsys):
    folder = write_folder(tmp_path / "x")
    db = tmp_path / "r.sqlite3"
    new_database(db).dispose()
    assert main(["import", str(folder), "--db", str(db), "--max-rows", "4"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "ncpi-desktop: offenders.csv: more than 4 rows (limit: 4 rows per file; --max-rows "
        "changes it)"]
    with pytest.raises(SystemExit) as exited:
        main(["import", str(folder), "--db", str(db), "--max-rows", "0"])
    assert exited.value.code == 2
    assert main(["import", str(folder), "--db", str(db), "--max-rows", "5",
                 "--max-errors", "1,000"]) == 0


def test_read_extract_takes_limits(tmp_path):
    folder = write_folder(tmp_path / "x")
    assert read_extract(folder).limits == DEFAULT_LIMITS
    assert read_extract(folder, ImportLimits(rows=10)).limits.rows == 10
    with pytest.raises(LimitExceeded):
        read_extract(folder, ImportLimits(rows=1))
