"""Keeping a solver's own printing off standard output, where ``rebalance --json`` prints its
document: the command line's concern, so analysis never touches the process's streams."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def solver_chatter_to_stderr() -> Iterator[None]:
    """Inside this block, anything printed (the solver too) goes to standard error.

    HiGHS 1.12 (bundled with scipy) now and then ``printf``s a diagnostic line
    ("...transformNewIntegerFeasibleSolution tmpSolver.run();") straight to the process's standard
    output, whatever its options say; ``rebalance --json`` proposes inside this block so that the
    document it prints there stays valid.
    """
    stdout_fd, stderr_fd = 1, 2  # C's stdout and stderr, whatever sys.stdout is
    try:
        os.fstat(stdout_fd)
        os.fstat(stderr_fd)
    except OSError:  # no standard streams (a windowed application)
        yield
        return
    sys.stdout.flush()
    saved = os.dup(stdout_fd)
    try:
        os.dup2(stderr_fd, stdout_fd)
        yield
    finally:
        sys.stdout.flush()
        _flush_c_stdio()
        os.dup2(saved, stdout_fd)
        os.close(saved)


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers, so solver output buffered inside the block leaves by stderr."""
    import ctypes

    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, TypeError, AttributeError):  # no C library by that route (Windows)
        pass
