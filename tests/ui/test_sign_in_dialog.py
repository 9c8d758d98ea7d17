"""The sign-in dialog (SECURITY.md, "Signing in"): what a user sees, with a fake sign-in check."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox
from sqlalchemy.engine import Engine

from ncpi_desktop.domain.security import Role, User
from ncpi_desktop.ui import app as app_module
from ncpi_desktop.ui.core.session import SignInRefused, SlowDown
from ncpi_desktop.ui.dialogs.sign_in import SignInDialog

USER = User("om009", "Olivia Mercer", frozenset({Role.OFFENDER_MANAGER}))
PASSWORD = "correct horse battery"
REFUSAL = "Not signed in: the user name or password is not right."


class Wait(SlowDown):
    """A ``SlowDown`` whatever storage's constructor takes."""

    def __init__(self, seconds: int) -> None:
        Exception.__init__(self, f"wait {seconds} s")
        self.seconds = seconds


@dataclass
class FakeSession:
    user: User
    engine: Engine | None = None
    target: str = "test.sqlite3"


@dataclass
class FakeSignIn:
    """Accepts ``USER`` with ``PASSWORD``; refuses anything else; ``slow`` raises ``Wait``."""

    slow: int = 0
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, user_name: str, password: str) -> FakeSession:
        self.calls.append((user_name, password))
        if self.slow:
            seconds, self.slow = self.slow, 0
            raise Wait(seconds)
        if user_name == USER.user_name and password == PASSWORD:
            return FakeSession(USER)
        raise SignInRefused(REFUSAL)


def dialog_for(qtbot, check: FakeSignIn, user_name: str = "") -> SignInDialog:
    dialog = SignInDialog(check, "register.sqlite3", user_name=user_name)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def type_in(qtbot, dialog: SignInDialog, name: str, password: str) -> None:
    dialog.prompt.name_edit.setText(name)
    dialog.prompt.password_edit.clear()
    qtbot.keyClicks(dialog.prompt.password_edit, password)
    qtbot.keyClick(dialog.prompt.password_edit, Qt.Key.Key_Return)


def message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.isVisible()]


def test_the_right_name_and_password_give_the_user(qtbot) -> None:
    check = FakeSignIn()
    dialog = dialog_for(qtbot, check)
    type_in(qtbot, dialog, "om009", PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.session is not None and dialog.session.user == USER
    assert check.calls == [("om009", PASSWORD)]
    assert dialog.prompt.password_edit.text() == ""  # not kept in the dialog


def test_a_refusal_is_shown_once_in_the_dialog(qtbot) -> None:
    check = FakeSignIn()
    dialog = dialog_for(qtbot, check, user_name="om009")
    type_in(qtbot, dialog, "om009", "wrong password!")
    type_in(qtbot, dialog, "nobody", PASSWORD)
    assert dialog.isVisible() and dialog.session is None
    assert dialog.prompt.message.isVisible()
    assert dialog.prompt.message.text() == REFUSAL  # one line, not one per attempt
    assert message_boxes() == []  # said in the dialog, not again in a box
    assert dialog.prompt.password_edit.text() == ""
    assert len(check.calls) == 2


def test_empty_fields_are_not_tried(qtbot) -> None:
    check = FakeSignIn()
    dialog = dialog_for(qtbot, check)
    type_in(qtbot, dialog, "om009", "")
    assert check.calls == []
    assert "user name and password" in dialog.prompt.message.text()


def test_a_slow_down_counts_down_and_blocks_attempts(qtbot) -> None:
    check = FakeSignIn(slow=2)
    dialog = dialog_for(qtbot, check)
    type_in(qtbot, dialog, "om009", PASSWORD)
    prompt = dialog.prompt
    assert prompt.waiting == 2
    assert "wait 2 s" in prompt.message.text()
    assert not prompt.button.isEnabled() and not prompt.password_edit.isEnabled()
    prompt.password_edit.setText(PASSWORD)
    prompt.attempt()  # pressing Return or the button while waiting tries nothing
    assert len(check.calls) == 1
    qtbot.waitUntil(lambda: "wait 1 s" in prompt.message.text(), timeout=3000)
    qtbot.waitUntil(lambda: prompt.waiting == 0, timeout=3000)
    assert prompt.button.isEnabled() and prompt.password_edit.isEnabled()
    type_in(qtbot, dialog, "om009", PASSWORD)
    assert dialog.session is not None and dialog.session.user == USER


def test_cancel_signs_nobody_in(qtbot) -> None:
    check = FakeSignIn()
    dialog = dialog_for(qtbot, check)
    dialog.prompt.name_edit.setText("om009")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert dialog.session is None and check.calls == []


def test_every_control_has_an_accessible_name(qtbot) -> None:
    dialog = dialog_for(qtbot, FakeSignIn())
    prompt = dialog.prompt
    for widget in (prompt.name_edit, prompt.password_edit, prompt.button, prompt.message):
        assert widget.accessibleName()


def test_cancelling_the_sign_in_ends_the_application_with_nothing_opened(
        qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def cancelled(_sign_in, location: str, **_kwargs: object) -> None:
        asked.append(location)
        return None

    monkeypatch.setattr(app_module, "ask_sign_in", cancelled)
    monkeypatch.setattr(app_module, "build_window", lambda *a, **k: pytest.fail("opened"))
    assert app_module.run_app("register.sqlite3") == 0
    assert asked == ["register.sqlite3"]
    assert not [w for w in QApplication.topLevelWidgets()
                if isinstance(w, QMainWindow) and w.isVisible()]


def test_a_url_is_asked_for_without_its_password(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(app_module, "ask_sign_in",
                        lambda _s, location, **_k: asked.append(location))
    app_module.run_app("postgresql://ncpi:s3cret-pass@db.example/ncpi")
    assert asked and "s3cret-pass" not in asked[0] and "db.example" in asked[0]
