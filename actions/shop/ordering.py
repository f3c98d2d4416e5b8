"""Placing orders and reading them back by reference."""
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.shop.inventory import reserve_stock
from actions.shop.models import (
    ORDER_REFERENCE_OFFSET,
    ORDER_REFERENCE_PREFIX,
    Order,
    OrderItem,
    Variant,
    utcnow,
)


class OutOfStock(Exception):
    """The variant no longer has the quantity asked for (someone else was faster)."""


def order_reference(order_id: int) -> str:
    return f"{ORDER_REFERENCE_PREFIX}{ORDER_REFERENCE_OFFSET + order_id}"


def place_order(
    session: Session,
    variant_id: int,
    quantity: int,
    email: Optional[str] = None,
    sender_id: Optional[str] = None,
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
        placed_at=utcnow(),
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


def get_order(session: Session, reference: str) -> Optional[Order]:
    return session.scalar(select(Order).where(Order.reference == reference.upper()))
