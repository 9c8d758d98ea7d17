"""``record notification-review`` on the command line (rule 13): done (0), refused by a rule of
the domain (1), not permitted for this user (3), each in one line, nothing written on refusal;
audited; and the decision moves the next review 8 years on in the figures."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from builders import signed_in_engine
from sqlalchemy import text
from test_cli_write import db, run  # noqa: F401 - the fixture

from ncpi_desktop.analysis.notification import notification_status
from ncpi_desktop.storage.database import make_engine
from ncpi_desktop.storage.load import load_snapshot


@pytest.fixture
def indefinite(db):  # noqa: F811
    """R1 (OM1, East 1) and R3 (OM3, East 2) notified indefinitely since 2001."""
    engine = make_engine(db)
    with engine.begin() as c:
        c.execute(text("UPDATE rso SET notification_indefinite = 1, first_notified_on = "
                       "'2001-05-04' WHERE rso_id IN ('R1', 'R3')"))
    engine.dispose()
    return db


def decisions(path) -> list[tuple]:
    engine = make_engine(path)
    try:
        with engine.connect() as c:
            return c.execute(text("SELECT rso_id, decided_on, outcome, reason, actor "
                                  "FROM notification_review ORDER BY id")).all()
    finally:
        engine.dispose()


def test_a_supervisor_records_a_decision_to_continue(indefinite, monkeypatch, capsys):
    assert run(monkeypatch, "supervisor.east1", "record", "notification-review", "--db",
               str(indefinite), "--rso", "R1", "--outcome", "continue", "--reason",
               "risk remains", "--on", "2017-06-01") == 0
    assert capsys.readouterr().out == (
        "done: Record the decision to continue R1's indefinite notification on 01/06/2017\n")
    assert decisions(indefinite) == [("R1", "2017-06-01", "continue", "risk remains",
                                      "supervisor.east1")]
    engine = make_engine(indefinite)
    with engine.connect() as c:
        audited = c.execute(text("SELECT actor, operation, rso_ids FROM audit WHERE kind != "
                                 "'access' ORDER BY id")).all()
    engine.dispose()
    assert audited == [("supervisor.east1", "record notification review", '["R1"]')]
    engine = signed_in_engine(indefinite)
    status = notification_status(load_snapshot(engine, date(2017, 10, 9)))
    engine.dispose()
    assert status.loc["R1", "notification_review_due_on"] == pd.Timestamp(2025, 6, 1)
    assert status.loc["R3", "notification_review_due"]  # 15 years: 04/05/2016


@pytest.mark.parametrize(("user", "argv", "status", "message"), [
    ("supervisor.east1", ["--rso", "R3", "--outcome", "continue", "--reason", "x"], 3,
     "supervisor.east1 may not record a notification review decision for R3: it is in team "
     "East 2 (East) (scope: team East 1)"),
    ("om1", ["--rso", "R1", "--outcome", "continue", "--reason", "x"], 3,
     "om1 may not record a notification review decision for: not permitted to "
     "offender_manager"),
    ("supervisor.east1", ["--rso", "R2", "--outcome", "discharge", "--reason", "x"], 1,
     "R2's notification is not indefinite: only an indefinite notification is reviewed"),
    ("supervisor.east1", ["--rso", "R1", "--outcome", "continue", "--reason", "x",
                          "--on", "2999-01-01"], 1,
     "The decision date 01/01/2999 is in the future"),
    ("supervisor.east1", ["--rso", "NOPE", "--outcome", "continue", "--reason", "x"], 1,
     "Unknown RSO id: NOPE"),
    ("supervisor.east1", ["--rso", "R1", "--outcome", "continue", "--reason", "  "], 1,
     "A notification review decision needs its reason"),
])
def test_refusals_say_why_and_write_nothing(indefinite, monkeypatch, capsys, user, argv,
                                            status, message):
    assert run(monkeypatch, user, "record", "notification-review", "--db", str(indefinite),
               *argv) == status
    assert capsys.readouterr().err.startswith(f"ncpi-desktop: {message}")
    assert decisions(indefinite) == []


def test_after_a_discharge_no_further_decision(indefinite, monkeypatch, capsys):
    assert run(monkeypatch, "supervisor.east1", "record", "notification-review", "--db",
               str(indefinite), "--rso", "R1", "--outcome", "discharge", "--reason",
               "no longer a risk", "--on", "2017-06-01") == 0
    assert run(monkeypatch, "supervisor.east1", "record", "notification-review", "--db",
               str(indefinite), "--rso", "R1", "--outcome", "continue", "--reason",
               "x", "--on", "2017-07-01") == 1
    assert "R1's indefinite notification was discharged on 01/06/2017" in \
        capsys.readouterr().err
    assert len(decisions(indefinite)) == 1
