"""Building the pack: the report once, then each section in the order the PDF prints them, the
policy used, and the workbook's tables that the PDF shows in another form or not at all."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from ncpi_desktop.analysis.figures import Figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.pack.casework import (
    arms_section,
    orders_section,
    reactive_section,
    visits_section,
)
from ncpi_desktop.exchange.pack.clocks import clocks_section
from ncpi_desktop.exchange.pack.columns import column, first_value, group_keys, over_capacity
from ncpi_desktop.exchange.pack.forecast import forecast_section
from ncpi_desktop.exchange.pack.model import (
    MARKING,
    TITLE,
    Column,
    KeyFigure,
    Pack,
    Section,
    Table,
)
from ncpi_desktop.exchange.pack.quality import quality_section
from ncpi_desktop.exchange.pack.summary import key_figures, managers_section, summary_section
from ncpi_desktop.exchange.pack.tables import Context, manager_frame, rso_frame
from ncpi_desktop.exchange.report import build_report
from ncpi_desktop.formats import Kind, plural, uk_datetime
from ncpi_desktop.storage import audit


def build_pack(figures: Figures, *, produced_by: str, produced_at: datetime,
               names: bool = False) -> Pack:
    """The pack's content for one snapshot's figures. Pure: no Qt, no files."""
    report = build_report(figures)
    context = Context(figures=figures, report=report, policy=figures.policy, names=names,
                      force=report["force"], managers=manager_frame(figures, report),
                      rsos=rso_frame(report))
    key = key_figures(context)
    sections = [s for s in (
        summary_section(context),
        managers_section(context),
        visits_section(context),
        clocks_section(context),
        arms_section(context),
        reactive_section(context),
        orders_section(context),
        quality_section(context),
        forecast_section(context),
        _policy_section(context),
    ) if s is not None]
    return Pack(title=TITLE, marking=MARKING, as_at=figures.snapshot.as_at,
                produced_at=produced_at, produced_by=produced_by, names=names,
                policy=figures.policy, report=report, key_figures=key,
                sections=tuple(sections), extra_tables=_sheet_only_tables(context, key))


def pack_rso_ids(pack: Pack) -> list[str]:
    """Every RSO the pack's tables list (by id, and by name when ``pack.names``)."""
    ids: set[str] = set()
    for table in pack.tables():
        if "rso_id" in table.frame:
            ids.update(table.frame["rso_id"].dropna().astype(str))
    return sorted(ids)


def audit_line(head: audit.Head) -> str:
    """How the pack prints the audit log's head."""
    if not head.hash:
        return "Audit log head: none (the log is empty)"
    when = (f", as at {uk_datetime(head.at.astimezone(UTC))} UTC"
            if head.at is not None else "")
    return f"Audit log head: {head.hash}, {plural(head.rows, 'row')}{when}"


def pin_audit_head(engine: Engine, pack: Pack, actor: str, out: str | Path) -> Pack:
    """Record the pack's disclosure in the audit log (the RSOs it lists, with or without
    names, and where it goes), then return the pack printing the log's head as it then stands,
    so a printed pack pins the log, its own row included."""
    detail = {"file": Path(out).name, "names": pack.names, "as_at": pack.as_at.isoformat()}
    audit.record(engine, actor, "disclosure", "pack with names" if pack.names else "pack",
                 pack_rso_ids(pack), detail)
    return dataclasses.replace(pack, audit_line=audit_line(audit.head(engine)))


def _policy_section(context: Context) -> Section:
    values = context.report["policy"]
    rows = []
    for described in Policy.describe():
        value = values.get(described.name)
        percent = described.unit == "fraction"
        rows.append({"label": described.label, "value": value,
                     "unit": "" if percent else described.unit,
                     "source": described.source,
                     "default": "configurable default" if described.configurable_default
                     else "", "key": described.name, "is_percent": percent})
    frame = pd.DataFrame(rows)
    frame["kind"] = [Kind.PERCENT.value if pct else Kind.TEXT.value for pct in frame["is_percent"]]
    frame["value"] = pd.Series([v if pct else _plain_number(v) for v, pct
                                in zip(frame["value"], frame["is_percent"], strict=True)],
                               dtype=object)
    columns = (Column("label", "Policy value", Kind.TEXT), Column("value", "Value", Kind.TEXT),
               Column("unit", "Unit", Kind.TEXT), Column("source", "Source", Kind.TEXT),
               Column("default", "Note", Kind.TEXT), Column("key", "Key", Kind.TEXT))
    table = Table(key="policy", caption="Policy values used", frame=frame, columns=columns,
                  sheet="Policy", pdf_columns=("label", "value", "unit", "source", "default"),
                  kinds_from={"value": "kind"})
    return Section(key="policy", heading="Policy values used",
                   paragraphs=("Every figure in this pack was computed with these values. A "
                               "configurable default is used where no national figure was "
                               "found.",),
                   tables=(table,), bullets=tuple(context.policy.rules_text()),
                   bullets_heading="Rules in force")


def _plain_number(value: Any) -> Any:
    """28.0 -> 28: a whole policy value reads as one (and stays a number in the workbook)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet_only_tables(context: Context, key_figures: tuple[KeyFigure, ...]
                       ) -> tuple[Table, ...]:
    """The workbook's tables that the PDF shows in another form (cards) or not at all."""
    report = context.report
    cards = pd.DataFrame({"label": [k.label for k in key_figures],
                          "value": pd.Series([k.value for k in key_figures], dtype=object),
                          "note": [k.note for k in key_figures],
                          "kind": [k.kind.value for k in key_figures]})
    force_keys = group_keys(report)
    force = pd.DataFrame({
        "label": [column(k, report["force"][k]).label for k in force_keys],
        "value": pd.Series([report["force"][k] for k in force_keys], dtype=object),
        "key": force_keys,
        "kind": [column(k, report["force"][k]).kind.value for k in force_keys],
    })
    value_columns = (Column("label", "Figure", Kind.TEXT), Column("value", "Value", Kind.RATIO))
    managers = context.managers
    manager_keys = [k for k in (report["managers"][0] if report["managers"] else {})
                    if k not in ("flags", "why")]
    frame = managers.reindex(columns=[*manager_keys, "flags", "why"]).copy()
    frame["flags"] = frame["flags"].map(", ".join).astype(object)
    frame["why"] = frame["why"].map("; ".join).astype(object)
    over_caseload = managers["flags"].map(lambda f: "caseload_over_limit" in f)
    over_share = managers["flags"].map(lambda f: "high_risk_share_over_limit" in f)
    frame = frame.assign(over_per_fte=over_caseload.to_numpy(bool),
                         over_share=over_share.to_numpy(bool),
                         over_workload=over_capacity(frame["workload_grade"]).to_numpy(bool)
                         if "workload_grade" in frame else False)
    return (
        Table(key="key_figures", caption="Key figures", frame=cards, pdf=False, sheet="Summary",
              columns=(*value_columns, Column("note", "Note", Kind.TEXT)),
              kinds_from={"value": "kind"}),
        Table(key="force", caption="Force figures", frame=force, pdf=False, sheet="Summary",
              columns=(*value_columns, Column("key", "Report key", Kind.TEXT)),
              kinds_from={"value": "kind"}),
        Table(key="managers", caption="Managers", frame=frame, sheet="Managers", pdf=False,
              columns=tuple(column(k, first_value(managers, k))
                            for k in [*manager_keys, "flags", "why"]),
              highlight={"per_fte": "over_per_fte", "high_risk_share": "over_share",
                         "workload_capacity": "over_workload"}),
    )
