"""Renders emails from Jinja2 templates: HTML (autoescaped) and plain text for each kind."""

from __future__ import annotations

import copy
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import NumberPattern, get_currency_symbol
from jinja2 import Environment, PackageLoader, StrictUndefined

# The locale the storefront formats money in (`formatMoney`'s default in
# `storefront/lib/format/money.ts`): an email shows an amount as the shop's pages do, "€12.34".
SHOP_LOCALE = "en-GB"

# The currencies whose minor unit is not a hundredth, as the storefront reads them
# (`storefront/lib/format/money.ts`: Intl's fraction digits, Node 20's ICU), so that an email
# and the shop's pages show the same amount. Every other currency has two decimals. Kept here
# rather than taken from Babel: Babel's newer CLDR gives PKR two decimals where Node 20 gives
# none, and an amount in minor units must mean the same in both places.
ZERO_DECIMAL_CURRENCIES = frozenset({
    "AFN", "ALL", "BIF", "CLP", "COP", "DJF", "GNF", "HUF", "IDR", "IQD", "IRR", "ISK", "JPY",
    "KMF", "KPW", "KRW", "LAK", "LBP", "MGA", "MMK", "PKR", "PYG", "RWF", "SLL", "SOS", "SYP",
    "UGX", "VND", "VUV", "XAF", "XOF", "XPF", "YER",
})  # fmt: skip
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "LYD", "OMR", "TND"})

_NO_BREAK_SPACE = "\u00a0"


def minor_unit_digits(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    return 3 if code in THREE_DECIMAL_CURRENCIES else 2


@cache
def _pattern(locale: str, digits: int) -> tuple[Locale, NumberPattern]:
    """The locale's standard currency pattern with the currency's own fraction digits."""
    parsed = Locale.parse(locale.replace("-", "_"))
    pattern = copy.copy(parsed.currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return parsed, pattern


def _spaced(symbol: str, next_to: str) -> bool:
    """CLDR's currency spacing (root's `currencySpacing`, which ICU and so Intl apply and Babel
    does not): a symbol whose edge is not itself a symbol or a space ("JP¥" is, "KWD" is not)
    is parted from an adjacent digit by a no-break space: "KWD 1.234", "€1.00"."""
    return next_to.isdigit() and unicodedata.category(symbol)[0] not in "SZ"


def format_money(amount: int | None, currency: str = "EUR", locale: str = SHOP_LOCALE) -> str:
    """Integer minor units -> "€12.34", as the storefront's `formatMoney` writes them with Intl
    (CLDR through Babel): the locale's symbol and pattern ("19,99 €" in de-DE), the currency's
    own decimals ("JP¥1,500", "KWD 1.234"), a minus before a negative amount ("-€2.50")."""
    code = currency.upper()
    digits = minor_unit_digits(code)
    parsed, pattern = _pattern(locale, digits)
    text: str = pattern.apply(
        Decimal(int(amount or 0)).scaleb(-digits), parsed, currency=code, currency_digits=False
    )
    symbol = get_currency_symbol(code, parsed)
    at = text.find(symbol)
    if at < 0 or not symbol:
        return text
    end = at + len(symbol)
    if end < len(text) and _spaced(symbol[-1], text[end]):
        text = f"{text[:end]}{_NO_BREAK_SPACE}{text[end:]}"
    if at > 0 and _spaced(symbol[0], text[at - 1]):
        text = f"{text[:at]}{_NO_BREAK_SPACE}{text[at:]}"
    return text


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
