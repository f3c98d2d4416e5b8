"""Seeding the shop database: the demo data, and running it again changes nothing live."""

import json
import re
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import func, select, update

from shop.clock import naive_now
from shop.db import session_scope
from shop.models import Order, OrderItem, Product, Rep, Variant
from shop.seed import CATALOG_PATH, SALES_TEAM_PATH, price_to_cents
from tests.support.database import seed_database


@pytest.fixture
def seeded(tmp_path) -> str:
    """A brand-new database file seeded here (not the suite's shared seeded copy)."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert seed_database(url) == {"products": 40, "orders_created": 8, "reps": 6, "agents": 5}
    return url


def counts(url: str) -> dict:
    with session_scope(url) as session:
        return {
            model.__tablename__: session.scalar(select(func.count(model.id)))
            for model in (Product, Variant, Order, OrderItem)
        }


def stock_by_variant(url: str) -> dict:
    with session_scope(url) as session:
        rows = session.execute(select(Product.sku, Variant.size, Variant.color, Variant.stock).join(Variant.product))
        return {(sku, size, color): stock for sku, size, color, stock in rows}


def test_seed_loads_the_whole_catalog(seeded):
    catalog = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))["products"]
    expected_variants = sum(len(entry["variants"]) for entry in catalog)
    assert counts(seeded) == {"products": len(catalog), "variants": expected_variants, "orders": 8, "order_items": 12}
    stock = stock_by_variant(seeded)
    for entry in catalog:
        for spec in entry["variants"]:
            key = (entry["sku"], str(spec.get("size", "")), spec["color"])
            assert stock[key] == spec["stock"], key
    with session_scope(seeded) as session:
        shoes = session.scalar(select(Product).where(Product.sku == "SHOE-DRESS"))
        assert (shoes.name, shoes.category, shoes.price_cents, shoes.final_sale) == (
            "Classic Dress Shoes",
            "shoes",
            8900,
            False,
        )
        assert "oxfords" in shoes.synonym_list
        assert session.scalar(select(Product.final_sale).where(Product.sku == "ACC-SUNGLASS")) is True
        # a product without sizes stores "" (not NULL), so the unique variant constraint holds
        backpack = session.scalar(select(Product).where(Product.sku == "BAG-CANVAS"))
        assert {v.size for v in backpack.variants} == {""}


def test_seeding_twice_is_idempotent(seeded):
    before_counts, before_stock = counts(seeded), stock_by_variant(seeded)
    with session_scope(seeded) as session:
        before_orders = [
            (o.reference, o.email, o.status, o.total_cents) for o in session.scalars(select(Order).order_by(Order.id))
        ]

    result = seed_database(seeded)

    assert result == {"products": 40, "orders_created": 0, "reps": 6, "agents": 5}
    assert counts(seeded) == before_counts
    assert stock_by_variant(seeded) == before_stock
    with session_scope(seeded) as session:
        after_orders = [
            (o.reference, o.email, o.status, o.total_cents) for o in session.scalars(select(Order).order_by(Order.id))
        ]
        duplicates = session.execute(select(Order.reference).group_by(Order.reference).having(func.count() > 1)).all()
    assert after_orders == before_orders
    assert duplicates == []


def test_reseeding_keeps_live_stock(seeded):
    """Stock is live data once customers buy: the catalog file must not reset it."""
    with session_scope(seeded) as session:
        variant_id = session.scalar(
            select(Variant.id)
            .join(Variant.product)
            .where(Product.sku == "SHOE-DRESS", Variant.size == "10", Variant.color == "black")
        )
        session.execute(update(Variant).where(Variant.id == variant_id).values(stock=0))
        session.execute(update(Variant).where(Variant.stock == 12).values(stock=99))
    changed = stock_by_variant(seeded)

    seed_database(seeded)

    assert stock_by_variant(seeded) == changed
    assert changed[("SHOE-DRESS", "10", "black")] == 0


def test_reseeding_updates_catalog_details_but_not_stock(seeded, tmp_path):
    catalog = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    entry = next(e for e in catalog["products"] if e["sku"] == "SHOE-DRESS")
    entry["price"] = 99.5
    entry["synonyms"].append("Brogues")
    entry["variants"][0]["stock"] = 500  # an existing variant: its stock stays
    entry["variants"].append({"color": "tan", "size": "10", "stock": 4})  # a new variant
    edited = tmp_path / "catalog.yml"
    edited.write_text(yaml.safe_dump(catalog))

    from shop.seed import seed

    seed(seeded, catalog_path=edited)

    with session_scope(seeded) as session:
        shoes = session.scalar(select(Product).where(Product.sku == "SHOE-DRESS"))
        assert shoes.price_cents == 9950
        assert "brogues" in shoes.synonym_list
        stock = {(v.color, v.size): v.stock for v in shoes.variants}
    assert stock[("black", "7")] == 12
    assert stock[("tan", "10")] == 4
    assert counts(seeded)["products"] == 40


def reps_by_email(url: str) -> dict:
    with session_scope(url) as session:
        return {
            r.email: (r.name, r.team, r.timezone, json.loads(r.working_hours), r.active)
            for r in session.scalars(select(Rep))
        }


def test_seeding_the_sales_team(seeded, tmp_path):
    team = yaml.safe_load(SALES_TEAM_PATH.read_text(encoding="utf-8"))
    reps = reps_by_email(seeded)
    assert len(reps) == 6
    olivia = team["teams"]["smb"]["reps"][0]
    assert reps[olivia["email"]] == (olivia["name"], "smb", olivia["timezone"], olivia["working_hours"], True)

    # upserted by email: edits apply, a rep who left is kept but inactive, nothing is duplicated
    olivia["name"] = "Olivia Bennett-Shaw"
    olivia["working_hours"]["sat"] = ["10:00", "14:00"]
    team["teams"]["wholesale"]["reps"][0]["active"] = False
    edited = tmp_path / "sales_team.yml"
    edited.write_text(yaml.safe_dump(team))

    from shop.seed import seed

    assert seed(seeded, sales_team_path=edited)["reps"] == 6
    after = reps_by_email(seeded)
    assert len(after) == 6
    assert after[olivia["email"]][0] == "Olivia Bennett-Shaw"
    assert after[olivia["email"]][3]["sat"] == ["10:00", "14:00"]
    assert [email for email, rep in after.items() if not rep[4]] == ["grace.liu@shop.example"]


@pytest.mark.parametrize(
    "field, value", [("timezone", "Mars/Olympus_Mons"), ("working_hours", {"mon": ["17:00", "09:00"]})]
)
def test_a_broken_sales_team_file_is_refused(seeded, tmp_path, field, value):
    team = yaml.safe_load(SALES_TEAM_PATH.read_text(encoding="utf-8"))
    team["teams"]["smb"]["reps"][0][field] = value
    edited = tmp_path / "sales_team.yml"
    edited.write_text(yaml.safe_dump(team))

    from shop.seed import seed

    with pytest.raises(ValueError, match=re.escape("olivia.bennett@shop.example")):
        seed(seeded, sales_team_path=edited)


@pytest.mark.parametrize(
    "reference, email, status, delivered_days_ago, lines",
    [
        ("A1001", "maria.lopez@example.com", "paid", None, 1),
        ("A1002", "daniel.kim@example.com", "shipped", None, 2),
        ("A1003", "james.carter@example.com", "delivered", 5, 2),
        ("A1004", "priya.shah@example.com", "delivered", 90, 1),
        ("A1005", "tom.becker@example.com", "delivered", 3, 1),
        ("A1006", "aiko.tanaka@example.com", "refunded", 25, 1),
        ("A1007", "sam.okafor@example.com", "delivered", 6, 3),
        ("A1008", "lena.fischer@example.com", "shipped", None, 1),
    ],
)
def test_demo_orders(seeded, reference, email, status, delivered_days_ago, lines):
    # A database seeded now: delivery dates are relative to the seeding (the run's shared
    # template can be many minutes old by the time this runs).
    with session_scope(seeded) as session:
        order = session.scalar(select(Order).where(Order.reference == reference))
        assert order is not None
        assert (order.email, order.status, len(order.items)) == (email, status, lines)
        assert order.id + 1000 == int(reference[1:])
        assert order.total_cents == sum(i.unit_price_cents * i.quantity for i in order.items) > 0
        if delivered_days_ago is None:
            assert order.delivered_at is None
        else:
            age = naive_now() - order.delivered_at
            assert abs(age - timedelta(days=delivered_days_ago)) < timedelta(minutes=5)
        assert all(i.refunded for i in order.items) is (status == "refunded")
        assert all(i.final_sale == i.variant.product.final_sale for i in order.items)


def test_demo_order_contents(shop_db):
    with session_scope(shop_db) as session:
        order = session.scalar(select(Order).where(Order.reference == "A1003"))
        lines = [(i.variant.product.name, i.variant.color, i.variant.size, i.quantity) for i in order.items]
        assert lines == [("Classic Dress Shoes", "black", "9", 1), ("Linen Shirt", "blue", "M", 1)]
        assert order.total_cents == 8900 + 5900
        final_sale = session.scalar(select(Order).where(Order.reference == "A1005"))
        assert [i.final_sale for i in final_sale.items] == [True]


@pytest.mark.parametrize("price, cents", [(89.0, 8900), ("19.99", 1999), (0.1, 10), (229, 22900), (0.005, 0)])
def test_price_to_cents(price, cents):
    assert price_to_cents(price) == cents


def test_actions_use_the_test_database(shop_db, tmp_path):
    from shop.settings import database_url

    assert database_url() == shop_db
    assert shop_db.endswith(str(tmp_path / "shop.db"))
    with session_scope() as session:  # no URL: what the actions do
        assert session.scalar(select(func.count(Order.id))) == 8
