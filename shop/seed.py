"""Create the schema and load the demo catalog, orders, sales team and inbox agents; safe to run
any number of times.

Products are upserted by sku (so editing the catalog file updates names, prices and synonyms),
but the stock of an existing variant is left alone: it is live data once customers buy.
Demo orders are written once, when the orders table is empty. Sales reps and inbox agents are
upserted by email.
"""

import argparse
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop.clock import naive_now
from shop.db import session_scope
from shop.handoff.routing import InboxConfig
from shop.handoff.routing import load_config as load_inbox_config
from shop.hours import normalize_working_hours, zone_of
from shop.models import Agent, Order, OrderItem, Product, Rep, Variant
from shop.orders import order_reference
from shop.settings import SEED_DIR, database_url

CATALOG_PATH = SEED_DIR / "catalog.yml"
ORDERS_PATH = SEED_DIR / "orders.yml"
SALES_TEAM_PATH = SEED_DIR / "sales_team.yml"


def load_yaml(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def price_to_cents(price: Any) -> int:
    return int((Decimal(str(price)) * 100).quantize(Decimal("1")))


def seed_catalog(session: Session, catalog: dict[str, Any]) -> int:
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


def seed_orders(session: Session, orders: dict[str, Any]) -> int:
    if session.scalar(select(func.count(Order.id))):
        return 0
    now = naive_now()

    def days_ago(spec: dict[str, Any], key: str) -> Any | None:
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


def _variant(session: Session, item: dict[str, Any]) -> Variant:
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


def seed_reps(session: Session, data: dict[str, Any]) -> int:
    """Upserts the reps of sales_team.yml by email (name, team, zone, hours, active); reps that
    are not in the file are left alone. Returns how many reps the file has."""
    count = 0
    for team, spec in (data.get("teams") or {}).items():
        for entry in spec.get("reps") or []:
            email = str(entry["email"]).strip().lower()
            if zone_of(entry["timezone"]) is None:
                raise ValueError(f"sales_team.yml: unknown time zone {entry['timezone']!r} for {email}")
            try:
                hours = normalize_working_hours(entry["working_hours"])
            except ValueError as error:
                raise ValueError(f"sales_team.yml: {email}: {error}") from None
            rep = session.scalar(select(Rep).where(Rep.email == email))
            if rep is None:
                rep = Rep(email=email)
                session.add(rep)
            rep.name = entry["name"]
            rep.team = str(team)
            rep.timezone = entry["timezone"]
            rep.working_hours = json.dumps(hours)
            rep.active = bool(entry.get("active", True))
            count += 1
    session.flush()
    return count


def seed_agents(session: Session, config: InboxConfig) -> int:
    """Upserts the inbox agents of inbox.yml by email (name, teams, roles); passwords are left alone.
    Returns how many agents the file has."""
    for entry in config.agents:
        email = str(entry["email"]).strip().lower()
        agent = session.scalar(select(Agent).where(Agent.email == email))
        if agent is None:
            agent = Agent(email=email)
            session.add(agent)
        agent.name = entry["name"]
        agent.teams = json.dumps(list(entry.get("teams") or []))
        agent.roles = json.dumps(list(entry.get("roles") or []))
        agent.active = bool(entry.get("active", True))
    session.flush()
    return len(config.agents)


def seed(
    url: str | None = None,
    catalog_path: Path = CATALOG_PATH,
    orders_path: Path = ORDERS_PATH,
    sales_team_path: Path = SALES_TEAM_PATH,
    inbox_path: Path | None = None,
) -> dict[str, int]:
    with session_scope(url) as session:
        products = seed_catalog(session, load_yaml(catalog_path))
    with session_scope(url) as session:
        orders = seed_orders(session, load_yaml(orders_path))
    with session_scope(url) as session:
        reps = seed_reps(session, load_yaml(sales_team_path))
    with session_scope(url) as session:
        agents = seed_agents(session, load_inbox_config(inbox_path))
    return {"products": products, "orders_created": orders, "reps": reps, "agents": agents}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=None, help="SQLAlchemy URL (default: SHOP_DB_URL)")
    args = parser.parse_args()
    result = seed(args.url)
    print(
        f"Shop database {_safe_url(args.url or database_url())}: "
        f"{result['products']} products, {result['orders_created']} demo orders created, "
        f"{result['reps']} sales reps, {result['agents']} inbox agents"
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    main()
