"""Chooses the mailer from settings (file by default, SMTP in production)."""

from __future__ import annotations

from pathlib import Path

from mercato.notifications.providers.file import FileMailer
from mercato.notifications.providers.port import Mailer
from mercato.notifications.providers.smtp import SmtpMailer
from mercato.platform.config import Settings


def mail_dir(settings: Settings) -> Path:
    return settings.data_dir / "mail"


def build_mailer(settings: Settings) -> Mailer:
    if settings.mail.backend == "smtp":
        return SmtpMailer(settings.mail)
    return FileMailer(mail_dir(settings), settings.mail.sender)
