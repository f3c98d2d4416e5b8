"""The messages the shop sends first, written to the outbox by the change that causes them, in
its transaction: an order placed in the chat, an order shipped, a meeting booked (its reminders
24 hours and 1 hour before; cancelled when the meeting is moved or cancelled), a purchase begun
(one reminder should it be left unfinished; cancelled by the order), a sold-out product back
for a customer who asked to be told (shop/restock.py). Their words are
the domain's responses named here; the values filled in are computed here."""

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from shop.clock import as_utc, aware
from shop.formatting import day, money, variant_label
from shop.models import Booking, Order, OutboundMessage, Variant
from shop.outbound import outbox
from shop.outbound.rules import configured, contact_zone
from shop.parsing.dates import describe

ORDER_CONFIRMATION, SHIPPING_UPDATE, MEETING_REMINDER = "order_confirmation", "shipping_update", "meeting_reminder"
ABANDONED_PURCHASE, BACK_IN_STOCK = "abandoned_purchase", "back_in_stock"
# How long before a meeting each reminder goes, and the response that says it.
REMINDERS = (
    (timedelta(hours=24), "utter_outbound_meeting_reminder_day"),
    (timedelta(hours=1), "utter_outbound_meeting_reminder_hour"),
)


def _items(order: Order) -> str:
    return ", ".join(
        f"{item.quantity} x {variant_label(item.variant.product.name, item.variant.size, item.variant.color)}"
        for item in order.items
    )


def order_confirmation(session: Session, order: Order, now: datetime) -> OutboundMessage | None:
    """The confirmation of an order placed in a conversation, to go at once."""
    if not order.sender_id:
        return None
    purchase_finished(session, order.sender_id)
    values = {"order_id": order.reference, "items": _items(order), "total": money(order.total_cents)}
    return outbox.enqueue(
        session,
        configured(),
        order.sender_id,
        ORDER_CONFIRMATION,
        "utter_outbound_order_confirmation",
        values,
        now,
        subject=f"order:{order.reference}",
    )


def purchase_begun(session: Session, sender_id: str, product: str, now: datetime) -> OutboundMessage | None:
    """A purchase of `product` started in the chat: its reminder, should it be left unfinished,
    replaces any earlier one still waiting; none when one was sent for this product already."""
    outbox.cancel_pending(session, sender_id, ABANDONED_PURCHASE)
    subject = f"purchase:{product}"[:60]
    if outbox.was_sent(session, sender_id, subject):
        return None
    rules = configured()
    return outbox.enqueue(
        session,
        rules,
        sender_id,
        ABANDONED_PURCHASE,
        "utter_outbound_abandoned_purchase",
        {"product": product},
        as_utc(now) + rules.abandoned_after,
        subject=subject,
        slots={"product": product},
    )


def back_in_stock(
    session: Session, sender_id: str, product: str, label: str, variant: Variant, now: datetime
) -> OutboundMessage | None:
    """The product a customer waited for is back: its notice, with a way to buy it."""
    slots = {"product": product, "size": variant.size or None, "color": variant.color or None}
    return outbox.enqueue(
        session,
        configured(),
        sender_id,
        BACK_IN_STOCK,
        "utter_outbound_back_in_stock",
        {"item": label},
        now,
        subject=f"restock:{variant.id}",
        slots=slots,
    )


def purchase_finished(session: Session, sender_id: str) -> int:
    """The order is placed: no reminder of an unfinished purchase."""
    return outbox.cancel_pending(session, sender_id, ABANDONED_PURCHASE)


def shipping_update(
    session: Session, order: Order, earliest: date, latest: date, now: datetime
) -> OutboundMessage | None:
    """The order has shipped and should arrive between `earliest` and `latest`."""
    if not order.sender_id:
        return None
    values = {"order_id": order.reference, "items": _items(order), "earliest": day(earliest), "latest": day(latest)}
    return outbox.enqueue(
        session,
        configured(),
        order.sender_id,
        SHIPPING_UPDATE,
        "utter_outbound_shipping_update",
        values,
        now,
        subject=f"order:{order.reference}",
        slots={"order_id": order.reference},  # not the email: a purchase under way may hold another
    )


def meeting_reminders(session: Session, booking: Booking, now: datetime) -> list[OutboundMessage]:
    """A reminder 24 hours and one 1 hour before the meeting, those still ahead; the reply to
    either can move or cancel it (the booking's reference and email come with them)."""
    if not booking.sender_id:
        return []
    start = aware(booking.starts_at)
    where = contact_zone(configured(), booking.customer_timezone)
    values = {"when": describe(start.astimezone(where)), "rep": booking.rep.name, "reference": booking.reference}
    slots = {"booking_ref": booking.reference, "email": booking.email, "customer_timezone": booking.customer_timezone}
    written = []
    for before, response in REMINDERS:
        if start - before <= as_utc(now):
            continue
        message = outbox.enqueue(
            session,
            configured(),
            booking.sender_id,
            MEETING_REMINDER,
            response,
            values,
            start - before,
            timezone=booking.customer_timezone,
            subject=booking_subject(booking),
            slots=slots,
        )
        if message is not None:
            written.append(message)
    return written


def booking_subject(booking: Booking) -> str:
    return f"booking:{booking.reference}"


def cancel_meeting_reminders(session: Session, booking: Booking) -> int:
    return outbox.cancel_about(session, booking_subject(booking))
