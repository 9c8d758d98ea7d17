"""Crash reports: what an unexpected error leaves behind, with nothing personal in it.

The command line (exit status 70) and the window's exception hook both call ``report_crash``:
it writes one report file, readable by its owner only (0600), in the user's log folder
(``platformdirs.user_log_dir``: on Linux ``~/.local/state/ncpi-desktop/log``), or in the
temporary folder when that cannot be written, and returns the one line to show the user.

A report's first line is the protective marking (``MARKING``, as on every file the application
writes). It carries the traceback's frames (file, line, function and the line of code) and, for each
error, its type and a scrubbed message. It never carries a value from the register: no local
variables are captured; an error's message is cut to its first line (a database error's to the
driver's first line, so neither the SQL statement, its parameters nor PostgreSQL's DETAIL line,
which quotes the failing row, are kept), and quoted text and dates in it are replaced by ``…``,
except for errors about the code itself (a missing attribute, name or module), whose quoted text
names code. Exception notes are left out.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
import traceback
from datetime import datetime
from pathlib import Path

from ncpi_desktop.domain.security import MARKING

APP = "ncpi-desktop"
#: Errors whose message names code (attributes, names, modules), never data: kept as they are.
CODE_ERRORS: tuple[type[BaseException], ...] = (
    AttributeError, NameError, ImportError, NotImplementedError, RecursionError)
#: Quoted text ('Smith', "Smith") and dates (1980-01-01, 01/01/1980) in a message.
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}")
#: Longest message kept, in characters.
MESSAGE_CHARS = 200
#: Errors of a chain (cause, context) written at most.
CHAIN_DEPTH = 8


def crash_folder() -> Path:
    """Where crash reports go: the user's log folder for the application."""
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP, appauthor=False))


def safe_message(error: BaseException) -> str:
    """An error's message with nothing from the data in it: see the module's docstring."""
    source = getattr(error, "orig", None) or error  # SQLAlchemy: the driver's own error
    text = str(source).strip()
    text = text.splitlines()[0].strip() if text else ""
    if not isinstance(error, CODE_ERRORS):
        text = _QUOTED.sub("…", text)
    if len(text) > MESSAGE_CHARS:
        text = text[:MESSAGE_CHARS] + "…"
    return text


def _chain(error: BaseException) -> list[BaseException]:
    """The error and those it came from, oldest first (as Python prints them)."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen and len(chain) < CHAIN_DEPTH:
        chain.append(current)
        seen.add(id(current))
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__suppress_context__:
            current = None
        else:
            current = current.__context__
    return chain[::-1]


def safe_traceback(error: BaseException) -> str:
    """The traceback of ``error`` and of the errors it came from: frames without locals, each
    error's type and ``safe_message``."""
    parts: list[str] = []
    for i, item in enumerate(_chain(error)):
        if i:
            parts.append("\nThe error above led to this one:\n\n")
        frames = traceback.extract_tb(item.__traceback__)  # no locals: capture_locals is off
        if frames:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.StackSummary.from_list(frames).format())
        kind = type(item)
        message = safe_message(item)
        parts.append(f"{kind.__module__}.{kind.__qualname__}"
                     + (f": {message}\n" if message else "\n"))
    return "".join(parts)


def report_text(error: BaseException, where: str) -> str:
    """The whole report: what ran, where, when, and ``safe_traceback``."""
    from ncpi_desktop import __version__

    return (f"{MARKING}\n"
            f"{APP} {__version__} crash report\n"
            f"when: {datetime.now().astimezone().isoformat(timespec='seconds')}\n"
            f"where: {where}\n"
            f"python: {platform.python_version()} on {platform.platform()}\n"
            f"error: {type(error).__name__}\n"
            "No value from the register is in this report: no local variables, no SQL "
            "parameters; messages are cut to one line, with quoted text and dates shown as "
            "'…'.\n\n"
            + safe_traceback(error))


def write_report(text: str) -> Path:
    """Write ``text`` to a new file readable by its owner only, in ``crash_folder()`` or else
    the temporary folder; returns its path. Raises ``OSError`` when neither can be written."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"crash-{stamp}-{os.getpid()}"
    try:
        folder = crash_folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".txt", dir=folder)
    except OSError:
        descriptor, path = tempfile.mkstemp(prefix=f"{APP}-{name}-", suffix=".txt")
    # mkstemp creates the file 0600 (owner only), whatever the umask.
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    return Path(path)


def report_crash(error: BaseException, where: str) -> str:
    """Write a crash report for ``error`` and return the one line to show the user:
    ``unexpected error (TypeError); report written to PATH``."""
    kind = type(error).__name__
    try:
        path = write_report(report_text(error, where))
    except Exception as failed:  # noqa: BLE001 - the report is a courtesy; the line must come
        return f"unexpected error ({kind}); no report could be written ({type(failed).__name__})"
    return f"unexpected error ({kind}); report written to {path}"


def print_crash(error: BaseException, where: str) -> None:
    """``report_crash`` and print its line on standard error, as the command line does."""
    line = report_crash(error, where)
    if sys.stderr is not None:
        print(f"{APP}: {line}", file=sys.stderr)
