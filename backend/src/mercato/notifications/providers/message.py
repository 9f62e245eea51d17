"""Builds the MIME message (text + HTML alternative) shared by every mailer."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from mercato.notifications.providers.port import OutgoingEmail
from mercato.platform.clock import utcnow


def to_mime(email: OutgoingEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(utcnow())
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message
