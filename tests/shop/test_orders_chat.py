"""Buying in the chat, one answer at a time against live stock, and reading an order back."""

import pytest
from sqlalchemy import func, select, update

from shop import catalog, orders
from shop.db import session_scope
from shop.models import Order, Product, Variant


@pytest.fixture
def session(shop_db):
    with session_scope(shop_db) as session:
        yield session


def set_stock(session, name: str, size, color, stock: int) -> None:
    product = session.scalar(select(Product).where(Product.name == name))
    variant = catalog.find_variant(product, size, color)
    session.execute(update(Variant).where(Variant.id == variant.id).values(stock=stock))
    session.expire_all()


# --------------------------------------------------------------------------- the product


def test_options_it_lacks(session):
    assert orders.options_it_lacks(session, "Hoodie") == set()
    assert orders.options_it_lacks(session, "backpack") == {"size"}
    assert orders.options_it_lacks(session, None) == orders.options_it_lacks(session, "Flying Carpet") == set()


@pytest.mark.parametrize(
    "value, size, color, expected",
    [
        ("dress shoes", "size 10", "black", ("Classic Dress Shoes", "10", "black")),  # earlier answers fit
        ("dress shoes", "M", "green", ("Classic Dress Shoes", None, None)),  # ... or are dropped
        ("denim jacket", None, None, ("Denim Jacket", None, "blue")),  # its only color
        ("backpack", "10", None, ("Canvas Backpack", None, None)),
    ],
)
def test_choose_product(session, value, size, color, expected):
    choice = orders.choose_product(session, value, size, color, said_now=True)
    assert (choice.product, choice.size, choice.color, choice.problem) == (*expected, None)


def test_choose_an_unknown_product(session):
    choice = orders.choose_product(session, "hoddei", None, None, said_now=True)
    assert (choice.product, choice.problem, choice.similar[0]) == (None, "unknown", "Hoodie")
    assert orders.choose_product(session, "hoddei", None, None, said_now=False).problem == "dropped"


def test_choose_a_sold_out_product(session):
    choice = orders.choose_product(session, "Suede Loafers", None, None, said_now=False)
    assert (choice.product, choice.problem) == ("Suede Loafers", "sold_out")  # said or not
    assert len(choice.alternatives) == 3 and all(a.product != "Suede Loafers" for a in choice.alternatives)


# --------------------------------------------------------------------------- size and color


def test_choose_size(session):
    assert orders.choose_size(session, "Hoodie", "medium", None, said_now=True).value == "M"
    assert orders.choose_size(session, None, "M", None, said_now=True).problem == "no_product"
    unknown = orders.choose_size(session, "Classic Dress Shoes", "13", None, said_now=True)
    assert (unknown.problem, unknown.product, unknown.offered) == (
        "not_offered",
        "Classic Dress Shoes",
        ["7", "8", "9", "10", "11", "12"],
    )
    sold_out = orders.choose_size(session, "Classic Dress Shoes", "10", "brown", said_now=True)
    assert (sold_out.value, sold_out.problem, sold_out.label) == (
        None,
        "sold_out",
        "Classic Dress Shoes (brown, size 10)",
    )
    assert all(a.stock > 0 for a in sold_out.alternatives)


def test_an_earlier_size_that_does_not_fit_is_dropped_quietly(session):
    assert orders.choose_size(session, "Hoodie", "10", None, said_now=False).problem == "dropped"
    # sold out in every color: dropped; sold out only in the color chosen: said
    set_stock(session, "Classic Dress Shoes", "10", "black", 0)
    assert orders.choose_size(session, "Classic Dress Shoes", "10", "brown", said_now=False).problem == "dropped"
    assert orders.choose_size(session, "Classic Dress Shoes", "9", "black", said_now=False).problem == "sold_out"


def test_choose_color(session):
    assert orders.choose_color(session, "Classic Dress Shoes", "the black ones", "10", said_now=True).value == "black"
    unknown = orders.choose_color(session, "Classic Dress Shoes", "white", "10", said_now=True)
    assert (unknown.problem, unknown.offered) == ("not_offered", ["black", "brown"])
    sold_out = orders.choose_color(session, "Classic Dress Shoes", "brown", "10", said_now=True)
    assert (sold_out.problem, sold_out.label) == ("sold_out", "Classic Dress Shoes (brown, size 10)")
    assert orders.choose_color(session, "Classic Dress Shoes", "white", "10", said_now=False).problem == "dropped"


# --------------------------------------------------------------------------- quantity


@pytest.mark.parametrize(
    "value, said_now, expected",
    [
        ("two", True, (2, None)),
        ("0", True, (None, "not_positive")),
        ("2.5", True, (None, "not_whole")),
        ("a million", True, (None, "too_many")),
        ("lots", True, (None, "not_a_number")),
        (None, True, (None, "not_a_number")),
        ("lots", False, (None, "dropped")),
        ("4", True, (None, "more_than_stock")),  # 3 left
        ("4", False, (None, "more_than_stock")),  # a number is checked against stock, said or not
        ("3", True, (3, None)),
    ],
)
def test_check_quantity(session, value, said_now, expected):
    check = orders.check_quantity(session, "Classic Dress Shoes", "11", "brown", value, said_now)
    assert (check.quantity, check.problem) == expected
    if check.problem == "more_than_stock":
        assert (check.stock, check.label) == (3, "Classic Dress Shoes (brown, size 11)")


def test_check_quantity_before_the_variant_is_known(session):
    assert orders.check_quantity(session, "Classic Dress Shoes", None, None, "40", True).problem == "too_many"
    assert orders.check_quantity(session, "Classic Dress Shoes", None, "brown", "9", True).quantity == 9
    assert orders.check_quantity(session, None, None, None, "9", True).quantity == 9


# --------------------------------------------------------------------------- questions, confirmation


def test_size_and_color_questions_offer_what_is_in_stock(session):
    sizes = orders.size_question(session, "Classic Dress Shoes", "brown")
    assert (sizes.label, sizes.in_stock, sizes.sold_out) == (
        "Classic Dress Shoes (brown)",
        ["7", "8", "9", "11", "12"],
        ["10"],
    )
    colors = orders.color_question(session, "Classic Dress Shoes", "10")
    assert (colors.label, colors.in_stock, colors.sold_out) == ("Classic Dress Shoes (size 10)", ["black"], ["brown"])
    assert orders.size_question(session, None, None) is None
    assert orders.color_question(session, "Flying Carpet", None) is None


def test_purchase_summary(session):
    summary = orders.purchase_summary(session, "Hoodie", "M", "black", 2)
    assert summary == orders.PurchaseSummary("Hoodie (black, size M)", 2, 6500, 13000)


# --------------------------------------------------------------------------- buying


def order_count(session) -> int:
    return session.scalar(select(func.count(Order.id)))


def test_buy(shop_db):
    with session_scope() as session:
        purchase = orders.buy(session, "Classic Dress Shoes", "11", "black", 2, "jane@example.com", "buyer-1")
    assert purchase == orders.Purchase("A1009", "Classic Dress Shoes (black, size 11)", 2, 17800)
    with session_scope() as session:
        order = orders.get_order(session, "A1009")
        assert (order.email, order.sender_id, order.items[0].variant.stock) == ("jane@example.com", "buyer-1", 1)


def test_buy_when_the_stock_went_meanwhile_writes_nothing_and_offers_what_is_left(shop_db):
    with session_scope() as session:
        set_stock(session, "Classic Dress Shoes", "11", "black", 1)
    with session_scope() as session:
        purchase = orders.buy(session, "Classic Dress Shoes", "11", "black", 2, "jane@example.com")
        assert (purchase.reference, purchase.label) == (None, "Classic Dress Shoes (black, size 11)")
        assert purchase.alternatives and all(a.stock >= 2 for a in purchase.alternatives)
    with session_scope() as session:
        assert order_count(session) == 8
        product = session.scalar(select(Product).where(Product.name == "Classic Dress Shoes"))
        assert catalog.find_variant(product, "11", "black").stock == 1


# --------------------------------------------------------------------------- order status


@pytest.mark.parametrize(
    "reference, status, since",
    [
        ("a1001", "paid", "placed_at"),
        ("A1002", "shipped", "shipped_at"),
        ("A1003", "delivered", "delivered_at"),
        ("A1006", "refunded", "refunded_at"),
    ],
)
def test_order_status(session, reference, status, since):
    order = orders.get_order(session, reference)
    found = orders.order_status(session, reference, order.email.upper())
    assert (found.reference, found.status, found.since) == (reference.upper(), status, getattr(order, since))
    assert found.total_cents == order.total_cents


def test_order_status_lists_the_items_and_knows_no_other_order(session):
    assert orders.order_status(session, "A1002", "daniel.kim@example.com").items == [
        (1, "Slim Jeans (blue, size 32)"),
        (2, "Cotton T-Shirt (white, size M)"),
    ]
    assert orders.order_status(session, "A9999", "daniel.kim@example.com") is None
    orders.get_order(session, "A1001").status = "cancelled"
    assert orders.order_status(session, "A1001", "maria.lopez@example.com").since is None


@pytest.mark.parametrize("email", ["daniel.kim@example.com", "", "maria.lopez@example.co"])
def test_order_status_is_only_for_the_email_on_the_order(session, email):
    assert orders.order_status(session, "A1001", email) is None
