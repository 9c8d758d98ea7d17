"""Every setting the window keeps between runs, declared once: its key, its type, its default.

Window state lives in an INI file under the user's config folder (ncpi/ncpi-desktop), read and
written through ``QSettings``. A module never writes a key as a string of its own: it reads and
writes one of the ``Setting``s below (``LAST_FOLDER.read(settings)``), so a key is spelt once and
what comes back is of the declared type, or the default when the file lacks it or holds junk.
Policy values are not settings: they are part of the data and live in the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

APP_NAME = "NCPI Desktop"
ORGANISATION = "ncpi"
APPLICATION = "ncpi-desktop"

T = TypeVar("T")


def app_settings() -> QSettings:
    """The application's settings file (INI, per user)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def _text(value: object) -> str | None:
    return str(value) if value else None


def _number(value: object) -> int | None:
    try:
        return int(value) if value else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _texts(value: object) -> list[str] | None:
    """A list of text: an INI file gives one item back as a plain string."""
    if isinstance(value, str):
        return [value] if value else None
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item]
    return None


def _bytes(value: object) -> QByteArray | None:
    return value if isinstance(value, QByteArray) else None


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One key of the settings file, its default, and how a stored value is read back."""

    key: str
    default: T
    convert: Callable[[object], T | None]

    def read(self, settings: QSettings) -> T:
        """The stored value, or the default when there is none (or it is not of the type)."""
        value = self.convert(settings.value(self.key))
        return self.default if value is None else value

    def write(self, settings: QSettings, value: T) -> None:
        settings.setValue(self.key, value)


def text(key: str, default: str = "") -> Setting[str]:
    return Setting(key, default, _text)


def number(key: str, default: int = 0) -> Setting[int]:
    return Setting(key, default, _number)


def texts(key: str) -> Setting[list[str]]:
    return Setting(key, [], _texts)


def saved_state(key: str) -> Setting[QByteArray | None]:
    """A widget's ``saveState``/``saveGeometry`` (None: never saved)."""
    return Setting(key, None, _bytes)


# --- the window -------------------------------------------------------------------------------

WINDOW_GEOMETRY = saved_state("window/geometry")
WINDOW_STATE = saved_state("window/state")
#: The folder of the database last opened with File › Open database.
LAST_FOLDER = text("last_folder")
#: Who makes changes, as the audit and the allocation history record it (default: the login).
USER_NAME = text("user/name")
#: The databases opened last, the latest first (File › Recent; the first one is opened when the
#: application starts with no --db). Paths, or URLs without their password.
RECENT_DATABASES = texts("databases/recent")
#: How many databases File › Recent keeps.
RECENT_COUNT = 6
#: The theme (``style.THEMES``): "system" follows the desktop; ``--theme`` sets it.
THEME = text("appearance/theme", "system")

# --- a page's view state, inside the page's group (``Page.settings_group``) -------------------


@contextmanager
def group(settings: QSettings, name: str) -> Iterator[QSettings]:
    """``settings`` inside the group ``name`` (a page's), left again however the block ends."""
    settings.beginGroup(name)
    try:
        yield settings
    finally:
        settings.endGroup()


def splitter_state(name: str) -> Setting[QByteArray | None]:
    """The sizes of a page's splitter called ``name``."""
    return saved_state(f"splitter_{name}")


#: The caseload page's managers table: column widths, order and sort.
MANAGERS_HEADER = saved_state("managers_header")
#: The caseload page's chart tab shown last.
CHART_TAB = number("chart_tab")

# --- files ------------------------------------------------------------------------------------


def folder_setting(kind: str) -> Setting[str]:
    """The folder last chosen for ``kind`` of file: "import", "pack", "table", "template"..."""
    return text(f"exchange/{kind}_folder")


def last_folder(kind: str, settings: QSettings | None = None) -> str:
    """The folder the user last chose for ``kind`` of file ("": none yet)."""
    return folder_setting(kind).read(settings if settings is not None else app_settings())


def remember_folder(kind: str, folder: Path, settings: QSettings | None = None) -> None:
    folder_setting(kind).write(settings if settings is not None else app_settings(), str(folder))


def recent_databases(settings: QSettings | None = None) -> list[str]:
    """File › Recent: the databases opened last, the latest first."""
    return RECENT_DATABASES.read(settings if settings is not None else app_settings())


def remember_database(location: str, settings: QSettings | None = None) -> None:
    """Put ``location`` (a path, or a URL without its password) first in File › Recent."""
    settings = settings if settings is not None else app_settings()
    if not location:
        return
    kept = [known for known in RECENT_DATABASES.read(settings) if known != location]
    RECENT_DATABASES.write(settings, [location, *kept][:RECENT_COUNT])
