"""Create the schema and load the demo catalog and orders; safe to run any number of times.

Products are upserted by sku (so editing the catalog file updates names, prices and synonyms),
but the stock of an existing variant is left alone: it is live data once customers buy.
Demo orders are written once, when the orders table is empty.
"""
import argparse
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Optional

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.shop.db import PROJECT_ROOT, database_url, session_scope
from actions.shop.models import Order, OrderItem, Product, Variant, utcnow
from actions.shop.ordering import order_reference

SEED_DIR = PROJECT_ROOT / "seed"
CATALOG_PATH = SEED_DIR / "catalog.yml"
ORDERS_PATH = SEED_DIR / "orders.yml"


def load_yaml(path: Path) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def price_to_cents(price: Any) -> int:
    return int((Decimal(str(price)) * 100).quantize(Decimal("1")))


def seed_catalog(session: Session, catalog: Dict[str, Any]) -> int:
    count = 0
    for entry in catalog["products"]:
        product = session.scalar(select(Product).where(Product.sku == entry["sku"]))
        if product is None:
            product = Product(sku=entry["sku"])
            session.add(product)
        product.name = entry["name"]
        product.category = entry["category"]
        product.description = entry.get("description", "").strip()
        product.price_cents = price_to_cents(entry["price"])
        product.final_sale = bool(entry.get("final_sale", False))
        product.synonyms = "|".join(s.strip().lower() for s in entry.get("synonyms", []))
        existing = {(v.size, v.color): v for v in product.variants}
        for spec in entry.get("variants", []):
            key = (str(spec.get("size", "") or ""), str(spec.get("color", "") or ""))
            if key not in existing:
                variant = Variant(size=key[0], color=key[1], stock=int(spec.get("stock", 0)))
                product.variants.append(variant)
                existing[key] = variant
        count += 1
    session.flush()
    return count


def seed_orders(session: Session, orders: Dict[str, Any]) -> int:
    if session.scalar(select(func.count(Order.id))):
        return 0
    now = utcnow()

    def days_ago(spec: Dict[str, Any], key: str) -> Optional[Any]:
        return now - timedelta(days=spec[key]) if key in spec else None

    for spec in orders["orders"]:
        order = Order(
            email=spec["email"].lower(),
            status=spec["status"],
            placed_at=days_ago(spec, "placed_days_ago") or now,
            shipped_at=days_ago(spec, "shipped_days_ago"),
            delivered_at=days_ago(spec, "delivered_days_ago"),
            refunded_at=days_ago(spec, "refunded_days_ago"),
        )
        total = 0
        for item in spec["items"]:
            variant = _variant(session, item)
            product = variant.product
            order.items.append(
                OrderItem(
                    variant_id=variant.id,
                    quantity=int(item["quantity"]),
                    unit_price_cents=product.price_cents,
                    final_sale=product.final_sale,
                    refunded=spec["status"] == "refunded",
                )
            )
            total += product.price_cents * int(item["quantity"])
        order.total_cents = total
        session.add(order)
        session.flush()
        order.reference = order_reference(order.id)
        if order.reference != spec["reference"]:
            raise ValueError(
                f"demo order {spec['reference']} would be stored as {order.reference}: "
                "keep references in orders.yml sequential from A1001"
            )
    session.flush()
    return len(orders["orders"])


def _variant(session: Session, item: Dict[str, Any]) -> Variant:
    variant = session.scalar(
        select(Variant)
        .join(Product)
        .where(
            Product.sku == item["sku"],
            Variant.size == str(item.get("size", "") or ""),
            Variant.color == str(item.get("color", "") or ""),
        )
    )
    if variant is None:
        raise ValueError(f"orders.yml names a variant the catalog lacks: {item}")
    return variant


def seed(url: Optional[str] = None, catalog_path: Path = CATALOG_PATH,
         orders_path: Path = ORDERS_PATH) -> Dict[str, int]:
    with session_scope(url) as session:
        products = seed_catalog(session, load_yaml(catalog_path))
    with session_scope(url) as session:
        orders = seed_orders(session, load_yaml(orders_path))
    return {"products": products, "orders_created": orders}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=None, help="SQLAlchemy URL (default: SHOP_DB_URL)")
    args = parser.parse_args()
    result = seed(args.url)
    print(
        f"Shop database {_safe_url(args.url or database_url())}: "
        f"{result['products']} products, {result['orders_created']} demo orders created"
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
