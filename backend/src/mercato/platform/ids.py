"""Identifiers and random tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def new_token(nbytes: int = 32) -> str:
    """An opaque URL-safe random token (refresh tokens, email tokens, cart ids)."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """Tokens are stored only as a SHA-256 hash: they are high-entropy, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()
