"""The pack's page as printed: A4 geometry in millimetres, the fonts (without ligatures) and
colours, and the header and footer painted on every page (as-at date, protective marking, policy
values, who produced it and when, page N of M).
"""

from __future__ import annotations

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)

from ncpi_desktop.exchange.pack import Pack
from ncpi_desktop.ui.core import style

#: Print resolution of the PDF (dots per inch) and the scale charts are drawn at over 96 dpi.
RESOLUTION = 300
CHART_SCALE = 3.0
#: Page geometry in millimetres (A4 portrait).
MARGIN_LEFT = 16.0
MARGIN_RIGHT = 16.0
BODY_TOP = 27.0
BODY_BOTTOM = 280.0
HEADER_TOP = 9.0
FOOTER_RULE = 283.5
#: Where a scenario's mark is printed above the header (and, below the footer, at FOOTER_RULE +
#: SCENARIO_BELOW).
SCENARIO_TOP = 4.5
SCENARIO_BELOW = 5.7

FONT = "DejaVu Sans"
FONT_CONDENSED = "DejaVu Sans Condensed"

# Colours: the application's (ui.style), so a warning looks the same on screen and in the pack.
INK = "#202124"
MUTED = style.MUTED
RULE = "#c9ced6"
HEADER_FILL = "#e8edf4"
CARD_FILL = style.CARD_BACKGROUND
STRIPE = "#f7f8fa"
BAR = style.BAR
BAR_WARNING = style.BAR_WARNING
LIMIT_LINE = style.LIMIT_LINE
WARNING_BACKGROUND = style.WARNING_BACKGROUND
WARNING_FOREGROUND = style.WARNING_FOREGROUND
ACCENT = "#1f3a5f"

LIGATURES = ("liga", "clig", "dlig")
#: Size of a table's text (points).
TABLE_POINTS = 7.5


def dots(value: float) -> float:
    """Millimetres as the PDF's dots (RESOLUTION per inch)."""
    return value / 25.4 * RESOLUTION


def css_px(mm: float) -> int:
    """Millimetres as the HTML's pixels (96 per inch), which the document scales to the PDF."""
    return int(mm / 25.4 * 96)


def pack_font(size: float, *, bold: bool = False, family: str = FONT) -> QFont:
    """The pack's font at ``size`` points, with no ligatures."""
    font = QFont(family)
    font.setPointSizeF(size)
    font.setBold(bold)
    no_ligatures(font)
    return font


def no_ligatures(font: QFont) -> None:
    """Ligatures would turn "offender" into "o\ufb00ender" in the PDF's text: searching and
    copying from the pack must find the words as written."""
    for tag in LIGATURES:
        font.setFeature(QFont.Tag(tag), 0)


def paint_page_furniture(painter: QPainter, pack: Pack, page: int, pages: int,
                         width: float) -> None:
    """The header (title, marking, policy line) and footer (producer, marking, page N of M)."""
    left, right = dots(MARGIN_LEFT), width - dots(MARGIN_RIGHT)
    span = right - left
    painter.setPen(QColor(INK))
    painter.setFont(pack_font(8.5, bold=True))
    top = dots(HEADER_TOP)
    line_h = dots(4.2)
    flags = Qt.AlignmentFlag.AlignVCenter
    painter.drawText(QRectF(left, top, span, line_h), flags | Qt.AlignmentFlag.AlignLeft,
                     f"Performance pack · as at {pack.as_at_text}")
    if pack.scenario_mark:  # a scenario's figures: said above the header and below the footer
        painter.setPen(QColor(WARNING_FOREGROUND))
        painter.drawText(QRectF(left, dots(SCENARIO_TOP), span, line_h),
                         flags | Qt.AlignmentFlag.AlignHCenter, pack.scenario_mark)
    painter.setPen(QColor(WARNING_FOREGROUND))
    painter.drawText(QRectF(left, top, span, line_h), flags | Qt.AlignmentFlag.AlignRight,
                     pack.marking)
    painter.setPen(QColor(MUTED))
    painter.setFont(pack_font(6.5, family=FONT_CONDENSED))
    painter.drawText(QRectF(left, top + line_h + dots(0.8), span, dots(8)),
                     Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignTop, pack.policy_line)
    painter.setPen(QPen(QColor(RULE), dots(0.25)))
    painter.drawLine(QPointF(left, dots(BODY_TOP - 2.5)), QPointF(right, dots(BODY_TOP - 2.5)))
    painter.drawLine(QPointF(left, dots(FOOTER_RULE)), QPointF(right, dots(FOOTER_RULE)))

    painter.setFont(pack_font(7.5))
    footer = QRectF(left, dots(FOOTER_RULE + 1.2), span, dots(4.5))
    painter.setPen(QColor(MUTED))
    painter.drawText(footer, flags | Qt.AlignmentFlag.AlignLeft, pack.produced_text)
    painter.drawText(footer, flags | Qt.AlignmentFlag.AlignRight, f"Page {page} of {pages}")
    painter.setPen(QColor(WARNING_FOREGROUND))
    painter.setFont(pack_font(7.5, bold=True))
    painter.drawText(footer, flags | Qt.AlignmentFlag.AlignHCenter, pack.marking)
    if pack.scenario_mark:
        painter.drawText(QRectF(left, dots(FOOTER_RULE + SCENARIO_BELOW), span, dots(4.5)),
                         flags | Qt.AlignmentFlag.AlignHCenter, pack.scenario_mark)


def a4_writer(path: str, title: str) -> QPdfWriter:
    """A PDF writer for A4 pages at ``RESOLUTION``, with no margins of its own (the pages draw
    their header, footer and body where ``pack_layout`` places them)."""
    writer = QPdfWriter(path)
    writer.setResolution(RESOLUTION)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("ncpi-desktop")
    return writer


def pdf_document(writer: QPdfWriter, font_size: float, style_sheet: str) -> QTextDocument:
    """A text document laid out for ``writer``'s pages, in the pack's font."""
    document = QTextDocument()
    document.documentLayout().setPaintDevice(writer)
    document.setDocumentMargin(0)
    document.setDefaultFont(pack_font(font_size))
    document.setDefaultStyleSheet(style_sheet)
    return document
