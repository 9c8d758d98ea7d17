"""The one horizontal bar chart base (pyqtgraph) under the caseload page's limit charts and the
review's team charts.

Bars are horizontal, one per row, top first, so names read on the axis; every bar is named when
the names fit, else every n-th (hovering any bar still says what it counts). The chart only
arranges figures it is given: the rules live in ``analysis``. This module imports pyqtgraph,
which is slow to import: pages load it after their first paint.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QToolTip, QVBoxLayout, QWidget

from ncpi_desktop.ui.core import style

BAR_THICKNESS = 0.72
#: Pixels a row takes while the rows fit: a chart of four bars draws them as thick as a chart of
#: forty (not stretched to the height); beyond what fits, rows share the height.
ROW_PIXELS = 22  # not a rule: a look
#: How thick a bar is drawn while the rows fit, in pixels.
BAR_PIXELS = BAR_THICKNESS * ROW_PIXELS
#: Pixels between two names on the axis; when bars are closer, only every n-th bar is named
#: (hovering any bar still names it).
NAME_SPACING = 3


def name_ticks(names: list[str], height: float, line_height: float) -> list[tuple[int, str]]:
    """The (row, name) ticks of a horizontal bar chart: every bar's name when the names fit
    ``height``, else every n-th, so that names never overlap."""
    count = len(names)
    step = 1
    if count and height > 0:
        per_bar = height / (count + 0.2)  # a fifth of a bar of margin: not a rule
        step = max(1, math.ceil(line_height / per_bar))
    return [(row, names[row]) for row in range(0, count, step)]


def bar_colours(brushes: list, pens: list) -> dict[str, object]:
    """A ``BarGraphItem.setOpts`` brush and pen per bar; with no bars, one of each: pyqtgraph
    raises UnboundLocalError on empty lists of brushes or pens."""
    if not brushes:
        return {"brush": pg.mkBrush(None), "pen": pg.mkPen(None), "brushes": None,
                "pens": None}
    return {"brushes": brushes, "pens": pens}


def styled_plot(min_height: int, parent: QWidget | None = None) -> pg.PlotWidget:
    """A white plot with no menu, buttons or mouse panning, and the charts' axis colours."""
    plot = pg.PlotWidget(parent, background=style.CHART_BACKGROUND)
    plot.setMinimumHeight(min_height)
    # Not a stop for Tab: the keys do nothing on a chart (its figures are in the tables beside
    # it); a screen reader still reads its name and description (``chart_text``).
    plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.getViewBox().setMouseEnabled(x=False, y=False)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(style.CHART_AXIS))
        axis.setTextPen(pg.mkPen(style.CHART_TEXT))
    return plot


def limit_line(label_position: float) -> pg.InfiniteLine:
    """A dashed vertical line (a limit, the force's figure) labelled at ``label_position``
    (0: bottom, 1: top of the plot)."""
    return pg.InfiniteLine(
        angle=90, movable=False,
        pen=pg.mkPen(style.LIMIT_LINE, width=1.5, style=Qt.PenStyle.DashLine),
        label="", labelOpts={"position": label_position, "color": style.LIMIT_LINE,
                             "anchors": [(0, 0), (0, 0)], "fill": style.LIMIT_LABEL_FILL})


class HorizontalBarChart(QWidget):
    """One horizontal bar (or stack) per row, top first, names on the axis, hover text.

    A row has a key (a manager's id, a team's label), a name on the axis and a hover text;
    subclasses draw their bars into ``self._plot`` and then call ``_set_rows``.
    """

    title = ""
    #: Room above the top bar, in bar heights (for a line's label).
    headroom = 0.6
    min_height = 140
    #: Whether a chart with no rows says so (``empty_label``) rather than drawing empty axes.
    says_empty = True
    #: Whether the name axis is widened for the longest name at once (it would only widen
    #: after a first paint).
    fits_names = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keys: list[str] = []
        self._right = 1.0
        self._names: list[str] = []
        self._tips: list[str] = []
        self._named: list[str] = []
        self._plot = styled_plot(self.min_height)
        item = self._plot.getPlotItem()
        item.showGrid(x=True, y=False, alpha=0.25)
        self._view = item.getViewBox()
        self._view.invertY(True)
        item.getAxis("left").setStyle(tickLength=0)
        self._view.sigResized.connect(self._fit_rows)
        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._build_frame()

    def _build_frame(self) -> None:
        """The title and the legend over the plot (or the empty chart's label)."""
        caption = QLabel(self.title)
        caption.setObjectName("sectionTitle")
        self.legend = QLabel("")
        self.legend.setWordWrap(True)  # wraps rather than widen a narrow window
        self.legend.setObjectName("muted")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label = QLabel("Nothing to draw")
        self.empty_label.setObjectName("muted")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._plot)
        self._stack.addWidget(self.empty_label)
        heading = QHBoxLayout()
        heading.addWidget(caption)
        heading.addStretch(1)
        heading.addWidget(self.legend)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(heading)
        layout.addWidget(self._stack, 1)

    @property
    def plot_widget(self) -> pg.PlotWidget:
        return self._plot

    @property
    def named_bars(self) -> list[str]:
        """The names written on the axis (every bar's, unless they are too close to fit)."""
        return list(self._named)

    def tip_text(self, key: str) -> str:
        """What hovering the bar of ``key`` says."""
        return self._tips[self._keys.index(key)]

    def _set_rows(self, keys: list[str], names: list[str], tips: list[str],
                  right: float) -> None:
        """The rows drawn, top first, and the value axis from 0 to ``right``."""
        self._keys, self._names, self._tips = keys, names, tips
        self._stack.setCurrentIndex(1 if self.says_empty and not keys else 0)
        self._plot.setAccessibleName(self.title or "Chart")
        self._plot.setAccessibleDescription(self.chart_text())
        if self.fits_names:
            widest = max((self.fontMetrics().horizontalAdvance(n) for n in names), default=0)
            self._plot.getPlotItem().getAxis("left").setWidth(widest + 12)
        self._right = right if right > 0 else 1
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Rows ``ROW_PIXELS`` apart from the top while they fit the height (the space below
        the last stays empty), else sharing the height; then the names that fit."""
        height = self._view.sceneBoundingRect().height()
        rows = max(len(self._keys), 1) - 0.4
        if height > 0:
            rows = max(rows, height / ROW_PIXELS - self.headroom)
        self._view.setRange(xRange=(0, self._right), yRange=(-self.headroom, rows), padding=0)
        self._update_names()

    def bar_pixels(self, row: int = 0) -> float:
        """How thick the bar of ``row`` is on screen, in pixels."""
        top = self._view.mapViewToScene(QPointF(0, row - BAR_THICKNESS / 2))
        bottom = self._view.mapViewToScene(QPointF(0, row + BAR_THICKNESS / 2))
        return abs(bottom.y() - top.y())

    def chart_text(self) -> str:
        """What the chart shows, in words (its accessible description): how many bars and
        the first few, top first."""
        if not self._keys:
            return self.empty_label.text()
        first = "; ".join(self._tips[:3]).replace("\n", ", ")
        more = f"; and {len(self._keys) - 3:,} more" if len(self._keys) > 3 else ""
        return f"{len(self._keys):,} bars, top first: {first}{more}"

    def _update_names(self) -> None:
        """Name every bar if the names fit, else every n-th, so that names never overlap."""
        ticks = name_ticks(self._names, self._view.sceneBoundingRect().height(),
                           self.fontMetrics().height() + NAME_SPACING)
        self._named = [name for _, name in ticks]
        self._plot.getPlotItem().getAxis("left").setTicks([ticks, []])

    def _row_at(self, scene_pos: QPointF) -> int | None:
        if not self._keys or not self._view.sceneBoundingRect().contains(scene_pos):
            return None
        point = self._view.mapSceneToView(scene_pos)
        row = int(round(point.y()))
        if 0 <= row < len(self._keys) and abs(point.y() - row) <= BAR_THICKNESS / 2 + 0.1:
            return row
        return None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        row = self._row_at(scene_pos)
        if row is None:
            QToolTip.hideText()
            return
        where = self._plot.mapToGlobal(self._plot.mapFromScene(scene_pos))
        QToolTip.showText(where, self._tips[row], self._plot)
