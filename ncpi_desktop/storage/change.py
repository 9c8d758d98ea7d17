"""What a named operation returns (``Change``) and how it refuses (``OperationError``).

Apart from ``storage.operations`` so that the window can hold changes and catch refusals without
importing the ORM models (sqlmodel and pydantic cost a quarter of a second at start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from ncpi_desktop.domain.security import User


class OperationError(ValueError):
    """The operation was refused; nothing was written. The message says why."""


@dataclass(frozen=True)
class Change:
    """What an operation did, and how to take it back."""

    operation: str
    summary: str
    before: dict[str, Any]
    after: dict[str, Any]
    #: Apply the exact inverse as the signed-in user (checked as the change itself was).
    undo: Callable[[Engine, User], Change] = field(repr=False, compare=False)
