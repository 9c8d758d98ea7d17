"""No network, proven (README, "No network"): the main flows run with socket creation blocked,
and the only connection the application opens is to a PostgreSQL server the user named.

Python's sockets are blocked (``socket.socket``, ``create_connection``, ``getaddrinfo`` and a
connect on a socket made before) and every attempt is counted; a library that opens sockets from
C (libpq, Qt) does not pass through them, so the process's own open internet sockets are read
from /proc as well (Linux).
"""

from __future__ import annotations

import os
import socket
from datetime import date, timedelta
from pathlib import Path

import pytest
from builders import copy_database
from sqlalchemy import text

from ncpi_desktop.cli import main
from ncpi_desktop.demo.profiles import PROFILES
from ncpi_desktop.storage.operations import reassign, record_visit
from ncpi_desktop.ui import app

AS_AT = PROFILES["lancashire-2017"].as_at
PROC = Path("/proc/self")


def internet_sockets() -> list[tuple[str, int]]:
    """The remote (host, port) of every TCP or UDP socket this process holds open (IPv4 and
    IPv6); a listening or unconnected one has port 0."""
    inodes = set()
    for fd in (PROC / "fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        path = PROC / "net" / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                host, port = fields[2].split(":")
                found.append((_host(host), int(port, 16)))
    return found


def _host(hexed: str) -> str:
    raw = bytes.fromhex(hexed)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    mapped = socket.inet_ntop(socket.AF_INET6, words)
    return mapped.removeprefix("::ffff:")


needs_proc = pytest.mark.skipif(not (PROC / "net" / "tcp").exists(),
                                reason="reads the process's sockets from /proc (Linux)")


@pytest.fixture
def blocked(monkeypatch) -> list[str]:
    """Every attempt to make a socket, resolve a name or connect, refused and listed."""
    attempts: list[str] = []

    def refuse(what: str):  # noqa: ANN202
        def refused(*args, **_kwargs):  # noqa: ANN202
            attempts.append(f"{what}{args[1:] if what.endswith('connect') else args}")
            raise OSError(f"network blocked by the test: {what}")
        return refused

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    monkeypatch.setattr(socket, "socket", refuse("socket.socket"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("socket.gethostbyname"))
    return attempts


def test_the_main_flows_run_with_the_network_blocked(qtbot, settings, tmp_path: Path,
                                                     lancashire_path: Path, blocked,
                                                     monkeypatch) -> None:
    with pytest.raises(OSError, match="blocked"):  # the block is in place
        socket.create_connection(("example.org", 443))
    blocked.clear()
    demo = copy_database(lancashire_path, tmp_path / "lancashire-2017.sqlite3")
    # Open the demo as the first run does, then the window and every page.
    session = app.first_run_services(demo_path=demo).demo()
    window = app.build_window(str(demo), settings=settings, as_at=AS_AT, session=session)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.finish_building()
    painted = dict(app.every_page(window))
    assert list(painted) == ["Caseload", "Visits", "ARMS", "Reactive", "Orders", "Register",
                             "Quality", "Forecast"], painted
    assert all(colours > 2 for colours in painted.values()), painted

    # Record a visit and reassign, through the window (as its dialogs do).
    figures = window.figures
    assert figures is not None
    rsos = figures.rsos
    community = rsos[(rsos["status"] == "community") & rsos["manager_id"].notna()]
    rso, holder = str(community.iloc[0]["rso_id"]), str(community.iloc[0]["manager_id"])
    other = str(figures.managers.loc[(figures.managers["manager_id"] != holder)
                                     & figures.managers["active"].astype(bool),
                                     "manager_id"].iloc[0])
    today = date.today()
    assert window.apply(lambda engine, user: record_visit(
        engine, rso, today - timedelta(days=1), "completed", 2, user)) is not None
    assert window.apply(lambda engine, user: reassign(
        engine, [rso], other, "balancing caseloads", user)) is not None
    with session.engine.connect() as connection:
        assert connection.execute(text(
            "SELECT count(*) FROM visit WHERE rso_id = :r AND visited_on = :d"),
            {"r": rso, "d": (today - timedelta(days=1)).isoformat()}).scalar() == 1
        assert connection.execute(text(
            "SELECT manager_id FROM allocation WHERE rso_id = :r AND ends_on IS NULL"),
            {"r": rso}).scalar() == other
    window.close()

    # The pack and the extract, as the command line writes them.
    monkeypatch.setenv("NCPI_USER", "manager")
    pack, extract = tmp_path / "pack.pdf", tmp_path / "extract.zip"
    assert main(["pack", "--db", str(demo), "--as-at", AS_AT.isoformat(),
                 "--out", str(pack)]) == 0
    assert main(["export", "--db", str(demo), "--out", str(extract)]) == 0
    assert pack.read_bytes()[:4] == b"%PDF" and extract.read_bytes()[:2] == b"PK"
    assert blocked == []  # nothing even tried
    if (PROC / "net" / "tcp").exists():
        assert internet_sockets() == []


@needs_proc
def test_the_only_connection_is_to_the_server_named(tmp_path: Path, monkeypatch) -> None:
    from postgres import available, server

    if (why := available()) is not None:
        pytest.skip(why)
    connects: list[object] = []
    real_connect = socket.socket.connect

    def watched(self, address):  # noqa: ANN001, ANN202
        connects.append(address)
        return real_connect(self, address)

    with server() as url:
        from sqlalchemy.engine import make_url

        named = make_url(url)
        before = set(internet_sockets())
        monkeypatch.setattr(socket.socket, "connect", watched)
        monkeypatch.setenv("NCPI_PASSWORD", "a long password 1")
        assert main(["init", "--db", url, "--user", "manager"]) == 0
        from ncpi_desktop.storage.load import load_snapshot
        from ncpi_desktop.storage.users import sign_in, sign_out

        session = sign_in(url, "manager", "a long password 1")
        try:
            load_snapshot(session.engine, AS_AT)
            opened = set(internet_sockets()) - before
            assert opened, "the open connection to the server is seen"
            assert opened == {(named.host, named.port)}
        finally:
            sign_out(session)
    # Python's own sockets (libpq connects from C, so usually none) go there too.
    assert all(address == (named.host, named.port) for address in connects
               if isinstance(address, tuple)), connects
