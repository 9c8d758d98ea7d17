"""``selftest``: what a force's IT team runs to check an installation (README, "The one-folder
application").

In a temporary folder, removed afterwards, the installed application builds the Lancashire 2017
demo (encrypted, as ``demo`` makes it), signs in as the demo's ``manager``, builds the window
offscreen (``QT_QPA_PLATFORM=offscreen`` unless already set) and paints every page, writes the
performance pack as PDF and XLSX, and verifies the audit log. Each step prints one line, ``ok``
or ``FAIL`` and what it found; the first failure ends the run with status 1, naming the step.
Nothing is read from or written to the user's database or settings, and no connection is made.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ncpi_desktop.exits import EXIT_INVALID, EXIT_OK, say

PROFILE = "lancashire-2017"
#: Who the selftest signs in as: a demo user who sees every page (README, "Signing in").
SELFTEST_USER = "manager"
#: The fewest colours a painted page shows at ``ui.app.painted_colours``' points: a blank page
#: (or one that failed to paint) shows one or two.
PAINTED = 3


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "selftest", help="check this installation: build a temporary demo, sign in, open every "
                         "page offscreen, write a pack (exit 0 when every step passes)")


@dataclass
class _Run:
    """What the steps hand on to each other."""

    folder: Path
    path: Path = field(init=False)
    session: Any = None
    window: Any = None

    def __post_init__(self) -> None:
        self.path = self.folder / f"{PROFILE}.sqlite3"


def _demo(run: _Run) -> str:
    from ncpi_desktop.demo.build import build_demo
    from ncpi_desktop.storage.keys import keys_path

    counts = build_demo(run.path, PROFILE)
    if counts.get("rso", 0) == 0:
        raise RuntimeError("the demo holds no RSOs")
    if not keys_path(run.path).exists():
        raise RuntimeError("the demo has no key file beside it")
    if run.path.read_bytes()[:16] == b"SQLite format 3\x00":
        raise RuntimeError("the demo database is not encrypted")
    return f"{PROFILE}, {counts['rso']:,} RSOs, {counts['users']} users, encrypted"


def _sign_in(run: _Run) -> str:
    from ncpi_desktop.demo.users import DEMO_PASSWORD
    from ncpi_desktop.storage.users import sign_in

    run.session = sign_in(run.path, SELFTEST_USER, DEMO_PASSWORD)
    user = run.session.user
    return f"{user.user_name} ({', '.join(sorted(str(r.value) for r in user.roles))})"


def _window(run: _Run) -> str:
    from ncpi_desktop.demo.profiles import PROFILES
    from ncpi_desktop.ui.app import (
        application,
        build_window,
        quiet_offscreen_noise,
        use_settings_folder,
    )

    use_settings_folder(run.folder / "settings")
    application()
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        quiet_offscreen_noise()
    window = build_window(str(run.path), as_at=PROFILES[PROFILE].as_at, session=run.session)
    run.window = window
    window.resize(1366, 768)
    window.show()
    window.finish_building()
    if window.figures is None:
        raise RuntimeError("the window shows no figures")
    tabs = window.tabs
    shown = sum(tabs.isTabVisible(index) for index in range(tabs.count()))
    return f"{shown} pages, {len(window.figures.rsos):,} RSOs shown"


def _pages(run: _Run) -> Iterator[tuple[str, Callable[[_Run], str]]]:
    """One step per page, each painting it (in the window's order)."""
    from ncpi_desktop.ui.app import every_page

    for title, colours in every_page(run.window):
        def check(_run: _Run, colours: int = colours) -> str:
            if colours < PAINTED:
                raise RuntimeError(f"the page painted {colours} colour(s): it is blank")
            return f"painted ({colours} colours)"
        yield f"page {title}", check


def _pack(run: _Run, suffix: str) -> str:
    from ncpi_desktop.exchange.pack.building import build_pack, pin_audit_head

    user = run.session.user
    out = run.folder / f"pack{suffix}"
    pack = build_pack(run.window.figures, produced_by=user.user_name,
                      produced_at=datetime.now().astimezone())
    pack = pin_audit_head(run.session.engine, pack, user.user_name, out)
    if suffix == ".pdf":
        from ncpi_desktop.ui.exports.pack_pdf import write_pack_pdf

        pages = write_pack_pdf(pack, out)
        magic, what = b"%PDF", f"{pages} pages"
    else:
        from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx

        write_pack_xlsx(pack, out)
        magic, what = b"PK", "workbook"
    if not out.is_file() or out.read_bytes()[:len(magic)] != magic:
        raise RuntimeError(f"{out.name} was not written as a {suffix} file")
    return f"{what}, {out.stat().st_size:,} bytes"


def _audit(run: _Run) -> str:
    from ncpi_desktop.storage.audit import verify

    verified = verify(run.session.engine)
    return f"{verified.rows:,} rows, chain intact"


def _close(run: _Run) -> str:
    from ncpi_desktop.storage.users import sign_out
    from ncpi_desktop.ui.app import application

    run.window.close()
    application().processEvents()
    run.window = None
    session, run.session = run.session, None
    sign_out(session)
    return "window closed, signed out"


def _steps(run: _Run) -> Iterator[tuple[str, Callable[[_Run], str]]]:
    yield "demo", _demo
    yield "sign in", _sign_in
    yield "window", _window
    yield from _pages(run)
    yield "pack pdf", lambda r: _pack(r, ".pdf")
    yield "pack xlsx", lambda r: _pack(r, ".xlsx")
    yield "audit", _audit
    yield "close", _close


def cmd_selftest(_args: argparse.Namespace) -> int:
    """Run every step (the module's docstring); 0 when all pass, 1 naming the first failure."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="ncpi-selftest-") as scratch:
        run = _Run(Path(scratch))
        try:
            return _run_steps(run)
        finally:
            _tidy(run)


def _run_steps(run: _Run) -> int:
    steps = _steps(run)
    name, passed = "start", 0
    while True:
        try:
            name, step = next(steps)
        except StopIteration:
            break
        except Exception as exc:  # noqa: BLE001 - a page that could not be shown
            return _failed(f"the page after {name}", exc, passed)
        try:
            detail = step(run)
        except Exception as exc:  # noqa: BLE001 - every failure is the step's, said in a line
            return _failed(name, exc, passed)
        print(f"ok   {name}: {detail}")
        passed += 1
    print(f"selftest passed: {passed} steps")
    return EXIT_OK


def _failed(name: str, error: Exception, passed: int) -> int:
    message = " ".join(str(error).split()) or type(error).__name__
    print(f"FAIL {name}: {message}")
    sys.stdout.flush()
    return say(f"selftest failed at step {name!r} ({passed} step(s) passed)", EXIT_INVALID)


def _tidy(run: _Run) -> None:
    """Close what a failed step left open, before the folder goes."""
    if run.window is not None:
        run.window.close()
    if run.session is not None:
        run.session.engine.dispose()
