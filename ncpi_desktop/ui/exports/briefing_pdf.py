"""The neighbourhood briefing (``exchange.briefing``) as an A4 PDF, drawn as the pack is: one
QTextDocument paginated to the page's body, and on every page the marking (OFFICIAL-SENSITIVE),
the date, "Destroy after DATE" and page N of M painted around it. Written owner-only and whole
(``exchange.files.replacing``), like every output.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QPainter,
    QPen,
)

from ncpi_desktop.exchange.briefing import COLUMNS, Briefing
from ncpi_desktop.exchange.files import replacing
from ncpi_desktop.ui.exports.pack_layout import (
    ACCENT,
    BODY_BOTTOM,
    BODY_TOP,
    FOOTER_RULE,
    HEADER_FILL,
    HEADER_TOP,
    INK,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MUTED,
    RULE,
    WARNING_FOREGROUND,
    a4_writer,
    dots,
    pack_font,
    pdf_document,
)

#: The share of the page's width each column takes (percent).
WIDTHS = (9, 22, 9, 34, 26)

_STYLE = f"""
h1 {{ font-size: 15pt; color: {ACCENT}; margin: 0 0 4px 0; }}
p {{ margin: 0 0 6px 0; }}
p.note {{ color: {MUTED}; }}
table {{ border-collapse: collapse; }}
th {{ background-color: {HEADER_FILL}; text-align: left; padding: 4px; font-weight: bold; }}
td {{ padding: 4px; border-bottom: 1px solid {RULE}; vertical-align: top; }}
"""


def briefing_html(briefing: Briefing) -> str:
    """The briefing's body: heading, what it is for, and one row per RSO."""
    head = "".join(f"<th width='{width}%'>{escape(title)}</th>"
                   for title, width in zip(COLUMNS, WIDTHS, strict=True))
    rows = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row.cells())
                   + "</tr>" for row in briefing.rows)
    if not rows:
        rows = (f"<tr><td colspan='{len(COLUMNS)}'>No registered sex offender in the community "
                f"is recorded in this neighbourhood.</td></tr>")
    count = len(briefing.rows)
    return (
        f"<h1>{escape(briefing.heading)}</h1>"
        f"<p><b>{escape(briefing.marking)}. {escape(briefing.destroy_line)}.</b> For the "
        f"officers of this neighbourhood only: do not copy, forward or leave unattended.</p>"
        f"<p class='note'>{count} registered sex offender{'s' if count != 1 else ''} living in "
        f"the neighbourhood, with only what a patrol officer may be told. "
        f"Report any sighting of or concern about them to whom the last column names.</p>"
        f"<table width='100%' cellspacing='0'><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>")


def _furniture(painter: QPainter, briefing: Briefing, page: int, pages: int,
               width: float) -> None:
    left, right = dots(MARGIN_LEFT), width - dots(MARGIN_RIGHT)
    span = right - left
    line = QRectF(left, dots(HEADER_TOP), span, dots(4.2))
    middle = Qt.AlignmentFlag.AlignVCenter
    painter.setFont(pack_font(8.5, bold=True))
    painter.setPen(QColor(INK))
    painter.drawText(line, middle | Qt.AlignmentFlag.AlignLeft, briefing.heading)
    painter.setPen(QColor(WARNING_FOREGROUND))
    painter.drawText(line, middle | Qt.AlignmentFlag.AlignRight,
                     f"{briefing.marking} · {briefing.destroy_line}")
    painter.setPen(QPen(QColor(RULE), dots(0.25)))
    painter.drawLine(QPointF(left, dots(BODY_TOP - 2.5)), QPointF(right, dots(BODY_TOP - 2.5)))
    painter.drawLine(QPointF(left, dots(FOOTER_RULE)), QPointF(right, dots(FOOTER_RULE)))
    footer = QRectF(left, dots(FOOTER_RULE + 1.2), span, dots(4.5))
    painter.setFont(pack_font(7.5))
    painter.setPen(QColor(MUTED))
    painter.drawText(footer, middle | Qt.AlignmentFlag.AlignLeft, briefing.produced_line)
    painter.drawText(footer, middle | Qt.AlignmentFlag.AlignRight, f"Page {page} of {pages}")
    painter.setPen(QColor(WARNING_FOREGROUND))
    painter.setFont(pack_font(7.5, bold=True))
    painter.drawText(footer, middle | Qt.AlignmentFlag.AlignHCenter, briefing.marking)


def write_briefing_pdf(briefing: Briefing, path: str | Path) -> int:
    """Write ``briefing`` as an A4 PDF at ``path`` (owner-only, whole or not at all); returns
    the number of pages. Needs a QGuiApplication (fonts): ``pack_pdf.gui_application``."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_briefing_pdf needs a QGuiApplication (fonts)")
    path = Path(path)
    with replacing(path) as partial:
        return _write(briefing, partial, path)


def _write(briefing: Briefing, path: Path, target: Path) -> int:
    writer = a4_writer(str(path), f"{briefing.heading} ({briefing.marking})")
    document = pdf_document(writer, 9.5, _STYLE)
    width = writer.width()
    body = QRectF(dots(MARGIN_LEFT), dots(BODY_TOP), width - dots(MARGIN_LEFT + MARGIN_RIGHT),
                  dots(BODY_BOTTOM - BODY_TOP))
    document.setHtml(briefing_html(briefing))
    document.setPageSize(QSizeF(body.width(), body.height()))
    pages = document.pageCount()
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write {target}")
    try:
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(body.left(), body.top() - page * body.height())
            document.drawContents(painter, QRectF(0, page * body.height(), body.width(),
                                                  body.height()))
            painter.restore()
            _furniture(painter, briefing, page + 1, pages, width)
    finally:
        painter.end()
    return pages
