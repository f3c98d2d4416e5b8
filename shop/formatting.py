"""How amounts, dates and lists read in a chat message."""

from collections.abc import Iterable
from datetime import date


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B}"


def minutes(count: int) -> str:
    """'1 minute', '3 minutes'."""
    return f"{count} minute{'s' if count != 1 else ''}"


def join_words(words: Iterable[str], last: str = "and") -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
