"""``audit verify`` and ``audit list`` (SECURITY.md, "The audit log"), and the disclosure rows
the command line's exports, packs and reports write.

``audit verify --db DB`` walks the chain: exit 0 printing the rows and the head hash, 1 naming
the first row that breaks it. ``audit list --db DB [--rso ID] [--actor NAME] [--kind KIND]
[--since DATE] [--json]`` prints the rows: with ``--json`` one JSON array of objects with keys
``id``, ``at``, ``actor``, ``kind``, ``action``, ``rso_ids`` and ``detail``; else a table.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ncpi_desktop.cli_session import add_sign_in_arguments
from ncpi_desktop.exits import EXIT_INVALID, EXIT_OK, say
from ncpi_desktop.formats import uk_datetime

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: ``audit list`` without ``--json``: at most this many RSO ids in a row's RSOs column.
SHOWN_IDS = 3
#: The kinds of audited action (``storage.audit.KINDS``, repeated here so that ``--help`` does
#: not import the storage layer; a test checks they agree).
KINDS = ("access", "collection", "alteration", "consultation", "disclosure")


def register(commands: argparse._SubParsersAction,
             parse_date: Callable[[str], date]) -> None:
    """``audit verify`` and ``audit list`` (``parse_date`` reads ``--since``: the command
    line's one date parser)."""
    audit = commands.add_parser("audit", help="verify or list the audit log")
    actions = audit.add_subparsers(dest="audit_command", required=True)
    verify = actions.add_parser(
        "verify", help="check the audit log's hash chain: exit 0 and its head when intact, "
                       "1 naming the first row that breaks it")
    add_sign_in_arguments(verify)
    listing = actions.add_parser("list", help="print the audit log's rows")
    add_sign_in_arguments(listing)
    listing.add_argument("--rso", help="only rows naming this RSO id")
    listing.add_argument("--actor", dest="audit_actor", metavar="NAME",
                         help="only rows by this user")
    listing.add_argument("--kind", choices=KINDS, help="only rows of this kind")
    listing.add_argument("--since", type=parse_date, default=None,
                         help="only rows from this date (DD/MM/YYYY or YYYY-MM-DD, UTC)")
    listing.add_argument("--json", action="store_true",
                         help="one JSON array of objects (id, at, actor, kind, action, "
                              "rso_ids, detail)")


def _engine(engine_or_session: Any) -> Engine:
    """An engine, or a signed-in session's engine."""
    return getattr(engine_or_session, "engine", engine_or_session)


def run(args: argparse.Namespace, engine_or_session: Any) -> int:
    """Run ``audit verify`` or ``audit list`` on the open database."""
    engine = _engine(engine_or_session)
    if args.audit_command == "verify":
        return _verify(engine)
    return _list(engine, args)


def _verify(engine: Engine) -> int:
    from ncpi_desktop.storage.audit import ChainBroken, verify

    try:
        verified = verify(engine)
    except ChainBroken as broken:
        return say(f"the audit log's chain is broken: {broken}", EXIT_INVALID)
    head = verified.head or "(empty log)"
    print(f"audit log intact: {verified.rows:,} rows; head {head}")
    return EXIT_OK


def _list(engine: Engine, args: argparse.Namespace) -> int:
    from ncpi_desktop.storage.audit import entries

    rows = entries(engine, rso=args.rso, actor=args.audit_actor, kind=args.kind,
                   since=args.since)
    if args.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, default=str))
        sys.stdout.write("\n")
        return EXIT_OK
    for line in table_lines(rows):
        print(line)
    return EXIT_OK


def table_lines(rows: list[dict[str, Any]]) -> list[str]:
    """The rows as a table a person reads: id, when (local time, DD/MM/YYYY HH:MM), who, kind,
    action and the RSOs named (the first few, and how many more)."""
    header = ("Id", "When", "Who", "Kind", "Action", "RSOs")
    cells = [header]
    for row in rows:
        at = datetime.fromisoformat(row["at"]) if isinstance(row["at"], str) else row["at"]
        ids = row["rso_ids"]
        shown = ", ".join(ids[:SHOWN_IDS]) + (f" and {len(ids) - SHOWN_IDS:,} more"
                                              if len(ids) > SHOWN_IDS else "")
        cells.append((str(row["id"]), uk_datetime(at.astimezone()), row["actor"], row["kind"],
                      row["action"], shown))
    widths = [max(len(line[i]) for line in cells) for i in range(len(header) - 1)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(line[:-1], widths, strict=True)),
                        line[-1]]).rstrip() for line in cells]
    if not rows:
        lines.append("(no rows)")
    return lines


# --- what the command line's own disclosures write --------------------------------------------

def disclose(engine: Engine, actor: str, action: str, rso_ids: Iterable[str],
             detail: dict[str, Any]) -> None:
    """A disclosure row for an export, a pack or a report the command line writes."""
    from ncpi_desktop.storage.audit import record

    record(engine, actor, "disclosure", action, rso_ids, detail)
