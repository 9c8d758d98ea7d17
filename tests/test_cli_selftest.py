"""``ncpi-desktop selftest`` (what a force's IT team runs to check an installation) and
``--version``."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from ncpi_desktop import __version__, cli_selftest
from ncpi_desktop.cli import main


@pytest.fixture(autouse=True)
def own_settings(tmp_path: Path):  # noqa: ANN201
    """The selftest moves the window's settings to its own folder: put them back after."""
    yield
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "settings"))


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"ncpi-desktop {__version__}"


def test_selftest_passes_every_step_and_leaves_nothing(capsys, monkeypatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert main(["selftest"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line[5:].split(":")[0] for line in lines[:-1]]
    assert names[:3] == ["demo", "sign in", "window"]
    pages = ("Caseload", "Visits", "ARMS", "Reactive", "Orders", "Register", "Quality",
             "Forecast")
    assert names[3:3 + len(pages)] == [f"page {title}" for title in pages]
    assert names[3 + len(pages):] == ["pack pdf", "pack xlsx", "audit", "close"]
    assert f"{len(pages)} pages, 2,742 RSOs shown" in lines[2]  # the pages the user is shown
    assert all(line.startswith("ok   ") for line in lines[:-1])
    assert lines[-1] == f"selftest passed: {len(names)} steps"
    assert "encrypted" in lines[0] and "2,742 RSOs" in lines[0]
    assert list(tmp_path.iterdir()) == []  # the temporary demo and pack are gone


def test_a_failing_step_is_named_and_ends_the_run(capsys, monkeypatch) -> None:
    def broken(*_args, **_kwargs) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr("ncpi_desktop.exchange.pack_xlsx.write_pack_xlsx", broken)
    assert main(["selftest"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[-1] == "FAIL pack xlsx: no space left on device"
    assert "ok   pack pdf" in lines[-2]
    assert "audit" not in captured.out  # nothing after the failure runs
    assert captured.err.strip() == ("ncpi-desktop: selftest failed at step 'pack xlsx' "
                                    f"({len(lines) - 1} step(s) passed)")


def test_a_blank_page_fails_its_step(capsys, monkeypatch) -> None:
    monkeypatch.setattr("ncpi_desktop.ui.app.painted_colours",
                        lambda page: 1 if page.title == "ARMS" else cli_selftest.PAINTED)
    assert main(["selftest"]) == 1
    out = capsys.readouterr().out
    assert "FAIL page ARMS: the page painted 1 colour(s): it is blank" in out
