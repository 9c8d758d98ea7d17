"""What a pack is made of: tables, charts, sections and key figures, and the pack itself.

Tables carry the unrounded values; the PDF formats them for people (``formats.format_value``),
the workbook keeps them as numbers with a number format. ``Kind`` (``ncpi_desktop.formats``) says
how a column reads in both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.exchange.files import replacing  # noqa: F401 - the pack's writers' import
from ncpi_desktop.exchange.outgoing import MARKING  # noqa: F401 - the pack's marking
from ncpi_desktop.exchange.pack.text import policy_line
from ncpi_desktop.formats import Kind, uk_date, uk_datetime

TITLE = "Sex offender management: performance pack"
#: Rows of a long RSO list printed in the PDF (the workbook has every row).
PDF_LIST_ROWS = 25
#: Rows of a per-team table printed in a section after the summary (a force has a dozen teams;
#: a national register, hundreds).
PDF_TEAM_ROWS = 40
#: Bars in a per-manager chart (the highest first); more no longer read on an A4 page.
CHART_MAX_BARS = 40
#: The workbook's sheets, in order.
SHEETS = ("Summary", "BCUs", "Teams", "Managers", "Flags", "Overdue visits", "Trigger events",
          "ARMS", "Reactive", "Orders ending", "Quality", "Forecast", "Policy")


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
    #: "Audit log head: <hash>, N rows, as at ...": the audit log as it stood when the pack was
    #: made, its own disclosure row included (``building.pin_audit_head``); empty when unknown.
    audit_line: str = ""
    #: The name of the what-if scenario whose figures these are (``analysis.scenario``); empty
    #: for the register's. Every page and sheet then carries ``scenario_mark``.
    scenario: str = ""

    @property
    def scenario_mark(self) -> str:
        """"SCENARIO: <name> — not the register" for a scenario's pack, else empty."""
        return f"SCENARIO: {self.scenario} — not the register" if self.scenario else ""

    @property
    def as_at_text(self) -> str:
        return uk_date(self.as_at)

    @property
    def produced_text(self) -> str:
        return f"Produced {uk_datetime(self.produced_at)} by {self.produced_by}"

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
