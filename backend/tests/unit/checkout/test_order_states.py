"""The order state machine's allowed transitions (no I/O)."""

from __future__ import annotations

import itertools

from mercato.orders.models import ALLOWED_TRANSITIONS, ORDER_STATUSES, can_transition


def test_the_happy_path_is_allowed() -> None:
    path = ["pending_payment", "paid", "partially_fulfilled", "fulfilled", "shipped", "delivered"]
    for current, target in itertools.pairwise(path):
        assert can_transition(current, target), (current, target)


def test_forbidden_jumps() -> None:
    forbidden = [
        ("pending_payment", "shipped"),
        ("pending_payment", "refunded"),
        ("paid", "delivered"),
        ("shipped", "paid"),
        ("delivered", "shipped"),
        ("refunded", "paid"),
        ("cancelled", "shipped"),
        ("fulfilled", "pending_payment"),
    ]
    for current, target in forbidden:
        assert not can_transition(current, target), (current, target)


def test_every_status_is_known_and_nothing_leads_back_to_pending() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(ORDER_STATUSES)
    for targets in ALLOWED_TRANSITIONS.values():
        assert targets <= set(ORDER_STATUSES)
        assert "pending_payment" not in targets
