"""Contacts and their consent: the privacy notice is shown once per contact, and opt-out of
marketing is recorded per channel user."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.clock import naive_now
from shop.models import Contact


def get_or_create_contact(session: Session, sender_id: str) -> Contact:
    contact = session.scalar(select(Contact).where(Contact.sender_id == sender_id))
    if contact is None:
        contact = Contact(sender_id=sender_id)
        session.add(contact)
        session.flush()
    return contact


def needs_privacy_notice(session: Session, sender_id: str, now: datetime) -> bool:
    """True the first time a contact writes (the notice is then recorded as shown), else False."""
    contact = get_or_create_contact(session, sender_id)
    if contact.privacy_notice_at is not None:
        return False
    contact.privacy_notice_at = now
    session.flush()
    return True


def set_opted_out(session: Session, sender_id: str, opted_out: bool, email: str | None = None) -> Contact:
    """The contact's opt-out flag; shop/consent.record sets it with the record of the change."""
    contact = get_or_create_contact(session, sender_id)
    contact.opted_out = opted_out
    contact.opted_out_at = naive_now() if opted_out else None
    remember_email(session, sender_id, email)
    session.flush()
    return contact


def remember_email(session: Session, sender_id: str, email: str | None) -> None:
    """Keeps the email the contact gave (the opt-out then also covers what is sent there)."""
    if email:
        get_or_create_contact(session, sender_id).email = email
        session.flush()


def is_opted_out(session: Session, sender_id: str) -> bool:
    contact = session.scalar(select(Contact).where(Contact.sender_id == sender_id))
    return bool(contact and contact.opted_out)


def remember_reach(session: Session, sender_id: str, channel: str | None, timezone: str | None = None) -> None:
    """Where the contact talks to the shop (their conversation's channel) and their time zone, as
    last seen: where and when the shop may write first (shop/outbound/)."""
    contact = get_or_create_contact(session, sender_id)
    if channel:
        contact.channel = channel
    if timezone:
        contact.timezone = timezone
    session.flush()
