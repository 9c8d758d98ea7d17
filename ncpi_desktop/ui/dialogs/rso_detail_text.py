"""What the RSO detail panel says, as HTML built from the RSO's row of ``Figures.rsos``: the
title and subtitle, the facts (identity, management, visits, ARMS and orders), the flags with
their why, and the reactive criteria one by one. No widgets: the panel (``rso_detail``) sets
these texts on its labels.
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from ncpi_desktop.analysis.figures import RSO_FLAGS, flag_title
from ncpi_desktop.analysis.flags import flag_column, why_column
from ncpi_desktop.analysis.reactive import CRITERIA, unmet_column
from ncpi_desktop.domain.enums import ORDER_NAMES, ManagementMode, OrderType, Status
from ncpi_desktop.formats import Kind, format_value, uk_date
from ncpi_desktop.ui.core import style

if TYPE_CHECKING:
    from ncpi_desktop.domain.policy import Policy

#: Flags that are news rather than a problem: shown, but not in the warning colours.
GOOD_NEWS = {"reactive_eligible"}
#: Facts whose value may be long enough to wrap; the others stay on one line.
WRAPPING = {"Reason", "Interval", "Orders in force", "ARMS", "Latest ARMS", "Offender manager"}


def criteria_titles(policy: Policy) -> dict[str, str]:
    """Rule 11's criteria, each as the user reads it."""
    return {
        "risk": "Risk level low",
        "arms": "Latest ARMS low and current (adult males)",
        "concern": f"No offence, concern or adverse intelligence for "
                   f"{policy.reactive_concern_free_years} years",
        "order": "No civil order in force",
        "status": "In the community",
    }


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=False)


def _day(value: Any) -> str:
    """DD/MM/YYYY, or an empty string for a blank."""
    return format_value(Kind.DATE, value)


def _label(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return str(value).replace("_", " ")


def _age(born: Any, on: date) -> str:
    if born is None or pd.isna(born):
        return ""
    born = pd.Timestamp(born)
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return f" (aged {years})"


def _facts(title: str, rows: list[tuple[str, str]]) -> str:
    """A titled two-column table of facts (values already escaped HTML)."""
    cells = "".join(
        f"<tr><td style='color:{style.MUTED}; padding-right:14px; white-space:nowrap'>"
        f"{_esc(name)}</td><td style='white-space:{'normal' if name in WRAPPING else 'nowrap'}'>"
        f"{value}</td></tr>" for name, value in rows if value != "")
    return (f"<div style='font-weight:600; margin-bottom:4px'>{_esc(title)}</div>"
            f"<table cellspacing='0' cellpadding='2'>{cells}</table>")


def title_text(row: pd.Series) -> str:
    """"R0097 — Family, Given" ("R0097" alone when the user may not see the name)."""
    if pd.isna(row["family_name"]) and pd.isna(row["given_names"]):
        return str(row["rso_id"])
    return f"{row['rso_id']} — {row['family_name']}, {row['given_names']}"


def subtitle_text(row: pd.Series, as_at: date) -> str:
    """Risk, status, management and who holds the RSO, in one line."""
    risk = f"{_label(row['risk_level']).capitalize()} risk" if pd.notna(
        row["risk_level"]) else "No risk level"
    holder = (f"{row['manager_name']} ({row['team']}, {row['bcu']} BCU)"
              if pd.notna(row["manager_name"]) else
              f"no named manager ({row['team'] if pd.notna(row['team']) else 'no team'})")
    return (f"{risk} · {_label(row['status']).capitalize()} · "
            f"{_label(row['management']).capitalize()} management · {holder} · "
            f"as at {uk_date(as_at)}")


def _notified(row: pd.Series) -> str:
    """"first 03/02/2005, last 01/06/2017" (rule 13), as far as the register holds them."""
    parts = [f"{which} {_day(row.get(column))}" for which, column in
             (("first", "first_notified_on"), ("last", "last_notified_on"))
             if _day(row.get(column))]
    return ", ".join(parts)


def identity_html(row: pd.Series, as_at: date) -> str:
    """Born (and age at ``as_at``), sex, neighbourhood, registration and notification."""
    notification = "indefinite" if bool(row["notification_indefinite"]) else \
        (f"until {_day(row['notification_ends'])}" if _day(row["notification_ends"]) else "")
    return _facts("Identity", [
        ("Born", _esc(_day(row["date_of_birth"]) + _age(row["date_of_birth"], as_at))),
        ("Sex", _esc(_label(row["sex"]))),
        ("Neighbourhood", _esc(row["neighbourhood"]) if pd.notna(row["neighbourhood"])
         else ""),
        ("Registered", _esc(_day(row["registered_on"]))),
        ("In the community since", _esc(_day(row["community_since"]))),
        ("Notification", _esc(notification)),
        ("Notified", _esc(_notified(row))),
        ("Expected release", _esc(_day(row.get("expected_release_on")))),
        ("Records", "on paper only" if bool(row["paper_records_only"]) else ""),
    ])


def management_html(row: pd.Series) -> str:
    """Status, risk, the management decision and who holds the RSO."""
    decided = ""
    if pd.notna(row.get("management_decided_on")):
        by = f" by {row['management_decided_by']}" if pd.notna(
            row.get("management_decided_by")) else ""
        decided = _esc(f"since {_day(row['management_decided_on'])}{by}")
    return _facts("Management", [
        ("Status", _esc(_label(row["status"]).capitalize())),
        ("Risk level", _esc(_label(row["risk_level"]).capitalize()) or "<i>none recorded</i>"),
        ("Management", _esc(_label(row["management"]).capitalize())),
        ("Decided", decided),
        ("Reason", _esc(row["management_reason"]) if pd.notna(row.get("management_reason"))
         else ""),
        ("Offender manager", _esc(row["manager_name"]) if pd.notna(row["manager_name"])
         else "<i>no named manager</i>"),
        ("Team", _esc(row["team"]) if pd.notna(row["team"]) else ""),
        ("BCU", _esc(row["bcu"]) if pd.notna(row["bcu"]) else ""),
    ])


def visit_facts_html(row: pd.Series) -> str:
    """The interval, the last visit and attempt, and when the next is due."""
    interval = ""
    if pd.notna(row["interval_months"]):
        months = int(row["interval_months"])
        interval = f"every {months} month{'s' if months != 1 else ''}"
        if row["interval_source"] == "own":
            reason = row["visit_interval_reason"]
            interval += f" (own interval{': ' + str(reason) if pd.notna(reason) else ''})"
        else:
            interval += " (by risk level)"
    officers = f" by {int(row['last_visit_officers'])} officer" \
               f"{'s' if int(row['last_visit_officers']) != 1 else ''}" \
        if pd.notna(row["last_visit_officers"]) else ""
    if not bool(row["visits_prescribed"]):
        due = "<i>none prescribed</i> (" + _esc(
            "reactive management" if row["management"] == ManagementMode.REACTIVE
            else f"{_label(row['status'])}") + ")"
    elif bool(row["visit_overdue"]):
        due = (f"<span style='color:{style.WARNING_FOREGROUND}; font-weight:600'>"
               f"{_esc(_day(row['next_visit_due']))}: {int(row['days_overdue'])} days "
               "overdue</span>")
    elif pd.notna(row["next_visit_due"]):
        due = _esc(f"{_day(row['next_visit_due'])} (in {int(row['days_to_due'])} days)")
    else:
        due = "<i>cannot be computed</i> (no interval)"
    failed = int(row["failed_attempts"])
    return _facts("Home visits", [
        ("Interval", _esc(interval)),
        ("Last completed visit", _esc(_day(row["last_visit_on"]) + officers)
         if pd.notna(row["last_visit_on"]) else "<i>never</i>"),
        ("Latest attempt", _esc(_day(row["last_attempt_on"]))
         if pd.notna(row["last_attempt_on"]) and row["last_attempt_on"] != row[
             "last_visit_on"] else ""),
        ("No access in a row", _esc(str(failed)) if failed else ""),
        ("Next visit due", due),
    ])


def arms_facts_html(row: pd.Series, policy: Policy) -> str:
    """Whether an ARMS assessment is current or due, the latest, and the orders in force."""
    if not bool(row["arms_eligible"]):
        state = ("<i>not eligible</i> (ARMS applies to adult males in the community, "
                 f"aged {policy.arms_adult_age_years} or over)")
    elif bool(row["arms_current"]):
        state = "current"
    else:
        state = (f"<span style='color:{style.WARNING_FOREGROUND}; font-weight:600'>due"
                 "</span>")
    latest = _esc(f"{_day(row['arms_latest_on'])} ({_label(row['arms_latest_outcome'])})") \
        if pd.notna(row["arms_latest_on"]) else "<i>none</i>"
    types = [t for t in str(row["order_types_in_force"] or "").split(", ") if t]
    orders = _esc(", ".join(f"{t} ({ORDER_NAMES[OrderType(t)].lower()})"
                            if t in ORDER_NAMES else t for t in types)) or "none"
    return _facts("ARMS and orders", [
        ("ARMS", state),
        ("Latest ARMS", latest),
        ("Current until", _esc(_day(row["arms_expires_on"]))),
        ("Orders in force", orders),
        ("Next order end", _esc(_day(row["order_ends_on"]))),
    ])


def flags_html(row: pd.Series) -> tuple[str, str]:
    """The flags section's title ("Flags (3)") and a box per flag raised, with its why."""
    raised = [name for name in RSO_FLAGS
              if flag_column(name) in row.index and bool(row[flag_column(name)])]
    if not raised:
        return "Flags", f"<span style='color:{style.muted_name()}'>No flag raised.</span>"
    boxes = []
    for name in raised:
        good = name in GOOD_NEWS
        background = style.GOOD_BACKGROUND if good else style.WARNING_BACKGROUND
        colour = style.GOOD_FOREGROUND if good else style.WARNING_FOREGROUND
        title = flag_title(name)
        boxes.append(
            f"<table width='100%' cellpadding='6' style='background:{background}; "
            f"color:{style.CARD_TEXT}; margin-bottom:6px'><tr><td>"
            f"<b style='color:{colour}'>{_esc(title)}</b><br>"
            f"{_esc(row[why_column(name)])}</td></tr></table>")
    return f"Flags ({len(raised)})", "".join(boxes)


def reactive_html(row: pd.Series, policy: Policy) -> str:
    """How the RSO is managed, then each reactive criterion met (✓) or not (✗, with why)."""
    mode = row["management"]
    titles = criteria_titles(policy)
    lines = []
    warning = style.on_ground(style.WARNING_FOREGROUND)
    good = style.on_ground(style.GOOD_FOREGROUND)
    for criterion in CRITERIA:
        unmet = row[unmet_column(criterion)]
        if unmet:
            lines.append(f"<tr><td style='color:{warning}'>✗</td>"
                         f"<td>{_esc(titles[criterion])}: <b style='color:"
                         f"{warning}'>{_esc(unmet)}</b></td></tr>")
        else:
            detail = ""
            if criterion == "concern" and pd.notna(row["concern_free_from"]):
                detail = f" (since {_day(row['concern_free_from'])})"
            lines.append(f"<tr><td style='color:{good}'>✓</td>"
                         f"<td>{_esc(titles[criterion] + detail)}</td></tr>")
    if mode == ManagementMode.REACTIVE:
        head = ("Managed reactively; the criteria " + (
            "still hold." if bool(row["reactive_meets"]) else
            "no longer hold: review back to active."))
    elif row["status"] != Status.COMMUNITY:
        head = "Not in the community."
    else:
        head = ("Managed actively; " + ("meets every criterion for reactive management."
                                        if bool(row["reactive_meets"]) else
                                        "not eligible for reactive management."))
    return (f"<div style='margin-bottom:4px'>{_esc(head)}</div>"
            f"<table cellpadding='2'>{''.join(lines)}</table>"
            f"<div style='color:{style.muted_name()}; margin-top:4px'>The offender manager must "
            "also be satisfied, and record the decision with a reason.</div>")
