"""The pack's section on trigger events and their clocks (DOMAIN.md rule 14): how many events,
the median days to the reassessment visit and to the referral, the share within target, and the
open clocks, most overdue first. None when no event is recorded by the as-at date."""

from __future__ import annotations

import pandas as pd

from ncpi_desktop.analysis.clocks import CLOCK_NAMES, REFERRAL, VISIT, clock_summary
from ncpi_desktop.exchange.pack.columns import columns_of, named
from ncpi_desktop.exchange.pack.model import PDF_LIST_ROWS, PDF_TEAM_ROWS, Column, Section, Table
from ncpi_desktop.exchange.pack.tables import Context, list_note, manager_text
from ncpi_desktop.exchange.pack.text import figure_text
from ncpi_desktop.formats import Kind, plural

#: The open clocks' columns (``rso_name`` only when RSOs are named).
OPEN_KEYS = ["rso_id", "rso_name", "manager", "manager_id", "manager_name", "team", "bcu",
             "event", "occurred_on", "clock_name", "due_on", "days_left", "days_overdue"]
_OPEN_COLUMNS = {"event": ("Event", Kind.TEXT), "occurred_on": ("On", Kind.DATE),
                 "clock_name": ("Clock", Kind.TEXT), "due_on": ("Due by", Kind.DATE),
                 "days_left": ("Days left", Kind.INT), "days_overdue": ("Days overdue", Kind.INT)}


def _summary_table(summary: dict) -> Table:
    rows = [{"clock": CLOCK_NAMES[kind], "target_days": summary[kind]["target_days"],
             "clocks": summary[kind]["clocks"], "median_days": summary[kind]["median_days"],
             "share_within_target": summary[kind]["share_within_target"],
             "open": summary[kind]["open"], "overdue": summary[kind]["overdue"]}
            for kind in (VISIT, REFERRAL)]
    columns = (Column("clock", "Clock", Kind.TEXT),
               Column("target_days", "Target (days)", Kind.INT),
               Column("clocks", "Started", Kind.INT),
               Column("median_days", "Median days taken", Kind.RATIO),
               Column("share_within_target", "Within target", Kind.PERCENT),
               Column("open", "Open", Kind.INT), Column("overdue", "Overdue", Kind.INT))
    return Table(key="clocks", caption="Trigger-event clocks", frame=pd.DataFrame(rows),
                 columns=columns, sheet="Trigger events")


def _teams_table(context: Context) -> Table:
    keys = ["name", "bcu", "triggers_open", "triggers_overdue"]
    teams = pd.DataFrame(context.report["teams"]).reindex(columns=keys)
    teams = teams[teams["triggers_open"].fillna(0) > 0]
    teams = teams.sort_values(["triggers_overdue", "triggers_open", "name"],
                              ascending=[False, False, True]).reset_index(drop=True)
    columns = (*named(columns_of(teams, ["name", "bcu"]), "Team"),
               Column("triggers_open", "Open clocks", Kind.INT),
               Column("triggers_overdue", "Overdue clocks", Kind.INT))
    return Table(key="clocks_by_team", caption="Open trigger-event clocks by team", frame=teams,
                 columns=columns, sheet="Trigger events", pdf_rows=PDF_TEAM_ROWS,
                 note=list_note(len(teams), "teams with open clocks", PDF_TEAM_ROWS))


def _open_table(context: Context) -> Table:
    clocks = context.figures.clocks
    rows = clocks[clocks["open"].to_numpy(bool)].copy()
    rows["manager"] = manager_text(rows["manager_id"], rows["manager_name"])
    rows["clock_name"] = rows["clock"].map(CLOCK_NAMES)
    for column in ("occurred_on", "due_on"):
        rows[column] = pd.Series([d.date() for d in rows[column]], index=rows.index,
                                 dtype=object)
    if context.names:
        frame = context.figures.rsos.set_index("rso_id")
        full = frame["family_name"].fillna("").str.upper() + ", " + frame["given_names"].fillna("")
        rows["rso_name"] = rows["rso_id"].map(full)
    keys = [k for k in OPEN_KEYS if k != "rso_name" or context.names]
    frame = rows.reindex(columns=keys).reset_index(drop=True)
    columns = tuple(Column(k, *_OPEN_COLUMNS[k]) if k in _OPEN_COLUMNS
                    else columns_of(frame, [k])[0] if k in frame else Column(k, k, Kind.TEXT)
                    for k in keys)
    head = ["rso_id", "rso_name"] if context.names else ["rso_id"]
    return Table(key="open_clocks", caption="Open trigger-event clocks, most overdue first",
                 frame=frame, columns=columns, sheet="Trigger events",
                 pdf_columns=(*head, "manager", "team", "event", "clock_name", "due_on",
                              "days_overdue"),
                 pdf_rows=PDF_LIST_ROWS, pdf_only=("manager",),
                 note=list_note(len(frame), "open clocks"))


def clocks_section(context: Context) -> Section | None:
    if not context.has("triggers_open", "triggers_overdue") or context.figures.clocks.empty:
        return None
    p, f = context.policy, context.force
    summary = clock_summary(context.figures.clocks, p)
    n = figure_text

    def said(kind: str) -> str:
        s = summary[kind]
        median = s["median_days"]
        return (f"median {n(Kind.RATIO, None) if median is None else f'{median:g}'} days to the "
                f"{'visit' if kind == VISIT else 'referral'}, "
                f"{n(Kind.PERCENT, s['share_within_target'])} within {s['target_days']} "
                f"{'day' if s['target_days'] == 1 else 'days'}")

    paragraph = (f"{plural(summary['events'], 'trigger event')} recorded by the as-at date "
                 f"({said(VISIT)}; where a child may be at risk, {said(REFERRAL)}). "
                 f"{plural(f['triggers_open'], 'clock is', 'clocks are')} open, "
                 f"{figure_text(Kind.INT, f['triggers_overdue'])} overdue. A clock stops at the "
                 f"first completed home visit (or referral) on or after the event's date; the "
                 f"share within target counts the clocks stopped in time among those stopped or "
                 f"overdue. The targets are configurable defaults: no national figure was found.")
    return Section(key="clocks", heading="Trigger events and their clocks",
                   paragraphs=(paragraph,),
                   tables=(_summary_table(summary), _teams_table(context), _open_table(context)))
