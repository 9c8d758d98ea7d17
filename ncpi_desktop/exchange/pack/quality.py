"""The pack's quality assurance section (DOMAIN.md rule 15): case review coverage and grades by
BCU and team (the report's ``qa_*`` keys), and the review actions overdue. Without the report's
quality keys the section is left out."""

from __future__ import annotations

import pandas as pd

from ncpi_desktop.analysis.quality import actions_status
from ncpi_desktop.exchange.pack.columns import columns_of, named
from ncpi_desktop.exchange.pack.model import PDF_TEAM_ROWS, Column, Section, Table
from ncpi_desktop.exchange.pack.tables import Context, list_note
from ncpi_desktop.exchange.pack.text import figure_text
from ncpi_desktop.formats import Kind, plural

#: The quality keys of a group, in the report's order.
QA_KEYS = ["qa_reviewed", "qa_coverage", "qa_good", "qa_requires_improvement", "qa_inadequate"]
#: Their labels and kinds, beside ``columns.KEYS``.
QA_COLUMNS = {
    "qa_reviewed": ("Reviewed", Kind.INT), "qa_coverage": ("Coverage", Kind.PERCENT),
    "qa_good": ("Good", Kind.INT), "qa_requires_improvement": ("Requires improvement", Kind.INT),
    "qa_inadequate": ("Inadequate", Kind.INT), "actions_overdue": ("Actions overdue", Kind.INT),
    "most_days_overdue": ("Most days overdue", Kind.INT),
}


def _columns(frame: pd.DataFrame, keys: list[str], name: str) -> tuple[Column, ...]:
    known = {c.key: c for c in named(columns_of(frame, keys), name)}
    return tuple(Column(k, *QA_COLUMNS[k]) if k in QA_COLUMNS else known[k]
                 for k in keys if k in frame.columns)


def _groups(context: Context, which: str, keys: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(context.report[which]).reindex(columns=keys)
    frame = frame[frame["community"].fillna(0) > 0]
    return frame.sort_values([k for k in ("bcu", "name") if k in keys]).reset_index(drop=True)


def _overdue_by_team(context: Context) -> pd.DataFrame:
    figures = context.figures
    actions = actions_status(figures.rsos, figures.snapshot)
    overdue = actions[actions["overdue"].to_numpy(bool)]
    if overdue.empty:
        return pd.DataFrame(columns=["name", "bcu", "actions_overdue", "most_days_overdue"])
    out = overdue.groupby(["bcu", "team"], dropna=False).agg(
        actions_overdue=("action_id", "size"), most_days_overdue=("days_overdue", "max"))
    out = out.reset_index().rename(columns={"team": "name"})
    return out.sort_values(["actions_overdue", "most_days_overdue", "name"],
                           ascending=[False, False, True]).reset_index(drop=True)


def quality_section(context: Context) -> Section | None:
    if not context.has(*QA_KEYS):
        return None
    f, p = context.force, context.policy
    bcus = _groups(context, "bcus", ["name", "community", *QA_KEYS])
    teams = _groups(context, "teams", ["name", "bcu", "community", *QA_KEYS])
    overdue = _overdue_by_team(context)
    paragraph = (
        f"{plural(f['qa_reviewed'], 'community RSO')} of {figure_text(Kind.INT, f['community'])} "
        f"had their case reviewed by a supervisor in the last {p.qa_coverage_months} months: "
        f"coverage {figure_text(Kind.PERCENT, f['qa_coverage'])}. By the grade of each one's "
        f"latest review: {figure_text(Kind.INT, f['qa_good'])} good, "
        f"{figure_text(Kind.INT, f['qa_requires_improvement'])} requires improvement, "
        f"{figure_text(Kind.INT, f['qa_inadequate'])} inadequate. "
        f"{plural(int(overdue['actions_overdue'].sum()), 'review action')} "
        f"{'is' if int(overdue['actions_overdue'].sum()) == 1 else 'are'} past the due date.")
    tables = (
        Table(key="qa_by_bcu", caption="Case review coverage and grades by BCU", frame=bcus,
              columns=_columns(bcus, ["name", "community", *QA_KEYS], "BCU"), sheet="Quality"),
        Table(key="qa_by_team", caption="Case review coverage and grades by team", frame=teams,
              columns=_columns(teams, ["name", "bcu", "community", *QA_KEYS], "Team"),
              sheet="Quality", pdf_rows=PDF_TEAM_ROWS,
              note=list_note(len(teams), "teams", PDF_TEAM_ROWS)),
        Table(key="qa_actions_overdue", caption="Review actions overdue by team", frame=overdue,
              columns=_columns(overdue, ["name", "bcu", "actions_overdue",
                                         "most_days_overdue"], "Team"),
              sheet="Quality", pdf_rows=PDF_TEAM_ROWS,
              note=list_note(len(overdue), "teams, most overdue first", PDF_TEAM_ROWS)),
    )
    return Section(key="quality", heading="Quality assurance: case reviews",
                   paragraphs=(paragraph,), tables=tables)
