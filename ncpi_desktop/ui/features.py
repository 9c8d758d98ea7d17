"""What the main window adds once it has first painted: the review pages, and the menus.

``build_features`` is the one place that says which features a window has and in which order
they are built; each is handed the window's ``AppContext`` (and the caseload page, for the
features that work on it), never the window. ``Features`` keeps them, so a test or a later
feature reaches one by name (``window.features.record``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from PySide6.QtGui import QAction

from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.menus.admin import AdminActions
from ncpi_desktop.ui.menus.briefing import BriefingActions
from ncpi_desktop.ui.menus.consultations import ListConsultations
from ncpi_desktop.ui.menus.exchange import ExchangeActions
from ncpi_desktop.ui.menus.manage import Rebalancing
from ncpi_desktop.ui.menus.offline import OfflineActions
from ncpi_desktop.ui.menus.quality import QualityActions
from ncpi_desktop.ui.menus.record import RecordActions
from ncpi_desktop.ui.menus.scenario import ScenarioActions
from ncpi_desktop.ui.models.trend import TrendSource
from ncpi_desktop.ui.pages.arms import ArmsPage
from ncpi_desktop.ui.pages.briefing import BriefingPage
from ncpi_desktop.ui.pages.caseload import CaseloadPage
from ncpi_desktop.ui.pages.forecast import ForecastPage
from ncpi_desktop.ui.pages.orders import OrdersPage
from ncpi_desktop.ui.pages.page import Page
from ncpi_desktop.ui.pages.quality import QualityPage
from ncpi_desktop.ui.pages.reactive import ReactivePage
from ncpi_desktop.ui.pages.register import RegisterPage
from ncpi_desktop.ui.pages.review import ReviewPage
from ncpi_desktop.ui.pages.visits import VisitsPage


@dataclass(frozen=True)
class Features:
    """The window's features beyond the caseload page and its own menus."""

    #: File › Import, templates and exports.
    exchange: ExchangeActions
    #: The 12-month trend the Visits and ARMS pages chart.
    trend: TrendSource
    visits_page: VisitsPage
    arms_page: ArmsPage
    reactive_page: ReactivePage
    orders_page: OrdersPage
    #: Every RSO of the register: search, filters, data-quality flags.
    register_page: RegisterPage
    #: Case review coverage, grades, overdue actions and the dip sample (rule 15).
    quality_page: QualityPage
    #: The coming weeks' work and hours (analysis.forecast).
    forecast_page: ForecastPage
    #: The Record menu and the RSO detail panel.
    record: RecordActions
    #: The Manage menu, Ctrl+R, dragging RSOs onto managers, the hand-back reminder.
    rebalancing: Rebalancing
    #: The audit's consultation rows for the lists of named RSOs shown.
    consultations: ListConsultations
    #: Manage › Users, Rules and Audit log.
    admin: AdminActions
    #: The Quality page's Mark action done.
    quality: QualityActions
    #: File › Neighbourhood briefing and the Briefing page (rule 16; frontline users see only it).
    briefing: BriefingActions
    #: File › Take offline…, Sync now, Offline changes…; the status bar's offline line.
    offline: OfflineActions
    #: The Scenario menu: what-if scenarios beside today on every page (issue 18).
    scenario: ScenarioActions

    @property
    def pages(self) -> list[ReviewPage]:
        return [self.visits_page, self.arms_page, self.reactive_page, self.orders_page,
                self.register_page, self.quality_page, self.forecast_page]


def build_features(context: AppContext, caseload_page: CaseloadPage,
                   add_page: Callable[[Page], None], *, before_quit: QAction) -> Features:
    """Add the exchange items to File (``before_quit``), the review pages after Caseload
    (through ``add_page``), then Record and Manage: Manage hooks the RSO lists of every page."""
    exchange = ExchangeActions(context, before=before_quit)
    trend = TrendSource(context)
    visits_page = VisitsPage(trend=trend)
    arms_page = ArmsPage(trend=trend)
    reactive_page = ReactivePage()
    orders_page = OrdersPage()
    register_page = RegisterPage()
    quality_page = QualityPage()
    forecast_page = ForecastPage(absences=lambda: recorded_absences(context))
    briefing_page = BriefingPage()
    for page in (visits_page, arms_page, reactive_page, orders_page, register_page,
                 quality_page, forecast_page, briefing_page):
        add_page(page)
    record = RecordActions(context)
    rebalancing = Rebalancing(context, caseload_page)
    admin = AdminActions(context)
    briefing = BriefingActions(context, briefing_page, before=before_quit)
    quality = QualityActions(context, quality_page)
    return Features(exchange=exchange, trend=trend, visits_page=visits_page,
                    arms_page=arms_page, reactive_page=reactive_page, orders_page=orders_page,
                    register_page=register_page, quality_page=quality_page,
                    forecast_page=forecast_page,
                    record=record, rebalancing=rebalancing,
                    consultations=ListConsultations(context), admin=admin, quality=quality,
                    briefing=briefing, offline=OfflineActions(context, before=before_quit),
                    scenario=ScenarioActions(context))


def recorded_absences(context: AppContext) -> pd.DataFrame | None:
    """The absences recorded in the window's database (the forecast's hours available)."""
    from ncpi_desktop.storage.allocations import absences

    return None if context.engine is None else absences(context.engine)
