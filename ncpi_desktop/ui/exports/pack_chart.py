"""The pack's charts as images: horizontal bars painted with QPainter onto a QImage (drawn at
CHART_SCALE over 96 dpi, so they stay sharp in print), which the document holds as resources.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from ncpi_desktop.exchange.pack import Chart
from ncpi_desktop.formats import NOT_APPLICABLE, Kind, format_value
from ncpi_desktop.ui.exports.pack_layout import (
    BAR,
    BAR_WARNING,
    CHART_SCALE,
    FONT_CONDENSED,
    INK,
    LIMIT_LINE,
    MUTED,
    WARNING_FOREGROUND,
    pack_font,
)


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
    label_font = pack_font(7, family=FONT_CONDENSED)
    tick_font = pack_font(7)
    title_font = pack_font(9.5, bold=True)
    axis_font = pack_font(7.5)
    label_metrics = QFontMetricsF(label_font)
    title_h, legend_h, axis_h = 18.0, 18.0, 34.0
    axis_title = QFontMetricsF(pack_font(7.5, bold=True)).horizontalAdvance(chart.category_axis)
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
    painter.setFont(title_font)
    painter.setPen(QColor(INK))
    painter.drawText(QRectF(0, 0, width, 18), Qt.AlignmentFlag.AlignLeft
                     | Qt.AlignmentFlag.AlignVCenter, chart.title)
    _paint_legend(painter, chart, QRectF(0, 18, width, legend_h), axis_font)

    values = [max(0.0, float(v)) for v in chart.values]
    axis_max, step = _value_axis(chart, max([*values, chart.line or 0.0, 0.0]))
    plot_w = right - left

    def x_of(value: float) -> float:
        return left + plot_w * value / axis_max

    bottom = top + plot_h
    _paint_grid(painter, chart, x_of, (left, top, right, bottom), (axis_max, step), tick_font)
    _paint_bars(painter, chart, values, x_of, (left, top, bottom), band, label_font)
    _paint_axis_titles(painter, chart, (left, plot_w, top, bottom), axis_font)


def _paint_grid(painter: QPainter, chart: Chart, x_of: Callable[[float], float],
                plot: tuple[float, float, float, float], axis: tuple[float, float],
                tick_font: QFont) -> None:
    """The value axis' grid lines, ticks and figures, and the two axes."""
    left, top, right, bottom = plot
    axis_max, step = axis
    muted = QColor(MUTED)
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


def _paint_bars(painter: QPainter, chart: Chart, values: list[float],
                x_of: Callable[[float], float], plot: tuple[float, float, float], band: float,
                label_font: QFont) -> None:
    """The bars, the reference line over them, then the names and figures (a figure on white,
    so one beside the line stays readable)."""
    left, top, bottom = plot
    ink, muted = QColor(INK), QColor(MUTED)
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


def _paint_axis_titles(painter: QPainter, chart: Chart, plot: tuple[float, float, float, float],
                       axis_font: QFont) -> None:
    """The value axis' title under it, the category axis' title (bold) over the names."""
    left, plot_w, top, bottom = plot
    painter.setFont(axis_font)
    painter.setPen(QColor(INK))
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
