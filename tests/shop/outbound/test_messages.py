"""The messages the shop sends first are written by the change that causes them, in its
transaction: an order placed in a conversation, an order shipped, a meeting booked (reminders 24
hours and 1 hour before, cancelled when the meeting is moved or cancelled)."""

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from shop import meetings, orders
from shop.contacts import remember_reach
from shop.db import session_scope
from shop.models import Order, OutboundMessage, Rep
from shop.outbound import messages as outbound
from shop.outbound import outbox

NOW = datetime(2026, 3, 9, 14, 5, tzinfo=timezone.utc)  # a Monday, 10:05 in New York
NINE_TO_FIVE = {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def written(sender_id: str | None = None) -> list[tuple]:
    with session_scope() as session:
        query = select(OutboundMessage).order_by(OutboundMessage.id)
        if sender_id:
            query = query.where(OutboundMessage.sender_id == sender_id)
        return [
            (m.message_type, m.response, m.channel, m.status, m.due_at, json.loads(m.variables))
            for m in session.scalars(query)
        ]


def buy(sender_id: str = "web-1", channel: str | None = "socketio"):
    with session_scope() as session:
        if channel:
            remember_reach(session, sender_id, channel, "Europe/Paris")
        return orders.buy(
            session, "Classic Dress Shoes", "11", "black", 2, email="ann@example.com", sender_id=sender_id
        )


def test_an_order_placed_in_a_conversation_writes_its_confirmation(shop_db):
    purchase = buy()
    [(kind, response, channel, status, _due, values)] = written("web-1")
    assert (kind, response, channel, status) == (
        "order_confirmation",
        "utter_outbound_order_confirmation",
        "socketio",
        "pending",
    )
    assert values == {
        "order_id": purchase.reference,
        "items": "2 x Classic Dress Shoes (black, size 11)",
        "total": "$178.00",
    }


def test_no_confirmation_is_written_when_the_order_is_not(shop_db):
    with pytest.raises(RuntimeError), session_scope() as session:
        remember_reach(session, "web-2", "socketio")
        orders.buy(session, "Classic Dress Shoes", "11", "black", 1, sender_id="web-2")
        raise RuntimeError("the turn failed after the order")  # the whole transaction is rolled back
    assert written() == []


def test_an_order_of_a_contact_the_shop_cannot_reach_writes_no_message(shop_db):
    buy("web-3", channel=None)
    assert written() == []


def test_shipping_an_order_changes_its_status_and_writes_the_update_once(shop_db):
    reference = buy().reference
    with session_scope() as session:
        order = orders.ship_order(session, reference, NOW)
        assert (order.status, order.shipped_at) == ("shipped", NOW.replace(tzinfo=None))
    shipped = written("web-1")[-1]
    assert shipped[:4] == ("shipping_update", "utter_outbound_shipping_update", "socketio", "pending")
    assert shipped[5]["earliest"] == "Thursday 12 March" and shipped[5]["latest"] == "Monday 16 March"
    with session_scope() as session:
        slots = outbox.slots_of(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id.desc())).first())
    assert slots == {"order_id": reference}
    with pytest.raises(orders.CannotShip, match="is shipped"), session_scope() as session:
        orders.ship_order(session, reference, NOW)
    with pytest.raises(orders.CannotShip, match="no order"), session_scope() as session:
        orders.ship_order(session, "A9999", NOW)
    assert len(written("web-1")) == 2


def test_a_seeded_order_without_a_conversation_ships_without_a_message(shop_db):
    with session_scope() as session:
        reference = session.scalar(select(Order.reference).where(Order.status == "paid", Order.sender_id.is_(None)))
        orders.ship_order(session, reference, NOW)
    assert written() == []


# --------------------------------------------------------------------------- meeting reminders


@pytest.fixture
def rep(shop_db) -> int:
    with session_scope() as session:
        rep = Rep(
            name="Nora York",
            email="nora@shop.example",
            team="qa",
            timezone="America/New_York",
            working_hours=json.dumps(NINE_TO_FIVE),
        )
        session.add(rep)
        session.flush()
        return rep.id


def book(rep_id: int, start: datetime) -> str:
    with session_scope() as session:
        remember_reach(session, "psid-5", "facebook")
        booking = meetings.book(session, rep_id, start, "jo@example.com", "Europe/Paris", sender_id="psid-5", now=NOW)
        return booking.reference


def reminders() -> list[tuple]:
    with session_scope() as session:
        query = select(OutboundMessage).where(OutboundMessage.message_type == "meeting_reminder")
        return [
            (m.subject, m.response, m.due_at, m.status) for m in session.scalars(query.order_by(OutboundMessage.id))
        ]


def test_a_booking_writes_reminders_24_hours_and_1_hour_before(rep):
    start = datetime(2026, 3, 11, 15, 0, tzinfo=timezone.utc)
    reference = book(rep, start)
    assert reminders() == [
        (f"booking:{reference}", "utter_outbound_meeting_reminder_day", datetime(2026, 3, 10, 15, 0), "pending"),
        (f"booking:{reference}", "utter_outbound_meeting_reminder_hour", datetime(2026, 3, 11, 14, 0), "pending"),
    ]
    with session_scope() as session:
        message = session.scalars(select(OutboundMessage)).first()
        assert outbox.variables_of(message) == {
            "when": "Wednesday 11 March, 4:00 PM CET",
            "rep": "Nora York",
            "reference": reference,
        }  # in the customer's zone (Paris)
        assert outbox.slots_of(message) == {
            "booking_ref": reference,
            "email": "jo@example.com",
            "customer_timezone": "Europe/Paris",
        }


def test_a_reminder_whose_time_has_passed_at_booking_is_not_written(rep):
    book(rep, NOW.replace(minute=0) + timedelta(hours=3))  # 17:00 UTC, 13:00 in New York
    assert [r[1] for r in reminders()] == ["utter_outbound_meeting_reminder_hour"]


def test_moving_a_meeting_moves_its_reminders_and_cancelling_it_cancels_them(rep):
    old = book(rep, datetime(2026, 3, 11, 15, 0, tzinfo=timezone.utc))
    with session_scope() as session:
        moved = meetings.move_meeting(
            session, old, "jo@example.com", rep, datetime(2026, 3, 12, 16, 0, tzinfo=timezone.utc), now=NOW
        ).reference
    assert [(r[0], r[2], r[3]) for r in reminders()] == [
        (f"booking:{old}", datetime(2026, 3, 10, 15, 0), "cancelled"),
        (f"booking:{old}", datetime(2026, 3, 11, 14, 0), "cancelled"),
        (f"booking:{moved}", datetime(2026, 3, 11, 16, 0), "pending"),
        (f"booking:{moved}", datetime(2026, 3, 12, 15, 0), "pending"),
    ]
    with session_scope() as session:
        assert meetings.cancel_meeting(session, moved, "jo@example.com") == moved
    assert {r[3] for r in reminders()} == {"cancelled"}


def test_the_day_the_shipping_update_promises_is_counted_in_business_days():
    assert orders.add_business_days(date(2026, 3, 9), 3) == date(2026, 3, 12)


# --------------------------------------------------------------------------- an unfinished purchase


def abandoned() -> list[tuple]:
    with session_scope() as session:
        query = select(OutboundMessage).where(OutboundMessage.message_type == "abandoned_purchase")
        return [(m.subject, m.due_at, m.status) for m in session.scalars(query.order_by(OutboundMessage.id))]


def begin(product: str, at: datetime = NOW) -> None:
    with session_scope() as session:
        remember_reach(session, "web-1", "socketio")
        outbound.purchase_begun(session, "web-1", product, at)


def test_a_purchase_begun_is_reminded_once_after_the_configured_delay(shop_db):
    begin("Hoodie")
    [(subject, due, status)] = abandoned()
    assert (subject, due, status) == ("purchase:Hoodie", datetime(2026, 3, 9, 15, 5), "pending")
    with session_scope() as session:
        [message] = session.scalars(select(OutboundMessage))
        assert outbox.variables_of(message) == outbox.slots_of(message) == {"product": "Hoodie"}
        assert message.kind == "marketing"


def test_beginning_another_purchase_replaces_the_waiting_reminder(shop_db):
    begin("Hoodie")
    begin("Beanie", NOW + timedelta(minutes=10))
    assert [(s, st) for s, _, st in abandoned()] == [("purchase:Hoodie", "cancelled"), ("purchase:Beanie", "pending")]


def test_the_order_placed_cancels_the_reminder(shop_db):
    begin("Classic Dress Shoes")
    buy()
    assert [st for _, _, st in abandoned()] == ["cancelled"]


def test_a_product_reminded_of_once_is_not_reminded_of_again(shop_db):
    begin("Hoodie")
    with session_scope() as session:
        [message_id] = outbox.claim(session, NOW + timedelta(hours=2))
        outbox.deliver(session, message_id, NOW + timedelta(hours=2))
    begin("Hoodie", NOW + timedelta(days=1))
    assert [st for _, _, st in abandoned()] == ["sent"]
