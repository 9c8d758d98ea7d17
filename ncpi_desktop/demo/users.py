"""The users of a demo database (SECURITY.md, "Demo databases"), all with the password
``demo-password``: ``admin``, ``manager``, ``analyst``, a supervisor of the first BCU and one
of its first team (``supervisor.east``, ``supervisor.east1`` in Lancashire), and one
offender-manager user per serving offender manager, named after its ``manager_id`` in lower
case (``om009``).

The offender-manager users share one password hash and one key-encryption key, computed once
per database (its own random salt): scrypt for a thousand users one by one would take minutes.
That is for demo databases only; a real database's users each get their own (README).
"""

from __future__ import annotations

import re

import pandas as pd

from ncpi_desktop.domain.security import Role
from ncpi_desktop.storage.users import NewUser, Session, add_user, add_users_sharing_password

DEMO_PASSWORD = "demo-password"
ADMIN = NewUser("admin", "Administrator (demo)", [Role.ADMINISTRATOR], "force", None,
                DEMO_PASSWORD)


def _word(text: str) -> str:
    """``East 1`` -> ``east1``: a place as part of a user name."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def named_users(managers: pd.DataFrame) -> list[NewUser]:
    """``manager``, ``analyst`` and the two supervisors of the register's first BCU and team."""
    first = managers.iloc[0]
    bcu, team = str(first["bcu"]), str(first["team"])
    return [
        NewUser("manager", "Manager (demo)", [Role.MANAGER], "force", None, DEMO_PASSWORD),
        NewUser("analyst", "Analyst (demo)", [Role.ANALYST], "force", None, DEMO_PASSWORD),
        NewUser(f"supervisor.{_word(bcu)}", f"Supervisor, {bcu} (demo)", [Role.SUPERVISOR],
                f"bcu:{bcu}", None, DEMO_PASSWORD),
        NewUser(f"supervisor.{_word(team)}", f"Supervisor, {team} (demo)", [Role.SUPERVISOR],
                f"team:{team}", None, DEMO_PASSWORD),
    ]


def offender_manager_users(managers: pd.DataFrame) -> list[NewUser]:
    serving = managers[managers["active"].astype(bool)
                       & (managers["role"] == Role.OFFENDER_MANAGER.value)]
    return [NewUser(str(m).lower(), str(name), [Role.OFFENDER_MANAGER], f"caseload:{m}", str(m),
                    DEMO_PASSWORD)
            for m, name in zip(serving["manager_id"], serving["name"], strict=True)]


def add_demo_users(session: Session, managers: pd.DataFrame) -> int:
    """Add every demo user but ``admin`` (who made the database); returns how many users."""
    named = named_users(managers)
    for new in named:
        add_user(session, new)
    return 1 + len(named) + add_users_sharing_password(
        session, offender_manager_users(managers), DEMO_PASSWORD)
