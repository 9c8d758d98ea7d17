"""The audit log's costs on a SQLite file: one row appended in its own transaction (what the
window's consultation and disclosure rows cost, written off the GUI thread for that reason), a
row naming a national register's RSOs (a report, an extract export), and verifying the chain.

    .venv/bin/python benchmarks/bench_audit.py [--rows N]

Prints the median of each, in milliseconds, on a new database in a temporary folder.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ncpi_desktop.storage import audit  # noqa: E402 - after the path is set
from ncpi_desktop.storage.database import open_database  # noqa: E402

#: RSO ids a caseload list names (a manager's RSOs) and a national register holds.
LIST_IDS = [f"R{n:06d}" for n in range(60)]
NATIONAL_IDS = [f"R{n:06d}" for n in range(60_000)]


def median_ms(work, times: int) -> float:  # noqa: ANN001 - any callable
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000,
                        help="rows in the log verified (default 10,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_database(Path(folder) / "audit.sqlite3", create=True)
        one = median_ms(lambda: audit.record(engine, "om001", "consultation", "list shown",
                                             LIST_IDS, {"list": "Caseload", "rows": 60}), 100)
        national = median_ms(lambda: audit.record(engine, "analyst", "disclosure", "report",
                                                  NATIONAL_IDS), 5)
        with engine.begin() as connection:
            for _ in range(args.rows - 105):
                audit.append(connection, "om001", "consultation", "list shown", LIST_IDS)
        verify = median_ms(lambda: audit.verify(engine), 3)
        engine.dispose()
    print(f"append one row (60 RSO ids), own transaction: {one:.1f} ms")
    print(f"append one row naming {len(NATIONAL_IDS):,} RSOs: {national:.0f} ms")
    print(f"verify {args.rows:,} rows: {verify:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
