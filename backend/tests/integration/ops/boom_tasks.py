"""A task that fails with personal data in its arguments and locals: the Sentry test."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tests.ops.boom")
def boom(email: str) -> None:
    card_number = "4242424242424242"
    raise RuntimeError(f"induced task failure for {email} (card {card_number})")
