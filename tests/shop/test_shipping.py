"""python -m shop.shipping (make ship): an order shipped from the command line, or why not."""

from sqlalchemy import select

from shop.db import session_scope
from shop.models import Order
from shop.shipping import main


def status(reference: str) -> str:
    with session_scope() as session:
        return session.scalar(select(Order.status).where(Order.reference == reference))


def paid_order() -> str:
    with session_scope() as session:
        return session.scalar(select(Order.reference).where(Order.status == "paid").order_by(Order.id))


def test_the_command_ships_the_order_once(shop_db, capsys):
    reference = paid_order()
    assert main([reference]) == 0 and status(reference) == "shipped"
    assert f"order {reference} is shipped" in capsys.readouterr().out
    assert main([reference]) == 1
    assert "is shipped" in capsys.readouterr().err
    assert main(["A9999"]) == 1 and main([]) == 2
