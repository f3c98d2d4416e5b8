"""Refunds: the policy as a plain function over rules kept in seed/refund_policy.yml, then the
requests: find the customer's order, check each line against the policy, record. Every
decision takes `now` from the caller (naive UTC, as the database keeps dates)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop.formatting import variant_label
from shop.integrations import events
from shop.models import REFUND_REFERENCE_OFFSET, REFUND_REFERENCE_PREFIX, Order, OrderItem, Refund
from shop.orders import find_customer_order
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


REFUSAL_REASONS = ("already_refunded", "not_delivered", "window_expired", "final_sale")


@dataclass(frozen=True)
class RefundDecision:
    allowed: bool
    reason: str | None = None  # one of REFUSAL_REASONS
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


@dataclass(frozen=True)
class LineDecision:
    item: OrderItem
    decision: RefundDecision

    @property
    def product(self) -> str:
        return self.item.variant.product.name

    @property
    def label(self) -> str:
        variant = self.item.variant
        return variant_label(variant.product.name, variant.size, variant.color)


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
    events.refund_requested(session, refund)
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


def match_line(lines: list[LineDecision], text: str) -> LineDecision | None:
    """The line an answer picks: its product's name in the text, or the text part of its label."""
    wanted = str(text).lower()
    for line in lines:
        if line.product.lower() in wanted or wanted in line.label.lower():
            return line
    return None


# --------------------------------------------------------------------------- the refund form


def order_lines(
    session: Session, order_id: str | None, email: str | None, policy: RefundPolicy, now: datetime
) -> list[LineDecision] | None:
    """The lines of the customer's order, each with the policy's decision; None when no order
    has this id and email."""
    order = find_customer_order(session, order_id or "", email or "")
    return line_decisions(order, policy, now) if order else None


@dataclass(frozen=True)
class OrderCheck:
    """Whether an order id and email belong together (`found`), and then why no line can be
    returned (`refusal`, the first line's) or which can (`refundable`)."""

    found: bool
    refusal: RefundDecision | None = None
    refundable: list[LineDecision] = field(default_factory=list)


def check_order(session: Session, order_id: str, email: str, policy: RefundPolicy, now: datetime) -> OrderCheck:
    lines = order_lines(session, order_id, email, policy, now)
    if lines is None:
        return OrderCheck(found=False)
    refusal = first_refusal(line.decision for line in lines)
    return OrderCheck(True, refusal, [] if refusal else [line for line in lines if line.decision.allowed])


@dataclass(frozen=True)
class ItemChoice:
    line: LineDecision | None  # the order's line the answer names
    products: list[str]  # what the order contains


def choose_item(
    session: Session, order_id: str | None, email: str | None, text: str, policy: RefundPolicy, now: datetime
) -> ItemChoice:
    lines = order_lines(session, order_id, email, policy, now) or []
    return ItemChoice(match_line(lines, text), [line.product for line in lines])


def other_line_named(
    session: Session,
    order_id: str | None,
    email: str | None,
    text: str,
    current: str | None,
    policy: RefundPolicy,
    now: datetime,
) -> LineDecision | None:
    """The line of another product than `current` that the text names: the answer to "why?"
    may say which item is meant ("the hoodie was fine, it's the trail runner")."""
    line = named_line(order_lines(session, order_id, email, policy, now) or [], text)
    return None if line is None or line.product == current else line


def refundable_lines(
    session: Session, order_id: str | None, email: str | None, policy: RefundPolicy, now: datetime
) -> list[LineDecision]:
    return [line for line in order_lines(session, order_id, email, policy, now) or [] if line.decision.allowed]


def item_label(
    session: Session, order_id: str | None, email: str | None, item: str | None, policy: RefundPolicy, now: datetime
) -> str | None:
    """The chosen item with its options ('Hoodie (green, size L)'), as it is read back."""
    line = match_line(order_lines(session, order_id, email, policy, now) or [], item or "")
    return line.label if line else item


@dataclass(frozen=True)
class Filing:
    """What became of a refund request. `outcome`: filed (`reference`, `amount_cents`),
    no_order (not found any more), refused (`refusal` of the line `label`), not_confirmed,
    not_refundable (no longer, checked again when writing), already_refunded (the line
    `label`), taken (a simultaneous request for the same line won)."""

    outcome: str
    label: str = ""
    refusal: RefundDecision | None = None
    reference: str = ""
    amount_cents: int = 0


def submit_refund(
    session: Session,
    order_id: str | None,
    email: str | None,
    item: str | None,
    reason: str,
    *,
    refused: bool,
    confirmed: bool,
    policy: RefundPolicy,
    now: datetime,
) -> Filing:
    """File the request the refund form collected: `refused` when the form found no line of
    the order refundable, `confirmed` when the customer said yes to it."""
    lines = order_lines(session, order_id, email, policy, now)
    if not lines:
        return Filing("no_order")
    refusal = first_refusal(line.decision for line in lines)
    if refused and refusal is not None:
        refused_line = next(line for line in lines if line.decision is refusal)
        return Filing("refused", refused_line.label, refusal)
    if not confirmed:
        return Filing("not_confirmed")
    line = match_line(lines, item or "")
    # The policy is checked again at the moment of writing, not only when asked.
    if line is None or not line.decision.allowed:
        return Filing("not_refundable")
    try:
        refund = create_refund(session, line.item, reason)
    except AlreadyRefunded:
        return Filing("already_refunded", line.label)
    except IntegrityError:
        # A simultaneous request for the same line won: the unique order line refused ours.
        session.rollback()
        return Filing("taken")
    return Filing("filed", line.label, reference=refund.reference, amount_cents=refund.amount_cents)
