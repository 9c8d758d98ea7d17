"""Issue 14, part 2: colours are defined in one theme module (``ui/core/style.py``), never written
beside the palette's text elsewhere in the window, where they would ignore the theme.

The printed pack (``ui/exports/pack_*``) is exempt: it is drawn on white paper whatever the
screen's theme, so its ink is fixed and it keeps its own (it takes the warning colours from the
theme module all the same)."""

from __future__ import annotations

import re
from pathlib import Path

import ncpi_desktop.ui as ui

UI = Path(ui.__file__).parent
THEME_MODULE = UI / "core" / "style.py"
#: Drawn on printed paper only (white whatever the theme).
PAPER_ONLY = {UI / "exports" / name for name in ("pack_layout.py", "pack_chart.py")}

COLOUR_LITERALS = [
    re.compile(r"""["'][^"'\n]*#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?(?:[0-9a-fA-F]{2})?\b"""),
    re.compile(r"\brgba?\s*\("),
    re.compile(r"""QColor\(\s*(?:["']|\d)"""),
    re.compile(r"\bQt\.(?:GlobalColor\.)?(?:white|black|red|green|blue|yellow|gray|"
               r"darkGray|lightGray|darkRed|darkGreen|darkBlue)\b"),
    re.compile(r"""(?:color|background)\s*[:=]\s*["']?(?:white|black|red|grey|gray|yellow|"""
               r"""w|k)\b"""),
    re.compile(r"""setBackground\(\s*["']"""),
]
#: An (r, g, b[, a]) tuple: three or four numbers up to 255, one of them bright (margins and
#: spacings are small numbers).
RGB_TUPLE = re.compile(r"\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*(\d{1,3})\s*)?\)")


def has_colour(line: str) -> bool:
    if any(pattern.search(line) for pattern in COLOUR_LITERALS):
        return True
    for match in RGB_TUPLE.finditer(line):
        numbers = [int(n) for n in match.groups() if n is not None]
        if max(numbers) <= 255 and max(numbers) >= 128:
            return True
    return False


def colour_lines(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if has_colour(line):
            found.append(f"{path.relative_to(UI.parent)}:{number}: {line.strip()}")
    return found


def test_no_colour_is_written_outside_the_theme_module():
    files = sorted(set(UI.rglob("*.py")) - {THEME_MODULE} - PAPER_ONLY)
    assert len(files) > 50
    assert [line for path in files for line in colour_lines(path)] == []


def test_the_check_finds_a_colour_written_beside_the_palette():
    """The patterns catch what the window had before the theme module took its colours."""
    for line in ('button.setStyleSheet("color: #8e1b10; font-weight: 600;")',
                 'GOOD = "#e3f1e6"', 'plot = pg.PlotWidget(parent, background="w")',
                 '"fill": (255, 255, 255, 220)', "painter.setPen(QColor('white'))",
                 "label.setStyleSheet('color: rgb(90, 90, 90)')", "self.setBackground('w')"):
        assert has_colour(line), line
    assert not has_colour("layout.setContentsMargins(12, 8, 12, 8)")
