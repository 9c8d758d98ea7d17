"""Issue 14 (part of 2): the summary cards and the detail panel's fact boxes are light whatever
the desktop's theme, so their text must be dark whatever the theme too (it was the palette's
white on a light card under a dark theme: unreadable)."""

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.widgets.summary import SummaryCard


def contrast(one: QColor, two: QColor) -> float:
    def luminance(colour: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
        return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
                + 0.0722 * channel(colour.blueF()))
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_a_summary_figure_reads_on_its_card_under_a_dark_theme(qtbot):
    app = QApplication.instance()
    saved = app.palette()
    dark = QPalette(saved)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        dark.setColor(role, QColor("#eeeeee"))
    dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    app.setPalette(dark)
    try:
        page = QWidget()
        page.setStyleSheet(style.PAGE_STYLE)
        qtbot.addWidget(page)
        card = SummaryCard("RSOs", "tip", page)
        card.set_figure("2,742", "on the register")
        page.show()
        qtbot.waitExposed(page)
        value = card.findChild(QWidget, "summaryValue")
        value.ensurePolished()
        shown = value.palette().color(QPalette.ColorRole.WindowText)
        assert contrast(shown, QColor(style.CARD_BACKGROUND)) >= 4.5
    finally:
        app.setPalette(saved)


def test_a_flag_box_sets_its_own_dark_text(figures):
    """The detail panel's flag boxes have pale backgrounds of their own: their why text is given
    the dark card text, not left to the theme's (white under a dark theme)."""
    from ncpi_desktop.analysis.figures import RSO_FLAGS
    from ncpi_desktop.ui.dialogs.rso_detail_text import flags_html

    rsos = figures.rsos
    flagged = rsos[rsos[[f"flag_{name}" for name in RSO_FLAGS]].any(axis=1)]
    _title, html = flags_html(flagged.iloc[0])
    boxes = html.count("<table")
    assert boxes >= 1 and html.count(f"color:{style.CARD_TEXT}") == boxes
    assert contrast(QColor(style.CARD_TEXT), QColor(style.WARNING_BACKGROUND)) >= 4.5
