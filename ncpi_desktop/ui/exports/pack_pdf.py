"""The performance pack as an A4 PDF: QPdfWriter and QTextDocument, no other library.

The body is one QTextDocument (HTML) laid out to the page body's size, which paginates it (table
header rows repeat on each page); each page is drawn with ``drawContents`` through its own clip
rectangle, and the header and footer (as-at date, policy values, who produced it and when, page
N of M) are painted around it with QPainter, so they are on every page. Charts are painted with
QPainter onto QImages, which the document holds as image resources.

Plain function with a progress callback, so File > Export performance pack can run it on a worker
thread (QImage, QTextDocument and QPdfWriter are all usable off the GUI thread).
"""

from __future__ import annotations

import html
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextDocument,
)

from ncpi_desktop.exchange.pack import Chart, Column, Pack, Section, Table, replacing
from ncpi_desktop.formats import NOT_APPLICABLE, Kind, format_value
from ncpi_desktop.ui.core import style

Progress = Callable[[int, int, str], None]

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
#: Size of a table's text (points), and rows measured when sizing its columns.
TABLE_POINTS = 7.5
WIDTH_SAMPLE = 300
#: A text column no wider than this share of the table is never wrapped when room allows.
SHORT_TEXT = 0.22
NUMERIC = {Kind.INT, Kind.RATIO, Kind.FTE, Kind.PERCENT, Kind.POINTS, Kind.DATE, Kind.DATETIME}

STYLE = f"""
body {{ font-family: '{FONT}'; font-size: 9pt; color: {INK}; }}
h1 {{ font-size: 17pt; color: {ACCENT}; margin-bottom: 2px; }}
h2 {{ font-size: 13pt; color: {ACCENT}; margin-top: 4px; margin-bottom: 6px; }}
h3 {{ font-size: 10pt; color: {INK}; margin-top: 12px; margin-bottom: 4px; }}
p {{ margin-top: 0px; margin-bottom: 6px; }}
p.lead {{ font-size: 10pt; color: {MUTED}; margin-bottom: 10px; }}
p.note {{ font-size: 7.5pt; color: {MUTED}; margin-top: 2px; }}
table.data {{ font-family: '{FONT_CONDENSED}'; font-size: {TABLE_POINTS}pt;
              border-collapse: collapse; }}
table.data th {{ background-color: {HEADER_FILL}; font-weight: 600; border-bottom: 1px solid {RULE};
                 padding: 3px; }}
table.data td {{ padding: 2px 3px 2px 3px; border-bottom: 1px solid {RULE}; }}
tr.total td {{ font-weight: 600; background-color: {CARD_FILL}; }}
tr.stripe td {{ background-color: {STRIPE}; }}
table.cards td {{ background-color: {CARD_FILL}; padding: 6px; }}
span.value {{ font-size: 15pt; font-weight: 600; }}
span.label {{ font-size: 7.5pt; color: {MUTED}; }}
li {{ margin-bottom: 3px; }}
"""


def _mm(value: float) -> float:
    return value / 25.4 * RESOLUTION


def _css_px(mm: float) -> int:
    """Millimetres as the HTML's pixels (96 per inch), which the document scales to the PDF."""
    return int(mm / 25.4 * 96)


def _e(text: object) -> str:
    return html.escape(str(text))


# --- charts -------------------------------------------------------------------------------------


def _value_axis(chart: Chart, top_value: float) -> tuple[float, float]:
    """The value axis' end and tick step: the first tick at or beyond the largest value (the
    figure at a bar's end has the right margin); a count's ticks whole."""
    if top_value <= 0:
        top_value = 1.0
    step = _nice_step(top_value)
    if chart.kind is Kind.INT:
        step = max(1.0, math.ceil(step))
    return step * math.ceil(top_value / step - 1e-9), step


def _nice_step(span: float, ticks: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _font(size: float, *, bold: bool = False, family: str = FONT) -> QFont:
    font = QFont(family)
    font.setPointSizeF(size)
    font.setBold(bold)
    _no_ligatures(font)
    return font


def _no_ligatures(font: QFont) -> None:
    """Ligatures would turn "offender" into "o\ufb00ender" in the PDF's text: searching and
    copying from the pack must find the words as written."""
    for tag in LIGATURES:
        font.setFeature(QFont.Tag(tag), 0)


def _tick_text(chart: Chart, value: float) -> str:
    return f"{value * 100:g}%" if chart.percent else f"{value:,g}"


def render_chart(chart: Chart, width: int) -> QImage:
    """The chart as an image ``width`` logical pixels (96 per inch) wide, drawn at CHART_SCALE.

    Horizontal bars, one per label, the highest first; the value axis along the bottom with its
    label, the category axis title on the left, a legend and the reference line (a policy limit
    or the force figure) dashed.
    """
    n = len(chart.labels)
    band = 20.0 if n <= 12 else 15.0 if n <= 25 else 13.0
    label_font = _font(7, family=FONT_CONDENSED)
    tick_font = _font(7)
    title_font = _font(9.5, bold=True)
    axis_font = _font(7.5)
    label_metrics = QFontMetricsF(label_font)
    title_h, legend_h, axis_h = 18.0, 18.0, 34.0
    axis_title = QFontMetricsF(_font(7.5, bold=True)).horizontalAdvance(chart.category_axis)
    left = 8.0 + max((label_metrics.horizontalAdvance(t) for t in chart.labels),
                            default=0.0) + 6.0
    right = width - 44.0
    left = max(left, axis_title + 8.0)
    top = title_h + legend_h + 14.0
    plot_h = band * max(n, 1)
    height = int(top + plot_h + axis_h + 4.0)

    image = QImage(int(width * CHART_SCALE), int(height * CHART_SCALE),
                   QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(3780)
    image.setDotsPerMeterY(3780)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.scale(CHART_SCALE, CHART_SCALE)
        _paint_chart(painter, chart, width, left, right, top, band, plot_h,
                     (title_font, legend_h, axis_font, tick_font, label_font))
    finally:
        painter.end()
    return image


def _paint_chart(painter: QPainter, chart: Chart, width: int, left: float, right: float,
                 top: float, band: float, plot_h: float, fonts: tuple) -> None:
    title_font, legend_h, axis_font, tick_font, label_font = fonts
    ink, muted = QColor(INK), QColor(MUTED)
    painter.setFont(title_font)
    painter.setPen(ink)
    painter.drawText(QRectF(0, 0, width, 18), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignVCenter, chart.title)
    _paint_legend(painter, chart, QRectF(0, 18, width, legend_h), axis_font)

    values = [max(0.0, float(v)) for v in chart.values]
    axis_max, step = _value_axis(chart, max([*values, chart.line or 0.0, 0.0]))
    plot_w = right - left

    def x_of(value: float) -> float:
        return left + plot_w * value / axis_max

    bottom = top + plot_h
    # grid and ticks
    painter.setFont(tick_font)
    tick_metrics = QFontMetricsF(tick_font)
    ticks = int(round(axis_max / step))
    for i in range(ticks + 1):
        value = i * step
        x = x_of(value)
        painter.setPen(QPen(QColor("#e6e8ec"), 0.6))
        painter.drawLine(QPointF(x, top), QPointF(x, bottom))
        painter.setPen(QPen(QColor("#8a8f98"), 0.8))
        painter.drawLine(QPointF(x, bottom), QPointF(x, bottom + 3))
        text = _tick_text(chart, value)
        w = tick_metrics.horizontalAdvance(text)
        painter.setPen(muted)
        painter.drawText(QPointF(x - w / 2, bottom + 4 + tick_metrics.ascent()), text)
    painter.setPen(QPen(QColor("#8a8f98"), 0.8))
    painter.drawLine(QPointF(left, top), QPointF(left, bottom))
    painter.drawLine(QPointF(left, bottom), QPointF(right, bottom))

    # bars, the reference line over them, then the names and figures (a figure on white, so
    # one beside the line stays readable)
    bars = [QRectF(left, top + i * band + band * 0.16, x_of(v) - left, band * 0.68)
            for i, v in enumerate(values)]
    for bar, flagged in zip(bars, chart.flagged, strict=True):
        painter.fillRect(bar, QColor(BAR_WARNING if flagged else BAR))
    if chart.line is not None:
        x = x_of(chart.line)
        painter.setPen(QPen(QColor(LIMIT_LINE), 1.2, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, top - 4), QPointF(x, bottom))
    label_metrics = QFontMetricsF(label_font)
    painter.setFont(label_font)
    shift = (label_metrics.ascent() - label_metrics.descent()) / 2
    for bar, label, value, flagged in zip(bars, chart.labels, values, chart.flagged,
                                          strict=True):
        baseline = bar.center().y() + shift
        painter.setPen(ink)
        painter.drawText(QPointF(left - 5 - label_metrics.horizontalAdvance(label), baseline),
                         label)
        text = format_value(chart.kind, value, blank=NOT_APPLICABLE)
        box = QRectF(bar.right() + 2, bar.top(), label_metrics.horizontalAdvance(text) + 3,
                     bar.height())
        painter.fillRect(box, QColor("white"))
        painter.setPen(QColor(WARNING_FOREGROUND) if flagged else muted)
        painter.drawText(QPointF(box.left() + 1.5, baseline), text)

    # axis titles
    painter.setFont(axis_font)
    painter.setPen(ink)
    axis_metrics = QFontMetricsF(axis_font)
    w = axis_metrics.horizontalAdvance(chart.value_axis)
    painter.drawText(QPointF(left + (plot_w - w) / 2, bottom + 30), chart.value_axis)
    bold = QFont(axis_font)
    bold.setBold(True)
    painter.setFont(bold)
    w = QFontMetricsF(bold).horizontalAdvance(chart.category_axis)
    painter.drawText(QPointF(max(2.0, left - 5 - w), top - 5), chart.category_axis)


def _paint_legend(painter: QPainter, chart: Chart, rect: QRectF, font: QFont) -> None:
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    x = rect.left()
    mid = rect.center().y()
    baseline = mid + (metrics.ascent() - metrics.descent()) / 2
    items: list[tuple[str, str]] = []
    plain, warned = chart.legend
    if plain and not all(chart.flagged):
        items.append(("bar", plain))
    if warned and any(chart.flagged):
        items.append(("warn", warned))
    if chart.line is not None and chart.line_label:
        items.append(("line", chart.line_label))
    for kind, text in items:
        if kind == "line":
            painter.setPen(QPen(QColor(LIMIT_LINE), 1.2, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, mid), QPointF(x + 16, mid))
        else:
            painter.fillRect(QRectF(x + 3, mid - 5, 10, 10),
                             QColor(BAR_WARNING if kind == "warn" else BAR))
        painter.setPen(QColor(INK))
        painter.drawText(QPointF(x + 20, baseline), text)
        x += 20 + metrics.horizontalAdvance(text) + 18


# --- document -----------------------------------------------------------------------------------


WARN_CELL = (f' bgcolor="{WARNING_BACKGROUND}" style="color: {WARNING_FOREGROUND}; '
             f'font-weight: 600"')


def _cell(text: str, *, align: str, warn: bool = False) -> str:
    return f'<td align="{align}"{WARN_CELL if warn else ""}>{_e(text)}</td>'


class ColumnMeasure:
    """Measures a table's texts in the PDF's units, to give each column its width.

    Left to itself the layout squeezes a narrow column until its header breaks mid-word
    ("Caseloa/d"); here no header word, no figure and no word of a text is ever broken, and the
    room left over goes where text would otherwise wrap.
    """

    def __init__(self, device: QPdfWriter | None = None) -> None:
        regular = _font(TABLE_POINTS, family=FONT_CONDENSED)
        bold = _font(TABLE_POINTS, bold=True, family=FONT_CONDENSED)
        self._regular = QFontMetricsF(regular, device) if device else QFontMetricsF(regular)
        self._bold = QFontMetricsF(bold, device) if device else QFontMetricsF(bold)
        # cellpadding 3 CSS px each side, and a little for the border and rounding
        dpi = device.logicalDpiX() if device else 96
        self.padding = 8 * dpi / 96

    def widths(self, columns: Sequence[Column], texts: list[list[str]],
               available: float) -> list[float]:
        """Each column's share of ``available`` (%), for rows of printed ``texts``."""
        sample = texts[:WIDTH_SAMPLE]
        least, wanted = [], []
        for index, column in enumerate(columns):
            words = column.label.split() or [""]
            header_word = max(self._bold.horizontalAdvance(w) for w in words)
            cells = [row[index] for row in sample]
            if column.kind in NUMERIC:  # measured bold: a flagged figure is printed bold
                unbroken = max((self._bold.horizontalAdvance(t) for t in cells), default=0.0)
                whole = unbroken
            else:
                unbroken = max((self._regular.horizontalAdvance(w) for t in cells
                                for w in t.split()), default=0.0)
                whole = max((self._regular.horizontalAdvance(t) for t in cells), default=0.0)
            low = max(header_word, unbroken) + self.padding
            least.append(low)
            header = self._bold.horizontalAdvance(column.label)
            wanted.append(max(low, whole + self.padding, min(header, 2 * low) + self.padding))
        # A short text (a name, a team) is given its whole width first; what room is left goes
        # to the long texts (why), which wrap.
        short = [w <= available * SHORT_TEXT for w in wanted]
        sizes = [w if s else low for w, s, low in zip(wanted, short, least, strict=True)]
        if sum(sizes) > available:
            sizes = list(least)
        spare = available - sum(sizes)
        extra = [w - size for w, size in zip(wanted, sizes, strict=True)]
        if spare > 0 and sum(extra) > spare:
            sizes = [size + e * spare / sum(extra) for size, e in zip(sizes, extra, strict=True)]
        elif spare > 0:  # everything fits unwrapped: share out what is left
            rest = spare - sum(extra)
            sizes = [w + rest * w / sum(wanted) for w in wanted]
        total = sum(sizes)
        return [100 * size / total for size in sizes]


def table_html(table: Table, measure: ColumnMeasure, available: float) -> str:
    """A table as HTML; ``available`` is the body's width in ``measure``'s units."""
    columns = table.printed_columns
    frame = table.printed_frame
    out = [f"<h3>{_e(table.caption)}</h3>"]
    if frame.empty:
        out.append('<p class="note">None.</p>')
        return "".join(out)
    positions = [frame.columns.get_loc(c.key) for c in columns]
    highlight = {key: frame.columns.get_loc(flag) for key, flag in table.highlight.items()
                 if flag in frame.columns}
    emphasis = frame.columns.get_loc(table.emphasis) if table.emphasis in frame.columns else None
    values = frame.to_numpy(object)
    kinds = [[table.kind(c.key, row) for c in columns] for row in range(len(frame))]
    texts = [[format_value(k, values[row, p], blank=NOT_APPLICABLE)
              for p, k in zip(positions, kinds[row], strict=True)] for row in range(len(frame))]

    width = "55%" if table.narrow else "100%"
    out.append(f'<table class="data" width="{width}" cellspacing="0" cellpadding="3"><thead><tr>')
    room = available * (0.55 if table.narrow else 1.0)
    for column, share in zip(columns, measure.widths(columns, texts, room), strict=True):
        align = "right" if column.kind in NUMERIC else "left"
        out.append(f'<th align="{align}" width="{share:.1f}%">{_e(column.label)}</th>')
    out.append("</tr></thead>")
    for row in range(len(frame)):
        total = emphasis is not None and bool(values[row, emphasis])
        klass = ' class="total"' if total else ' class="stripe"' if row % 2 else ""
        out.append(f"<tr{klass}>")
        for column, kind, text in zip(columns, kinds[row], texts[row], strict=True):
            warn = column.key in highlight and bool(values[row, highlight[column.key]])
            out.append(_cell(text, align="right" if kind in NUMERIC else "left", warn=warn))
        out.append("</tr>")
    out.append("</table>")
    if table.note:
        out.append(f'<p class="note">{_e(table.note)}</p>')
    return "".join(out)


def _cards_html(pack: Pack) -> str:
    cells = []
    for figure in pack.key_figures:
        klass = WARN_CELL if figure.flagged else ""
        note = f'<br/><span class="label">{_e(figure.note)}</span>' if figure.note else ""
        value = format_value(figure.kind, figure.value, blank=NOT_APPLICABLE)
        cells.append(f'<td width="25%"{klass}><span class="value">'
                     f"{_e(value)}</span><br/>"
                     f'<span class="label">{_e(figure.label)}</span>{note}</td>')
    rows = ["<tr>" + "".join(cells[i:i + 4]) + "</tr>" for i in range(0, len(cells), 4)]
    return ('<table class="cards" width="100%" cellspacing="4" cellpadding="6">'
            + "".join(rows) + "</table>")


def _chart_html(chart: Chart, url: str, size: tuple[int, int]) -> str:
    width, height = size
    out = f'<p style="margin-top: 14px"><img src="{url}" width="{width}" height="{height}"/></p>'
    if chart.note:
        out += f'<p class="note">{_e(chart.note)}</p>'
    return out


def _section_html(section: Section, chart_urls: dict[str, str],
                  chart_sizes: dict[str, tuple[int, int]], measure: ColumnMeasure,
                  available: float) -> str:
    style = ' style="page-break-before: always"' if section.new_page else ""
    out = [f"<h2{style}>{_e(section.heading)}</h2>"]
    out.extend(f"<p>{_e(p)}</p>" for p in section.paragraphs)
    charts = [_chart_html(c, chart_urls[c.key], chart_sizes[c.key]) for c in section.charts]
    tables = [table_html(t, measure, available) for t in section.tables if t.pdf]
    split = len(tables) if section.charts_after is None else section.charts_after
    out.extend([*tables[:split], *charts, *tables[split:]])
    if section.bullets:
        if section.bullets_heading:
            out.append(f"<h3>{_e(section.bullets_heading)}</h3>")
        out.append("<ul>" + "".join(f"<li>{_e(b)}</li>" for b in section.bullets) + "</ul>")
    return "".join(out)


def pack_html(pack: Pack, chart_urls: dict[str, str], chart_sizes: dict[str, tuple[int, int]],
              measure: ColumnMeasure, available: float) -> str:
    """The body as HTML; tables sized for ``available`` width in ``measure``'s units."""
    names = ("RSOs are named at the producer's request: handle accordingly."
             if pack.names else "RSOs are identified by id only.")
    out = [f"<html><body><h1>{_e(pack.title)}</h1>",
           f'<p class="lead">Figures as at {_e(f"{pack.as_at:%A} {pack.as_at_text}")}. '
           f"{_e(pack.produced_text)}. {_e(names)}</p>",
           _cards_html(pack)]
    out.extend(_section_html(s, chart_urls, chart_sizes, measure, available)
               for s in pack.sections)
    out.append("</body></html>")
    return "".join(out)


# --- pages --------------------------------------------------------------------------------------


def _paint_page_furniture(painter: QPainter, pack: Pack, page: int, pages: int,
                          width: float) -> None:
    left, right = _mm(MARGIN_LEFT), width - _mm(MARGIN_RIGHT)
    span = right - left
    painter.setPen(QColor(INK))
    painter.setFont(_font(8.5, bold=True))
    top = _mm(HEADER_TOP)
    line_h = _mm(4.2)
    flags = Qt.AlignmentFlag.AlignVCenter
    painter.drawText(QRectF(left, top, span, line_h), flags | Qt.AlignmentFlag.AlignLeft,
                     f"Performance pack · as at {pack.as_at_text}")
    painter.setPen(QColor(WARNING_FOREGROUND))
    painter.drawText(QRectF(left, top, span, line_h), flags | Qt.AlignmentFlag.AlignRight,
                     pack.marking)
    painter.setPen(QColor(MUTED))
    painter.setFont(_font(6.5, family=FONT_CONDENSED))
    painter.drawText(QRectF(left, top + line_h + _mm(0.8), span, _mm(8)),
                     Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignTop, pack.policy_line)
    painter.setPen(QPen(QColor(RULE), _mm(0.25)))
    painter.drawLine(QPointF(left, _mm(BODY_TOP - 2.5)), QPointF(right, _mm(BODY_TOP - 2.5)))
    painter.drawLine(QPointF(left, _mm(FOOTER_RULE)), QPointF(right, _mm(FOOTER_RULE)))

    painter.setFont(_font(7.5))
    footer = QRectF(left, _mm(FOOTER_RULE + 1.2), span, _mm(4.5))
    painter.setPen(QColor(MUTED))
    painter.drawText(footer, flags | Qt.AlignmentFlag.AlignLeft, pack.produced_text)
    painter.drawText(footer, flags | Qt.AlignmentFlag.AlignRight, f"Page {page} of {pages}")
    painter.setPen(QColor(WARNING_FOREGROUND))
    painter.setFont(_font(7.5, bold=True))
    painter.drawText(footer, flags | Qt.AlignmentFlag.AlignHCenter, pack.marking)


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
    earlier pack of the same name as it was).
    """
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_pack_pdf needs a QGuiApplication (fonts and images)")
    report = progress or (lambda _done, _total, _what: None)
    path = Path(path)
    with replacing(path) as partial:
        return _write(pack, partial, report)


def _write(pack: Pack, path: Path, report: Progress) -> int:
    charts = [c for s in pack.sections for c in s.charts]
    steps = len(charts) + 2  # until the pages are counted
    body_width_css = _css_px(210 - MARGIN_LEFT - MARGIN_RIGHT)

    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setTitle(f"{pack.title}, as at {pack.as_at_text}")
    writer.setCreator("ncpi-desktop")

    document = QTextDocument()
    document.documentLayout().setPaintDevice(writer)
    document.setDocumentMargin(0)
    document.setDefaultFont(_font(9))
    document.setDefaultStyleSheet(STYLE)
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
    body = QRectF(_mm(MARGIN_LEFT), _mm(BODY_TOP), width - _mm(MARGIN_LEFT + MARGIN_RIGHT),
                  _mm(BODY_BOTTOM - BODY_TOP))
    document.setHtml(pack_html(pack, urls, sizes, ColumnMeasure(writer), body.width()))
    document.setPageSize(QSizeF(body.width(), body.height()))
    pages = document.pageCount()
    steps = len(charts) + 1 + pages
    report(len(charts) + 1, steps, f"Writing page 1 of {pages}")

    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"Cannot write {path}")
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
            _paint_page_furniture(painter, pack, page + 1, pages, width)
            report(len(charts) + 1 + page + 1, steps,
                   f"Writing page {min(page + 2, pages)} of {pages}" if page + 1 < pages
                   else "Done")
    finally:
        painter.end()
    return pages
