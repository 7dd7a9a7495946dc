"""Password hashes with argon2id (argon2-cffi's defaults): the password itself is never stored."""

from __future__ import annotations

from functools import cache

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


def verify_dummy(password: str) -> None:
    """Verify against a hash of nobody's password made with today's parameters, for a name nobody has: as long
    as for a known name, so the time tells nothing."""
    verify_password(_dummy_hash(_hasher), password)


@cache  # made at the first unknown name, not when the program starts (argon2 is slow on purpose)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not a password of anyone")
