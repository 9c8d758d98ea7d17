"""Guards: a write killed with SIGKILL leaves the database whole and either wholly before or
wholly after the write, never between.

``ncpi-desktop import`` (an extract of the Lancashire demo with 2,000 RSOs changed, 800 added
and 3,200 visits added) and ``ncpi-desktop rebalance --apply`` (a hundred or so moves) each run
once to the end, to learn the state after and how long its write takes (while SQLite's journal
is there); then each runs again seven times in a subprocess and is killed with SIGKILL at
moments spread over its write: as soon as the journal appears, at shares of the write's time,
and after it should have committed. After each kill, ``PRAGMA integrity_check`` must say ok and
the register's tables must equal either the state before or the state after. At least one kill
per command must land inside its write (the journal is still there), or the test proves
nothing.

Runs in about 30 seconds on 2 cores. Not on Windows (no SIGKILL).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from builders import plain_copy

import ncpi_desktop
from ncpi_desktop.exchange.export import export_extract
from ncpi_desktop.storage.database import make_engine

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

#: When a run is killed, after its journal appears, as a share of the complete run's write
#: (0: at once; past 1: most likely after the commit, before the process ends).
KILL_AT = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.5)
#: The derived copy of the register, rewritten by reads: not part of the data.
NOT_DATA = {"register_cache"}
#: The moment a row was written (a column, or inside the audit's detail), which differs
#: between two runs of one command.
WRITTEN_AT = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:?\d\d)?")
#: The audit chain's hashes, which cover those moments.
AUDIT_HASH = re.compile(r"[0-9a-f]{64}")
AS_AT = "2017-10-09"
ENOUGH = 120  # seconds: a run that takes longer has hung


@dataclass(frozen=True)
class Case:
    """A command run against a copy of ``base``; the register before and after it."""

    base: Path
    args: tuple[str, ...]
    before: dict[str, str]
    after: dict[str, str]
    write: float  # seconds the complete run's write took


def register_state(path: Path) -> dict[str, str]:
    """Each table of the register as one hash of its rows, the times they were written (and
    the audit hashes over them) left out."""
    connection = sqlite3.connect(path)
    try:
        names = [n for (n,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name") if n not in NOT_DATA]
        state = {}
        for name in names:
            # Signing in and out are audited (access rows): not part of the command's write.
            where = " WHERE kind != 'access'" if name == "audit" else ""
            rows = sorted(AUDIT_HASH.sub("<hash>", WRITTEN_AT.sub("<time>", repr(row)))
                          for row in connection.execute(f'SELECT * FROM "{name}"{where}'))
            state[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        return state
    finally:
        connection.close()


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check``; opening the file first rolls back a killed write's journal."""
    connection = sqlite3.connect(path)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def command(args: tuple[str, ...], db: Path) -> list[str]:
    return [sys.executable, "-m", "ncpi_desktop", *args, "--db", str(db)]


def environment() -> dict[str, str]:
    """This process's environment, with this checkout first on PYTHONPATH."""
    root = str(Path(ncpi_desktop.__file__).resolve().parents[1])
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths),
            "QT_QPA_PLATFORM": "offscreen"}


def run_to_the_end(args: tuple[str, ...], base: Path, db: Path) -> tuple[dict[str, str], float]:
    """Run the command on a copy of the base to its end: the register after it, and how long
    its write took (from the journal's first appearance to its last disappearance)."""
    shutil.copyfile(base, db)
    journal = db.with_name(db.name + "-journal")
    process = subprocess.Popen(command(args, db), env=environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    first = last = None
    deadline = time.monotonic() + ENOUGH
    while process.poll() is None and time.monotonic() < deadline:
        if journal.exists():
            last = time.monotonic()
            first = first or last
        time.sleep(0.0002)
    _, err = process.communicate(timeout=ENOUGH)
    assert process.returncode == 0, err
    assert first is not None, "the command wrote nothing"
    return register_state(db), last - first


def run_and_kill(case: Case, db: Path, after: float) -> bool:
    """Run the command on a copy of the base, kill it ``after`` seconds after its journal
    appears; True when the kill landed inside the write (the journal was still there)."""
    shutil.copyfile(case.base, db)
    journal = db.with_name(db.name + "-journal")
    process = subprocess.Popen(command(case.args, db), env=environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + ENOUGH
    try:
        while not journal.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                return False  # finished (or hung) before it wrote: no kill in a write
            time.sleep(0.0002)
        if after:
            time.sleep(after)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=ENOUGH)
        return process.returncode == -signal.SIGKILL and journal.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def check_kills(case: Case, tmp_path: Path) -> None:
    assert case.before != case.after, "the command changes nothing: the test would prove nothing"
    inside = 0
    for number, share in enumerate(KILL_AT):
        after = share * case.write
        db = tmp_path / f"killed-{number}.sqlite3"
        inside += run_and_kill(case, db, after)
        assert integrity(db) == "ok", f"killed {after}s into the write"
        state = register_state(db)
        assert state in (case.before, case.after), (
            f"killed {after}s into the write: tables neither before nor after: "
            f"{sorted(t for t in state if state[t] not in (case.before[t], case.after[t]))}")
        db.unlink()
    assert inside, "no kill landed inside the write"


def changed_extract(base: Path, folder: Path) -> Path:
    """The base's register exported, with 2,000 RSOs renamed or moved to another manager of
    their team, 800 new RSOs and 3,200 new visits: an import that takes a moment to write."""
    engine = make_engine(base)
    try:
        export_extract(engine, folder)
    finally:
        engine.dispose()
    managers = read_csv(folder / "managers.csv")
    team_of = {m["manager_id"]: m["team"] for m in managers}
    holders: dict[str, list[str]] = {}
    for m in managers:
        if m["role"] == "offender_manager" and m["active"] == "yes":
            holders.setdefault(m["team"], []).append(m["manager_id"])
    offenders = read_csv(folder / "offenders.csv")
    for number, rso in enumerate(offenders[:2000]):
        team = holders.get(team_of.get(rso["manager_id"], ""), [])
        if number % 2 and len(team) > 1:
            rso["manager_id"] = team[(team.index(rso["manager_id"]) + 1) % len(team)]
        else:
            rso["given_names"] += " Changed"
    new = [{**rso, "rso_id": f"N{number:04d}"} for number, rso in enumerate(offenders[:800])]
    visits = read_csv(folder / "visits.csv")
    visits += [{**visit, "visit_id": f"NV{number:06d}", "rso_id": new[number % 800]["rso_id"]}
               for number, visit in enumerate(visits[:3200])]
    write_csv(folder / "offenders.csv", offenders + new)
    write_csv(folder / "visits.csv", visits)
    return folder


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert handle.readline().strip() == "OFFICIAL-SENSITIVE"  # the export's marking line
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def base(lancashire_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain copy of the session's Lancashire demo (read here with ``sqlite3``), which the
    commands never touch."""
    return plain_copy(lancashire_path, tmp_path_factory.mktemp("killed") / "base.sqlite3")


def test_a_killed_import_leaves_the_register_before_or_after(base, tmp_path):
    extract = changed_extract(base, tmp_path / "extract")
    args = ("import", str(extract))
    case = Case(base, args, register_state(base),
                *run_to_the_end(args, base, tmp_path / "complete.sqlite3"))
    check_kills(case, tmp_path)


def test_a_killed_rebalance_apply_leaves_the_register_before_or_after(base, tmp_path):
    args = ("rebalance", "--as-at", AS_AT, "--apply", "--reason", "kill test")
    case = Case(base, args, register_state(base),
                *run_to_the_end(args, base, tmp_path / "complete.sqlite3"))
    check_kills(case, tmp_path)
