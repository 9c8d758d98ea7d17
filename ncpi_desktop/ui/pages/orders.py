"""The Orders page: every civil order in one central register (rule 12), which the inspectors
found the force did not have; and, in its Notification tab, the notification lists (rule 13:
``ui.pages.notification``).

Rows are ``Figures.orders`` (``analysis.orders.register_with_rows``): every order started by the
as-at date, with its RSO's holder then. An RSO under an order in force cannot be reactive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QComboBox, QTabWidget, QVBoxLayout, QWidget

from ncpi_desktop.domain.enums import ORDER_NAMES, STATUS_ORDER
from ncpi_desktop.formats import Kind, uk_dates
from ncpi_desktop.ui.models.frames import NO_NAMED_MANAGER, RSO_ID, RSO_NAME, rso_names
from ncpi_desktop.ui.models.table_model import Column
from ncpi_desktop.ui.pages.notification import NotificationTab
from ncpi_desktop.ui.pages.review import ReviewPage
from ncpi_desktop.ui.widgets.accessible import label_for
from ncpi_desktop.ui.widgets.combos import ANY, choose, chosen, compact
from ncpi_desktop.ui.widgets.labels import muted, section_title
from ncpi_desktop.ui.widgets.summary import SummaryCard

#: What the register shows.
IN_FORCE = "in_force"
ENDING = "ending"
EVERY = "all"
ALL_TYPES = "All types"
UNTIL_FURTHER_ORDER = "Until further order"

ORDER_COLUMNS = [
    Column("type", "Type", header_tip="; ".join(f"{t.value}: {n}" for t, n in
                                                 ORDER_NAMES.items())),
    RSO_ID, RSO_NAME,
    Column("status", "RSO status", Kind.LABEL, order=STATUS_ORDER),
    Column("manager_label", "Offender manager", flags=("no_named_manager",)),
    Column("team", "Team"),
    Column("starts_on", "Start", Kind.DATE),
    Column("ends_on", "End", Kind.DATE, header_tip="Blank: until further order"),
    Column("days_to_end", "Days to end", Kind.INT, flags=("order_ending",),
           header_tip="Days from the as-at date to the end date; hover a flagged cell for why"),
    Column("in_force_text", "In force", order=("Yes", UNTIL_FURTHER_ORDER, "Ended")),
]


class OrdersPage(ReviewPage):
    """The central register of civil orders, within a BCU, team, manager and order type."""

    title = "Orders"
    settings_group = "orders"
    filters_risk = False

    def _build_content(self) -> QWidget:
        content, layout, filters = self._scaffold({
            "in_force": SummaryCard("In force", "Civil orders in force at the as-at date"),
            "rsos": SummaryCard("RSOs under an order", "RSOs with at least one order in force: "
                                "none of them can be managed reactively"),
            "ending": SummaryCard("Ending soon", "Orders in force ending within the review "
                                  "window"),
            "until_further": SummaryCard(UNTIL_FURTHER_ORDER, "Orders in force with no end date"),
        })
        filters.addSpacing(14)
        self.type_combo = QComboBox()
        type_label = label_for("T&ype", self.type_combo, "Which type of civil order")
        filters.addWidget(type_label)
        self.type_combo.addItem(ALL_TYPES, ANY)
        for order_type, name in ORDER_NAMES.items():
            self.type_combo.addItem(f"{order_type.value} — {name}", order_type.value)
        filters.addWidget(compact(self.type_combo, 14))
        filters.addSpacing(10)
        self.show_combo = QComboBox()
        show_label = label_for("Sh&ow", self.show_combo,
                               "Orders in force, ending soon, or every order")
        filters.addWidget(show_label)
        self.show_combo.addItem("In force", IN_FORCE)
        self.show_combo.addItem("Ending soon", ENDING)
        self.show_combo.addItem("Every order (with ended)", EVERY)
        filters.addWidget(compact(self.show_combo, 11))
        filters.addStretch(1)
        self.type_combo.currentIndexChanged.connect(self._on_scope_changed)
        self.show_combo.currentIndexChanged.connect(self._on_scope_changed)

        # In force ending soonest first, then until further order, then ended (the register
        # comes ordered by end date).
        self.orders_model, self.orders_view = self.rso_table(
            ORDER_COLUMNS, "in_force_text", name="Civil orders",
            description="Orders in force ending soonest first; Enter opens the RSO's details")
        self.title_label = section_title("")
        orders_tab = QWidget()
        orders_layout = QVBoxLayout(orders_tab)
        orders_layout.setContentsMargins(0, 6, 0, 0)
        orders_layout.addWidget(self.title_label)
        orders_layout.addWidget(self.orders_view, 1)
        orders_layout.addWidget(muted("An RSO under an order in force cannot be managed "
                                      "reactively. Double-click or Enter for the RSO's details; "
                                      "Record › Civil order (Ctrl+Shift+O) records a new order."))
        self.notification = NotificationTab(self)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(orders_tab, "Civil orders")
        self.tabs.addTab(self.notification, "Notification")
        layout.addWidget(self.tabs, 1)
        # The order filters apply to the civil orders only.
        order_filters = (type_label, self.type_combo, show_label, self.show_combo)
        self.tabs.currentChanged.connect(
            lambda index: [w.setVisible(index == 0) for w in order_filters])
        return content

    @property
    def order_type(self) -> str | None:
        return chosen(self.type_combo)

    @property
    def showing(self) -> str:
        return self.show_combo.currentData()

    def set_showing(self, what: str, order_type: str | None = None) -> None:
        self.show_combo.setCurrentIndex(self.show_combo.findData(what))
        choose(self.type_combo, order_type)

    def _refresh(self) -> None:
        figures = self._figures
        assert figures is not None
        policy = figures.policy
        self._update_scope_label()
        register = figures.orders
        if register.empty:
            register = pd.DataFrame(columns=[c.key for c in ORDER_COLUMNS] + [
                "in_force", "ending_soon", "manager_id", "bcu", "family_name", "given_names",
                "manager_name"])
        scoped = register[self.scope.mask(register)]
        if self.order_type is not None:
            scoped = scoped[scoped["type"] == self.order_type]
        in_force = scoped["in_force"].to_numpy(bool)
        ending = scoped["ending_soon"].to_numpy(bool)
        open_ended = in_force & scoped["ends_on"].isna().to_numpy()

        self.summary["in_force"].set_figure(
            f"{int(in_force.sum()):,}", " · ".join(
                f"{t} {n:,}" for t, n in scoped[in_force]["type"].value_counts().items()))
        self.summary["rsos"].set_figure(
            f"{scoped[in_force]['rso_id'].nunique():,}", "cannot be managed reactively")
        self.summary["ending"].set_figure(
            f"{int(ending.sum()):,}", f"within {policy.order_review_window_days} days: review")
        self.summary["until_further"].set_figure(f"{int(open_ended.sum()):,}", "no end date")

        if self.showing == IN_FORCE:
            shown = scoped[in_force]
            title = f"{len(shown):,} orders in force, ending soonest first"
        elif self.showing == ENDING:
            shown = scoped[ending]
            title = (f"{len(shown):,} orders ending within "
                     f"{policy.order_review_window_days} days")
        else:
            shown = scoped
            title = f"{len(shown):,} orders started by the as-at date, in force first"
        self.title_label.setText(title)
        self.show_rows(self.orders_view, self._rows(shown))
        self.notification.refresh()

    def _rows(self, orders: pd.DataFrame) -> pd.DataFrame:
        policy = self._figures.policy  # type: ignore[union-attr]
        rows = orders.copy()
        rows["rso_name"] = rso_names(orders)
        rows["manager_label"] = orders["manager_name"].astype(object).where(
            orders["manager_name"].notna(), NO_NAMED_MANAGER)
        named = orders["manager_name"].notna().to_numpy()
        rows["flag_no_named_manager"] = ~named
        rows["why_no_named_manager"] = np.where(named, "", "No named offender manager holds "
                                                           "this RSO")
        in_force = orders["in_force"].to_numpy(bool)
        open_ended = orders["ends_on"].isna().to_numpy()
        rows["in_force_text"] = np.where(in_force, np.where(open_ended, UNTIL_FURTHER_ORDER,
                                                            "Yes"), "Ended")
        ending = orders["ending_soon"].to_numpy(bool)
        rows["flag_order_ending"] = ending
        why = np.full(len(orders), "", dtype=object)
        if ending.any():
            days = orders.loc[ending, "days_to_end"].astype("int64").astype(str)
            why[ending] = (orders.loc[ending, "type"].astype(object) + " ends "
                           + uk_dates(orders.loc[ending, "ends_on"]) + " (in " + days
                           + " days): orders ending within "
                           + str(policy.order_review_window_days) + " days are reviewed"
                           ).to_numpy(object)
        rows["why_order_ending"] = why
        return rows
