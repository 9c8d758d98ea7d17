"""Issue 14, part 2: under the light, dark and high-contrast themes, every text of the window on
the Lancashire demo keeps 4.5:1 against what it is drawn on: every label (rich text run by run,
the summary cards, the detail panel's facts and flags, the proposal's verdict), every table cell
in every colour the models give (the amber and red grades included), and the search box's
placeholder. Grey captions on a dark window (2:1 before) fail here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from builders import TEST_PASSWORD, TEST_USER, copy_database
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QWidget
from themes import THEMES, cell_colours, label_texts, labels, minimum, theme, too_faint

from ncpi_desktop.storage.users import sign_in
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.main_window import MainWindow
from ncpi_desktop.ui.models.proposal import Scope

DEMO_AS_AT = date(2017, 10, 9)


@pytest.fixture(scope="module", params=THEMES)
def themed(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    with theme(request.param):
        yield request.param


@pytest.fixture(scope="module")
def shown(lancashire_path: Path, tmp_path_factory: pytest.TempPathFactory,
          themed: str) -> Iterator[list[QWidget]]:
    """The window on the demo at 1366x768 with every page built, the detail panel on an RSO
    with flags, a proposal for the East BCU, a record dialog showing an error, and the
    reassign, absence and allocation history dialogs: the top-level widgets to check. Built
    once per theme (its settings in a file of its own)."""
    folder = tmp_path_factory.mktemp(f"theme-{themed}")
    copy = copy_database(lancashire_path, folder / "demo.sqlite3")
    session = sign_in(copy, TEST_USER, TEST_PASSWORD)
    engine = session.engine
    window = MainWindow(settings=QSettings(str(folder / "settings.ini"),
                                           QSettings.Format.IniFormat), as_at=DEMO_AS_AT,
                        user=session.user)
    window.set_database(engine)
    window.resize(1366, 768)
    window.show()
    window.finish_building()
    figures = window.figures
    assert figures is not None
    flagged = figures.rsos[figures.rsos["flag_visit_overdue"]].iloc[0]["rso_id"]
    detail = window.features.record.show_detail(str(flagged))
    view = window.features.rebalancing.propose(Scope("East"))
    assert view is not None
    # A record dialog refusing what was typed (its error box), and Manage's dialogs.
    record = window.features.record.record("visit", str(flagged))
    record.show_error("The visit date is after the as-at date.")
    rebalancing = window.features.rebalancing
    dialogs = [record, rebalancing.reassign([str(flagged)]),
               rebalancing.going(absence=True), rebalancing.history(rso_id=str(flagged))]
    for page in window.pages:  # each page laid out and polished once
        window.tabs.setCurrentWidget(page)
        QApplication.processEvents()
    tops = [window, detail, view, *(d for d in dialogs if d is not None)]
    assert len(tops) == 7
    yield tops
    for top in reversed(tops):
        top.close()
        top.deleteLater()
    QApplication.processEvents()
    engine.dispose()


def test_every_label_reads_on_its_ground(shown: list[QWidget], themed: str):
    found = labels(shown)
    names = {label.objectName() for label in found}
    # The kinds the issue names are among those checked: none is skipped by accident.
    assert {"summaryValue", "summaryCaption", "summaryNote", "muted", "hint", "facts",
            "verdictText", "errorBox"} <= names
    texts = [text for label in found for text in label_texts(label)]
    assert len(texts) > 200
    # Captions and cards: AA everywhere; the high-contrast theme asks more of its own ground.
    on_theme = [t for t in texts if t.ground != QColor(style.CARD_BACKGROUND)
                and t.ground not in (QColor(style.WARNING_BACKGROUND),
                                     QColor(style.GOOD_BACKGROUND))]
    on_fixed = [t for t in texts if t not in on_theme]
    assert on_fixed, "the cards and flag boxes were checked"
    assert too_faint(on_theme, minimum(themed)) == []
    assert too_faint(on_fixed) == []


def test_every_table_cell_reads_on_its_ground(shown: list[QWidget], themed: str):
    views = [v for top in shown for v in top.findChildren(QAbstractItemView)
             if v.model() is not None and v.model().rowCount() > 0]
    assert len(views) >= 8
    faint, colours = [], set()
    for view in views:
        for text, under, shown_text in cell_colours(view):
            colours.add((text.name(), under.name()))
            if style.contrast(text, under) < style.MINIMUM_CONTRAST:
                faint.append(f"{view.objectName() or type(view.model()).__name__}: "
                             f"{shown_text!r} {text.name()} on {under.name()}")
    # The severity grades were among the cells checked.
    assert (style.AMBER_FOREGROUND, style.AMBER_BACKGROUND) in colours
    assert (style.WARNING_FOREGROUND, style.WARNING_BACKGROUND) in colours
    assert faint[:10] == []


def test_every_placeholder_shown_reads(shown: list[QWidget], themed: str):
    """The register's search box and every other empty field's hint (a field holding text, or
    read-only, shows none)."""
    edits = {e for top in shown for e in top.findChildren(QLineEdit)
             if e.placeholderText() and not e.text() and not e.isReadOnly()}
    search = shown[0].features.register_page.findChildren(QLineEdit)
    assert any(e in edits for e in search)
    for edit in edits:
        palette = edit.palette()
        placeholder = palette.color(QPalette.ColorRole.PlaceholderText)
        assert style.contrast(placeholder, palette.color(QPalette.ColorRole.Base)) \
            >= style.MINIMUM_CONTRAST, edit.placeholderText()


@pytest.mark.parametrize("name", THEMES)
def test_each_palette_pairs_its_text_and_grounds(name: str):
    palette = style.theme_palette(name)
    R = QPalette.ColorRole
    for text, ground in ((R.WindowText, R.Window), (R.Text, R.Base), (R.Text, R.AlternateBase),
                         (R.ButtonText, R.Button), (R.HighlightedText, R.Highlight),
                         (R.ToolTipText, R.ToolTipBase), (R.PlaceholderText, R.Base),
                         (R.Link, R.Base), (R.LinkVisited, R.Base)):
        assert style.contrast(palette.color(text), palette.color(ground)) \
            >= style.MINIMUM_CONTRAST, (name, text, ground)
