"""The monthly performance pack: what it says, built once and written as a PDF or a workbook.

The pack is built from ``build_report(figures)`` (the object ``report --json`` prints) plus the
figures' frames for what the report does not list (RSO names when asked for, the order register),
so every figure in the PDF and the XLSX is the report's figure. Tables carry the unrounded values;
the PDF formats them for people (``formats.format_value``, a dash for a figure that does not
apply), the workbook keeps them as numbers with a number format.

Sections whose figures the report does not carry (yet) are left out, rather than shown as zeros.
RSOs appear by id only unless ``names=True``.

- ``model``: what a pack is made of (``Pack``, ``Section``, ``Table``, ``Chart``, ``Column``).
- ``text``: the pack's words for a figure, the policy line.
- ``columns``: the labels and kinds of the report's keys.
- ``tables``: the report as frames, and the RSO lists and group tables sections share.
- ``summary``: key figures, the summary and the managers above the limits.
- ``casework``: overdue visits, ARMS, reactive management, civil orders ending.
- ``clocks``: trigger events and their clocks (events, median days, share within target).
- ``building``: ``build_pack``, the policy section and the workbook-only tables; the pack's
  disclosure row and the audit log's head it prints (``pin_audit_head``).

``ui.pack_pdf`` writes the PDF and ``exchange.pack_xlsx`` the workbook.
"""

from ncpi_desktop.exchange.pack.building import build_pack, pack_rso_ids, pin_audit_head
from ncpi_desktop.exchange.pack.model import (
    CHART_MAX_BARS,
    MARKING,
    PDF_LIST_ROWS,
    PDF_TEAM_ROWS,
    SHEETS,
    TITLE,
    Chart,
    Column,
    KeyFigure,
    Pack,
    Section,
    Table,
    replacing,
)
from ncpi_desktop.exchange.pack.text import policy_line, risk_label

__all__ = [
    "CHART_MAX_BARS",
    "MARKING",
    "PDF_LIST_ROWS",
    "PDF_TEAM_ROWS",
    "SHEETS",
    "TITLE",
    "Chart",
    "Column",
    "KeyFigure",
    "Pack",
    "Section",
    "Table",
    "build_pack",
    "pack_rso_ids",
    "pin_audit_head",
    "policy_line",
    "replacing",
    "risk_label",
]
