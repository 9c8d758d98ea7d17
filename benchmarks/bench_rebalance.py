"""Issue 4 benchmark: a proposal for every BCU of a national-scale register, under 5 s in total;
issue 13 adds the same within ``--max-moves`` (``MAX_MOVES`` per BCU), also under 5 s, with the
curve of what each move buys (computed with every proposal).

Uses ``bench-out/national.sqlite3`` when it exists (the national demo profile), else a synthetic
register of the same size built directly as frames: 100,000 RSOs, 2,000 offender managers.

    .venv/bin/python benchmarks/bench_rebalance.py [DB_PATH] [--synthetic] [--bcus N]
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ncpi_desktop.analysis.caseload import manager_figures, rso_caseload
from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.analysis.rebalance import Proposal, propose
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.snapshot import Snapshot

DEFAULT_DB = Path("bench-out/national.sqlite3")
TARGET_SECONDS = 5.0
#: The budget per BCU the ``--max-moves`` figure is timed with.
MAX_MOVES = 50
#: Targets by row name (the first row's is ``TARGET_SECONDS``).
TARGETS = {f"rebalance all BCUs, --max-moves {MAX_MOVES}": TARGET_SECONDS}


def synthetic_snapshot(rsos: int = 100_000, managers: int = 2_000, bcus: int = 43,
                       seed: int = 4) -> Snapshot:
    """A national-size register with uneven caseloads, high-risk clusters, pools and part-timers.

    43 BCUs by default (the national demo profile has one per force); teams of about 7.
    """
    rng = np.random.default_rng(seed)
    manager_ids = np.array([f"M{i:05d}" for i in range(managers)], dtype=object)
    bcu_of = np.sort(rng.integers(0, bcus, managers))
    team_of = np.array([f"B{b:03d} T{i // 7}" for i, b in enumerate(bcu_of)], dtype=object)
    manager_frame = pd.DataFrame({
        "manager_id": manager_ids, "name": manager_ids,
        "bcu": [f"B{b:03d}" for b in bcu_of], "team": team_of,
        "fte": rng.choice([1.0, 1.0, 1.0, 0.8, 0.6, 0.5], managers),
        "role": "offender_manager", "active": True,
    })
    # Uneven load: a lognormal weight per manager; some hold a high-risk cluster.
    weight = rng.lognormal(0.0, 0.35, managers) * manager_frame["fte"].to_numpy()
    holder = rng.choice(managers, rsos, p=weight / weight.sum())
    high_bias = np.where(rng.random(managers) < 0.15, 0.35, 0.12)[holder]
    u = rng.random(rsos)
    risk = np.where(u < high_bias * 0.03, "very_high",
                    np.where(u < high_bias, "high",
                             np.where(u < 0.55, "medium", "low"))).astype(object)
    status = rng.choice(["community", "custody", "abroad", "missing"], rsos,
                        p=[0.77, 0.2, 0.02, 0.01]).astype(object)
    pooled = rng.random(rsos) < 0.01
    manager_id = np.where(pooled, None, manager_ids[holder]).astype(object)
    rso_frame = pd.DataFrame({
        "rso_id": [f"R{i:06d}" for i in range(rsos)],
        "home_bcu": manager_frame["bcu"].to_numpy()[holder],
        "home_team": team_of[holder],
        "team": np.where(pooled, team_of[holder], None).astype(object),
        "status": status, "risk_level": risk, "management": "active",
        "manager_id": manager_id, "sex": "male",
        "date_of_birth": pd.Timestamp("1970-01-01"),
    })
    rso_frame["team"] = rso_frame["team"].where(pooled, team_of[holder])
    arms = pd.DataFrame({"rso_id": pd.Series(dtype=object),
                         "completed_on": pd.Series(dtype="datetime64[s]"),
                         "outcome": pd.Series(dtype=object)})
    return Snapshot(as_at=date(2024, 3, 31), policy=Policy(), managers=manager_frame,
                    rsos=rso_frame, arms=arms)


def _load(db_path: Path | None, synthetic: bool, bcus: int) -> tuple[Snapshot, str]:
    path = db_path or DEFAULT_DB
    if not synthetic and path.exists():
        from ncpi_desktop.storage.database import DatabaseError, open_database
        from ncpi_desktop.storage.load import load_snapshot
        try:
            engine = open_database(path)
            return load_snapshot(engine, date.today()), str(path)
        except DatabaseError as exc:
            print(f"rebalance: {exc}; using synthetic frames instead")
    return synthetic_snapshot(bcus=bcus), "synthetic frames"


def _figures(snapshot: Snapshot, origin: str) -> Figures:
    """What the application holds when a supervisor asks for a proposal."""
    if origin != "synthetic frames":
        return compute_figures(snapshot)
    rsos = rso_caseload(snapshot)
    policy = snapshot.policy
    managers = manager_figures(rsos, snapshot.managers, policy)
    empty = pd.DataFrame()
    return Figures(snapshot=snapshot, rsos=rsos, managers=managers, teams=empty, bcus=empty,
                   force=empty)


def _timed(source: Figures | Snapshot, max_moves: int | None = None
           ) -> tuple[Proposal, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    proposal = propose(source, scope="bcu", max_moves=max_moves)
    return proposal, time.perf_counter() - wall, time.process_time() - cpu


def bench_rebalance(db_path: str | Path | None = None, *, synthetic: bool = False,
                    bcus: int = 43) -> list[tuple[str, float, str]]:
    """(name, value, unit) rows for the bench runner; also prints moves / bound per BCU.

    Times the proposal from the figures the application already holds (the target), and from a
    bare snapshot (adds the per-RSO caseload frame), in wall-clock and CPU seconds.
    """
    snapshot, origin = _load(Path(db_path) if db_path else None, synthetic, bcus)
    figures = _figures(snapshot, origin)
    proposal, seconds, cpu = _timed(figures)
    _, from_snapshot, _ = _timed(snapshot)
    within, within_seconds, within_cpu = _timed(figures, MAX_MOVES)
    groups = proposal.groups
    print(f"rebalance: {len(snapshot.rsos):,} RSOs, {len(snapshot.managers):,} managers "
          f"({origin}); {len(groups)} BCUs in {seconds:.2f} s ({cpu:.2f} s CPU; target "
          f"{TARGET_SECONDS:g} s); {from_snapshot:.2f} s from a bare snapshot")
    for row in groups.itertuples(index=False):
        short = "" if row.feasible else (
            " short: no FTE fixes the mix" if pd.isna(row.fte_short)
            else f" short {row.fte_short:.2f} FTE")
        if row.level_mode:  # levelled: its own plan's bound, and the level it reached
            print(f"  {row.group}: {row.moves} moves / bound {row.moves_lower_bound} levelled "
                  f"{row.highest_per_fte_before:.1f} -> {row.highest_per_fte_after:.1f} per FTE "
                  f"(lowest reachable {row.lowest_reachable:.1f}){short} [{row.status}]")
        else:
            print(f"  {row.group}: {row.moves} moves / bound {row.lower_bound}"
                  f"{'' if row.feasible else ' infeasible'}{short} [{row.status}]")
    limited = within.groups[within.groups["limited"]]
    print(f"rebalance --max-moves {MAX_MOVES}: {within_seconds:.2f} s ({within_cpu:.2f} s CPU); "
          f"{len(limited)} BCUs held to the budget, {len(within.moves):,} moves; highest "
          f"{within.groups['highest_per_fte_after'].max():.1f} per FTE (lowest reachable "
          f"{within.groups['lowest_reachable'].max():.1f}); curve "
          + ", ".join(f"{n}: {v:.1f}" for n, v in zip(proposal.curve["moves"],
                                                      proposal.curve["highest_per_fte"],
                                                      strict=True)))
    return [
        ("rebalance all BCUs", seconds, "s"),
        ("rebalance all BCUs, CPU", cpu, "s"),
        ("rebalance all BCUs from a snapshot", from_snapshot, "s"),
        ("rebalance moves", float(len(proposal.moves)), "moves"),
        ("rebalance lower bound", float(proposal.lower_bound), "moves"),
        ("rebalance moves lower bound, levelled BCUs included",
         float(proposal.groups["moves_lower_bound"].sum()), "moves"),
        ("rebalance infeasible BCUs", float((~groups["feasible"]).sum()), "BCUs"),
        (f"rebalance all BCUs, --max-moves {MAX_MOVES}", within_seconds, "s"),
        (f"rebalance all BCUs, --max-moves {MAX_MOVES}, CPU", within_cpu, "s"),
        (f"rebalance --max-moves {MAX_MOVES}: BCUs held to it", float(len(limited)), "BCUs"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db", nargs="?", default=None)
    parser.add_argument("--synthetic", action="store_true", help="ignore any database")
    parser.add_argument("--bcus", type=int, default=43, help="BCUs of the synthetic register")
    args = parser.parse_args()
    for name, value, unit in bench_rebalance(args.db, synthetic=args.synthetic, bcus=args.bcus):
        print(f"{name}: {value:.3f} {unit}")


if __name__ == "__main__":
    main()
