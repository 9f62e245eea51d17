"""SMTP mailer (aiosmtplib): plain, STARTTLS or implicit TLS, optional authentication."""

from __future__ import annotations

import ssl

import aiosmtplib

from mercato.notifications.providers.message import to_mime
from mercato.notifications.providers.port import OutgoingEmail
from mercato.platform.config import MailSettings


class SmtpMailer:
    def __init__(self, settings: MailSettings, tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.tls_context = tls_context

    async def send(self, email: OutgoingEmail) -> None:
        s = self.settings
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        await aiosmtplib.send(
            to_mime(email, s.sender),
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=password,
            use_tls=s.smtp_security == "ssl",
            start_tls=s.smtp_security == "starttls",
            tls_context=self.tls_context,
            timeout=s.smtp_timeout_seconds,
        )
