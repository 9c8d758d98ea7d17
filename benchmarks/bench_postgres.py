"""PostgreSQL beside SQLite on the same register (ISSUE 15: first paint and report within 1.5x of
SQLite's, import within 2x): the profile's extract imported into a new SQLite file and into a
new database of a throwaway PostgreSQL server (started as the tests start one,
``tests/postgres.py``), then, on each, in fresh processes, alternately, the best of ``RUNS``:

- import: ``import_extract`` of the extract into the new, empty database, timed alone;
- first paint: ``first_paint.py`` as the application starts, signing in included (SQLite: the
  register kept in the file by the start before, as a user's next start finds it; PostgreSQL
  reads its tables every time);
- report: ``ncpi-desktop report --json``, the whole command, signing in included.

Without PostgreSQL's server programs the rows say so and are skipped.

These rows alone, on the database ``make bench`` builds (built first if need be):

    python benchmarks/bench_postgres.py [PROFILE]     (default: national)
    python benchmarks/bench_postgres.py --import-child FOLDER TARGET
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_encryption import FIRST_PAINT, RUNS, _best, _first_paint, _import_seconds, _whole_run
from building import PROFILES, Context, build_database
from common import OUT, ROOT
from table import Row, print_table

sys.path.insert(0, str(ROOT / "tests"))
import postgres  # noqa: E402 - tests/postgres.py: the throwaway server the tests use

#: PostgreSQL's time over SQLite's at most (first paint and report; import).
READ_RATIO = 1.5
IMPORT_RATIO = 2.0


def postgresql(ctx: Context) -> list[Row]:
    """Import, first paint and report on SQLite and on PostgreSQL, with the ratios."""
    why = postgres.available()
    if why is not None:
        return [Row(ctx.profile, "PostgreSQL beside SQLite", None, "s", None,
                    f"skipped: {why}")]
    from bench_import import extract_folder

    folder, _note = extract_folder(ctx.db)
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as scratch, postgres.server() as url:
        targets = {"SQLite": str(Path(scratch) / "import.sqlite3"),
                   "PostgreSQL": url.rsplit("/", 1)[0] + "/bench"}
        imported = _best({kind: [sys.executable, __file__, "--import-child", str(folder), target]
                          for kind, target in targets.items()}, _import_seconds)
        as_at = ctx.as_at.isoformat() if ctx.as_at else ""
        paint = _best({k: [sys.executable, str(FIRST_PAINT), t] for k, t in targets.items()},
                      _first_paint)
        report = _best({k: [sys.executable, "-m", "ncpi_desktop", "report", "--json", "--db", t,
                            *(["--as-at", as_at] if as_at else [])]
                        for k, t in targets.items()}, _whole_run)
    return [*_rows(ctx, "import extract", imported, IMPORT_RATIO,
                   "import_extract into a new, empty database, timed alone"),
            *_rows(ctx, "first paint", paint, READ_RATIO,
                   "cold start after signing in (SQLite: its stored register)"),
            *_rows(ctx, "report --json", report, READ_RATIO,
                   "the whole command, signing in included")]


def _rows(ctx: Context, what: str, best: dict[str, tuple[float, float] | None], target: float,
          note: str) -> list[Row]:
    """Wall seconds of each (CPU in the note) and PostgreSQL's over SQLite's."""
    rows = [Row(ctx.profile, f"{what}, {kind}", None if got is None else got[0], "s", None,
                note if got is None else f"CPU {got[1]:.2f} s; {note}")
            for kind, got in best.items()]
    lite, pg = best["SQLite"], best["PostgreSQL"]
    ratio = pg[0] / lite[0] if lite and pg else None
    cpu = f"CPU {pg[1] / lite[1]:.2f}x; " if lite and pg else ""
    rows.append(Row(ctx.profile, f"{what}: PostgreSQL / SQLite", ratio, "x", target,
                    f"{cpu}best of {RUNS} each"))
    return rows


def import_child(folder: str, target: str) -> dict[str, Any]:
    """In a fresh process: a new, empty database (a PostgreSQL one made anew), the extract
    imported into it and timed alone, then the user the benchmarks sign in as."""
    from builders import add_test_user
    from sqlalchemy import create_engine, text

    from ncpi_desktop.exchange.importer import import_extract
    from ncpi_desktop.storage.database import open_database

    if target.startswith("postgresql"):
        base, name = target.rsplit("/", 1)
        admin = create_engine(base + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
    else:
        for old in Path(target).parent.glob(Path(target).name + "*"):
            old.unlink()
    open_database(target, create=True).dispose()
    engine = open_database(target)
    wall, cpu = time.perf_counter(), time.process_time()
    result = import_extract(engine, folder, actor="benchmark")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if not result.written:
        raise SystemExit(f"not written: {result.errors[:3]}")
    add_test_user(engine)
    engine.dispose()
    return {"seconds": wall, "cpu": cpu}


def alone(profile: str) -> None:
    """The profile's database as ``make bench`` builds it (reused when current), then these rows,
    printed as ``make bench`` prints them."""
    ctx = Context(profile, OUT / f"{profile}.sqlite3", rebuild=False)
    build_database(ctx)
    print_table(postgresql(ctx))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--import-child":
        print(json.dumps(import_child(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) <= 2 and (sys.argv[1:] or ["national"])[0] in PROFILES:
        alone((sys.argv[1:] or ["national"])[0])
    else:
        raise SystemExit(__doc__)
