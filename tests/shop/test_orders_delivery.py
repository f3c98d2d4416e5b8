"""Delivery dates count business days: weekends don't ship or deliver."""

from datetime import date

import pytest

from shop.formatting import day, join_words, money
from shop.orders import add_business_days, delivery_window

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
