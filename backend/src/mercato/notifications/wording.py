"""What the emails say in place of codes: the shopper reads sentences, never a gateway code, an
enum value or an ISO timestamp.

The one place for these wordings in the backend. The storefront words the same situations on its
own pages (e.g. `storefront/lib/checkout/actions.ts`: "Your card was declined.", the order
summary in `storefront/app/account/(member)/orders/[id]/page.tsx`: "Included tax", "Free with
CODE (was …)"); keep the two consistent when either changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mercato.notifications.render import format_money

_DECLINED = "Your card was declined."
_VERIFICATION = "The bank asked for additional verification that was not completed."
_SECURITY_CODE = "The card's security code (CVC) was not accepted."
_CARD_NUMBER = "The card number was not accepted."
_EXPIRY_DATE = "The card's expiry date was not accepted."
_PROVIDER_ERROR = "The payment provider had a temporary problem: please try again."
_PIN = "This card asks for a PIN, which cannot be given online: please use another card."

_PROCESSING = "The bank could not process the card: please try again."
_SPENDING_LIMIT = "The card has reached its spending limit."

# Why a payment attempt failed, by the code the payments module records as the reason: the
# sandbox's `last_error_code` (`card_declined`, `payment_intent_authentication_failure`); for
# Stripe the issuer's `last_payment_error.decline_code` (`insufficient_funds`, `lost_card`, …
# under `code: card_declined`), else its `code` or, without one, its `type`; without an error at
# all the intent's status (`requires_payment_method`, `canceled` when voided at the provider).
# Every decline code of Stripe's card declines table is worded
# (https://docs.stripe.com/declines/codes). Lost, stolen or fraudulent cards, and the reasons a
# bank gives for its own policies, are "declined" on purpose (Stripe advises not to tell the
# holder more). The storefront's order page shows these same sentences (the order's
# `payment.failure_message`).
PAYMENT_FAILURES: dict[str, str] = {
    # declines
    "card_declined": _DECLINED,
    "generic_decline": _DECLINED,
    "do_not_honor": _DECLINED,
    "do_not_try_again": _DECLINED,
    "call_issuer": _DECLINED,
    "approve_with_id": _DECLINED,
    "no_action_taken": _DECLINED,
    "not_permitted": _DECLINED,
    "service_not_allowed": _DECLINED,
    "transaction_not_allowed": _DECLINED,
    "restricted_card": _DECLINED,
    "revocation_of_all_authorizations": _DECLINED,
    "revocation_of_authorization": _DECLINED,
    "stop_payment_order": _DECLINED,
    "security_violation": _DECLINED,
    "merchant_blacklist": _DECLINED,
    "lost_card": _DECLINED,
    "stolen_card": _DECLINED,
    "pickup_card": _DECLINED,
    "fraudulent": _DECLINED,
    "card_error": _DECLINED,
    "insufficient_funds": "The card has insufficient funds.",
    "card_velocity_exceeded": _SPENDING_LIMIT,
    "withdrawal_count_limit_exceeded": _SPENDING_LIMIT,
    "card_not_supported": "This card does not support this kind of purchase.",
    "currency_not_supported": "This card does not support payments in this currency.",
    "duplicate_transaction": (
        "The bank took this for a repeat of a payment just made: please check your statement "
        "before trying again."
    ),
    "invalid_amount": "The bank did not accept the amount: please contact your bank.",
    "invalid_account": "The card, or the account it draws on, is not valid.",
    "new_account_information_available": (
        "The card, or the account it draws on, is not valid: please use your current card."
    ),
    "issuer_not_available": "The bank could not be reached: please try again.",
    "try_again_later": "The bank declined the payment for now: please try again later.",
    "reenter_transaction": _PROCESSING,
    "testmode_decline": "A test card cannot be used for a real payment.",
    "card_decline_rate_limit_exceeded": (
        "The card was declined too many times in a short while: please wait a day or use "
        "another card."
    ),
    "payment_method_provider_decline": "The payment was declined by your payment provider.",
    # card details
    "expired_card": "The card has expired.",
    "incorrect_cvc": _SECURITY_CODE,
    "invalid_cvc": _SECURITY_CODE,
    "incorrect_number": _CARD_NUMBER,
    "invalid_number": _CARD_NUMBER,
    "invalid_expiry_month": _EXPIRY_DATE,
    "invalid_expiry_year": _EXPIRY_DATE,
    "incorrect_zip": "The postcode did not match the card's billing address.",
    # a PIN: asked for at a till, not online; the card needs it
    "incorrect_pin": _PIN,
    "invalid_pin": _PIN,
    "offline_pin_required": _PIN,
    "online_or_offline_pin_required": _PIN,
    "pin_try_exceeded": "The card's PIN was entered wrongly too many times.",
    # 3-D Secure and other approvals by the bank
    "payment_intent_authentication_failure": _VERIFICATION,
    "authentication_required": _VERIFICATION,
    # the provider
    "processing_error": _PROCESSING,
    "api_error": _PROVIDER_ERROR,
    "api_connection_error": _PROVIDER_ERROR,
    "rate_limit_error": _PROVIDER_ERROR,
    "payment_intent_payment_attempt_expired": "The payment was not completed in time.",
    "canceled": "The payment was cancelled before it was completed.",
}
GENERIC_PAYMENT_FAILURE = "The payment could not be completed."

# The order page writes the discount as a minus sign (U+2212) before the amount: "\u2212€2.00"
MINUS_SIGN = "\u2212"


def _code(value: object) -> str:
    """The way `platform.metrics.failure_reason` reads a code: trimmed, lower case, `_`."""
    return str(value or "").strip().lower().replace("-", "_").replace(" ", "_")


def payment_failure(reason: object) -> str:
    """A sentence saying why a payment failed; a generic one for a code we do not know."""
    return PAYMENT_FAILURES.get(_code(reason), GENERIC_PAYMENT_FAILURE)


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str
    total: bool = False


def order_summary(order: Mapping[str, Any], *, prices_include_tax: bool) -> list[SummaryRow]:
    """An order's totals as the storefront's order page words them, so that they add up:
    Subtotal, Discount (CODE), Shipping (method) with "Free with CODE (was …)" when a code waived
    it, "Included tax" when the prices include it (else "Tax", added), Total.

    `order` is an `OrderPlaced` payload; one recorded before it carried `prices_include_tax`,
    `discount_code` or `shipping_method` reads `prices_include_tax` (the shop's setting) and
    goes without the code and the method."""
    currency = str(order.get("currency") or "EUR")

    def money(amount: Any) -> str:
        return format_money(int(amount or 0), currency)

    method = order.get("shipping_method")
    method = method if isinstance(method, Mapping) else {}
    code = order.get("discount_code") or None
    rows = [SummaryRow("Subtotal", money(order.get("subtotal")))]
    discount = int(order.get("discount_total") or 0)
    if discount:
        label = f"Discount ({code})" if code else "Discount"
        rows.append(SummaryRow(label, f"{MINUS_SIGN}{money(discount)}"))
    shipping = int(order.get("shipping_total") or 0)
    listed = method.get("price")
    charged = "Free" if shipping == 0 else money(shipping)
    if isinstance(listed, int) and listed > shipping:  # waived by a code, as the storefront shows
        charged = f"{charged}{f' with {code}' if code else ''} (was {money(listed)})"
    name = method.get("name")
    rows.append(SummaryRow(f"Shipping ({name})" if name else "Shipping", charged))
    included = order.get("prices_include_tax")
    included = included if isinstance(included, bool) else prices_include_tax
    rows.append(SummaryRow("Included tax" if included else "Tax", money(order.get("tax_total"))))
    rows.append(SummaryRow("Total", money(order.get("total")), total=True))
    return rows


def order_lines(order: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The lines with `amount`: quantity x unit price, before the order's discount (shown on its
    own line), so that the lines add up to the subtotal."""
    lines = []
    for line in order.get("lines") or []:
        unit, quantity = line.get("unit_price"), line.get("quantity")
        whole = unit * quantity if isinstance(unit, int) and isinstance(quantity, int) else None
        lines.append({**line, "amount": line.get("line_total") if whole is None else whole})
    return lines


# Why an order was cancelled (`Order.cancel_reason`): the codes the shop itself records, as the
# end of "Your order … has been cancelled …". Staff may also give their own words (the admin API's
# `reason`): those are shown as they are, in brackets, and a snake_case code of theirs in words.
CANCEL_REASONS: dict[str, str] = {
    "cancelled_by_customer": "at your request",
    "cancelled_by_admin": "by our team",
    "expired": "because it was not paid in time",
}
_IDENTIFIER = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")


def cancellation(reason: object) -> tuple[str | None, str | None]:
    """(the phrase that ends the sentence, or None; else the staff's own words, or None)."""
    text = str(reason or "").strip()
    if not text:
        return None, None
    phrase = CANCEL_REASONS.get(text.lower())
    if phrase is not None:
        return phrase, None
    return None, text.replace("_", " ") if _IDENTIFIER.match(text) else text


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(value: object) -> str | None:
    """An ISO date (or date-time) -> "5 March 2026", as the storefront's `formatDate` writes it;
    None for anything that is not one (never the raw text)."""
    if isinstance(value, datetime):
        day: date = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = datetime.fromisoformat(str(value)).date()
        except ValueError:
            return None
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def duration(minutes: object) -> str | None:
    """ "30 minutes", "1 hour", "2 days": how long a link works, as an email says it."""
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        return None  # an event recorded before it carried the time
    for unit, size in (("day", 24 * 60), ("hour", 60)):
        if minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{minutes} minute{'' if minutes == 1 else 's'}"
