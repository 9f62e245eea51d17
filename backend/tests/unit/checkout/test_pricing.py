"""Totals, rounding, discount allocation and tax (no I/O)."""

from __future__ import annotations

import pytest

from mercato.checkout.pricing import (
    DiscountRule,
    PricedLine,
    allocate,
    compute_totals,
    div_half_up,
    tax_of,
    tax_rate_for,
)


@pytest.mark.parametrize(
    ("num", "den", "expected"), [(5, 2, 3), (4, 2, 2), (7, 2, 4), (1, 3, 0), (2, 3, 1), (-5, 2, -3)]
)
def test_division_rounds_half_away_from_zero(num: int, den: int, expected: int) -> None:
    assert div_half_up(num, den) == expected


def test_allocation_adds_up_exactly() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert sum(allocate(997, [333, 1, 7919, 12])) == 997
    assert allocate(0, [5, 5]) == [0, 0]
    assert allocate(10, [0, 0]) == [0, 0]


def test_inclusive_tax_is_the_part_of_the_gross_amount() -> None:
    assert tax_of(11900, 1900, inclusive=True) == 1900
    assert tax_of(4500, 1900, inclusive=True) == 718  # 4500 - round(4500 / 1.19 = 3781.51)
    assert tax_of(1000, 2000, inclusive=False) == 200
    assert tax_of(1005, 725, inclusive=False) == 73  # 72.86 -> 73
    assert tax_of(1000, 0, inclusive=True) == 0


def test_tax_is_rounded_per_line_and_summed() -> None:
    lines = [PricedLine("a", 333, 1), PricedLine("b", 333, 1), PricedLine("c", 333, 1)]
    totals = compute_totals(
        lines,
        shipping=0,
        discount=None,
        tax_rate_bp=1900,
        prices_include_tax=False,
        tax_shipping=True,
    )
    # 333 * 0.19 = 63.27 -> 63 per line; rounding the order's sum would give 190
    assert [line.tax for line in totals.lines] == [63, 63, 63]
    assert totals.tax_total == 189
    assert totals.total == 999 + 189


def test_percentage_discount_with_exclusive_tax_and_taxed_shipping() -> None:
    totals = compute_totals(
        [PricedLine("a", 1000, 2), PricedLine("b", 500, 1)],
        shipping=495,
        discount=DiscountRule("percentage", 10),
        tax_rate_bp=2000,
        prices_include_tax=False,
        tax_shipping=True,
    )
    assert totals.subtotal == 2500
    assert totals.discount_total == 250
    assert [line.discount for line in totals.lines] == [200, 50]
    assert totals.shipping_tax == 99
    assert totals.tax_total == 360 + 90 + 99
    assert totals.total == 2500 - 250 + 495 + 549


def test_fixed_discount_never_exceeds_the_subtotal_and_free_shipping_zeroes_it() -> None:
    fixed = compute_totals(
        [PricedLine("a", 300, 1)],
        shipping=495,
        discount=DiscountRule("fixed", 1000),
        tax_rate_bp=1900,
        prices_include_tax=True,
        tax_shipping=True,
    )
    assert fixed.discount_total == 300
    assert fixed.total == 495
    free = compute_totals(
        [PricedLine("a", 300, 1)],
        shipping=495,
        discount=DiscountRule("free_shipping", 0),
        tax_rate_bp=1900,
        prices_include_tax=True,
        tax_shipping=True,
    )
    assert (free.shipping_total, free.discount_total, free.total) == (0, 0, 300)
    assert (free.shipping_discount, fixed.shipping_discount) == (495, 0)  # what the code waived


def test_region_rates_override_the_country() -> None:
    rates = {"US": 0, "US-CA": 725, "DE": 1900}
    assert tax_rate_for(rates, "US", "CA") == 725
    assert tax_rate_for(rates, "US", "OR") == 0
    assert tax_rate_for(rates, "DE", None) == 1900
    assert tax_rate_for(rates, "JP", None) == 0
    assert tax_rate_for(rates, None, None) == 0
