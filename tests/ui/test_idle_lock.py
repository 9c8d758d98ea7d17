"""The idle lock, the status bar's user and File › Sign out (SECURITY.md, "Signing in"), over the
test register, with a fake sign-in check and a fake audit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from builders import AS_AT
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QTableView, QWidget
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from ncpi_desktop.domain.security import Role, Scope, ScopeKind, User
from ncpi_desktop.ui.core.session import SignInRefused
from ncpi_desktop.ui.dialogs.sign_in import LockPage
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.menus import session as session_menu
from ncpi_desktop.ui.menus.session import SignedIn

USER = User("supervisor.east", "Sam Supervisor", frozenset({Role.SUPERVISOR}),
            Scope(ScopeKind.BCU, ("East",)))
OTHER = User("manager", "Mo Manager", frozenset({Role.MANAGER}))
PASSWORD = "the right password"


@dataclass
class FakeSession:
    user: User
    engine: Engine
    target: str = "register.sqlite3"


@dataclass
class Trust:
    """Fake storage: sign-in checks (by target) and the audit's access rows."""

    engine: Engine
    checks: list[tuple[str | None, str]] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)

    def sign_in_to(self, target: str | None):  # noqa: ANN201 - a SignIn
        def check(user_name: str, password: str) -> FakeSession:
            self.checks.append((target, user_name))
            if user_name == USER.user_name and password == PASSWORD:
                return FakeSession(USER, self.engine)
            raise SignInRefused("Not signed in: the user name or password is not right.")
        return check

    def record(self, engine: Engine, actor: str, action: str) -> None:
        assert engine is self.engine
        self.rows.append((actor, action))


def set_idle_minutes(engine: Engine, minutes: float) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM policy_value WHERE key = 'idle_lock_minutes'"))
        connection.execute(text("INSERT INTO policy_value (key, value) VALUES "
                                "('idle_lock_minutes', :v)"), {"v": minutes})


@pytest.fixture
def trust(engine: Engine) -> Trust:
    return Trust(engine)


@pytest.fixture
def signed_window(qtbot, settings, engine: Engine, trust: Trust) -> tuple[MainWindow, SignedIn]:
    """The window over the test register, signed in as ``USER`` (the default 15 idle minutes)."""
    window = MainWindow(settings=settings, as_at=AS_AT)
    qtbot.addWidget(window)
    control = SignedIn(window, window.context, FakeSession(USER, engine),
                       sign_in_to=trust.sign_in_to, record=trust.record,
                       show_database=window.set_database, before=window.quit_action)
    window.opener = control.open_database
    window.set_database(engine)
    window.resize(1200, 700)
    window.show()
    qtbot.waitExposed(window)
    return window, control


def tables_with_rows() -> list[QTableView]:
    """Every table on screen that shows at least one row."""
    return [view for view in QApplication.allWidgets()
            if isinstance(view, QTableView) and view.isVisible() and view.model() is not None
            and view.model().rowCount() > 0]


def idle_soon(window: MainWindow) -> None:
    """The policy's idle time becomes about 0.1 s, and the window reads it."""
    assert window.engine is not None
    set_idle_minutes(window.engine, 0.002)
    window.reload()
    assert window.policy.idle_lock_minutes == 0.002


def unlock_with(qtbot, page: LockPage, password: str) -> None:
    page.prompt.password_edit.setText(password)
    qtbot.mouseClick(page.prompt.button, Qt.MouseButton.LeftButton)


def test_the_status_bar_says_who_is_signed_in(signed_window) -> None:
    window, control = signed_window
    assert control.user_label.text() == "Signed in: Sam Supervisor"
    assert control.user_label.isVisible()
    assert window.context.user == USER
    file_actions = [a.text() for a in window.context.menu("&File").actions()]
    assert "Sign &out" in file_actions
    assert file_actions.index("Sign &out") < file_actions.index("&Quit")


def test_idle_time_hides_every_piece_of_data(qtbot, signed_window, trust: Trust) -> None:
    window, control = signed_window
    assert tables_with_rows()  # the caseload's managers are on show
    rso_id = str(window.figures.rsos["rso_id"].iat[0])
    detail = window.features.record.show_detail(rso_id)
    assert detail.isVisible()
    idle_soon(window)
    qtbot.waitUntil(lambda: control.locked, timeout=5000)
    assert isinstance(window.centralWidget(), LockPage)
    assert not window.tabs.isVisible()
    assert tables_with_rows() == []
    assert not detail.isVisible()  # the detail panel is closed
    assert not window.menuBar().isEnabled()
    assert "Sam Supervisor" in control.lock_page.why.text()
    assert trust.rows == [("supervisor.east", "lock")]


def test_the_wrong_password_keeps_it_locked(qtbot, signed_window, trust: Trust) -> None:
    window, control = signed_window
    idle_soon(window)
    qtbot.waitUntil(lambda: control.locked, timeout=5000)
    page = control.lock_page
    assert page is not None and page.prompt.name_edit.isReadOnly()
    unlock_with(qtbot, page, "not the password")
    assert control.locked and window.centralWidget() is page
    assert tables_with_rows() == []
    assert page.prompt.message.text().startswith("Not signed in")
    assert trust.checks == [("register.sqlite3", "supervisor.east")]
    assert ("supervisor.east", "unlock") not in trust.rows


def test_the_right_password_unlocks_and_shows_the_data_again(qtbot, signed_window,
                                                             trust: Trust) -> None:
    window, control = signed_window
    idle_soon(window)
    qtbot.waitUntil(lambda: control.locked, timeout=5000)
    page = control.lock_page
    assert page is not None
    unlock_with(qtbot, page, PASSWORD)
    assert not control.locked
    assert window.centralWidget() is window.tabs and window.tabs.isVisible()
    assert tables_with_rows()
    assert window.menuBar().isEnabled()
    assert trust.rows == [("supervisor.east", "lock"), ("supervisor.east", "unlock")]


def test_sign_out_then_cancel_closes_the_window(qtbot, signed_window, trust: Trust,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    window, control = signed_window
    seen: list[list[QTableView]] = []

    def cancelled(*_args: object, **_kwargs: object) -> None:
        seen.append(tables_with_rows())  # what is on screen while the sign-in is asked
        return None

    monkeypatch.setattr(session_menu, "ask_sign_in", cancelled)
    control.sign_out_action.trigger()
    assert seen == [[]]
    assert not window.isVisible()
    assert trust.rows[0] == ("supervisor.east", "sign-out")


def test_sign_out_then_another_user_signs_in(qtbot, signed_window, trust: Trust,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    window, control = signed_window
    monkeypatch.setattr(session_menu, "ask_sign_in",
                        lambda *_a, **_k: FakeSession(OTHER, trust.engine))
    control.sign_out()
    assert window.context.user == OTHER
    assert control.user_label.text() == "Signed in: Mo Manager"
    assert not control.locked and window.centralWidget() is window.tabs


def test_opening_another_database_asks_to_sign_in_to_it(qtbot, signed_window, trust: Trust,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    window, control = signed_window
    asked: list[tuple[str, str]] = []

    def cancelled(_check: object, location: str, *, user_name: str = "",
                  parent: QWidget | None = None) -> None:
        asked.append((location, user_name))
        return None

    monkeypatch.setattr(session_menu, "ask_sign_in", cancelled)
    before = window.engine
    assert window.open_target("elsewhere.sqlite3") is False
    assert asked == [("elsewhere.sqlite3", "supervisor.east")]
    assert window.engine is before and window.context.user == USER


def test_no_shortcut_reaches_the_window_while_locked(qtbot, signed_window) -> None:
    window, control = signed_window
    fired: list[bool] = []
    action = QAction("Anything", window)  # a shortcut of the window itself, as Alt+D is
    action.setShortcut(QKeySequence("Ctrl+J"))
    action.triggered.connect(lambda: fired.append(True))
    window.addAction(action)
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert fired == [True]  # it works while unlocked
    control.lock()
    qtbot.keyClick(window.centralWidget(), Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    assert fired == [True] and control.locked


def test_a_database_that_cannot_record_the_lock_still_locks(qtbot, signed_window,
                                                            trust: Trust,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    window, control = signed_window

    def read_only(_engine: Engine, _actor: str, _action: str) -> None:
        raise OperationalError("INSERT", {}, Exception("attempt to write a readonly database"))

    monkeypatch.setattr(control, "_record", read_only)
    control.lock()
    assert control.locked and tables_with_rows() == []
    assert "could not record the lock" in window.statusBar().currentMessage()
