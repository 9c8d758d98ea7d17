"""The Record menu and the RSO detail panel behind every RSO list.

``RecordActions`` adds Record › Home visit, ARMS assessment, Civil order, Management decision,
Event, Referral, Case review, Notification review decision and RSO details, each for the RSO
selected on the page in front, and makes every table that lists RSOs open the detail panel on
double-click or Enter. The Orders page's Notification tab's Record decision button opens the
notification review decision for the RSO selected in its list, and the tab then says where that
RSO's notification stands.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QTableView, QWidget

from ncpi_desktop.ui.core.context import AppContext
from ncpi_desktop.ui.core.permissions import RECORD_OPERATIONS, gate, show_tips
from ncpi_desktop.ui.dialogs.record import DIALOGS
from ncpi_desktop.ui.dialogs.rso_detail import RsoDetail
from ncpi_desktop.ui.pages.notification import NotificationTab
from ncpi_desktop.ui.pages.orders import OrdersPage
from ncpi_desktop.ui.pages.review import HOOKED, ReviewPage
from ncpi_desktop.ui.widgets.tables import rso_of

#: What Record offers: (kind, text, shortcut, status tip).
RECORDS = (
    ("visit", "Home &visit…", "Ctrl+Shift+V", "Record a home visit to the selected RSO"),
    ("arms", "&ARMS assessment…", "Ctrl+Shift+A", "Record an ARMS assessment of the selected RSO"),
    ("order", "Civil &order…", "Ctrl+Shift+O", "Record a civil order on the selected RSO"),
    ("decision", "Management &decision…", "Ctrl+Shift+M",
     "Record a decision to manage the selected RSO actively or reactively"),
    ("event", "&Event…", "Ctrl+Shift+E",
     "Record a trigger event for the selected RSO: starts the clocks for a reassessment visit "
     "and, where a child may be at risk, a referral"),
    ("referral", "Re&ferral…", "Ctrl+Shift+F",
     "Record a referral of the selected RSO (to children's social care)"),
    ("review", "Case &review…", "Ctrl+Shift+Q",
     "Record a supervisor's quality review of the selected RSO's case, graded, with actions"),
    ("notification_review", "&Notification review decision…", "Ctrl+Shift+N",
     "Record the decision on a review of the selected RSO's indefinite notification: continue "
     "(the next review years on) or discharge"),
)
#: The kind of record the Notification tab's button opens.
NOTIFICATION_REVIEW = "notification_review"


class RecordActions(QObject):
    """The window's Record menu and its RSO detail panel."""

    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.context = context
        self._detail: RsoDetail | None = None
        self.actions: dict[str, QAction] = {}
        self._build_menu()
        self._hook_notification()
        self.hook_rso_lists()
        context.page_changed.connect(self._on_page_changed)
        context.user_changed.connect(self._gate)
        self._gate()

    def _gate(self, *_user: object) -> None:
        """Offer only the records the signed-in user may make (and say why not)."""
        for kind, operation in RECORD_OPERATIONS.items():
            gate(self.actions[kind], self.context.user, operation)
        tab = self.notification_tab()
        if tab is not None:
            gate(tab.decide_button, self.context.user, RECORD_OPERATIONS[NOTIFICATION_REVIEW])

    # --- the Notification tab's reviews due --------------------------------------------------

    def notification_tab(self) -> NotificationTab | None:
        """The Orders page's Notification tab, when the window has the page."""
        page = next((p for p in self.context.pages() if isinstance(p, OrdersPage)), None)
        return page.notification if page is not None else None

    def _hook_notification(self) -> None:
        tab = self.notification_tab()
        if tab is not None:
            tab.decide_button.clicked.connect(
                lambda _checked=False: self.record(NOTIFICATION_REVIEW, rso_of(tab.view)))

    # --- RSO lists open the detail panel ----------------------------------------------------

    def hook_rso_lists(self) -> None:
        """Make every table of every page that lists RSOs open the detail panel on activation
        (double-click or Enter). Tables that list something else are left alone."""
        for page in self.context.pages():
            for view in page.findChildren(QTableView):
                if not view.property(HOOKED):
                    view.setProperty(HOOKED, True)
                    view.activated.connect(
                        lambda index, v=view: self._on_rso_activated(v, index))

    def _on_page_changed(self, _index: int) -> None:
        self.hook_rso_lists()  # pages added after ours, tables built after the first paint

    def _on_rso_activated(self, view: QTableView, index: QModelIndex) -> None:
        rso = rso_of(view, index)
        if rso is not None:
            self.show_detail(rso)

    @property
    def detail(self) -> RsoDetail | None:
        """The detail panel, once one was opened."""
        return self._detail

    def show_detail(self, rso_id: str) -> RsoDetail:
        """Open (or bring forward) the detail panel on ``rso_id``."""
        if self._detail is None:
            self._detail = RsoDetail(self.context, self.record)
        self._detail.show_rso(rso_id)
        self._detail.show()
        if QGuiApplication.platformName() != "offscreen":  # no windows there to bring forward
            self._detail.raise_()
            self._detail.activateWindow()
        return self._detail

    # --- the Record menu -------------------------------------------------------------------

    def _build_menu(self) -> None:
        menu = self.context.menu("&Record")
        show_tips(menu)
        parent = self.context.dialog_parent
        for kind, text, keys, tip in RECORDS:
            action = QAction(text, parent)
            action.setShortcut(QKeySequence(keys))
            action.setStatusTip(tip)
            action.triggered.connect(lambda _checked=False, k=kind: self.record(k))
            menu.addAction(action)
            self.actions[kind] = action
        menu.addSeparator()
        details = QAction("RSO &details…", parent)
        details.setShortcut(QKeySequence("Alt+Return"))  # "properties"; Enter on a list too
        details.setStatusTip("Open the selected RSO's details (or double-click any RSO)")
        details.triggered.connect(self._on_details)
        menu.addAction(details)
        self.actions["details"] = details

    def selected_rso(self) -> str | None:
        """The RSO selected on the current page, whichever page it is."""
        page = self.context.current_page()
        if isinstance(page, ReviewPage):
            return page.selected_rso()
        if page is None:
            return None
        views = page.findChildren(QTableView)
        focused = [v for v in views if v.hasFocus()]
        for view in focused + [v for v in views if v.isVisible()]:
            rso = rso_of(view)
            if rso is not None:
                return rso
        return None

    def _on_details(self) -> None:
        rso = self.selected_rso()
        if rso is None:
            self.context.show_status("Select an RSO in a list first (or double-click one)", 5000)
            return
        self.show_detail(rso)

    def record(self, kind: str, rso_id: str | None = None,
               parent: QWidget | None = None) -> QWidget:
        """Open the dialog recording a ``kind`` (a key of ``RECORDS``: "visit", "arms"...) for
        ``rso_id`` (default: the RSO selected on the current page; none: the user types one)."""
        rso = rso_id if rso_id is not None else self.selected_rso()
        dialog = DIALOGS[kind](self.context, rso, parent or self.context.dialog_parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        tab = self.notification_tab() if kind == NOTIFICATION_REVIEW else None
        if tab is not None:  # the tab then says where the RSO's notification stands
            dialog.accepted.connect(lambda: tab.note_decision(dialog.rso_id))
        dialog.open()
        return dialog
