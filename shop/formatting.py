"""How amounts, dates and lists read in a chat message."""

from collections.abc import Iterable, Mapping
from datetime import date


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B}"


def minutes(count: int) -> str:
    """'1 minute', '3 minutes'."""
    return f"{count} minute{'s' if count != 1 else ''}"


def long_date(value: date) -> str:
    """'05 March 2025': a deadline."""
    return f"{value:%d %B %Y}"


def short_date(value: date | None) -> str:
    """'05 Mar 2025', or '-' when there is none: a step of an order."""
    return f"{value:%d %b %Y}" if value else "-"


def variant_options(size: str | None, color: str | None) -> str:
    """'black, size M', 'size 10', 'olive', or '' when the variant has neither."""
    return ", ".join(part for part in (color, f"size {size}" if size else None) if part)


def variant_label(name: str, size: str | None, color: str | None) -> str:
    """'Hoodie (black, size M)': a product with the options chosen, as an order line names it."""
    options = variant_options(size, color)
    return f"{name} ({options})" if options else name


def stock_list(levels: Mapping[str, Iterable[tuple[str, int]]]) -> str:
    """'black: 7 (12 left), 9 sold out; brown: ...' from {color: [(size, stock), ...]} (a size
    '' for a product without sizes: 'black: 17 left; brown: sold out')."""

    def one(size: str, stock: int) -> str:
        if not size:
            return f"{stock} left" if stock else "sold out"
        return f"{size} ({stock} left)" if stock else f"{size} sold out"

    return "; ".join(f"{color}: {', '.join(one(*option) for option in options)}" for color, options in levels.items())


def join_words(words: Iterable[str], last: str = "and") -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"
