"""Password hashing with Argon2id at OWASP parameters (19 MiB, t=2, p=1).

argon2's `verify` compares in constant time. Unknown emails are checked against a dummy hash so
that "no such account" and "wrong password" cost the same time.
"""

from __future__ import annotations

import contextlib
import itertools
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mercato.platform.errors import ValidationFailed

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128

hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)


# The most used passwords of at least 8 characters in public breach lists (NIST SP 800-63B asks
# to refuse such commonly used values); compared in lower case.
COMMON_PASSWORDS = frozenset(
    """
    password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword
    iloveyou iloveyou1 qwertyuiop qwerty12 qwerty123 qwerty1234 1q2w3e4r 1q2w3e4r5t 1qaz2wsx
    zaq12wsx qazwsxedc asdfghjk asdfghjkl asdfasdf zxcvbnm1 zxcvbnm123 abc12345 abcd1234
    abcdefg1 aa123456 a1234567 a12345678 12qwaszx 123qweasd qweasdzxc 1234qwer qwer1234
    sunshine princess football baseball basketball superman starwars whatever computer
    michelle jennifer jessica1 charlie1 welcome1 welcome123 admin123 admin1234 administrator
    letmein1 trustno1 changeme changeme1 internet shopping secret123 master123 dragon123
    monkey123 freedom1 mustang1 liverpool chelsea1 arsenal1 pokemon1 pokemon123 12341234
    11223344 12121212 123123123 123321123 1234512345 987654321 87654321 0987654321
    google123 mercato1 mercato123 test1234 testtest
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


def validate_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"The password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long.",
            code="invalid_password",
        )
    if _easily_guessed(password):
        raise ValidationFailed(
            "This password is too easy to guess: choose one that is not a common password, "
            "a run of one character or a sequence such as 12345678.",
            code="weak_password",
        )


def _easily_guessed(password: str) -> bool:
    """Blank, a common password, one character repeated, or a run up or down (abcdefgh, 87654321)
    — the first guesses of anyone trying accounts."""
    text = password.strip().lower()
    if len(set(text)) <= 2 or text in COMMON_PASSWORDS:
        return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return steps in ({1}, {-1})


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
