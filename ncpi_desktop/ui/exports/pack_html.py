"""The pack's body as one HTML document for QTextDocument: the title and key figures, then each
section's paragraphs, tables (columns sized so that no header word or figure is broken) and charts
(as image resources), and its bullets.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtGui import QFontMetricsF, QPdfWriter

from ncpi_desktop.exchange.pack import Chart, Column, Pack, Section, Table
from ncpi_desktop.formats import NOT_APPLICABLE, Kind, format_value, uk_weekday_date
from ncpi_desktop.ui.exports.pack_layout import (
    ACCENT,
    CARD_FILL,
    FONT,
    FONT_CONDENSED,
    HEADER_FILL,
    INK,
    MUTED,
    RULE,
    STRIPE,
    TABLE_POINTS,
    WARNING_BACKGROUND,
    WARNING_FOREGROUND,
    pack_font,
)

#: Rows measured when sizing a table's columns.
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


def _e(text: object) -> str:
    return html.escape(str(text))


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
        regular = pack_font(TABLE_POINTS, family=FONT_CONDENSED)
        bold = pack_font(TABLE_POINTS, bold=True, family=FONT_CONDENSED)
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
            # Too wide: the short texts (names, teams) stay whole, the figures take their least
            # (their headers wrap); only when even that is too wide does everything wrap.
            sizes = [w if s and c.kind not in NUMERIC else low
                     for w, s, low, c in zip(wanted, short, least, columns, strict=True)]
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
           f'<p class="lead">Figures as at {_e(uk_weekday_date(pack.as_at))}. '
           f"{_e(pack.produced_text)}. {_e(names)}</p>",
           *([f'<p class="note">{_e(pack.audit_line)}</p>'] if pack.audit_line else []),
           _cards_html(pack)]
    out.extend(_section_html(s, chart_urls, chart_sizes, measure, available)
               for s in pack.sections)
    out.append("</body></html>")
    return "".join(out)
