"""DOMAIN.md: each rule's number lives in domain/policy.py only.

A line that must write such a number for another reason (a chart's bar width) says so with a
comment containing "not a rule", so a reviewer sees the claim where it stands.
"""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ncpi_desktop"
# The limits as a reader would write them in code: 50 per FTE, 20% / 0.2 high-risk share.
PATTERNS = [re.compile(p) for p in (r"(?<![\w.])0\.2\b(?!\d)", r"(?<![\w.])50\.0?\b(?![\d.])")]


def test_rule_thresholds_appear_only_in_the_policy():
    hits = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.as_posix() in ("domain/policy.py",) or rel.parts[0] in ("demo", "migrations"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code, _, comment = line.partition("#")
            if "not a rule" in comment:  # e.g. a bar's width in a chart, said so where it stands
                continue
            if any(p.search(code) for p in PATTERNS):
                hits.append(f"{rel}:{number}: {line.strip()}")
    assert hits == []
