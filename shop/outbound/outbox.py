"""The outbox: every message the shop sends first is a row (OutboundMessage), written in the
caller's transaction, so it exists exactly when the change that causes it was committed.

Workers claim due rows for a lease (`claim`; shop/work_queue.py holds the claim, lease, backoff
and parking shared with the deliveries of shop/integrations/): a restart loses nothing. Rasa's
action marks the row sent (`deliver`) when it puts the message in the conversation, once: a
second delivery of the same row finds it sent."""

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop import work_queue
from shop.clock import naive_utc
from shop.contacts import remember_reach
from shop.models import Contact, OutboundMessage
from shop.outbound.rules import Rules, retry_delay

PENDING, SENDING, SENT, PARKED = work_queue.PENDING, work_queue.SENDING, work_queue.SENT, work_queue.PARKED
DROPPED, CANCELLED = "dropped", "cancelled"
LEASE = work_queue.LEASE  # longer than a send through Rasa may take (its HTTP timeout)


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


def claim(session: Session, now: datetime, limit: int = 10, lease: timedelta = LEASE) -> list[int]:
    """The ids of up to `limit` due messages, now this worker's until the lease ends; the caller
    commits. Oldest due first."""
    return work_queue.claim(session, OutboundMessage, now, limit, lease)


def _settle(session: Session, message_id: int, **values: Any) -> bool:
    """Changes a message this worker holds; False when it is no longer being sent (delivered)."""
    return work_queue.settle(session, OutboundMessage, message_id, **values)


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
    return work_queue.record_failure(
        session, OutboundMessage, message_id, error, now, lambda failures: retry_delay(rules, failures)
    )


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
