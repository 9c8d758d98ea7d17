"""``record event`` and ``record referral`` on the command line: done (0), refused by a rule of
the domain (1), not permitted for this user (3), each in one line, nothing written on refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from test_cli_write import db, run  # noqa: F401 - the fixture

from ncpi_desktop.storage.database import make_engine


def rows(path) -> dict[str, list]:
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            return {t: c.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
                    for t in ("event", "referral", "rso")}
    finally:
        engine.dispose()


def test_an_offender_manager_records_an_event_and_a_referral(db, monkeypatch, capsys):  # noqa: F811
    assert run(monkeypatch, "om1", "record", "event", "--db", str(db), "--rso", "R1",
               "--type", "disclosure_enquiry", "--on", "2017-10-02", "--child-at-risk") == 0
    assert capsys.readouterr().out == (
        "done: Record child sex offender disclosure scheme enquiry for R1 on 02/10/2017 "
        "(a child may be at risk)\n")
    assert run(monkeypatch, "om1", "record", "referral", "--db", str(db), "--rso", "R1",
               "--on", "03/10/2017", "--to", "children's social care") == 0
    assert capsys.readouterr().out == (
        "done: Record referral of R1 to children's social care on 03/10/2017\n")
    saved = rows(db)
    assert [(r[1], r[2], r[4], r[5]) for r in saved["event"]] == [
        ("R1", "disclosure_enquiry", 1, "om1")]
    assert [(r[1], r[2], r[3]) for r in saved["referral"]] == [
        ("R1", "2017-10-03", "children's social care")]


@pytest.mark.parametrize(("user", "argv", "status", "message"), [
    ("om1", ["event", "--rso", "R2", "--type", "arrest", "--on", "2017-10-02"], 3,
     "om1 may not record a trigger event for R2: it is in team East 1 (East) "
     "(scope: caseload of OM1)"),
    ("supervisor.east1", ["referral", "--rso", "R3", "--on", "2017-10-02"], 3,
     "supervisor.east1 may not record a referral for R3: it is in team East 2 (East) "
     "(scope: team East 1)"),
    ("analyst", ["event", "--rso", "R1", "--type", "arrest", "--on", "2017-10-02"], 3,
     "analyst may not record a trigger event for: not permitted to analyst"),
    ("om1", ["event", "--rso", "NOPE", "--type", "arrest", "--on", "2017-10-02"], 1,
     "Unknown RSO id: NOPE"),
    ("om1", ["event", "--rso", "R1", "--type", "arrest", "--on", "2999-01-01"], 1,
     None),
])
def test_refusals_say_why_and_write_nothing(db, monkeypatch, capsys, user, argv,  # noqa: F811
                                            status, message):
    before = rows(db)
    assert run(monkeypatch, user, "record", argv[0], "--db", str(db), *argv[1:]) == status
    err = capsys.readouterr().err
    if message is None:
        assert err.startswith("ncpi-desktop: The event date 01/01/2999 is in the future")
    else:
        assert err == f"ncpi-desktop: {message}\n"
    assert rows(db) == before


def test_an_unknown_event_type_is_a_usage_error(db, monkeypatch, capsys):  # noqa: F811
    with pytest.raises(SystemExit) as usage:
        run(monkeypatch, "om1", "record", "event", "--db", str(db), "--rso", "R1",
            "--type", "rumour", "--on", "2017-10-02")
    assert usage.value.code == 2
    assert "invalid choice: 'rumour'" in capsys.readouterr().err
