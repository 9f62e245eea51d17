"""The SMTP mailer against a real aiosmtpd server: STARTTLS, implicit TLS and authentication."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from mercato.notifications.providers.port import OutgoingEmail
from mercato.notifications.providers.smtp import SmtpMailer
from mercato.platform.config import MailSettings
from tests.fakes.smtp import SmtpServer, _Handler, free_port

EMAIL = OutgoingEmail(
    to="tls@example.com",
    subject="Hello",
    text="plain body",
    html="<p>html body</p>",
    message_id="<abc@mercato.localhost>",
)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def authenticator(
    _server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"shop", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def tls_server(
    certificate: tuple[Path, Path], request: pytest.FixtureRequest
) -> Iterator[SmtpServer]:
    mode: str = request.param
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(*certificate)
    server = SmtpServer(host="127.0.0.1", port=free_port())
    options: dict[str, Any] = {"authenticator": authenticator}
    if mode == "starttls":  # AUTH is offered only once the session is encrypted
        options.update(tls_context=server_ctx, require_starttls=True, auth_require_tls=True)
    else:  # implicit TLS from the first byte
        options.update(ssl_context=server_ctx, auth_require_tls=False)
    controller = Controller(
        _Handler(server),
        hostname=server.host,
        port=server.port,
        server_hostname="127.0.0.1",
        **options,
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.mark.parametrize(
    ("tls_server", "security"), [("starttls", "starttls"), ("ssl", "ssl")], indirect=["tls_server"]
)
async def test_sends_over_tls_with_authentication(
    tls_server: SmtpServer, certificate: tuple[Path, Path], security: str
) -> None:
    settings = MailSettings(
        backend="smtp",
        smtp_port=tls_server.port,
        smtp_security=security,  # type: ignore[arg-type]
        smtp_username="shop",
        smtp_password=SecretStr("s3cret"),
        smtp_timeout_seconds=5,
    )
    await SmtpMailer(settings, client_context(certificate)).send(EMAIL)
    (message,) = tls_server.received()
    assert message["To"] == "tls@example.com"
    assert message["Message-ID"] == "<abc@mercato.localhost>"
    assert message.get_body(preferencelist=("html",)).get_content().strip() == "<p>html body</p>"


@pytest.mark.parametrize("tls_server", ["starttls"], indirect=True)
async def test_wrong_password_is_refused(
    tls_server: SmtpServer, certificate: tuple[Path, Path]
) -> None:
    import aiosmtplib

    settings = MailSettings(
        backend="smtp",
        smtp_port=tls_server.port,
        smtp_security="starttls",
        smtp_username="shop",
        smtp_password=SecretStr("wrong"),
        smtp_timeout_seconds=5,
    )
    with pytest.raises(aiosmtplib.SMTPAuthenticationError):
        await SmtpMailer(settings, client_context(certificate)).send(EMAIL)
    assert tls_server.received() == []


@pytest.mark.parametrize("tls_server", ["starttls"], indirect=True)
async def test_untrusted_certificate_is_refused(tls_server: SmtpServer) -> None:
    settings = MailSettings(
        backend="smtp", smtp_port=tls_server.port, smtp_security="starttls", smtp_timeout_seconds=5
    )
    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        await SmtpMailer(settings).send(EMAIL)
    assert tls_server.received() == []
