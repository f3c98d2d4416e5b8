"""python -m shop.shipping A1003: marks the order shipped (`make ship ORDER=A1003`), and its
customer's shipping update is written to the outbox in the same transaction (shop/orders.py)."""

import sys

from shop import orders
from shop.clock import now_utc
from shop.db import session_scope


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with session_scope() as session:
            order = orders.ship_order(session, argv[0], now_utc())
            reference = order.reference
    except orders.CannotShip as error:
        print(f"not shipped: {error}", file=sys.stderr)
        return 1
    print(f"order {reference} is shipped; the customer's update is in the outbox")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
