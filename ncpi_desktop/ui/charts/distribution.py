"""The caseload page's limit charts at any size.

Up to ``MANY_MANAGERS`` managers, a bar each (``manager_bars``). Above, 2,000 bars would be a
striped smear, so the chart shows how the figure is spread instead (a histogram with the limit
line, the bins above it in the severity colours) and lists the managers above the limit; a
selector draws the bars of one BCU or team. The flags come from ``analysis`` (the chart does not
compare with the line itself).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ncpi_desktop.analysis.flags import flag_column
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.ui.charts.bars import bar_colours, limit_line, styled_plot
from ncpi_desktop.ui.charts.manager_bars import ManagerBarChart
from ncpi_desktop.ui.core import style

#: Above this many managers the chart is a distribution, not a bar each.
MANY_MANAGERS = 40  # not a rule: how many named bars a chart beside the table can hold
#: Bins between 0 and the limit (so the limit is a bin edge).
BINS_TO_LIMIT = 10  # not a rule: a look
#: The selector's choice of every manager given.
EVERYONE = ""


class HistogramChart(QWidget):
    """How many managers fall in each band of a figure, with the limit line."""

    def __init__(self, axis_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel("")
        self.caption.setObjectName("sectionTitle")
        self._plot = styled_plot(140)
        item = self._plot.getPlotItem()
        item.showGrid(x=False, y=True, alpha=0.25)
        item.setLabel("bottom", axis_label, color=style.CHART_TEXT)
        item.setLabel("left", "managers", color=style.CHART_TEXT)
        self._bars = pg.BarGraphItem(x0=[], width=[], y0=[], height=[])
        item.addItem(self._bars)
        self._line = limit_line(0.97)
        item.addItem(self._line)
        self._edges = np.zeros(0)
        self._counts = np.zeros(0, dtype=int)
        self._unit = axis_label
        self._plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self._plot, 1)

    @property
    def plot_widget(self) -> pg.PlotWidget:
        return self._plot

    @property
    def counts(self) -> list[int]:
        """Managers per bin, lowest bin first."""
        return self._counts.tolist()

    @property
    def edges(self) -> list[float]:
        """The bins' edges (one more than the bins)."""
        return self._edges.tolist()

    def limit_value(self) -> float:
        return float(self._line.value())

    def set_values(self, values: np.ndarray, limit: float, limit_label: str,
                   severe_share: float) -> None:
        """Bin ``values`` (one per manager) from 0, ``limit`` a bin edge; bins at or above the
        limit amber, at or above ``severe_share`` of it red."""
        values = values[np.isfinite(values)]
        top = max(float(values.max()) if len(values) else 0.0, limit * 1.2)
        step = limit / BINS_TO_LIMIT if limit > 0 else max(top, 1.0) / BINS_TO_LIMIT
        self._edges = np.arange(0, math.floor(top / step) + 2) * step
        self._counts, _ = np.histogram(values, self._edges)
        left = self._edges[:-1]
        colours = np.where(left >= limit * severe_share - 1e-9, style.BAR_WARNING,
                           np.where(left >= limit - 1e-9, style.BAR_AMBER, style.BAR))
        count = len(self._counts)
        self._bars.setOpts(x0=left, width=np.full(count, step * 0.92), y0=np.zeros(count),
                           height=self._counts.astype(float),
                           **bar_colours([pg.mkBrush(c) for c in colours],
                                         [pg.mkPen(None)] * count))
        self._line.setValue(limit)
        self._line.label.setFormat(limit_label)
        self._plot.setRange(xRange=(0, float(self._edges[-1])),
                            yRange=(0, max(int(self._counts.max()) if count else 0, 1) * 1.15),
                            padding=0)
        self._plot.setAccessibleName(self.caption.text() or "Distribution")
        above = int(self._counts[left >= limit - 1e-9].sum())
        self._plot.setAccessibleDescription(
            f"{len(values):,} managers in {count} bands of {step:g} {self._unit}; "
            f"{above:,} at or above the {limit_label.strip()}")

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        view = self._plot.getPlotItem().getViewBox()
        if not len(self._counts) or not view.sceneBoundingRect().contains(scene_pos):
            QToolTip.hideText()
            return
        x = view.mapSceneToView(scene_pos).x()
        band = int(np.searchsorted(self._edges, x, side="right")) - 1
        if not 0 <= band < len(self._counts):
            QToolTip.hideText()
            return
        where = self._plot.mapToGlobal(self._plot.mapFromScene(scene_pos))
        QToolTip.showText(where, f"{self._counts[band]:,} managers from "
                          f"{self._edges[band]:g} to under {self._edges[band + 1]:g} "
                          f"{self._unit}", self._plot)


class ManagerChartPanel(QWidget):
    """A manager chart that scales: bars up to ``MANY_MANAGERS``, else the distribution, the
    managers above the limit, and a selector for one BCU's or team's bars."""

    #: A bar or a listed manager was chosen: the manager's id.
    manager_changed = Signal(str)

    def __init__(self, chart_type: type[ManagerBarChart],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._managers = pd.DataFrame()
        self._policy = Policy()
        self._many = False
        #: The BCU and team of each manager the selector was filled from.
        self._grouped: tuple[np.ndarray, np.ndarray] | None = None
        #: The flagged list's texts, manager ids and tips as listed.
        self._listed: tuple[tuple[str, ...], ...] = ((), (), ())
        self.bars = chart_type()
        self.bars.manager_changed.connect(self.manager_changed)
        self.histogram = HistogramChart(self.bars.axis_label())
        self.flagged_title = QLabel("")
        self.flagged_title.setObjectName("sectionTitle")
        self.flagged_list = QListWidget()
        self.flagged_list.setAccessibleName("Managers above the limit")
        self.flagged_list.itemActivated.connect(self._on_item)
        self.flagged_list.itemClicked.connect(self._on_item)
        self.selector = QComboBox()
        # As narrow as a short name, whatever its items: the chart must not widen the page.
        self.selector.setMinimumContentsLength(12)
        self.selector.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.selector.setAccessibleName("Chart of")
        self.selector.setAccessibleDescription(
            "Every manager as a distribution, or the bars of one BCU or team")
        self.selector.currentIndexChanged.connect(lambda _i: self._show())
        self._selector_row = QWidget()
        row = QHBoxLayout(self._selector_row)
        row.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Sh&ow")
        label.setBuddy(self.selector)
        row.addWidget(label)
        row.addWidget(self.selector, 1)
        distribution = QWidget()
        column = QVBoxLayout(distribution)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.histogram, 3)
        column.addWidget(self.flagged_title)
        column.addWidget(self.flagged_list, 2)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.bars)
        self._stack.addWidget(distribution)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._selector_row)
        layout.addWidget(self._stack, 1)
        self._selector_row.hide()

    @property
    def showing_distribution(self) -> bool:
        return self._stack.currentIndex() == 1

    @property
    def flagged_ids(self) -> list[str]:
        """The managers listed above the limit, highest first."""
        return [self.flagged_list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.flagged_list.count())]

    def set_managers(self, managers: pd.DataFrame, policy: Policy) -> None:
        """Draw ``managers`` (a slice of ``Figures.managers``) against ``policy``."""
        self._managers, self._policy = managers, policy
        many = len(managers) > MANY_MANAGERS
        if many:
            self._fill_selector(managers)
        self._many = many
        self._selector_row.setVisible(many)
        self._show()

    def choose(self, kind: str, name: str) -> None:
        """Show the bars of one BCU (``kind`` "bcu") or team ("team"), as the selector would;
        an unknown one shows everyone."""
        self.selector.setCurrentIndex(max(self.selector.findData(f"{kind}:{name}"), 0))

    def select_manager(self, manager_id: str | None) -> None:
        self.bars.select_manager(manager_id)
        for i in range(self.flagged_list.count()):
            item = self.flagged_list.item(i)
            item.setSelected(item.data(Qt.ItemDataRole.UserRole) == manager_id)

    def _fill_selector(self, managers: pd.DataFrame) -> None:
        groups = (managers["bcu"].to_numpy(dtype=object), managers["team"].to_numpy(dtype=object))
        if self._grouped is not None and all(
                len(new) == len(old) and (pd.isna(new) == pd.isna(old)).all()
                and (new[~pd.isna(new)] == old[~pd.isna(old)]).all()
                for new, old in zip(groups, self._grouped, strict=True)):
            return  # the same BCUs and teams of the same managers: the same choices
        self._grouped = groups
        kept = self.selector.currentData() or EVERYONE
        self.selector.blockSignals(True)
        self.selector.clear()
        self.selector.addItem(f"All {len(managers):,} managers: how they are spread", EVERYONE)
        for kind, column in (("bcu", "bcu"), ("team", "team")):
            counts = managers[column].dropna().astype(str).value_counts().sort_index()
            for name, count in counts.items():
                label = "BCU" if kind == "bcu" else "Team"
                self.selector.addItem(f"{label} {name} ({count:,})", f"{kind}:{name}")
        self.selector.setCurrentIndex(max(self.selector.findData(kept), 0))
        self.selector.blockSignals(False)

    def _chosen(self) -> pd.DataFrame:
        choice = self.selector.currentData() or EVERYONE
        if not self._many or choice == EVERYONE:
            return self._managers
        kind, _, name = str(choice).partition(":")
        return self._managers[(self._managers[kind].astype(str) == name).to_numpy()]

    def _show(self) -> None:
        managers = self._chosen()
        if len(managers) <= MANY_MANAGERS:
            self.bars.set_managers(managers, self._policy)
            self._stack.setCurrentIndex(0)
            return
        if self.bars.manager_ids:
            self.bars.set_managers(managers.iloc[:0], self._policy)  # nothing drawn unseen
        chart, policy = self.bars, self._policy
        values = chart.plotted(managers).to_numpy(dtype=float)
        self.histogram.caption.setText(f"{chart.title}: {len(managers):,} managers")
        self.histogram.set_values(values, chart.limit(policy), chart.limit_label(policy),
                                  policy.severe_above_share_of_limit)
        self._list_flagged(managers, values)
        self._stack.setCurrentIndex(1)

    def _list_flagged(self, managers: pd.DataFrame, values: np.ndarray) -> None:
        chart = self.bars
        column = flag_column(chart.flag)
        raised = managers[column].to_numpy(dtype=bool) if column in managers \
            else np.zeros(len(managers), dtype=bool)
        order = np.argsort(-values, kind="stable")
        order = order[raised[order]]
        # Column by column (a row at a time through pandas costs a millisecond per manager),
        # and the tips of the managers listed only.
        listed = managers.iloc[order]
        names = listed["name"].to_numpy(dtype=object)
        teams = listed["team"].to_numpy(dtype=object)
        unit = chart.axis_label()
        rows = (tuple(f"{name} ({team}): {value:.1f} {unit}"
                      for name, team, value in zip(names, teams, values[order], strict=True)),
                tuple(str(key) for key in listed["manager_id"].to_numpy(dtype=object)),
                tuple(str(tip) for tip in chart.tip(listed).to_numpy(dtype=object)))
        if rows != self._listed:  # the same list is kept as it is (and its selection)
            self._listed = rows
            self.flagged_list.clear()
            for text, key, tip in zip(*rows, strict=True):
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, key)
                item.setToolTip(tip)
                self.flagged_list.addItem(item)
        self.flagged_title.setText(
            f"{len(order):,} above the {chart.limit_label(self._policy).strip()}, highest "
            "first: choose one to list their RSOs" if len(order) else
            f"No manager is above the {chart.limit_label(self._policy).strip()}")

    def _on_item(self, item: QListWidgetItem) -> None:
        self.manager_changed.emit(str(item.data(Qt.ItemDataRole.UserRole)))
