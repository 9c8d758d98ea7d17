"""The performance pack as an A4 PDF: QPdfWriter and QTextDocument, no other library.

The body is one QTextDocument (HTML) laid out to the page body's size, which paginates it (table
header rows repeat on each page); each page is drawn with ``drawContents`` through its own clip
rectangle, and the header and footer (as-at date, policy values, who produced it and when, page
N of M) are painted around it with QPainter, so they are on every page. Charts are painted with
QPainter onto QImages, which the document holds as image resources.

Plain function with a progress callback, so File > Export performance pack can run it on a worker
thread (QImage, QTextDocument and QPdfWriter are all usable off the GUI thread).

This module assembles the document and writes the pages; the page's geometry, fonts, colours and
furniture are in ``pack_layout``, the charts in ``pack_chart``, the body's HTML in ``pack_html``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRectF, QSizeF, QUrl
from PySide6.QtGui import (
    QGuiApplication,
    QPainter,
    QTextDocument,
)

from ncpi_desktop.exchange.pack import Pack, replacing
from ncpi_desktop.ui.exports.pack_chart import render_chart
from ncpi_desktop.ui.exports.pack_html import STYLE, ColumnMeasure, pack_html
from ncpi_desktop.ui.exports.pack_layout import (
    BODY_BOTTOM,
    BODY_TOP,
    CHART_SCALE,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    a4_writer,
    css_px,
    dots,
    paint_page_furniture,
    pdf_document,
)

#: Imported from here by the command line, the menus, the benchmark and the tests.
__all__ = ["ColumnMeasure", "Progress", "gui_application", "pack_html", "render_chart",
           "write_pack_pdf"]

Progress = Callable[[int, int, str], None]


def gui_application() -> QGuiApplication:
    """The running application, or a new one for the command line: offscreen on Linux when
    there is no display, so ``ncpi-desktop pack`` runs on a server or over SSH."""
    app = QGuiApplication.instance()
    if app is not None:
        return app
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QGuiApplication(["ncpi-desktop"])


def write_pack_pdf(pack: Pack, path: str | Path, progress: Progress | None = None) -> int:
    """Write the pack as an A4 PDF at ``path``; returns the number of pages.

    Needs a QGuiApplication (fonts). ``progress(done, total, what)`` is called after each chart
    and page; an exception it raises (Cancel) stops the work. The PDF is written beside ``path``
    and moved onto it when complete, so a stopped or failed run leaves no partial file (and an
    earlier pack of the same name as it was); while written it has no name at all on Linux, so
    a killed run leaves nothing (``exchange.files.replacing``). Raises ``OSError`` when ``path``
    cannot be written.
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_pack_pdf needs a QGuiApplication (fonts and images)")
    report = progress or (lambda _done, _total, _what: None)
    path = Path(path)
    with replacing(path) as partial:
        return _write(pack, partial, report, path)


def _write(pack: Pack, path: Path, report: Progress, target: Path) -> int:
    charts = [c for s in pack.sections for c in s.charts]
    steps = len(charts) + 2  # until the pages are counted
    body_width_css = css_px(210 - MARGIN_LEFT - MARGIN_RIGHT)

    writer = a4_writer(str(path), f"{pack.title}, as at {pack.as_at_text} ({pack.marking})")
    document = pdf_document(writer, 9, STYLE)
    urls: dict[str, str] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for done, chart in enumerate(charts):
        report(done, steps, f"Drawing chart: {chart.title}")
        image = render_chart(chart, body_width_css)
        url = f"chart:{chart.key}"
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
        urls[chart.key] = url
        sizes[chart.key] = (body_width_css, round(image.height() / CHART_SCALE))
    report(len(charts), steps, "Laying out the pages")
    width = writer.width()
    body = QRectF(dots(MARGIN_LEFT), dots(BODY_TOP), width - dots(MARGIN_LEFT + MARGIN_RIGHT),
                  dots(BODY_BOTTOM - BODY_TOP))
    document.setHtml(pack_html(pack, urls, sizes, ColumnMeasure(writer), body.width()))
    document.setPageSize(QSizeF(body.width(), body.height()))
    pages = document.pageCount()
    steps = len(charts) + 1 + pages
    report(len(charts) + 1, steps, f"Writing page 1 of {pages}")

    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write {target}")
    # Charts are flat colour and text: lossless (Flate) is sharper, and smaller, than JPEG.
    painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering)
    try:
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.translate(body.left(), body.top() - page * body.height())
            document.drawContents(painter, QRectF(0, page * body.height(), body.width(),
                                                  body.height()))
            painter.restore()
            paint_page_furniture(painter, pack, page + 1, pages, width)
            report(len(charts) + 1 + page + 1, steps,
                   f"Writing page {min(page + 2, pages)} of {pages}" if page + 1 < pages
                   else "Done")
    finally:
        painter.end()
    return pages
