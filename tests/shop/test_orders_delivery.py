"""Delivery dates count business days: weekends don't ship or deliver; how values read in a message."""

from datetime import date

import pytest
from sqlalchemy import select

from shop.db import session_scope
from shop.formatting import day, join_words, long_date, money, short_date, stock_list, variant_label, variant_options
from shop.models import Product
from shop.orders import add_business_days, delivery_estimate, delivery_window

MON, TUE, WED, THU, FRI, SAT, SUN = (date(2024, 5, d) for d in range(6, 13))
NEXT_MON, NEXT_TUE, NEXT_WED, NEXT_THU, NEXT_FRI = (date(2024, 5, d) for d in range(13, 18))


def test_calendar_of_these_tests():
    assert [d.strftime("%a") for d in (MON, FRI, SAT, SUN, NEXT_MON)] == ["Mon", "Fri", "Sat", "Sun", "Mon"]


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (MON, 0, MON),
        (MON, 1, TUE),
        (MON, 4, FRI),
        (THU, 1, FRI),
        (FRI, 1, NEXT_MON),  # over the weekend
        (FRI, 3, NEXT_WED),
        (SAT, 1, NEXT_MON),
        (SUN, 1, NEXT_MON),
        (SAT, 5, NEXT_FRI),
        (MON, 5, NEXT_MON),
        (FRI, 10, date(2024, 5, 24)),  # two weekends
    ],
)
def test_add_business_days(start, days, expected):
    assert add_business_days(start, days) == expected


@pytest.mark.parametrize(
    "today, earliest, latest",
    [
        # Friday: ships Monday, arrives Thursday (3 business days) to the Monday after (5)
        (FRI, NEXT_THU, date(2024, 5, 20)),
        # Saturday and Sunday ship on Monday too
        (SAT, NEXT_THU, date(2024, 5, 20)),
        (SUN, NEXT_THU, date(2024, 5, 20)),
        # Monday: ships Tuesday, arrives Friday to the next Tuesday
        (MON, FRI, NEXT_TUE),
        # Wednesday: ships Thursday, arrives Tuesday to Thursday
        (WED, NEXT_TUE, NEXT_THU),
    ],
)
def test_delivery_window(today, earliest, latest):
    assert delivery_window(today) == (earliest, latest)
    assert earliest.weekday() < 5 and latest.weekday() < 5


def test_formatting():
    assert day(FRI) == "Friday 10 May"
    assert money(8900) == "$89.00"
    assert money(123456) == "$1,234.56"
    assert join_words(["a", "b", "c"], "or") == "a, b or c"
    assert join_words(["a"]) == "a"
    assert join_words([]) == ""


def test_dates_variants_and_stock_lists_as_they_read():
    assert long_date(date(2024, 5, 6)) == "06 May 2024"
    assert short_date(date(2024, 5, 6)) == "06 May 2024" and short_date(date(2024, 9, 6)) == "06 Sep 2024"
    assert short_date(None) == "-"
    assert variant_options("M", "black") == "black, size M"
    assert (variant_options("10", None), variant_options(None, "olive"), variant_options("", "")) == (
        "size 10",
        "olive",
        "",
    )
    assert variant_label("Hoodie", "M", "black") == "Hoodie (black, size M)"
    assert variant_label("Thing", None, None) == "Thing"
    assert (
        stock_list({"black": [("7", 12), ("9", 0)], "brown": [("7", 1)]})
        == "black: 7 (12 left), 9 sold out; brown: 7 (1 left)"
    )
    assert stock_list({"black": [("", 17)], "brown": [("", 0)]}) == "black: 17 left; brown: sold out"


def test_delivery_estimate_for_the_options_in_mind(shop_db):
    with session_scope() as session:
        shoes = session.scalar(select(Product).where(Product.name == "Classic Dress Shoes"))
        assert delivery_estimate(shoes, None, None, WED) == (NEXT_TUE, NEXT_THU)
        assert delivery_estimate(shoes, "size 10", "black", MON) == (FRI, NEXT_TUE)
        assert delivery_estimate(shoes, "10", "brown", MON) is None  # sold out: no date to promise
        assert delivery_estimate(shoes, "13", "purple", MON) == (FRI, NEXT_TUE)  # not its options: any
