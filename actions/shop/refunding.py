"""Refund requests: find the customer's order, check each line against the policy, record."""
import re
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy.orm import Session

from actions.shop.models import (
    REFUND_REFERENCE_OFFSET,
    REFUND_REFERENCE_PREFIX,
    Order,
    OrderItem,
    Refund,
)
from actions.shop.ordering import get_order
from actions.shop.refund_policy import RefundDecision, RefundPolicy, decide


class AlreadyRefunded(Exception):
    """Another request for the same order line got there first."""


def refund_reference(refund_id: int) -> str:
    return f"{REFUND_REFERENCE_PREFIX}{REFUND_REFERENCE_OFFSET + refund_id}"


def find_customer_order(session: Session, reference: str, email: str) -> Optional[Order]:
    """The order only when the email on it matches: an order id alone proves nothing."""
    order = get_order(session, reference)
    if order is None or not order.email or order.email.lower() != email.strip().lower():
        return None
    return order


@dataclass(frozen=True)
class LineDecision:
    item: OrderItem
    decision: RefundDecision

    @property
    def label(self) -> str:
        variant = self.item.variant
        details = ", ".join(p for p in (variant.color, f"size {variant.size}" if variant.size else "") if p)
        name = variant.product.name
        return f"{name} ({details})" if details else name


def line_decisions(order: Order, policy: RefundPolicy, now: datetime) -> List[LineDecision]:
    return [
        LineDecision(
            item,
            decide(policy, order.status, order.delivered_at, item.final_sale, item.refunded, now),
        )
        for item in order.items
    ]


def create_refund(session: Session, item: OrderItem, reason: str) -> Refund:
    """Mark the line refunded and write the request in the caller's transaction; the unique
    order line on refunds makes a second request for the same line fail."""
    if item.refunded:
        raise AlreadyRefunded(item.id)
    item.refunded = True
    refund = Refund(
        order_item_id=item.id,
        reason=reason.strip()[:500],
        amount_cents=item.unit_price_cents * item.quantity,
    )
    session.add(refund)
    session.flush()
    refund.reference = refund_reference(refund.id)
    order = item.order
    if all(line.refunded for line in order.items):
        order.status = "refunded"
        order.refunded_at = refund.created_at
    session.flush()
    return refund


_BECAUSE_RE = re.compile(r"^(?:because|cause|cuz|as|since)\s+", re.IGNORECASE)
_CHANGE_WORDS = {
    "item": re.compile(r"\b(?:item|product|another one|other one|different one|wrong one|the one|"
                       r"something else|instead)\b", re.IGNORECASE),
    "reason": re.compile(r"\b(?:reason|why|because)\b", re.IGNORECASE),
}


def reason_clause(reason: str) -> str:
    """The customer's reason as it reads after "because": 'Too small.' -> 'too small'."""
    text = _BECAUSE_RE.sub("", " ".join(str(reason or "").split())).rstrip(" .!")
    if text[:2] in ("I ", "I'"):
        return text
    return text[:1].lower() + text[1:]


def refund_change_choice(text: str) -> Optional[str]:
    """What a customer wants to change in a refund request they said no to: 'item' or
    'reason' (a button gives the word itself); None when it says neither."""
    text = str(text or "").strip().lower()
    if text in _CHANGE_WORDS:
        return text
    found = [choice for choice, pattern in _CHANGE_WORDS.items() if pattern.search(text)]
    return found[0] if len(found) == 1 else None


def named_line(lines: List[LineDecision], text: str) -> Optional[LineDecision]:
    """The line of the order whose product the text names ('the hoodie was fine, it's the
    trail runner'), the longest name first; None when it names none."""
    wanted = str(text or "").lower()
    for line in sorted(lines, key=lambda l: -len(l.item.variant.product.name)):
        if re.search(rf"\b{re.escape(line.item.variant.product.name.lower())}\b", wanted):
            return line
    return None
