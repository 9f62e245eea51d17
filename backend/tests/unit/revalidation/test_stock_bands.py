from mercato.revalidation.handlers import sign
from mercato.revalidation.service import stock_band, stock_change_visible


def test_bands() -> None:
    assert [stock_band(n, 3) for n in (-1, 0, 1, 3, 4)] == [
        "sold_out",
        "sold_out",
        "low",
        "low",
        "plenty",
    ]


def test_visible_changes() -> None:
    assert not stock_change_visible(10, 8, 3)
    assert stock_change_visible(4, 3, 3)  # enters "only 3 left"
    assert stock_change_visible(3, 2, 3)  # another count
    assert stock_change_visible(1, 0, 3)  # sold out
    assert stock_change_visible(0, 9, 3)  # back in stock
    assert not stock_change_visible(0, 0, 3)


def test_signature_matches_the_storefront_scheme() -> None:
    # the vector storefront/lib/security/signature.test.ts checks with node:crypto
    expected = "3dd49b2593d0f9a349e9e71c4bde3e2b862c2be4003fe9b4ba81332029310158"
    assert sign(b"{}", "k", timestamp=1) == f"t=1,v1={expected}"
