import os
import sys
from pathlib import Path

from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every command-line call signs in: as the demo's "manager", who every test database built by
# builders.Register also holds (with the administrator role as well).
os.environ["NCPI_USER"] = "manager"
os.environ["NCPI_PASSWORD"] = "demo-password"
os.environ.pop("NCPI_NEW_PASSWORD", None)
sys.path.insert(0, str(Path(__file__).parent))


from collections.abc import Iterator  # noqa: E402

import postgres  # noqa: E402
import pytest  # noqa: E402 - after the platform is chosen and the path is set
from builders import signed_in_engine  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from ncpi_desktop.demo.build import build_demo  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def postgresql_run() -> Iterator[None]:
    """``NCPI_TEST_DATABASE=postgresql``: one PostgreSQL server for the session, which every
    register the builders write goes to (``postgres.Session``); fails if none can be started."""
    if not postgres.wanted():
        yield
        return
    why = postgres.available()
    if why is not None:
        pytest.exit(f"{postgres.TEST_DATABASE}=postgresql, but {why}", returncode=3)
    with postgres.server(durable=False) as url:
        postgres.SESSION = postgres.Session(url)
        try:
            yield
        finally:
            postgres.SESSION.close()
            postgres.SESSION = None


@pytest.fixture(scope="module", autouse=True)
def _drop_module_databases() -> Iterator[None]:
    """A PostgreSQL run: the databases a module made (its module-wide registers) are dropped
    when the module ends, their engines closed first."""
    yield
    if postgres.SESSION is not None:
        postgres.SESSION.drop_made()


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """A PostgreSQL run: the databases a test made are dropped when it ends (set up after the
    module's fixtures, this sees only the test's own)."""
    kept = len(postgres.SESSION.made) if postgres.SESSION is not None else 0
    yield
    if postgres.SESSION is not None:
        postgres.SESSION.drop_made(kept)


def _main_windows() -> dict[int, object]:
    """The application's main windows, by id (none before any test made a QApplication). Only
    those: a menu or a widget with no parent may still be another object's to delete."""
    if "PySide6.QtWidgets" not in sys.modules:
        return {}
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return {}
    return {id(w): w for w in app.topLevelWidgets()
            if isinstance(w, QMainWindow) and w.parentWidget() is None}


@pytest.fixture(autouse=True)
def _delete_left_windows() -> Iterator[None]:
    """The main windows a test made and left (pytest-qt closes the ones it was given, but their
    deletion waits for an event loop that may never run) are closed and deleted when it ends.
    Left alive, every later change of the application's palette or style sheet went through all
    of them: the theme tests at the end of a whole run took minutes instead of seconds."""
    before = _main_windows()
    yield
    left = [w for key, w in _main_windows().items() if key not in before]
    if not left:
        return
    from PySide6.QtCore import QCoreApplication, QEvent

    for widget in left:
        if widget.isVisible():
            widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): a test about SQLite files, skipped in a PostgreSQL run")
    if postgres.wanted():
        # Tests leave their engines to the garbage collector, which SQLite's connections allow
        # and psycopg's warn about: not a failure there (filterwarnings = error).
        config.addinivalue_line("filterwarnings",
                                "ignore:.*deleted while still open:ResourceWarning")


#: Tests a PostgreSQL run skips, by module or test, and why: they are about SQLite itself, or
#: work on the register's file by its path. (A test may also say so with ``sqlite_only``.)
SQLITE_ONLY = {
    "tests/storage/test_register_store.py": "the register's stored copy is kept on SQLite only",
    "tests/storage/test_register_stale.py": "the register's stored copy is kept on SQLite only",
    "tests/storage/test_register_refused.py": "the register's stored copy is kept on SQLite only",
    "tests/storage/test_register_cache.py": "the register's stored copy is kept on SQLite only",
    "tests/storage/test_register_triggers.py": "the stored copy's triggers are SQLite's",
    "tests/storage/test_keys.py": "key files and encryption are SQLite files'",
    "tests/storage/test_bulk.py::test_the_fast_road_stores_what_sqlalchemys_types_store":
        "SQLite's own insert road and schema text (PostgreSQL's: test_copy_postgres.py)",
    "tests/storage/test_bulk.py::test_an_import_leaves_every_reference_sound_and_the_checks_on":
        "SQLite's foreign-key pragmas",
    "tests/storage/test_operations.py::test_reassign_moves_records_history_and_audits":
        "compares dates read with raw SQL to SQLite's ISO text",
    "tests/storage/test_recording.py::"
    "test_reactive_decision_for_an_eligible_rso_sets_the_mode_and_undo_restores_it":
        "compares dates read with raw SQL to SQLite's ISO text",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A PostgreSQL run skips the tests marked ``sqlite_only`` or listed in ``SQLITE_ONLY``,
    saying why."""
    if not postgres.wanted():
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        module, _, rest = item.nodeid.partition("::")
        reason = SQLITE_ONLY.get(f"{module}::{rest.split('[')[0]}") or SQLITE_ONLY.get(module)
        if marker is not None:
            reason = marker.args[0] if marker.args else "about SQLite files"
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="session")
def lancashire_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Lancashire 2017 demo, built once per session: read it, do not write to it."""
    path = tmp_path_factory.mktemp("demo") / "lancashire-2017.sqlite3"
    build_demo(path, "lancashire-2017")
    return path


@pytest.fixture(scope="session")
def lancashire(lancashire_path: Path) -> Engine:
    engine = signed_in_engine(lancashire_path)
    yield engine
    engine.dispose()


# Hypothesis: the suite runs the same examples on every run and every machine ("ci"), so a
# failure in CI is a failure anyone can rerun. Random exploration is opt-in: "explore" (also
# what `make fuzz` gets, through NCPI_FUZZ_EXAMPLES), e.g.
#   pytest tests/analysis -k rebalance --hypothesis-profile=explore --hypothesis-seed=7
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("explore" if os.environ.get("NCPI_FUZZ_EXAMPLES") else "ci")
