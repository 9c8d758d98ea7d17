"""What every benchmark script shares: where the repository and ``bench-out/`` are, and running
a command to its end in a fresh process, measured (wall and CPU seconds, peak memory).

``run.py`` and ``bench_import.py`` both import this (and neither imports the other).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-out"
#: ``make bench``'s own script, which also measures in a fresh process (``--measure``, ``--child``).
RUN = Path(__file__).resolve().parent / "run.py"


@dataclass
class Measured:
    """A finished child process: its output, wall time and peak memory."""

    status: int
    seconds: float
    cpu_seconds: float
    peak_mb: float
    stdout: str
    stderr: str


def run_measured(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` to the end; its wall time and peak resident memory (with its children)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT, text=True)
        _, wait_status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(wait_status)
        out.seek(0)
        err.seek(0)
        return Measured(process.returncode, seconds, usage.ru_utime + usage.ru_stime,
                        usage.ru_maxrss / 1024, out.read(), err.read())
