"""What the rules need to know about one message about to go, read from the shop database:
the contact's consent on the channel, the marketing already sent to them this month, when
they last wrote (the analytics consumer keeps each customer message), and other channels the
same person opted in on (same email) for a message that may not go on this one."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop import consent
from shop.clock import aware, naive_utc
from shop.models import Contact, ConversationEvent, OutboundMessage
from shop.outbound.rules import Rules, Situation, contact_zone, month_start

SENT = "sent"


def marketing_sent_since(session: Session, sender_id: str, since: datetime) -> int:
    return int(
        session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.sender_id == sender_id,
                OutboundMessage.kind == consent.MARKETING,
                OutboundMessage.status == SENT,
                OutboundMessage.sent_at >= naive_utc(since),
            )
        )
        or 0
    )


def last_customer_message_at(session: Session, sender_id: str) -> datetime | None:
    last = session.scalar(
        select(func.max(ConversationEvent.at)).where(
            ConversationEvent.sender_id == sender_id, ConversationEvent.kind == "message"
        )
    )
    return aware(last) if last is not None else None


def situation(session: Session, rules: Rules, message: OutboundMessage, now: datetime) -> Situation:
    where = contact_zone(rules, message.timezone)
    return Situation(
        message_type=message.message_type,
        channel=message.channel,
        consent=consent.may_send(session, message.sender_id, message.channel, message.kind),
        marketing_sent_this_month=marketing_sent_since(session, message.sender_id, month_start(now, where)),
        last_customer_message_at=last_customer_message_at(session, message.sender_id),
        timezone=message.timezone,
    )


def other_channels(session: Session, message: OutboundMessage) -> list[Contact]:
    """The same person's contacts on other channels (by email) where this kind may go."""
    email = session.scalar(select(Contact.email).where(Contact.sender_id == message.sender_id))
    if not email:
        return []
    others = session.scalars(
        select(Contact)
        .where(
            func.lower(Contact.email) == email.lower(),
            Contact.sender_id != message.sender_id,
            Contact.channel.is_not(None),
            Contact.channel != message.channel,
        )
        .order_by(Contact.id)
    )
    return [c for c in others if consent.may_send(session, c.sender_id, c.channel, message.kind).allowed]
