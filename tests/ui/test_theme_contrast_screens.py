"""The screens of issues 15, 16 and 18 under the light, dark and high-contrast themes, as
``test_theme_contrast`` checks the pages: the Quality page, the Briefing page, the Visits page's
Clocks tab, Record's event, referral, case review and notification review decision dialogs, the
first run, About and the offline dialogs (``ui.dialogs.gallery``, which ``make screenshots`` grabs
too). Every text keeps 4.5:1 on
what it is drawn on (7:1 on the high-contrast theme's own ground), every table cell too, every
placeholder shown; and no label shows a stray "&" (a mnemonic with nothing to go to)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from builders import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QLineEdit, QWidget
from themes import THEMES, cell_colours, label_texts, labels, minimum, theme, too_faint

from ncpi_desktop.domain.enums import EventType
from ncpi_desktop.storage.operations import record_event
from ncpi_desktop.storage.users import sign_in
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.dialogs import gallery
from ncpi_desktop.ui.main_window import MainWindow

DEMO_AS_AT = date(2017, 10, 9)
#: The screens checked, by the name of their screenshot.
SCREENS = {"quality", "briefing", "visits-clocks", "record-event", "record-referral",
           "record-review", "record-notification-review", "about", "first-run", "take-offline",
           "first-copy", "sync-password", "refused-changes", "locked-copy"}
FIXED_GROUNDS = (style.CARD_BACKGROUND, style.WARNING_BACKGROUND, style.GOOD_BACKGROUND)


@pytest.fixture(scope="module", params=THEMES)
def themed(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    with theme(request.param):
        yield request.param


@pytest.fixture(scope="module")
def screens(lancashire_path: Path, tmp_path_factory: pytest.TempPathFactory,
            themed: str) -> Iterator[dict[str, QWidget]]:
    """The window on a copy of the demo at 1366x768, an event recorded (so the Clocks tab
    lists an open clock), and every screen of the gallery: name -> the widget to check."""
    folder = tmp_path_factory.mktemp(f"screens-{themed}")
    copy = copy_database(lancashire_path, folder / "demo.sqlite3")
    session = sign_in(copy, TEST_USER, TEST_PASSWORD)
    engine = session.engine
    with engine.connect() as connection:
        rso_id = str(connection.exec_driver_sql(
            "SELECT rso_id FROM rso WHERE status = 'community' ORDER BY rso_id").scalar())
    record_event(engine, rso_id, EventType.CONCERN.value, date(2017, 10, 2), session.user,
                 child_at_risk=True, today=DEMO_AS_AT)
    window = MainWindow(settings=QSettings(str(folder / "settings.ini"),
                                           QSettings.Format.IniFormat), as_at=DEMO_AS_AT,
                        user=session.user)
    window.set_database(engine)
    window.resize(1366, 768)
    window.show()
    window.finish_building()
    features = window.features
    window.tabs.setCurrentWidget(features.quality_page)
    QApplication.processEvents()
    gallery.clocks_tab(window)
    gallery.briefing(window)
    dialogs = gallery.dialogs(window, rso_id)
    shown: dict[str, QWidget] = {
        "quality": features.quality_page, "briefing": features.briefing.page,
        "visits-clocks": features.visits_page.list_tabs.widget(1), **dialogs}
    yield shown
    for widget in dialogs.values():
        widget.close()
        widget.deleteLater()
    window.close()
    window.deleteLater()
    QApplication.processEvents()
    engine.dispose()


def test_every_label_of_the_screens_reads_on_its_ground(screens: dict[str, QWidget],
                                                        themed: str):
    assert set(screens) == SCREENS
    faint, empty = [], []
    for name, top in screens.items():
        texts = [text for label in labels([top]) for text in label_texts(label)]
        if not texts:
            empty.append(name)
        fixed = [t for t in texts if t.ground in [QColor(c) for c in FIXED_GROUNDS]]
        on_theme = [t for t in texts if t not in fixed]
        faint += [f"{name}: {line}" for line in too_faint(on_theme, minimum(themed))]
        faint += [f"{name}: {line}" for line in too_faint(fixed)]
    assert empty == [], "every screen has text that was checked"
    assert faint == []


def test_every_table_cell_of_the_screens_reads(screens: dict[str, QWidget], themed: str):
    checked, faint = set(), []
    for name, top in screens.items():
        for view in top.findChildren(QAbstractItemView):
            if view.model() is None or view.model().rowCount() == 0:
                continue
            for text, under, shown in cell_colours(view):
                checked.add(name)
                if style.contrast(text, under) < style.MINIMUM_CONTRAST:
                    faint.append(f"{name}: {shown!r} {text.name()} on {under.name()}")
    assert {"quality", "visits-clocks", "refused-changes"} <= checked
    assert faint[:10] == []


def test_every_placeholder_of_the_screens_reads(screens: dict[str, QWidget], themed: str):
    seen = set()
    for name, top in screens.items():
        for edit in top.findChildren(QLineEdit):
            if not edit.placeholderText() or edit.text() or edit.isReadOnly():
                continue
            seen.add(name)
            palette = edit.palette()
            placeholder = palette.color(QPalette.ColorRole.PlaceholderText)
            assert style.contrast(placeholder, palette.color(QPalette.ColorRole.Base)) \
                >= style.MINIMUM_CONTRAST, (name, edit.placeholderText())
    assert {"take-offline", "first-copy", "record-review"} <= seen


def test_about_fits_a_laptop_screen(screens: dict[str, QWidget], themed: str):
    """Every rule in force is in About: it stays within 1366x768, room left for a title bar
    and a panel."""
    about = screens["about"]
    assert about.height() <= 768 - 60 and about.width() <= 1366
    assert "Rules in force" in about.text()


def test_no_label_shows_a_stray_ampersand(screens: dict[str, QWidget], themed: str):
    """A "&" in a label marks its shortcut only when the label has a field to go to: without
    one the user reads "S&ource:"."""
    stray = [f"{name}: {label.text()!r}" for name, top in screens.items()
             for label in top.findChildren(QLabel)
             if "&" in label.text().replace("&&", "") and label.buddy() is None
             and not label.text().lstrip().startswith("<")]
    assert stray == []
