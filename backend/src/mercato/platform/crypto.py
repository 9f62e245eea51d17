"""Symmetric encryption and signing derived from MERCATO_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


def _derive(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


class SecretBox:
    """Fernet (AES-128-CBC + HMAC) for small secrets at rest, e.g. tokens inside outbox events."""

    def __init__(self, secret: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, "secretbox")))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong key or tampered data") from exc


class Signer:
    """HMAC-SHA256 signatures for values handed to clients (e.g. guest order tokens)."""

    def __init__(self, secret: str, purpose: str) -> None:
        self._key = _derive(secret, f"signer:{purpose}")

    def sign(self, value: str) -> str:
        mac = hmac.new(self._key, value.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def verify(self, value: str, signature: str) -> bool:
        # Compare bytes: compare_digest raises TypeError on str with non-ASCII characters.
        presented = signature.encode("utf-8", "surrogatepass")
        return hmac.compare_digest(self.sign(value).encode(), presented)
