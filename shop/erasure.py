"""A customer's right to be forgotten, and the retention of conversations.

erase() deletes everything the assistant keeps about a contact, found by conversation id or
email: the conversation (Rasa's tracker store), the contact and its consent, leads, bookings,
handoffs with their transcripts, follow-ups, failed order checks, satisfaction answers, the
funnel's events of the conversation, and the deliveries to webhooks, the CRM and email that
name them (with the CRM's ids of their records; the CRM itself is the shop's to clean).
Orders stay, because the shop must keep its sales records, but lose what names the customer
(email, conversation, the refund reasons they wrote). expire() deletes conversations,
transcripts, checks, satisfaction answers and the funnel's events older than the retention
period. Both run in one transaction per database: nothing is half-erased. A live meeting's
event in the rep's own calendar names the customer: it is taken out first, and a calendar out
of reach stops the erasure (CalendarUnavailable) before anything is erased."""

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from shop import calendars, settings
from shop.clock import naive_utc
from shop.meetings import LIVE, calendar_uid
from shop.models import (
    Booking,
    ConsentEvent,
    Contact,
    ConversationEvent,
    CrmRecord,
    CsatResponse,
    Delivery,
    FollowUp,
    Handoff,
    HandoffEvent,
    Lead,
    Order,
    OrderItem,
    OutboundMessage,
    OwnershipFailure,
    Refund,
    RestockWish,
    TwilioMessage,
)

ERASED_REASON = "(erased at the customer's request)"
TRACKER_TABLE = "events"  # Rasa's SQL tracker store: one row per event, keyed by sender_id


def _run(session: Session, statement) -> int:
    """A bulk DELETE or UPDATE; returns the rows it touched."""
    return session.execute(statement, execution_options={"synchronize_session": False}).rowcount


def _emails_of(session: Session, senders: Iterable[str]) -> set[str]:
    senders = list(senders)
    found: set[str] = set()
    for model in (Contact, Lead, Booking, Order, FollowUp):
        rows = session.scalars(select(model.email).where(model.sender_id.in_(senders), model.email.is_not(None)))
        found |= {email.lower() for email in rows}
    return found


def _senders_of(session: Session, emails: Iterable[str]) -> set[str]:
    emails = [e.lower() for e in emails]
    found: set[str] = set()
    for model in (Contact, Lead, Booking, Order, FollowUp):
        rows = session.scalars(select(model.sender_id).where(func.lower(model.email).in_(emails)))
        found |= {sender for sender in rows if sender}
    return found


def erase(
    session: Session, tracker: Engine | None, *, sender_id: str | None = None, email: str | None = None
) -> dict[str, int]:
    """Erases one contact (by either id); returns how many rows of each kind went."""
    if not sender_id and not email:
        raise ValueError("name the contact: a conversation id or an email")
    senders = {sender_id} if sender_id else set()
    emails = {email.strip().lower()} if email else set()
    # Whatever one identifier leads to: the conversations of an email, the emails of a conversation.
    senders |= _senders_of(session, emails)
    emails |= _emails_of(session, senders)
    ids, mails = sorted(senders), sorted(emails)

    def of(model) -> object:
        by_sender = model.sender_id.in_(ids)
        return or_(by_sender, func.lower(model.email).in_(mails)) if hasattr(model, "email") else by_sender

    counts: dict[str, int] = {}
    session.flush()  # bulk statements below; no object in this session is kept in step with them
    handoffs = select(Handoff.id).where(Handoff.sender_id.in_(ids))
    counts["handoff_events"] = _run(session, delete(HandoffEvent).where(HandoffEvent.handoff_id.in_(handoffs)))
    counts["handoffs"] = _run(session, delete(Handoff).where(Handoff.sender_id.in_(ids)))
    live = list(session.scalars(select(Booking).where(of(Booking), Booking.status == LIVE)))
    for booking in live:
        calendars.remove_meeting(booking.rep, calendar_uid(booking))
    counts["bookings"] = _run(session, delete(Booking).where(of(Booking)))
    counts["leads"] = _run(session, delete(Lead).where(of(Lead)))
    counts["follow_ups"] = _run(session, delete(FollowUp).where(of(FollowUp)))
    counts["ownership_failures"] = _run(session, delete(OwnershipFailure).where(OwnershipFailure.sender_id.in_(ids)))
    counts["contacts"] = _run(session, delete(Contact).where(of(Contact)))
    counts["consents"] = _run(session, delete(ConsentEvent).where(ConsentEvent.sender_id.in_(ids)))
    counts["outbound_messages"] = _run(session, delete(OutboundMessage).where(OutboundMessage.sender_id.in_(ids)))
    counts["deliveries"] = _run(session, delete(Delivery).where(_deliveries_about(ids, mails)))
    crm_keys = [f"contact:{mail}" for mail in mails]
    counts["crm_records"] = _run(session, delete(CrmRecord).where(CrmRecord.key.in_(crm_keys)))
    counts["restock_wishes"] = _run(session, delete(RestockWish).where(RestockWish.sender_id.in_(ids)))
    counts["analytics_events"] = _run(session, delete(ConversationEvent).where(ConversationEvent.sender_id.in_(ids)))
    counts["satisfaction_answers"] = _run(session, delete(CsatResponse).where(CsatResponse.sender_id.in_(ids)))
    texted = or_(TwilioMessage.to.in_(ids), TwilioMessage.from_.in_(ids))  # a texting contact's id is the number
    counts["text_message_statuses"] = _run(session, delete(TwilioMessage).where(texted))
    orders = select(Order.id).where(of(Order))
    lines = select(OrderItem.id).where(OrderItem.order_id.in_(orders))
    _run(session, update(Refund).where(Refund.order_item_id.in_(lines)).values(reason=ERASED_REASON))
    counts["orders_anonymized"] = _run(session, update(Order).where(of(Order)).values(email=None, sender_id=None))
    counts["conversation_events"] = _delete_events(tracker, ids)
    return counts


def _deliveries_about(senders: list[str], emails: list[str]):
    """Deliveries about one of the conversations or to one of the emails, or whose payload
    (JSON) names a sender id or email."""
    named = [Delivery.payload.contains(json.dumps(value)) for value in [*senders, *emails]]
    return or_(Delivery.sender_id.in_(senders), func.lower(Delivery.recipient).in_(emails), *named)


def _delete_events(tracker: Engine | None, senders: list[str]) -> int:
    if tracker is None or not senders:
        return 0
    with tracker.begin() as conn:
        if not _has_events_table(conn):
            return 0
        params = {f"s{i}": sender for i, sender in enumerate(senders)}
        names = ", ".join(f":{key}" for key in params)
        return conn.execute(text(f"DELETE FROM {TRACKER_TABLE} WHERE sender_id IN ({names})"), params).rowcount


def _has_events_table(conn) -> bool:
    from sqlalchemy import inspect

    return TRACKER_TABLE in inspect(conn).get_table_names()


def expire(session: Session, tracker: Engine | None, now: datetime, days: int) -> dict[str, int]:
    """Deletes conversations last active more than `days` ago, closed handoffs (with their
    transcripts) and failed order checks older than that; returns the counts."""
    if days < 1:
        raise ValueError("keep conversations at least a day")
    cutoff = naive_utc(now) - timedelta(days=days)
    counts: dict[str, int] = {}
    old = select(Handoff.id).where(Handoff.status == "closed", Handoff.closed_at < cutoff)
    counts["handoff_events"] = _run(session, delete(HandoffEvent).where(HandoffEvent.handoff_id.in_(old)))
    counts["handoffs"] = _run(session, delete(Handoff).where(Handoff.status == "closed", Handoff.closed_at < cutoff))
    counts["ownership_failures"] = _run(session, delete(OwnershipFailure).where(OwnershipFailure.failed_at < cutoff))
    counts["analytics_events"] = _run(session, delete(ConversationEvent).where(ConversationEvent.at < cutoff))
    counts["satisfaction_answers"] = _run(session, delete(CsatResponse).where(CsatResponse.asked_at < cutoff))
    counts["conversation_events"] = 0
    if tracker is not None:
        with tracker.begin() as conn:
            if _has_events_table(conn):
                # Whole conversations: those whose latest event is older than the cutoff.
                stale = f"SELECT sender_id FROM {TRACKER_TABLE} GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
                counts["conversation_events"] = conn.execute(
                    text(f"DELETE FROM {TRACKER_TABLE} WHERE sender_id IN ({stale})"),
                    {"cutoff": (now - timedelta(days=days)).timestamp()},
                ).rowcount
    return counts


def tracker_engine() -> Engine:
    """Rasa's tracker store (TRACKER_STORE_URL), opened only to delete conversations."""
    from sqlalchemy import create_engine

    return create_engine(settings.get("TRACKER_STORE_URL"), future=True)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    import sys

    from shop.clock import now_utc
    from shop.db import session_scope

    parser = argparse.ArgumentParser(prog="python -m shop.erasure", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("erase", help="erase one contact, by conversation id or email")
    one.add_argument("--sender")
    one.add_argument("--email")
    old = commands.add_parser("expire", help="delete conversations older than the retention period")
    old.add_argument("--days", type=int, default=int(settings.get("RETENTION_DAYS")))
    args = parser.parse_args(argv)
    tracker = tracker_engine()
    try:
        with session_scope() as session:
            if args.command == "erase":
                if not args.sender and not args.email:
                    parser.error("erase needs --sender or --email")
                counts = erase(session, tracker, sender_id=args.sender, email=args.email)
            else:
                counts = expire(session, tracker, now_utc(), args.days)
    except calendars.CalendarUnavailable as error:
        print(f"nothing was erased: {error}; try again when the rep's calendar answers", file=sys.stderr)
        return 1
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
