"""The pack's sections on managing RSOs: overdue home visits, ARMS completion, reactive
management and civil orders ending. A section whose figures the report does not carry is None."""

from __future__ import annotations

import pandas as pd

from ncpi_desktop.analysis.arms import completion_by_team
from ncpi_desktop.domain.enums import ManagementMode, RiskLevel, Status
from ncpi_desktop.exchange.pack.columns import columns_of, named
from ncpi_desktop.exchange.pack.model import (
    CHART_MAX_BARS,
    PDF_LIST_ROWS,
    PDF_TEAM_ROWS,
    Chart,
    Column,
    Section,
    Table,
)
from ncpi_desktop.exchange.pack.tables import (
    Context,
    flagged,
    list_note,
    manager_text,
    rso_table,
    why_of,
)
from ncpi_desktop.exchange.pack.text import figure_text, risk_label
from ncpi_desktop.formats import Kind, is_blank, plural

#: Risk levels as the visits section lists them, the highest first.
HIGHEST_RISK_FIRST = tuple(reversed(RiskLevel))

#: The columns of the orders ending (``rso_name`` only when RSOs are named).
ORDER_KEYS = ["order_id", "type", "rso_id", "rso_name", "manager", "manager_id", "manager_name",
              "team", "bcu", "starts_on", "ends_on", "days_to_end"]


def _overdue_by_risk(context: Context, overdue: pd.DataFrame) -> pd.DataFrame:
    """Per risk level, the highest first: RSOs under active management, how many are overdue a
    visit, the share overdue and the most days overdue."""
    rsos = context.rsos
    labels = {level.value: level.label for level in RiskLevel}
    risk = rsos["risk_level"].map(labels).fillna(risk_label(None))
    active = (rsos["status"] == Status.COMMUNITY) & (rsos["management"] == ManagementMode.ACTIVE)
    days = pd.to_numeric(overdue["days_overdue"]).fillna(0).astype("int64")
    order = [lvl.label for lvl in HIGHEST_RISK_FIRST]
    if (risk == risk_label(None)).any():
        order.append(risk_label(None))
    counts = risk[active].value_counts()
    overdue_counts = risk[overdue.index].value_counts()
    most_days = days.groupby(risk[overdue.index]).max()
    rows = []
    for label in order:
        count, n_over = int(counts.get(label, 0)), int(overdue_counts.get(label, 0))
        rows.append({"risk": label, "active": count, "visits_overdue": n_over,
                     "share_overdue": n_over / count if count else None,
                     "max_days_overdue": int(most_days.get(label, 0))})
    return pd.DataFrame(rows)


def _overdue_teams_table(context: Context) -> Table:
    teams = pd.DataFrame(context.report["teams"])
    team_keys = ["name", "bcu", "visits_overdue", "max_days_overdue", "visits_due"]
    if len(teams):
        teams = teams.sort_values(["visits_overdue", "max_days_overdue", "name"],
                                  ascending=[False, False, True])
    teams = teams.reindex(columns=team_keys).reset_index(drop=True)
    return Table(key="overdue_by_team", caption="Overdue home visits by team",
                 frame=teams, columns=named(columns_of(teams, team_keys), "Team"),
                 sheet="Overdue visits", pdf_rows=PDF_TEAM_ROWS,
                 note=list_note(len(teams), "teams, most overdue first", PDF_TEAM_ROWS))


def visits_section(context: Context) -> Section | None:
    if not context.has("visits_overdue", "max_days_overdue") or context.rsos is None:
        return None
    f, p = context.force, context.policy
    overdue = flagged(context.rsos, "visit_overdue")
    by_risk = _overdue_by_risk(context, overdue)
    by_risk_table = Table(
        key="overdue_by_risk", caption="Overdue home visits by risk level", frame=by_risk,
        columns=(Column("risk", "Risk level", Kind.TEXT),
                 Column("active", "Under active management", Kind.INT),
                 Column("visits_overdue", "Visits overdue", Kind.INT),
                 Column("share_overdue", "Share overdue", Kind.PERCENT),
                 Column("max_days_overdue", "Most days overdue", Kind.INT)),
        sheet="Overdue visits")
    most = overdue.sort_values(["days_overdue", "rso_id"], ascending=[False, True])
    most_table = rso_table(
        context, most, "most_overdue", "Most overdue home visits", "Overdue visits",
        extra=["next_visit_due", "days_overdue"], pdf_extra=["next_visit_due", "days_overdue"],
        note=list_note(len(most), "overdue visits"))
    paragraph = (f"{plural(f['visits_overdue'], 'community RSO')} under active management "
                 f"{'is' if f['visits_overdue'] == 1 else 'are'} overdue a home visit, the most "
                 f"by {plural(f['max_days_overdue'], 'day')}")
    if "visits_due" in f:
        paragraph += (f"; {figure_text(Kind.INT, f['visits_due'])} more fall due within "
                      f"{p.due_soon_days} days")
    paragraph += (f". Visits are due every {p.visit_interval_very_high_months}, "
                  f"{p.visit_interval_high_months}, {p.visit_interval_medium_months} and "
                  f"{p.visit_interval_low_months} months for very high, high, medium and low risk "
                  f"unless the RSO's risk management plan sets its own interval; a first visit "
                  f"within {p.first_visit_allowance_days} days of entering the community.")
    chart = Chart(key="overdue_by_risk", title="Overdue home visits by risk level",
                  labels=tuple(by_risk["risk"]),
                  values=tuple(by_risk["visits_overdue"].astype(float)),
                  flagged=tuple(by_risk["visits_overdue"] > 0),
                  value_axis="Community RSOs overdue a home visit", category_axis="Risk level",
                  kind=Kind.INT)
    return Section(key="visits", heading="Overdue home visits", paragraphs=(paragraph,),
                   tables=(by_risk_table, _overdue_teams_table(context), most_table),
                   charts=(chart,), charts_after=1)


def _arms_frame(context: Context) -> pd.DataFrame:
    """The force and each team: eligible, current, completion and the difference from the
    force's completion (``below`` where a team's is lower)."""
    f = context.force
    force_rate = f["arms_completion"]
    rows = [{"name": "Force", "bcu": "", "arms_eligible": f["arms_eligible"],
             "arms_current": f["arms_current"], "arms_completion": force_rate,
             "is_total": True}]
    # The teams as the ARMS page lists them (one rule: ``analysis.arms.completion_by_team``).
    rate = float("nan") if force_rate is None else float(force_rate)
    teams = completion_by_team(context.figures.rsos, rate)
    for team in teams.itertuples(index=False):  # one row per team: a few hundred at most
        rows.append({"name": team.team, "bcu": team.bcu,
                     "arms_eligible": int(team.arms_eligible),
                     "arms_current": int(team.arms_current),
                     "arms_completion": float(team.arms_completion), "is_total": False})
    frame = pd.DataFrame(rows)
    rate = frame["arms_completion"].astype(float)
    frame["vs_force"] = (rate - force_rate) if force_rate is not None else None
    frame["vs_force"] = frame["vs_force"].where(~frame["is_total"] & rate.notna())
    frame["below"] = (frame["vs_force"] < 0).astype(bool)
    return frame


def arms_section(context: Context) -> Section:
    f, p = context.force, context.policy
    force_rate = f["arms_completion"]
    frame = _arms_frame(context)
    columns = (Column("name", "Team", Kind.TEXT), Column("bcu", "BCU", Kind.TEXT),
               Column("arms_eligible", "Eligible", Kind.INT),
               Column("arms_current", "Current", Kind.INT),
               Column("arms_completion", "Completion", Kind.PERCENT),
               Column("vs_force", "Against force", Kind.POINTS))
    teams = frame[~frame["is_total"]]
    lowest = teams.sort_values(["arms_completion", "name"], na_position="last")
    many = len(teams) > PDF_TEAM_ROWS
    table = Table(key="arms_by_team", caption="ARMS completion by team against the force",
                  frame=frame, columns=columns, sheet="ARMS",
                  highlight={"arms_completion": "below"}, emphasis="is_total",
                  pdf_frame=pd.concat([frame[frame["is_total"]], lowest.head(PDF_TEAM_ROWS)])
                  if many else None,
                  note=f"The {PDF_TEAM_ROWS} teams with the lowest completion of {len(teams):,}; "
                       "the workbook lists every team." if many else "")
    below = int(teams["below"].sum())
    n = figure_text
    paragraph = (f"ARMS is current for {n(Kind.INT, f['arms_current'])} of "
                 f"{n(Kind.INT, f['arms_eligible'])} eligible RSOs across the force "
                 f"({n(Kind.PERCENT, force_rate)}). An assessment is due when "
                 f"none is completed or the latest is older than {p.arms_max_age_months} months; "
                 f"ARMS applies to adult males in the community. {n(Kind.INT, below)} of "
                 f"{plural(len(teams), 'team')} {'is' if below == 1 else 'are'} below the force "
                 f"figure.")
    charted = teams[teams["arms_completion"].notna()]
    if len(charted) > CHART_MAX_BARS:
        charted = lowest[lowest["arms_completion"].notna()].head(CHART_MAX_BARS)
    chart = Chart(key="arms_by_team", title="ARMS completion by team",
                  labels=tuple(charted["name"]),
                  values=tuple(charted["arms_completion"].astype(float)),
                  flagged=tuple(charted["below"]), value_axis="ARMS completion",
                  category_axis="Team", kind=Kind.PERCENT,
                  line=None if is_blank(force_rate) else float(force_rate),
                  line_label=f"Force {n(Kind.PERCENT, force_rate)}",
                  legend=("At or above the force", "Below the force"),
                  note=f"The {len(charted)} teams with the lowest completion of "
                       f"{len(teams):,}." if len(charted) < len(teams) else "")
    return Section(key="arms", heading="ARMS completion", paragraphs=(paragraph,),
                   tables=(table,), charts=(chart,) if len(charted) else ())


def _reactive_paragraph(context: Context) -> str:
    f, p = context.force, context.policy
    share = f["reactive"] / f["community"] if f["community"] else None
    paragraph = (f"{plural(f['reactive'], 'RSO is', 'RSOs are')} managed reactively "
                 f"({figure_text(Kind.PERCENT, share)} of community RSOs); reactive RSOs stay in "
                 f"the caseload count.")
    if context.has("reactive_eligible", "reactive_review"):
        paragraph += (f" {plural(f['reactive_eligible'], 'RSO')} under active management "
                      f"{'meets' if f['reactive_eligible'] == 1 else 'meet'} every criterion and "
                      f"could be considered, if the offender manager is satisfied; "
                      f"{plural(f['reactive_review'], 'reactive RSO')} no longer "
                      f"{'meets' if f['reactive_review'] == 1 else 'meet'} them and "
                      f"{'is' if f['reactive_review'] == 1 else 'are'} due a review back to "
                      "active.")
    return paragraph + (f" The criteria: risk low, a current low ARMS, "
                        f"{p.reactive_concern_free_years} years free of offence, concern or "
                        f"adverse intelligence, no civil order in force, in the community.")


def reactive_section(context: Context) -> Section:
    f = context.force
    keys = ["name", "bcu", "active", "reactive", "reactive_eligible", "reactive_review"]
    teams = pd.DataFrame(context.report["teams"]).reindex(
        columns=[k for k in keys if k in ("name", "bcu") or k in f])
    by = [k for k in ("reactive_eligible", "reactive_review") if k in teams.columns]
    most = teams.sort_values([*by, "name"], ascending=[*(False for _ in by), True])
    many = len(teams) > PDF_TEAM_ROWS
    table = Table(key="reactive_by_team", caption="Reactive management by team", frame=teams,
                  columns=named(columns_of(teams, list(teams.columns)), "Team"),
                  sheet="Reactive", pdf_frame=most.head(PDF_TEAM_ROWS) if many else None,
                  note=f"The {PDF_TEAM_ROWS} teams with the most RSOs eligible of "
                       f"{len(teams):,}; the workbook lists every team." if many else "")
    tables = [table]
    rsos = context.rsos
    if rsos is not None and context.has("reactive_review"):
        review = flagged(rsos, "reactive_review")
        review = review.assign(why=[why_of(w, fl, "reactive_review")
                                    for w, fl in zip(review["why"], review["flags"],
                                                     strict=True)])
        tables.append(rso_table(context, review.sort_values("rso_id"), "reactive_review",
                                "Reactive RSOs due a review back to active", "Reactive",
                                extra=["why"], pdf_extra=["why"],
                                note=list_note(len(review), "reviews due")))
    if rsos is not None and context.has("reactive_eligible"):
        eligible = flagged(rsos, "reactive_eligible")
        tables.append(rso_table(context, eligible.sort_values("rso_id"), "reactive_eligible",
                                "Eligible for reactive management", "Reactive", extra=[],
                                pdf_extra=[], note=list_note(len(eligible), "eligible RSOs")))
    return Section(key="reactive", heading="Reactive management",
                   paragraphs=(_reactive_paragraph(context),), tables=tuple(tables))


def _orders_ending(context: Context, register: pd.DataFrame) -> pd.DataFrame:
    """The orders ending within the review window, soonest first, as the list shows them."""
    ending = register[register["ending_soon"]].sort_values(["ends_on", "order_id"]).copy()
    ending["manager"] = manager_text(ending["manager_id"], ending["manager_name"])
    for column in ("starts_on", "ends_on"):
        ending[column] = pd.to_datetime(ending[column]).dt.date.astype(object)
    ending["days_to_end"] = ending["days_to_end"].astype(object).where(
        ending["days_to_end"].notna(), None)
    if context.names:
        ending["rso_name"] = (ending["family_name"].fillna("").str.upper() + ", "
                              + ending["given_names"].fillna(""))
    keys = [k for k in ORDER_KEYS if k != "rso_name" or context.names]
    return ending.reindex(columns=keys).reset_index(drop=True)


def orders_section(context: Context) -> Section | None:
    register = getattr(context.figures, "orders", None)
    if register is None or "ending_soon" not in register.columns:
        return None
    p = context.policy
    in_force = int(register["in_force"].sum())
    frame = _orders_ending(context, register)
    columns = (Column("order_id", "Order", Kind.TEXT), Column("type", "Type", Kind.TEXT),
               Column("rso_id", "RSO", Kind.TEXT), Column("rso_name", "RSO name", Kind.TEXT),
               Column("manager", "Manager", Kind.TEXT),
               Column("manager_id", "Manager id", Kind.TEXT),
               Column("manager_name", "Manager name", Kind.TEXT),
               Column("team", "Team", Kind.TEXT), Column("bcu", "BCU", Kind.TEXT),
               Column("starts_on", "Starts", Kind.DATE), Column("ends_on", "Ends", Kind.DATE),
               Column("days_to_end", "Days to end", Kind.INT))
    columns = tuple(c for c in columns if c.key in frame.columns)
    printed = ("order_id", "type", "rso_id", *(("rso_name",) if context.names else ()),
               "manager", "team", "starts_on", "ends_on", "days_to_end")
    table = Table(key="orders_ending",
                  caption=f"Civil orders ending within {p.order_review_window_days} days",
                  frame=frame, columns=columns, sheet="Orders ending", pdf_columns=printed,
                  pdf_only=("manager",), pdf_rows=PDF_LIST_ROWS * 2,
                  note=list_note(len(frame), "orders ending", PDF_LIST_ROWS * 2))
    paragraph = (f"{plural(in_force, 'civil order is', 'civil orders are')} in force; "
                 f"{plural(len(frame), 'ends', 'end')} within {p.order_review_window_days} days "
                 f"and {'is' if len(frame) == 1 else 'are'} listed for review. An RSO under an "
                 "order in force cannot be managed reactively.")
    return Section(key="orders", heading="Civil orders ending", paragraphs=(paragraph,),
                   tables=(table,))
