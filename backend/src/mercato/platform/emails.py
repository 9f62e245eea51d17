"""The shop's one rule for an email address it keeps: an account's (registration) and a guest's
(the cart's checkout email) alike, so a guest email is one that could also register.

The syntax itself is checked by pydantic's `EmailStr` (email-validator, not strict) in the
request schema; this adds what that lets through and the shop refuses."""

from __future__ import annotations

import unicodedata

from mercato.platform.errors import ValidationFailed

MAX_EMAIL_LENGTH = 320
MAX_LOCAL_PART_LENGTH = 64  # RFC 5321 4.5.3.1.1: mail servers refuse longer ones


def normalize_email(email: str) -> str:
    """NFKC first: full-width and other compatibility look-alikes become the address they imitate
    (full-width "ada" at example.com is the same account as `ada@example.com`)."""
    return unicodedata.normalize("NFKC", email).strip().lower()


def check_email(email: str) -> None:
    """422 `email_not_supported` unless the part before @ (of a normalised address) is 1-64
    plain-ASCII printable characters: a Cyrillic "a" or a combining accent would make a second
    account that looks identical to an existing one, and most mail servers refuse such addresses
    anyway, as they refuse a local part over 64 characters. Internationalised domains are fine."""
    local = email.rsplit("@", 1)[0]
    if not local.isascii() or not local.isprintable():
        raise ValidationFailed(
            "The part of the email before @ must use plain ASCII letters, digits and symbols.",
            code="email_not_supported",
        )
    if len(local) > MAX_LOCAL_PART_LENGTH:
        raise ValidationFailed(
            f"The part of the email before @ must be at most {MAX_LOCAL_PART_LENGTH} characters.",
            code="email_not_supported",
        )
