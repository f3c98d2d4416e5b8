"""Back in stock: a customer who asked about a sold-out product and said "let me know" is
remembered (RestockWish); when stock comes back (`restock`, e.g. `make restock`), each waiting
customer's notice is written to the outbox in the same transaction, once.

    python -m shop.restock SKU QUANTITY [--size S] [--color C]"""

import argparse
import sys
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from shop import catalog
from shop.clock import naive_utc, now_utc
from shop.db import session_scope
from shop.formatting import variant_label
from shop.models import Product, RestockWish, Variant
from shop.outbound import messages


def remember_wish(session: Session, sender_id: str, product_name: str | None, size: str | None, color: str | None):
    """Keeps the wish to hear when the product (in that size and color, if said) is back; the
    label of what is awaited, or None for an unknown product. A wish made twice is kept once."""
    product = catalog.find_product(session, product_name) if product_name else None
    if product is None:
        return None
    size, color = catalog.wanted_options(product, size, color)
    waiting = session.scalar(
        select(RestockWish.id).where(
            RestockWish.sender_id == sender_id,
            RestockWish.product_id == product.id,
            RestockWish.size == (size or ""),
            RestockWish.color == (color or ""),
            RestockWish.notified_at.is_(None),
        )
    )
    if waiting is None:
        session.add(RestockWish(sender_id=sender_id, product_id=product.id, size=size or "", color=color or ""))
        session.flush()
    return variant_label(product.name, size, color)


def restock(session: Session, variant: Variant, quantity: int, now: datetime) -> int:
    """Adds `quantity` units; when the variant was sold out, notifies the customers waiting for
    it (or for the product in any size or color). Returns how many notices were written."""
    if quantity <= 0:
        raise ValueError("a restock adds at least one unit")
    was_sold_out = variant.stock == 0
    session.execute(update(Variant).where(Variant.id == variant.id).values(stock=Variant.stock + quantity))
    session.flush()
    if not was_sold_out:
        return 0
    product = variant.product
    wishes = session.scalars(
        select(RestockWish).where(
            RestockWish.product_id == product.id,
            RestockWish.notified_at.is_(None),
            or_(RestockWish.size == "", RestockWish.size == variant.size),
            or_(RestockWish.color == "", RestockWish.color == variant.color),
        )
    ).all()
    label = variant_label(product.name, variant.size or None, variant.color or None)
    written = 0
    for wish in wishes:
        wish.notified_at = naive_utc(now)
        if messages.back_in_stock(session, wish.sender_id, product.name, label, variant, now) is not None:
            written += 1
    session.flush()
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sku")
    parser.add_argument("quantity", type=int)
    parser.add_argument("--size", default="")
    parser.add_argument("--color", default="")
    args = parser.parse_args(argv)
    with session_scope() as session:
        product = session.scalar(select(Product).where(Product.sku == args.sku))
        variant = catalog.find_variant(product, args.size, args.color) if product is not None else None
        if variant is None:
            print(f"no variant of {args.sku} in size {args.size!r}, color {args.color!r}", file=sys.stderr)
            return 1
        notified = restock(session, variant, args.quantity, now_utc())
    print(f"{args.sku} restocked by {args.quantity}; {notified} waiting customer(s) will be told")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
