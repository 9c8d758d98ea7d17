"""Helpers of the theme tests: run under a theme, and find what a widget's text is drawn on and
in which colour (its palette as polished by the style sheets, and the colours in its rich text)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6 import QtGui
from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtGui import QColor, QPalette, QTextCursor, QTextDocument, QTextFrame
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QLabel,
    QStyleFactory,
    QWidget,
)

from ncpi_desktop.ui.core import style

#: The themes every text is checked under.
THEMES = ["light", "dark", "high-contrast"]
#: A key's swatch ("■ above the limit") is a graphic: 3:1 is its rule (WCAG 1.4.11).
SWATCH = "■"
GRAPHIC_CONTRAST = 3.0
#: Table rows read per model (the register's 2,742 all fit).
MAX_ROWS = 5000
Role = Qt.ItemDataRole


@contextmanager
def theme(name: str) -> Iterator[QApplication]:
    """The application under the theme ``name``, restored afterwards."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved = (QPalette(app.palette()), app.style().name(), app.styleSheet(),
             app.property("ncpiTheme"))
    style.apply_theme(app, name)
    try:
        yield app
    finally:
        palette, style_name, sheet, property_ = saved
        app.setStyleSheet(sheet)
        # A theme's style is Fusion under a proxy (nameless): made again, not by name.
        app.setStyle(QStyleFactory.create(style_name) if style_name else style.themed_style())
        app.setPalette(palette)
        app.setProperty("ncpiTheme", property_)


def ground(widget: QWidget) -> QColor:
    """The colour ``widget``'s text is drawn on: the nearest of itself and its ancestors that
    paints its own background (filled, styled by a style sheet, a view's viewport, a window)."""
    current: QWidget | None = widget
    while current is not None:
        role = current.backgroundRole()
        paints = (current.autoFillBackground()
                  or current.testAttribute(Qt.WidgetAttribute.WA_StyledBackground)
                  or current.isWindow())
        if paints and role != QPalette.ColorRole.NoRole:
            return current.palette().color(role)
        parent = current.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and current is parent.viewport() \
                and role != QPalette.ColorRole.NoRole:
            return current.palette().color(role)
        current = parent
    return QApplication.palette().color(QPalette.ColorRole.Window)


@dataclass(frozen=True)
class Text:
    """A run of text as drawn: what it says, its colour, and what it is drawn on."""

    widget: str
    text: str
    colour: QColor
    ground: QColor

    @property
    def swatch(self) -> bool:
        return self.text.strip() in {SWATCH, ""} or set(self.text.strip()) <= {SWATCH, " "}

    @property
    def contrast(self) -> float:
        return style.contrast(self.colour, self.ground)

    def __str__(self) -> str:
        return (f"{self.widget}: {self.text[:50]!r} {self.colour.name()} on "
                f"{self.ground.name()} ({self.contrast:.2f}:1)")


def _frame_ground(frame: QTextFrame | None, default: QColor) -> QColor:
    while frame is not None:
        brush = frame.frameFormat().background()
        if brush.style() != Qt.BrushStyle.NoBrush:
            return brush.color()
        frame = frame.parentFrame()
    return default


def label_texts(label: QLabel) -> list[Text]:
    """Each run of ``label``'s text with its colour and ground (rich text run by run)."""
    label.ensurePolished()
    colour = label.palette().color(label.foregroundRole())
    under = ground(label)
    name = label.objectName() or type(label.parent()).__name__
    if label.textFormat() == Qt.TextFormat.PlainText or not QtGui.Qt.mightBeRichText(label.text()):
        return [Text(name, label.text(), colour, under)] if label.text().strip() else []
    document = QTextDocument()
    document.setHtml(label.text())
    texts = []
    block = document.begin()
    while block.isValid():
        cursor = QTextCursor(block)
        table = cursor.currentTable()
        cell_ground = _frame_ground(cursor.currentFrame(), under)
        if table is not None:
            cell = table.cellAt(cursor)
            brush = cell.format().background()
            if brush.style() != Qt.BrushStyle.NoBrush:
                cell_ground = brush.color()
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            brush = fragment.charFormat().foreground()
            shown = brush.color() if brush.style() != Qt.BrushStyle.NoBrush else colour
            if fragment.text().strip():
                texts.append(Text(name, fragment.text(), shown, cell_ground))
            iterator += 1
        block = block.next()
    return texts


def too_faint(texts: list[Text], minimum: float = style.MINIMUM_CONTRAST) -> list[str]:
    """The runs below ``minimum`` (a swatch: below 3:1)."""
    return [str(t) for t in texts
            if t.contrast < (GRAPHIC_CONTRAST if t.swatch else minimum)]


def labels(tops: list[QWidget]) -> list[QLabel]:
    """The enabled labels with text of ``tops`` (each top shown)."""
    found = []
    for top in tops:
        found += [label for label in top.findChildren(QLabel)
                  if label.isEnabled() and label.text().strip()
                  and not label.window().isHidden()]
    return found


def minimum(name: str) -> float:
    """The contrast text needs under theme ``name``."""
    return style.HIGH_CONTRAST_MINIMUM if name == "high-contrast" else style.MINIMUM_CONTRAST


def cell_colours(view: QAbstractItemView) -> Iterator[tuple[QColor, QColor, str]]:
    """Each cell's text colour and ground as the view draws it (the model's colours, else the
    view's palette, alternating rows included)."""
    model: QAbstractItemModel = view.model()
    palette = view.palette()
    alternate = view.alternatingRowColors()
    for row in range(min(model.rowCount(), MAX_ROWS)):
        base = palette.color(QPalette.ColorRole.AlternateBase if alternate and row % 2
                             else QPalette.ColorRole.Base)
        for column in range(model.columnCount()):
            index = model.index(row, column)
            text = model.data(index, Role.DisplayRole)
            if text in (None, ""):
                continue
            background = model.data(index, Role.BackgroundRole)
            foreground = model.data(index, Role.ForegroundRole)
            yield (QColor(foreground) if foreground is not None
                   else palette.color(QPalette.ColorRole.Text),
                   QColor(background) if background is not None else base, str(text))
