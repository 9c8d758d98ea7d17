"""The ``.keys`` file beside an encrypted database: one key slot per user, and failed sign-ins.

A slot holds the database's random 32-byte key wrapped (AES-GCM) under a key derived from that
user's password (scrypt, its parameters and salt in the slot), as LUKS does: adding a user,
changing a password or disabling a user rewrites one slot, never the database. The user's name is
the wrapping's associated data, so a slot copied onto another name does not open.

Failed sign-ins cannot be written into a database nobody could unlock, so they are counted here
(per user name: how many in a row, the last one's time) and moved into the audit log by the next
successful sign-in. The file is JSON, readable by its owner only (0600), and always replaced
whole (written beside it, then renamed), so a crash never leaves half a file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ncpi_desktop.domain.security import SIGN_IN_FAILURES_BEFORE_WAIT, SIGN_IN_WAIT_SECONDS

#: scrypt's cost: N = 2**15, r = 8, p = 1 (32 MiB, about a tenth of a second): stronger than
#: Django's default (2**14). Stored with each hash and slot, so raising it later keeps old ones.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
FORMAT = 1
#: How failures of a name that has no slot are counted: never the typed text, which may be a
#: password typed in the wrong box.
UNKNOWN_USER = "(unknown user)"
_AAD = b"ncpi-desktop key slot\0"


class KeyFileError(Exception):
    """The ``.keys`` file cannot be read or written; the message is one line."""


def keys_path(database: Path) -> Path:
    """The key file of the database file ``database``: ``NAME.sqlite3.keys`` beside it."""
    return database.with_name(database.name + ".keys")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def scrypt(password: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R,
           p: int = SCRYPT_P) -> bytes:
    """32 bytes derived from ``password`` (hashlib's scrypt, enough memory for ``n``)."""
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r + (1 << 20), dklen=32)


@dataclass(frozen=True)
class Kek:
    """A key-encryption key derived from a password, with what derived it."""

    key: bytes
    salt: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @classmethod
    def derive(cls, password: str, salt: bytes | None = None) -> Kek:
        salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
        return cls(scrypt(password, salt), salt)


@dataclass
class KeyFile:
    """The slots and failure counts of one database; ``save`` writes them back."""

    path: Path
    slots: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> KeyFile:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise KeyFileError(f"{path} is not a key file this version can read")
            return cls(path, dict(data["slots"]), dict(data.get("failures", {})))
        except OSError as exc:
            raise KeyFileError(f"Cannot read the key file {path}: "
                               f"{exc.strerror or exc}") from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyFileError(f"The key file {path} is damaged: restore it from the copy "
                               f"made with the database") from exc

    def save(self) -> None:
        """Write the file whole, owner-only, atomically (a temporary file renamed over it)."""
        text = json.dumps({"format": FORMAT, "slots": self.slots, "failures": self.failures},
                          indent=1, sort_keys=True)
        handle, temporary = tempfile.mkstemp(prefix=".keys-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                os.fchmod(out.fileno(), 0o600)
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            raise KeyFileError(f"Cannot write the key file {self.path}: "
                               f"{exc.strerror or exc}") from exc

    # --- slots ----------------------------------------------------------------------------

    def set_slot(self, user_name: str, kek: Kek, database_key: bytes) -> None:
        """(Re)write ``user_name``'s slot: ``database_key`` wrapped under ``kek``."""
        nonce = secrets.token_bytes(12)
        wrapped = AESGCM(kek.key).encrypt(nonce, database_key, _AAD + user_name.encode())
        self.slots[user_name] = {"kdf": "scrypt", "n": kek.n, "r": kek.r, "p": kek.p,
                                 "salt": _b64(kek.salt), "nonce": _b64(nonce),
                                 "wrapped": _b64(wrapped)}

    def drop_slot(self, user_name: str) -> None:
        self.slots.pop(user_name, None)

    def kek_for(self, user_name: str, password: str) -> Kek | None:
        """The key-encryption key ``password`` gives for ``user_name``'s slot (None: no slot).
        A name without a slot costs the same scrypt work, so timing does not say which."""
        slot = self.slots.get(user_name)
        if slot is None:
            scrypt(password, b"\0" * SALT_BYTES)
            return None
        try:
            salt, n, r, p = _unb64(slot["salt"]), int(slot["n"]), int(slot["r"]), int(slot["p"])
        except (KeyError, ValueError, TypeError):
            return None
        return Kek(scrypt(password, salt, n, r, p), salt, n, r, p)

    def unlock_with(self, user_name: str, kek: Kek | None) -> bytes | None:
        """The database key from ``user_name``'s slot, or None (no slot, another password)."""
        slot = self.slots.get(user_name)
        if slot is None or kek is None:
            return None
        try:
            return AESGCM(kek.key).decrypt(_unb64(slot["nonce"]), _unb64(slot["wrapped"]),
                                           _AAD + user_name.encode())
        except (InvalidTag, KeyError, ValueError, TypeError):
            return None

    # --- failed sign-ins ------------------------------------------------------------------

    def counted_as(self, user_name: str) -> str:
        """The name a failure is counted under: the user's, or ``UNKNOWN_USER``."""
        return user_name if user_name in self.slots else UNKNOWN_USER

    def wait_seconds(self, user_name: str, now: datetime | None = None) -> int:
        """Seconds to wait before ``user_name`` may try again (0: now): after five failures in
        a row, 30 s from the last."""
        entry = self.failures.get(self.counted_as(user_name))
        if not entry or int(entry.get("count", 0)) < SIGN_IN_FAILURES_BEFORE_WAIT:
            return 0
        now = now or datetime.now(UTC)
        since = (now - datetime.fromisoformat(entry["last"])).total_seconds()
        return max(0, int(SIGN_IN_WAIT_SECONDS - since + 0.999))

    def record_failure(self, user_name: str, now: datetime | None = None) -> None:
        name = self.counted_as(user_name)
        entry = self.failures.setdefault(name, {"count": 0, "times": []})
        at = (now or datetime.now(UTC)).isoformat()
        entry["count"] = int(entry.get("count", 0)) + 1
        entry["last"] = at
        entry["times"] = [*entry.get("times", [])[-99:], at]

    def take_failures(self) -> dict[str, list[str]]:
        """Every failure not yet in the audit log (per name, their times), taken from the file;
        the counts in a row stay until that user signs in."""
        taken = {}
        for name, entry in self.failures.items():
            if entry.get("times"):
                taken[name] = list(entry["times"])
                entry["times"] = []
        return taken


def overwrite_and_unlink(path: Path) -> None:
    """Overwrite ``path`` with zeros (flushed to the disk), then delete it. On a journalling file
    system or a solid-state disk, copies of old blocks may survive: README, "encrypt"."""
    if not path.exists():
        return
    size = path.stat().st_size
    with path.open("r+b") as file:
        block = b"\0" * (1 << 20)
        written = 0
        while written < size:
            written += file.write(block[: min(len(block), size - written)])
        file.flush()
        os.fsync(file.fileno())
    path.unlink()
