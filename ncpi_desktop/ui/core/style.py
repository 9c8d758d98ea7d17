"""The theme: every colour the window uses, the palettes it can run under, and the style sheets
built from them. No other module of the window names a colour (a test greps for one); the printed
pack (``ui.exports``) keeps its own ink, since paper is white whatever the screen's theme.

Two kinds of colour:

* Fixed grounds with their own text: a flagged cell, a summary card, a flag box, a chart. Each
  sets both its background and its text, so it reads the same under every theme. Warning colours
  were chosen for contrast: dark red text on a pale red ground reads at 7:1, dark brown on pale
  amber at 6.9:1, and flagged cells are also bold, so a flag does not depend on colour vision.
* Text on the theme's own ground (a muted caption, a warning word in a sentence): derived from
  the palette in use (``muted_text``, ``on_ground``), and checked to keep 4.5:1 (WCAG AA)
  against it, falling back towards the palette's own text colour.

``apply_theme`` sets the application's theme: ``system`` (the desktop's style and palette, the
default), or Fusion with the ``light``, ``dark`` or ``high-contrast`` palette below.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

# --- fixed grounds, the same under every theme ------------------------------------------------

#: A flagged table cell or summary figure.
WARNING_BACKGROUND = "#fbe0dd"
WARNING_FOREGROUND = "#8e1b10"
#: A flagged cell only a little above its limit (the policy's amber grade); red is the warning.
AMBER_BACKGROUND = "#ffe9b0"
AMBER_FOREGROUND = "#6b4700"
#: Good news: a flag that is not a problem, a proposal that keeps every limit.
GOOD_BACKGROUND = "#e3f1e5"
GOOD_FOREGROUND = "#1d5b2a"
#: A what-if scenario's banner and its figures' cells: a pale violet ground unlike any flag's,
#: so a hypothetical figure is never read as the register's (text 9:1 on it).
SCENARIO_BACKGROUND = "#ece6f7"
SCENARIO_FOREGROUND = "#3b2467"
SCENARIO_BORDER = "#8f7bb8"
#: The summary strip's cards and the detail panel's fact boxes: light whatever the desktop's
#: theme, so their text is dark whatever the theme too.
CARD_BACKGROUND = "#f4f6f9"
CARD_TEXT = "#202124"
CARD_BORDER = "#d8dde5"
#: Muted text on a light ground (a card, the printed page): 5.7:1 on the card.
MUTED = "#5f6368"

#: Charts are drawn on white under every theme, in these colours; a bar and its key keep 3:1
#: (WCAG's rule for graphics) on white and on each theme's window.
CHART_BACKGROUND = "#ffffff"
BAR = "#5b7fb0"
BAR_WARNING = "#c8412f"
BAR_AMBER = "#b07d00"
BAR_SELECTED_PEN = "#1d1d1d"
LIMIT_LINE = "#2b2b2b"
#: The box behind a limit line's label (nearly opaque white).
LIMIT_LABEL_FILL = (255, 255, 255, 220)
#: Charts' axis lines and their text.
CHART_AXIS = "#8a8f98"
CHART_TEXT = "#202124"
#: Overdue visits stacked by risk, most serious (darkest) first.
RISK_VERY_HIGH = "#6d1208"
RISK_HIGH = "#c8412f"
RISK_MEDIUM = "#e9a23b"
RISK_LOW = "#9db8d9"
#: ARMS completion below the force's figure, and the trend line.
BAR_BELOW = "#c06a10"
TREND_LINE = "#3f6ea8"

#: Text must keep this contrast with its ground (WCAG AA for normal text).
MINIMUM_CONTRAST = 4.5
#: ... and this under the high-contrast theme (WCAG AAA).
HIGH_CONTRAST_MINIMUM = 7.0
#: A control's outline (a check box's or radio button's box) keeps this contrast with the ground
#: on both sides of it (WCAG's rule for a control's boundary, 1.4.11).
CONTROL_CONTRAST = 3.0

PAGE_STYLE = f"""
QFrame#summaryCard {{
    background: {CARD_BACKGROUND};
    border: 1px solid {CARD_BORDER};
    border-radius: 6px;
}}
QLabel#summaryValue {{ font-size: 20pt; font-weight: 600; color: {CARD_TEXT}; }}
QLabel#summaryCaption {{ color: {MUTED}; }}
QLabel#summaryNote {{ color: {MUTED}; font-size: 8pt; }}
QLabel#sectionTitle {{ font-size: 11pt; font-weight: 600; }}
QLabel#scopeTitle {{ font-size: 14pt; font-weight: 600; }}
QLabel#emptyTitle {{ font-size: 16pt; font-weight: 600; }}
"""

# --- contrast ---------------------------------------------------------------------------------


def _linear(value: float) -> float:
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """Relative luminance (WCAG 2)."""
    return (0.2126 * _linear(colour.redF()) + 0.7152 * _linear(colour.greenF())
            + 0.0722 * _linear(colour.blueF()))


def blend(front: QColor, back: QColor, weight: float) -> QColor:
    """``weight`` of ``front`` over ``1 - weight`` of ``back`` (opaque)."""
    return QColor.fromRgbF(*(weight * f + (1 - weight) * b for f, b in (
        (front.redF(), back.redF()), (front.greenF(), back.greenF()),
        (front.blueF(), back.blueF()))))


def contrast(text: QColor | str, ground: QColor | str) -> float:
    """WCAG contrast ratio of ``text`` on ``ground`` (a translucent text is blended first)."""
    text, ground = QColor(text), QColor(ground)
    if text.alphaF() < 1:
        text = blend(text, ground, text.alphaF())
    light, dark = sorted((luminance(text), luminance(ground)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable(colour: QColor | str, ground: QColor | str, fallback: QColor | str,
             minimum: float = MINIMUM_CONTRAST) -> QColor:
    """``colour`` if it keeps ``minimum`` contrast on ``ground``, else the least step towards
    ``fallback`` (the ground's own text colour) that does, else ``fallback`` itself."""
    colour, ground, fallback = QColor(colour), QColor(ground), QColor(fallback)
    for step in range(11):
        candidate = blend(fallback, colour, step / 10)
        if contrast(candidate, ground) >= minimum:
            return candidate
    return fallback


def _palette(palette: QPalette | None) -> QPalette:
    return palette if palette is not None else QGuiApplication.palette()


def _minimum() -> float:
    return HIGH_CONTRAST_MINIMUM if current_theme() == "high-contrast" else MINIMUM_CONTRAST


def muted_text(palette: QPalette | None = None,
               ground: QPalette.ColorRole = QPalette.ColorRole.Window) -> QColor:
    """Muted text on the palette's ``ground`` (Window, or Base for a list's): a blend of the
    ground's text colour into the ground, no fainter than the contrast minimum allows."""
    palette = _palette(palette)
    text_role = (QPalette.ColorRole.Text if ground == QPalette.ColorRole.Base
                 else QPalette.ColorRole.WindowText)
    text, back = palette.color(text_role), palette.color(ground)
    if current_theme() == "high-contrast":
        return text  # no grey text there
    return readable(blend(text, back, 0.62), back, text, _minimum())


def on_ground(colour: str, palette: QPalette | None = None,
              ground: QPalette.ColorRole = QPalette.ColorRole.Window) -> str:
    """``colour`` (a warning red, a good green) as text on the palette's ``ground``: itself on a
    light ground, lightened towards the palette's text on a dark one. A ``#rrggbb`` name."""
    palette = _palette(palette)
    text_role = (QPalette.ColorRole.Text if ground == QPalette.ColorRole.Base
                 else QPalette.ColorRole.WindowText)
    return readable(colour, palette.color(ground), palette.color(text_role),
                    _minimum()).name()


def muted_name(palette: QPalette | None = None) -> str:
    """``muted_text`` on the window's ground, as ``#rrggbb`` for HTML and style sheets."""
    return muted_text(palette).name()


def indicator_outline(palette: QPalette | None = None) -> QColor:
    """The outline of an unticked check box or radio button: as bold as a muted caption (the
    text blended 6 to 4 into the window), bolder if need be to keep ``CONTROL_CONTRAST`` with
    the window outside it and the base inside it; the text itself under high contrast. Fusion
    draws it a shade darker than the window: next to nothing on a dark window, nothing on
    black."""
    palette = _palette(palette)
    text = palette.color(Role.WindowText)
    if current_theme() == "high-contrast":
        return text
    window, base = palette.color(Role.Window), palette.color(Role.Base)
    for step in range(6, 11):
        candidate = blend(text, window, step / 10)
        if min(contrast(candidate, window), contrast(candidate, base)) >= CONTROL_CONTRAST:
            return candidate
    return text


_ARROWS: dict[tuple[str, bool], str] = {}


def _arrow(colour: str, *, up: bool) -> str:
    """A small ``colour`` triangle as a PNG file (made once per run) for a style sheet's
    ``image:``: a spin box styled by a sheet loses the style's own arrows."""
    key = (colour, up)
    if key not in _ARROWS:
        image = QImage(9, 5, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        tip, base = (0, 5) if up else (5, 0)
        painter.drawPolygon(QPolygonF([QPointF(0, base), QPointF(9, base), QPointF(4.5, tip)]))
        painter.end()
        folder = Path(tempfile.gettempdir()) / f"ncpi-desktop-arrows-{os.getpid()}"
        if not folder.exists():
            folder.mkdir()
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / f"{colour.lstrip('#')}-{'up' if up else 'down'}.png"
        image.save(str(path))
        _ARROWS[key] = path.as_posix()
    return _ARROWS[key]


def window_style(palette: QPalette | None = None) -> str:
    """The application-wide style sheet: the colours that follow the palette in use."""
    palette = _palette(palette)
    muted = muted_name(palette)
    warning = on_ground(WARNING_FOREGROUND, palette)
    sheet = f"""
QLabel#muted, QLabel#hint {{ color: {muted}; }}
QPushButton#warningButton {{ color: {warning}; font-weight: 600; }}
"""
    if current_theme() == "high-contrast":
        # Fusion draws a field's frame a shade darker than the window: nothing, on black.
        text = palette.color(QPalette.ColorRole.WindowText).name()
        focus = palette.color(QPalette.ColorRole.Highlight).name()
        sheet += f"""
QLineEdit, QAbstractSpinBox {{ border: 1px solid {text}; padding: 1px 2px; }}
QLineEdit:focus, QAbstractSpinBox:focus {{ border: 2px solid {focus}; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 14px; border: none; }}
QAbstractSpinBox::up-arrow {{ image: url({_arrow(text, up=True)}); }}
QAbstractSpinBox::down-arrow {{ image: url({_arrow(text, up=False)}); }}
"""
    return sheet

# --- the themes -------------------------------------------------------------------------------

#: The themes ``--theme`` accepts; ``system`` follows the desktop.
THEMES = ("system", "light", "dark", "high-contrast")
_THEME_PROPERTY = "ncpiTheme"
_FOLLOWING_PROPERTY = "ncpiFollowsSystem"

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

#: Each theme's colours by role (every group), then the disabled group's text.
_ROLES: dict[str, dict[Role, str]] = {
    "light": {
        Role.Window: "#efefef", Role.WindowText: "#000000", Role.Base: "#ffffff",
        Role.AlternateBase: "#f5f5f5", Role.Text: "#000000", Role.Button: "#efefef",
        Role.ButtonText: "#000000", Role.BrightText: "#ffffff", Role.Highlight: "#30609a",
        Role.HighlightedText: "#ffffff", Role.ToolTipBase: "#ffffdc", Role.ToolTipText: "#000000",
        Role.Link: "#0b57d0", Role.LinkVisited: "#7b1fa2", Role.PlaceholderText: "#5f6368",
        Role.Light: "#ffffff", Role.Midlight: "#cacaca", Role.Mid: "#b8b8b8",
        Role.Dark: "#9f9f9f", Role.Shadow: "#767676",
    },
    "dark": {
        Role.Window: "#202124", Role.WindowText: "#e8eaed", Role.Base: "#18191b",
        Role.AlternateBase: "#26282c", Role.Text: "#e8eaed", Role.Button: "#2d2f33",
        Role.ButtonText: "#e8eaed", Role.BrightText: "#ffffff", Role.Highlight: "#3d6fb4",
        Role.HighlightedText: "#ffffff", Role.ToolTipBase: "#2d2f33", Role.ToolTipText: "#e8eaed",
        Role.Link: "#8ab4f8", Role.LinkVisited: "#c58af9", Role.PlaceholderText: "#a6abb3",
        Role.Light: "#45484e", Role.Midlight: "#3a3d42", Role.Mid: "#303236",
        Role.Dark: "#141517", Role.Shadow: "#000000",
    },
    # Like Windows' high contrast: white on black, yellow selection, no greys for text.
    "high-contrast": {
        Role.Window: "#000000", Role.WindowText: "#ffffff", Role.Base: "#000000",
        Role.AlternateBase: "#000000", Role.Text: "#ffffff", Role.Button: "#000000",
        Role.ButtonText: "#ffffff", Role.BrightText: "#ffff00", Role.Highlight: "#ffff00",
        Role.HighlightedText: "#000000", Role.ToolTipBase: "#000000",
        Role.ToolTipText: "#ffffff", Role.Link: "#ffff00", Role.LinkVisited: "#ffff00",
        Role.PlaceholderText: "#d0d0d0", Role.Light: "#ffffff", Role.Midlight: "#ffffff",
        Role.Mid: "#ffffff", Role.Dark: "#ffffff", Role.Shadow: "#ffffff",
    },
}
#: Disabled controls' text (exempt from the 4.5:1 rule, still legible).
_DISABLED_TEXT = {"light": "#7a7a7a", "dark": "#8a8f98", "high-contrast": "#3ff23f"}


class _ReadableIndicators(QProxyStyle):
    """Fusion, with a check box's and a radio button's outline redrawn in ``indicator_outline``
    (its tick, its dot and its keyboard-focus outline stay Fusion's)."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,
                      painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element not in (_RADIO, _CHECK) or option.state & _KEYBOARD_FOCUS == _KEYBOARD_FOCUS:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(indicator_outline(option.palette)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        rect = option.rect
        if element == _RADIO:  # Fusion's circle: centred one pixel down and right
            radius = (rect.width() + (rect.width() + 1) % 2) / 2.0 - 1
            painter.drawEllipse(QPointF(rect.center()) + QPointF(1, 1), radius, radius)
        else:  # Fusion's box: on the half pixel, one short
            painter.drawRect(QRectF(rect.adjusted(0, 0, -1, -1)).translated(0.5, 0.5))
        painter.restore()


_RADIO = QStyle.PrimitiveElement.PE_IndicatorRadioButton
_CHECK = QStyle.PrimitiveElement.PE_IndicatorCheckBox
_KEYBOARD_FOCUS = QStyle.StateFlag.State_HasFocus | QStyle.StateFlag.State_KeyboardFocusChange


def themed_style() -> QStyle:
    """The style of the ``light``, ``dark`` and ``high-contrast`` themes: Fusion, with outlines
    of check boxes and radio buttons that read on the theme's window."""
    return _ReadableIndicators(QStyleFactory.create("Fusion"))


def theme_palette(name: str) -> QPalette:
    """The palette of the ``light``, ``dark`` or ``high-contrast`` theme."""
    palette = QPalette()
    for role, colour in _ROLES[name].items():
        palette.setColor(role, QColor(colour))
    for role in (Role.WindowText, Role.Text, Role.ButtonText):
        palette.setColor(Group.Disabled, role, QColor(_DISABLED_TEXT[name]))
    return palette


def current_theme() -> str:
    """The theme ``apply_theme`` last set (``system`` before it has)."""
    app = QApplication.instance()
    name = app.property(_THEME_PROPERTY) if app is not None else None
    return name if name in THEMES else "system"


def _readable_placeholder(palette: QPalette) -> QPalette:
    """``palette`` with its placeholder text at least 4.5:1 on its Base (a desktop's own
    placeholder is often the text at half opacity: about 3:1). Only that role is set, so the
    rest keeps following the desktop."""
    base = palette.color(Role.Base)
    patch = QPalette()
    for group in (Group.Active, Group.Inactive):
        shown = palette.color(group, Role.PlaceholderText)
        if contrast(shown, base) < MINIMUM_CONTRAST:
            patch.setColor(group, Role.PlaceholderText, muted_text(palette, Role.Base))
    return patch


def apply_theme(app: QApplication, name: str = "system") -> None:
    """Run ``app`` under the theme ``name`` (one of ``THEMES``): its palette, and the style sheet
    of the colours derived from it. ``system`` keeps the desktop's style and palette (and follows
    it when it changes); the others use Fusion with their own palette."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r} (one of {', '.join(THEMES)})")
    app.setProperty(_THEME_PROPERTY, name)
    if name == "system":
        app.setPalette(_readable_placeholder(QGuiApplication.palette()))
    else:
        app.setStyle(themed_style())
        app.setPalette(theme_palette(name))
    app.setStyleSheet(window_style(app.palette()))
    if not app.property(_FOLLOWING_PROPERTY):
        app.setProperty(_FOLLOWING_PROPERTY, True)
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: _follow_system(app))


def _follow_system(app: QApplication) -> None:
    """The desktop switched between light and dark: follow it when the theme is ``system``."""
    if current_theme() == "system":
        apply_theme(app, "system")
