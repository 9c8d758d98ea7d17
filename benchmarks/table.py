"""The figures ``make bench`` prints: each a row, measured against its target where it has one,
printed as a table."""

from __future__ import annotations

from dataclasses import dataclass

#: Targets on the 2-core reference machine (issue 2, part 9).
BUILD_SECONDS = {"national": 60.0}
ANALYSIS_SECONDS = 1.0
SORT_SECONDS = 0.2
PEAK_MB = 600.0
FIRST_PAINT_SECONDS = {"lancashire-2017": 1.5, "national": 3.0}
#: Issue 5, part 6: the national extract's import, and its ratio to sqlite3's own .import.
IMPORT_SECONDS = {"national": 60.0}
IMPORT_RATIO = {"national": 3.0}
#: SECURITY.md: encryption costs at most 20% on first paint, report and import.
ENCRYPTION_RATIO = 1.2
#: Units of a child benchmark's (name, value, unit) rows; any other third element is a note.
UNITS = {"s", "MB", "x", "moves", "BCUs", "rows", "pages"}


@dataclass
class Row:
    profile: str
    figure: str
    value: float | None
    unit: str
    target: float | None = None
    note: str = ""
    failed: bool = False

    @property
    def verdict(self) -> str:
        if self.failed:
            return "FAILED"
        if self.value is None:
            return "FAILED" if self.target is not None else ""
        if self.target is None:
            return ""
        return "ok" if self.value <= self.target else "OVER"


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "x":
        return f"{value:.2f}x"
    if unit != "s":
        return f"{value:,.0f} {unit}"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def print_table(rows: list[Row]) -> None:
    header = ("profile", "figure", "measured", "target", "", "note")
    lines = [(r.profile, r.figure, _format(r.value, r.unit),
              "" if r.target is None else "< " + _format(r.target, r.unit), r.verdict, r.note)
             for r in rows]
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(5)]
    print("  ".join(h.ljust(w) for h, w in zip(header[:5], widths, strict=True)) + "  note")
    print("  ".join("-" * w for w in widths) + "  ----")
    for line in lines:
        print("  ".join(str(x).ljust(w) for x, w in zip(line[:5], widths, strict=True))
              + "  " + line[5])
