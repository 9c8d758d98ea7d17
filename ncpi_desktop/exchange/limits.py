"""How much an import reads before it refuses (IMPORT-FORMAT.md "Limits").

An extract comes from outside: a zip a few hundred KB on disk can hold gigabytes, a CSV can hold
hundreds of millions of blank rows, one cell can hold a whole file. ``ImportLimits`` bounds each
of these, and every file is read as a stream checked against them as it arrives
(``exchange.intake``), so a file over a limit is refused within seconds, with one line naming the
file, the limit and the value, and memory stays bounded whatever arrives.

The defaults leave room for a national register (its extract: 1.5 million visits in 62 MB);
``ncpi-desktop import`` changes each with an option (``LIMIT_OPTIONS``), code with
``ImportLimits(rows=...)``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields, replace

from ncpi_desktop.exchange.issues import ExtractUnusable

MB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    """The limits of one import. Bytes are counted after decompression (a .zip's CSV files, an
    .xlsx workbook's parts); rows are data rows (the header is not counted)."""

    #: Bytes of one file (a CSV file, or one part of a workbook) after decompression.
    file_bytes: int = 512 * MB
    #: Bytes of the whole extract after decompression.
    total_bytes: int = 1024 * MB
    #: Data rows of one file or sheet.
    rows: int = 5_000_000
    #: Columns of one file or sheet.
    columns: int = 256
    #: Characters of any one value.
    field_chars: int = 1_000
    #: Characters of an id or a name (ids, names, BCU, team, neighbourhood).
    name_chars: int = 200
    #: Errors listed; the rest are counted in one last line, "and N more".
    errors: int = 1_000

    def __post_init__(self) -> None:
        for item in fields(self):
            if getattr(self, item.name) < 1:
                raise ValueError(f"the limit {item.name} must be at least 1")

    @property
    def line_bytes(self) -> int:
        """The longest line of a CSV file that can hold a row within the limits (every column at
        the field limit, each character at most 4 bytes of UTF-8, quoted): a longer line is
        refused as it is read, before any of it is kept."""
        return self.columns * (4 * self.field_chars + 3)


DEFAULT_LIMITS = ImportLimits()

#: Each limit's option of ``ncpi-desktop import`` and what it bounds, as the docs and messages
#: name it.
LIMIT_OPTIONS: dict[str, tuple[str, str]] = {
    "file_bytes": ("--max-file-bytes", "bytes per file after decompression"),
    "total_bytes": ("--max-total-bytes", "bytes of the whole extract after decompression"),
    "rows": ("--max-rows", "rows per file"),
    "columns": ("--max-columns", "columns per file"),
    "field_chars": ("--max-field-chars", "characters per value"),
    "name_chars": ("--max-name-chars", "characters per id or name"),
    "errors": ("--max-errors", "errors listed"),
}


class LimitExceeded(ExtractUnusable):
    """A file is over a limit: the extract is refused before it is read any further."""

    def __init__(self, where: str, what: str, limits: ImportLimits, limit: str) -> None:
        option, name = LIMIT_OPTIONS[limit]
        value = getattr(limits, limit)
        super().__init__(f"{where}: {what} (limit: {value:,} {name}; {option} changes it)")
        self.limit = limit


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """The limit options of ``ncpi-desktop import``, each defaulting to ``ImportLimits()``."""
    group = parser.add_argument_group("limits (IMPORT-FORMAT.md, \"Limits\")")
    for name, (option, what) in LIMIT_OPTIONS.items():
        group.add_argument(option, dest=f"limit_{name}", type=_positive, metavar="N",
                           default=None,
                           help=f"{what} (default: {getattr(DEFAULT_LIMITS, name):,})")


def limits_from_arguments(args: argparse.Namespace) -> ImportLimits:
    """The limits the options of ``add_limit_arguments`` give; the default for each one not
    given."""
    given = {name: getattr(args, f"limit_{name}", None) for name in LIMIT_OPTIONS}
    return replace(DEFAULT_LIMITS, **{k: v for k, v in given.items() if v is not None})


def _positive(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not at least 1")
    return value
