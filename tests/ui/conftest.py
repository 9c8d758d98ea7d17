"""GUI test fixtures: settings in a temporary folder, a hand-built register as figures."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import AS_AT, FORCE_MANAGER, Register
from PySide6.QtCore import QSettings
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures, compute_figures
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.ui.core.settings import app_settings
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.manage import Rebalancing

#: The offscreen platform warns whenever a shown top-level window's size constraints change; a
#: real platform does not. Only that message is ignored, and only for these tests.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(autouse=True)
def settings(tmp_path: Path) -> Iterator[QSettings]:
    """The application's QSettings, pointed at a temporary folder so that no test reads or leaves
    window state in the user's configuration."""
    folder = tmp_path / "settings"
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    settings = app_settings()
    assert Path(settings.fileName()).is_relative_to(folder)
    yield settings


def caseload_register() -> Register:
    """The page's test register.

    East 1: OM1 26 community RSOs on 0.5 FTE (52 per FTE, flagged) + 2 in custody;
            OM2 exactly 50 on 1.0 FTE, 10 high (exactly 20%: flagged for neither).
    East 2: OM3 20 RSOs, 5 high and 1 very high (30%: high-risk share flagged).
    West 1: OM4 10 RSOs, 1 missing.
    Pooled: 3 in team West 1 with no named manager, 1 unallocated in South.
    """
    register = Register()
    register.manager("OM1", name="Alice Ashworth", fte=0.5, bcu="East", team="East 1")
    register.many(26, manager_id="OM1", team="East 1", neighbourhood="Blackburn")
    register.many(2, manager_id="OM1", team="East 1", status="custody")
    register.manager("OM2", name="Bob Birtwistle", bcu="East", team="East 1")
    register.many(40, manager_id="OM2", team="East 1")
    register.many(10, manager_id="OM2", team="East 1", risk_level="high")
    register.manager("OM3", name="Carol Crossley", bcu="East", team="East 2")
    register.many(14, manager_id="OM3", team="East 2", risk_level="low")
    register.many(5, manager_id="OM3", team="East 2", risk_level="high")
    register.rso(manager_id="OM3", team="East 2", risk_level="very_high")
    register.manager("OM4", name="Dan Duckworth", bcu="West", team="West 1")
    register.many(10, manager_id="OM4", team="West 1", bcu="West")
    register.rso(manager_id="OM4", team="West 1", bcu="West", status="missing")
    register.many(3, team="West 1", bcu="West", risk_level="high")
    register.rso(bcu="South")
    return register


@pytest.fixture(scope="session")
def register_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test register, written (and migrated) once per session; tests get copies."""
    path = tmp_path_factory.mktemp("register") / "register.sqlite3"
    caseload_register().write(path).dispose()
    return path


@pytest.fixture
def engine(tmp_path: Path, register_file: Path) -> Iterator[Engine]:
    """A private copy of the test register, so a test may write to it."""
    path = tmp_path / "register.sqlite3"
    shutil.copyfile(register_file, path)
    engine = make_engine(path)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def figures(register_file: Path) -> Figures:
    """The test register's figures as at AS_AT (read-only: pages copy what they change)."""
    engine = make_engine(register_file)
    try:
        return compute_figures(load_snapshot(engine, AS_AT))
    finally:
        engine.dispose()


@pytest.fixture
def window(qtbot, settings: QSettings, engine: Engine) -> MainWindow:
    """The main window over a private copy of the test register, as at AS_AT."""
    window = MainWindow(user=FORCE_MANAGER, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    return window


def rebalancing(window: MainWindow) -> Rebalancing:
    """The rebalancing the window built."""
    found = window.features.rebalancing
    assert found is not None
    return found


def state(engine: Engine) -> dict[str, list]:
    """Every row of the tables a move, a leaver or an absence writes, but for the RSO's
    version (every write, an undo too, moves it on: the lost-update check)."""
    with engine.connect() as c:
        return {t: [tuple(v for k, v in row.items() if k != "version")
                    for row in c.execute(text(f"SELECT * FROM {t} ORDER BY 1")).mappings()]
                for t in ("rso", "allocation", "manager", "manager_absence")}
