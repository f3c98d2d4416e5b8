"""Consent per contact and channel, as carriers and privacy law ask for it.

A marketing message goes out on a channel only after an explicit opt-in on that channel (an
opt-in on the web or by email is none for SMS); a transactional one (an order, a shipment, a
meeting) needs only that the contact is not opted out there. An opt-out on a channel stops
everything on it. Every change is kept with its time, channel, source and the wording shown
(ConsentEvent, append-only); the latest one on a channel is the contact's consent there, and
the contact's opted_out flag (shop/contacts.py) follows it."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.clock import naive_now
from shop.contacts import is_opted_out, set_opted_out
from shop.models import ConsentEvent

OPTED_IN, OPTED_OUT = "opted_in", "opted_out"
MARKETING, TRANSACTIONAL = "marketing", "transactional"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def record(
    session: Session,
    sender_id: str,
    channel: str,
    status: str,
    source: str,
    wording: str | None = None,
    at: datetime | None = None,
) -> ConsentEvent:
    """Keeps one consent change; the contact's opted_out flag follows it."""
    if status not in (OPTED_IN, OPTED_OUT):
        raise ValueError(f"consent status must be {OPTED_IN} or {OPTED_OUT}, not {status!r}")
    event = ConsentEvent(
        sender_id=sender_id,
        channel=channel or "unknown",
        status=status,
        source=source,
        wording=wording,
        at=at or naive_now(),
    )
    session.add(event)
    set_opted_out(session, sender_id, status == OPTED_OUT)
    return event


def current(session: Session, sender_id: str, channel: str) -> str | None:
    """The contact's consent on `channel`: its latest change there, None if it never gave one."""
    return session.scalar(
        select(ConsentEvent.status)
        .where(ConsentEvent.sender_id == sender_id, ConsentEvent.channel == channel)
        .order_by(ConsentEvent.id.desc())
        .limit(1)
    )


def may_send(session: Session, sender_id: str, channel: str, kind: str) -> Decision:
    """Whether a message of `kind` (MARKETING or TRANSACTIONAL) may go to the contact on `channel`."""
    if kind not in (MARKETING, TRANSACTIONAL):
        raise ValueError(f"message kind must be {MARKETING} or {TRANSACTIONAL}, not {kind!r}")
    status = current(session, sender_id, channel)
    if status == OPTED_OUT or is_opted_out(session, sender_id):
        return Decision(False, f"opted out on {channel}")
    if kind == MARKETING and status != OPTED_IN:
        return Decision(False, f"no opt-in to marketing on {channel}")
    return Decision(True, "opted in" if status == OPTED_IN else "the contact started the conversation")


def history(session: Session, sender_id: str) -> list[ConsentEvent]:
    """Every consent change of the contact, oldest first (for the agent inbox)."""
    return list(
        session.scalars(select(ConsentEvent).where(ConsentEvent.sender_id == sender_id).order_by(ConsentEvent.id))
    )
