"""Access tokens through the API: key URLs are never fetched, JWKS, rotation via settings."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import jwt
import pytest
from pydantic import SecretStr

from mercato.accounts.tokens import generate_private_key_pem
from mercato.bootstrap import Container, build_container
from mercato.main import create_app
from tests.conftest import make_settings
from tests.factories import auth_headers, create_user
from tests.integration.accounts.conftest import bearer


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"keys": []}')

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def key_server() -> Iterator[tuple[str, list[str]]]:
    _Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", _Recorder.hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_jku_and_x5u_are_refused_and_never_fetched(
    client: httpx.AsyncClient, container: Container, key_server: tuple[str, list[str]]
) -> None:
    base, hits = key_server
    # Control: the recorder does record requests.
    async with httpx.AsyncClient() as probe:
        assert (await probe.get(f"{base}/control")).status_code == 200
    assert hits == ["/control"]

    user = await create_user(container)
    key = container.tokens.signing_key
    genuine = jwt.decode(
        auth_headers(container, user)["Authorization"].split()[1],
        options={"verify_signature": False},
    )
    for header in ("jku", "x5u"):
        token = jwt.encode(
            genuine,
            key.private_key,
            algorithm="EdDSA",
            headers={"kid": key.kid, header: f"{base}/{header}"},
        )
        response = await client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
    assert hits == ["/control"]


async def test_refresh_token_is_not_an_access_token(
    client: httpx.AsyncClient, container: Container
) -> None:
    user = await create_user(container)
    tokens = (
        await client.post(
            "/api/v1/auth/token",
            data={"username": user.email, "password": "correct horse battery staple"},
        )
    ).json()
    response = await client.get("/api/v1/me", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_jwks_endpoint_publishes_public_keys(
    client: httpx.AsyncClient, container: Container
) -> None:
    response = await client.get("/api/v1/auth/jwks")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert [k["kid"] for k in keys] == [container.tokens.signing_key.kid]
    assert set(keys[0]) == {"kty", "crv", "x", "kid", "use", "alg"}
    user = await create_user(container)
    token = auth_headers(container, user)["Authorization"].split()[1]
    # A third party verifies our token with nothing but the JWKS.
    public = jwt.PyJWK.from_dict(keys[0])
    claims = jwt.decode(token, public, algorithms=["EdDSA"], audience="mercato-api")
    assert claims["sub"] == str(user.id)


async def test_rotation_through_settings(db_url: str, tmp_path: Path) -> None:
    old_pem, new_pem = generate_private_key_pem(), generate_private_key_pem()
    old_settings = make_settings(db_url, tmp_path, auth={"signing_keys": [SecretStr(old_pem)]})
    old = build_container(old_settings)
    rotated_settings = make_settings(
        db_url, tmp_path, auth={"signing_keys": [SecretStr(new_pem), SecretStr(old_pem)]}
    )
    rotated = build_container(rotated_settings)
    try:
        user = await create_user(old)
        old_token = auth_headers(old, user)
        app = create_app(rotated_settings, rotated)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/api/v1/me", headers=old_token)).status_code == 200
            assert (
                await client.get("/api/v1/me", headers=auth_headers(rotated, user))
            ).status_code == 200
            kids = [k["kid"] for k in (await client.get("/api/v1/auth/jwks")).json()["keys"]]
        assert kids == [k.kid for k in rotated.tokens.keys]
        assert len(set(kids)) == 2
        assert not (tmp_path / "var" / "keys").exists()  # configured keys: no dev key written
    finally:
        await old.aclose()
        await rotated.aclose()


async def test_unknown_user_in_a_valid_token_is_401(
    client: httpx.AsyncClient, container: Container
) -> None:
    token = container.tokens.issue_access_token(uuid.uuid4(), "admin").token
    assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401
