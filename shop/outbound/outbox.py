"""The outbox: every message the shop sends first is a row (OutboundMessage), written in the
caller's transaction, so it exists exactly when the change that causes it was committed.

Workers claim due rows for a lease (`claim`): on PostgreSQL with SELECT ... FOR UPDATE SKIP
LOCKED, so workers side by side take different rows; everywhere, the claim itself is a
conditional UPDATE that only one worker can win. A claim whose worker died runs out and the row
is claimed again: a restart loses nothing. Rasa's action marks the row sent (`deliver`) when it
puts the message in the conversation, once: a second delivery of the same row finds it sent."""

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from shop.clock import naive_utc
from shop.contacts import remember_reach
from shop.models import Contact, OutboundMessage
from shop.outbound.rules import Rules, retry_delay

PENDING, SENDING, SENT, PARKED, DROPPED, CANCELLED = "pending", "sending", "sent", "parked", "dropped", "cancelled"
LEASE = timedelta(minutes=2)  # longer than a send through Rasa may take (its HTTP timeout)


def enqueue(
    session: Session,
    rules: Rules,
    sender_id: str,
    message_type: str,
    response: str,
    variables: dict[str, Any],
    due_at: datetime,
    *,
    channel: str | None = None,
    timezone: str | None = None,
    subject: str | None = None,
    slots: dict[str, Any] | None = None,
) -> OutboundMessage | None:
    """Writes one message to send at `due_at` to the contact, on `channel` (remembered as the
    contact's) or the contact's known channel; None when the shop has no channel for them.
    `slots` are set in the conversation with it (what the customer's reply refers to)."""
    if channel:
        remember_reach(session, sender_id, channel, timezone)
    contact = session.scalar(select(Contact).where(Contact.sender_id == sender_id))
    if contact is None or not contact.channel:
        return None
    message = OutboundMessage(
        sender_id=sender_id,
        channel=contact.channel,
        message_type=message_type,
        kind=rules.kind(message_type),
        response=response,
        variables=json.dumps(variables),
        slots=json.dumps(slots) if slots else None,
        subject=subject,
        timezone=contact.timezone,
        status=PENDING,
        due_at=naive_utc(due_at),
        attempts=0,
    )
    session.add(message)
    session.flush()
    return message


def cancel_about(session: Session, subject: str) -> int:
    """Cancels what is still to be sent about `subject` (a meeting moved or cancelled)."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.subject == subject, OutboundMessage.status == PENDING)
        .values(status=CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


def cancel_pending(session: Session, sender_id: str, message_type: str) -> int:
    """Cancels the contact's messages of that type still to be sent (the purchase was finished)."""
    result = session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.sender_id == sender_id,
            OutboundMessage.message_type == message_type,
            OutboundMessage.status == PENDING,
        )
        .values(status=CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


def was_sent(session: Session, sender_id: str, subject: str) -> bool:
    query = select(OutboundMessage.id).where(
        OutboundMessage.sender_id == sender_id, OutboundMessage.subject == subject, OutboundMessage.status == SENT
    )
    return session.scalar(query.limit(1)) is not None


def _due(now: datetime):
    now = naive_utc(now)
    return or_(
        and_(OutboundMessage.status == PENDING, OutboundMessage.due_at <= now),
        and_(OutboundMessage.status == SENDING, OutboundMessage.locked_until <= now),  # its worker died
    )


def claim(session: Session, now: datetime, limit: int = 10, lease: timedelta = LEASE) -> list[int]:
    """The ids of up to `limit` due messages, now this worker's until the lease ends; the caller
    commits. Oldest due first."""
    query = select(OutboundMessage.id, OutboundMessage.status, OutboundMessage.locked_until).where(_due(now))
    query = query.order_by(OutboundMessage.due_at, OutboundMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for message_id, status, locked_until in session.execute(query).all():
        # Only the claim that still sees the row as it was read wins (SQLite has no row locks).
        seen = (
            OutboundMessage.locked_until.is_(None)
            if locked_until is None
            else OutboundMessage.locked_until == locked_until
        )
        won = session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id, OutboundMessage.status == status, seen)
            .values(status=SENDING, locked_until=naive_utc(now + lease))
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:
            claimed.append(message_id)
    return claimed


def _settle(session: Session, message_id: int, **values: Any) -> bool:
    """Changes a message this worker holds; False when it is no longer being sent (delivered)."""
    result = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.status == SENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def postpone(session: Session, message_id: int, until: datetime, reason: str) -> bool:
    """Back to pending until the rules allow it (not a failure: no attempt counted)."""
    return _settle(session, message_id, status=PENDING, due_at=naive_utc(until), locked_until=None, last_error=reason)


def drop(session: Session, message_id: int, reason: str) -> bool:
    """Never sent, for `reason` (the rules refused it)."""
    return _settle(session, message_id, status=DROPPED, locked_until=None, last_error=reason)


def set_tag(session: Session, message_id: int, tag: str | None) -> bool:
    """The Messenger tag the action sends it with (decided by the rules just before)."""
    return _settle(session, message_id, tag=tag)


def record_failure(session: Session, rules: Rules, message_id: int, error: str, now: datetime) -> str | None:
    """A failed send: retried after a delay doubling each time, parked after the last attempt.
    The status it got (PENDING or PARKED), None when it was delivered after all."""
    message = session.get(OutboundMessage, message_id)
    if message is None or message.status != SENDING:
        return None
    attempts = message.attempts + 1
    delay = retry_delay(rules, attempts)
    status = PARKED if delay is None else PENDING
    due_at = message.due_at if delay is None else naive_utc(now + delay)
    settled = _settle(
        session, message_id, status=status, attempts=attempts, due_at=due_at, locked_until=None, last_error=error[:2000]
    )
    return status if settled else None


def deliver(session: Session, message_id: int, now: datetime) -> OutboundMessage | None:
    """Marks the message sent as Rasa puts it in the conversation; None when it was already
    delivered (or is not being sent): then nothing is said a second time."""
    if not _settle(session, message_id, status=SENT, sent_at=naive_utc(now), locked_until=None, last_error=None):
        return None
    message = session.get(OutboundMessage, message_id)
    if message is not None:
        session.refresh(message)
    return message


def variables_of(message: OutboundMessage) -> dict[str, Any]:
    return json.loads(message.variables or "{}")


def slots_of(message: OutboundMessage) -> dict[str, Any]:
    return json.loads(message.slots or "{}")


def sent_to(session: Session, sender_id: str, limit: int = 50) -> list[OutboundMessage]:
    """The messages written for a contact, newest first (for the agent inbox)."""
    query = select(OutboundMessage).where(OutboundMessage.sender_id == sender_id)
    return list(session.scalars(query.order_by(OutboundMessage.id.desc()).limit(limit)))
