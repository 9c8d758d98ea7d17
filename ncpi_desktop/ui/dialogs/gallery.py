"""The screens a walk over the window's pages does not reach, opened as a user would open them
(with sample content where one needs some): the Visits page's Clocks tab, the Briefing page (which
only a frontline user's window shows), Record's event, referral, case review and notification
review decision dialogs, the first run, About, and the offline dialogs.

``make screenshots`` grabs each of them and the theme contrast test reads every text of each, so
both look at the same screens.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

from ncpi_desktop.storage.offline import JournalEntry
from ncpi_desktop.ui.dialogs.first_run import FirstRunDialog, FirstRunServices
from ncpi_desktop.ui.dialogs.offline import (
    FirstCopyDialog,
    LockedCopyPage,
    PasswordDialog,
    RefusedChangesDialog,
    TakeOfflineDialog,
)

#: Record's dialogs of trigger events, referrals, case reviews and notification review decisions.
RECORDS = ("event", "referral", "review", "notification_review")


def clocks_tab(window: Any) -> QWidget:
    """The window showing the Visits page's Clocks tab."""
    visits = window.features.visits_page
    window.tabs.setCurrentWidget(visits)
    visits.list_tabs.setCurrentIndex(1)
    QApplication.processEvents()
    return window


def briefing(window: Any) -> QWidget:
    """The window showing the Briefing page (its tab shown, as a frontline user's window shows
    it, if the window hid it)."""
    page = window.features.briefing.page
    tabs = window.tabs
    tabs.setTabVisible(tabs.indexOf(page), True)
    tabs.setCurrentWidget(page)
    QApplication.processEvents()
    return window


def refused_sample(rso_ids: list[str], actor: str) -> list[JournalEntry]:
    """Two changes a source refused, as a sync leaves them (for the refused changes dialog)."""
    at = datetime.now(UTC)
    return [JournalEntry(id=number, uuid=f"sample-{number}", seq=number, at=at, actor=actor,
                         operation=operation, arguments={}, rso_ids=[rso_id], seen={},
                         status="refused", why=f"{rso_id} is now held by another manager",
                         unchecked=False)
            for number, (operation, rso_id) in enumerate(
                zip(("record visit", "reassign"), rso_ids, strict=False), 1)]


def review_due(window: Any, fallback: str) -> str:
    """An RSO whose review of indefinite notification is due (as one would record a decision
    for), else ``fallback``."""
    figures = window.context.figures
    if figures is None or "notification_review_due" not in figures.rsos.columns:
        return fallback
    due = figures.rsos[figures.rsos["notification_review_due"].to_numpy(bool)]
    return str(due["rso_id"].iat[0]) if len(due) else fallback


def dialogs(window: Any, rso_id: str) -> dict[str, QWidget]:
    """Every dialog of the gallery, open, by the name of its screenshot."""
    shown: dict[str, QWidget] = {}
    for kind in RECORDS:
        rso = review_due(window, rso_id) if kind == "notification_review" else rso_id
        dialog = window.features.record.record(kind, rso)
        if kind == "notification_review":
            dialog.set_outcome("continue")  # its hint says when the next review falls due
        shown[f"record-{kind.replace('_', '-')}"] = dialog
    window._on_about()
    shown["about"] = window.about_box
    shown["first-run"] = FirstRunDialog(FirstRunServices(
        create=lambda _new: None, open=lambda _path: None, demo=lambda: None,
        default_location="register.sqlite3", offline=lambda: None))
    user = window.user
    source = "postgresql://server/ncpi"
    shown["take-offline"] = TakeOfflineDialog(source, user)
    shown["first-copy"] = FirstCopyDialog(lambda _copy: None)
    shown["sync-password"] = PasswordDialog(user.user_name if user else "you", source)
    refused = RefusedChangesDialog()
    refused.set_changes(refused_sample([rso_id, rso_id], user.user_name if user else "you"))
    shown["refused-changes"] = refused
    locked = LockedCopyPage("the copy was not synced for 15 days", lambda: None)
    locked.resize(window.size())
    shown["locked-copy"] = locked
    for widget in shown.values():
        widget.show()
    QApplication.processEvents()
    return shown
