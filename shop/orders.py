"""Placing orders and reading them back by reference.

Delivery dates: orders ship the next business day, standard delivery takes 3-5 business days."""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.catalog import reserve_stock
from shop.clock import naive_now
from shop.models import ORDER_REFERENCE_OFFSET, ORDER_REFERENCE_PREFIX, Order, OrderItem, Variant


class OutOfStock(Exception):
    """The variant no longer has the quantity asked for (someone else was faster)."""


def order_reference(order_id: int) -> str:
    return f"{ORDER_REFERENCE_PREFIX}{ORDER_REFERENCE_OFFSET + order_id}"


def place_order(
    session: Session,
    variant_id: int,
    quantity: int,
    email: str | None = None,
    sender_id: str | None = None,
) -> Order:
    """Reserve stock and write the order in the caller's transaction; nothing is written
    when the stock is gone, because OutOfStock rolls the whole transaction back."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if not reserve_stock(session, variant_id, quantity):
        raise OutOfStock(variant_id)
    variant = session.get(Variant, variant_id)
    product = variant.product
    order = Order(
        email=email,
        sender_id=sender_id,
        status="placed",
        total_cents=product.price_cents * quantity,
        placed_at=naive_now(),
    )
    order.items.append(
        OrderItem(
            variant_id=variant.id,
            quantity=quantity,
            unit_price_cents=product.price_cents,
            final_sale=product.final_sale,
        )
    )
    session.add(order)
    session.flush()
    order.reference = order_reference(order.id)
    session.flush()
    return order


def get_order(session: Session, reference: str) -> Order | None:
    return session.scalar(select(Order).where(Order.reference == reference.upper()))


SHIP_BUSINESS_DAYS = 1
DELIVERY_BUSINESS_DAYS = (3, 5)


def add_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def delivery_window(today: date) -> tuple[date, date]:
    shipped = add_business_days(today, SHIP_BUSINESS_DAYS)
    return (
        add_business_days(shipped, DELIVERY_BUSINESS_DAYS[0]),
        add_business_days(shipped, DELIVERY_BUSINESS_DAYS[1]),
    )
