"""Erasure and retention (shop/erasure.py) on SQLite and PostgreSQL, with conversations kept by
Rasa's own SQL tracker store."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from shop import erasure, migrations
from shop.clock import naive_now
from shop.db import session_scope
from shop.models import (
    Booking,
    ConsentEvent,
    Contact,
    ConversationEvent,
    CsatResponse,
    FollowUp,
    Handoff,
    HandoffEvent,
    Lead,
    Order,
    OutboundMessage,
    OwnershipFailure,
    Rep,
    TwilioMessage,
)
from shop.seed import seed
from tests.support import services

DOMAIN = Domain.load("domain.yml")
ALICE, BOB = "alice-conversation", "bob-conversation"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request, tmp_path, monkeypatch):
    """(shop database URL, tracker store engine, tracker store) on the same kind of database."""
    if request.param == "sqlite":
        shop_url, tracker_url = f"sqlite:///{tmp_path / 'shop.db'}", f"sqlite:///{tmp_path / 'tracker.db'}"
        store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    else:
        engine = services.empty_postgres()
        migrations.upgrade(engine)
        engine.dispose()
        shop_url = tracker_url = services.POSTGRES_URL
        url = make_url(services.POSTGRES_URL)  # TEST_POSTGRES_URL's database, not a fixed one
        store = SQLTrackerStore(
            DOMAIN,
            dialect="postgresql",
            host=url.host,
            port=url.port or 5432,
            db=url.database,
            username=url.username,
            password=url.password,
        )
    monkeypatch.setenv("SHOP_DB_URL", shop_url)
    seed(shop_url)
    yield shop_url, create_engine(tracker_url, future=True), store


def talk(store, sender: str, text: str, when: datetime) -> None:
    tracker = DialogueStateTracker.from_events(sender, [UserUttered(text, timestamp=when.timestamp())], DOMAIN.slots)
    asyncio.run(store.save(tracker))


def events_of(store, sender: str) -> int:
    tracker = asyncio.run(store.retrieve(sender))
    return len(tracker.events) if tracker else 0


def everything_about(sender: str, email: str, order_reference: str = "A1003") -> None:
    with session_scope() as session:
        rep = session.scalars(select(Rep)).first()
        session.add(Contact(sender_id=sender, email=email))
        lead = Lead(sender_id=sender, email=email, need="a CRM for 40 people")
        session.add(lead)
        session.flush()
        session.add(
            Booking(
                reference=f"B-{sender[:5]}",
                rep_id=rep.id,
                lead_id=lead.id,
                starts_at=naive_now() + timedelta(days=3),
                ends_at=naive_now() + timedelta(days=3, minutes=30),
                email=email,
                sender_id=sender,
                customer_timezone="Europe/Paris",
            )
        )
        handoff = Handoff(sender_id=sender, team="support", reason="asked", status="closed", closed_at=naive_now())
        session.add(handoff)
        session.flush()
        session.add(HandoffEvent(handoff_id=handoff.id, kind="note", note=f"customer {email} was upset"))
        session.add(FollowUp(sender_id=sender, team="support", reason="out_of_hours", email=email))
        session.add(OwnershipFailure(sender_id=sender, reference="A1001", failed_at=naive_now()))
        order = session.scalar(select(Order).where(Order.reference == order_reference))
        order.email, order.sender_id = email, sender
        session.add(
            ConversationEvent(key=f"k-{sender}", sender_id=sender, at=naive_now(), kind="message", name="greet")
        )
        session.add(CsatResponse(sender_id=sender, outcome="order", asked_at=naive_now(), rating=4, comment="nice"))
        session.add(ConsentEvent(sender_id=sender, channel="twilio", status="opted_in", source="keyword START"))
        session.add(TwilioMessage(message_sid=f"SM-{sender}", to=sender, from_="+15550009999", status="delivered"))
        session.add(
            OutboundMessage(
                sender_id=sender,
                channel="twilio",
                message_type="shipping_update",
                kind="transactional",
                response="utter_outbound_shipping_update",
                variables="{}",
                status="sent",
                attempts=0,
            )
        )


def count(model, **where) -> int:
    with session_scope() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return session.scalar(query)


@pytest.mark.parametrize("by", ["sender_id", "email"])
def test_erasing_a_contact_deletes_everything_but_the_anonymized_orders(databases, by):
    _shop, tracker, store = databases
    everything_about(ALICE, "alice@example.com")
    everything_about(BOB, "bob@example.com", "A1002")
    talk(store, ALICE, "my email is alice@example.com", NOW)
    talk(store, BOB, "hi", NOW)
    orders_before = count(Order)
    with session_scope() as session:
        counts = erasure.erase(
            session, tracker, **({"sender_id": ALICE} if by == "sender_id" else {"email": "Alice@Example.com"})
        )
    assert counts["contacts"] == counts["leads"] == counts["bookings"] == counts["handoffs"] == 1
    assert counts["handoff_events"] == counts["follow_ups"] == counts["ownership_failures"] == 1
    assert counts["orders_anonymized"] == 1 and counts["conversation_events"] >= 1
    assert counts["analytics_events"] == counts["satisfaction_answers"] == counts["consents"] == 1
    assert counts["text_message_statuses"] == 1 and count(TwilioMessage, to=ALICE) == 0
    assert counts["outbound_messages"] == 1
    models = (Contact, Lead, Booking, Handoff, FollowUp, OwnershipFailure, ConversationEvent, CsatResponse)
    for model in (*models, OutboundMessage):
        assert count(model, sender_id=ALICE) == 0, model.__name__
    assert count(Order) == orders_before  # the sale stays
    assert count(Order, email="alice@example.com") == 0 and count(Order, sender_id=ALICE) == 0
    assert events_of(store, ALICE) == 0
    # Bob is untouched.
    assert count(Contact, sender_id=BOB) == count(Lead, sender_id=BOB) == count(Handoff, sender_id=BOB) == 1
    assert count(ConversationEvent, sender_id=BOB) == 1
    assert count(Order, email="bob@example.com") == 1
    assert events_of(store, BOB) >= 1


def test_erasing_needs_someone(databases):
    _shop, tracker, _store = databases
    with pytest.raises(ValueError), session_scope() as session:
        erasure.erase(session, tracker)


def test_retention_deletes_old_conversations_and_transcripts_only(databases):
    _shop, tracker, store = databases
    everything_about(ALICE, "alice@example.com")
    talk(store, ALICE, "an old conversation", NOW - timedelta(days=400))
    talk(store, BOB, "a recent one", NOW - timedelta(days=10))
    with session_scope() as session:
        session.scalar(select(Handoff).where(Handoff.sender_id == ALICE)).closed_at = (
            NOW - timedelta(days=400)
        ).replace(tzinfo=None)
        old = (NOW - timedelta(days=400)).replace(tzinfo=None)
        session.add(ConversationEvent(key="old", sender_id=ALICE, at=old, kind="message", name="greet"))
        session.add(ConversationEvent(key="new", sender_id=BOB, at=naive_now(), kind="message", name="greet"))
    with session_scope() as session:
        counts = erasure.expire(session, tracker, NOW, days=365)
    assert counts["conversation_events"] >= 1 and counts["handoffs"] == 1 and counts["handoff_events"] == 1
    assert counts["analytics_events"] == 1  # the old one; those of today stay
    assert events_of(store, ALICE) == 0 and events_of(store, BOB) >= 1
    assert count(Contact, sender_id=ALICE) == 1  # contacts and their consent stay until erased


def test_the_command_erases_by_email(databases, capsys, monkeypatch):
    _shop, tracker, store = databases
    monkeypatch.setenv("TRACKER_STORE_URL", str(tracker.url.render_as_string(hide_password=False)))
    everything_about(ALICE, "alice@example.com")
    talk(store, ALICE, "hello", NOW)
    assert erasure.main(["erase", "--email", "alice@example.com"]) == 0
    assert '"contacts": 1' in capsys.readouterr().out
    assert events_of(store, ALICE) == 0
