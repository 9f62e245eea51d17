"""JWT access tokens: EdDSA (Ed25519) with a rotatable key set and a published JWKS.

The first key signs, every key verifies (rotation: put the new key first, keep the old one until
its tokens have expired). Verification pins the algorithm, requires every claim we rely on, looks
the key up by `kid` in our own set only and refuses tokens that point elsewhere for keys (`jku`,
`x5u`, `jwk`, `x5c`): nothing is ever fetched.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mercato.platform.clock import utcnow
from mercato.platform.config import Settings
from mercato.platform.errors import Unauthorized
from mercato.platform.ids import new_id

log = structlog.get_logger("mercato.accounts.tokens")

ALGORITHM = "EdDSA"
ACCESS_TYPE = "access"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat", "jti", "typ", "role"]
FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c")
DEV_KEY_PATH = Path("keys") / "jwt-ed25519.pem"


class InvalidAccessToken(Unauthorized):
    code = "invalid_token"
    title = "Invalid or expired access token"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def x(self) -> str:
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return _b64url(raw)

    def jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": self.x, "kid": self.kid, "use": "sig",
                "alg": ALGORITHM}  # fmt: skip

    @classmethod
    def from_private_key(cls, key: Ed25519PrivateKey) -> SigningKey:
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        # RFC 7638 thumbprint: the required members, sorted, no whitespace.
        canonical = json.dumps(
            {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}, separators=(",", ":")
        )
        return cls(kid=_b64url(hashlib.sha256(canonical.encode()).digest()), private_key=key)

    @classmethod
    def from_pem(cls, pem: str | bytes) -> SigningKey:
        data = pem.encode() if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("JWT signing keys must be Ed25519 private keys (PEM)")
        return cls.from_private_key(key)


def generate_private_key_pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def load_or_create_dev_key(data_dir: Path) -> str:
    """The development key in <data_dir>/keys/ (mode 0600), created atomically on first use."""
    path = data_dir / DEV_KEY_PATH
    if path.exists():  # warned once, when it was created (not on every CLI command)
        log.debug("jwt_dev_key_in_use", path=str(path))
        return path.read_text()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(generate_private_key_pem())
    try:
        os.link(tmp, path)  # fails if another process won the race: use theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    log.warning("jwt_dev_key_in_use", path=str(path))
    return path.read_text()


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    role: str
    jti: str
    session_id: uuid.UUID | None  # the refresh-token family this token was issued for
    expires_at: int


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


class TokenService:
    """Issues and verifies access tokens with a key set (first key signs, all verify)."""

    def __init__(
        self, keys: list[SigningKey], *, issuer: str, audience: str, access_ttl_seconds: int
    ) -> None:
        if not keys:
            raise ValueError("at least one signing key is required")
        self.keys = keys
        self._by_kid = {k.kid: k for k in keys}
        self.issuer = issuer
        self.audience = audience
        self.access_ttl_seconds = access_ttl_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenService:
        pems = [k.get_secret_value() for k in settings.auth.signing_keys]
        if not pems:
            if settings.is_production:
                raise ValueError("MERCATO_AUTH__SIGNING_KEYS is required in production")
            pems = [load_or_create_dev_key(settings.data_dir)]
        return cls(
            [SigningKey.from_pem(p) for p in pems],
            issuer=settings.auth.issuer,
            audience=settings.auth.audience,
            access_ttl_seconds=settings.auth.access_token_ttl_seconds,
        )

    @property
    def signing_key(self) -> SigningKey:
        return self.keys[0]

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [k.jwk() for k in self.keys]}

    def issue_access_token(
        self, user_id: uuid.UUID, role: str, *, session_id: uuid.UUID | None = None
    ) -> IssuedToken:
        now = int(utcnow().timestamp())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "iat": now,
            "nbf": now,
            "exp": now + self.access_ttl_seconds,
            "jti": new_id().hex,
            "typ": ACCESS_TYPE,
            "role": role,
        }
        if session_id is not None:
            claims["sid"] = str(session_id)
        key = self.signing_key
        token = jwt.encode(
            claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": "JWT"}
        )
        return IssuedToken(token=token, expires_in=self.access_ttl_seconds)

    def verify_access_token(self, token: str) -> AccessClaims:
        """Decode and check everything, or raise InvalidAccessToken (401)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken("The access token is malformed.") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidAccessToken("The access token uses an unaccepted algorithm.")
        if any(name in header for name in FORBIDDEN_HEADERS):
            raise InvalidAccessToken("The access token names an external key; refused.")
        kid = header.get("kid")
        key = self._by_kid.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidAccessToken("The access token was signed with an unknown key.")
        try:
            payload = jwt.decode(
                token,
                key.public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS, "verify_nbf": True},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidAccessToken("The access token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise InvalidAccessToken("The access token is invalid.") from exc
        if payload.get("typ") != ACCESS_TYPE:
            raise InvalidAccessToken("This is not an access token.")
        try:
            user_id = uuid.UUID(str(payload["sub"]))
            sid = payload.get("sid")
            session_id = uuid.UUID(str(sid)) if sid is not None else None
        except ValueError as exc:
            raise InvalidAccessToken("The access token is invalid.") from exc
        return AccessClaims(
            user_id=user_id,
            role=str(payload["role"]),
            jti=str(payload["jti"]),
            session_id=session_id,
            expires_at=int(payload["exp"]),
        )
