"""Issue 14, part 2: choosing the theme. By default the window follows the system; ``--theme``
(light, dark, high-contrast or system) chooses one and is remembered for the next run."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QRadioButton, QStyle
from themes import theme

from ncpi_desktop.cli import build_parser
from ncpi_desktop.ui.app import choose_theme
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.core.settings import THEME

Role = QPalette.ColorRole


def test_the_command_line_takes_a_theme(capsys):
    assert build_parser().parse_args(["--theme", "high-contrast"]).theme == "high-contrast"
    assert build_parser().parse_args([]).theme is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--theme", "purple"])
    assert "invalid choice" in capsys.readouterr().err


def test_a_chosen_theme_is_applied_and_remembered(qapp: QApplication, settings):
    with theme("system"):
        assert choose_theme(qapp, "dark", settings) == "dark"
        assert qapp.palette().color(Role.Window) == QColor("#202124")
        assert style.current_theme() == "dark"
        # The next run, with no --theme: the one chosen last.
        assert THEME.read(settings) == "dark"
        assert choose_theme(qapp, None, settings) == "dark"


def test_the_system_theme_is_the_default_and_junk_falls_back_to_it(qapp: QApplication,
                                                                   settings):
    with theme("system"):
        assert choose_theme(qapp, None, settings) == "system"
        THEME.write(settings, "purple")
        assert choose_theme(qapp, None, settings) == "system"


def test_high_contrast_is_white_on_black_with_a_yellow_selection():
    palette = style.theme_palette("high-contrast")
    assert palette.color(Role.Window) == QColor("black")
    assert palette.color(Role.WindowText) == QColor("white")
    assert palette.color(Role.Highlight) == QColor("yellow")
    assert palette.color(Role.HighlightedText) == QColor("black")


def test_the_system_palette_keeps_its_colours_but_a_faint_placeholder_is_made_readable(
        qapp: QApplication):
    """A desktop's placeholder is often its text at half opacity (3:1 or less): under the system
    theme it is replaced by a muted text that keeps 4.5:1; the rest is the desktop's own."""
    with theme("light"):
        faint = QPalette(qapp.palette())
        half = QColor(faint.color(Role.Text))
        half.setAlpha(90)
        faint.setColor(Role.PlaceholderText, half)
        qapp.setPalette(faint)
        assert style.contrast(half, faint.color(Role.Base)) < style.MINIMUM_CONTRAST
        style.apply_theme(qapp, "system")
        shown = qapp.palette()
        assert shown.color(Role.Window) == faint.color(Role.Window)
        assert style.contrast(shown.color(Role.PlaceholderText), shown.color(Role.Base)) \
            >= style.MINIMUM_CONTRAST


@pytest.mark.parametrize("name", ["light", "dark", "high-contrast"])
def test_muted_text_is_quieter_than_text_but_keeps_its_contrast(qapp: QApplication, name):
    with theme(name):
        palette = qapp.palette()
        muted = style.muted_text(palette)
        ground = palette.color(Role.Window)
        assert style.contrast(muted, ground) >= style.MINIMUM_CONTRAST
        if name == "high-contrast":
            assert muted == palette.color(Role.WindowText)  # no grey text there
        else:
            assert muted != palette.color(Role.WindowText)


def test_under_the_system_theme_a_switch_of_the_desktop_is_followed(qapp: QApplication,
                                                                    monkeypatch):
    """The desktop turns dark while the window is open: the theme is applied again from the
    desktop's new palette (the muted captions' colour is derived from it); a chosen theme
    stays as chosen."""
    from PySide6.QtCore import Qt

    applied: list[str] = []
    for chosen, followed in (("system", ["system"]), ("light", [])):
        with theme(chosen), monkeypatch.context() as patch:
            patch.setattr(style, "apply_theme", lambda _app, name: applied.append(name))
            qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
        assert applied == followed
        applied.clear()


@pytest.mark.parametrize("name", ["light", "dark", "high-contrast"])
@pytest.mark.parametrize("kind", [QRadioButton, QCheckBox])
def test_an_unticked_radio_button_or_check_box_is_outlined_readably(qapp: QApplication, name,
                                                                   kind):
    """What is drawn of an unticked radio button's circle or check box's box: its outline keeps
    3:1 (WCAG's rule for a control's boundary) with the window beside it. Fusion drew it a
    shade darker than the window: next to nothing on the dark theme's, nothing on black."""
    with theme(name):
        button = kind("Include RSO names")
        button.resize(button.sizeHint())
        image = button.grab().toImage()
        metric = (QStyle.PixelMetric.PM_ExclusiveIndicatorWidth if kind is QRadioButton
                  else QStyle.PixelMetric.PM_IndicatorWidth)
        indicator = button.style().pixelMetric(metric, None, button)  # left of the label
        window = button.palette().color(Role.Window)
        drawn = [QColor(image.pixel(x, y)) for x in range(min(indicator, image.width()))
                 for y in range(image.height())]
        assert max(style.contrast(colour, window) for colour in drawn) \
            >= style.CONTROL_CONTRAST, name
        assert min(style.contrast(style.indicator_outline(), ground) for ground in (
            window, button.palette().color(Role.Base))) >= style.CONTROL_CONTRAST
