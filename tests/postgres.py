"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temp dir, as user postgres.

``server()`` trusts every connection; ``server(password=...)`` checks passwords (SCRAM), as a
shared server does, with ``password`` the owner's (postgres)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> str | None:
    """Why a server cannot be started here, or None when it can."""
    if _bin_dir() is None:
        return "PostgreSQL server binaries are not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "runuser is needed to start PostgreSQL as root"
    return None


@contextmanager
def server(password: str | None = None, *, durable: bool = True) -> Iterator[str]:
    """Start a server on a free loopback port; yield a SQLAlchemy URL; stop and remove it.
    With ``password``, connections sign in by password (SCRAM-SHA-256), postgres with this.
    ``durable=False``: without fsync (a throwaway server for tests, whose many databases are
    made and dropped quickly then; never for a measurement)."""
    bin_dir = _bin_dir()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="ncpi-pg-"))
    data = root / "data"
    port = _free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=60)

    if password is None:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres")
    else:
        secret = root / "pwfile"
        secret.write_text(password + "\n")
        if as_user:
            shutil.chown(secret, "postgres")
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "scram-sha-256", "-U", "postgres",
            f"--pwfile={secret}")
        secret.unlink()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root}"
    if not durable:
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
        str(root / "log"), "start")
    try:
        run(*([] if password is None else ["env", f"PGPASSWORD={password}"]),
            str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
            "ncpi")
        owner = "postgres" if password is None else f"postgres:{password}"
        yield f"postgresql+psycopg://{owner}@127.0.0.1:{port}/ncpi"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


# --- the suite run on PostgreSQL (NCPI_TEST_DATABASE=postgresql) -------------------------------

#: ``NCPI_TEST_DATABASE=postgresql``: the test builders (``builders.Register.write``) make each
#: register in a fresh database of one server started for the whole session, instead of a
#: SQLite file. Makefile's ``test`` runs the storage, analysis and domain tests so a second time.
TEST_DATABASE = "NCPI_TEST_DATABASE"
_TEMPLATE = "ncpi_template"


def wanted() -> bool:
    """Whether this run puts the test registers on PostgreSQL."""
    return os.environ.get(TEST_DATABASE, "sqlite").lower() in ("postgresql", "postgres")


class Session:
    """The session's server: a migrated empty template database, and a fresh copy of it per
    register (``CREATE DATABASE ... TEMPLATE``, a file copy: no migration run per test), each
    dropped when its test ends (``drop_made``)."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        from ncpi_desktop.storage.database import open_database

        self.url = url
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")
        self._execute(f"CREATE DATABASE {_TEMPLATE}")
        open_database(self._url_of(_TEMPLATE)).dispose()
        self._count = 0
        self.made: list[str] = []
        #: The engines the builders opened on them, closed before they are dropped.
        self.engines: list[Any] = []

    def _url_of(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + name

    def _execute(self, sql: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(sql))

    def fresh(self, template: str = _TEMPLATE) -> str:
        """The URL of a new database holding the schema and nothing else (or a copy of the
        database ``template``, which nobody may be connected to)."""
        self._count += 1
        name = f"test_{self._count}"
        self._execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        self.made.append(name)
        return self._url_of(name)

    def drop_made(self, since: int = 0) -> None:
        """Drop the databases made after the first ``since`` still kept (their engines closed
        first)."""
        for engine in self.engines:
            if engine.url.database in self.made[since:]:
                engine.dispose()
        for name in self.made[since:]:
            self._execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        del self.made[since:]

    def close(self) -> None:
        self.admin.dispose()


#: The session's server, while a PostgreSQL run has one (tests/conftest.py starts it).
SESSION: Session | None = None
