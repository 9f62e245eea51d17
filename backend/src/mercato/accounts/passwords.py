"""Password hashing with Argon2id at OWASP parameters (19 MiB, t=2, p=1).

argon2's `verify` compares in constant time. Unknown emails are checked against a dummy hash so
that "no such account" and "wrong password" cost the same time.
"""

from __future__ import annotations

import contextlib
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mercato.platform.errors import ValidationFailed

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128

hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)


def validate_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"The password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long.",
            code="invalid_password",
        )


def hash_password(password: str) -> str:
    return hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return hasher.hash("dummy password for unknown accounts")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches. A missing or unusable hash costs a dummy verification."""
    try:
        return hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError):
        return False
    except InvalidHashError:  # unusable hash (closed account): still spend the same time
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(), password)
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False
