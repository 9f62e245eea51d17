"""Access-token verification: every forged, altered or misused token is refused."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from mercato.accounts.tokens import (
    InvalidAccessToken,
    SigningKey,
    TokenService,
    generate_private_key_pem,
    load_or_create_dev_key,
)

ISS, AUD = "mercato", "mercato-api"


def make_service(*pems: str) -> TokenService:
    keys = [SigningKey.from_pem(p) for p in pems] or [
        SigningKey.from_pem(generate_private_key_pem())
    ]
    return TokenService(keys, issuer=ISS, audience=AUD, access_ttl_seconds=900)


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISS,
        "aud": AUD,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
        "typ": "access",
        "role": "customer",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def sign(service: TokenService, payload: dict[str, Any], **headers: Any) -> str:
    key = service.signing_key
    return jwt.encode(
        payload, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, **headers}
    )


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_genuine_token_verifies() -> None:
    service = make_service()
    user_id, sid = uuid.uuid4(), uuid.uuid4()
    issued = service.issue_access_token(user_id, "staff", session_id=sid)
    verified = service.verify_access_token(issued.token)
    assert (verified.user_id, verified.role, verified.session_id) == (user_id, "staff", sid)
    header = jwt.get_unverified_header(issued.token)
    assert header["alg"] == "EdDSA"
    assert header["kid"] == service.signing_key.kid
    assert issued.expires_in <= 900


def _alg_none(service: TokenService) -> str:
    return f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': service.signing_key.kid})}.{b64(claims())}."


def _hs256_with_public_key(service: TokenService) -> str:
    public_pem = service.signing_key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": service.signing_key.kid}
    signing_input = f"{b64(header)}.{b64(claims())}".encode()
    import hashlib
    import hmac

    mac = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    return signing_input.decode() + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _tampered(service: TokenService) -> str:
    header, _payload, signature = sign(service, claims()).split(".")
    return f"{header}.{b64(claims(role='admin'))}.{signature}"


def _other_key_same_kid(service: TokenService) -> str:
    forger = SigningKey.from_pem(generate_private_key_pem())
    return jwt.encode(
        claims(), forger.private_key, algorithm="EdDSA", headers={"kid": service.signing_key.kid}
    )


def _unknown_kid(_service: TokenService) -> str:
    forger = SigningKey.from_pem(generate_private_key_pem())
    return jwt.encode(claims(), forger.private_key, algorithm="EdDSA", headers={"kid": forger.kid})


def _no_kid(service: TokenService) -> str:
    return jwt.encode(claims(), service.signing_key.private_key, algorithm="EdDSA")


ATTACKS: dict[str, Callable[[TokenService], str]] = {
    "alg_none": _alg_none,
    "hs256_signed_with_public_key": _hs256_with_public_key,
    "tampered_payload": _tampered,
    "signed_by_another_key_with_our_kid": _other_key_same_kid,
    "unknown_kid": _unknown_kid,
    "missing_kid": _no_kid,
    "expired": lambda s: sign(s, claims(exp=int(time.time()) - 5, iat=int(time.time()) - 100)),
    "nbf_in_future": lambda s: sign(s, claims(nbf=int(time.time()) + 600)),
    "wrong_audience": lambda s: sign(s, claims(aud="someone-else")),
    "wrong_issuer": lambda s: sign(s, claims(iss="evil")),
    "refresh_typ": lambda s: sign(s, claims(typ="refresh")),
    "sub_not_uuid": lambda s: sign(s, claims(sub="1 OR 1=1")),
    "jku_header": lambda s: sign(s, claims(), jku="http://127.0.0.1:9/jwks.json"),
    "x5u_header": lambda s: sign(s, claims(), x5u="http://127.0.0.1:9/cert.pem"),
    "jwk_header": lambda s: sign(s, claims(), jwk={"kty": "OKP", "crv": "Ed25519", "x": "AA"}),
    "garbage": lambda _s: "not.a.jwt",
    "empty": lambda _s: "",
    **{
        f"missing_{name}": (lambda n: lambda s: sign(s, claims(**{n: None})))(name)
        for name in ("iss", "aud", "sub", "exp", "iat", "jti", "typ", "role")
    },
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_is_refused(attack: str) -> None:
    service = make_service()
    token = ATTACKS[attack](service)
    with pytest.raises(InvalidAccessToken) as caught:
        service.verify_access_token(token)
    assert caught.value.status == 401


def test_key_rotation_old_tokens_still_verify_and_jwks_lists_both() -> None:
    old_pem, new_pem = generate_private_key_pem(), generate_private_key_pem()
    before = make_service(old_pem)
    old_token = before.issue_access_token(uuid.uuid4(), "customer").token

    after = make_service(new_pem, old_pem)
    assert after.verify_access_token(old_token).role == "customer"
    new_token = after.issue_access_token(uuid.uuid4(), "customer").token
    assert jwt.get_unverified_header(new_token)["kid"] == SigningKey.from_pem(new_pem).kid
    with pytest.raises(InvalidAccessToken):
        before.verify_access_token(new_token)  # the old set does not know the new key

    jwks = after.jwks()["keys"]
    assert [k["kid"] for k in jwks] == [after.keys[0].kid, after.keys[1].kid]
    for jwk in jwks:
        assert jwk["kty"] == "OKP"
        assert jwk["crv"] == "Ed25519"
        assert jwk["use"] == "sig"
        assert jwk["alg"] == "EdDSA"
        assert "d" not in jwk  # never the private part
        public = jwt.PyJWK.from_dict(jwk)
        assert public.key_id == jwk["kid"]

    # Dropping the old key after its tokens expired ends them.
    with pytest.raises(InvalidAccessToken):
        make_service(new_pem).verify_access_token(old_token)


def test_kid_is_the_rfc7638_thumbprint() -> None:
    # RFC 8037 appendix A.3 test vector.
    pem = (
        "-----BEGIN PRIVATE KEY-----\n"
        "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
        "-----END PRIVATE KEY-----\n"
    )
    key = SigningKey.from_pem(pem)
    assert key.x == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert key.kid == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_only_ed25519_keys_are_accepted() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="Ed25519"):
        SigningKey.from_pem(pem)


def test_dev_key_is_created_once_with_private_permissions(tmp_path: Path) -> None:
    first = load_or_create_dev_key(tmp_path)
    path = tmp_path / "keys" / "jwt-ed25519.pem"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_dev_key(tmp_path) == first
    assert [p.name for p in path.parent.iterdir()] == ["jwt-ed25519.pem"]  # no temp files left


def test_control_a_token_forged_by_the_helpers_with_our_key_verifies() -> None:
    service = make_service()
    assert service.verify_access_token(sign(service, claims())).role == "customer"
