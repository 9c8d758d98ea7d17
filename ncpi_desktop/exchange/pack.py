"""The monthly performance pack: what it says, built once and written as a PDF or a workbook.

The pack is built from ``build_report(figures)`` (the object ``report --json`` prints) plus the
figures' frames for what the report does not list (RSO names when asked for, the order register),
so every figure in the PDF and the XLSX is the report's figure. Tables carry the unrounded values;
the PDF formats them for people (``format_value``), the workbook keeps them as numbers with a
number format.

Sections whose figures the report does not carry (yet) are left out, rather than shown as zeros.
RSOs appear by id only unless ``names=True``.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from ncpi_desktop.analysis.caseload import EPSILON
from ncpi_desktop.analysis.figures import RSO_FLAG_TITLES, Figures, flag_title
from ncpi_desktop.domain.enums import ManagementMode, RiskLevel, Status
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.report import build_report

TITLE = "Sex offender management: performance pack"
#: Government Security Classification of a document naming RSOs and their managers.
MARKING = "OFFICIAL-SENSITIVE"
#: Rows of a long RSO list printed in the PDF (the workbook has every row).
PDF_LIST_ROWS = 25
#: Rows of a per-team table printed in a section after the summary (a force has a dozen teams;
#: a national register, hundreds).
PDF_TEAM_ROWS = 40
#: Bars in a per-manager chart (the highest first); more no longer read on an A4 page.
CHART_MAX_BARS = 40
#: The workbook's sheets, in order.
SHEETS = ("Summary", "BCUs", "Teams", "Managers", "Flags", "Overdue visits", "ARMS", "Reactive",
          "Orders ending", "Policy")
NOT_APPLICABLE = "–"


class Kind(StrEnum):
    """How a column's values read: the PDF's text and the workbook's number format follow it."""

    TEXT = "text"
    INT = "int"
    RATIO = "ratio"  # one decimal (per FTE)
    FTE = "fte"  # as the why sentences write it: 1.0, 0.75
    PERCENT = "percent"  # a share (0.155), shown 15.5%
    POINTS = "points"  # a difference of shares, shown +3.2 pts
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind


@dataclass(frozen=True, eq=False)
class Table:
    """A table of the pack: unrounded values in ``frame``, read through ``columns``.

    ``pdf_columns`` are the keys the PDF prints (all when None: an A4 page is narrower than a
    sheet); ``pdf_rows`` caps the rows printed; ``highlight`` maps a column key to a boolean column
    of ``frame`` marking the cells above a limit; ``emphasis`` names a boolean column marking
    whole rows (a total).
    """

    key: str
    caption: str
    frame: pd.DataFrame
    columns: tuple[Column, ...]
    sheet: str | None = None
    pdf: bool = True
    pdf_columns: tuple[str, ...] | None = None
    pdf_rows: int | None = None
    pdf_frame: pd.DataFrame | None = None  # the rows printed, when not the first ``pdf_rows``
    highlight: dict[str, str] = field(default_factory=dict)
    emphasis: str | None = None
    note: str = ""  # printed under the table in the PDF (what it leaves out)
    kinds_from: dict[str, str] = field(default_factory=dict)
    #: The PDF prints a two- or three-column table narrower than the page.
    narrow: bool = False
    #: Columns for the PDF only (a manager as 'Name (id)': the workbook has both separately).
    pdf_only: tuple[str, ...] = ()

    @property
    def sheet_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.key not in self.pdf_only)

    def kind(self, key: str, row: int) -> Kind:
        """The kind of one cell: the column's, or the row's where ``kinds_from`` says so."""
        if key in self.kinds_from:
            return Kind(self.frame[self.kinds_from[key]].iat[row])
        return self.column(key).kind

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def printed_columns(self) -> tuple[Column, ...]:
        if self.pdf_columns is None:
            return self.columns
        return tuple(self.column(k) for k in self.pdf_columns if k in self.frame.columns)

    @property
    def printed_frame(self) -> pd.DataFrame:
        if self.pdf_frame is not None:
            return self.pdf_frame
        return self.frame if self.pdf_rows is None else self.frame.head(self.pdf_rows)


@dataclass(frozen=True)
class Chart:
    """Horizontal bars, one per label, with an optional reference line (a policy limit)."""

    key: str
    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    flagged: tuple[bool, ...]
    value_axis: str
    category_axis: str
    kind: Kind = Kind.RATIO  # how a value reads (axis ticks and the figure at a bar's end)
    line: float | None = None
    line_label: str = ""
    legend: tuple[str, str] = ("", "")  # (plain bar, flagged bar)
    note: str = ""

    @property
    def percent(self) -> bool:
        return self.kind is Kind.PERCENT


@dataclass(frozen=True, eq=False)
class Section:
    key: str
    heading: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    bullets: tuple[str, ...] = ()
    bullets_heading: str = ""
    new_page: bool = True
    #: The PDF prints the charts after this many tables (after all of them when None): a chart
    #: belongs beside the summary it draws, before a long list.
    charts_after: int | None = None


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: Any
    kind: Kind
    note: str = ""
    flagged: bool = False


@dataclass(frozen=True, eq=False)
class Pack:
    title: str
    marking: str
    as_at: date
    produced_at: datetime
    produced_by: str
    names: bool
    policy: Policy
    report: dict[str, Any]
    key_figures: tuple[KeyFigure, ...]
    sections: tuple[Section, ...]
    extra_tables: tuple[Table, ...] = ()

    @property
    def as_at_text(self) -> str:
        return fmt_date(self.as_at)

    @property
    def produced_text(self) -> str:
        return f"Produced {self.produced_at:%d/%m/%Y %H:%M} by {self.produced_by}"

    @property
    def policy_line(self) -> str:
        return policy_line(self.policy)

    def tables(self) -> Iterator[Table]:
        for section in self.sections:
            yield from section.tables
        yield from self.extra_tables

    def sheet_tables(self, sheet: str) -> list[Table]:
        return [t for t in self.tables() if t.sheet == sheet]

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it when the block completes: a stopped or
    failed export leaves no partial file, and an earlier file of the same name as it was."""
    descriptor, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix,
                                        dir=path.parent)
    os.close(descriptor)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


# --- text ---------------------------------------------------------------------------------------


def fmt_date(value: date | datetime | pd.Timestamp | str) -> str:
    """DD/MM/YYYY, the form the users read dates in."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value:%d/%m/%Y}"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_value(value: Any, kind: Kind) -> str:
    """A figure as the PDF prints it: thousands separated, shares as percentages to one decimal,
    per FTE to one decimal, dates DD/MM/YYYY; a figure that does not apply as a dash."""
    if _missing(value):
        return NOT_APPLICABLE
    if kind is Kind.INT:
        return f"{int(value):,}"
    if kind is Kind.RATIO:
        return f"{float(value):,.1f}"
    if kind is Kind.FTE:  # as the why sentences write it (1.0, 0.75), with thousands separated
        text = f"{float(value):,.2f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    if kind is Kind.PERCENT:
        return f"{float(value) * 100:.1f}%"
    if kind is Kind.POINTS:
        return f"{float(value) * 100:+.1f} pts".replace("-", "−")
    if kind is Kind.DATE:
        return fmt_date(value)
    if kind is Kind.DATETIME:
        return f"{value:%d/%m/%Y %H:%M}"
    return str(value)


def _n(value: Any) -> str:
    return format_value(value, Kind.INT)


def _pct(value: Any) -> str:
    return format_value(value, Kind.PERCENT)


def _limit_pct(share: float) -> str:
    return f"{share * 100:g}%"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def policy_line(policy: Policy) -> str:
    """The policy values in one line, printed on every page of the PDF."""
    p = policy
    return (f"Policy: caseload limit {p.caseload_limit_per_fte:g} per FTE · high-risk share "
            f"limit {_limit_pct(p.high_risk_share_limit)} · visits every "
            f"{p.visit_interval_very_high_months}/{p.visit_interval_high_months}/"
            f"{p.visit_interval_medium_months}/{p.visit_interval_low_months} months (very high/"
            f"high/medium/low) · first visit {p.first_visit_allowance_days} days · due soon "
            f"{p.due_soon_days} days · ARMS every {p.arms_max_age_months} months · reactive after "
            f"{p.reactive_concern_free_years} years concern-free · orders ending within "
            f"{p.order_review_window_days} days")


def risk_label(value: Any) -> str:
    if _missing(value):
        return "not recorded"
    return RiskLevel(value).label


# --- columns -----------------------------------------------------------------------------------

#: Labels and kinds of the report's keys (REPORT-JSON.md); a key not listed reads as its name.
KEYS: dict[str, tuple[str, Kind]] = {
    "name": ("Name", Kind.TEXT),
    "bcu": ("BCU", Kind.TEXT),
    "team": ("Team", Kind.TEXT),
    "rsos": ("RSOs", Kind.INT),
    "community": ("Community", Kind.INT),
    "custody": ("Custody", Kind.INT),
    "abroad": ("Abroad", Kind.INT),
    "missing": ("Missing", Kind.INT),
    "low": ("Low", Kind.INT),
    "medium": ("Medium", Kind.INT),
    "high": ("High", Kind.INT),
    "very_high": ("Very high", Kind.INT),
    "high_risk_share": ("High-risk share", Kind.PERCENT),
    "offender_managers": ("OMs", Kind.INT),
    "fte": ("FTE", Kind.FTE),
    "per_fte": ("Per FTE", Kind.RATIO),
    "pooled": ("Pooled", Kind.INT),
    "arms_eligible": ("ARMS eligible", Kind.INT),
    "arms_current": ("ARMS current", Kind.INT),
    "arms_completion": ("ARMS completion", Kind.PERCENT),
    "active": ("Active", Kind.INT),
    "reactive": ("Reactive", Kind.INT),
    "reactive_eligible": ("Reactive eligible", Kind.INT),
    "reactive_review": ("Reactive reviews due", Kind.INT),
    "visits_due": ("Visits due soon", Kind.INT),
    "visits_overdue": ("Visits overdue", Kind.INT),
    "max_days_overdue": ("Most days overdue", Kind.INT),
    "orders_in_force": ("Orders in force", Kind.INT),
    "manager_id": ("Manager id", Kind.TEXT),
    "caseload": ("Caseload", Kind.INT),
    "flags": ("Flags", Kind.TEXT),
    "why": ("Why", Kind.TEXT),
    "rso_id": ("RSO", Kind.TEXT),
    "rso_name": ("RSO name", Kind.TEXT),
    "manager": ("Manager", Kind.TEXT),
    "manager_name": ("Manager name", Kind.TEXT),
    "risk": ("Risk", Kind.TEXT),
    "status": ("Status", Kind.TEXT),
    "management": ("Management", Kind.TEXT),
    "next_visit_due": ("Next visit due", Kind.DATE),
    "days_overdue": ("Days overdue", Kind.INT),
}


def _column(key: str, sample: Any = None) -> Column:
    if key in KEYS:
        label, kind = KEYS[key]
        return Column(key, label, kind)
    if isinstance(sample, bool) or sample is None:
        kind = Kind.TEXT
    elif isinstance(sample, int):
        kind = Kind.INT
    elif isinstance(sample, float):
        kind = Kind.RATIO
    else:
        kind = Kind.TEXT
    return Column(key, key.replace("_", " ").capitalize(), kind)


def _columns(frame: pd.DataFrame, keys: Sequence[str]) -> tuple[Column, ...]:
    out = []
    for key in keys:
        if key not in frame.columns:
            continue
        values = frame[key].dropna()
        out.append(_column(key, values.iloc[0] if len(values) else None))
    return tuple(out)


def _named(columns: tuple[Column, ...], label: str) -> tuple[Column, ...]:
    """The ``name`` column called what it names (Team, BCU)."""
    return tuple(Column(c.key, label, c.kind) if c.key == "name" else c for c in columns)


def _group_keys(report: dict[str, Any]) -> list[str]:
    """The force object's keys, in the report's order: every group figure the report carries."""
    return list(report["force"])


# --- building -----------------------------------------------------------------------------------


@dataclass
class _Context:
    figures: Figures
    report: dict[str, Any]
    policy: Policy
    names: bool
    force: dict[str, Any]
    managers: pd.DataFrame  # the report's managers, plus role and a display column
    rsos: pd.DataFrame | None  # the report's rsos list, plus display columns

    def has(self, *keys: str) -> bool:
        return all(k in self.force for k in keys)


def build_pack(figures: Figures, *, produced_by: str, produced_at: datetime,
               names: bool = False) -> Pack:
    """The pack's content for one snapshot's figures. Pure: no Qt, no files."""
    report = build_report(figures)
    context = _Context(figures=figures, report=report, policy=figures.policy, names=names,
                       force=report["force"], managers=_manager_frame(figures, report),
                       rsos=_rso_frame(report))
    key_figures = _key_figures(context)
    sections = [s for s in (
        _summary_section(context),
        _managers_section(context),
        _visits_section(context),
        _arms_section(context),
        _reactive_section(context),
        _orders_section(context),
        _policy_section(context),
    ) if s is not None]
    return Pack(title=TITLE, marking=MARKING, as_at=figures.snapshot.as_at,
                produced_at=produced_at, produced_by=produced_by, names=names,
                policy=figures.policy, report=report, key_figures=key_figures,
                sections=tuple(sections), extra_tables=_sheet_only_tables(context, key_figures))


def _manager_frame(figures: Figures, report: dict[str, Any]) -> pd.DataFrame:
    """The report's managers, with their role and a chart label 'Name (id)'."""
    managers = pd.DataFrame(report["managers"])
    for key in ("manager_id", "name", "caseload", "per_fte", "high_risk_share", "flags", "why"):
        if key not in managers.columns:
            managers[key] = pd.Series(dtype=object)
    roles = figures.managers.set_index("manager_id")["role"]
    managers["role"] = managers["manager_id"].map(roles)
    managers["label"] = managers["name"].astype(str) + " (" + managers["manager_id"] + ")"
    return managers


#: The keys of the report's RSO objects the pack reads.
RSO_COLUMNS = ("rso_id", "manager_id", "bcu", "team", "status", "risk_level", "management",
               "next_visit_due", "days_overdue", "flags", "why")
#: RSO flags the pack lists RSOs by (a boolean column ``has_<flag>`` each).
LISTED_FLAGS = ("visit_overdue", "reactive_eligible", "reactive_review")


def _rso_frame(report: dict[str, Any]) -> pd.DataFrame | None:
    """The report's ``rsos`` list as a frame of the keys the pack reads, with ``has_<flag>``
    columns; None when the report does not list RSOs."""
    if "rsos" not in report:
        return None
    objects = report["rsos"]
    present = [k for k in RSO_COLUMNS if not objects or k in objects[0]]
    rsos = pd.DataFrame({k: pd.Series([o[k] for o in objects], dtype=object) for k in present})
    exploded = rsos["flags"].explode() if len(rsos) else pd.Series(dtype=object)
    for flag in LISTED_FLAGS:
        listed = exploded.index[exploded.to_numpy() == flag]
        rsos[f"has_{flag}"] = rsos.index.isin(listed)
    return rsos


def _decorated(context: _Context, rows: pd.DataFrame) -> pd.DataFrame:
    """RSO rows as a list shows them: manager name, risk label, dates, the name if asked for."""
    rows = rows.copy()
    figures = context.figures
    rows["manager_name"] = rows["manager_id"].map(figures.managers.set_index("manager_id")["name"])
    rows["manager"] = _manager_text(rows["manager_id"], rows["manager_name"])
    labels = {level.value: level.label for level in RiskLevel}
    rows["risk"] = rows["risk_level"].map(labels).fillna(risk_label(None)).astype(object)
    if "next_visit_due" in rows:
        due = pd.to_datetime(rows["next_visit_due"], format="ISO8601")
        rows["next_visit_due"] = pd.Series(
            [d.date() if not pd.isna(d) else None for d in due], index=rows.index, dtype=object)
    if context.names:
        frame = figures.rsos.set_index("rso_id")
        full = frame["family_name"].fillna("").str.upper() + ", " + frame["given_names"].fillna("")
        rows["rso_name"] = rows["rso_id"].map(full)
    return rows


def _manager_text(ids: pd.Series, names: pd.Series) -> pd.Series:
    """'Alex Hart (OM001)', or 'No named OM' for an RSO pooled or unallocated."""
    text = names.astype(object).fillna("") + " (" + ids.astype(object).fillna("") + ")"
    return text.where(ids.notna(), "No named OM").astype(object)


def _why(whys: list[str], flags: list[str], flag: str) -> str:
    return next((w for f, w in zip(flags, whys, strict=True) if f == flag), "")


def _flagged(rsos: pd.DataFrame, flag: str) -> pd.DataFrame:
    return rsos[rsos[f"has_{flag}"]]


def _rso_list_columns(context: _Context, extra: Sequence[str]) -> list[str]:
    head = ["rso_id", "rso_name"] if context.names else ["rso_id"]
    return [*head, "manager", "manager_id", "manager_name", "team", "bcu", "risk", *extra]


def _rso_table(context: _Context, rows: pd.DataFrame, key: str, caption: str, sheet: str,
               extra: Sequence[str], pdf_extra: Sequence[str], note: str = "") -> Table:
    keys = _rso_list_columns(context, extra)
    frame = _decorated(context, rows).reindex(columns=keys).reset_index(drop=True)
    head = ["rso_id", "rso_name"] if context.names else ["rso_id"]
    columns = _columns(frame, keys)
    return Table(key=key, caption=caption, frame=frame, columns=columns, sheet=sheet,
                 pdf_columns=(*head, "manager", "team", "risk", *pdf_extra),
                 pdf_rows=PDF_LIST_ROWS, note=note, pdf_only=("manager",))


def _over(value: Any, limit: float) -> bool:
    return not _missing(value) and float(value) > limit + EPSILON


def _key_figures(context: _Context) -> tuple[KeyFigure, ...]:
    f, p = context.force, context.policy
    out = [
        KeyFigure("RSOs registered", f["rsos"], Kind.INT),
        KeyFigure("In the community", f["community"], Kind.INT),
        KeyFigure("Community RSOs per FTE", f["per_fte"], Kind.RATIO,
                  f"limit {p.caseload_limit_per_fte:g}",
                  _over(f["per_fte"], p.caseload_limit_per_fte)),
        KeyFigure("High-risk share", f["high_risk_share"], Kind.PERCENT,
                  f"limit {_limit_pct(p.high_risk_share_limit)}",
                  _over(f["high_risk_share"], p.high_risk_share_limit)),
        KeyFigure("ARMS completion", f["arms_completion"], Kind.PERCENT,
                  f"{_n(f['arms_current'])} of {_n(f['arms_eligible'])}"),
    ]
    if context.has("visits_overdue", "max_days_overdue"):
        out.append(KeyFigure("Visits overdue", f["visits_overdue"], Kind.INT,
                             f"most {_plural(f['max_days_overdue'], 'day')}",
                             f["visits_overdue"] > 0))
    out.append(KeyFigure("Reactive", f["reactive"], Kind.INT,
                         f"eligible {_n(f['reactive_eligible'])}"
                         if "reactive_eligible" in f else ""))
    out.append(KeyFigure("Pooled (no named OM)", f["pooled"], Kind.INT, "", f["pooled"] > 0))
    return tuple(out)


def _group_table(context: _Context, key: str, caption: str, rows: list[dict[str, Any]],
                 sheet: str | None, head: Sequence[str], total: dict[str, Any] | None = None,
                 ) -> Table:
    keys = [*head, *_group_keys(context.report)]
    if total is not None:
        rows = [{"name": "Force", **total, "is_total": True}, *rows]
    frame = pd.DataFrame(rows).reindex(columns=[*keys, "is_total"])
    frame["is_total"] = frame["is_total"].eq(True)
    p = context.policy
    frame["over_per_fte"] = [_over(v, p.caseload_limit_per_fte) for v in frame["per_fte"]]
    frame["over_share"] = [_over(v, p.high_risk_share_limit) for v in frame["high_risk_share"]]
    printed = [*head, "rsos", "community", "fte", "per_fte",
               "high_risk_share", "pooled", "arms_completion", "reactive", "visits_overdue",
               "max_days_overdue"]
    columns = _columns(frame, keys)
    return Table(key=key, caption=caption, frame=frame,
                 columns=_named(columns, "Team") if "bcu" in head else columns,
                 sheet=sheet, pdf_columns=tuple(printed),
                 highlight={"per_fte": "over_per_fte", "high_risk_share": "over_share"},
                 emphasis="is_total")


def _summary_section(context: _Context) -> Section:
    f, p, report = context.force, context.policy, context.report
    as_at = fmt_date(report["as_at"])
    paragraphs = [
        f"On {as_at} the force had {_plural(f['rsos'], 'registered RSO')}: "
        f"{_n(f['community'])} in the community, {_n(f['custody'])} in custody, "
        f"{_n(f['abroad'])} abroad and {_n(f['missing'])} missing. Its "
        f"{_plural(f['offender_managers'], 'offender manager')} ({format_value(f['fte'], Kind.FTE)}"
        f" FTE) hold {format_value(f['per_fte'], Kind.RATIO)} community RSOs per FTE against a "
        f"limit of {p.caseload_limit_per_fte:g}; {_pct(f['high_risk_share'])} of community RSOs "
        f"are high or very high risk (limit {_limit_pct(p.high_risk_share_limit)}).",
    ]
    second = (f"ARMS is current for {_n(f['arms_current'])} of {_n(f['arms_eligible'])} "
              f"eligible RSOs ({_pct(f['arms_completion'])}). "
              f"{_plural(f['reactive'], 'RSO is', 'RSOs are')} managed reactively and "
              f"{_plural(f['pooled'], 'community RSO has', 'community RSOs have')} no named "
              "offender manager (pooled).")
    if context.has("visits_overdue", "max_days_overdue", "visits_due"):
        second += (f" {_plural(f['visits_overdue'], 'home visit is', 'home visits are')} overdue"
                   f" (the most by {_plural(f['max_days_overdue'], 'day')}) and "
                   f"{_n(f['visits_due'])} more fall due within {p.due_soon_days} days.")
    paragraphs.append(second)
    bcus = _group_table(context, "bcus", "Force and BCUs", report["bcus"], "BCUs", ["name"],
                        total=f)
    teams = _group_table(context, "teams", "Teams", report["teams"], "Teams", ["name", "bcu"])
    tables = [bcus, teams]
    flags = _rso_flag_counts(context)
    if flags is not None:
        tables.append(flags)
    return Section(key="summary", heading="Summary", paragraphs=tuple(paragraphs),
                   tables=tuple(tables), new_page=False)




def _rso_flag_counts(context: _Context) -> Table | None:
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


MANAGER_COLUMNS = ["manager_id", "name", "bcu", "team", "fte", "caseload", "per_fte",
                   "high_risk_share", "visits_overdue", "max_days_overdue", "flags", "why"]


def _managers_section(context: _Context) -> Section:
    p = context.policy
    managers = context.managers
    raised = managers["flags"].map(len) > 0
    over_caseload = managers["flags"].map(lambda f: "caseload_over_limit" in f)
    over_share = managers["flags"].map(lambda f: "high_risk_share_over_limit" in f)
    flagged = managers[raised].assign(over_per_fte=over_caseload[raised],
                                      over_share=over_share[raised])
    flagged = flagged.sort_values(["per_fte", "manager_id"], ascending=[False, True])
    n_caseload, n_share = int(over_caseload.sum()), int(over_share.sum())
    paragraph = (f"{_n(len(flagged))} of {_plural(len(managers), 'manager')} "
                 f"{'is' if len(flagged) == 1 else 'are'} above a limit: {_n(n_caseload)} "
                 f"{'holds' if n_caseload == 1 else 'hold'} more than "
                 f"{p.caseload_limit_per_fte:g} community RSOs per FTE and {_n(n_share)} "
                 f"{'has' if n_share == 1 else 'have'} a high-risk share above "
                 f"{_limit_pct(p.high_risk_share_limit)}. Why each is flagged is given beside "
                 "them.")
    keys = [k for k in MANAGER_COLUMNS if k in managers.columns]
    frame = flagged.reindex(columns=[*keys, "over_per_fte", "over_share"]).reset_index(drop=True)
    frame["flags"] = frame["flags"].map(", ".join).astype(object)
    frame["why"] = frame["why"].map("; ".join).astype(object)
    table = Table(key="managers_over", caption="Managers above a limit", frame=frame,
                  columns=tuple(_column(k, _first(managers, k)) for k in keys), sheet="Flags",
                  pdf_columns=("manager_id", "name", "team", "fte", "caseload", "per_fte",
                               "high_risk_share", "why"),
                  highlight={"per_fte": "over_per_fte", "high_risk_share": "over_share"})
    return Section(key="managers", heading="Offender managers above the limits",
                   paragraphs=(paragraph,), tables=(table,), charts=_manager_charts(context))


def _first(frame: pd.DataFrame, key: str) -> Any:
    values = frame[key].dropna() if key in frame.columns else ()
    return values.iloc[0] if len(values) else None


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


def _manager_charts(context: _Context) -> tuple[Chart, ...]:
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
        line_label=f"Limit {_limit_pct(p.high_risk_share_limit)}",
        legend=("Within the limit", "Above the limit"),
        note=_bar_chart_note(len(top), len(managers), "offender managers by high-risk share")))
    return tuple(charts)


RISK_ORDER = (RiskLevel.VERY_HIGH, RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)


def _visits_section(context: _Context) -> Section | None:
    if not context.has("visits_overdue", "max_days_overdue") or context.rsos is None:
        return None
    f, p, rsos = context.force, context.policy, context.rsos
    overdue = _flagged(rsos, "visit_overdue")
    labels = {level.value: level.label for level in RiskLevel}
    risk = rsos["risk_level"].map(labels).fillna(risk_label(None))
    active = (rsos["status"] == Status.COMMUNITY) & (rsos["management"] == ManagementMode.ACTIVE)
    days = pd.to_numeric(overdue["days_overdue"]).fillna(0).astype("int64")
    order = [lvl.label for lvl in RISK_ORDER]
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
    by_risk = pd.DataFrame(rows)
    by_risk_table = Table(
        key="overdue_by_risk", caption="Overdue home visits by risk level", frame=by_risk,
        columns=(Column("risk", "Risk level", Kind.TEXT),
                 Column("active", "Under active management", Kind.INT),
                 Column("visits_overdue", "Visits overdue", Kind.INT),
                 Column("share_overdue", "Share overdue", Kind.PERCENT),
                 Column("max_days_overdue", "Most days overdue", Kind.INT)),
        sheet="Overdue visits")
    teams = pd.DataFrame(context.report["teams"])
    team_keys = ["name", "bcu", "visits_overdue", "max_days_overdue", "visits_due"]
    if len(teams):
        teams = teams.sort_values(["visits_overdue", "max_days_overdue", "name"],
                                  ascending=[False, False, True])
    teams = teams.reindex(columns=team_keys).reset_index(drop=True)
    teams_table = Table(key="overdue_by_team", caption="Overdue home visits by team",
                        frame=teams, columns=_named(_columns(teams, team_keys), "Team"),
                        sheet="Overdue visits", pdf_rows=PDF_TEAM_ROWS,
                        note=_list_note_rows(len(teams), PDF_TEAM_ROWS,
                                             "teams, most overdue first"))
    most = overdue.sort_values(["days_overdue", "rso_id"], ascending=[False, True])
    most_table = _rso_table(
        context, most, "most_overdue", "Most overdue home visits", "Overdue visits",
        extra=["next_visit_due", "days_overdue"], pdf_extra=["next_visit_due", "days_overdue"],
        note=_list_note(len(most), "overdue visits"))
    paragraph = (f"{_plural(f['visits_overdue'], 'community RSO')} under active management "
                 f"{'is' if f['visits_overdue'] == 1 else 'are'} overdue a home visit, the most "
                 f"by {_plural(f['max_days_overdue'], 'day')}")
    if "visits_due" in f:
        paragraph += f"; {_n(f['visits_due'])} more fall due within {p.due_soon_days} days"
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
                   tables=(by_risk_table, teams_table, most_table), charts=(chart,),
                   charts_after=1)


def _list_note(total: int, what: str) -> str:
    if total <= PDF_LIST_ROWS:
        return ""
    return f"The first {PDF_LIST_ROWS} of {total:,} {what}; the workbook lists every one."


def _arms_section(context: _Context) -> Section:
    f, p = context.force, context.policy
    force_rate = f["arms_completion"]
    rows = [{"name": "Force", "bcu": "", "arms_eligible": f["arms_eligible"],
             "arms_current": f["arms_current"], "arms_completion": force_rate,
             "is_total": True}]
    for team in context.report["teams"]:
        rows.append({"name": team["name"], "bcu": team["bcu"],
                     "arms_eligible": team["arms_eligible"], "arms_current": team["arms_current"],
                     "arms_completion": team["arms_completion"], "is_total": False})
    frame = pd.DataFrame(rows)
    rate = frame["arms_completion"].astype(float)
    frame["vs_force"] = (rate - force_rate) if force_rate is not None else None
    frame["vs_force"] = frame["vs_force"].where(~frame["is_total"] & rate.notna())
    frame["below"] = (frame["vs_force"] < 0).astype(bool)
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
    paragraph = (f"ARMS is current for {_n(f['arms_current'])} of {_n(f['arms_eligible'])} "
                 f"eligible RSOs across the force ({_pct(force_rate)}). An assessment is due when "
                 f"none is completed or the latest is older than {p.arms_max_age_months} months; "
                 f"ARMS applies to adult males in the community. {_n(below)} of "
                 f"{_plural(len(teams), 'team')} {'is' if below == 1 else 'are'} below the force "
                 f"figure.")
    charted = teams[teams["arms_completion"].notna()]
    if len(charted) > CHART_MAX_BARS:
        charted = lowest[lowest["arms_completion"].notna()].head(CHART_MAX_BARS)
    chart = Chart(key="arms_by_team", title="ARMS completion by team",
                  labels=tuple(charted["name"]),
                  values=tuple(charted["arms_completion"].astype(float)),
                  flagged=tuple(charted["below"]), value_axis="ARMS completion",
                  category_axis="Team", kind=Kind.PERCENT,
                  line=None if _missing(force_rate) else float(force_rate),
                  line_label=f"Force {_pct(force_rate)}",
                  legend=("At or above the force", "Below the force"),
                  note=f"The {len(charted)} teams with the lowest completion of "
                       f"{len(teams):,}." if len(charted) < len(teams) else "")
    return Section(key="arms", heading="ARMS completion", paragraphs=(paragraph,),
                   tables=(table,), charts=(chart,) if len(charted) else ())


def _reactive_section(context: _Context) -> Section:
    f, p = context.force, context.policy
    keys = ["name", "bcu", "active", "reactive", "reactive_eligible", "reactive_review"]
    teams = pd.DataFrame(context.report["teams"]).reindex(
        columns=[k for k in keys if k in ("name", "bcu") or k in f])
    by = [k for k in ("reactive_eligible", "reactive_review") if k in teams.columns]
    most = teams.sort_values([*by, "name"], ascending=[*(False for _ in by), True])
    many = len(teams) > PDF_TEAM_ROWS
    table = Table(key="reactive_by_team", caption="Reactive management by team", frame=teams,
                  columns=_named(_columns(teams, list(teams.columns)), "Team"), sheet="Reactive",
                  pdf_frame=most.head(PDF_TEAM_ROWS) if many else None,
                  note=f"The {PDF_TEAM_ROWS} teams with the most RSOs eligible of "
                       f"{len(teams):,}; the workbook lists every team." if many else "")
    tables = [table]
    share = f["reactive"] / f["community"] if f["community"] else None
    paragraph = (f"{_plural(f['reactive'], 'RSO is', 'RSOs are')} managed reactively "
                 f"({_pct(share)} of community RSOs); reactive RSOs stay in the caseload count.")
    if context.has("reactive_eligible", "reactive_review"):
        paragraph += (f" {_plural(f['reactive_eligible'], 'RSO')} under active management "
                      f"{'meets' if f['reactive_eligible'] == 1 else 'meet'} every criterion and "
                      f"could be considered, if the offender manager is satisfied; "
                      f"{_plural(f['reactive_review'], 'reactive RSO')} no longer "
                      f"{'meets' if f['reactive_review'] == 1 else 'meet'} them and "
                      f"{'is' if f['reactive_review'] == 1 else 'are'} due a review back to "
                      "active.")
    paragraph += (f" The criteria: risk low, a current low ARMS, "
                  f"{p.reactive_concern_free_years} years free of offence, concern or adverse "
                  f"intelligence, no civil order in force, in the community.")
    rsos = context.rsos
    if rsos is not None and context.has("reactive_review"):
        review = _flagged(rsos, "reactive_review")
        review = review.assign(why=[_why(w, fl, "reactive_review")
                                    for w, fl in zip(review["why"], review["flags"],
                                                     strict=True)])
        tables.append(_rso_table(context, review.sort_values("rso_id"), "reactive_review",
                                 "Reactive RSOs due a review back to active", "Reactive",
                                 extra=["why"], pdf_extra=["why"],
                                 note=_list_note(len(review), "reviews due")))
    if rsos is not None and context.has("reactive_eligible"):
        eligible = _flagged(rsos, "reactive_eligible")
        tables.append(_rso_table(context, eligible.sort_values("rso_id"), "reactive_eligible",
                                 "Eligible for reactive management", "Reactive", extra=[],
                                 pdf_extra=[], note=_list_note(len(eligible), "eligible RSOs")))
    return Section(key="reactive", heading="Reactive management", paragraphs=(paragraph,),
                   tables=tuple(tables))


ORDER_KEYS = ["order_id", "type", "rso_id", "rso_name", "manager", "manager_id", "manager_name",
              "team", "bcu", "starts_on", "ends_on", "days_to_end"]


def _orders_section(context: _Context) -> Section | None:
    register = getattr(context.figures, "orders", None)
    if register is None or "ending_soon" not in register.columns:
        return None
    p = context.policy
    in_force = int(register["in_force"].sum())
    ending = register[register["ending_soon"]].sort_values(["ends_on", "order_id"]).copy()
    ending["manager"] = _manager_text(ending["manager_id"], ending["manager_name"])
    for column in ("starts_on", "ends_on"):
        ending[column] = pd.to_datetime(ending[column]).dt.date.astype(object)
    ending["days_to_end"] = ending["days_to_end"].astype(object).where(
        ending["days_to_end"].notna(), None)
    if context.names:
        ending["rso_name"] = (ending["family_name"].fillna("").str.upper() + ", "
                              + ending["given_names"].fillna(""))
    keys = [k for k in ORDER_KEYS if k != "rso_name" or context.names]
    frame = ending.reindex(columns=keys).reset_index(drop=True)
    columns = (Column("order_id", "Order", Kind.TEXT), Column("type", "Type", Kind.TEXT),
               Column("rso_id", "RSO", Kind.TEXT), Column("rso_name", "RSO name", Kind.TEXT),
               Column("manager", "Manager", Kind.TEXT),
               Column("manager_id", "Manager id", Kind.TEXT),
               Column("manager_name", "Manager name", Kind.TEXT),
               Column("team", "Team", Kind.TEXT), Column("bcu", "BCU", Kind.TEXT),
               Column("starts_on", "Starts", Kind.DATE), Column("ends_on", "Ends", Kind.DATE),
               Column("days_to_end", "Days to end", Kind.INT))
    columns = tuple(c for c in columns if c.key in keys)
    printed = ("order_id", "type", "rso_id", *(("rso_name",) if context.names else ()),
               "manager", "team", "starts_on", "ends_on", "days_to_end")
    table = Table(key="orders_ending",
                  caption=f"Civil orders ending within {p.order_review_window_days} days",
                  frame=frame, columns=columns, sheet="Orders ending", pdf_columns=printed,
                  pdf_only=("manager",),
                  pdf_rows=PDF_LIST_ROWS * 2, note=_list_note_rows(len(frame), PDF_LIST_ROWS * 2,
                                                                   "orders ending"))
    paragraph = (f"{_plural(in_force, 'civil order is', 'civil orders are')} in force; "
                 f"{_plural(len(frame), 'ends', 'end')} within {p.order_review_window_days} days "
                 f"and {'is' if len(frame) == 1 else 'are'} listed for review. An RSO under an "
                 "order in force cannot be managed reactively.")
    return Section(key="orders", heading="Civil orders ending", paragraphs=(paragraph,),
                   tables=(table,))


def _list_note_rows(total: int, shown: int, what: str) -> str:
    if total <= shown:
        return ""
    return f"The first {shown} of {total:,} {what}; the workbook lists every one."


def _policy_section(context: _Context) -> Section:
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


def _sheet_only_tables(context: _Context, key_figures: tuple[KeyFigure, ...]
                       ) -> tuple[Table, ...]:
    """The workbook's tables that the PDF shows in another form (cards) or not at all."""
    report = context.report
    cards = pd.DataFrame({"label": [k.label for k in key_figures],
                          "value": pd.Series([k.value for k in key_figures], dtype=object),
                          "note": [k.note for k in key_figures],
                          "kind": [k.kind.value for k in key_figures]})
    force_keys = _group_keys(report)
    force = pd.DataFrame({
        "label": [_column(k, report["force"][k]).label for k in force_keys],
        "value": pd.Series([report["force"][k] for k in force_keys], dtype=object),
        "key": force_keys,
        "kind": [_column(k, report["force"][k]).kind.value for k in force_keys],
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
                         over_share=over_share.to_numpy(bool))
    return (
        Table(key="key_figures", caption="Key figures", frame=cards, pdf=False, sheet="Summary",
              columns=(*value_columns, Column("note", "Note", Kind.TEXT)),
              kinds_from={"value": "kind"}),
        Table(key="force", caption="Force figures", frame=force, pdf=False, sheet="Summary",
              columns=(*value_columns, Column("key", "Report key", Kind.TEXT)),
              kinds_from={"value": "kind"}),
        Table(key="managers", caption="Managers", frame=frame, sheet="Managers", pdf=False,
              columns=tuple(_column(k, _first(managers, k)) for k in [*manager_keys, "flags",
                                                                      "why"]),
              highlight={"per_fte": "over_per_fte", "high_risk_share": "over_share"}),
    )
