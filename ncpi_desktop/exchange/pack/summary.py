"""The pack's first pages: the key figures, the summary (force, BCUs, teams, flags raised) and the
offender managers above the policy's limits, with their charts."""

from __future__ import annotations

import pandas as pd

from ncpi_desktop.analysis.figures import RSO_FLAG_TITLES, flag_title
from ncpi_desktop.exchange.pack.columns import column, first_value, over_capacity
from ncpi_desktop.exchange.pack.model import (
    CHART_MAX_BARS,
    Chart,
    Column,
    KeyFigure,
    Section,
    Table,
)
from ncpi_desktop.exchange.pack.tables import Context, group_table, over
from ncpi_desktop.exchange.pack.text import figure_text, limit_percent
from ncpi_desktop.formats import Kind, plural, uk_date

#: The columns of the managers above a limit, those the report carries.
MANAGER_COLUMNS = ["manager_id", "name", "bcu", "team", "fte", "caseload", "per_fte",
                   "workload_capacity", "high_risk_share", "visits_overdue", "max_days_overdue",
                   "flags", "why"]


def key_figures(context: Context) -> tuple[KeyFigure, ...]:
    f, p = context.force, context.policy
    out = [
        KeyFigure("RSOs registered", f["rsos"], Kind.INT),
        KeyFigure("In the community", f["community"], Kind.INT),
        KeyFigure("Community RSOs per FTE", f["per_fte"], Kind.RATIO,
                  f"limit {p.caseload_limit_per_fte:g}",
                  over(f["per_fte"], p.caseload_limit_per_fte)),
        KeyFigure("High-risk share", f["high_risk_share"], Kind.PERCENT,
                  f"limit {limit_percent(p.high_risk_share_limit)}",
                  over(f["high_risk_share"], p.high_risk_share_limit)),
        KeyFigure("ARMS completion", f["arms_completion"], Kind.PERCENT,
                  f"{figure_text(Kind.INT, f['arms_current'])} of "
                  f"{figure_text(Kind.INT, f['arms_eligible'])}"),
    ]
    if context.has("visits_overdue", "max_days_overdue"):
        out.append(KeyFigure("Visits overdue", f["visits_overdue"], Kind.INT,
                             f"most {plural(f['max_days_overdue'], 'day')}",
                             f["visits_overdue"] > 0))
    out.append(KeyFigure("Reactive", f["reactive"], Kind.INT,
                         f"eligible {figure_text(Kind.INT, f['reactive_eligible'])}"
                         if "reactive_eligible" in f else ""))
    out.append(KeyFigure("Pooled (no named OM)", f["pooled"], Kind.INT, "", f["pooled"] > 0))
    return tuple(out)


def summary_section(context: Context) -> Section:
    f, p, report = context.force, context.policy, context.report
    n = figure_text
    paragraphs = [
        f"On {uk_date(report['as_at'])} the force had {plural(f['rsos'], 'registered RSO')}: "
        f"{n(Kind.INT, f['community'])} in the community, {n(Kind.INT, f['custody'])} in "
        f"custody, {n(Kind.INT, f['abroad'])} abroad and {n(Kind.INT, f['missing'])} missing. "
        f"Its {plural(f['offender_managers'], 'offender manager')} ({n(Kind.FTE, f['fte'])}"
        f" FTE) hold {n(Kind.RATIO, f['per_fte'])} community RSOs per FTE against a "
        f"limit of {p.caseload_limit_per_fte:g}; {n(Kind.PERCENT, f['high_risk_share'])} of "
        f"community RSOs are high or very high risk (limit "
        f"{limit_percent(p.high_risk_share_limit)}).",
    ]
    second = (f"ARMS is current for {n(Kind.INT, f['arms_current'])} of "
              f"{n(Kind.INT, f['arms_eligible'])} eligible RSOs "
              f"({n(Kind.PERCENT, f['arms_completion'])}). "
              f"{plural(f['reactive'], 'RSO is', 'RSOs are')} managed reactively and "
              f"{plural(f['pooled'], 'community RSO has', 'community RSOs have')} no named "
              "offender manager (pooled).")
    if context.has("visits_overdue", "max_days_overdue", "visits_due"):
        second += (f" {plural(f['visits_overdue'], 'home visit is', 'home visits are')} overdue"
                   f" (the most by {plural(f['max_days_overdue'], 'day')}) and "
                   f"{n(Kind.INT, f['visits_due'])} more fall due within {p.due_soon_days} days.")
    paragraphs.append(second)
    bcus = group_table(context, "bcus", "Force and BCUs", report["bcus"], "BCUs", ["name"],
                       total=f)
    teams = group_table(context, "teams", "Teams", report["teams"], "Teams", ["name", "bcu"])
    tables = [bcus, teams]
    flags = _rso_flag_counts(context)
    if flags is not None:
        tables.append(flags)
    return Section(key="summary", heading="Summary", paragraphs=tuple(paragraphs),
                   tables=tuple(tables), new_page=False)


def _rso_flag_counts(context: Context) -> Table | None:
    if context.rsos is None:
        return None
    exploded = context.rsos["flags"].explode().dropna()
    counts = exploded.value_counts()
    order = [*RSO_FLAG_TITLES, *sorted(set(counts.index) - set(RSO_FLAG_TITLES))]
    frame = pd.DataFrame({
        "flag": order,
        "label": [flag_title(k) for k in order],
        "rsos": [int(counts.get(k, 0)) for k in order],
    })
    columns = (Column("label", "Flag", Kind.TEXT), Column("rsos", "RSOs", Kind.INT),
               Column("flag", "Flag key", Kind.TEXT))
    return Table(key="rso_flags", caption="Flags raised on RSOs", frame=frame, columns=columns,
                 sheet="Flags", pdf_columns=("label", "rsos"), narrow=True)


def managers_section(context: Context) -> Section:
    p = context.policy
    managers = context.managers
    raised = managers["flags"].map(len) > 0
    over_caseload = managers["flags"].map(lambda f: "caseload_over_limit" in f)
    over_share = managers["flags"].map(lambda f: "high_risk_share_over_limit" in f)
    flagged = managers[raised].assign(over_per_fte=over_caseload[raised],
                                      over_share=over_share[raised],
                                      over_workload=over_capacity(managers["workload_grade"])
                                      [raised] if "workload_grade" in managers else False)
    flagged = flagged.sort_values(["per_fte", "manager_id"], ascending=[False, True])
    n_caseload, n_share = int(over_caseload.sum()), int(over_share.sum())
    n = figure_text
    paragraph = (f"{n(Kind.INT, len(flagged))} of {plural(len(managers), 'manager')} "
                 f"{'is' if len(flagged) == 1 else 'are'} above a limit: "
                 f"{n(Kind.INT, n_caseload)} {'holds' if n_caseload == 1 else 'hold'} more than "
                 f"{p.caseload_limit_per_fte:g} community RSOs per FTE and "
                 f"{n(Kind.INT, n_share)} {'has' if n_share == 1 else 'have'} a high-risk share "
                 f"above {limit_percent(p.high_risk_share_limit)}. Why each is flagged is given "
                 "beside them.")
    keys = [k for k in MANAGER_COLUMNS if k in managers.columns]
    frame = flagged.reindex(columns=[*keys, "over_per_fte", "over_share", "over_workload"]
                            ).reset_index(drop=True)
    frame["flags"] = frame["flags"].map(", ".join).astype(object)
    frame["why"] = frame["why"].map("; ".join).astype(object)
    table = Table(key="managers_over", caption="Managers above a limit", frame=frame,
                  columns=tuple(column(k, first_value(managers, k)) for k in keys),
                  sheet="Flags",
                  pdf_columns=("manager_id", "name", "team", "fte", "caseload", "per_fte",
                               "workload_capacity", "high_risk_share", "why"),
                  highlight={"per_fte": "over_per_fte", "high_risk_share": "over_share",
                             "workload_capacity": "over_workload"})
    return Section(key="managers", heading="Offender managers above the limits",
                   paragraphs=(paragraph,), tables=(table,), charts=_manager_charts(context))


def _charted_managers(managers: pd.DataFrame) -> pd.DataFrame:
    """Offender managers, and anyone else holding RSOs (a supervisor covering a caseload)."""
    if managers.empty:
        return managers
    return managers[(managers["role"] == "offender_manager") | (managers["caseload"] > 0)]


def _bar_chart_note(shown: int, total: int, what: str) -> str:
    if shown >= total:
        return ""
    return (f"The {shown:,} highest of {total:,} {what}; the workbook's Managers sheet lists "
            f"every manager.")


def _manager_charts(context: Context) -> tuple[Chart, ...]:
    p = context.policy
    managers = _charted_managers(context.managers)
    if managers.empty:
        return ()
    charts = []
    by_load = managers.sort_values(["per_fte", "manager_id"], ascending=[False, True])
    top = by_load.head(CHART_MAX_BARS)
    charts.append(Chart(
        key="per_fte", title="Community caseload per FTE, by offender manager",
        labels=tuple(top["label"]), values=tuple(top["per_fte"].astype(float)),
        flagged=tuple(top["flags"].map(lambda f: "caseload_over_limit" in f)),
        value_axis="Community RSOs per FTE", category_axis="Offender manager",
        line=p.caseload_limit_per_fte, line_label=f"Limit {p.caseload_limit_per_fte:g} per FTE",
        legend=("Within the limit", "Above the limit"),
        note=_bar_chart_note(len(top), len(managers), "offender managers by caseload per FTE")))
    shares = managers.assign(share=managers["high_risk_share"].astype(float).fillna(0.0))
    by_share = shares.sort_values(["share", "manager_id"], ascending=[False, True])
    top = by_share.head(CHART_MAX_BARS)
    charts.append(Chart(
        key="high_risk_share", title="High and very-high risk share of caseload, by offender "
        "manager", labels=tuple(top["label"]), values=tuple(top["share"]),
        flagged=tuple(top["flags"].map(lambda f: "high_risk_share_over_limit" in f)),
        value_axis="Share of community caseload high or very high risk",
        category_axis="Offender manager", kind=Kind.PERCENT, line=p.high_risk_share_limit,
        line_label=f"Limit {limit_percent(p.high_risk_share_limit)}",
        legend=("Within the limit", "Above the limit"),
        note=_bar_chart_note(len(top), len(managers), "offender managers by high-risk share")))
    return tuple(charts)
