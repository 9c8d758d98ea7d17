"""The pack's quality section: the report's coverage and grades by BCU and team, and the review
actions overdue, in the PDF's and the workbook's tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

from builders import AS_AT, FORCE_MANAGER, Register

from ncpi_desktop.actions.snapshots import full_snapshot
from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.exchange.pack import SHEETS, build_pack
from ncpi_desktop.storage.operations.reviews import ActionSpec, record_review


def test_the_pack_carries_coverage_grades_and_overdue_actions(tmp_path):
    r = Register()
    r.manager("A", team="East 1")
    r.manager("B", bcu="West", team="West 1")
    a = r.many(4, manager_id="A", team="East 1")
    b = r.many(2, manager_id="B", bcu="West", team="West 1")
    engine = r.write(tmp_path / "p.sqlite3")
    record_review(engine, a[0], date(2017, 9, 1), "good", "x", FORCE_MANAGER, today=AS_AT)
    record_review(engine, b[0], date(2017, 9, 1), "inadequate", "x", FORCE_MANAGER, today=AS_AT,
                  actions=[ActionSpec("Visit", "DC B", date(2017, 9, 20))])
    figures = compute_figures(full_snapshot(engine, AS_AT))
    pack = build_pack(figures, produced_by="t", produced_at=datetime(2017, 10, 9, tzinfo=UTC))
    section = next(s for s in pack.sections if s.key == "quality")
    assert "2 community RSOs of 6" in section.paragraphs[0]
    assert "1 review action is past the due date" in section.paragraphs[0]
    tables = {t.key: t.frame for t in section.tables}
    by_team = tables["qa_by_team"].set_index("name")
    report = {t["name"]: t for t in pack.report["teams"]}
    for team in ("East 1", "West 1"):
        for key in ("qa_reviewed", "qa_coverage", "qa_good", "qa_inadequate"):
            assert by_team.loc[team, key] == report[team][key]
    assert by_team.loc["West 1", "qa_coverage"] == 0.5
    overdue = tables["qa_actions_overdue"]
    assert overdue[["name", "actions_overdue", "most_days_overdue"]].values.tolist() == [
        ["West 1", 1, (AS_AT - date(2017, 9, 20)).days]]
    assert "Quality" in SHEETS and pack.sheet_tables("Quality")
