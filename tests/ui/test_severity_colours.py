"""Issue 14, part 6 on screen: flagged cells graded amber (up to 110% of the limit) or red, in
colours whose text reads at WCAG AA (4.5:1) or better."""

from __future__ import annotations

import pytest
from builders import AS_AT, Register
from PySide6.QtGui import QColor

from ncpi_desktop.analysis.figures import compute_figures
from ncpi_desktop.domain.policy import Policy
from ncpi_desktop.storage.load import load_snapshot
from ncpi_desktop.ui.core import style
from ncpi_desktop.ui.models.table_model import BACKGROUND, FOREGROUND, GRADE, TOOLTIP
from ncpi_desktop.ui.pages.caseload import CaseloadPage


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    q = QColor(colour)
    return 0.2126 * channel(q.red()) + 0.7152 * channel(q.green()) + 0.0722 * channel(q.blue())


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(("background", "foreground"), [
    (style.AMBER_BACKGROUND, style.AMBER_FOREGROUND),
    (style.WARNING_BACKGROUND, style.WARNING_FOREGROUND)])
def test_graded_cells_text_contrast_is_at_least_aa(background: str, foreground: str) -> None:
    assert contrast(background, foreground) >= 4.5


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)


@pytest.fixture
def page(qtbot, tmp_path) -> CaseloadPage:
    r = Register()
    for manager_id, name, count in (("M54", "Mild Over", 54), ("M94", "Far Over", 94),
                                    ("M40", "Within", 40)):
        r.manager(manager_id, name=name, fte=1.0)
        r.many(count, manager_id=manager_id, risk_level="low")
    figures = compute_figures(load_snapshot(r.write(tmp_path / "r.sqlite3"), AS_AT))
    page = CaseloadPage()
    qtbot.addWidget(page)
    page.set_figures(figures)
    return page


def cell(page: CaseloadPage, name: str, key: str, role: int):  # noqa: ANN201
    model = page.managers_model
    return model.data(model.index(model.row_of("name", name), model.column_of(key)), role)


def test_54_and_94_per_fte_are_painted_differently(page: CaseloadPage) -> None:
    for key in ("caseload", "per_fte"):
        mild, far = cell(page, "Mild Over", key, BACKGROUND), cell(page, "Far Over", key,
                                                                    BACKGROUND)
        assert mild != far
        assert mild == QColor(style.AMBER_BACKGROUND)
        assert far == QColor(style.WARNING_BACKGROUND)
        assert cell(page, "Mild Over", key, FOREGROUND) == QColor(style.AMBER_FOREGROUND)
        assert cell(page, "Within", key, BACKGROUND) is None
    assert [cell(page, n, "per_fte", GRADE) for n in ("Within", "Mild Over", "Far Over")] == [
        0, 1, 2]


def test_the_tooltip_says_the_grade(page: CaseloadPage) -> None:
    # The caseload's why says the workload beside the count (issue 18), then the grade.
    mild, far = (cell(page, name, "per_fte", TOOLTIP) for name in ("Mild Over", "Far Over"))
    assert mild.startswith("54 community RSOs on 1.0 FTE: above 50 per FTE; workload ")
    assert mild.endswith(" (amber: within 110% of the limit)")
    assert far.startswith("94 community RSOs on 1.0 FTE: above 50 per FTE; workload ")
    assert far.endswith(" (red: more than 110% of the limit)")


def test_the_chart_grades_its_bars(qtbot, page: CaseloadPage) -> None:
    from ncpi_desktop.ui.charts.manager_bars import CaseloadChart

    chart = CaseloadChart()
    qtbot.addWidget(chart)
    managers = page.managers_model.frame
    chart.set_managers(managers, Policy())
    assert chart.grades == [2, 1, 0]  # 94, 54, 40 per FTE, highest first
    assert "110%" in chart.legend.text()
