"""Renders emails from Jinja2 templates: HTML (autoescaped) and plain text for each kind."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "VND", "CLP", "ISK", "HUF"}


def format_money(amount: int | None, currency: str = "EUR") -> str:
    """Integer minor units -> "12.34 EUR"."""
    value = int(amount or 0)
    if currency.upper() in ZERO_DECIMAL_CURRENCIES:
        return f"{value:,} {currency.upper()}"
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), 100)
    return f"{sign}{whole:,}.{cents:02d} {currency.upper()}"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def _env(html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("mercato.notifications", "templates"),
        autoescape=html,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )
    env.filters["money"] = format_money
    return env


def render_email(kind: str, context: dict[str, Any]) -> RenderedEmail:
    subject = _env(False).get_template(f"{kind}.subject.txt").render(context).strip()
    full = {**context, "subject": subject}
    return RenderedEmail(
        subject=" ".join(subject.split()),  # no header injection through a newline
        text=_env(False).get_template(f"{kind}.txt").render(full).strip() + "\n",
        html=_env(True).get_template(f"{kind}.html").render(full),
    )
