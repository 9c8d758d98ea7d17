"""Password hashes: scrypt, its parameters and salt in the text (``scrypt$n$r$p$salt$hash``).

The same hash is checked for every backend (SQLite, encrypted or not, and PostgreSQL); on an
encrypted file the user's key slot must also open (``storage.keys``).
"""

from __future__ import annotations

import base64
import hmac
import secrets

from ncpi_desktop.domain.security import MIN_PASSWORD_LENGTH
from ncpi_desktop.storage.keys import SALT_BYTES, SCRYPT_N, SCRYPT_P, SCRYPT_R, scrypt


class WeakPassword(ValueError):
    """A new password the contract does not accept; the message says why, never the password."""


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password != password.strip():
        raise WeakPassword("a password may not begin or end with a space")
    return password


def hash_password(password: str, *, n: int = SCRYPT_N, salt: bytes | None = None) -> str:
    """The stored form of ``password``. ``n`` is scrypt's cost (tests may build users cheaply;
    the cost is in the text, so checking reads it from there)."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = scrypt(password, salt, n, SCRYPT_R, SCRYPT_P)
    return "$".join(["scrypt", str(n), str(SCRYPT_R), str(SCRYPT_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()])


def verify_password(password: str, stored: str | None) -> bool:
    """``password`` is the one ``stored`` was made from. A missing or unreadable hash costs the
    same work and is False, so timing does not say which."""
    try:
        kind, n, r, p, salt, digest = (stored or "").split("$")
        if kind != "scrypt":
            raise ValueError(kind)
        actual = scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
        return hmac.compare_digest(actual, base64.b64decode(digest))
    except (ValueError, TypeError):
        scrypt(password, b"\0" * SALT_BYTES)
        return False
