"""What a named operation returns (``Change``) and how it refuses (``OperationError``, and
``StaleWrite`` when someone else changed the rows first).

Apart from ``storage.operations`` so that the window can hold changes and catch refusals without
importing the ORM models (sqlmodel and pydantic cost a quarter of a second at start-up).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from ncpi_desktop.domain.security import User


class OperationError(ValueError):
    """The operation was refused; nothing was written. The message says why."""


class StaleWrite(OperationError):
    """The operation was refused because what it would change is no longer as the user saw it
    (someone else changed it first); nothing was written. The message says who changed what and
    when: ``R0006 is now held by OM023 (moved by supervisor.east at 14:02 on 10/10/2017)``.
    A window shows it and then the current figures."""


@dataclass(frozen=True)
class Change:
    """What an operation did, and how to take it back."""

    operation: str
    summary: str
    before: dict[str, Any]
    after: dict[str, Any]
    #: Apply the exact inverse as the signed-in user (checked as the change itself was).
    undo: Callable[[Engine, User], Change] = field(repr=False, compare=False)
    #: rso_id -> the RSO's ``version`` after the change, for every RSO it wrote: what a window
    #: that applies the change in memory now "saw" (the next operation passes it as ``seen``).
    versions: Mapping[str, int] = field(default_factory=dict, compare=False)
