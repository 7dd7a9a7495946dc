"""Password hashes with argon2id (argon2-cffi's defaults): the password itself is never stored."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8


class PasswordError(ValueError):
    """A new password that cannot be used."""


def hash_password(password: str) -> str:
    """The argon2id hash of a new password (at least MIN_LENGTH characters)."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash (False for a damaged or empty hash)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (then it is replaced at the next sign-in)."""
    return _hasher.check_needs_rehash(stored_hash)


DUMMY_HASH = _hasher.hash("not a password of anyone")  # verified against for unknown names: same time taken
