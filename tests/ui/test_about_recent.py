"""Help › About (the version, the database without its password, who is signed in, the rules)
and File › Recent (the databases opened last, latest first, opened again from the menu)."""

from __future__ import annotations

import html
from pathlib import Path

from builders import AS_AT, as_user
from PySide6.QtCore import QSettings
from sqlalchemy.engine import Engine

from ncpi_desktop import __version__
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.domain.security import Role, Scope
from ncpi_desktop.storage.database import shown_location
from ncpi_desktop.ui.core.settings import RECENT_COUNT, recent_databases, remember_database
from ncpi_desktop.ui.dialogs.about import about_text
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus.recent import RecentMenu

SUPERVISOR = as_user("jbloggs", Role.SUPERVISOR, scope=Scope.parse("team:East 1"))


def test_about_says_the_version_database_user_and_rules(qtbot, settings: QSettings,
                                                        engine: Engine) -> None:
    window = MainWindow(user=SUPERVISOR, settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    window.set_database(engine)
    window.about_action.trigger()
    box = window.about_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    text = box.text()
    assert f"NCPI Desktop {__version__}" in text
    assert f"Database: {html.escape(str(engine.url.database), quote=False)}" in text
    assert "Signed in: jbloggs (jbloggs): supervisor; sees team East 1" in text
    for rule in Policy().rules_text():
        assert html.escape(rule, quote=False) in text
    box.close()


def test_about_never_shows_a_servers_password() -> None:
    location = shown_location("postgresql+psycopg://somu:s3cret-word@db.force.local/ncpi")
    text = about_text(Policy(), location, as_user("admin"))
    assert "s3cret-word" not in text
    assert "db.force.local/ncpi" in text
    assert "administrator, manager; sees the force" in text


def test_about_with_nobody_signed_in() -> None:
    assert "Signed in: nobody is signed in" in about_text(Policy(), "", None)
    assert "Database: no database open" in about_text(Policy(), "", None)


def recent_menu(qtbot, settings: QSettings, opened: list[str]) -> tuple[MainWindow, RecentMenu]:
    window = MainWindow(user=as_user("m"), settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    menu = RecentMenu(window.context, settings, opened.append, after=window.open_action)
    return window, menu


def test_recent_follows_open_and_lists_the_latest_first(qtbot, settings, engine,
                                                        tmp_path: Path) -> None:
    opened: list[str] = []
    window, menu = recent_menu(qtbot, settings, opened)
    file_actions = window.menu("&File").actions()
    assert file_actions.index(menu.menuAction()) == file_actions.index(window.open_action) + 1
    assert menu.locations == []
    assert [a.text() for a in menu.actions()] == ["No databases opened yet"]
    older = tmp_path / "older.sqlite3"
    older.write_bytes(b"")
    remember_database(str(older), settings)
    window.set_database(engine)  # File › Open, as the window does it
    current = str(Path(engine.url.database))
    menu.refresh()
    assert menu.locations == [current, str(older)]
    assert [a.text() for a in menu.actions()] == [f"&1 {current}", f"&2 {older}"]
    menu.actions()[1].trigger()
    assert opened == [str(older)]


def test_recent_keeps_a_few_and_greys_a_missing_file(qtbot, settings, tmp_path) -> None:
    files = [tmp_path / f"db{n}.sqlite3" for n in range(RECENT_COUNT + 2)]
    for path in files:
        path.write_bytes(b"")
        remember_database(str(path), settings)
    remember_database(str(files[0]), settings)  # opened again: first, once
    assert recent_databases(settings) == [str(files[0])] + [
        str(p) for p in reversed(files[-RECENT_COUNT + 1:])]
    files[-1].unlink()
    _window, menu = recent_menu(qtbot, settings, [])
    missing = [a for a in menu.actions() if a.data() == str(files[-1])]
    assert len(missing) == 1 and not missing[0].isEnabled()
    assert "Not found" in missing[0].toolTip()


def test_a_url_with_a_password_is_not_remembered(qtbot, settings) -> None:
    _window, menu = recent_menu(qtbot, settings, [])
    menu.remember(shown_location("postgresql://somu:secret@db/ncpi"))
    menu.remember("postgresql://somu@db/ncpi")
    assert recent_databases(settings) == ["postgresql://somu@db/ncpi"]
    settings.sync()
    assert "secret" not in Path(settings.fileName()).read_text()


def test_one_remembered_database_reads_back_as_a_list(settings: QSettings) -> None:
    remember_database("/data/one.sqlite3", settings)
    settings.sync()
    again = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    assert recent_databases(again) == ["/data/one.sqlite3"]
