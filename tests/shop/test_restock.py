"""Back in stock (shop/restock.py): a wish to be told is kept once; stock coming back writes
each waiting customer's notice in the same transaction, once, and only for what they waited for."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from shop import catalog, restock
from shop.contacts import remember_reach
from shop.db import session_scope
from shop.models import OutboundMessage, RestockWish, Variant
from shop.outbound import outbox

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)


def hoodie(session, size: str, color: str) -> Variant:
    return catalog.find_variant(catalog.find_product(session, "Hoodie"), size, color)


def sold_out(size: str = "M", color: str = "black") -> None:
    with session_scope() as session:
        session.execute(update(Variant).where(Variant.id == hoodie(session, size, color).id).values(stock=0))


def wish(sender_id: str, size: str | None = "M", color: str | None = "black") -> str | None:
    with session_scope() as session:
        remember_reach(session, sender_id, "socketio")
        return restock.remember_wish(session, sender_id, "hoodie", size, color)


def notices() -> list[tuple]:
    with session_scope() as session:
        query = select(OutboundMessage).where(OutboundMessage.message_type == "back_in_stock")
        return [(m.sender_id, outbox.variables_of(m), outbox.slots_of(m)) for m in session.scalars(query)]


def back(quantity: int = 5, size: str = "M", color: str = "black") -> int:
    with session_scope() as session:
        return restock.restock(session, hoodie(session, size, color), quantity, NOW)


def test_the_customers_waiting_are_told_once_when_it_is_back(shop_db):
    sold_out()
    assert wish("web-1") == "Hoodie (black, size M)"
    assert wish("web-1") == "Hoodie (black, size M)"  # asked twice, kept once
    wish("web-2", size=None, color=None)  # any hoodie will do
    assert back() == 2
    assert notices() == [
        ("web-1", {"item": "Hoodie (black, size M)"}, {"product": "Hoodie", "size": "M", "color": "black"}),
        ("web-2", {"item": "Hoodie (black, size M)"}, {"product": "Hoodie", "size": "M", "color": "black"}),
    ]
    with session_scope() as session:
        assert hoodie(session, "M", "black").stock == 5
        assert all(w.notified_at is not None for w in session.scalars(select(RestockWish)))
    sold_out()
    assert back() == 0  # told already


def test_only_those_waiting_for_that_variant_are_told(shop_db):
    sold_out("M", "black")
    sold_out("L", "black")
    wish("web-1", "L", "black")
    assert back(size="M") == 0 and notices() == []
    assert back(size="L") == 1


def test_more_stock_of_a_variant_still_in_stock_tells_nobody(shop_db):
    wish("web-1")
    assert back() == 0 and notices() == []


def test_an_unknown_product_is_no_wish_and_a_restock_adds_units(shop_db):
    with session_scope() as session:
        assert restock.remember_wish(session, "web-1", "flux capacitor", None, None) is None
        assert restock.remember_wish(session, "web-1", None, None, None) is None
        with pytest.raises(ValueError):
            restock.restock(session, hoodie(session, "M", "black"), 0, NOW)


def test_the_command_restocks_by_sku(shop_db, capsys):
    sold_out()
    wish("web-1")
    assert restock.main(["TOP-HOODIE", "3", "--size", "M", "--color", "black"]) == 0
    assert "1 waiting customer(s) will be told" in capsys.readouterr().out
    assert restock.main(["NOPE", "3"]) == 1
