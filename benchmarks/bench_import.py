"""Issue 5 benchmark: importing a national-profile extract, beside ``sqlite3``'s own ``.import`` of
the same CSV files (target: within 3x of it, and under 60 s), with peak memory.

    .venv/bin/python benchmarks/bench_import.py [DB_PATH]

The extract is DB_PATH (default ``bench-out/national.sqlite3``) exported once with
``export_extract`` to ``bench-out/<name>-extract/``, and exported again only when the database or
the export code changes. Then, each in a fresh process: the ``sqlite3`` command line's
``.mode csv`` + ``.import --skip 1`` of the five files into plain tables of a new database (no
types, keys or indexes: the floor any import of these files stands on), and ``import_extract``
into a new, migrated, empty database (the migration is not timed). Wall and CPU seconds are both
given: on a shared, loaded machine the wall time says what a user waits and the CPU time what
the work costs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import OUT, ROOT, run_measured

from ncpi_desktop.domain.security import MARKING

DEFAULT_DB = OUT / "national.sqlite3"
TARGET_SECONDS = 60.0
TARGET_RATIO = 3.0
FILES = ("managers", "offenders", "visits", "arms", "orders")


def _stamp(db_path: Path) -> str:
    """What the exported extract was made from: the database file and the export code."""
    digest = hashlib.sha256()
    stat = db_path.stat()
    digest.update(f"{db_path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    for name in ("export.py", "extract.py"):
        digest.update((ROOT / "ncpi_desktop" / "exchange" / name).read_bytes())
    return digest.hexdigest()[:16]


def extract_folder(db_path: Path) -> tuple[Path, str]:
    """The CSV extract of ``db_path`` (exported in a fresh process unless the one made before
    is current) and a note saying which."""
    folder = db_path.with_name(db_path.stem + "-extract")
    record = folder / ".exported.json"
    stamp = _stamp(db_path)
    if record.exists() and json.loads(record.read_text()).get("stamp") == stamp:
        return folder, "extract reused"
    shutil.rmtree(folder, ignore_errors=True)
    result = run_measured([sys.executable, __file__, "--export", str(db_path), str(folder)])
    if result.status != 0:
        raise RuntimeError("export failed: " + (result.stderr.strip().splitlines() or ["?"])[-1])
    record.write_text(json.dumps({"stamp": stamp, "seconds": result.seconds,
                                  "cpu": result.cpu_seconds}))
    return folder, f"extract exported in {result.seconds:.0f} s"


def _sqlite3_script(folder: Path) -> list[str]:
    """Plain tables named by each file's header, then ``.import`` of each file (past its
    OFFICIAL-SENSITIVE line and its header)."""
    commands: list[str] = []
    skips: dict[str, int] = {}
    for name in FILES:
        path = folder / f"{name}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows)
            marked = header[:1] == [MARKING]  # the marking line exports start with
            if marked:
                header = next(rows)
        skips[name] = 2 if marked else 1
        commands.append(f"CREATE TABLE {name} ({', '.join(header)});")
    commands.append(".mode csv")
    commands += [f".import --skip {skips[n]} {folder / f'{n}.csv'} {n}" for n in skips]
    return commands


def sqlite3_import(folder: Path, work: Path) -> dict[str, float]:
    """``sqlite3``'s own import of the extract's CSV files: wall and CPU seconds, peak MB."""
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        raise RuntimeError("the sqlite3 command line is not installed")
    db = work / "sqlite3-import.sqlite3"
    db.unlink(missing_ok=True)
    result = run_measured([sqlite3, str(db), *_sqlite3_script(folder)])
    if result.status != 0:
        raise RuntimeError("sqlite3 .import failed: " + result.stderr.strip())
    db.unlink(missing_ok=True)
    return {"seconds": result.seconds, "cpu": result.cpu_seconds, "peak_mb": result.peak_mb}


def application_import(folder: Path, work: Path) -> dict[str, Any]:
    """``import_extract`` of the extract into a new, empty database, in a fresh process."""
    db = work / "import.sqlite3"
    for old in work.glob("import.sqlite3*"):
        old.unlink()
    result = run_measured([sys.executable, __file__, "--child", str(folder), str(db)])
    for old in work.glob("import.sqlite3*"):
        old.unlink()
    if result.status != 0:
        raise RuntimeError("import failed: " + (result.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads(result.stdout.strip().splitlines()[-1]) | {"peak_mb": result.peak_mb}


def bench_import(db_path: str | Path = DEFAULT_DB) -> dict[str, Any]:
    """Both imports of ``db_path``'s extract: times, ratios, peak memory, the import's stages."""
    folder, note = extract_folder(Path(db_path))
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        work = Path(scratch)
        baseline = sqlite3_import(folder, work)
        ours = application_import(folder, work)
    return {"extract": str(folder), "extract_note": note, "sqlite3": baseline, "import": ours,
            "ratio_wall": ours["seconds"] / baseline["seconds"],
            "ratio_cpu": ours["cpu"] / baseline["cpu"]}


# --- the children -------------------------------------------------------------------------

def _export(db: str, folder: str) -> None:
    from ncpi_desktop.exchange.export import export_extract
    from ncpi_desktop.storage.database import open_database

    engine = open_database(db)
    try:
        export_extract(engine, folder)
    finally:
        engine.dispose()


def _child(folder: str, db: str) -> dict[str, Any]:
    """Time ``import_extract`` alone (not the interpreter's start or the migration), with the
    CPU seconds of each stage."""
    from ncpi_desktop.exchange.importer import import_extract
    from ncpi_desktop.storage.database import open_database

    open_database(db, create=True).dispose()
    engine = open_database(db)
    stages: dict[str, float] = {}
    last: list[Any] = [time.process_time(), None]

    def progress(_done: int, _total: int, what: str) -> None:
        now = time.process_time()
        if last[1] is not None:
            stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
        last[:] = [now, what.split(":")[0]]

    wall, cpu = time.perf_counter(), time.process_time()
    result = import_extract(engine, folder, actor="benchmark", progress=progress)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    engine.dispose()
    if not result.written:
        raise SystemExit(f"not written: {result.errors[:3]}")
    return {"seconds": wall, "cpu": cpu, "stages": stages,
            "rows": {name: c.added for name, c in result.counts.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", nargs="?", type=Path, default=DEFAULT_DB)
    parser.add_argument("--export", nargs=2, metavar=("DB", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export:
        _export(*args.export)
        return
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    if not args.db.exists():
        raise SystemExit(f"No database at {args.db}: make bench builds it")
    m = bench_import(args.db)
    s, i = m["sqlite3"], m["import"]
    print(f"{m['extract']} ({m['extract_note']}): {i['rows']}")
    print(f"sqlite3 .import   {s['seconds']:6.1f} s wall {s['cpu']:6.1f} s CPU "
          f"{s['peak_mb']:6.0f} MB")
    print(f"import_extract    {i['seconds']:6.1f} s wall {i['cpu']:6.1f} s CPU "
          f"{i['peak_mb']:6.0f} MB  (target < {TARGET_SECONDS:g} s)")
    print(f"ratio             {m['ratio_wall']:6.2f} x wall {m['ratio_cpu']:5.2f} x CPU "
          f"(target < {TARGET_RATIO:g}x)")
    print("stages (CPU s): " + ", ".join(f"{k} {v:.1f}" for k, v in i["stages"].items()
                                          if v >= 0.05))


if __name__ == "__main__":
    main()
