"""Exit statuses of the command line, and how an error no command handled becomes one.

0 done; 1 validation errors or a change refused by a rule; 2 unusable input (a damaged file, a
database that cannot be opened or written, an output that cannot be written, a failed sign-in),
said in one line with what to do; 3 not permitted for the signed-in user (role or scope), the
line naming the rule; 70 an unexpected error, said in one line naming its crash report
(``ncpi_desktop.crash``); 130 interrupted (Ctrl+C); 141 the reader of standard output stopped
early (``| head``): the command ends quietly, with the status a shell gives a command ended by
SIGPIPE (Python's own 1 would read as "validation errors").
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNUSABLE = 2
EXIT_NOT_PERMITTED = 3
EXIT_UNEXPECTED = 70  # EX_SOFTWARE (sysexits.h)
EXIT_INTERRUPTED = 128 + 2  # SIGINT
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE
#: An operating system's refusals that say the place is unusable (a full disk, a read-only or
#: forbidden folder, a folder that is not there), rather than that the program is wrong.
UNWRITABLE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES,
                               errno.EPERM, errno.ENOENT, errno.ENOTDIR, errno.EISDIR})


class Unusable(Exception):
    """Input the command cannot use, said in one line (exit 2): a command raises it where a
    return status cannot reach (a sign-in with no password, say)."""


def say(message: str, status: int) -> int:
    """Print ``ncpi-desktop: message`` on standard error and return ``status``."""
    print(f"ncpi-desktop: {message}", file=sys.stderr)
    return status


def failure_status(error: Exception, target: str | Path | None, where: str) -> int:
    """The one line and the exit status for ``error``, which no command handled: 2 for a
    database or an output that cannot be used or a failed sign-in, 3 for what the user may not
    do, 1 for a change to the users that cannot be made, else 70 with a crash report."""
    from sqlalchemy.exc import SQLAlchemyError

    from ncpi_desktop.crash import print_crash
    from ncpi_desktop.domain.security import NotPermitted
    from ncpi_desktop.exchange.export import ExportError
    from ncpi_desktop.exchange.extract import ExtractUnusable
    from ncpi_desktop.storage.database import DatabaseError, cannot_write_error
    from ncpi_desktop.storage.keys import KeyFileError
    from ncpi_desktop.storage.users import SignInRefused, UserError

    if isinstance(error, NotPermitted):
        return say(str(error), EXIT_NOT_PERMITTED)
    if isinstance(error, UserError):
        return say(str(error), EXIT_INVALID)
    if isinstance(error, DatabaseError | ExportError | ExtractUnusable | SignInRefused
                  | KeyFileError | Unusable):
        return say(str(error), EXIT_UNUSABLE)
    if isinstance(error, SQLAlchemyError):
        refused = cannot_write_error(error, target)
        if refused is not None:
            return say(str(refused), EXIT_UNUSABLE)
    if isinstance(error, OSError) and error.errno in UNWRITABLE_ERRNOS:
        place = f" {error.filename}" if error.filename else ""
        return say(f"cannot use{place}: {error.strerror}; choose another place or free some "
                   f"space, then try again", EXIT_UNUSABLE)
    print_crash(error, where)
    return EXIT_UNEXPECTED


def quiet_broken_pipe() -> int:
    """The reader of standard output went away: end quietly. Standard output is pointed at the
    null device so the interpreter's last flush does not fail again (the Python documentation's
    "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real descriptor (captured in a test)
        pass
    return EXIT_BROKEN_PIPE
