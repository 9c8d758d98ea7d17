"""The first run: with no database given or remembered, the window offers the ways in (create a
new database and its first administrator, open one, an offline copy, the demo), each ending
signed in; and which database the application opens when one is remembered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from offline_world import PASSWORD as OFFLINE_PASSWORD
from offline_world import write_source
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from ncpi_desktop.cli_users import FIRST_ROLES as INIT_ROLES
from ncpi_desktop.domain.security import MIN_PASSWORD_LENGTH, Role
from ncpi_desktop.storage import offline
from ncpi_desktop.storage.keys import keys_path
from ncpi_desktop.storage.users import list_users, sign_in, sign_out
from ncpi_desktop.ui import app
from ncpi_desktop.ui.core.settings import remember_database
from ncpi_desktop.ui.dialogs.first_run import (
    FirstRunDialog,
    FirstRunServices,
    NewDatabase,
    QFileDialog,
)
from ncpi_desktop.ui.dialogs.offline import FirstCopyDialog

PASSWORD = "a long password 1"


def fake_services(calls: list, session: object = None) -> FirstRunServices:
    def record(what: str):  # noqa: ANN202
        return lambda *args: calls.append((what, *args)) or session

    return FirstRunServices(create=record("create"), open=record("open"), demo=record("demo"),
                            default_location="/nowhere/ncpi.sqlite3")


@pytest.fixture
def dialog_of(qtbot):  # noqa: ANN201
    def make(services: FirstRunServices) -> FirstRunDialog:
        dialog = FirstRunDialog(services)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog
    return make


def fill(dialog: FirstRunDialog, location: str, user: str, display: str, password: str,
         again: str) -> None:
    dialog.create_button.click()
    form = dialog.form
    assert dialog.pages.currentWidget() is form
    form.location_edit.setText(location)
    form.user_edit.setText(user)
    form.display_edit.setText(display)
    form.password_edit.setText(password)
    form.again_edit.setText(again)
    form.create_button.click()


def test_the_four_ways_in_are_offered_and_a_missing_offline_service_says_where(dialog_of) -> None:
    dialog = dialog_of(fake_services([]))
    buttons = [dialog.create_button, dialog.open_button, dialog.offline_button,
               dialog.demo_button]
    assert [b.text().replace("&", "") for b in buttons] == [
        "Create a new database…", "Open a database…", "Take an offline copy from a server…",
        "Open the demo"]
    assert all(b.isVisible() for b in buttons)
    assert [b.isEnabled() for b in buttons] == [True, True, False, True]
    assert "File › Take offline" in dialog.offline_button.toolTip()
    assert "demo-password" in dialog.demo_button.accessibleDescription()


def test_an_offline_service_enables_the_offline_copy(dialog_of) -> None:
    calls: list = []
    services = fake_services(calls, session="S")
    dialog = dialog_of(FirstRunServices(create=services.create, open=services.open,
                                        demo=services.demo, default_location="x",
                                        offline=lambda: calls.append(("offline",)) or "S"))
    assert dialog.offline_button.isEnabled()
    dialog.offline_button.click()
    assert calls == [("offline",)] and dialog.session == "S"


def test_two_different_passwords_create_nothing(dialog_of) -> None:
    calls: list = []
    dialog = dialog_of(fake_services(calls, session="S"))
    fill(dialog, "/tmp/x.sqlite3", "jbloggs", "", PASSWORD, PASSWORD + "!")
    assert calls == []
    assert "passwords differ" in dialog.form.message.text()
    assert dialog.form.again_edit.text() == ""
    assert dialog.isVisible() and dialog.session is None


def test_the_form_asks_for_what_is_missing(dialog_of) -> None:
    calls: list = []
    dialog = dialog_of(fake_services(calls))
    fill(dialog, "/tmp/x.sqlite3", "", "", PASSWORD, PASSWORD)
    assert calls == [] and "user name" in dialog.form.message.text()


def test_the_form_hands_on_the_new_database_and_its_administrator(dialog_of) -> None:
    calls: list = []
    dialog = dialog_of(fake_services(calls, session="S"))
    assert dialog.form.location_edit.text() == "/nowhere/ncpi.sqlite3"
    fill(dialog, "/tmp/x.sqlite3", " jbloggs ", "", PASSWORD, PASSWORD)
    # The display name is the user name unless given.
    assert calls == [("create", NewDatabase("/tmp/x.sqlite3", "jbloggs", "jbloggs", PASSWORD))]
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted and dialog.session == "S"


def test_creating_makes_an_encrypted_database_as_init_does(dialog_of, tmp_path: Path) -> None:
    path = tmp_path / "new" / "force.sqlite3"
    dialog = dialog_of(app.first_run_services(demo_path=tmp_path / "demo.sqlite3"))
    fill(dialog, str(path), "jbloggs", "Jo Bloggs", PASSWORD, PASSWORD)
    session = dialog.session
    assert session is not None, dialog.form.message.text()
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted
    assert session.user.roles == frozenset({Role.ADMINISTRATOR, Role.MANAGER})
    assert set(app.FIRST_ROLES) == set(INIT_ROLES)  # the same first user as ncpi-desktop init
    assert keys_path(path).exists()
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"  # encrypted
    sign_out(session)
    again = sign_in(path, "jbloggs", PASSWORD)
    try:
        assert [(u.user_name, u.display_name) for u in list_users(again)] == [
            ("jbloggs", "Jo Bloggs")]
    finally:
        sign_out(again)


def test_a_weak_password_is_refused_in_the_form(dialog_of, tmp_path: Path) -> None:
    path = tmp_path / "force.sqlite3"
    dialog = dialog_of(app.first_run_services(demo_path=tmp_path / "demo.sqlite3"))
    fill(dialog, str(path), "jbloggs", "", "short", "short")
    assert f"at least {MIN_PASSWORD_LENGTH} characters" in dialog.form.message.text()
    assert dialog.session is None and not path.exists() and not keys_path(path).exists()


def test_the_demo_is_built_when_missing_and_signed_in_to(dialog_of, tmp_path: Path) -> None:
    path = tmp_path / "demo" / "lancashire-2017.sqlite3"
    dialog = dialog_of(app.first_run_services(demo_path=path))
    dialog.demo_button.click()
    session = dialog.session
    assert session is not None, dialog.message.text()
    assert session.user.user_name == app.DEMO_USER
    assert keys_path(path).exists()
    sign_out(session)


def test_an_existing_demo_is_opened_not_built_again(dialog_of, tmp_path: Path,
                                                    lancashire_path: Path) -> None:
    path = tmp_path / "lancashire-2017.sqlite3"
    shutil.copyfile(lancashire_path, path)
    shutil.copyfile(keys_path(lancashire_path), keys_path(path))
    before = path.stat().st_mtime_ns, keys_path(path).read_bytes()
    dialog = dialog_of(app.first_run_services(demo_path=path))
    dialog.demo_button.click()
    assert dialog.session is not None
    sign_out(dialog.session)
    assert keys_path(path).read_bytes() == before[1]  # the same key: not made again


def test_opening_one_signs_in_to_the_chosen_file(dialog_of, monkeypatch) -> None:
    calls: list = []
    dialog = dialog_of(fake_services(calls, session="S"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args: ("/data/force.sqlite3", ""))
    dialog.open_button.click()
    assert calls == [("open", "/data/force.sqlite3")] and dialog.session == "S"


def test_a_refusal_is_said_and_the_dialog_stays(dialog_of, monkeypatch) -> None:
    def refuse() -> None:
        raise ValueError("the demo cannot be built here: disk full\nmore")

    services = fake_services([])
    dialog = dialog_of(FirstRunServices(create=services.create, open=services.open,
                                        demo=refuse, default_location="x"))
    dialog.demo_button.click()
    assert dialog.message.text() == "the demo cannot be built here: disk full"
    assert dialog.isVisible() and dialog.session is None


def test_a_cancelled_sign_in_keeps_the_choices(dialog_of, monkeypatch) -> None:
    calls: list = []
    dialog = dialog_of(fake_services(calls, session=None))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: ("/data/x.db", ""))
    dialog.open_button.click()
    assert calls and dialog.isVisible() and dialog.session is None


def test_quit_opens_nothing(dialog_of, qtbot) -> None:
    dialog = dialog_of(fake_services([]))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == FirstRunDialog.DialogCode.Rejected and dialog.session is None


# --- which database the application opens --------------------------------------------------

@pytest.fixture
def no_default(monkeypatch, tmp_path: Path) -> Path:
    default = tmp_path / "data" / "ncpi.sqlite3"
    monkeypatch.setattr(app, "default_database_path", lambda: default)
    return default


def test_with_nothing_given_or_remembered_the_first_run_is_offered(no_default, settings,
                                                                   monkeypatch) -> None:
    assert app.startup_target(None, settings) is None
    shown: list = []
    monkeypatch.setattr(app, "first_run", lambda: shown.append("first run"))
    assert app.run_app(None) == 0  # Quit on the first run: nothing opened
    assert shown == ["first run"]


def test_the_database_opened_last_is_opened_again(no_default, settings, tmp_path) -> None:
    gone, there = tmp_path / "gone.sqlite3", tmp_path / "there.sqlite3"
    there.write_bytes(b"")
    for location in (str(there), str(gone)):
        remember_database(location, settings)
    assert app.startup_target(None, settings) == str(there)  # the missing one is passed over
    assert app.startup_target("given.sqlite3", settings) == "given.sqlite3"
    no_default.parent.mkdir()
    no_default.write_bytes(b"")
    settings.clear()
    assert app.startup_target(None, settings) == str(no_default)


# --- an offline copy from a server ---------------------------------------------------------

def take_a_copy(qtbot, dialog: FirstRunDialog, *, source: str, user: str, password: str,
                scope: str, out: str) -> FirstCopyDialog:
    """Click "Take an offline copy", fill its dialog and press Take (once it is open)."""
    seen: list[FirstCopyDialog] = []

    def fill() -> None:
        copy = QApplication.activeModalWidget()
        assert isinstance(copy, FirstCopyDialog)
        seen.append(copy)
        copy.source_edit.setText(source)
        copy.user_edit.setText(user)
        copy.password_edit.setText(password)
        copy.scope_edit.setText(scope)
        copy.out_edit.setText(out)
        copy.ok_button.click()
        if copy.isVisible():  # refused: keep what it said, then cancel
            seen.append(copy.message.text())  # type: ignore[arg-type]
            copy.reject()

    QTimer.singleShot(0, fill)
    dialog.offline_button.click()
    qtbot.waitUntil(lambda: bool(seen))
    return seen  # type: ignore[return-value]


def test_an_offline_copy_is_taken_from_the_source_and_signed_in_to(dialog_of, qtbot,
                                                                   tmp_path: Path) -> None:
    source = write_source(str(tmp_path / "source.sqlite3"))
    dialog = dialog_of(app.first_run_services(tmp_path / "demo.sqlite3"))
    assert dialog.offline_button.isEnabled()
    out = tmp_path / "laptop" / "copy.db"
    take_a_copy(qtbot, dialog, source=source, user="om.a", password=OFFLINE_PASSWORD,
                scope="", out=str(out))  # blank: om.a's own caseload
    session = dialog.session
    assert session is not None and session.user.user_name == "om.a"
    assert Path(session.target) == out and keys_path(out).exists()
    with session.engine.connect() as c:
        held = {r[0] for r in c.execute(text("SELECT DISTINCT manager_id FROM rso")).all()}
    assert held == {"A"}
    assert offline.info(session.engine) is not None
    sign_out(session)


def test_a_wrong_password_is_said_and_nothing_is_taken(dialog_of, qtbot, tmp_path: Path) -> None:
    source = write_source(str(tmp_path / "source.sqlite3"))
    dialog = dialog_of(app.first_run_services(tmp_path / "demo.sqlite3"))
    out = tmp_path / "copy.db"
    said = take_a_copy(qtbot, dialog, source=source, user="om.a", password="not it at all",
                       scope="caseload:A", out=str(out))
    assert len(said) == 2 and "password" in said[1].lower(), said
    assert not out.exists() and dialog.session is None and dialog.isVisible()
