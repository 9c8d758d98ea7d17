"""Fixtures of the storage tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from ncpi_desktop.storage import database


@pytest.fixture
def read_only(monkeypatch) -> Callable[[Path], AbstractContextManager[None]]:
    """``with read_only(path):`` the SQLite database at ``path`` cannot be written: its file
    and its folder are made read-only (so that not even a journal can be made beside it), or,
    for root, whom permissions do not bind, ``open_database`` opens it in SQLite's read-only
    mode, which fails every write as a read-only file does ("attempt to write a readonly
    database")."""

    @contextmanager
    def unwritable(path: Path) -> Iterator[None]:
        if os.geteuid() == 0:
            make_engine = database.make_engine

            def read_only_engine(target, key=None):  # noqa: ANN001, ANN202 - as make_engine
                return make_engine(f"sqlite:///file:{Path(target).resolve()}?mode=ro&uri=true",
                                   key)

            with monkeypatch.context() as patch:
                patch.setattr(database, "make_engine", read_only_engine)
                yield
            return
        file_mode, folder_mode = path.stat().st_mode, path.parent.stat().st_mode
        path.chmod(0o444)
        path.parent.chmod(0o555)
        try:
            yield
        finally:
            path.parent.chmod(folder_mode)
            path.chmod(file_mode)

    return unwritable
