"""Renders emails from Jinja2 templates: HTML (autoescaped) and plain text for each kind."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

# The currencies whose minor unit is not a hundredth, as the storefront reads them
# (`storefront/lib/format/money.ts`: Intl's fraction digits, Node 20's ICU), so that an email
# and the shop's pages show the same amount. Every other currency has two decimals.
ZERO_DECIMAL_CURRENCIES = frozenset({
    "AFN", "ALL", "BIF", "CLP", "COP", "DJF", "GNF", "HUF", "IDR", "IQD", "IRR", "ISK", "JPY",
    "KMF", "KPW", "KRW", "LAK", "LBP", "MGA", "MMK", "PKR", "PYG", "RWF", "SLL", "SOS", "SYP",
    "UGX", "VND", "VUV", "XAF", "XOF", "XPF", "YER",
})  # fmt: skip
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "LYD", "OMR", "TND"})


def format_money(amount: int | None, currency: str = "EUR") -> str:
    """Integer minor units -> "12.34 EUR" (with the currency's own decimals: "1,500 JPY",
    "1.234 KWD")."""
    value = int(amount or 0)
    code = currency.upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return f"{value:,} {code}"
    digits = 3 if code in THREE_DECIMAL_CURRENCIES else 2
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 10**digits)
    return f"{sign}{whole:,}.{fraction:0{digits}d} {code}"


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
