"""The caseload figures shown first need no names: on a server their read leaves the RSOs'
names and free text (``snapshot.DEFERRED_COLUMNS``) for the read that follows, which fills them
in. The figures are the same either way, the register once filled in is the very frame one
full read gives, on both databases, and a scoped user of a server still reads no name outside
their scope."""

from __future__ import annotations

import pandas as pd
import postgres
import pytest
from builders import AS_AT
from sqlalchemy.engine import make_url

from ncpi_desktop.analysis.figures import compute_caseload_figures
from ncpi_desktop.cli import main
from ncpi_desktop.storage.history import HISTORY_LOADERS
from ncpi_desktop.storage.load import RegisterCache, load_snapshot
from ncpi_desktop.storage.snapshot import DEFERRED_COLUMNS, read_register
from ncpi_desktop.storage.users import sign_in

#: What the caseload figures read of the history (as the window's first read).
CASELOAD = {"decisions": HISTORY_LOADERS["decisions"]}


def _caseload_then_full(engine):
    """The window's two reads on one cache: the caseload figures' (deferring), then the full."""
    cache = RegisterCache()
    first = load_snapshot(engine, AS_AT, loaders=CASELOAD, cache=cache, defer=True)
    deferred = cache.current.deferred
    full = load_snapshot(engine, AS_AT, cache=cache)
    return first, deferred, full, cache.current


def test_caseload_figures_are_the_same_without_names_and_the_names_follow(lancashire):
    first, deferred, full, register = _caseload_then_full(lancashire)
    with lancashire.connect() as connection:
        whole = read_register(connection)
    server = lancashire.dialect.name != "sqlite"
    assert deferred == (DEFERRED_COLUMNS if server else ())
    names = first.rsos[list(DEFERRED_COLUMNS)]
    assert names.isna().all().all() == server  # blank on a server until the full read
    assert full.rsos["family_name"].notna().any()
    assert register.deferred == ()
    pd.testing.assert_frame_equal(register.rsos, whole.rsos)
    shown = compute_caseload_figures(first)
    expected = compute_caseload_figures(
        load_snapshot(lancashire, AS_AT, loaders=CASELOAD))
    for frame in ("managers", "teams", "bcus", "force"):
        pd.testing.assert_frame_equal(getattr(shown, frame), getattr(expected, frame))
    pd.testing.assert_frame_equal(shown.rsos.drop(columns=list(DEFERRED_COLUMNS)),
                                  expected.rsos.drop(columns=list(DEFERRED_COLUMNS)))


@pytest.mark.skipif(postgres.available() is not None, reason=str(postgres.available()))
def test_a_scoped_user_reads_the_deferred_names_of_their_caseload_only():
    """An offender manager signed in to a shared server: the names filled in after the first
    figures are those of their own caseload, as their full read gives, and no other."""
    with postgres.server(password="owner-password-for-tests") as url:
        assert main(["demo", "--db", url]) == 0
        users = make_url(url)._replace(username=None, password=None)
        engine = sign_in(users.render_as_string(hide_password=False), "om009",
                         "demo-password").engine
        try:
            first, _deferred, full, register = _caseload_then_full(engine)
            with engine.connect() as connection:
                whole = read_register(connection)
        finally:
            engine.dispose()
    pd.testing.assert_frame_equal(register.rsos, whole.rsos)
    rsos = register.rsos
    named = rsos["family_name"].notna() | rsos["given_names"].notna()
    assert named.any() and not named.all()
    assert set(rsos.loc[named, "current_manager_id"]) == {"OM009"}
    assert full.rsos["family_name"].notna().any()
    assert first.rsos["family_name"].isna().all()
