"""The class password, stored only as a salted scrypt hash (RFC 7914) in a file only its owner reads."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

# scrypt cost: 16 MiB and about 50 ms a check, slow enough against guessing, fast enough to log in.
N, R, P = 2**14, 8, 1
KEY_BYTES = 32
SCHEME = "scrypt"


class PasswordFileError(ValueError):
    """The password file is missing, malformed or readable by others."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$key`, base64 fields: what the file stores instead of the password."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=KEY_BYTES)
    encode = lambda data: base64.b64encode(data).decode()  # noqa: E731
    return f"{SCHEME}${N}${R}${P}${encode(salt)}${encode(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a `hash_password` result (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, key = stored.strip().split("$")
        n, r, p = int(n), int(r), int(p)
        expected = base64.b64decode(key, validate=True)
        salt = base64.b64decode(salt, validate=True)
    except ValueError:
        return False
    # Only costs this module could have written: a tampered file must not make a check hang or exhaust memory.
    if scheme != SCHEME or len(expected) != KEY_BYTES or not salt or not (
            2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16):
        return False
    candidate = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                               maxmem=256 * r * n + 2**20)
    return hmac.compare_digest(candidate, expected)


def save_password_hash(path: Path, password: str) -> None:
    """Store the hash of `password` at `path`, mode 0600, replacing any earlier one atomically."""
    if not password:
        raise PasswordFileError("the class password must not be empty")
    temporary = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # also when a stale temporary file had another mode
        with os.fdopen(descriptor, "w") as file:
            file.write(hash_password(password) + "\n")
        os.replace(temporary, path)
    except OSError as error:
        raise PasswordFileError(f"cannot write the password file {path}: {error.strerror}") from None


def load_password_hash(path: Path) -> str:
    """The stored hash; refuses a file others can read or write, or one that holds no hash."""
    try:
        mode = path.stat().st_mode
        text = path.read_text().strip()
    except OSError as error:
        raise PasswordFileError(f"cannot read the password file {path}: {error.strerror}") from None
    if mode & 0o077:
        raise PasswordFileError(f"{path} is accessible by others (mode {mode & 0o777:o}); "
                                f"run: chmod 600 {path}")
    if not text.startswith(SCHEME + "$") or text.count("$") != 5:
        raise PasswordFileError(f"{path} does not hold a password hash; "
                                "set one with: marl-tui serve --set-password")
    return text
