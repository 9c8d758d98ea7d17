"""make screenshots: every page of the window, the RSO detail panel, a proposal and the other
screens and dialogs, at 1366x768 in the light, dark and high-contrast themes.

    python tools/screenshots.py [--out screenshots] [--db demo-data/lancashire-2017.sqlite3]
                                [--theme light --theme dark ...] [--size 1366x768]

Builds the Lancashire 2017 demo database when it is missing, then writes
``<out>/<theme>/<page>.png`` for the pages (caseload, visits, arms, reactive, orders, register,
quality),
``detail.png`` (the RSO detail panel on an RSO with flags), ``proposal.png`` (Manage ›
proposal for the first BCU), ``briefing.png`` (the Briefing page, which a manager's window
hides), ``visits-clocks.png`` (the Visits page's Clocks tab), ``record-event.png``,
``record-referral.png`` and ``record-review.png`` (Record's dialogs), ``first-run.png``,
``about.png``, and the offline dialogs (``take-offline.png``, ``first-copy.png``,
``sync-password.png``, ``refused-changes.png``, ``locked-copy.png``). It runs offscreen unless
QT_QPA_PLATFORM says otherwise, reads a copy of the database, and keeps its window settings in
a temporary folder, so neither the demo nor the user's settings change. Prints each file it
writes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo-data" / "lancashire-2017.sqlite3"
#: The day the demo's records end near (as ``make run`` opens it).
DEMO_AS_AT = date(2017, 10, 9)
#: The demo user the screenshots sign in as (README, "Signing in"): sees every page.
DEMO_USER, DEMO_PASSWORD = "manager", "demo-password"
THEMES = ("light", "dark", "high-contrast")


def quiet_offscreen_noise() -> None:
    """The offscreen platform warns whenever a window's size constraints change (a real one does
    not): drop that line, print every other message."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_kind, _context, message: str) -> None:  # noqa: ANN001
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def ensure_demo(path: Path) -> None:
    """Build the Lancashire 2017 demo at ``path`` unless it is there already."""
    if path.exists():
        return
    from ncpi_desktop.cli import main

    path.parent.mkdir(parents=True, exist_ok=True)
    status = main(["demo", "--profile", "lancashire-2017", "--db", str(path)])
    if status != 0:
        raise SystemExit(f"could not build the demo database ({status})")


def settle(rounds: int = 5) -> None:
    """Let queued events, layouts and paints run."""
    from PySide6.QtCore import QCoreApplication

    for _ in range(rounds):
        QCoreApplication.processEvents()


def save(widget, path: Path) -> None:  # noqa: ANN001 - a QWidget
    settle()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path)


def flagged_rso(figures) -> str:  # noqa: ANN001 - Figures
    """An RSO with the most flags raised: the detail panel then shows its flag boxes."""
    from ncpi_desktop.analysis.figures import RSO_FLAGS

    rsos = figures.rsos
    columns = [f"flag_{name}" for name in RSO_FLAGS if f"flag_{name}" in rsos.columns]
    counts = rsos[columns].sum(axis=1)
    return str(rsos.loc[counts.idxmax(), "rso_id"])


def shoot_theme(theme: str, db: Path, out: Path, size: tuple[int, int]) -> None:
    """Every screenshot of ``theme``, from a window of its own over ``db``."""
    from PySide6.QtWidgets import QApplication

    from ncpi_desktop.storage.users import sign_in
    from ncpi_desktop.ui.app import application, build_window
    from ncpi_desktop.ui.core import style
    from ncpi_desktop.ui.core.session import sign_in_to
    from ncpi_desktop.ui.core.settings import app_settings
    from ncpi_desktop.ui.dialogs.sign_in import SignInDialog
    from ncpi_desktop.ui.models.proposal import scopes

    app = application()
    style.apply_theme(app, theme)
    dialog = SignInDialog(sign_in_to(db), str(db), user_name=DEMO_USER)
    save(dialog, out / theme / "sign-in.png")
    dialog.close()
    session = sign_in(db, DEMO_USER, DEMO_PASSWORD)
    engine = session.engine
    window = build_window(str(db), settings=app_settings(), as_at=DEMO_AS_AT, session=session)
    window.resize(*size)
    window.show()
    window.finish_building()
    settle()
    for page in window.pages:
        if not window.tabs.isTabVisible(window.tabs.indexOf(page)):
            continue  # hidden from this user (the Briefing page): see shoot_screens
        window.tabs.setCurrentWidget(page)
        save(window, out / theme / f"{page.settings_group or page.title.lower()}.png")
    features = window.features
    figures = window.figures
    assert figures is not None
    detail = features.record.show_detail(flagged_rso(figures))
    detail.resize(*size)
    save(detail, out / theme / "detail.png")
    detail.close()
    bcus = [s for s in scopes(figures) if s.bcu is not None and s.team is None]
    view = features.rebalancing.propose(bcus[0] if bcus else None)
    if view is not None:
        view.resize(*size)
        save(view, out / theme / "proposal.png")
        view.close()
    shoot_screens(window, flagged_rso(figures), out / theme, size)
    window.close()
    engine.dispose()
    QApplication.processEvents()


def shoot_screens(window, rso_id: str, out: Path, size: tuple[int, int]) -> None:  # noqa: ANN001
    """The screens a walk over the pages does not reach (``ui.dialogs.gallery``)."""
    from ncpi_desktop.ui.dialogs import gallery

    save(gallery.clocks_tab(window), out / "visits-clocks.png")
    save(gallery.briefing(window), out / "briefing.png")
    for name, widget in gallery.dialogs(window, rso_id).items():
        save(widget, out / f"{name}.png")
        widget.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--db", type=Path, default=DEMO, help="(built when missing)")
    parser.add_argument("--theme", action="append", choices=THEMES,
                        help="one theme (repeat for more; default: all three)")
    parser.add_argument("--size", default="1366x768", help="WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    quiet_offscreen_noise()
    from ncpi_desktop.storage.keys import keys_path

    ensure_demo(args.db)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as scratch:
        from PySide6.QtCore import QSettings

        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(QSettings.Format.IniFormat, scope, str(Path(scratch) / "settings"))
        copy = Path(scratch) / args.db.name
        shutil.copyfile(args.db, copy)
        if keys_path(args.db).exists():
            shutil.copyfile(keys_path(args.db), keys_path(copy))
        for theme in args.theme or THEMES:
            shoot_theme(theme, copy, args.out, (width, height))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
