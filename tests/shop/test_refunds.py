"""Refund records: the order needs its email, each line is refunded at most once; the form's steps."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from shop import refunds
from shop.clock import naive_now
from shop.db import session_factory, session_scope
from shop.models import Order, Refund
from shop.orders import find_customer_order
from shop.refunds import (
    AlreadyRefunded,
    create_refund,
    line_decisions,
    load_policy,
    refund_reference,
)


def refund_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(Refund.id)))


@pytest.mark.parametrize(
    "reference, email, found",
    [
        ("A1003", "james.carter@example.com", True),
        ("A1003", "James.Carter@Example.COM", True),  # emails are case-insensitive
        ("A1003", "  james.carter@example.com ", True),
        ("a1003", "james.carter@example.com", True),
        ("A1003", "priya.shah@example.com", False),  # another customer's email
        ("A1003", "james.carter@example.org", False),
        ("A1003", "", False),
        ("A9999", "james.carter@example.com", False),
    ],
)
def test_find_customer_order_needs_the_matching_email(shop_db, reference, email, found):
    with session_scope() as session:
        order = find_customer_order(session, reference, email)
        assert (order.reference if order else None) == ("A1003" if found else None)


def test_find_customer_order_for_an_order_without_email(shop_db):
    with session_scope() as session:
        session.get(Order, 1).email = None
    with session_scope() as session:
        assert find_customer_order(session, "A1001", "") is None
        assert find_customer_order(session, "A1001", "maria.lopez@example.com") is None


def test_line_decisions_of_the_demo_orders(shop_db):
    policy, now = load_policy(), naive_now()
    with session_scope() as session:

        def decisions(reference):
            return [
                (d.label, d.decision.allowed, d.decision.reason)
                for d in line_decisions(session.scalar(select(Order).where(Order.reference == reference)), policy, now)
            ]

        assert decisions("A1003") == [
            ("Classic Dress Shoes (black, size 9)", True, None),
            ("Linen Shirt (blue, size M)", True, None),
        ]
        assert decisions("A1004") == [("Wool Coat (grey, size L)", False, "window_expired")]
        assert decisions("A1005") == [("Sunglasses (black)", False, "final_sale")]
        assert decisions("A1006") == [("Running Shoes (blue, size 10)", False, "already_refunded")]
        assert decisions("A1001") == [("Hoodie (black, size M)", False, "not_delivered")]
        assert decisions("A1002") == [
            ("Slim Jeans (blue, size 32)", False, "not_delivered"),
            ("Cotton T-Shirt (white, size M)", False, "not_delivered"),
        ]


def test_create_refund_marks_the_line_refunded(shop_db):
    with session_scope() as session:
        order = find_customer_order(session, "A1003", "james.carter@example.com")
        shoes = order.items[0]
        refund = create_refund(session, shoes, "  doesn't fit  ")
        reference, refund_id = refund.reference, refund.id
    assert reference == refund_reference(refund_id) == "R5001"
    with session_scope() as session:
        refund = session.get(Refund, refund_id)
        assert (refund.reason, refund.amount_cents, refund.status) == ("doesn't fit", 8900, "requested")
        assert refund.item.refunded is True
        order = refund.item.order
        # one of two lines refunded: the order is not refunded (yet)
        assert [i.refunded for i in order.items] == [True, False]
        assert (order.status, order.refunded_at) == ("delivered", None)


def test_amount_is_price_times_quantity(shop_db):
    with session_scope() as session:
        order = find_customer_order(session, "A1002", "daniel.kim@example.com")
        tees = order.items[1]
        assert tees.quantity == 2
        assert create_refund(session, tees, "too small").amount_cents == 2 * 2500


def test_long_reasons_are_cut(shop_db):
    with session_scope() as session:
        item = find_customer_order(session, "A1003", "james.carter@example.com").items[0]
        assert len(create_refund(session, item, "x" * 2000).reason) == 500


def test_second_refund_of_a_line_is_refused(shop_db):
    with session_scope() as session:
        item = find_customer_order(session, "A1003", "james.carter@example.com").items[0]
        create_refund(session, item, "doesn't fit")
    with session_scope() as session:
        item = find_customer_order(session, "A1003", "james.carter@example.com").items[0]
        with pytest.raises(AlreadyRefunded):
            create_refund(session, item, "still doesn't fit")
    assert refund_count() == 1


def test_a_demo_line_refunded_before_is_refused(shop_db):
    with session_scope() as session:
        item = find_customer_order(session, "A1006", "aiko.tanaka@example.com").items[0]
        with pytest.raises(AlreadyRefunded):
            create_refund(session, item, "again")
    assert refund_count() == 0


def test_database_refuses_a_second_refund_of_a_line_even_from_a_stale_read(shop_db):
    """Two requests for the same line that both read it before either wrote: the unique
    order line on refunds lets only one through."""
    session_a, session_b = session_factory()(), session_factory()()
    try:
        item_a = find_customer_order(session_a, "A1003", "james.carter@example.com").items[0]
        item_b = find_customer_order(session_b, "A1003", "james.carter@example.com").items[0]
        assert not item_a.refunded and not item_b.refunded
        create_refund(session_a, item_a, "doesn't fit")
        session_a.commit()
        with pytest.raises(IntegrityError):
            create_refund(session_b, item_b, "doesn't fit")
    finally:
        session_b.rollback()
        session_a.close()
        session_b.close()
    assert refund_count() == 1


def test_order_is_refunded_when_all_lines_are(shop_db):
    with session_scope() as session:
        order = find_customer_order(session, "A1003", "james.carter@example.com")
        create_refund(session, order.items[0], "doesn't fit")
        assert order.status == "delivered"
        last = create_refund(session, order.items[1], "wrong color")
        assert order.status == "refunded"
        assert order.refunded_at == last.created_at
    with session_scope() as session:
        stored = session.scalar(select(Order).where(Order.reference == "A1003"))
        assert stored.status == "refunded"
        assert stored.refunded_at is not None
        assert naive_now() - stored.refunded_at < timedelta(minutes=5)
        assert [r.reference for r in session.scalars(select(Refund).order_by(Refund.id))] == ["R5001", "R5002"]
    # and the policy now refuses every line of it
    with session_scope() as session:
        order = find_customer_order(session, "A1003", "james.carter@example.com")
        reasons = {d.decision.reason for d in line_decisions(order, load_policy(), naive_now())}
        assert reasons == {"already_refunded"}


def test_a_failed_refund_writes_nothing(shop_db):
    with pytest.raises(RuntimeError), session_scope() as session:
        item = find_customer_order(session, "A1003", "james.carter@example.com").items[0]
        create_refund(session, item, "doesn't fit")
        raise RuntimeError("the action failed after writing")
    with session_scope() as session:
        item = find_customer_order(session, "A1003", "james.carter@example.com").items[0]
        assert item.refunded is False
    assert refund_count() == 0


# --------------------------------------------------------------------------- the refund form's steps

JAMES = ("A1003", "james.carter@example.com")  # delivered 5 days ago: both lines refundable
SAM = ("A1007", "sam.okafor@example.com")  # Hoodie, Chino Pants, Leather Wallet


@pytest.fixture
def session(shop_db):
    with session_scope(shop_db) as session:
        yield session


def test_check_order(session):
    policy, now = load_policy(), naive_now()
    assert refunds.check_order(session, "A1003", "priya.shah@example.com", policy, now) == refunds.OrderCheck(False)
    found = refunds.check_order(session, *JAMES, policy, now)
    assert (found.found, found.refusal) == (True, None)
    assert [line.product for line in found.refundable] == ["Classic Dress Shoes", "Linen Shirt"]
    refused = refunds.check_order(session, "A1004", "priya.shah@example.com", policy, now)
    assert (refused.found, refused.refusal.reason, refused.refundable) == (True, "window_expired", [])


def test_the_policy_decides_at_the_time_given(session):
    policy = load_policy()
    later = naive_now() + timedelta(days=policy.window_days)  # the window of A1003 has closed by then
    assert refunds.check_order(session, *JAMES, policy, later).refusal.reason == "window_expired"
    assert refunds.refundable_lines(session, *JAMES, policy, later) == []


def test_choose_item(session):
    policy, now = load_policy(), naive_now()
    choice = refunds.choose_item(session, *JAMES, "the linen shirt please", policy, now)
    assert (choice.line.label, choice.products) == (
        "Linen Shirt (blue, size M)",
        ["Classic Dress Shoes", "Linen Shirt"],
    )
    assert refunds.choose_item(session, *JAMES, "hoodie", policy, now).line is None
    assert refunds.choose_item(session, "A1003", "someone@example.com", "hoodie", policy, now) == refunds.ItemChoice(
        None, []
    )


def test_other_line_named(session):
    policy, now = load_policy(), naive_now()
    other = refunds.other_line_named(session, *SAM, "actually the Chino Pants", "Hoodie", policy, now)
    assert (other.product, other.decision.allowed) == ("Chino Pants", True)
    assert refunds.other_line_named(session, *SAM, "the Hoodie is too small", "Hoodie", policy, now) is None
    assert refunds.other_line_named(session, *SAM, "too small", "Hoodie", policy, now) is None


def test_refundable_lines_and_item_label(session):
    policy, now = load_policy(), naive_now()
    mark = next(line for line in refunds.order_lines(session, *SAM, policy, now) if line.product == "Leather Wallet")
    mark.item.refunded = True
    assert [line.label for line in refunds.refundable_lines(session, *SAM, policy, now)] == [
        "Hoodie (green, size L)",
        "Chino Pants (khaki, size 32)",
    ]
    assert refunds.item_label(session, *SAM, "Hoodie", policy, now) == "Hoodie (green, size L)"
    assert refunds.item_label(session, "A1007", "x@example.com", "Hoodie", policy, now) == "Hoodie"


def submit(session, order=JAMES, item="Classic Dress Shoes", refused=False, confirmed=True, now=None):
    return refunds.submit_refund(
        session,
        *order,
        item,
        "doesn't fit",
        refused=refused,
        confirmed=confirmed,
        policy=load_policy(),
        now=now or naive_now(),
    )


def test_submit_refund_files_it(shop_db):
    with session_scope() as session:
        filing = submit(session)
    assert filing == refunds.Filing(
        "filed", "Classic Dress Shoes (black, size 9)", reference="R5001", amount_cents=8900
    )
    assert refund_count() == 1


def test_submit_refund_writes_nothing_unless_it_may(shop_db):
    with session_scope() as session:
        assert submit(session, order=("A1003", "x@example.com")).outcome == "no_order"
        assert submit(session, confirmed=False).outcome == "not_confirmed"
        assert submit(session, item="Hoodie").outcome == "not_refundable"  # not in the order
        later = naive_now() + timedelta(days=60)
        assert submit(session, now=later).outcome == "not_refundable"  # checked again when writing
        refused = submit(session, order=("A1005", "tom.becker@example.com"), refused=True)
        assert (refused.outcome, refused.label, refused.refusal.reason) == (
            "refused",
            "Sunglasses (black)",
            "final_sale",
        )
    assert refund_count() == 0


def test_submit_refund_told_refused_of_an_order_now_refundable_files_nothing(shop_db):
    # The form's "refused" is the tracker's word; the order, read again, has a refundable line.
    with session_scope() as session:
        assert submit(session, refused=True, confirmed=False).outcome == "not_confirmed"
    assert refund_count() == 0


def test_submit_refund_of_a_line_refunded_meanwhile(shop_db, monkeypatch):
    def refunded_meanwhile(session, item, reason):
        raise AlreadyRefunded(item.id)

    monkeypatch.setattr(refunds, "create_refund", refunded_meanwhile)
    with session_scope() as session:
        assert submit(session) == refunds.Filing("already_refunded", "Classic Dress Shoes (black, size 9)")


def test_submit_refund_loses_a_race_for_the_same_line(shop_db):
    """Another request filed the line after this one read it: the database refuses a second refund."""
    with session_scope() as session:
        assert submit(session).outcome == "filed"
    with session_scope() as session:
        # The line as this request read it, before the other one wrote.
        refunds.order_lines(session, *JAMES, load_policy(), naive_now())[0].item.refunded = False
        assert submit(session).outcome == "taken"
    assert refund_count() == 1
    with session_scope() as session:
        assert refunds.order_lines(session, *JAMES, load_policy(), naive_now())[0].item.refunded is True
