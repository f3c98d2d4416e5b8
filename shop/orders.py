"""Placing orders and reading them back by reference; buying in the chat, one answer at a time.

Delivery dates: orders ship the next business day, standard delivery takes 3-5 business days."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import catalog
from shop.catalog import Alternative, reserve_stock
from shop.clock import naive_now, naive_utc, now_utc
from shop.formatting import variant_label
from shop.integrations import events
from shop.models import ORDER_REFERENCE_OFFSET, ORDER_REFERENCE_PREFIX, Order, OrderItem, Product, Variant
from shop.outbound import messages as outbound
from shop.parsing.ids import parse_email
from shop.parsing.numbers import parse_quantity
from shop.parsing.sizes import parse_choice, parse_size


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
    outbound.order_confirmation(session, order, now_utc())  # sent by the worker once committed
    events.order_placed(session, order)
    return order


def get_order(session: Session, reference: str) -> Order | None:
    return session.scalar(select(Order).where(Order.reference == reference.upper()))


def find_customer_order(session: Session, reference: str, email: str) -> Order | None:
    """The order only when the email on it matches: an order number alone proves nothing
    (shop/ownership.py counts the wrong pairs)."""
    order = get_order(session, reference)
    if order is None or not order.email or order.email.lower() != email.strip().lower():
        return None
    return order


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


def delivery_estimate(product: Product, size: str | None, color: str | None, today: date) -> tuple[date, date] | None:
    """When an order placed `today` would arrive (earliest, latest), for the options the customer
    has in mind (as said so far); None when those are sold out, so no date can be promised."""
    size, color = catalog.wanted_options(product, size, color)
    if not any(v.stock for v in catalog.matching_variants(product, size, color)):
        return None
    return delivery_window(today)


# --------------------------------------------------------------------------- shipping


class CannotShip(Exception):
    """The order is unknown, or not in a state that ships (already shipped, delivered, refunded)."""


SHIPPABLE = ("placed", "paid")


def ship_order(session: Session, reference: str, now: datetime) -> Order:
    """Marks the order shipped at `now` and writes the customer's shipping update in the same
    transaction (CannotShip when it can't be shipped)."""
    order = get_order(session, reference)
    if order is None:
        raise CannotShip(f"no order {reference!r}")
    if order.status not in SHIPPABLE:
        raise CannotShip(f"order {order.reference} is {order.status}")
    order.status, order.shipped_at = "shipped", naive_utc(now)
    session.flush()
    shipped_on = now.date()
    earliest = add_business_days(shipped_on, DELIVERY_BUSINESS_DAYS[0])
    latest = add_business_days(shipped_on, DELIVERY_BUSINESS_DAYS[1])
    outbound.shipping_update(session, order, earliest, latest, now)
    return order


# --------------------------------------------------------------------------- order status


@dataclass(frozen=True)
class OrderStatus:
    reference: str
    status: str  # placed, paid, shipped, delivered, refunded, ...
    since: datetime | None  # when it got there: placed, shipped, delivered or refunded
    items: list[tuple[int, str]]  # (quantity, the product with its options)
    total_cents: int


_STATUS_SINCE = {
    "placed": "placed_at",
    "paid": "placed_at",
    "shipped": "shipped_at",
    "delivered": "delivered_at",
    "refunded": "refunded_at",
}


def order_status(session: Session, reference: str, email: str) -> OrderStatus | None:
    """The order's status for its owner: None unless the email is the order's."""
    order = find_customer_order(session, reference, email)
    if order is None:
        return None
    since = _STATUS_SINCE.get(order.status)
    return OrderStatus(
        reference=order.reference,
        status=order.status,
        since=getattr(order, since) if since else None,
        items=[
            (item.quantity, variant_label(item.variant.product.name, item.variant.size, item.variant.color))
            for item in order.items
        ],
        total_cents=order.total_cents,
    )


# --------------------------------------------------------------------------- buying in the chat
#
# Each answer of the purchase form is checked against live stock. `said_now` tells whether the
# customer gave the value in their latest message: a value carried over from earlier turns that
# does not fit is dropped quietly ("dropped"), so that the question is simply asked.


def _product(session: Session, name: str | None) -> Product | None:
    return catalog.find_product(session, name) if name else None


def _in_stock(product: Product, size: str | None = None, color: str | None = None) -> bool:
    return any(v.stock for v in catalog.matching_variants(product, size, color))


def options_it_lacks(session: Session, product_name: str | None) -> set[str]:
    """'size' and/or 'color' when the product has none to choose (nothing to ask then)."""
    product = _product(session, product_name)
    if product is None:
        return set()
    return {
        option
        for option, values in (("size", catalog.sizes_of(product)), ("color", catalog.colors_of(product)))
        if not values
    }


@dataclass(frozen=True)
class ProductChoice:
    """The product answered, with the earlier answers that still fit it; or the `problem`:
    dropped, unknown (`similar` names), sold_out (`alternatives` in stock)."""

    product: str | None = None  # the catalog's name
    size: str | None = None
    color: str | None = None
    problem: str | None = None
    similar: list[str] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)


def choose_product(session: Session, value: Any, size: Any, color: Any, said_now: bool) -> ProductChoice:
    product = catalog.find_product(session, value)
    if product is None:
        if not said_now:
            return ProductChoice(problem="dropped")
        return ProductChoice(problem="unknown", similar=catalog.similar_names(session, str(value)))
    if not catalog.total_stock(product):
        return ProductChoice(product.name, problem="sold_out", alternatives=catalog.alternatives(session, product))
    sizes, colors = catalog.sizes_of(product), catalog.colors_of(product)
    # Earlier answers are kept only where they still make sense for this product.
    size = parse_size(size, sizes).value
    color = parse_choice(color, colors).value
    return ProductChoice(
        product.name,
        size=size if size else (sizes[0] if len(sizes) == 1 else None),
        color=color if color else (colors[0] if len(colors) == 1 else None),
    )


@dataclass(frozen=True)
class OptionChoice:
    """A size or color answered, or the `problem`: no_product, dropped, not_offered (`offered`
    are the product's), sold_out (`alternatives` in stock)."""

    value: str | None = None
    problem: str | None = None
    product: str = ""
    size: str | None = None  # the variant asked for
    color: str | None = None
    offered: list[str] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def label(self) -> str:
        return variant_label(self.product, self.size, self.color)


def choose_size(session: Session, product_name: str | None, value: Any, color: Any, said_now: bool) -> OptionChoice:
    product = _product(session, product_name)
    if product is None:
        return OptionChoice(problem="no_product")
    sizes = catalog.sizes_of(product)
    parsed = parse_size(value, sizes)
    if not said_now and (not parsed.ok or not _in_stock(product, parsed.value)):
        return OptionChoice(problem="dropped")
    if not parsed.ok:
        return OptionChoice(problem="not_offered", product=product.name, offered=sizes)
    color = parse_choice(color, catalog.colors_of(product)).value
    if not _in_stock(product, parsed.value, color):
        alternatives = catalog.alternatives(session, product, parsed.value, color)
        return OptionChoice(None, "sold_out", product.name, parsed.value, color, alternatives=alternatives)
    return OptionChoice(parsed.value)


def choose_color(session: Session, product_name: str | None, value: Any, size: Any, said_now: bool) -> OptionChoice:
    product = _product(session, product_name)
    if product is None:
        return OptionChoice(problem="no_product")
    colors = catalog.colors_of(product)
    parsed = parse_choice(value, colors)
    if not said_now and (not parsed.ok or not _in_stock(product, None, parsed.value)):
        return OptionChoice(problem="dropped")
    if not parsed.ok:
        return OptionChoice(problem="not_offered", product=product.name, offered=colors)
    size = parse_size(size, catalog.sizes_of(product)).value
    if not _in_stock(product, size, parsed.value):
        alternatives = catalog.alternatives(session, product, size, parsed.value)
        return OptionChoice(None, "sold_out", product.name, size, parsed.value, alternatives=alternatives)
    return OptionChoice(parsed.value)


QUANTITY_PROBLEMS = ("not_a_number", "not_whole", "not_positive", "too_many")


@dataclass(frozen=True)
class QuantityCheck:
    """A quantity answered, or the `problem`: dropped, one of QUANTITY_PROBLEMS (why it is no
    quantity), more_than_stock (only `stock` of the `label` left)."""

    quantity: int | None = None
    problem: str | None = None
    stock: int = 0
    label: str = ""


def check_quantity(
    session: Session, product_name: str | None, size: str | None, color: str | None, value: Any, said_now: bool
) -> QuantityCheck:
    parsed = parse_quantity(value)
    if not parsed.ok:
        if not said_now:
            return QuantityCheck(problem="dropped")
        return QuantityCheck(problem=parsed.error if parsed.error in QUANTITY_PROBLEMS else "not_a_number")
    product = _product(session, product_name)
    variant = catalog.find_variant(product, size, color) if product is not None else None
    if product is not None and variant is not None and variant.stock < parsed.value:
        label = variant_label(product.name, variant.size, variant.color)
        return QuantityCheck(problem="more_than_stock", stock=variant.stock, label=label)
    return QuantityCheck(parsed.value)


@dataclass(frozen=True)
class OptionQuestion:
    """What to offer when asking for a size (or color): `label` is the product with the option
    chosen so far, `in_stock` the options to offer, `sold_out` the others."""

    label: str
    in_stock: list[str]
    sold_out: list[str]


def size_question(session: Session, product_name: str | None, color: str | None) -> OptionQuestion | None:
    product = _product(session, product_name)
    if product is None:
        return None
    sizes = catalog.sizes_of(product)
    in_stock = [s for s in sizes if _in_stock(product, s, color)]
    return OptionQuestion(variant_label(product.name, None, color), in_stock, [s for s in sizes if s not in in_stock])


def color_question(session: Session, product_name: str | None, size: str | None) -> OptionQuestion | None:
    product = _product(session, product_name)
    if product is None:
        return None
    colors = catalog.colors_of(product)
    in_stock = [c for c in colors if _in_stock(product, size, c)]
    return OptionQuestion(variant_label(product.name, size, None), in_stock, [c for c in colors if c not in in_stock])


@dataclass(frozen=True)
class PurchaseSummary:
    label: str
    quantity: int
    price_cents: int  # each
    total_cents: int


def purchase_summary(
    session: Session, product_name: str | None, size: str | None, color: str | None, quantity: int
) -> PurchaseSummary:
    """What will be ordered, read back before anything is written."""
    product = _product(session, product_name)
    if product is None:
        raise LookupError(f"no product {product_name!r} to confirm")
    label = variant_label(product.name, size, color)
    return PurchaseSummary(label, quantity, product.price_cents, product.price_cents * quantity)


@dataclass(frozen=True)
class Purchase:
    """An order placed in the chat (its `reference`), or none because the stock went meanwhile
    (`alternatives` in stock)."""

    reference: str | None
    label: str
    quantity: int
    total_cents: int = 0
    alternatives: list[Alternative] = field(default_factory=list)


def buy(
    session: Session,
    product_name: str | None,
    size: str | None,
    color: str | None,
    quantity: int,
    email: str | None = None,
    sender_id: str | None = None,
) -> Purchase:
    """Place the confirmed order in the caller's session. When the stock is gone, the
    transaction is rolled back (nothing is written) and in-stock alternatives are read.
    The quantity and email are checked again here: the form's checks ran in another request."""
    checked = parse_quantity(quantity)
    if not checked.ok or checked.value != quantity:
        raise ValueError(f"quantity {quantity!r} cannot be ordered in the chat ({checked.error})")
    if email is not None and not parse_email(email).ok:
        raise ValueError("the order's email is not an email address")
    product = _product(session, product_name)
    variant = catalog.find_variant(product, size, color) if product is not None else None
    if product is None or variant is None:
        raise LookupError(f"no variant of {product_name!r} in {size!r}, {color!r} to order")
    try:
        order = place_order(session, variant.id, quantity, email=email, sender_id=sender_id)
    except OutOfStock:
        session.rollback()
        alternatives = catalog.alternatives(session, product, size, color, quantity)
        return Purchase(None, variant_label(product.name, size, color), quantity, alternatives=alternatives)
    return Purchase(
        order.reference, variant_label(product.name, variant.size, variant.color), quantity, order.total_cents
    )
