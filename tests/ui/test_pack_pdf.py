"""The pack's PDF as a reader sees it (pdftotext): the report's figures, and on every page the
as-at date, the policy, who produced it and when, and the page number."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from exchange.pack_register import FAMILY_NAMES, figures_at, write_register

from ncpi_desktop.cli import main
from ncpi_desktop.exchange.pack import Chart, Pack, build_pack
from ncpi_desktop.formats import NOT_APPLICABLE, Kind, format_value
from ncpi_desktop.ui.exports.pack_pdf import render_chart, write_pack_pdf

PRODUCED = datetime(2017, 10, 10, 8, 45)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def pdf_text(path: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pages_of(path: Path) -> list[str]:
    return [p for p in pdf_text(path, "-layout").split("\f") if p.strip()]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return write_register(tmp_path_factory.mktemp("pdf") / "r.sqlite3")


@pytest.fixture(scope="module")
def pack(db) -> Pack:
    return build_pack(figures_at(db), produced_by="DSupt Rowe", produced_at=PRODUCED)


@pytest.fixture(scope="module")
def written(pack, tmp_path_factory, qapp) -> tuple[Path, int, list]:
    path = tmp_path_factory.mktemp("out") / "pack.pdf"
    calls: list[tuple[int, int, str]] = []
    pages = write_pack_pdf(pack, path, progress=lambda *a: calls.append(a))
    return path, pages, calls


def test_every_page_has_the_as_at_date_policy_producer_and_page_number(written):
    path, pages, _ = written
    texts = pages_of(path)
    assert len(texts) == pages >= 4
    assert "Figures as at Monday 09/10/2017." in flat(texts[0])  # the day named, in English
    for number, text in enumerate(texts, start=1):
        assert "as at 09/10/2017" in text
        assert "Produced 10/10/2017 08:45 by DSupt Rowe" in text
        assert f"Page {number} of {pages}" in text
        assert "caseload limit 50 per FTE" in text and "high-risk share limit 20%" in text
        assert "OFFICIAL-SENSITIVE" in text


def test_the_pdf_carries_the_reports_figures(written, pack):
    path, _, _ = written
    text = pdf_text(path, "-layout")
    force = pack.report["force"]
    lines = text.splitlines()
    force_row = next(line for line in lines if line.split()[:1] == ["Force"]
                     and len(line.split()) > 8)
    cells = force_row.split()
    assert cells[1:5] == [format_value(Kind.INT, force["rsos"], blank=NOT_APPLICABLE),
                          format_value(Kind.INT, force["community"], blank=NOT_APPLICABLE),
                          format_value(Kind.FTE, force["fte"], blank=NOT_APPLICABLE),
                          format_value(Kind.RATIO, force["per_fte"], blank=NOT_APPLICABLE)]
    assert format_value(Kind.PERCENT, force["high_risk_share"], blank=NOT_APPLICABLE) in cells
    assert format_value(Kind.PERCENT, force["arms_completion"], blank=NOT_APPLICABLE) in cells
    summary = flat(text)
    assert (f"the force had {force['rsos']} registered RSOs: {force['community']} in the "
            "community") in summary
    assert f"hold {force['per_fte']:.1f} community RSOs per FTE against a limit of 50" in summary
    for team in pack.report["teams"]:
        row = next(line for line in lines if line.split()[:2] == team["name"].split())
        assert f"{team['per_fte']:.1f}" in row.split()


def test_the_most_overdue_visits_are_printed_by_rso_id(written, pack):
    path, _, _ = written
    lines = pdf_text(path, "-layout").splitlines()
    overdue = sorted((r for r in pack.report["rsos"] if "visit_overdue" in r["flags"]),
                     key=lambda r: (-r["days_overdue"], r["rso_id"]))
    for rso in overdue[:5]:
        row = next(line for line in lines if line.split()[:1] == [rso["rso_id"]])
        due = datetime.fromisoformat(rso["next_visit_due"]).strftime("%d/%m/%Y")
        assert row.split()[-2:] == [due, f"{rso['days_overdue']:,}"]
    force = pack.report["force"]
    text = flat(pdf_text(path, "-layout"))
    assert (f"{force['visits_overdue']} community RSOs under active management are overdue a "
            f"home visit, the most by {force['max_days_overdue']:,} days") in text


def test_each_flagged_managers_why_is_printed(written, pack):
    path, _, _ = written
    text = flat(pdf_text(path, "-raw"))
    flagged = [m for m in pack.report["managers"] if m["flags"]]
    assert flagged
    for manager in flagged:
        for why in manager["why"]:
            assert why in text
        assert manager["name"] in text


def test_the_charts_are_images_in_the_pdf(written, pack):
    path, _, _ = written
    if shutil.which("pdfimages") is None:
        pytest.skip("needs pdfimages")
    listing = subprocess.run(["pdfimages", "-list", str(path)], check=True,
                             capture_output=True, text=True).stdout.splitlines()[2:]
    charts = [c for s in pack.sections for c in s.charts]
    assert {c.key for c in charts} >= {"per_fte", "high_risk_share", "arms_by_team"}
    # An image may also be listed on the page before its own, drawn there clipped away (the
    # document's block starts there): count each object once.
    objects = {line.split()[10] for line in listing if " image " in line}
    assert len(objects) == len(charts)


def test_progress_counts_charts_and_pages_to_the_end(written):
    _, pages, calls = written
    done = [d for d, _, _ in calls]
    assert done == sorted(done) and done[0] == 0
    assert calls[-1][0] == calls[-1][1] and calls[-1][2] == "Done"
    assert calls[-1][1] == len([c for c in calls if c[2].startswith("Drawing chart")]) + 1 + pages
    assert f"Writing page {pages} of {pages}" in [what for _, _, what in calls]


class Stop(Exception):
    pass


def test_a_stopped_pdf_leaves_no_partial_file_and_the_old_one_intact(pack, tmp_path, qapp):
    def stop_at_page_two(done, total, what):
        if what.startswith("Writing page 2"):
            raise Stop

    fresh = tmp_path / "fresh.pdf"
    with pytest.raises(Stop):
        write_pack_pdf(pack, fresh, progress=stop_at_page_two)
    assert list(tmp_path.iterdir()) == []
    old = tmp_path / "old.pdf"
    old.write_bytes(b"last month's pack")
    with pytest.raises(Stop):
        write_pack_pdf(pack, old, progress=stop_at_page_two)
    assert old.read_bytes() == b"last month's pack"
    assert [p.name for p in tmp_path.iterdir()] == ["old.pdf"]


def test_rso_names_only_when_asked_for(db, tmp_path, qapp):
    figures = figures_at(db)
    plain, named = tmp_path / "plain.pdf", tmp_path / "named.pdf"
    write_pack_pdf(build_pack(figures, produced_by="x", produced_at=PRODUCED), plain)
    named_pack = build_pack(figures, produced_by="x", produced_at=PRODUCED, names=True)
    write_pack_pdf(named_pack, named)
    text = pdf_text(plain).upper()
    assert not any(name.upper() in text for name in FAMILY_NAMES)
    assert "IDENTIFIED BY ID ONLY" in flat(text)
    if any("rso_name" in t.frame.columns and len(t.frame) for t in named_pack.tables()):
        assert FAMILY_NAMES[0].upper() in pdf_text(named).upper()


def test_render_chart_draws_at_the_asked_width(qapp):
    chart = Chart(key="k", title="T", labels=("A", "B"), values=(60.0, 20.0),
                  flagged=(True, False), value_axis="Per FTE", category_axis="Manager",
                  line=50.0, line_label="Limit 50 per FTE")
    image = render_chart(chart, 600)
    assert image.width() == 1800 and image.height() > 150
    # the flagged bar is drawn in the warning colour somewhere in the image
    colours = {image.pixelColor(x, y).name() for x in range(0, 1800, 7)
               for y in range(0, image.height(), 7)}
    assert "#c8412f" in colours and "#5b7fb0" in colours


def test_cli_pack_pdf(db, tmp_path, capsys, qapp):
    out = tmp_path / "pack.pdf"
    assert main(["pack", "--db", str(db), "--as-at", "2017-10-09", "--out", str(out)]) == 0
    assert re.fullmatch(rf"wrote {re.escape(str(out))} \(\d+ pages\)\n",
                        capsys.readouterr().out)
    assert main(["report", "--db", str(db), "--as-at", "2017-10-09", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    pages = pages_of(out)
    assert all("by manager" in page for page in pages)  # the signed-in user
    text = flat(pdf_text(out, "-raw"))
    assert f"the force had {report['force']['rsos']} registered RSOs" in text
    for manager in report["managers"]:
        for why in manager["why"]:
            assert why in text


def test_an_empty_register_still_makes_a_pack(tmp_path, qapp):
    from builders import Register

    from ncpi_desktop.exchange.pack_xlsx import write_pack_xlsx

    Register().write(tmp_path / "empty.sqlite3").dispose()
    pack = build_pack(figures_at(tmp_path / "empty.sqlite3"), produced_by="x",
                      produced_at=PRODUCED)
    pages = write_pack_pdf(pack, tmp_path / "empty.pdf")
    write_pack_xlsx(pack, tmp_path / "empty.xlsx")
    texts = pages_of(tmp_path / "empty.pdf")
    assert len(texts) == pages
    assert "the force had 0 registered RSOs" in flat(texts[0])
    assert all("Produced 10/10/2017 08:45 by x" in page for page in texts)
