"""Placing orders: stock, totals, all-or-nothing transactions, and buyers racing for the last unit."""

import threading
import time

import pytest
from sqlalchemy import func, select, update

from shop import catalog, orders
from shop.db import session_scope
from shop.models import Order, OrderItem, Product, Variant
from shop.orders import OutOfStock, get_order, order_reference, place_order


def variant_id(name: str, size: str, color: str) -> int:
    with session_scope() as session:
        product = session.scalar(select(Product).where(Product.name == name))
        return catalog.find_variant(product, size, color).id


def stock_of(vid: int) -> int:
    with session_scope() as session:
        return session.scalar(select(Variant.stock).where(Variant.id == vid))


def set_stock(vid: int, stock: int) -> None:
    with session_scope() as session:
        session.execute(update(Variant).where(Variant.id == vid).values(stock=stock))


def order_count() -> tuple[int, int]:
    with session_scope() as session:
        return (session.scalar(select(func.count(Order.id))), session.scalar(select(func.count(OrderItem.id))))


def orders_of_variant(vid: int) -> list[Order]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(Order).join(Order.items).where(OrderItem.variant_id == vid, Order.reference > "A1008")
            )
        )


SEEDED_ORDERS = (8, 12)


def test_place_order_decrements_stock_and_computes_total(shop_db):
    vid = variant_id("Hoodie", "M", "black")
    assert stock_of(vid) == 20
    with session_scope() as session:
        order = place_order(session, vid, 3, email="jane@example.com", sender_id="web-42")
        reference = order.reference
    assert stock_of(vid) == 17
    with session_scope() as session:
        stored = get_order(session, reference)
        assert stored.reference == "A1009"  # the next after the eight demo orders
        assert (stored.status, stored.email, stored.sender_id) == ("placed", "jane@example.com", "web-42")
        assert stored.total_cents == 3 * 6500
        assert [(i.variant_id, i.quantity, i.unit_price_cents, i.final_sale, i.refunded) for i in stored.items] == [
            (vid, 3, 6500, False, False)
        ]
        assert stored.placed_at is not None and stored.delivered_at is None
    assert order_count() == (9, 13)


def test_references_follow_the_row_ids(shop_db):
    vid = variant_id("Cotton T-Shirt", "L", "black")
    references = []
    for _ in range(3):
        with session_scope() as session:
            references.append(place_order(session, vid, 1).reference)
    assert references == ["A1009", "A1010", "A1011"]
    assert order_reference(1) == "A1001"


def test_the_last_units_can_be_bought(shop_db):
    vid = variant_id("Classic Dress Shoes", "10", "black")
    assert stock_of(vid) == 1
    with session_scope() as session:
        place_order(session, vid, 1)
    assert stock_of(vid) == 0


def test_final_sale_is_recorded_on_the_line(shop_db):
    vid = variant_id("Sunglasses", None, "black")
    with session_scope() as session:
        order = place_order(session, vid, 1)
        assert [i.final_sale for i in order.items] == [True]


@pytest.mark.parametrize("quantity", [2, 5])
def test_out_of_stock_writes_nothing(shop_db, quantity):
    vid = variant_id("Classic Dress Shoes", "10", "black")  # 1 left
    with pytest.raises(OutOfStock), session_scope() as session:
        place_order(session, vid, quantity, email="jane@example.com")
    assert stock_of(vid) == 1
    assert order_count() == SEEDED_ORDERS


def test_sold_out_variant_raises(shop_db):
    vid = variant_id("Classic Dress Shoes", "10", "brown")  # 0 left
    with pytest.raises(OutOfStock), session_scope() as session:
        place_order(session, vid, 1)
    assert stock_of(vid) == 0
    assert order_count() == SEEDED_ORDERS


def test_out_of_stock_rolls_back_the_whole_transaction(shop_db):
    """An order placed earlier in the same transaction is undone too: all or nothing."""
    hoodie = variant_id("Hoodie", "M", "black")
    shoes = variant_id("Classic Dress Shoes", "10", "black")
    with pytest.raises(OutOfStock), session_scope() as session:
        place_order(session, hoodie, 2)
        place_order(session, shoes, 2)
    assert (stock_of(hoodie), stock_of(shoes)) == (20, 1)
    assert order_count() == SEEDED_ORDERS


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_must_be_positive(shop_db, quantity):
    vid = variant_id("Hoodie", "M", "black")
    with pytest.raises(ValueError), session_scope() as session:
        place_order(session, vid, quantity)
    assert stock_of(vid) == 20
    assert order_count() == SEEDED_ORDERS


@pytest.mark.parametrize("quantity", [11, 20, 0])
def test_buy_checks_the_chat_limit_again_whatever_the_form_said(shop_db, quantity):
    with pytest.raises(ValueError), session_scope() as session:
        orders.buy(session, "Hoodie", "M", "black", quantity, email="a@example.com")
    assert order_count() == SEEDED_ORDERS


def test_buy_refuses_an_email_that_is_none(shop_db):
    with pytest.raises(ValueError), session_scope() as session:
        orders.buy(session, "Hoodie", "M", "black", 1, email="robert'); drop table orders;--")
    assert order_count() == SEEDED_ORDERS


def test_get_order(shop_db):
    with session_scope() as session:
        assert get_order(session, "A1003").email == "james.carter@example.com"
        assert get_order(session, "a1003").reference == "A1003"
        assert get_order(session, "A9999") is None


# --------------------------------------------------------------------------- the race


def race(vid: int, buyers: int, quantity: int = 1) -> list[tuple[str, object]]:
    """`buyers` threads, each with its own transaction, call place_order at the same moment
    (a barrier releases them together). Returns what each buyer got."""
    barrier = threading.Barrier(buyers)
    outcomes: list[tuple[str, object]] = [("not run", None)] * buyers

    def buy(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            with session_scope() as session:
                order = place_order(session, vid, quantity, sender_id=f"buyer-{i}")
                reference = order.reference
            outcomes[i] = ("ordered", reference)
        except OutOfStock:
            outcomes[i] = ("out of stock", None)
        except Exception as error:  # reported by the assertions, not lost in the thread
            outcomes[i] = ("error", repr(error))

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a buyer never finished"
    return outcomes


@pytest.fixture
def slow_commit(monkeypatch):
    """Whoever reserves first holds its reservation (and the write lock) 50 ms before committing,
    so the other buyers really run into an open transaction instead of finishing one by one."""
    reserve = orders.reserve_stock

    def reserve_and_hold(session, variant_id, quantity):
        reserved = reserve(session, variant_id, quantity)
        time.sleep(0.05)
        return reserved

    monkeypatch.setattr(orders, "reserve_stock", reserve_and_hold)


LAST_UNITS = [
    ("Classic Dress Shoes", "10", "black"),  # stock 1 in the catalog
    ("Sunglasses", None, "brown"),  # stock 1 in the catalog
    ("Hoodie", "M", "black"),
    ("Canvas Backpack", None, "navy"),
    ("Slim Jeans", "36", "black"),
]


@pytest.mark.parametrize("product, size, color", LAST_UNITS)
def test_two_buyers_race_for_the_last_unit(shop_db, slow_commit, product, size, color):
    vid = variant_id(product, size, color)
    set_stock(vid, 1)

    outcomes = race(vid, buyers=2)

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["ordered", "out of stock"], outcomes
    assert stock_of(vid) == 0
    new_orders = orders_of_variant(vid)
    assert [o.reference for o in new_orders] == [ref for kind, ref in outcomes if kind == "ordered"]
    assert order_count() == (9, 13)


def test_two_buyers_race_without_delay(shop_db):
    vid = variant_id("Classic Dress Shoes", "10", "black")
    for _ in range(5):
        set_stock(vid, 1)
        outcomes = race(vid, buyers=2)
        assert sorted(kind for kind, _ in outcomes) == ["ordered", "out of stock"], outcomes
        assert stock_of(vid) == 0
    assert len(orders_of_variant(vid)) == 5


def test_many_buyers_race_for_a_few_units(shop_db, slow_commit):
    vid = variant_id("Wool Coat", "M", "grey")  # stock 2
    assert stock_of(vid) == 2

    outcomes = race(vid, buyers=6)

    kinds = [kind for kind, _ in outcomes]
    assert kinds.count("ordered") == 2 and kinds.count("out of stock") == 4, outcomes
    assert stock_of(vid) == 0
    assert len(orders_of_variant(vid)) == 2
    assert order_count() == (10, 14)


def test_a_buyer_asking_for_more_than_is_left_loses_to_a_smaller_one(shop_db, slow_commit):
    vid = variant_id("Hoodie", "XL", "green")  # stock 2
    barrier = threading.Barrier(2)
    results = {}

    def buy(quantity: int) -> None:
        barrier.wait(timeout=10)
        try:
            with session_scope() as session:
                place_order(session, vid, quantity)
            results[quantity] = "ordered"
        except OutOfStock:
            results[quantity] = "out of stock"

    threads = [threading.Thread(target=buy, args=(q,)) for q in (2, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # whichever came first, the stock never goes negative and never sells more than 2
    sold = sum(q for q, r in results.items() if r == "ordered")
    assert sorted(results.values()) == ["ordered", "out of stock"]
    assert stock_of(vid) == 2 - sold >= 0
