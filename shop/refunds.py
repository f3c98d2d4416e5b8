"""Refunds: the policy as a plain function over rules kept in seed/refund_policy.yml, then the
requests: find the customer's order, check each line against the policy, record."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from shop.models import REFUND_REFERENCE_OFFSET, REFUND_REFERENCE_PREFIX, Order, OrderItem, Refund
from shop.orders import get_order
from shop.settings import SEED_DIR

POLICY_PATH = SEED_DIR / "refund_policy.yml"


@dataclass(frozen=True)
class RefundPolicy:
    window_days: int = 30
    refundable_statuses: tuple = ("delivered",)
    final_sale_refundable: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RefundPolicy":
        return cls(
            window_days=int(data["window_days"]),
            refundable_statuses=tuple(data["refundable_statuses"]),
            final_sale_refundable=bool(data["final_sale_refundable"]),
        )


def load_policy(path: Path = POLICY_PATH) -> RefundPolicy:
    with open(path, encoding="utf-8") as handle:
        return RefundPolicy.from_dict(yaml.safe_load(handle))


@dataclass(frozen=True)
class RefundDecision:
    allowed: bool
    reason: str | None = None  # a key: already_refunded, not_delivered, window_expired, final_sale
    deadline: datetime | None = None


def decide(
    policy: RefundPolicy,
    status: str,
    delivered_at: datetime | None,
    final_sale: bool,
    already_refunded: bool,
    now: datetime,
) -> RefundDecision:
    """Whether one order line may be refunded now, and if not, the first rule it breaks."""
    if already_refunded or status == "refunded":
        return RefundDecision(False, "already_refunded")
    if status not in policy.refundable_statuses or delivered_at is None:
        return RefundDecision(False, "not_delivered")
    deadline = delivered_at + timedelta(days=policy.window_days)
    if final_sale and not policy.final_sale_refundable:
        return RefundDecision(False, "final_sale", deadline)
    if now > deadline:
        return RefundDecision(False, "window_expired", deadline)
    return RefundDecision(True, None, deadline)


def first_refusal(decisions: Iterable[RefundDecision]) -> RefundDecision | None:
    """When no line of an order is refundable, the reason to tell the customer."""
    decisions = list(decisions)
    if any(d.allowed for d in decisions) or not decisions:
        return None
    return decisions[0]


class AlreadyRefunded(Exception):
    """Another request for the same order line got there first."""


def refund_reference(refund_id: int) -> str:
    return f"{REFUND_REFERENCE_PREFIX}{REFUND_REFERENCE_OFFSET + refund_id}"


def find_customer_order(session: Session, reference: str, email: str) -> Order | None:
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


def line_decisions(order: Order, policy: RefundPolicy, now: datetime) -> list[LineDecision]:
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
    "item": re.compile(
        r"\b(?:item|product|another one|other one|different one|wrong one|the one|"
        r"something else|instead)\b",
        re.IGNORECASE,
    ),
    "reason": re.compile(r"\b(?:reason|why|because)\b", re.IGNORECASE),
}


def reason_clause(reason: str) -> str:
    """The customer's reason as it reads after "because": 'Too small.' -> 'too small'."""
    text = _BECAUSE_RE.sub("", " ".join(str(reason or "").split())).rstrip(" .!")
    if text[:2] in ("I ", "I'"):
        return text
    return text[:1].lower() + text[1:]


def refund_change_choice(text: str) -> str | None:
    """What a customer wants to change in a refund request they said no to: 'item' or
    'reason' (a button gives the word itself); None when it says neither."""
    text = str(text or "").strip().lower()
    if text in _CHANGE_WORDS:
        return text
    found = [choice for choice, pattern in _CHANGE_WORDS.items() if pattern.search(text)]
    return found[0] if len(found) == 1 else None


def named_line(lines: list[LineDecision], text: str) -> LineDecision | None:
    """The line of the order whose product the text names ('the hoodie was fine, it's the
    trail runner'), the longest name first; None when it names none."""
    wanted = str(text or "").lower()
    for line in sorted(lines, key=lambda line: -len(line.item.variant.product.name)):
        if re.search(rf"\b{re.escape(line.item.variant.product.name.lower())}\b", wanted):
            return line
    return None
