"""Totals, computed on the server only, in integer minor units (ADR 0006).

Rounding: half-up, per line. A percentage discount is rounded once on the subtotal and then
spread over the lines in proportion to their amounts (largest remainder), so line discounts add
up to the order discount exactly. Tax is computed per line on the discounted line amount (and on
shipping when `tax_shipping`), each rounded half-up; the order's tax is the sum of line taxes.
With tax-inclusive prices the tax is the part of the gross amount: gross - gross / (1 + rate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BASIS_POINTS = 10_000


def div_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero (both non-negative here)."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        return -div_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def tax_of(amount: int, rate_bp: int, *, inclusive: bool) -> int:
    if rate_bp <= 0 or amount <= 0:
        return 0
    if inclusive:
        return amount - div_half_up(amount * BASIS_POINTS, BASIS_POINTS + rate_bp)
    return div_half_up(amount * rate_bp, BASIS_POINTS)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` over `weights` proportionally; the parts add up to `total` exactly."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0 for _ in weights]
    exact = [total * w for w in weights]
    parts = [e // weight_sum for e in exact]
    remainders = sorted(range(len(weights)), key=lambda i: (-(exact[i] % weight_sum), i))
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class PricedLine:
    key: str
    unit_price: int
    quantity: int


@dataclass(frozen=True)
class DiscountRule:
    kind: str  # percentage | fixed | free_shipping
    value: int  # percent (1..100) or minor units


@dataclass(frozen=True)
class LineTotals:
    key: str
    unit_price: int
    quantity: int
    subtotal: int  # unit_price * quantity
    discount: int
    tax: int
    total: int  # subtotal - discount (+ tax when prices exclude it)


@dataclass(frozen=True)
class Totals:
    lines: list[LineTotals]
    subtotal: int
    discount_total: int
    shipping_total: int
    shipping_tax: int
    tax_total: int
    total: int
    tax_rate_bp: int
    prices_include_tax: bool
    shipping_discount: int = 0  # the shipping a free-shipping code waived (not in discount_total)


def compute_totals(
    lines: Sequence[PricedLine],
    *,
    shipping: int,
    discount: DiscountRule | None,
    tax_rate_bp: int,
    prices_include_tax: bool,
    tax_shipping: bool,
) -> Totals:
    subtotals = [line.unit_price * line.quantity for line in lines]
    subtotal = sum(subtotals)
    discount_total = shipping_discount = 0
    if discount is not None and discount.kind == "percentage":
        discount_total = div_half_up(subtotal * min(max(discount.value, 0), 100), 100)
    elif discount is not None and discount.kind == "fixed":
        discount_total = min(max(discount.value, 0), subtotal)
    elif discount is not None and discount.kind == "free_shipping":
        shipping_discount, shipping = shipping, 0
    line_discounts = allocate(discount_total, subtotals)
    out: list[LineTotals] = []
    for line, sub, disc in zip(lines, subtotals, line_discounts, strict=True):
        tax = tax_of(sub - disc, tax_rate_bp, inclusive=prices_include_tax)
        total = sub - disc + (0 if prices_include_tax else tax)
        out.append(LineTotals(line.key, line.unit_price, line.quantity, sub, disc, tax, total))
    shipping_tax = (
        tax_of(shipping, tax_rate_bp, inclusive=prices_include_tax) if tax_shipping else 0
    )
    tax_total = sum(item.tax for item in out) + shipping_tax
    total = subtotal - discount_total + shipping
    if not prices_include_tax:
        total += tax_total
    return Totals(
        lines=out,
        subtotal=subtotal,
        discount_total=discount_total,
        shipping_total=shipping,
        shipping_tax=shipping_tax,
        tax_total=tax_total,
        total=total,
        tax_rate_bp=tax_rate_bp,
        prices_include_tax=prices_include_tax,
        shipping_discount=shipping_discount,
    )


def tax_rate_for(rates: dict[str, int], country: str | None, region: str | None) -> int:
    """The most specific configured rate: "CC-REGION", then "CC", else 0."""
    if not country:
        return 0
    if region and f"{country}-{region}" in rates:
        return rates[f"{country}-{region}"]
    return rates.get(country, 0)
