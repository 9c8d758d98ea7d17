"""Issue 18 benchmark: a what-if scenario's figures (``analysis.scenario.scenario_figures``).

For one database, as at a date: the snapshot is read once (as the window holds it), then for
each scenario the time to its complete figures (target 1 s nationally), from today's figures
(as the window holds them: only what the steps touch is computed again) and from the snapshot
alone (as ``report``/``pack --scenario`` do). The scenarios: "move every eligible RSO to
reactive" and "add one offender manager" (to the first team). Today's ``compute_figures`` is
measured beside them, as the yardstick.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_scenario.py DB_PATH [--as-at DATE]

Wall seconds are the figures (best of 3); the process's CPU seconds for that run are in the
notes (other work on the machine slows the first, not the second).
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

#: Target on the 2-core reference machine (issue 18, part 5), by row name.
TARGET_SECONDS = 1.0
REACTIVE = "scenario figures: every eligible RSO to reactive"
ADD_MANAGER = "scenario figures: add one offender manager"
TARGETS = {name: TARGET_SECONDS for name in (REACTIVE, ADD_MANAGER, f"{REACTIVE}, every RSO "
             "computed", f"{ADD_MANAGER}, every RSO computed")}
RUNS = 3


def bench_scenario(db_path: str | Path, as_at: date | None = None
                   ) -> list[tuple[str, float, str]]:
    """(name, seconds, note) rows for ``db_path`` as at ``as_at`` (default today)."""
    from ncpi_desktop.actions.snapshots import full_snapshot
    from ncpi_desktop.analysis.figures import compute_figures
    from ncpi_desktop.analysis.scenario import Scenario, Step, scenario_figures
    from ncpi_desktop.storage.database import open_database

    engine = open_database(db_path)
    try:
        snapshot = full_snapshot(engine, as_at or date.today())
    finally:
        engine.dispose()
    first = snapshot.managers.iloc[0]
    scenarios = {
        REACTIVE: Scenario("reactive", (Step("reactive_all_eligible", {}),)),
        ADD_MANAGER: Scenario("one more", (Step("add_manager", {
            "team": str(first["team"]), "bcu": str(first["bcu"]), "fte": 1.0}),)),
    }

    def best(work: object) -> tuple[float, float]:
        runs = []
        for _ in range(RUNS):
            wall, cpu = time.perf_counter(), time.process_time()
            work()  # type: ignore[operator]
            runs.append((time.perf_counter() - wall, time.process_time() - cpu))
        return min(runs)

    rows: list[tuple[str, float, str]] = []
    wall, cpu = best(lambda: compute_figures(snapshot))
    rows.append(("figures of today (compute_figures)", wall,
                 f"CPU {cpu:.2f} s; {len(snapshot.rsos):,} RSOs, {len(snapshot.managers):,} "
                 f"managers"))
    today = compute_figures(snapshot)
    for name, scenario in scenarios.items():
        wall, cpu = best(lambda s=scenario: scenario_figures(snapshot, s, today))
        rows.append((name, wall, f"CPU {cpu:.2f} s; from today's figures, as the window "
                                 f"holds them; best of {RUNS}"))
        wall, cpu = best(lambda s=scenario: scenario_figures(snapshot, s))
        rows.append((f"{name}, every RSO computed", wall, f"CPU {cpu:.2f} s; from the "
                     f"snapshot alone (report, pack); best of {RUNS}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db")
    parser.add_argument("--as-at", type=date.fromisoformat, default=None)
    args = parser.parse_args()
    for name, seconds, note in bench_scenario(args.db, args.as_at):
        target = TARGETS.get(name)
        print(f"{name}: {seconds:.3f} s" + (f" (target {target:g} s)" if target else "")
              + f"; {note}")


if __name__ == "__main__":
    main()
