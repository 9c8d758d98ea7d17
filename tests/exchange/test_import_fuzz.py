"""Guards: whatever an extract holds, ``ncpi-desktop import`` ends cleanly and all or nothing.

Hypothesis draws a plan of mutations of a small valid extract (fuzz_extracts.py: columns
dropped, duplicated or swapped, cells holding control characters or huge text, rows deleted or
repeated, duplicate ids, files truncated, emptied, renamed, re-encoded or with bytes that are not
UTF-8, odd members in a .zip, odd sheets in a workbook, the .zip or .xlsx itself with a byte
flipped or cut short) and runs ``ncpi-desktop import`` on it, in this process, against a copy of
a database that already holds the valid extract. Every run must:

- print no traceback and end with exit status 0 (imported), 1 (validation errors) or 2 (not an
  extract); never an exception out of ``main``, never 70 (an unexpected error);
- on a refusal (1 or 2) leave the database exactly as it was (its logical dump is unchanged) and
  say why in one line on standard error;
- list at most the first 1,000 errors (then "and N more"), so a huge file cannot flood the
  terminal.

The suite runs a fixed (derandomized) set of examples in well under a minute; ``make fuzz``
draws many more, at random (``NCPI_FUZZ_EXAMPLES``). Plans that once failed stay as
``@example``s.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import os
import shutil
import sqlite3
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

from extract_files import new_database, write_folder
from fuzz_extracts import PLANS, write_plan
from hypothesis import HealthCheck, example, given, settings

from ncpi_desktop.cli import main
from ncpi_desktop.exchange.importer import import_extract

#: Errors listed before "and N more" (issue 12, part 1), with room for warnings and the summary.
MOST_LINES = 1_000 + 100
FUZZ_EXAMPLES = int(os.environ.get("NCPI_FUZZ_EXAMPLES") or 0)
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
if FUZZ_EXAMPLES:
    BUDGET = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                      print_blob=True, suppress_health_check=SLOW)
else:
    # About 20 s on 2 cores; a deadline far above one example's time catches an import that
    # hangs or balloons without making a busy machine fail the suite.
    BUDGET = settings(max_examples=600, deadline=timedelta(seconds=20), derandomize=True,
                      database=None, suppress_health_check=SLOW)

_loaded: list[Path] = []


def loaded_copy(folder: Path) -> Path:
    """A copy of a database holding the valid extract (imported once per run)."""
    if not _loaded:
        base = Path(tempfile.mkdtemp(prefix="ncpi-fuzz-"))
        atexit.register(shutil.rmtree, base, True)
        engine = new_database(base / "loaded.sqlite3")
        assert import_extract(engine, write_folder(base / "valid"), actor="t").written
        engine.dispose()
        _loaded.append(base / "loaded.sqlite3")
    shutil.copyfile(_loaded[0], folder / "db.sqlite3")
    return folder / "db.sqlite3"


def dump_hash(path: Path) -> str:
    """The database's logical dump (every table's schema and rows), hashed."""
    connection = sqlite3.connect(path)
    try:
        digest = hashlib.sha256()
        for line in connection.iterdump():
            if line.startswith('INSERT INTO "audit"') and "'access'" in line:
                continue  # every command's sign-in and sign-out, not a write of its own
            digest.update(line.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()
    finally:
        connection.close()


def integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()


def run_import(extract: Path, db: Path) -> tuple[int, str, str]:
    """``ncpi-desktop import EXTRACT --db DB`` in this process: its exit status and output.

    Python warnings are what the command would print as they are (not errors, as the suite's
    configuration makes them); an exception out of ``main`` is the traceback a user would see.
    """
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            status = main(["import", str(extract), "--db", str(db)])
        except SystemExit as exc:  # argparse's own refusals
            status = exc.code
    return status, out.getvalue(), err.getvalue()


# Inputs that once ended in a traceback (issue 12), each the smallest found:
# a byte flipped in a deflated member's data (zlib.error) or an LZMA one's (LZMAError);
@example(("zip", [], [], [("flip", 42, 2)]))
@example(("zip", [], [], [("compress", "lzma"), ("flip", 80, 0x01)]))
# a chartsheet with no chart (AttributeError inside openpyxl);
@example(("xlsx", [("chartsheet", "History")], [], []))
# an XML part of the workbook emptied (ParseError while the workbook opens);
@example(("xlsx", [], [("truncate", 1, 0)], []))
# an external entity in a worksheet (ParseError when defusedxml is not installed);
@example(("xlsx", [], [("xml", 3, "sheet external")], []))
# a row wider than the header, so the forgiving CSV reader meets a 200,000-character field
# (csv.Error: field larger than field limit);
@example(("folder", [("junk row", "arms", ["a", "b", "c", "d"]),
                     ("edit", "arms", 0, 0, "x" * 200_000)], [], []))
# 3,000 repeated rows: 3,000 duplicate ids, every one listed.
@example(("folder", [("repeat row", "offenders", 0, 3000)], [], []))
# Odd members: a second offenders.csv in a .zip; a second extract in a folder beside it.
@example(("zip", [], [("add", "offenders.csv", 0)], []))
@example(("zip", [], [("add", "extract/offenders.csv", 1)], []))
# Accepted though impossible (issue 12): they must still end in 0, 1 or 2 and all or nothing.
@example(("folder", [("edit", "offenders", 0, 1, "x" * 200_000)], [], []))
@example(("folder", [("edit", "offenders", 0, 0, "R\x001")], [], []))
@example(("folder", [("edit", "offenders", 1, 0, "r1")], [], []))
@example(("folder", [("edit", "offenders", 0, 3, "0000-01-01")], [], []))
@example(("folder", [("edit", "offenders", 0, 12, "2999-01-01")], [], []))
@BUDGET
@given(PLANS)
def test_any_extract_imports_or_is_refused_cleanly_and_wholly(plan):
    with tempfile.TemporaryDirectory(prefix="ncpi-fuzz-") as tmp:
        folder = Path(tmp)
        db = loaded_copy(folder)
        before = dump_hash(db)
        extract = write_plan(folder, plan)

        status, out, err = run_import(extract, db)

        assert "Traceback" not in out + err
        assert status in (0, 1, 2), f"exit {status}: {err[-500:]}"
        assert len(out.splitlines()) <= MOST_LINES, "every error listed, without a bound"
        assert integrity(db) == "ok"
        if status:
            assert dump_hash(db) == before, f"refused (exit {status}) but the database changed"
            assert err.startswith("ncpi-desktop: ") and err.count("\n") == 1, \
                f"a refusal is one line on standard error, not {err[:500]!r}"
