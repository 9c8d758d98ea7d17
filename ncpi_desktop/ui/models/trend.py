"""The 12-month trend of the window's figures, read and computed off the GUI thread.

``trend_of`` reads the history and runs the rules at twelve month ends: a second on Lancashire,
several nationally. ``TrendSource`` computes it once per snapshot, only when a trend chart asks,
as a job of ``core.workers`` (the one way work leaves the GUI thread), and hands it to every
chart that shows it. The job stops between reading and computing when the application quits.
"""

from __future__ import annotations

import pandas as pd
import shiboken6
from PySide6.QtCore import QObject, Signal
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.storage.database import DatabaseError
from ncpi_desktop.storage.snapshot import Snapshot
from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.core.workers import NEVER, Cancel, Cancelled, Job, Progress, run_job

#: The trend, or None and why not.
Outcome = tuple[pd.DataFrame | None, str]


def trend_of(engine: Engine, snapshot: Snapshot,
             cancel: Cancel = lambda: False) -> pd.DataFrame:
    """``analysis.trend.monthly_trend`` of ``snapshot``, over the history it needs, read from
    the first month end to the as-at date (``Cancelled`` once read if ``cancel()``)."""
    from ncpi_desktop.analysis.trend import month_ends, monthly_trend
    from ncpi_desktop.storage.history import load_trend_history

    first = month_ends(snapshot.as_at)[0]
    history = load_trend_history(engine, first, snapshot.as_at)
    if cancel():
        raise Cancelled
    return monthly_trend(snapshot, history)


def trend_or_why(engine: Engine, snapshot: Snapshot,
                 cancel: Cancel = lambda: False) -> Outcome:
    """``trend_of``, or None and the first line of why it failed: a chart says so in place of
    the trend, so no failure of the trend is a crash (a job re-raises what it does not expect)."""
    try:
        return trend_of(engine, snapshot, cancel), ""
    except Cancelled:
        raise
    except (SQLAlchemyError, DatabaseError) as exc:
        return None, (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    except Exception as exc:  # noqa: BLE001 - shown in the chart's place, not raised
        return None, f"{type(exc).__name__}: {exc}"


class TrendSource(QObject):
    """The trend of the context's figures, computed once per snapshot on a worker thread.

    ``trend_changed`` carries the frame (None: not available, with ``error`` saying why).
    """

    trend_changed = Signal(object)

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self._context = context
        self._figures: Figures | None = None
        self._trend: pd.DataFrame | None = None
        self._running: Figures | None = None
        #: The job computing the trend (or the last one).
        self.job: Job | None = None
        self.error = ""
        context.figures_changed.connect(self._on_figures_changed)

    @property
    def trend(self) -> pd.DataFrame | None:
        """The trend of the current figures, if computed."""
        return self._trend if self._figures is self._context.figures else None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def request(self) -> None:
        """Compute the trend of the context's figures unless it is known or under way."""
        figures = self._context.figures
        engine = self._context.engine
        if figures is None or engine is None:
            self._trend, self._figures = None, figures
            self.error = "No database open"
            self.trend_changed.emit(None)
            return
        if self._figures is figures and self._trend is not None:
            self.trend_changed.emit(self._trend)
            return
        if self._running is not None:
            return  # the result of the run under way asks again if it is stale
        self._running = figures
        snapshot = figures.snapshot

        def work(_progress: Progress, cancel: Cancel) -> Outcome:
            return trend_or_why(engine, snapshot, cancel)

        def done(outcome: Outcome) -> None:
            if shiboken6.isValid(self):  # else the window closed while the trend was computed
                self._on_done(figures, *outcome)

        def cancelled() -> None:  # the application is quitting
            if shiboken6.isValid(self):
                self._running = None

        self.job = run_job(None, "Computing the trend", work, on_success=done,
                           on_cancel=cancelled, show_after_ms=NEVER)

    def _on_done(self, figures: Figures, trend: pd.DataFrame | None, error: str) -> None:
        self._running = None
        if figures is not self._context.figures:
            self.request()  # the as-at date or the data changed meanwhile
            return
        self._figures, self._trend, self.error = figures, trend, error
        self.trend_changed.emit(trend)

    def _on_figures_changed(self, _figures: object) -> None:
        self._trend = None
