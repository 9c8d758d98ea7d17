"""Colours and type shared by tables, charts and the summary strip, so a warning looks the same
wherever it appears.

Warning colours were chosen for contrast: dark red text on a pale red ground reads at 7:1, dark
brown on pale amber at 6.9:1 (both asserted in the tests), and flagged cells are also bold, so a
flag does not depend on colour vision alone.
"""

from __future__ import annotations

#: A flagged table cell or summary figure.
WARNING_BACKGROUND = "#fbe0dd"
WARNING_FOREGROUND = "#8e1b10"
#: A flagged cell only a little above its limit (the policy's amber grade); red is the warning.
AMBER_BACKGROUND = "#ffe9b0"
AMBER_FOREGROUND = "#6b4700"
#: Chart bars: within the policy limit, above it, and the limit line itself.
BAR = "#5b7fb0"
BAR_WARNING = "#c8412f"
BAR_AMBER = "#e0a100"
BAR_SELECTED_PEN = "#1d1d1d"
LIMIT_LINE = "#2b2b2b"
#: Charts' axis lines and their text.
CHART_AXIS = "#8a8f98"
CHART_TEXT = "#202124"
#: Muted text for captions and units.
MUTED = "#5f6368"
#: Background of the summary strip's cards, and the text on it: the cards are light whatever the
#: desktop's theme, so their text is dark whatever the theme too.
CARD_BACKGROUND = "#f4f6f9"
CARD_TEXT = "#202124"
CARD_BORDER = "#d8dde5"

PAGE_STYLE = f"""
QFrame#summaryCard {{
    background: {CARD_BACKGROUND};
    border: 1px solid {CARD_BORDER};
    border-radius: 6px;
}}
QLabel#summaryValue {{ font-size: 20pt; font-weight: 600; color: {CARD_TEXT}; }}
QLabel#summaryCaption {{ color: {MUTED}; }}
QLabel#summaryNote {{ color: {MUTED}; font-size: 8pt; }}
QLabel#sectionTitle {{ font-size: 11pt; font-weight: 600; }}
QLabel#scopeTitle {{ font-size: 14pt; font-weight: 600; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#emptyTitle {{ font-size: 16pt; font-weight: 600; }}
"""
