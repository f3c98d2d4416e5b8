"""Proving an order is yours: its number and the email on it, checked together.

An order number alone proves nothing (they are sequential), so order status and refunds show
an order only to whoever also gives its email. Each wrong pair is recorded; after a few in a
day the conversation may not try again and is offered a person instead, so the pairs cannot be
guessed one after another."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.models import Order, OwnershipFailure
from shop.orders import find_customer_order

MAX_FAILURES = 3  # per conversation within WINDOW
WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Proof:
    """`outcome`: owner (`order`), mismatch (no order with this number and email), locked (too
    many mismatches: nothing is checked any more)."""

    outcome: str
    order: Order | None = None


def failures(session: Session, sender_id: str, now: datetime) -> int:
    return session.scalar(
        select(func.count(OwnershipFailure.id)).where(
            OwnershipFailure.sender_id == sender_id, OwnershipFailure.failed_at > now - WINDOW
        )
    )


def is_locked(session: Session, sender_id: str, now: datetime) -> bool:
    return failures(session, sender_id, now) >= MAX_FAILURES


def prove(
    session: Session, reference: str, email: str, sender_id: str, now: datetime, *, guessed: bool = True
) -> Proof:
    """Check an order number and email given in a conversation; a mismatch is recorded in the
    caller's transaction. `guessed` False: the email is one the customer gave earlier (for
    another order), paired by the bot, so a mismatch is asked about, not counted."""
    if is_locked(session, sender_id, now):
        return Proof("locked")
    order = find_customer_order(session, reference, email)
    if order is not None:
        return Proof("owner", order)
    if not guessed:
        return Proof("mismatch")
    session.add(OwnershipFailure(sender_id=sender_id, reference=reference[:20], failed_at=now))
    session.flush()
    return Proof("locked" if is_locked(session, sender_id, now) else "mismatch")
