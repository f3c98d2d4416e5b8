"""Delivery dates: orders ship the next business day, standard delivery takes 3-5 business days."""
from datetime import date, timedelta
from typing import Tuple

SHIP_BUSINESS_DAYS = 1
DELIVERY_BUSINESS_DAYS = (3, 5)


def add_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def delivery_window(today: date) -> Tuple[date, date]:
    shipped = add_business_days(today, SHIP_BUSINESS_DAYS)
    return (
        add_business_days(shipped, DELIVERY_BUSINESS_DAYS[0]),
        add_business_days(shipped, DELIVERY_BUSINESS_DAYS[1]),
    )
